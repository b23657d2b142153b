"""The media watch dashboard: what was seen over a period, as data, inline SVG charts and one HTML file.

report = build_report(store, period_from, period_to)
html = render_report_html(report, "fr", organisation="4 per 1000")

Layer: on top of the stages; only nightly, the web app, the CLI and the demo import it. The layers:
pyproject.toml [tool.importlinter] and docs/design.md.
"""

from mediawatch.report.build import build_report, week_of, weeks_between
from mediawatch.report.html import render_report_fragment, render_report_html, report_css
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

__all__ = [
    "Cell",
    "HealthWeek",
    "Mention",
    "OutletCount",
    "Report",
    "Series",
    "SourceProblem",
    "Totals",
    "Week",
    "build_report",
    "render_report_fragment",
    "render_report_html",
    "report_css",
    "week_of",
    "weeks_between",
]
