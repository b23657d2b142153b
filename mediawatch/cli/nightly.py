"""`mediawatch nightly`: the whole job, for cron or a systemd timer."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
import sqlalchemy as sa

from mediawatch.cli.context import Context, parse_since
from mediawatch.config import database_url, masked_url, scrub_password
from mediawatch.errors import ConfigError, LockedError, MediawatchError, StorageError
from mediawatch.i18n import said, t
from mediawatch.store import Store


def _open(obj: Context) -> Store:
    """The database, or StorageError for whatever makes it unusable (not a database, a bad path)."""
    try:
        return obj.store
    except StorageError:
        raise
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        url = database_url(obj.settings.db) if obj.settings.db else ""
        cause = getattr(exc, "orig", None) or exc  # the driver's words, without SQLAlchemy's help links
        detail = scrub_password(str(cause), url)
        if url:
            raise said(StorageError, "nightly.cli.cannot_open", url=masked_url(url), cause=detail) from None
        raise said(StorageError, "nightly.cli.cannot_open_default", cause=detail) from None


@click.command()
@click.option(
    "--no-collect", is_flag=True, help="Skip collection: classify, compose, render and notify only."
)
@click.option("--no-notify", is_flag=True, help="Do not email the editors.")
@click.option("--force", is_flag=True, help="Poll sources in back-off too.")
@click.option(
    "--at",
    "at",
    help="Decide which drafts are due as if it were this moment (2024-05-06, ISO datetime) [default: now].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run's result as JSON instead of one line.")
@click.pass_obj
def nightly(
    obj: Context, no_collect: bool, no_notify: bool, force: bool, at: str | None, as_json: bool
) -> None:
    """Collect, classify, compose the drafts that are due, render them, and email the editors.

    Before classifying, retrains the relevance model (as `mediawatch retrain`) once the editors made
    nightly_retrain_after new decisions (20 by default; 0: never). Cadences, editors and logs are set in
    the [nightly] section of the config. Never sends anything to
    subscribers. Logs: one JSON line per event, to log_file (rotated) or stderr.

    --at may not be a later day than today: the job composes periods that have ended.

    Exit codes: 0 ok; 1 a stage failed (the others still ran); 2 bad usage or configuration; 3 another
    collect or nightly run is active; 4 some sources failed; 5 nothing could be done (database unusable,
    no source, or every source failed).
    """
    from mediawatch.nightly import EXIT_NOTHING, json_logging, run_nightly
    from mediawatch.nightly.cadence import is_future_day, parse_timezone
    from mediawatch.nightly.run import check_settings

    try:  # a malformed setting stops the run before any stage: one line, exit 2, nothing done
        check_settings(obj.settings, obj.lang)
    except ConfigError as exc:
        click.echo(t("error.prefix", obj.lang, message=exc.translated(obj.lang)), err=True)
        sys.exit(exc.exit_code)
    when = parse_since(at, obj.lang, "--at") if at else None
    if when is not None and is_future_day(
        when, datetime.now(UTC), parse_timezone(obj.settings.nightly_timezone)
    ):
        raise click.BadParameter(t("nightly.cli.future_at", obj.lang, at=at), param_hint="--at")
    try:
        with json_logging(obj.settings) as log:
            try:
                store = _open(obj)
                result = run_nightly(
                    store,
                    obj.settings,
                    log=log,
                    now=when,
                    ui_lang=obj.lang,
                    collect=not no_collect,
                    notify=not no_notify,
                    force=force,
                )
            except LockedError as exc:
                log.warning("nightly.locked", error=str(exc))
                click.echo(t("error.prefix", obj.lang, message=exc.translated(obj.lang)), err=True)
                sys.exit(exc.exit_code)
            except StorageError as exc:
                log.error("nightly.database_unusable", error=str(exc))
                click.echo(
                    t("nightly.cli.nothing_done", obj.lang, message=exc.translated(obj.lang)), err=True
                )
                sys.exit(exc.exit_code)
    except ConfigError as exc:  # the log file cannot be written, a setting is malformed
        click.echo(t("error.prefix", obj.lang, message=exc.translated(obj.lang)), err=True)
        sys.exit(exc.exit_code)
    except MediawatchError as exc:  # whatever its class, the run did nothing: nightly's own outcome
        click.echo(t("nightly.cli.nothing_done", obj.lang, message=exc.translated(obj.lang)), err=True)
        sys.exit(EXIT_NOTHING)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        click.echo(result.summary_line())
        for note in result.notes:
            click.echo(note.text(obj.lang), err=True)
        for problem in result.problems:
            click.echo("  " + t("nightly.cli.stage_failed", obj.lang, error=problem.text(obj.lang)), err=True)
    sys.exit(result.exit_code)
