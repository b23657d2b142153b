"""`mediawatch report`: the dashboard as one self-contained HTML file (or JSON for scripts)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from mediawatch.cli.context import Context, handle_errors
from mediawatch.files import write_text
from mediawatch.i18n import LANGUAGES, t
from mediawatch.i18n.dates import format_half_open
from mediawatch.report.period import DEFAULT_DAYS, day_bound, last_day, relative_period


def _period(value: str, lang: str, now: datetime) -> tuple[datetime, datetime]:
    found = relative_period(value, now)
    if found is None:
        raise click.BadParameter(t("report.cli.bad_period", lang, value=value), param_hint="--period")
    return found


def _day(value: str, lang: str, option: str, *, end: bool) -> datetime:
    found = day_bound(value, end=end)
    if found is None:
        raise click.BadParameter(t("error.not_a_date", lang, value=value), param_hint=option)
    return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@click.command()
@click.option("--period", help="The last N days or weeks: 30d, 12w [default: 30d].")
@click.option("--from", "date_from", help="First day (2024-04-01) or an ISO datetime.")
@click.option("--to", "date_to", help="Last day, included (2024-04-30) [default: now].")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    help="HTML file to write ('-' for stdout) [default: report-FROM_TO.html].",
)
@click.option(
    "--lang",
    "report_lang",
    type=click.Choice(LANGUAGES),
    help="Language of the report [default: the interface language].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report's numbers as JSON instead.")
@click.pass_obj
@handle_errors
def report(
    obj: Context,
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    out: str | None,
    report_lang: str | None,
    as_json: bool,
) -> None:
    """What the media watch saw over a period: articles and stories per week by language, theme and
    region, the initiative's mentions, top outlets, source health. Charts are inline SVG: the file loads
    nothing from the internet and can be attached to an email or printed."""
    from mediawatch.report import build_report, render_report_html

    now = datetime.now(UTC)
    if period and (date_from or date_to):
        raise click.UsageError(t("report.cli.period_and_dates", obj.lang))
    if date_from or date_to:
        period_to = _day(date_to, obj.lang, "--to", end=True) if date_to else now
        period_from = (
            _day(date_from, obj.lang, "--from", end=False)
            if date_from
            else period_to - timedelta(days=DEFAULT_DAYS)
        )
    else:
        period_from, period_to = _period(period or f"{DEFAULT_DAYS}d", obj.lang, now)
    lang = report_lang or obj.lang
    built = build_report(obj.store, period_from, period_to, now=now, stale_days=obj.settings.stale_days)
    if as_json:
        click.echo(json.dumps(_jsonable(asdict(built)), ensure_ascii=False, indent=1))
        return
    document = render_report_html(built, lang, organisation=obj.settings.organisation)
    if out == "-":
        click.echo(document, nl=False)
        return
    last = last_day(period_to)
    path = Path(out or f"report-{period_from:%Y-%m-%d}_{last:%Y-%m-%d}.html")
    write_text(path, document, obj.lang)
    # said as the report names its period ("du 1er au 30 nov. 2026"); the file name keeps ISO days, which sort
    said = format_half_open(period_from, period_to, obj.lang)
    click.echo(t("report.cli.wrote", obj.lang, period=said, path=path))
