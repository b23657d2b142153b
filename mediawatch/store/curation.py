"""A story as the editors curate it: its articles with what the classifier said, the editors' corrections
(table ``article_corrections``), the pins that send a story to the next issue of a publication
(``story_pins``), the issues that used it, and adding it to a draft now.

A correction is kept apart from the classifier's verdict and laid over it whenever a classification is
written (:func:`apply_corrections`, called by ``save_classifications`` too), so a re-classification never
undoes it and every reader of ``classifications`` (the watch's search and filters, the composer, the story
page) sees the corrected values without knowing corrections exist. A corrected language also goes to the
article row, which is what the search index is built from (``search_marks`` then marks it stale).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from mediawatch.errors import ConflictError
from mediawatch.i18n import said
from mediawatch.store import schema as t
from mediawatch.store import schema_watch as w
from mediawatch.store.core import Database, utcnow
from mediawatch.store.issues import (
    NewItem,
    audit_line,
    coded_note,
    content_changed,
    editable_issue,
    insert_item,
    why,
)
from mediawatch.store.rows import from_row
from mediawatch.store.stories import apply_corrections, classification_from_row
from mediawatch.types import ArticleState, Classification, ClassifyInput, Publication

# The fields an editor may correct (the column's own name in ``classifications``).
CORRECTABLE = ("relevant", "language", "themes", "regions", "objectives")


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """One article of a story, with the classifier's verdict (corrections already laid over it)."""

    id: int
    title: str
    url: str
    outlet: str
    language: str
    published: datetime | None
    discovered: datetime
    summary: str
    text: str
    duplicate_of: int | None
    classification: Classification | None


@dataclass(frozen=True, slots=True)
class StoryUse:
    """An issue that carries the story."""

    issue_id: int
    slug: str
    publication: Publication
    state: str
    item_id: int
    item_status: str


@dataclass(frozen=True, slots=True)
class StoryPin:
    id: int
    story_id: int
    publication: Publication
    pinned_by: str
    pinned_at: datetime
    used_issue_id: int | None
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class Correction:
    article_id: int
    field: str
    value: Any  # decoded JSON: a bool, a language code, a list of names
    actor: str
    at: datetime


class CurationRecords(Database):
    """Mixed into :class:`~mediawatch.store.Store`: stories, corrections, pins, items added by hand."""

    # -- a story --------------------------------------------------------------------------------------
    def story_articles(self, story_id: int) -> list[StoryArticle]:
        """Every article of the story (its members, or the lone article the id names), oldest first;
        [] when there is no such story."""
        a, c, m = t.articles, t.classifications, t.story_members
        outlet = t.first_source(t.sources.c.name)
        base = sa.select(a, outlet.label("source_name"), c.c.article_id.label("classified")).outerjoin(
            c, c.c.article_id == a.c.id
        )
        members = base.where(a.c.id.in_(sa.select(m.c.article_id).where(m.c.story_id == story_id)))
        alone = base.where(a.c.id == story_id, ~sa.exists().where(m.c.article_id == a.c.id))
        with self._tx() as conn:
            rows = [*conn.execute(members), *conn.execute(alone)]
            ids = [r.id for r in rows if r.classified is not None]
            verdicts = {
                r.article_id: classification_from_row(r)
                for r in conn.execute(sa.select(c).where(c.c.article_id.in_(ids)))
            }
        found = [
            from_row(
                StoryArticle,
                r._mapping,
                outlet=r.sitename or r.source_name or "",
                classification=verdicts.get(r.id),
            )
            for r in rows
            if r.state != ArticleState.PENDING.value
        ]
        found.sort(key=lambda x: (x.published or x.discovered, x.id))
        return found

    def story_uses(self, story_id: int) -> list[StoryUse]:
        """The issues that carry this story, newest first."""
        i, it = t.issues, t.issue_items
        query = (
            sa.select(i.c.id, i.c.slug, i.c.publication, i.c.state, it.c.id.label("item_id"), it.c.status)
            .join(it, it.c.issue_id == i.c.id)
            .where(it.c.story_id == story_id)
            .order_by(i.c.created_at.desc(), i.c.id.desc())
        )
        with self._tx() as conn:
            return [
                StoryUse(r.id, r.slug, Publication(r.publication), r.state, r.item_id, r.status)
                for r in conn.execute(query)
            ]

    def classify_inputs(self, article_ids: Sequence[int]) -> list[ClassifyInput]:
        """What the classifier reads of these (collected) articles."""
        if not article_ids:
            return []
        a = t.articles
        region = t.first_source(t.sources.c.region)
        query = (
            sa.select(a, region.label("source_region"))
            .where(a.c.id.in_(list(article_ids)), a.c.state != ArticleState.PENDING.value)
            .order_by(a.c.id)
        )
        with self._tx() as conn:
            rows = conn.execute(query).all()
        return [
            from_row(
                ClassifyInput,
                r._mapping,
                id=str(r.id),
                page_language=r.language if r.state == ArticleState.FETCHED.value else "",
                source_region=r.source_region or "",
            )
            for r in rows
        ]

    # -- corrections ----------------------------------------------------------------------------------
    def correct_articles(self, article_ids: Sequence[int], field: str, value: str, actor: str) -> int:
        """Record ``field`` = ``value`` (JSON text) for these articles, replacing an earlier correction of
        that field, and lay it over their classifications at once; how many articles exist to correct."""
        if field not in CORRECTABLE:
            raise ValueError(f"not a correctable field: {field!r}")
        now = utcnow()
        r = w.article_corrections
        with self._tx() as conn:
            ids = list(
                conn.execute(
                    sa.select(t.articles.c.id).where(t.articles.c.id.in_(list(article_ids)))
                ).scalars()
            )
            if not ids:
                return 0
            conn.execute(sa.delete(r).where(r.c.article_id.in_(ids), r.c.field == field))
            conn.execute(
                sa.insert(r),
                [
                    {
                        "article_id": i,
                        "field": field,
                        "value": value,
                        "actor": t.fit(r.c.actor, actor),
                        "at": now,
                    }
                    for i in ids
                ],
            )
            apply_corrections(conn, ids)
        return len(ids)

    def corrections(self, article_ids: Sequence[int]) -> dict[int, dict[str, Correction]]:
        """article id -> field -> the correction in force."""
        r = w.article_corrections
        found: dict[int, dict[str, Correction]] = {}
        if not article_ids:
            return found
        with self._tx() as conn:
            for row in conn.execute(sa.select(r).where(r.c.article_id.in_(list(article_ids)))):
                found.setdefault(row.article_id, {})[row.field] = from_row(
                    Correction, row._mapping, value=json.loads(row.value)
                )
        return found

    # -- pins -----------------------------------------------------------------------------------------
    def pin_story(self, story_id: int, publication: Publication, actor: str) -> StoryPin:
        """Pin the story for the next issue of ``publication``; a pin already waiting stays as it is, a
        used one waits again."""
        p = w.story_pins
        now = utcnow()
        where = (p.c.story_id == story_id, p.c.publication == publication.value)
        with self._tx() as conn:
            row = conn.execute(sa.select(p).where(*where)).first()
            if row is None:
                conn.execute(
                    sa.insert(p).values(
                        story_id=story_id,
                        publication=publication.value,
                        pinned_by=t.fit(p.c.pinned_by, actor),
                        pinned_at=now,
                    )
                )
            elif row.used_issue_id is not None or row.used_at is not None:
                conn.execute(
                    sa.update(p)
                    .where(*where)
                    .values(
                        pinned_by=t.fit(p.c.pinned_by, actor), pinned_at=now, used_issue_id=None, used_at=None
                    )
                )
            return _pin(conn.execute(sa.select(p).where(*where)).one())

    def unpin_story(self, story_id: int, publication: Publication) -> bool:
        """Take a waiting pin away; False when there was none waiting."""
        p = w.story_pins
        with self._tx() as conn:
            result = conn.execute(
                sa.delete(p).where(
                    p.c.story_id == story_id, p.c.publication == publication.value, p.c.used_at.is_(None)
                )
            )
        return bool(result.rowcount)

    def story_pins(
        self, story_id: int | None = None, *, publication: Publication | None = None, waiting: bool = False
    ) -> list[StoryPin]:
        """Pins, oldest first: of one story, of one publication, only those still waiting for an issue."""
        p = w.story_pins
        query = sa.select(p).order_by(p.c.pinned_at, p.c.id)
        if story_id is not None:
            query = query.where(p.c.story_id == story_id)
        if publication is not None:
            query = query.where(p.c.publication == publication.value)
        if waiting:
            query = query.where(p.c.used_at.is_(None))
        with self._tx() as conn:
            return [_pin(r) for r in conn.execute(query)]

    # -- adding a story to a draft now ----------------------------------------------------------------
    def add_issue_item(self, issue_id: int, item: NewItem, actor: str) -> int:
        """Add ``item`` at the end of its section of an editable issue; ConflictError when the issue froze
        or went meanwhile, or already carries the story. Approved editions go back to review."""
        it = t.issue_items
        with self._tx() as conn:
            issue = editable_issue(conn, issue_id)
            taken = conn.execute(
                sa.select(it.c.id).where(it.c.issue_id == issue_id, it.c.story_id == item.story_id)
            ).first()
            if taken is not None:
                raise said(ConflictError, "store.conflict.story_taken", issue=issue.slug, story=item.story_id)
            last = conn.execute(
                sa.select(sa.func.max(it.c.position)).where(
                    it.c.issue_id == issue_id, it.c.section == item.section
                )
            ).scalar()
            item_id = insert_item(conn, issue_id, item, position=0 if last is None else int(last) + 1)
            target = f"item:{item_id}"
            audit_line(
                conn,
                issue_id,
                actor,
                "item.add",
                target=target,
                detail=coded_note(
                    f"story {item.story_id} added by hand", "story.audit.added", story=item.story_id
                ),
            )
            content_changed(
                conn,
                issue_id,
                None,
                why(f"story {item.story_id} added", "story.audit.added", story=item.story_id),
            )
            return item_id


def _pin(row: Any) -> StoryPin:
    return from_row(StoryPin, row._mapping, publication=Publication(row.publication))
