"""What regional correspondents sent in, and what became of it (the ``submissions`` table of migration 7).

Mixed into :class:`mediawatch.store.Store`. The watch stage (:mod:`mediawatch.watch.submissions`) owns the
rules: what may be sent, turning an item into an article, who may accept or dismiss it. Here a review is a
conditional write (only an item nobody has looked at yet), and an acceptance records the accepting editor
decision in the same transaction.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.errors import ConflictError
from mediawatch.i18n import said
from mediawatch.store import schema as t
from mediawatch.store.additions import ADDED_MARK
from mediawatch.store.core import Database, inserted_id
from mediawatch.store.rows import from_row
from mediawatch.store.schema_watch import submissions as s


class SubmissionStatus(enum.StrEnum):
    RECEIVED = "received"  # stored, its article not made yet (or the process stopped before it was)
    ADDED = "added"  # article_id names the article it became (or the one already stored)
    FAILED = "failed"  # the page could not be fetched or read; detail says why
    DISMISSED = "dismissed"  # an editor set it aside; detail holds their reason, if any


@dataclass(frozen=True, slots=True)
class NewSubmission:
    """An item as a correspondent sent it, already checked by the watch stage."""

    author: str
    url: str = ""
    title: str = ""
    text: str = ""
    language: str = ""
    region: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Submission:
    id: int
    author: str
    url: str
    title: str
    text: str
    language: str
    region: str
    note: str
    status: SubmissionStatus
    detail: str
    article_id: int | None
    submitted_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None
    story_id: int | None  # the story its article belongs to (derived)
    article_title: str  # the article's title as stored (derived; "" without an article)


@dataclass(frozen=True, slots=True)
class SubmissionUse:
    """An issue that carries the story of a submitted article (cancelled issues and rejected items aside)."""

    article_id: int
    issue_id: int
    slug: str
    publication: str
    state: str
    languages: tuple[str, ...]
    period_to: datetime


class SubmissionRecords(Database):
    """Correspondents' items: sent, turned into articles, reviewed."""

    def add_submission(self, item: NewSubmission, now: datetime) -> Submission:
        with self._tx() as conn:
            new_id = inserted_id(
                conn.execute(
                    sa.insert(s).values(
                        author=t.fit(s.c.author, item.author),
                        url=item.url,
                        title=item.title,
                        text=item.text,
                        language=t.fit(s.c.language, item.language),
                        region=t.fit(s.c.region, item.region),
                        note=item.note,
                        status=SubmissionStatus.RECEIVED.value,
                        submitted_at=now,
                    )
                )
            )
            return _one(conn, new_id)

    def settle_submission(
        self, submission_id: int, *, status: SubmissionStatus, article_id: int | None, detail: str = ""
    ) -> Submission:
        """Record what sending the item to the watch gave (its article, or why it failed)."""
        with self._tx() as conn:
            done = conn.execute(
                sa.update(s)
                .where(s.c.id == submission_id)
                .values(status=status.value, article_id=article_id, detail=detail)
            ).rowcount
            if not done:
                raise said(ConflictError, "store.conflict.no_submission", id=submission_id)
            return _one(conn, submission_id)

    def submission(self, submission_id: int) -> Submission | None:
        with self._tx() as conn:
            rows = _select(conn, s.c.id == submission_id)
        return rows[0] if rows else None

    def list_submissions(
        self,
        *,
        author: str | None = None,
        status: SubmissionStatus | None = None,
        waiting: bool = False,
        limit: int = 500,
    ) -> list[Submission]:
        """Newest first; ``waiting``: only those no editor has looked at yet (the queue)."""
        where: list[sa.ColumnElement[bool]] = []
        if author is not None:
            where.append(s.c.author == author)
        if status is not None:
            where.append(s.c.status == status.value)
        if waiting:
            where.append(s.c.reviewed_at.is_(None))
        with self._tx() as conn:
            return _select(conn, *where, limit=limit)

    def waiting_submissions(self) -> int:
        """How many items wait in the editors' queue."""
        with self._tx() as conn:
            found = conn.execute(
                sa.select(sa.func.count()).select_from(s).where(s.c.reviewed_at.is_(None))
            ).scalar()
        return int(found or 0)

    def review_submission(
        self, submission_id: int, *, actor: str, at: datetime, accepted: bool, reason: str = ""
    ) -> Submission:
        """Mark the item looked at by ``actor``: accepted (an accepting editor decision is recorded on its
        article) or dismissed (``reason`` kept in its detail). ConflictError when there is no such item or
        someone already reviewed it: nothing is written then."""
        values: dict[str, object] = {"reviewed_by": t.fit(s.c.reviewed_by, actor), "reviewed_at": at}
        if not accepted:
            values.update(status=SubmissionStatus.DISMISSED.value, detail=reason)
        with self._tx() as conn:
            done = conn.execute(
                sa.update(s).where(s.c.id == submission_id, s.c.reviewed_at.is_(None)).values(**values)
            ).rowcount
            if not done:
                raise said(ConflictError, "store.conflict.submission_reviewed", id=submission_id)
            found = _one(conn, submission_id)
            if accepted and found.article_id is not None:
                conn.execute(
                    sa.insert(t.editor_decisions).values(
                        article_id=found.article_id,
                        accepted=True,
                        actor=t.fit(t.editor_decisions.c.actor, actor),
                        at=at,
                        context=f"submission {submission_id} accepted",
                    )
                )
            return found

    def submission_uses(self, article_ids: Collection[int]) -> list[SubmissionUse]:
        """The issues that took these articles' stories in (the article itself or another of its story)."""
        if not article_ids:
            return []
        m, it, i = t.story_members, t.issue_items, t.issues
        ids = sorted(set(article_ids))
        with self._tx() as conn:
            stories = {
                int(r.article_id): int(r.story_id)
                for r in conn.execute(sa.select(m.c.article_id, m.c.story_id).where(m.c.article_id.in_(ids)))
            }
            by_story: dict[int, list[int]] = {}
            for article, story in stories.items():
                by_story.setdefault(story, []).append(article)
            match: sa.ColumnElement[bool] = it.c.article_id.in_(ids)
            if by_story:
                match = sa.or_(match, it.c.story_id.in_(sorted(by_story)))
            rows = conn.execute(
                sa.select(it.c.article_id, it.c.story_id, i.c.id, i.c.slug, i.c.publication, i.c.state,
                          i.c.languages, i.c.period_to)
                .join(i, i.c.id == it.c.issue_id)
                .where(match, it.c.status != "rejected", i.c.state != "cancelled")
                .order_by(i.c.id)
            ).all()  # fmt: skip
        found: dict[tuple[int, int], SubmissionUse] = {}
        for r in rows:
            articles = {int(r.article_id)} & set(ids) or set(by_story.get(int(r.story_id), []))
            for article in articles:
                found[(article, int(r.id))] = SubmissionUse(
                    article, int(r.id), r.slug, r.publication, r.state, tuple(json.loads(r.languages)),
                    r.period_to,
                )  # fmt: skip
        return list(found.values())


# -- shared with the issues' repository -----------------------------------------------------------
def credits(conn: Connection, article_ids: Sequence[int]) -> dict[int, str]:
    """Article id -> the person whose submission brought it in, for the articles among ``article_ids`` that
    came that way: the article's addition names the submission's author at the moment it was sent (the
    watch stage makes the article with the submission's own clock), so an article the feeds or an editor's
    ``articles add`` brought in earlier credits nobody, even when someone sends it again later."""
    if not article_ids:
        return {}
    d = t.editor_decisions
    ids = sorted(set(article_ids))
    added: dict[int, tuple[str, datetime]] = {}
    for row in conn.execute(
        sa.select(d.c.article_id, d.c.actor, d.c.at)
        .where(d.c.article_id.in_(ids), d.c.accepted.is_(True), d.c.context.like('{"' + ADDED_MARK + '"%'))
        .order_by(d.c.id)
    ):
        added.setdefault(int(row.article_id), (row.actor, row.at))
    if not added:
        return {}
    found: dict[int, str] = {}
    for sent in conn.execute(
        sa.select(s.c.article_id, s.c.author, s.c.submitted_at)
        .where(s.c.article_id.in_(sorted(added)))
        .order_by(s.c.id)
    ):
        article = int(sent.article_id)
        if added.get(article) == (sent.author, sent.submitted_at):
            found.setdefault(article, sent.author)
    return found


# -- private --------------------------------------------------------------------------------------
def _one(conn: Connection, submission_id: int) -> Submission:
    rows = _select(conn, s.c.id == submission_id)
    if not rows:
        raise said(ConflictError, "store.conflict.no_submission", id=submission_id)
    return rows[0]


def _select(conn: Connection, *where: sa.ColumnElement[bool], limit: int | None = None) -> list[Submission]:
    m, a = t.story_members, t.articles
    query = (
        sa.select(s, m.c.story_id, a.c.title.label("article_title"))
        .outerjoin(m, m.c.article_id == s.c.article_id)
        .outerjoin(a, a.c.id == s.c.article_id)
        .where(*where)
        .order_by(s.c.submitted_at.desc(), s.c.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        from_row(
            Submission,
            r._mapping,
            status=SubmissionStatus(r.status),
            article_title=r.article_title or "",
        )
        for r in conn.execute(query)
    ]
