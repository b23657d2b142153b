"""Build the dashboard report of a period from the store: pure counting over rows read once."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from mediawatch.errors import ConfigError
from mediawatch.i18n import said
from mediawatch.report.model import (
    Cell,
    HealthWeek,
    Mention,
    OutletCount,
    Report,
    Series,
    SourceProblem,
    Totals,
    Week,
)
from mediawatch.report.period import last_day
from mediawatch.store.protocols import ReportStore
from mediawatch.store.reporting import FetchRow, ReportArticle
from mediawatch.types import FetchStatus, Region, Theme

MENTIONS_SHOWN = 10
TOP_OUTLETS = 10


def week_of(when: datetime | date) -> Week:
    day = when.astimezone(UTC).date() if isinstance(when, datetime) else when
    year, number, _ = day.isocalendar()
    return Week(f"{year}-W{number:02d}", day - timedelta(days=day.weekday()))


def weeks_between(period_from: datetime, period_to: datetime) -> tuple[Week, ...]:
    """Every ISO week that touches [period_from, period_to)."""
    first = week_of(period_from).start
    last = week_of(period_to - timedelta(microseconds=1)).start
    weeks = []
    day = first
    while day <= last:
        weeks.append(week_of(day))
        day += timedelta(days=7)
    return tuple(weeks)


def _series(key: str, articles: Sequence[ReportArticle], index: dict[str, int], n_weeks: int) -> Series:
    counts = [0] * n_weeks
    stories: list[set[int]] = [set() for _ in range(n_weeks)]
    for a in articles:
        i = index[week_of(a.when).label]
        counts[i] += 1
        stories[i].add(a.story_id)
    weekly = tuple(Cell(counts[i], len(stories[i])) for i in range(n_weeks))
    return Series(key, weekly, len(articles), len({a.story_id for a in articles}))


def _breakdown(
    articles: Sequence[ReportArticle],
    keys_of: Callable[[ReportArticle], Iterable[str]],
    order: Sequence[str] | None,
    index: dict[str, int],
    n_weeks: int,
) -> tuple[Series, ...]:
    groups: dict[str, list[ReportArticle]] = defaultdict(list)
    for a in articles:
        for key in dict.fromkeys(keys_of(a)):
            groups[key].append(a)
    if order is None:  # most articles first, then by key
        keys = sorted(groups, key=lambda k: (-len(groups[k]), k))
    else:
        keys = [k for k in order if k in groups] + sorted(k for k in groups if k not in order)
    return tuple(_series(k, groups[k], index, n_weeks) for k in keys)


def _health(fetches: Sequence[FetchRow], index: dict[str, int], n_weeks: int) -> tuple[HealthWeek, ...]:
    good: list[set[str]] = [set() for _ in range(n_weeks)]
    seen: list[set[str]] = [set() for _ in range(n_weeks)]
    fetch_count = [0] * n_weeks
    failed_count = [0] * n_weeks
    for f in fetches:
        i = index.get(week_of(f.at).label)
        if i is None:
            continue
        seen[i].add(f.source_id)
        fetch_count[i] += 1
        try:
            failed = FetchStatus(f.status).is_failure
        except ValueError:
            failed = True
        if failed:
            failed_count[i] += 1
        else:
            good[i].add(f.source_id)
    return tuple(
        HealthWeek(len(good[i]), len(seen[i] - good[i]), fetch_count[i], failed_count[i])
        for i in range(n_weeks)
    )


def build_report(
    store: ReportStore,
    period_from: datetime,
    period_to: datetime,
    *,
    now: datetime | None = None,
    stale_days: int = 14,
) -> Report:
    """What the media watch saw in [period_from, period_to): counts per ISO week, outlets, source health."""
    if period_from.tzinfo is None or period_to.tzinfo is None:
        raise ConfigError("the report period needs timezone-aware datetimes")
    if period_from >= period_to:
        # The last day covered, as the user gave it with --to: the end itself is excluded (the next day).
        first, last = f"{period_from:%Y-%m-%d}", f"{last_day(period_to):%Y-%m-%d}"
        raise said(ConfigError, "report.refused.empty_period", first=first, last=last)
    now = now or datetime.now(UTC)
    weeks = weeks_between(period_from, period_to)
    index = {w.label: i for i, w in enumerate(weeks)}
    n = len(weeks)

    collected = store.report_articles(period_from, period_to)
    relevant = [a for a in collected if a.relevant]
    names = {s.id: s.name for s in store.report_sources()}

    collected_weekly = [0] * n
    for a in collected:
        collected_weekly[index[week_of(a.when).label]] += 1

    initiative_articles = [a for a in collected if a.initiative]
    mentions = tuple(
        Mention(
            title=a.title,
            url=a.url,
            when=a.when,
            language=a.language,
            source_id=a.source_ids[0] if a.source_ids else "",
            outlet=names.get(a.source_ids[0], a.source_ids[0]) if a.source_ids else "",
        )
        for a in sorted(initiative_articles, key=lambda a: (a.when, a.id), reverse=True)[:MENTIONS_SHOWN]
    )

    per_outlet: dict[str, list[ReportArticle]] = defaultdict(list)
    for a in collected:
        for source_id in a.source_ids:
            per_outlet[source_id].append(a)
    outlets = []
    for source_id, items in per_outlet.items():
        hits = [a for a in items if a.relevant]
        if not hits:
            continue
        languages = Counter(a.language for a in hits if a.language)
        outlets.append(
            OutletCount(
                source_id=source_id,
                name=names.get(source_id, source_id),
                relevant=len(hits),
                articles=len(items),
                stories=len({a.story_id for a in hits}),
                languages=tuple(lang for lang, _ in languages.most_common()),
            )
        )
    outlets.sort(key=lambda o: (-o.relevant, -o.articles, o.name.lower()))

    failing, stale, enabled = [], [], 0
    for h in store.source_health(now, stale_days, events=True):
        if not h.enabled:
            continue
        enabled += 1
        problem = SourceProblem(
            source_id=h.source_id,
            name=h.name,
            status=h.last_status.value if h.last_status else "",
            detail=h.events[0].detail if h.events else "",
            failures=h.consecutive_failures,
            last_success=h.last_success,
            stale_days=h.stale_days,
        )
        if h.consecutive_failures:
            failing.append(problem)
        elif h.stale_days is not None and h.stale_days >= stale_days:
            stale.append(problem)

    everything = _series("relevant", relevant, index, n)
    return Report(
        period_from=period_from,
        period_to=period_to,
        generated_at=now,
        weeks=weeks,
        totals=Totals(
            collected=len(collected),
            classified=sum(a.classified for a in collected),
            relevant=len(relevant),
            stories=everything.stories,
            initiative=len(initiative_articles),
            outlets=len(outlets),
            languages=len({a.language for a in relevant if a.language}),
        ),
        weekly=everything.weekly,
        collected_weekly=tuple(collected_weekly),
        by_language=_breakdown(relevant, lambda a: (a.language or "und",), None, index, n),
        by_theme=_breakdown(relevant, lambda a: a.themes, [x.value for x in Theme], index, n),
        by_region=_breakdown(relevant, lambda a: a.regions, [x.value for x in Region], index, n),
        initiative=_series("initiative", initiative_articles, index, n),
        mentions=mentions,
        top_outlets=tuple(outlets[:TOP_OUTLETS]),
        health=_health(store.report_fetches(period_from, period_to), index, n),
        failing=tuple(sorted(failing, key=lambda p: (-p.failures, p.name.lower()))),
        stale=tuple(sorted(stale, key=lambda p: (-(p.stale_days or 0), p.name.lower()))),
        sources_enabled=enabled,
        stale_after_days=stale_days,
    )
