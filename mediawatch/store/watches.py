"""The storage of saved watches (the strategic watch) and of their mail: digests and spike alerts.

Mixed into :class:`mediawatch.store.Store`. A watch is a saved search; what matches it is found by the
search index (:mod:`mediawatch.store.search`) but counted by when the collector found the article
(``articles.discovered``), never its publication date: a digest holds what is *new to us* since the last.

A watch's mail is built once per period (``UNIQUE(watch_id, kind, period_end)``), in the transaction that
advances the watch's ``last_digest_at``, then walked to a final status with the issue outbox's states
through :class:`WatchMailSession` (one short transaction per step, committed around the end-of-data dot).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.store import schema as t
from mediawatch.store import schema_watch as w
from mediawatch.store.core import Database, inserted_id, utcnow
from mediawatch.store.rows import from_row
from mediawatch.store.search import SearchFilters, _filter_clauses, _period, fts5_query, tsquery
from mediawatch.textsearch import TAGS, Node, index_language
from mediawatch.types import ArticleState, OutboxStatus

MATCH_CAP = 5000  # matches read at once for a digest or a day count; a watch that broad is a bad watch


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    name: str
    owner: str  # a user's name, or "team"
    query: str
    filters: dict[str, Any]  # the search filters as JSON (mediawatch.watch.watches reads them)
    every: str  # daily, weekly
    language: str  # of the digest
    email: str  # "": the owner's address at sending time
    feed_key: str
    active: bool
    created_at: datetime
    created_by: str
    last_digest_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewWatch:
    """A watch as saved, before the store gives it its id."""

    name: str
    owner: str
    query: str
    filters: dict[str, Any]
    every: str
    language: str
    email: str
    feed_key: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WatchMatch:
    """An article matching a watch, with when the collector found it."""

    article_id: int
    story_id: int
    title: str
    url: str
    outlet: str
    language: str
    published: datetime | None
    discovered: datetime


@dataclass(frozen=True, slots=True)
class WatchMail:
    id: int
    watch_id: int
    kind: str  # digest, spike
    period_end: datetime
    recipient: str
    language: str
    subject: str
    body_text: str
    body_html: str
    stories: tuple[int, ...]
    message_id: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    attempt_id: str
    data_sent_at: datetime | None
    sent_at: datetime | None
    confirmed: bool
    last_code: int | None
    last_response: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewWatchMail:
    """A digest or an alert as built, before the store gives it its row."""

    kind: str
    period_end: datetime
    recipient: str
    language: str
    subject: str
    body_text: str
    body_html: str
    stories: tuple[int, ...]
    message_id: str


def _watch(row: Any) -> Watch:
    return from_row(Watch, row._mapping, filters=json.loads(row.filters or "{}"))


def _mail(row: Any) -> WatchMail:
    stories = tuple(json.loads(row.stories or "[]"))
    return from_row(WatchMail, row._mapping, status=OutboxStatus(row.status), stories=stories)


class WatchRecords(Database):
    """Saved watches, what matches them, and their mail."""

    # -- watches ----------------------------------------------------------------------------------
    def add_watch(self, new: NewWatch) -> Watch | None:
        """A new watch; None (nothing written) when the name is taken. The first digest covers what is
        found from ``created_at`` on."""
        ww = w.watches
        with self._tx() as conn:
            if conn.execute(sa.select(ww.c.id).where(ww.c.name == new.name)).first() is not None:
                return None
            watch_id = inserted_id(
                conn.execute(
                    sa.insert(ww).values(
                        name=new.name,
                        owner=new.owner,
                        query=new.query,
                        filters=json.dumps(new.filters, sort_keys=True, ensure_ascii=False),
                        every=new.every,
                        language=new.language,
                        email=new.email,
                        feed_key=new.feed_key,
                        active=True,
                        created_at=new.created_at,
                        created_by=new.created_by,
                        last_digest_at=new.created_at,
                    )
                )
            )
            return _watch(conn.execute(sa.select(ww).where(ww.c.id == watch_id)).one())

    def watch(self, name: str) -> Watch | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(w.watches).where(w.watches.c.name == name)).first()
        return None if row is None else _watch(row)

    def list_watches(self) -> list[Watch]:
        """Every watch, by name ignoring case (sorted here: the two databases collate differently)."""
        with self._tx() as conn:
            found = [_watch(row) for row in conn.execute(sa.select(w.watches))]
        return sorted(found, key=lambda x: (x.name.casefold(), x.name))

    def remove_watch(self, name: str) -> bool:
        """Delete a watch and its mail; False when there was none."""
        ww, wm = w.watches, w.watch_mail
        with self._tx() as conn:
            row = conn.execute(sa.select(ww.c.id).where(ww.c.name == name)).first()
            if row is None:
                return False
            conn.execute(sa.delete(wm).where(wm.c.watch_id == row.id))  # SQLite may run without FK checks
            conn.execute(sa.delete(ww).where(ww.c.id == row.id))
            return True

    def set_watch_feed_key(self, name: str, feed_key: str) -> Watch | None:
        ww = w.watches
        with self._tx() as conn:
            conn.execute(sa.update(ww).where(ww.c.name == name).values(feed_key=feed_key))
            row = conn.execute(sa.select(ww).where(ww.c.name == name)).first()
        return None if row is None else _watch(row)

    # -- what matches -----------------------------------------------------------------------------
    def watch_matches(
        self,
        query: Node | None,
        filters: SearchFilters,
        *,
        found_since: datetime,
        found_until: datetime,
        limit: int = MATCH_CAP,
    ) -> list[WatchMatch]:
        """Articles matching ``query`` and ``filters`` that the collector found in [since, until), the
        earliest found first, at most ``limit``; ``query`` None: the filters alone (as the watch page's
        stream)."""
        a, c, m = t.articles, t.classifications, t.story_members
        tags = [index_language(filters.language)] if filters.language else list(TAGS)
        matched: sa.Select[Any] | None
        if query is None:
            matched = None
        elif self.dialect == "sqlite":
            matched = (
                sa.select(sa.literal_column("rowid"))
                .select_from(sa.text("search_documents"))
                .where(sa.text("search_documents MATCH :fts").bindparams(fts=fts5_query(query, tags)))
            )
        else:
            matched = (
                sa.select(sa.literal_column("article_id"))
                .select_from(sa.text("search_documents"))
                .where(sa.text("document @@ CAST(:tsq AS tsquery)").bindparams(tsq=tsquery(query, tags)))
            )
        stamp = sa.func.coalesce(a.c.published, a.c.discovered)
        story = sa.func.coalesce(m.c.story_id, a.c.id)
        joined = a.outerjoin(m, m.c.article_id == a.c.id).outerjoin(c, c.c.article_id == a.c.id)
        # the same clauses as the watch page's search (store/search.py), so a watch means what it showed
        conditions = [
            *([] if matched is None else [a.c.id.in_(matched)]),
            a.c.state != ArticleState.PENDING.value,
            a.c.discovered >= found_since,
            a.c.discovered < found_until,
            *_filter_clauses(filters, a, c, story),
            *_period(filters, stamp, stamp),
        ]
        # an FTS5 row outlives its article: only a marked one is indexed (no text search, no FTS5 row)
        if self.dialect == "sqlite" and matched is not None:
            conditions.append(sa.exists().where(t.search_marks.c.article_id == a.c.id))
        source_name = t.first_source(t.sources.c.name)
        query_rows = (
            sa.select(
                a.c.id,
                story.label("story_id"),
                a.c.title,
                a.c.url,
                a.c.sitename,
                source_name.label("source_name"),
                a.c.language,
                a.c.published,
                a.c.discovered,
            )  # fmt: skip
            .select_from(joined)
            .where(*conditions)
            .order_by(a.c.discovered, a.c.id)
            .limit(max(1, limit))
        )
        with self._tx() as conn:
            rows = conn.execute(query_rows).all()
        return [
            WatchMatch(
                article_id=r.id,
                story_id=r.story_id,
                title=r.title,
                url=r.url,
                outlet=r.sitename or r.source_name or "",
                language=r.language,
                published=r.published,
                discovered=r.discovered,
            )
            for r in rows
        ]

    # -- mail -------------------------------------------------------------------------------------
    def build_watch_mail(
        self, watch_id: int, mail: NewWatchMail | None, *, advance_digest: bool
    ) -> WatchMail | None:
        """Record a digest or an alert once for its period, in one transaction.

        ``advance_digest``: the watch's ``last_digest_at`` moves to ``mail.period_end`` in the same
        transaction (only forward), so a digest and its cut-off are never one without the other. ``mail``
        None (an empty digest) moves the cut-off alone. Returns the period's row, new or already there;
        None when there is none.
        """
        ww, wm = w.watches, w.watch_mail
        with self._tx() as conn:
            existing = None
            if mail is not None:
                existing = self._mail_of(conn, watch_id, mail.kind, mail.period_end)
                if existing is None:
                    conn.execute(
                        sa.insert(wm).values(
                            watch_id=watch_id,
                            kind=mail.kind,
                            period_end=mail.period_end,
                            recipient=mail.recipient,
                            language=mail.language,
                            subject=mail.subject,
                            body_text=mail.body_text,
                            body_html=mail.body_html,
                            stories=json.dumps(list(mail.stories)),
                            message_id=mail.message_id,
                            status=OutboxStatus.QUEUED.value,
                            attempts=0,
                            next_attempt_at=utcnow(),
                            created_at=utcnow(),
                        )
                    )
            if advance_digest and mail is not None and existing is None:
                conn.execute(
                    sa.update(ww)
                    .where(
                        ww.c.id == watch_id,
                        sa.or_(ww.c.last_digest_at.is_(None), ww.c.last_digest_at < mail.period_end),
                    )
                    .values(last_digest_at=mail.period_end)
                )
            if mail is None:
                return None
            return existing or self._mail_of(conn, watch_id, mail.kind, mail.period_end)

    def advance_watch_digest(self, watch_id: int, period_end: datetime) -> None:
        """Move a watch's cut-off forward with no mail (the period had nothing new)."""
        ww = w.watches
        with self._tx() as conn:
            conn.execute(
                sa.update(ww)
                .where(
                    ww.c.id == watch_id,
                    sa.or_(ww.c.last_digest_at.is_(None), ww.c.last_digest_at < period_end),
                )
                .values(last_digest_at=period_end)
            )

    @staticmethod
    def _mail_of(conn: Connection, watch_id: int, kind: str, period_end: datetime) -> WatchMail | None:
        wm = w.watch_mail
        row = conn.execute(
            sa.select(wm).where(wm.c.watch_id == watch_id, wm.c.kind == kind, wm.c.period_end == period_end)
        ).first()
        return None if row is None else _mail(row)

    def watch_mail(self, watch_id: int | None = None, *, kind: str | None = None) -> list[WatchMail]:
        """The mail of one watch (or all), oldest first."""
        wm = w.watch_mail
        query = sa.select(wm).order_by(wm.c.period_end, wm.c.id)
        if watch_id is not None:
            query = query.where(wm.c.watch_id == watch_id)
        if kind is not None:
            query = query.where(wm.c.kind == kind)
        with self._tx() as conn:
            return [_mail(r) for r in conn.execute(query)]

    def due_watch_mail(self, now: datetime, watch_ids: Sequence[int] | None = None) -> list[WatchMail]:
        """Queued watch mail whose time has come, id order."""
        wm = w.watch_mail
        query = (
            sa.select(wm)
            .where(wm.c.status == OutboxStatus.QUEUED.value, wm.c.next_attempt_at <= now)
            .order_by(wm.c.id)
        )
        if watch_ids is not None:
            query = query.where(wm.c.watch_id.in_(list(watch_ids)))
        with self._tx() as conn:
            return [_mail(r) for r in conn.execute(query)]

    def recover_watch_mail(self) -> int:
        """Settle mail a stopped sender left in ``data_sent``: counted sent, unconfirmed (the end-of-data
        dot was written, or about to be: resending would be the duplicate; docs/deliver.md)."""
        wm = w.watch_mail
        with self._tx() as conn:
            rows = list(
                conn.execute(
                    sa.select(wm.c.id, wm.c.data_sent_at).where(wm.c.status == OutboxStatus.DATA_SENT.value)
                )
            )
            for row in rows:
                conn.execute(
                    sa.update(wm)
                    .where(wm.c.id == row.id)
                    .values(
                        status=OutboxStatus.SENT.value,
                        sent_at=row.data_sent_at or utcnow(),
                        confirmed=False,
                        last_response="sender stopped after the end of data; counted as delivered",
                    )
                )
            return len(rows)

    @contextlib.contextmanager
    def watch_mail_session(self) -> Iterator[WatchMailSession]:
        """One connection for the sender's small writes (each still its own transaction)."""
        with self._driver_errors(), self.engine.connect() as conn:
            yield WatchMailSession(conn)


class WatchMailSession:
    """The watch sender's writes, each committed before the next step on the wire."""

    _m = w.watch_mail

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def still_queued(self, mail_id: int) -> bool:
        """Read just before sending: another sender may have taken the row meanwhile."""
        status = self._conn.execute(sa.select(self._m.c.status).where(self._m.c.id == mail_id)).scalar()
        self._conn.rollback()  # no snapshot held while talking to the SMTP server
        return status == OutboxStatus.QUEUED.value

    def mark_data_sent(self, mail_id: int, attempt_id: str) -> None:
        """Committed just before the end-of-data dot: after this, the mail counts as handed over."""
        self._conn.execute(
            sa.update(self._m)
            .where(self._m.c.id == mail_id)
            .values(status=OutboxStatus.DATA_SENT.value, attempt_id=attempt_id, data_sent_at=utcnow())
        )
        self._conn.commit()

    def finish(
        self,
        mail_id: int,
        attempt_id: str,
        *,
        status: OutboxStatus,
        code: int | None,
        response: str,
        next_attempt_at: datetime | None = None,
        counts_as_attempt: bool = True,
        confirmed: bool = True,
    ) -> None:
        """Record one attempt's outcome and the row's new status, in one transaction."""
        m = self._m
        sent = status is OutboxStatus.SENT
        values: dict[str, Any] = {
            "status": status.value,
            "attempt_id": attempt_id,
            "last_code": code,
            "last_response": response[:2000],
            "attempts": m.c.attempts + (1 if counts_as_attempt else 0),
            "sent_at": utcnow() if sent else None,
            "confirmed": confirmed if sent else False,
        }
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        self._conn.execute(sa.update(m).where(m.c.id == mail_id).values(values))
        self._conn.commit()
