"""The storage contract. Every write that must not be half-done is one transaction."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.collect.decide import SourceState, source_notes, stale_days
from mediawatch.collect.titles import title_key
from mediawatch.collect.urls import url_identity
from mediawatch.config import masked_url, scrub_password
from mediawatch.errors import StorageError
from mediawatch.i18n import t as translate
from mediawatch.store import schema as t
from mediawatch.store.deliver import SubscriberRecords
from mediawatch.store.issues import IssueRecords
from mediawatch.store.lock import advisory_lock, file_lock
from mediawatch.store.outbox import OutboxRecords
from mediawatch.store.reporting import ReportRecords
from mediawatch.store.review import ReviewRecords
from mediawatch.store.search import SearchRecords
from mediawatch.types import (
    Article,
    ArticleState,
    Classification,
    ClassifyInput,
    Extracted,
    FetchEvent,
    FetchStatus,
    PartialReason,
    Region,
    Source,
    SourceHealth,
    TermMatch,
    Theme,
)

EVENTS_KEPT = 30


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A feed item on its way into the store."""

    url: str
    raw_url: str
    title: str
    summary: str
    author: str
    published: datetime | None
    feed_language: str
    sitename: str = ""  # the publisher a news-search item names, kept unless its page names one


@dataclass(frozen=True, slots=True)
class PendingArticle:
    id: int
    url: str
    title: str
    summary: str
    author: str
    feed_published: datetime | None
    feed_language: str
    attempts: int


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What fetching and extracting one article page gave."""

    final: bool  # False: a transient failure, keep the article pending for a later run
    final_url: str = ""
    canonical_url: str = ""
    extracted: Extracted | None = None
    published: datetime | None = None
    date_source: str = ""
    partial_reason: PartialReason | None = None
    partial_detail: str = ""


def _state_from_row(row: Any) -> SourceState:
    return SourceState(
        etag=row.etag,
        last_modified=row.last_modified,
        content_hash=row.content_hash,
        polls_since_unconditional=row.polls_since_unconditional,
        validators_trusted=row.validators_trusted,
        consecutive_failures=row.consecutive_failures,
        last_status=FetchStatus(row.last_status) if row.last_status else None,
        last_detail=row.last_detail or "",
        last_fetch=row.last_fetch,
        last_success=row.last_success,
        last_new_item=row.last_new_item,
        next_due=row.next_due,
    )


class Store(IssueRecords, ReportRecords, ReviewRecords, SubscriberRecords, OutboxRecords, SearchRecords):
    """Front object over one database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = sa.create_engine(url)
        except ModuleNotFoundError as exc:
            # the driver of this kind of URL is not installed (psycopg without the `postgresql` extra)
            key = "store.pg_driver_missing" if _backend(url) == "postgresql" else "store.driver_missing"
            raise StorageError(translate(key, url=masked_url(url), module=exc.name or "?")) from None
        except (sa.exc.ArgumentError, ValueError, ImportError) as exc:
            raise StorageError(
                f"cannot open database {masked_url(url)}: {scrub_password(str(exc), url)}"
            ) from None
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        sa.event.listen(self.engine, "before_cursor_execute", _without_nul, retval=True)
        self._migrate()

    # -- lifecycle --------------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            # "file is not a database", a vanished server, a locked file: a readable error, not a traceback.
            cause = scrub_password(str(exc.orig), self.url)
            raise StorageError(f"database error on {masked_url(self.url)}: {cause}") from exc

    def _migrate(self) -> None:
        with self._tx() as conn:
            t.metadata.create_all(conn, tables=[t.schema_version])
            done = set(conn.execute(sa.select(t.schema_version.c.version)).scalars())
            for version, step in t.MIGRATIONS:
                if version in done:
                    continue
                step(conn)
                conn.execute(sa.insert(t.schema_version).values(version=version, applied_at=_now()))

    def schema_version(self) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.select(sa.func.max(t.schema_version.c.version))).scalar() or 0)

    @contextlib.contextmanager
    def run_lock(self, name: str) -> Iterator[None]:
        """Refuse a second concurrent run; released even when the process is killed."""
        if self.dialect == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:":
                with file_lock(Path(database + ".lock"), name):
                    yield
                return
            yield
            return
        with advisory_lock(self.engine, name):
            yield

    # -- sources ----------------------------------------------------------------------------------
    def sync_sources(self, sources: Sequence[Source]) -> None:
        """Mirror the registry: new sources inserted, changed ones updated, missing ones flagged."""
        now = _now()
        with self._tx() as conn:
            known = set(conn.execute(sa.select(t.sources.c.id)).scalars())
            ids = set()
            for s in sources:
                ids.add(s.id)
                values = {
                    "name": s.name,
                    "url": s.url,
                    "kind": s.kind.value,
                    "language": s.language,
                    "country": s.country,
                    "region": s.region.value,
                    "outlet_type": s.outlet_type.value,
                    "tags": json.dumps(list(s.tags)),
                    "enabled": s.enabled,
                    "in_registry": True,
                }
                if s.id in known:
                    conn.execute(sa.update(t.sources).where(t.sources.c.id == s.id).values(**values))
                else:
                    conn.execute(sa.insert(t.sources).values(id=s.id, first_seen=now, **values))
            gone = known - ids
            if gone:
                conn.execute(sa.update(t.sources).where(t.sources.c.id.in_(gone)).values(in_registry=False))

    def source_state(self, source_id: str) -> SourceState:
        with self._tx() as conn:
            row = conn.execute(sa.select(t.sources).where(t.sources.c.id == source_id)).one_or_none()
        return SourceState() if row is None else _state_from_row(row)

    def save_feed_poll(
        self, source_id: str, state: SourceState, event: FetchEvent, entries: Sequence[NewEntry] = ()
    ) -> list[PendingArticle]:
        """Record one poll of a feed and its new entries atomically; returns the new articles.

        The feed's new validators and hash are saved in the same transaction as its entries: a crash
        before commit means the next run polls again and finds the same entries, never skips them.
        """
        new: list[PendingArticle] = []
        with self._tx() as conn:
            for entry in entries:
                article_id = self._article_for(conn, (entry.url, entry.raw_url))
                if article_id is None:
                    article_id = self._insert_pending(conn, entry, event.at)
                    new.append(
                        PendingArticle(
                            id=article_id,
                            url=entry.url,
                            title=entry.title,
                            summary=entry.summary,
                            author=entry.author,
                            feed_published=entry.published,
                            feed_language=entry.feed_language,
                            attempts=0,
                        )
                    )
                self._link_source(conn, article_id, source_id, entry.raw_url, event.at)
            final_event = event if len(new) == event.new_items else _with_new_items(event, len(new))
            self._write_state(conn, source_id, state, final_event)
        return new

    def record_fetch(self, source_id: str, state: SourceState, event: FetchEvent) -> None:
        with self._tx() as conn:
            self._write_state(conn, source_id, state, event)

    def _write_state(self, conn: Connection, source_id: str, state: SourceState, event: FetchEvent) -> None:
        values = {
            "etag": state.etag,
            "last_modified": state.last_modified,
            "content_hash": state.content_hash,
            "polls_since_unconditional": state.polls_since_unconditional,
            "validators_trusted": state.validators_trusted,
            "consecutive_failures": state.consecutive_failures,
            "last_status": state.last_status.value if state.last_status else None,
            "last_detail": state.last_detail,
            "last_fetch": state.last_fetch,
            "last_success": state.last_success,
            "last_new_item": (event.at if event.new_items else state.last_new_item),
            "next_due": state.next_due,
        }
        conn.execute(sa.update(t.sources).where(t.sources.c.id == source_id).values(**values))
        conn.execute(
            sa.insert(t.fetch_events).values(
                source_id=source_id,
                at=event.at,
                status=event.status.value,
                http_status=event.http_status,
                detail=event.detail[:2000],
                new_items=event.new_items,
                duration_ms=event.duration_ms,
            )
        )
        keep = (
            sa.select(t.fetch_events.c.id)
            .where(t.fetch_events.c.source_id == source_id)
            .order_by(t.fetch_events.c.id.desc())
            .limit(EVENTS_KEPT)
        )
        conn.execute(
            sa.delete(t.fetch_events).where(
                t.fetch_events.c.source_id == source_id, t.fetch_events.c.id.not_in(keep.scalar_subquery())
            )
        )

    # -- articles ---------------------------------------------------------------------------------
    def _article_for(self, conn: Connection, urls: Sequence[str]) -> int | None:
        keys = [url_identity(u) for u in urls if u]
        if not keys:
            return None
        row = conn.execute(
            sa.select(t.url_aliases.c.article_id).where(t.url_aliases.c.url_key.in_(keys)).limit(1)
        ).scalar()
        return int(row) if row is not None else None

    def _add_aliases(self, conn: Connection, article_id: int, urls: Sequence[str]) -> None:
        for key in {url_identity(u) for u in urls if u}:
            exists = conn.execute(sa.select(t.url_aliases.c.article_id).where(t.url_aliases.c.url_key == key))
            if exists.first() is None:
                conn.execute(sa.insert(t.url_aliases).values(url_key=key, article_id=article_id))

    def _insert_pending(self, conn: Connection, entry: NewEntry, now: datetime) -> int:
        result = conn.execute(
            sa.insert(t.articles).values(
                url=entry.url,
                state=ArticleState.PENDING.value,
                title=entry.title,
                title_key=title_key(entry.title),
                summary=entry.summary,
                author=entry.author,
                sitename=entry.sitename,
                feed_language=entry.feed_language,
                language=entry.feed_language,
                feed_published=entry.published,
                published=entry.published,
                date_source="feed" if entry.published else "",
                discovered=now,
            )
        )
        article_id = _inserted_id(result)
        self._add_aliases(conn, article_id, (entry.url, entry.raw_url))
        return article_id

    def _link_source(
        self, conn: Connection, article_id: int, source_id: str, entry_url: str, now: datetime
    ) -> None:
        exists = conn.execute(
            sa.select(t.article_sources.c.article_id).where(
                t.article_sources.c.article_id == article_id, t.article_sources.c.source_id == source_id
            )
        ).first()
        if exists is None:
            conn.execute(
                sa.insert(t.article_sources).values(
                    article_id=article_id, source_id=source_id, entry_url=entry_url, discovered=now
                )
            )

    def pending_articles(self, limit: int | None = None) -> list[PendingArticle]:
        query = (
            sa.select(t.articles)
            .where(t.articles.c.state == ArticleState.PENDING.value)
            .order_by(t.articles.c.id)
        )
        if limit:
            query = query.limit(limit)
        with self._tx() as conn:
            rows = conn.execute(query).all()
        return [
            PendingArticle(
                id=r.id,
                url=r.url,
                title=r.title,
                summary=r.summary,
                author=r.author,
                feed_published=r.feed_published,
                feed_language=r.feed_language,
                attempts=r.attempts,
            )
            for r in rows
        ]

    def complete_article(
        self, article_id: int, outcome: PageOutcome, now: datetime, title_window: timedelta
    ) -> int:
        """Store the page's outcome; merge into an existing article met under another URL.

        Returns the id the article ends up under.
        """
        with self._tx() as conn:
            row = conn.execute(sa.select(t.articles).where(t.articles.c.id == article_id)).one_or_none()
            if row is None or row.state != ArticleState.PENDING.value:
                return article_id  # already done by an earlier (killed) run's commit
            if not outcome.final:
                conn.execute(
                    sa.update(t.articles)
                    .where(t.articles.c.id == article_id)
                    .values(attempts=row.attempts + 1, partial_detail=outcome.partial_detail)
                )
                return article_id
            urls = [u for u in (outcome.final_url, outcome.canonical_url) if u]
            for key_url in urls:
                other = self._article_for(conn, (key_url,))
                if other is not None and other != article_id:
                    self._merge(conn, article_id, other)
                    article_id = other
                    target = conn.execute(sa.select(t.articles).where(t.articles.c.id == other)).one()
                    if target.state != ArticleState.PENDING.value:
                        return other
                    row = target
            self._add_aliases(conn, article_id, urls)
            values = _completed_values(row, outcome, now)
            conn.execute(sa.update(t.articles).where(t.articles.c.id == article_id).values(**values))
            when = values["published"] or row.discovered
            self._mark_title_duplicate(conn, article_id, values["title_key"], when, title_window)
        return article_id

    def _merge(self, conn: Connection, loser: int, winner: int) -> None:
        links = conn.execute(
            sa.select(t.article_sources).where(t.article_sources.c.article_id == loser)
        ).all()
        for link in links:
            self._link_source(conn, winner, link.source_id, link.entry_url, link.discovered)
        conn.execute(sa.delete(t.article_sources).where(t.article_sources.c.article_id == loser))
        conn.execute(
            sa.update(t.url_aliases).where(t.url_aliases.c.article_id == loser).values(article_id=winner)
        )
        conn.execute(
            sa.update(t.articles).where(t.articles.c.duplicate_of == loser).values(duplicate_of=winner)
        )
        conn.execute(sa.delete(t.articles).where(t.articles.c.id == loser))

    def _mark_title_duplicate(
        self, conn: Connection, article_id: int, key: str, when: datetime, window: timedelta
    ) -> None:
        if not key:
            return
        stamp = sa.func.coalesce(t.articles.c.published, t.articles.c.discovered)
        earlier = conn.execute(
            sa.select(t.articles.c.id)
            .where(
                t.articles.c.title_key == key,
                t.articles.c.id != article_id,
                t.articles.c.duplicate_of.is_(None),
                t.articles.c.state != ArticleState.PENDING.value,
                stamp >= when - window,
                stamp <= when + window,
            )
            .order_by(t.articles.c.id)
            .limit(1)
        ).scalar()
        if earlier is not None:
            conn.execute(
                sa.update(t.articles).where(t.articles.c.id == article_id).values(duplicate_of=earlier)
            )

    def list_articles(
        self,
        *,
        since: datetime | None = None,
        language: str | None = None,
        source: str | None = None,
        include_duplicates: bool = False,
        limit: int | None = None,
    ) -> list[Article]:
        a = t.articles
        stamp = sa.func.coalesce(a.c.published, a.c.discovered)
        query = sa.select(a).order_by(stamp.desc(), a.c.id.desc())
        if since is not None:
            query = query.where(stamp >= since)
        if language:
            query = query.where(a.c.language == language)
        if source:
            query = query.where(
                a.c.id.in_(
                    sa.select(t.article_sources.c.article_id).where(t.article_sources.c.source_id == source)
                )
            )
        if not include_duplicates:
            query = query.where(a.c.duplicate_of.is_(None))
        if limit:
            query = query.limit(limit)
        with self._tx() as conn:
            rows = conn.execute(query).all()
            ids = [r.id for r in rows]
            by_article: dict[int, list[str]] = {}
            for chunk_start in range(0, len(ids), 500):
                chunk = ids[chunk_start : chunk_start + 500]
                for link in conn.execute(
                    sa.select(t.article_sources.c.article_id, t.article_sources.c.source_id)
                    .where(t.article_sources.c.article_id.in_(chunk))
                    .order_by(t.article_sources.c.discovered)
                ):
                    by_article.setdefault(link.article_id, []).append(link.source_id)
        return [_article_from_row(r, tuple(by_article.get(r.id, ()))) for r in rows]

    def count_articles(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(sa.select(t.articles.c.state, sa.func.count()).group_by(t.articles.c.state))
            return {state: int(n) for state, n in rows}

    def aliases_of(self, article_id: int) -> list[str]:
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(t.url_aliases.c.url_key).where(t.url_aliases.c.article_id == article_id)
            )
            return sorted(rows.scalars())

    # -- health -----------------------------------------------------------------------------------
    def source_health(self, now: datetime, stale_after_days: int, events: bool = True) -> list[SourceHealth]:
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(t.sources).where(t.sources.c.in_registry.is_(True)).order_by(t.sources.c.id)
            ).all()
            history: dict[str, list[FetchEvent]] = {}
            if events:
                for e in conn.execute(sa.select(t.fetch_events).order_by(t.fetch_events.c.id.desc())):
                    history.setdefault(e.source_id, []).append(
                        FetchEvent(
                            source_id=e.source_id,
                            at=e.at,
                            status=FetchStatus(e.status),
                            http_status=e.http_status,
                            detail=e.detail,
                            new_items=e.new_items,
                            duration_ms=e.duration_ms,
                        )
                    )
        result = []
        for r in rows:
            state = _state_from_row(r)
            result.append(
                SourceHealth(
                    source_id=r.id,
                    name=r.name,
                    enabled=r.enabled,
                    last_status=state.last_status,
                    last_fetch=state.last_fetch,
                    last_success=state.last_success,
                    last_new_item=state.last_new_item,
                    consecutive_failures=state.consecutive_failures,
                    next_due=state.next_due,
                    stale_days=stale_days(state, now),
                    validators_trusted=state.validators_trusted,
                    notes=source_notes(state, now, stale_after_days),
                    events=tuple(history.get(r.id, ())),
                )
            )
        return result

    # -- classification ---------------------------------------------------------------------------
    def articles_for_classification(
        self, *, everything: bool = False, batch: int = 500
    ) -> Iterator[list[ClassifyInput]]:
        """Collected (not pending) articles without a classification, or all of them, in id batches."""
        a, c = t.articles, t.classifications
        region = (
            sa.select(t.sources.c.region)
            .join(t.article_sources, t.article_sources.c.source_id == t.sources.c.id)
            .where(t.article_sources.c.article_id == a.c.id)
            .order_by(t.article_sources.c.discovered)
            .limit(1)
            .scalar_subquery()
        )
        last = 0
        while True:
            query = (
                sa.select(a, region.label("source_region"))
                .where(a.c.state != ArticleState.PENDING.value, a.c.id > last)
                .order_by(a.c.id)
                .limit(batch)
            )
            if not everything:
                query = query.where(~sa.exists().where(c.c.article_id == a.c.id))
            with self._tx() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            last = rows[-1].id
            yield [
                ClassifyInput(
                    id=str(r.id),
                    title=r.title,
                    summary=r.summary,
                    text=r.text,
                    url=r.url,
                    feed_language=r.feed_language,
                    page_language=r.language if r.state == ArticleState.FETCHED.value else "",
                    source_region=r.source_region or "",
                )
                for r in rows
            ]

    def save_classifications(self, results: Sequence[Classification]) -> None:
        """Replace the classifications of these articles, all or nothing; the article's language follows."""
        if not results:
            return
        now = _now()
        ids = [int(r.id) for r in results]
        with self._tx() as conn:
            conn.execute(sa.delete(t.classifications).where(t.classifications.c.article_id.in_(ids)))
            conn.execute(
                sa.insert(t.classifications),
                [
                    {
                        "article_id": int(r.id),
                        "language": r.language,
                        "language_confidence": r.language_confidence,
                        "relevant": r.relevant,
                        "relevance": r.relevance,
                        "uncertain": r.uncertain,
                        "matched_terms": json.dumps([asdict(m) for m in r.matched_terms], ensure_ascii=False),
                        "themes": json.dumps([str(x) for x in r.themes]),
                        "regions": json.dumps([str(x) for x in r.regions]),
                        "objectives": json.dumps(list(r.objectives)),
                        "version": r.version,
                        "classified_at": now,
                    }
                    for r in results
                ],
            )
            for r in results:
                conn.execute(
                    sa.update(t.articles).where(t.articles.c.id == int(r.id)).values(language=r.language)
                )

    def classification_of(self, article_id: int) -> Classification | None:
        with self._tx() as conn:
            row = conn.execute(
                sa.select(t.classifications).where(t.classifications.c.article_id == article_id)
            ).one_or_none()
        return None if row is None else _classification_from_row(row)

    def classifications(self, *, relevant_only: bool = False) -> list[Classification]:
        query = sa.select(t.classifications).order_by(t.classifications.c.article_id)
        if relevant_only:
            query = query.where(t.classifications.c.relevant.is_(True))
        with self._tx() as conn:
            return [_classification_from_row(r) for r in conn.execute(query)]

    # -- stories ----------------------------------------------------------------------------------
    def story_rows(self, since: datetime) -> list[tuple[int, bytes, int, datetime]]:
        """(article id, signature, story id, article time) of grouped articles since a date, oldest first."""
        a, m = t.articles, t.story_members
        stamp = sa.func.coalesce(a.c.published, a.c.discovered)
        query = (
            sa.select(m.c.article_id, m.c.signature, m.c.story_id, a.c.published, a.c.discovered)
            .join(a, a.c.id == m.c.article_id)
            .where(stamp >= since)
            .order_by(stamp, m.c.article_id)
        )
        with self._tx() as conn:
            return [
                (r.article_id, bytes(r.signature), r.story_id, r.published or r.discovered)
                for r in conn.execute(query)
            ]

    def save_story_members(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        """(article id, story id, signature) rows, replacing earlier ones for those articles."""
        if not rows:
            return
        with self._tx() as conn:
            conn.execute(
                sa.delete(t.story_members).where(t.story_members.c.article_id.in_([r[0] for r in rows]))
            )
            conn.execute(
                sa.insert(t.story_members),
                [{"article_id": a, "story_id": s, "signature": sig} for a, s, sig in rows],
            )

    def ungrouped_articles(self) -> list[Article]:
        """Classified articles not yet placed in a story, oldest first."""
        a, c = t.articles, t.classifications
        query = (
            sa.select(a)
            .join(c, c.c.article_id == a.c.id)
            .where(~sa.exists().where(t.story_members.c.article_id == a.c.id))
            .order_by(sa.func.coalesce(a.c.published, a.c.discovered), a.c.id)
        )
        with self._tx() as conn:
            return [_article_from_row(r, ()) for r in conn.execute(query)]

    def story_groups(self) -> dict[int, list[int]]:
        """story id -> article ids."""
        with self._tx() as conn:
            rows = conn.execute(sa.select(t.story_members.c.article_id, t.story_members.c.story_id)).all()
        groups: dict[int, list[int]] = {}
        for article_id, story_id in rows:
            groups.setdefault(story_id, []).append(article_id)
        return groups

    # -- editor decisions -------------------------------------------------------------------------
    def record_decision(self, article_id: int, accepted: bool, actor: str, context: str = "") -> None:
        with self._tx() as conn:
            conn.execute(
                sa.insert(t.editor_decisions).values(
                    article_id=article_id, accepted=accepted, actor=actor, at=_now(), context=context
                )
            )

    def decisions(self) -> list[tuple[int, bool]]:
        """The latest decision per article: (article id, accepted)."""
        d = t.editor_decisions
        with self._tx() as conn:
            rows = conn.execute(sa.select(d.c.article_id, d.c.accepted).order_by(d.c.id)).all()
        latest: dict[int, bool] = {}
        for article_id, accepted in rows:
            latest[article_id] = accepted
        return sorted(latest.items())

    # -- runs -------------------------------------------------------------------------------------
    def start_run(self, kind: str) -> int:
        with self._tx() as conn:
            result = conn.execute(sa.insert(t.runs).values(kind=kind, started=_now(), status="running"))
            return _inserted_id(result)

    def finish_run(self, run_id: int, status: str, summary: dict[str, object]) -> None:
        with self._tx() as conn:
            conn.execute(
                sa.update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(finished=_now(), status=status, summary=json.dumps(summary, default=str))
            )


def _completed_values(row: Any, outcome: PageOutcome, now: datetime) -> dict[str, Any]:
    ex = outcome.extracted
    reason = outcome.partial_reason or (ex.partial_reason if ex else None)
    title = (ex.title if ex and ex.title else "") or row.title
    values: dict[str, Any] = {
        "state": (ArticleState.PARTIAL if reason else ArticleState.FETCHED).value,
        "title": title,
        "title_key": title_key(title),
        "fetched_at": now,
        "attempts": row.attempts + 1,
        "partial_reason": reason.value if reason else None,
        "partial_detail": outcome.partial_detail,
        "published": outcome.published,
        "date_source": outcome.date_source,
    }
    if outcome.canonical_url:
        values["url"] = outcome.canonical_url
    elif outcome.final_url:
        values["url"] = outcome.final_url
    if ex is not None:
        values["text"] = ex.text
        values["author"] = ex.author or row.author
        # A news-search item's publisher (from its feed) outranks whatever the fetched page calls itself:
        # the page may be the aggregator's redirect or consent page.
        values["sitename"] = row.sitename or ex.sitename
        if ex.language:
            values["language"] = ex.language
    return values


def _article_from_row(r: Any, source_ids: tuple[str, ...]) -> Article:
    return Article(
        id=r.id,
        url=r.url,
        state=ArticleState(r.state),
        title=r.title,
        text=r.text,
        summary=r.summary,
        author=r.author,
        sitename=r.sitename,
        language=r.language,
        published=r.published,
        date_source=r.date_source,
        discovered=r.discovered,
        partial_reason=PartialReason(r.partial_reason) if r.partial_reason else None,
        duplicate_of=r.duplicate_of,
        source_ids=source_ids,
    )


def _with_new_items(event: FetchEvent, n: int) -> FetchEvent:
    return FetchEvent(
        source_id=event.source_id,
        at=event.at,
        status=event.status,
        http_status=event.http_status,
        detail=event.detail,
        new_items=n,
        duration_ms=event.duration_ms,
    )


def _classification_from_row(r: Any) -> Classification:
    return Classification(
        id=str(r.article_id),
        language=r.language,
        language_confidence=r.language_confidence,
        relevant=r.relevant,
        relevance=r.relevance,
        uncertain=r.uncertain,
        matched_terms=tuple(TermMatch(**m) for m in json.loads(r.matched_terms)),
        themes=tuple(Theme(x) for x in json.loads(r.themes)),
        regions=tuple(Region(x) for x in json.loads(r.regions)),
        objectives=tuple(json.loads(r.objectives)),
        version=r.version,
    )


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _without_nul(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    """Every text parameter without NUL characters, on every backend.

    PostgreSQL refuses a NUL in text ("cannot contain NUL (0x00) bytes") where SQLite stores it: one title
    from a hostile feed would fail the whole feed's transaction on PostgreSQL only. A NUL means nothing in
    mediawatch's text, so it is dropped for both, here, once, rather than in every repository.
    """
    return statement, _clean(parameters)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    return value


def _backend(url: str) -> str:
    return sa.engine.make_url(url).get_backend_name()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _now() -> datetime:
    return datetime.now(UTC)


def open_store(url: str) -> Store:
    """Open (creating and migrating as needed) the database at an SQLAlchemy URL."""
    return Store(url)
