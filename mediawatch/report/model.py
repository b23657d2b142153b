"""What the dashboard report holds: plain frozen data, built by :mod:`mediawatch.report.build`.

Counts are aligned on ``Report.weeks`` (ISO weeks, Monday to Sunday, UTC) so that every chart and every
table reads the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Week:
    label: str  # ISO week, "2024-W18"
    start: date  # its Monday


@dataclass(frozen=True, slots=True)
class Cell:
    """Counts of one week for one key (a language, a theme, a region)."""

    articles: int = 0
    stories: int = 0  # stories with at least one such article that week


@dataclass(frozen=True, slots=True)
class Series:
    key: str  # a language code, a Theme or Region value, "initiative"
    weekly: tuple[Cell, ...]  # one per Report.weeks
    articles: int  # over the whole period
    stories: int


@dataclass(frozen=True, slots=True)
class Totals:
    collected: int  # articles first seen in the period, duplicates excluded
    classified: int
    relevant: int
    stories: int  # stories with a relevant article in the period
    initiative: int  # articles naming the initiative
    outlets: int  # sources that carried a relevant article
    languages: int  # languages of relevant articles


@dataclass(frozen=True, slots=True)
class Mention:
    """An article that names the initiative."""

    title: str
    url: str
    when: datetime
    language: str
    source_id: str  # "" when it came from no source
    outlet: str  # the source's stored name (the built-in ones' in English: named where read)


@dataclass(frozen=True, slots=True)
class OutletCount:
    source_id: str
    name: str
    relevant: int
    articles: int
    stories: int
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HealthWeek:
    """Sources polled in one week: ``ok`` had at least one good fetch, ``failing`` had only failures."""

    ok: int
    failing: int
    fetches: int
    failed_fetches: int


@dataclass(frozen=True, slots=True)
class SourceProblem:
    source_id: str
    name: str
    status: str  # last fetch status
    detail: str
    failures: int  # consecutive
    last_success: datetime | None
    stale_days: int | None  # days without a new item


@dataclass(frozen=True, slots=True)
class Report:
    period_from: datetime
    period_to: datetime
    generated_at: datetime
    weeks: tuple[Week, ...]
    totals: Totals
    weekly: tuple[Cell, ...]  # every relevant article, per week
    collected_weekly: tuple[int, ...]  # every collected article, per week
    by_language: tuple[Series, ...]  # most articles first
    by_theme: tuple[Series, ...]  # taxonomy order
    by_region: tuple[Series, ...]
    initiative: Series
    mentions: tuple[Mention, ...]  # newest first, at most a few
    top_outlets: tuple[OutletCount, ...]
    health: tuple[HealthWeek, ...]  # per week
    failing: tuple[SourceProblem, ...]  # sources failing now
    stale: tuple[SourceProblem, ...]  # sources with no new item for stale_days
    sources_enabled: int
    stale_after_days: int
