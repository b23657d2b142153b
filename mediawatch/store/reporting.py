"""Storage queries of the dashboard report and of the nightly run's bookkeeping, mixed into Store.

The report reads plain rows for a period and aggregates them in Python (ISO weeks, themes held as JSON):
the same code on SQLite and PostgreSQL, and a period of a few months is a few thousand rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from mediawatch.store import schema as t
from mediawatch.store.core import Database
from mediawatch.types import ArticleState

# Concepts of the taxonomy that name the initiative itself (relevance.toml and themes.toml).
INITIATIVE_CONCEPTS = frozenset({"initiative_4p1000", "theme:initiative_4p1000"})
INITIATIVE_THEME = "initiative_4p1000"


@dataclass(frozen=True, slots=True)
class ReportArticle:
    """One collected article (duplicates excluded) as the report counts it."""

    id: int
    title: str
    url: str
    when: datetime  # published, else discovered
    language: str  # the classifier's, else the best known
    classified: bool
    relevant: bool
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    initiative: bool  # the initiative is named: its theme or one of its concepts matched
    story_id: int  # the article's own id (negative) when it is not grouped yet
    source_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FetchRow:
    source_id: str
    at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: str
    name: str
    language: str
    enabled: bool
    in_registry: bool


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    kind: str
    started: datetime
    finished: datetime | None
    status: str
    summary: dict[str, Any]


def _initiative(themes: Sequence[str], matched_terms: str | None) -> bool:
    if INITIATIVE_THEME in themes:
        return True
    if not matched_terms:
        return False
    return any(m.get("concept") in INITIATIVE_CONCEPTS for m in json.loads(matched_terms))


def _run_from_row(r: Any) -> RunRecord:
    try:
        summary = json.loads(r.summary or "{}")
    except ValueError:
        summary = {}
    return RunRecord(
        id=r.id,
        kind=r.kind,
        started=r.started,
        finished=r.finished,
        status=r.status,
        summary=summary if isinstance(summary, dict) else {},
    )


class ReportRecords(Database):
    """Mixed into :class:`mediawatch.store.Store`."""

    # -- the report -------------------------------------------------------------------------------
    def report_articles(self, period_from: datetime, period_to: datetime) -> list[ReportArticle]:
        """Articles first seen (published, else discovered) in [period_from, period_to), oldest first."""
        a, c, m = t.articles, t.classifications, t.story_members
        stamp = sa.func.coalesce(a.c.published, a.c.discovered)
        query = (
            sa.select(
                a.c.id,
                a.c.title,
                a.c.url,
                a.c.published,
                a.c.discovered,
                a.c.language.label("article_language"),
                a.c.state,
                c.c.language.label("classified_language"),
                c.c.relevant,
                c.c.themes,
                c.c.regions,
                c.c.matched_terms,
                m.c.story_id,
            )
            .select_from(a.outerjoin(c, c.c.article_id == a.c.id).outerjoin(m, m.c.article_id == a.c.id))
            .where(a.c.duplicate_of.is_(None), stamp >= period_from, stamp < period_to)
            .order_by(stamp, a.c.id)
        )
        with self._tx() as conn:
            rows = conn.execute(query).all()
            links: dict[int, list[str]] = {}
            ids = [r.id for r in rows]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for link in conn.execute(
                    sa.select(t.article_sources.c.article_id, t.article_sources.c.source_id)
                    .where(t.article_sources.c.article_id.in_(chunk))
                    .order_by(t.article_sources.c.discovered)
                ):
                    links.setdefault(link.article_id, []).append(link.source_id)
        result = []
        for r in rows:
            classified = r.relevant is not None
            themes = tuple(json.loads(r.themes)) if classified else ()
            result.append(
                ReportArticle(
                    id=r.id,
                    title=r.title,
                    url=r.url,
                    when=r.published or r.discovered,
                    language=(r.classified_language if classified else r.article_language) or "",
                    classified=classified,
                    relevant=bool(r.relevant),
                    themes=themes,
                    regions=tuple(json.loads(r.regions)) if classified else (),
                    initiative=classified and _initiative(themes, r.matched_terms),
                    story_id=r.story_id if r.story_id is not None else -r.id,
                    source_ids=tuple(links.get(r.id, ())),
                )
            )
        return result

    def report_fetches(self, period_from: datetime, period_to: datetime) -> list[FetchRow]:
        """Fetch events in the period (the store keeps the last few per source: older weeks thin out)."""
        e = t.fetch_events
        query = (
            sa.select(e.c.source_id, e.c.at, e.c.status)
            .where(e.c.at >= period_from, e.c.at < period_to)
            .order_by(e.c.at, e.c.id)
        )
        with self._tx() as conn:
            return [FetchRow(r.source_id, r.at, r.status) for r in conn.execute(query)]

    def report_sources(self) -> list[SourceRow]:
        s = t.sources
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(s.c.id, s.c.name, s.c.language, s.c.enabled, s.c.in_registry).order_by(s.c.id)
            ).all()
        return [SourceRow(r.id, r.name, r.language, bool(r.enabled), bool(r.in_registry)) for r in rows]

    def pending_count(self) -> int:
        with self._tx() as conn:
            query = sa.select(sa.func.count()).where(t.articles.c.state == ArticleState.PENDING.value)
            return int(conn.execute(query).scalar() or 0)

    # -- runs -------------------------------------------------------------------------------------
    def recent_runs(self, kind: str, limit: int = 20) -> list[RunRecord]:
        """The latest runs of ``kind``, newest first."""
        r = t.runs
        query = sa.select(r).where(r.c.kind == kind).order_by(r.c.id.desc()).limit(limit)
        with self._tx() as conn:
            return [_run_from_row(row) for row in conn.execute(query)]

    def mark_interrupted_runs(self, kinds: Sequence[str]) -> list[RunRecord]:
        """Runs still marked running become "interrupted"; call only while holding the run lock.

        The lock is released by the kernel when its holder dies, so a run we can see as running while we
        hold the lock is one that was killed (reboot, kill -9) before it could record its end.
        """
        r = t.runs
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(r).where(r.c.kind.in_(list(kinds)), r.c.status == "running").order_by(r.c.id)
            ).all()
            if rows:
                conn.execute(
                    sa.update(r)
                    .where(r.c.id.in_([row.id for row in rows]))
                    .values(status="interrupted", finished=datetime.now(UTC))
                )
        return [_run_from_row(row) for row in rows]
