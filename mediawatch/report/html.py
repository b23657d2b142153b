"""The report as HTML: one self-contained file (inline CSS, inline SVG) or a fragment for the dashboard.

The file loads nothing: no script, no font, no image, no stylesheet from anywhere, so it can be attached
to an email, opened offline and printed. The only links it holds are to the articles it cites.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from mediawatch.collect.labels import fetch_label, reader_detail
from mediawatch.i18n import LANGUAGES, and_list, language_name, t
from mediawatch.i18n.dates import format_date, format_half_open
from mediawatch.i18n.regions import region_name
from mediawatch.i18n.themes import theme_name
from mediawatch.report import svg
from mediawatch.report.model import Report, Series, Week
from mediawatch.watch.add_result import REASON_KEYS, reason_text
from mediawatch.watch.service import reader_source_names

TEMPLATES = Path(__file__).resolve().parent / "templates"


def source_label(source_id: str, name: str, lang: str) -> str:
    """A source as a reader of ``lang`` knows it: the report carries the stored name, and the built-in
    sources of added articles have theirs in English only."""
    return reader_source_names({source_id: name}, lang)[source_id]


def long_date(day: date | datetime, lang: str) -> str:
    """A day in full, as the editions, the web and the CLI write it (``i18n.dates``)."""
    when = day if isinstance(day, datetime) else datetime(day.year, day.month, day.day, tzinfo=UTC)
    return format_date(when, lang, long=True)


def period_text(report: Report, lang: str) -> str:
    # period_to is exclusive: format_half_open ends the words on the day before
    return format_half_open(report.period_from, report.period_to, lang)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def report_css() -> str:
    """The stylesheet of the report, every rule under ``.mw-report`` so the dashboard can embed it."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def _matrix(series: Sequence[Series]) -> list[list[int]]:
    return [[c.articles for c in s.weekly] for s in series]


def week_name(week: Week, lang: str) -> str:
    """A week as ``lang`` abbreviates it ("S14" in French and Spanish, "W14" in English); the year is in the
    date beside it. ``Week.label`` stays ISO's "2024-W14" for the JSON a script reads."""
    return t("report.week.short", lang, number=f"{week.start.isocalendar()[1]:02d}")


def charts(report: Report, lang: str, prefix: str = "mw") -> dict[str, Markup]:
    """Every chart of the report as inline SVG markup (built here, escaped here: safe to insert)."""
    short = [week_name(w, lang) for w in report.weeks]
    names = [f"{week_name(w, lang)} ({long_date(w.start, lang)})" for w in report.weeks]
    weeks = len(report.weeks)
    colon = t("report.chart.colon", lang)
    out: dict[str, Markup] = {}
    out["languages"] = Markup(  # noqa: S704 - svg.py escapes every text it writes
        svg.stacked_bars(
            f"{prefix}-languages",
            t("report.chart.languages", lang),
            t("report.chart.languages_desc", lang, total=report.totals.relevant, weeks=weeks),
            short,
            names,
            [(language_name(s.key, lang), [c.articles for c in s.weekly]) for s in report.by_language],
            colon=colon,
        )
    )
    out["themes"] = Markup(  # noqa: S704
        svg.heatmap(
            f"{prefix}-themes",
            t("report.chart.themes", lang),
            t("report.chart.themes_desc", lang),
            [theme_name(s.key, lang) for s in report.by_theme],
            short,
            names,
            _matrix(report.by_theme),
            colon=colon,
        )
    )
    out["regions"] = Markup(  # noqa: S704
        svg.heatmap(
            f"{prefix}-regions",
            t("report.chart.regions", lang),
            t("report.chart.regions_desc", lang),
            [region_name(s.key, lang) for s in report.by_region],
            short,
            names,
            _matrix(report.by_region),
            colon=colon,
        )
    )
    out["initiative"] = Markup(  # noqa: S704
        svg.line_chart(
            f"{prefix}-initiative",
            t("report.chart.initiative", lang),
            t("report.chart.initiative_desc", lang, total=report.totals.initiative),
            short,
            names,
            [c.articles for c in report.initiative.weekly],
            colon=colon,
        )
    )
    out["outlets"] = Markup(  # noqa: S704
        svg.horizontal_bars(
            f"{prefix}-outlets",
            t("report.chart.outlets", lang),
            t("report.chart.outlets_desc", lang, count=len(report.top_outlets)),
            [source_label(o.source_id, o.name, lang) for o in report.top_outlets],
            [o.relevant for o in report.top_outlets],
            colon=colon,
        )
    )
    out["health"] = Markup(  # noqa: S704
        svg.stacked_bars(
            f"{prefix}-health",
            t("report.chart.health", lang),
            t("report.chart.health_desc", lang),
            short,
            names,
            [
                (t("report.series.working", lang), [h.ok for h in report.health]),
                (t("report.series.failing", lang), [h.failing for h in report.health]),
            ],
            [svg.OK_COLOUR, svg.FAIL_COLOUR],
            colon=colon,
        )
    )
    return out


def problem_detail(status: str, detail: str, lang: str) -> str:
    """A failing source's detail for a reader of ``lang``: the collector's own words for English, else
    its reason in the reader's words (with the site's HTTP status when there was one)."""
    said = reader_detail(detail, lang)
    if lang == "en" or status not in REASON_KEYS:
        return said
    why = reason_text(status, lang)
    why = why[:1].upper() + why[1:]  # alone in its table cell
    return t("report.health.detail_with_status", lang, why=why, detail=said) if said else why


def _context(report: Report, lang: str, organisation: str, prefix: str) -> dict[str, Any]:
    if lang not in LANGUAGES:
        lang = "en"

    def tr(key: str, **fields: object) -> str:
        return t(key, lang, **fields)

    return {
        "r": report,
        "lang": lang,
        "tr": tr,
        "status_label": lambda status: fetch_label(status, lang),
        "detail_text": lambda problem: problem_detail(problem.status, problem.detail, lang),
        "organisation": organisation,
        "period": period_text(report, lang),
        "charts": charts(report, lang, prefix),
        "long_date": lambda d: long_date(d, lang) if d else t("report.never", lang),
        "language_name": lambda code: language_name(code, lang),
        "theme_name": lambda value: theme_name(value, lang),
        "region_name": lambda value: region_name(value, lang),
        "source_label": lambda source_id, name: source_label(source_id, name, lang),
        "initiative_label": lambda _key: t("report.figures.initiative", lang),
        "language_list": lambda codes: and_list([language_name(c, lang) for c in codes], lang),
        "weeks": list(enumerate(report.weeks)),
        "week_name": lambda week: week_name(week, lang),
    }


def render_report_fragment(report: Report, lang: str, *, organisation: str = "", prefix: str = "mw") -> str:
    """The report's sections in a ``<div class="mw-report">``, for a page that brings report_css()."""
    template = _environment().get_template("report_body.html.j2")
    return template.render(**_context(report, lang, organisation, prefix))


def render_report_html(report: Report, lang: str, *, organisation: str = "") -> str:
    """The whole report as one self-contained HTML document in ``lang`` (fr, en or es)."""
    template = _environment().get_template("report.html.j2")
    context = _context(report, lang, organisation, "mw")
    return template.render(
        body=Markup(render_report_fragment(report, lang, organisation=organisation)),  # noqa: S704
        css=Markup(report_css()),  # noqa: S704 - our own stylesheet, no user data
        **context,
    )
