"""`mediawatch subscribers ...`: the people the newsletter and the press review go to.

Thin: each command parses its options and calls one function of :mod:`mediawatch.deliver`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mediawatch.cli.context import (
    EXIT_ERROR,
    EXIT_SOURCES_FAILED,
    EXIT_USAGE,
    Context,
    handle_errors,
)
from mediawatch.i18n import LANGUAGES, language_name, t, tn
from mediawatch.types import Publication, SubscriberStatus

if TYPE_CHECKING:
    from mediawatch.deliver.csvio import RowProblem

STATUSES = [s.value for s in SubscriberStatus]
PUBLICATIONS = [p.value for p in Publication]


@click.group("subscribers")
def subscribers_group() -> None:
    """Subscribers of the newsletter and the press review."""


@subscribers_group.command("add")
@click.argument("email")
@click.option("--language", required=True, type=click.Choice(LANGUAGES), help="Edition language.")
@click.option(
    "--publication",
    "publications",
    multiple=True,
    required=True,
    type=click.Choice(PUBLICATIONS),
    help="What they want (repeatable).",
)
@click.option("--fallback", default="", help="Further languages in order, e.g. 'en es'.")
@click.option(
    "--confirmed",
    is_flag=True,
    help="Consent was obtained elsewhere: active at once (else pending, and a confirmation mail goes out).",
)
@click.option("--note", default="", help="Where the consent comes from (kept in the consent record).")
@click.option("--no-mail", is_flag=True, help="Without --confirmed: do not send the confirmation mail now.")
@click.pass_obj
@handle_errors
def subscribers_add(
    obj: Context,
    email: str,
    language: str,
    publications: tuple[str, ...],
    fallback: str,
    confirmed: bool,
    note: str,
    no_mail: bool,
) -> None:
    """Add a subscriber (double opt-in unless --confirmed)."""
    from mediawatch.deliver.subscribers import Origin, add_confirmed, optin_problem, subscribe

    origin = Origin(method="cli", form="subscribers add", detail=note)
    if confirmed:
        found = add_confirmed(
            obj.store,
            email=email,
            language=language,
            publications=publications,
            origin=origin,
            fallback=fallback,
        )
        click.echo(t("deliver.cli.added_active", obj.lang, email=found.email))
        return
    result = subscribe(
        obj.store, email=email, language=language, publications=publications, origin=origin, fallback=fallback
    )
    if result.subscriber is None:
        click.echo(t("deliver.cli.suppressed", obj.lang, email=email), err=True)
        sys.exit(EXIT_USAGE)
    if no_mail or not result.mail:
        click.echo(t("deliver.cli.added_pending", obj.lang, email=result.subscriber.email))
        return
    problem = optin_problem(obj.store, obj.settings, result)
    if problem is not None:
        why = problem.translated(obj.lang).rstrip(".")  # the sentence around it ends it
        click.echo(
            t("deliver.cli.mail_failed", obj.lang, email=result.subscriber.email, reason=why), err=True
        )
        sys.exit(EXIT_ERROR)
    key = "deliver.cli.mailed_confirm" if result.mail == "confirm" else "deliver.cli.mailed_already"
    click.echo(t(key, obj.lang, email=result.subscriber.email))


@subscribers_group.command("import-csv")
@click.argument("csv_file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--double-opt-in",
    is_flag=True,
    help=(
        "Import as pending and send each a confirmation mail; they get issues once they confirm. Without it,"
        " each imported address is active at once and gets no mail (consent obtained elsewhere)."
    ),
)
@click.option("--wording-version", default="", help="Version of the consent text they agreed to, if known.")
@click.pass_obj
@handle_errors
def subscribers_import(obj: Context, csv_file: str, double_opt_in: bool, wording_version: str) -> None:
    """Import subscribers from CSV (columns email, language, publications; optional fallback).

    Without --double-opt-in every imported address is subscribed at once, with no confirmation mail: the
    next issue sent goes to it. Import that way only a list whose consent was obtained elsewhere; the summary
    line says how many were subscribed so.

    Good rows are imported; every bad row is reported with its line number and why. Exit code 4 when
    some rows were bad.
    """
    from mediawatch.deliver.csvio import import_csv

    source: Any = sys.stdin if csv_file == "-" else Path(csv_file)
    report = import_csv(
        obj.store,
        obj.settings,
        source,
        obj.lang,
        double_opt_in=double_opt_in,
        wording_version=wording_version,
    )
    counts = {"skipped": len(report.skipped), "bad": len(report.bad)}
    if report.imported and not double_opt_in:  # said where it is read: nobody was asked to confirm
        click.echo(tn("deliver.cli.imported_active", report.imported, obj.lang, **counts))
    else:
        click.echo(t("deliver.cli.imported", obj.lang, imported=report.imported, **counts))
    if double_opt_in:
        click.echo(t("deliver.cli.imported_mailed", obj.lang, count=report.mailed))
    for problem in report.skipped:
        click.echo("  " + _row(problem, obj.lang))
    for problem in report.bad:
        click.echo("  " + _row(problem, obj.lang), err=True)
    if report.bad:
        sys.exit(EXIT_SOURCES_FAILED)


def _row(problem: RowProblem, lang: str) -> str:
    """A row the import left out: its line, the column at fault when one is, and why."""
    fields = {"line": problem.line, "email": problem.email, "reason": problem.reason}
    if problem.column:
        return t("deliver.cli.row_column", lang, column=problem.column, **fields)
    return t("deliver.cli.row", lang, **fields)


@subscribers_group.command("export-csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@click.option("--publication", type=click.Choice(PUBLICATIONS), help="Only subscribers of this publication.")
@click.pass_obj
@handle_errors
def subscribers_export(obj: Context, output: str | None, status: str | None, publication: str | None) -> None:
    """Export subscribers as CSV (the import's columns, plus status and dates)."""
    from mediawatch.deliver.csvio import export_csv

    kwargs: dict[str, Any] = {
        "status": SubscriberStatus(status) if status else None,
        "publication": Publication(publication) if publication else None,
    }
    if output:
        from mediawatch.files import writing

        with writing(output, obj.lang), open(output, "w", encoding="utf-8", newline="") as fh:
            count = export_csv(obj.store, fh, **kwargs)

        click.echo(tn("deliver.cli.exported", count, obj.lang, path=output))
    else:
        export_csv(obj.store, sys.stdout, **kwargs)


@subscribers_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@click.option("--publication", type=click.Choice(PUBLICATIONS), help="Only subscribers of this publication.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def subscribers_list(obj: Context, status: str | None, publication: str | None, as_json: bool) -> None:
    """List subscribers with language, publications and status."""
    from mediawatch.deliver.subscribers import STATUS_KEYS, subscriber_row

    count = 0
    for subscriber in obj.store.iter_subscribers(
        status=SubscriberStatus(status) if status else None,
        publication=Publication(publication) if publication else None,
    ):
        row = subscriber_row(subscriber)
        count += 1
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            status = t(STATUS_KEYS[subscriber.status], obj.lang)
            language = language_name(subscriber.language, obj.lang)
            click.echo(f"{row['email']:40} {language:10} {status:26} {row['publications']}")
    if not as_json:
        click.echo(tn("deliver.cli.listed", count, obj.lang))


@subscribers_group.command("show")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="The record as JSON (what the subscriber downloads).")
@click.pass_obj
@handle_errors
def subscribers_show(obj: Context, email: str, as_json: bool) -> None:
    """One subscriber's record: preferences, status and every consent given or withdrawn."""
    from mediawatch.cli.subscriber_view import record_lines
    from mediawatch.deliver.subscribers import export_data, find

    record = export_data(obj.store, find(obj.store, email))
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    for line in record_lines(record, obj.lang):
        click.echo(line)


@subscribers_group.command("remove")
@click.argument("email")
@click.option("--forget", is_flag=True, help="Erase every trace (else: unsubscribed, kept as evidence).")
@click.pass_obj
@handle_errors
def subscribers_remove(obj: Context, email: str, forget: bool) -> None:
    """Unsubscribe someone (or erase them with --forget)."""
    from mediawatch.deliver.subscribers import Origin, remove

    found = remove(obj.store, email, Origin(method="cli", form="subscribers remove"), forget=forget)
    key = "deliver.cli.forgotten" if forget else "deliver.cli.removed"
    click.echo(t(key, obj.lang, email=found.email))
