"""`mediawatch compose` and `mediawatch translate --retry`: drafts from the relevant stories."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import click

from mediawatch.cli.context import (
    EXIT_ERROR,
    Context,
    acting,
    as_option,
    handle_errors,
    parse_since,
    relative_amount,
)
from mediawatch.compose.issues import find_issue
from mediawatch.errors import ConfigError
from mediawatch.i18n import t, tn
from mediawatch.review.workflow import Permission
from mediawatch.types import Publication, usable_day


def _system_or_editor(obj: Context, name: str) -> str:
    """``--as`` of compose and translate: empty (the system acts) or a user who may edit."""
    return acting(obj, name, Permission.EDIT).name if name.strip() else ""


def _period_option_help(which: str) -> str:
    return (
        f"{which} of the period (2024-05-01, which starts at midnight in nightly_timezone; an ISO"
        " datetime, UTC unless an offset is given; or 7d / 12h ago)."
    )


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def team_moment(value: str | None, zone: tzinfo, lang: str, option: str = "--from") -> datetime | None:
    """A ``--from``/``--to`` of compose: a day (2026-12-01) begins at midnight in ``zone`` (the team's
    ``nightly_timezone``), as the web form reads a day and the nightly ends its periods, so the three
    compose one December, not two; a datetime or a relative '7d' as :func:`parse_since` reads them."""
    text = (value or "").strip()
    if len(text) == 10:
        try:
            day: date | None = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None and usable_day(day):
            return _midnight(day, zone)
    return parse_since(value, lang, option)


def period_to_tonight(
    date_from: str | None, *, now: datetime, zone: tzinfo, default_days: int, lang: str
) -> tuple[datetime, datetime]:
    """The period of ``compose`` without ``--to``: it ends tonight at midnight in ``zone`` (the team's
    ``nightly_timezone``), and a relative ``--from`` counts whole days back from there ('7d': today and the
    six days before; '2w': fourteen days; no ``--from``: ``default_days``), so every run of one day asks
    for the same period and a second one is refused as a twin. Hours ('12h') count back from now, down to
    the whole hour; a day begins at its midnight in ``zone``, a datetime is taken as given."""
    refused = click.BadParameter(t("error.not_a_date", lang, value=date_from), param_hint="--from")
    relative = relative_amount(date_from)
    today = now.astimezone(zone).date()
    try:  # 99999999999d reaches before year 1
        end = _midnight(today + timedelta(days=1), zone)
        if relative is None and date_from is not None:
            return team_moment(date_from, zone, lang) or end, end
        if relative is not None and relative[1] == "h":
            start = (now - timedelta(hours=relative[0])).replace(minute=0, second=0, microsecond=0)
        else:
            days = default_days if relative is None else relative[0] * (7 if relative[1] == "w" else 1)
            start = _midnight(today + timedelta(days=1) - timedelta(days=days), zone)
    except OverflowError:
        raise refused from None
    if not usable_day(start):
        raise refused
    return start, end


@click.command()
@click.argument("publication", type=click.Choice([p.value for p in Publication]))
@click.option(
    "--from",
    "date_from",
    help=_period_option_help("Start")
    + " Without --to, 7d is today and the 6 days before. [default: --to minus compose_period_days (7)]",
)
@click.option(
    "--to", "date_to", help=_period_option_help("End") + " [default: tonight, midnight in nightly_timezone]"
)
@click.option("--languages", help="Editions, e.g. fr,en,es [default: compose_languages setting].")
@as_option("Registered user who composes (recorded in the audit log) [default: the system].", required=False)
@click.option(
    "--another",
    is_flag=True,
    help="Compose even when the period already has an issue of this publication (a second one, slug ...-2).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
@handle_errors
def compose(
    obj: Context,
    publication: str,
    date_from: str | None,
    date_to: str | None,
    languages: str | None,
    actor: str,
    another: bool,
    as_json: bool,
) -> None:
    """Create a draft newsletter or press review from the relevant stories of a period.

    No issue is created when no story of the period is relevant, or when every one was already told in an
    earlier issue of the publication: the command says which, and exits with code 5. When the publication
    already has an issue for exactly this period, the command names it and exits with code 2, unless
    --another.

    Without --to the period ends tonight at midnight in nightly_timezone and a --from in days or weeks
    counts whole days back from there, so running the same command twice in a day is refused like any
    repeated period.
    """
    from mediawatch.compose import compose_issue
    from mediawatch.errors import AlreadyComposed, NothingToCompose

    actor = _system_or_editor(obj, actor)
    if date_to:
        zone = obj.zone
        period_from, period_to = (
            team_moment(date_from, zone, obj.lang),
            team_moment(date_to, zone, obj.lang, "--to"),
        )
    else:
        period_from, period_to = period_to_tonight(
            date_from,
            now=datetime.now(UTC),
            zone=obj.zone,
            default_days=obj.settings.compose_period_days,
            lang=obj.lang,
        )
    try:
        result = compose_issue(
            obj.store,
            obj.settings,
            Publication(publication),
            period_from=period_from,
            period_to=period_to,
            languages=languages,
            actor=actor,
            another=another,
        )
    except AlreadyComposed as exc:
        if not as_json:
            raise  # said as every refusal is, exit 2
        # a script asked for JSON: the issue that is there, where it would have read the new one
        message = exc.translated(obj.lang)
        click.echo(
            json.dumps(
                {"status": "exists", "issue": exc.issue_id, "slug": exc.slug, "message": message},
                ensure_ascii=False,
            )
        )
        sys.exit(exc.exit_code)
    except NothingToCompose as exc:  # not a mistake, but the draft asked for does not exist
        click.echo(exc.translated(obj.lang), err=True)
        sys.exit(exc.exit_code)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "status": "created",
                    "issue": result.issue_id,
                    "slug": result.slug,
                    "items": result.items,
                    "candidates": result.candidates,
                    "warnings": list(result.warnings),
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(
        t(
            "compose.created",
            obj.lang,
            slug=result.slug,
            id=result.issue_id,
            items=tn("compose.items", result.items, obj.lang),
            candidates=tn("compose.candidates", result.candidates, obj.lang),
        )
    )
    for warning in result.warnings:
        click.echo(t("compose.warning", obj.lang, warning=warning), err=True)
    click.echo(t("compose.next", obj.lang, slug=result.slug))


@click.command()
@click.option(
    "--retry", is_flag=True, required=True, help="Translate the texts left in their original language."
)
@click.option("--issue", "issue_ref", help="Only this issue (id or slug).")
@as_option("Registered user recorded in the audit log [default: the system].", required=False)
@click.pass_obj
@handle_errors
def translate(obj: Context, retry: bool, issue_ref: str | None, actor: str) -> None:
    """Fill translations that failed or were skipped when the issue was composed."""
    from mediawatch.compose import retry_translations

    actor = _system_or_editor(obj, actor)
    if obj.settings.translate_provider == "none":
        raise ConfigError(t("compose.no_provider", obj.lang))
    issue_id = find_issue(obj.store, issue_ref).id if issue_ref else None
    report = retry_translations(obj.store, obj.settings, issue_id=issue_id, actor=actor)
    filled = tn("compose.filled", report.filled, obj.lang)
    failed = tn("compose.unfilled", report.failed, obj.lang)
    click.echo(t("compose.retried", obj.lang, filled=filled, failed=failed))
    for error in report.errors:
        click.echo(t("compose.warning", obj.lang, warning=error), err=True)
    if report.failed:
        sys.exit(EXIT_ERROR)
