"""The classification and story repository: what the classifier said of each article, which story each
article belongs to, and the editors' accept/reject decisions the classifier learns from."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.store import schema as t
from mediawatch.store import schema_watch as w
from mediawatch.store.articles import article_from_row
from mediawatch.store.core import Database, utcnow
from mediawatch.store.rows import from_row
from mediawatch.types import Article, ArticleState, Classification, ClassifyInput, Region, TermMatch, Theme

# How long a story grouping waits for another one before giving up (LockedError): grouping 100,000
# articles takes under a minute (docs/benchmarks.md).
GROUPING_LOCK_WAIT_S = 900.0


class StoryRecords(Database):
    """Classifications, story membership and editor decisions."""

    # -- classification ---------------------------------------------------------------------------
    def articles_for_classification(
        self,
        *,
        everything: bool = False,
        batch: int = 500,
        ids: Sequence[int] | None = None,
        done_since: tuple[datetime, str] | None = None,
    ) -> Iterator[list[ClassifyInput]]:
        """Collected (not pending) articles without a classification, or all of them, in id batches;
        only those of ``ids`` when given (a worker classifying the page it just stored). ``done_since``
        (a time, a classifier version): with ``everything``, not those classified since that time by that
        version (a reclassification taking up a killed one where it stopped)."""
        a, c = t.articles, t.classifications
        region = t.first_source(t.sources.c.region)
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
            elif done_since is not None:
                since, version = done_since
                done = sa.exists().where(
                    c.c.article_id == a.c.id, c.c.classified_at >= since, c.c.version == version
                )
                query = query.where(~done)
            if ids is not None:
                query = query.where(a.c.id.in_(list(ids)))
            with self._tx() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            last = rows[-1].id
            yield [
                from_row(
                    ClassifyInput,
                    r._mapping,
                    id=str(r.id),
                    page_language=r.language if r.state == ArticleState.FETCHED.value else "",
                    source_region=r.source_region or "",
                )
                for r in rows
            ]

    def save_classifications(self, results: Sequence[Classification]) -> None:
        """Replace the classifications of these articles, all or nothing; the article's language follows."""
        if not results:
            return
        now = utcnow()
        ids = [int(r.id) for r in results]
        with self._tx() as conn:
            conn.execute(sa.delete(t.classifications).where(t.classifications.c.article_id.in_(ids)))
            conn.execute(sa.insert(t.classifications), [_classification_values(r, now) for r in results])
            for r in results:
                conn.execute(
                    sa.update(t.articles).where(t.articles.c.id == int(r.id)).values(language=r.language)
                )
            apply_corrections(conn, ids)  # an editor's correction outlives any re-classification

    def classification_of(self, article_id: int) -> Classification | None:
        with self._tx() as conn:
            row = conn.execute(
                sa.select(t.classifications).where(t.classifications.c.article_id == article_id)
            ).one_or_none()
        return None if row is None else classification_from_row(row)

    def classifications(self, *, relevant_only: bool = False) -> list[Classification]:
        query = sa.select(t.classifications).order_by(t.classifications.c.article_id)
        if relevant_only:
            query = query.where(t.classifications.c.relevant.is_(True))
        with self._tx() as conn:
            return [classification_from_row(r) for r in conn.execute(query)]

    # -- stories ----------------------------------------------------------------------------------
    def grouping_lock(self, *, wait: float = GROUPING_LOCK_WAIT_S) -> AbstractContextManager[None]:
        """Held around one whole story grouping (read, decide, save): a second grouping, in this process
        or another, waits for it, at most ``wait`` seconds (then LockedError). Released when the process
        dies, kill -9 included."""
        return self._waiting_lock("story grouping", "story-grouping", wait)

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
            return [article_from_row(r, ()) for r in conn.execute(query)]

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
                    article_id=article_id, accepted=accepted, actor=actor, at=utcnow(), context=context
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


# The classification's list fields are stored as JSON text columns of the same names.
def _classification_values(r: Classification, now: datetime) -> dict[str, Any]:
    return {
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


def classification_from_row(r: Any) -> Classification:
    return from_row(
        Classification,
        r._mapping,
        id=str(r.article_id),
        matched_terms=tuple(TermMatch(**m) for m in json.loads(r.matched_terms)),
        themes=tuple(Theme(x) for x in json.loads(r.themes)),
        regions=tuple(Region(x) for x in json.loads(r.regions)),
        objectives=tuple(json.loads(r.objectives)),
    )


def apply_corrections(conn: Connection, article_ids: Sequence[int]) -> None:
    """Lay the editors' corrections over these articles' classifications (the latest per field wins:
    there is one row per field); a corrected language also becomes the article's."""
    r = w.article_corrections
    rows = conn.execute(
        sa.select(r.c.article_id, r.c.field, r.c.value).where(r.c.article_id.in_(list(article_ids)))
    )
    values: dict[int, dict[str, Any]] = {}
    for article_id, field, raw in rows:
        value = json.loads(raw)
        mine = values.setdefault(article_id, {})
        if field == "relevant":
            mine.update(relevant=bool(value), uncertain=False)
        elif field == "language":
            mine["language"] = str(value)
        elif field in ("themes", "regions", "objectives"):
            mine[field] = json.dumps([str(x) for x in value])
    c = t.classifications
    for article_id, changes in values.items():
        conn.execute(sa.update(c).where(c.c.article_id == article_id).values(**changes))
        if "language" in changes:
            conn.execute(
                sa.update(t.articles)
                .where(t.articles.c.id == article_id)
                .values(language=changes["language"])
            )
