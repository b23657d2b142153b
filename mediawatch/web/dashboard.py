"""The media watch dashboard in the web app: the same report as `mediawatch report`, for a chosen period.

The page embeds the report's HTML fragment and its stylesheet (served from here: the app's CSP allows
no inline style), and offers the self-contained file for download, to attach to an email to the board.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from mediawatch.render.model import organisation_name
from mediawatch.report import build_report, render_report_fragment, render_report_html, report_css
from mediawatch.report.period import DEFAULT_DAYS, day_bound, last_day, relative_period
from mediawatch.web.base import login_required, tr, ui_lang, web_settings, web_store

bp = Blueprint("dashboard", __name__)

# (value of ?period=, catalogue key of its label); literal keys for the template key checks
PERIODS = (
    ("30d", "report.dashboard.last_30d"),
    ("13w", "report.dashboard.last_13w"),
    ("26w", "report.dashboard.last_26w"),
    ("52w", "report.dashboard.last_52w"),
)
# The downloaded file styles itself inline and loads nothing: this policy says exactly that.
DOWNLOAD_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"
)


def _chosen_period(now: datetime) -> tuple[datetime, datetime, dict[str, str], str]:
    """(from, to, the query that gives them, what was wrong with the one asked for: "" when nothing)
    from ?period=30d or ?from=...&to=..."""
    args = request.args
    start_text, end_text = args.get("from", "").strip(), args.get("to", "").strip()
    problem = ""
    if start_text or end_text:
        end = day_bound(end_text, end=True) if end_text else now
        start = (
            day_bound(start_text, end=False)
            if start_text
            else (end - timedelta(days=DEFAULT_DAYS) if end else None)
        )
        if start is not None and end is not None and start < end:
            return start, end, {"from": start_text, "to": end_text}, ""
        if end is None:
            problem = tr(
                "report.dashboard.bad_date", field=tr("report.dashboard.field.to"), value=end_text[:40]
            )
        elif start is None:
            field = tr("report.dashboard.field.from")
            problem = tr("report.dashboard.bad_date", field=field, value=start_text[:40])
        else:
            problem = tr("report.dashboard.reversed", start=start_text, end=end_text)
    else:
        value = args.get("period", f"{DEFAULT_DAYS}d")
        found = relative_period(value, now)
        if found is not None:
            return found[0], found[1], {"period": value}, ""
        problem = tr("report.dashboard.bad_period", value=value[:40])
    fallback = relative_period(f"{DEFAULT_DAYS}d", now)
    assert fallback is not None
    return fallback[0], fallback[1], {"period": f"{DEFAULT_DAYS}d"}, problem


@bp.get("/dashboard")
@login_required
def dashboard() -> str:
    settings, now = web_settings(), datetime.now(UTC)
    start, end, query, problem = _chosen_period(now)
    report = build_report(web_store(), start, end, now=now, stale_days=settings.stale_days)
    fragment = render_report_fragment(
        report, ui_lang(), organisation=organisation_name(settings, ui_lang()), prefix="dash"
    )
    return render_template(
        "dashboard.html",
        fragment=Markup(fragment),  # noqa: S704 - rendered by our autoescaping template and svg.py
        periods=PERIODS,
        query=query,
        problem=problem,
        start=start.date().isoformat(),
        last=last_day(end).isoformat(),
        download=url_for("dashboard.download") + "?" + urlencode(query),
    )


@bp.get("/dashboard/report.css")
def stylesheet() -> Response:
    response = Response(report_css(), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/dashboard/report.html")
@login_required
def download() -> Response:
    settings, now = web_settings(), datetime.now(UTC)
    start, end, _, _ = _chosen_period(now)
    report = build_report(web_store(), start, end, now=now, stale_days=settings.stale_days)
    response = Response(
        render_report_html(report, ui_lang(), organisation=organisation_name(settings, ui_lang())),
        mimetype="text/html",
    )
    name = f"mediawatch-report-{start:%Y-%m-%d}_{last_day(end):%Y-%m-%d}.html"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
