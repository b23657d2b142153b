"""`mediawatch subscribers ...`, `mediawatch send ...` and `mediawatch bounces import`.

Thin: each command parses its options and calls one function of :mod:`mediawatch.deliver`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from mediawatch.cli import EXIT_ERROR, EXIT_USAGE, Context, cli, handle_errors
from mediawatch.compose.issues import find_issue
from mediawatch.i18n import LANGUAGES, t, tn
from mediawatch.types import OutboxStatus, Publication, SubscriberStatus

STATUSES = [s.value for s in SubscriberStatus]
PUBLICATIONS = [p.value for p in Publication]


# -- subscribers --------------------------------------------------------------------------------------
@cli.group("subscribers")
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
    from mediawatch.deliver.subscribers import Origin, add_confirmed, send_optin, subscribe

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
    if not send_optin(obj.store, obj.settings, result):
        click.echo(t("deliver.cli.mail_failed", obj.lang, email=result.subscriber.email), err=True)
        sys.exit(EXIT_ERROR)
    key = "deliver.cli.mailed_confirm" if result.mail == "confirm" else "deliver.cli.mailed_already"
    click.echo(t(key, obj.lang, email=result.subscriber.email))


@subscribers_group.command("import-csv")
@click.argument("csv_file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--double-opt-in",
    is_flag=True,
    help="Import as pending and send each a confirmation mail (else active: consent obtained elsewhere).",
)
@click.option("--wording-version", default="", help="Version of the consent text they agreed to, if known.")
@click.pass_obj
@handle_errors
def subscribers_import(obj: Context, csv_file: str, double_opt_in: bool, wording_version: str) -> None:
    """Import subscribers from CSV (columns email, language, publications; optional fallback).

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
    click.echo(
        t(
            "deliver.cli.imported",
            obj.lang,
            imported=report.imported,
            skipped=len(report.skipped),
            bad=len(report.bad),
        )
    )
    if double_opt_in:
        click.echo(t("deliver.cli.imported_mailed", obj.lang, count=report.mailed))
    for problem in report.skipped:
        click.echo(
            "  "
            + t("deliver.cli.row", obj.lang, line=problem.line, email=problem.email, reason=problem.reason)
        )
    for problem in report.bad:
        click.echo(
            "  "
            + t("deliver.cli.row", obj.lang, line=problem.line, email=problem.email, reason=problem.reason),
            err=True,
        )
    if report.bad:
        sys.exit(4)


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
            click.echo(f"{row['email']:40} {row['language']:3} {status:26} {row['publications']}")
    if not as_json:
        click.echo(t("deliver.cli.listed", obj.lang, count=count))


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


# -- send ---------------------------------------------------------------------------------------------
@cli.command("send")
@click.argument("issue", required=False)
@click.option("--status", "show_status", is_flag=True, help="Only show where the sending of ISSUE stands.")
@click.option("--json", "as_json", is_flag=True, help="With --status: print JSON.")
@click.option("--dry-run", is_flag=True, help="Write every message to a folder (--out) instead of sending.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Folder for --dry-run [default: outbox-ISSUE]."
)
@click.option("--test", "test_address", metavar="ADDRESS", help="Send one copy of each edition to ADDRESS.")
@click.option(
    "--due",
    is_flag=True,
    help="Instead of ISSUE: send every scheduled issue whose time has come (and finish unfinished sends).",
)
@click.option(
    "--now", "send_now", is_flag=True, help="Send a scheduled ISSUE before its time (audit-logged)."
)
@click.pass_obj
@handle_errors
def send(
    obj: Context,
    issue: str | None,
    show_status: bool,
    as_json: bool,
    dry_run: bool,
    out_dir: str | None,
    test_address: str | None,
    due: bool,
    send_now: bool,
) -> None:
    """Send an approved issue to its subscribers, each in their language, exactly once.

    Refused (with the reasons) unless review approved every edition as it renders now, and, for a
    scheduled issue, before its time (unless --now). Killed and run again, it goes on where it stopped.
    Exit codes: 0 sent, 1 messages still queued (run again), 2 refused.
    With --due (for a timer): 0 when nothing due is left, 1 when a due issue is not finished.
    """
    from mediawatch.deliver.links import UnsafeLink
    from mediawatch.deliver.send import NotSendable, NotYetDue, ServerUnreachable

    if due == bool(issue) or (due and (show_status or dry_run or test_address or send_now)):
        click.echo(t("error.prefix", obj.lang, message=t("deliver.cli.issue_or_due", obj.lang)), err=True)
        sys.exit(EXIT_USAGE)
    try:
        if due:
            _send_due(obj)
            return
        assert issue is not None
        if show_status:
            _print_status(obj, issue, as_json)
        elif test_address:
            _send_test(obj, issue, test_address)
        elif dry_run:
            _dry_run(obj, issue, out_dir)
        else:
            _send(obj, issue, send_now)
    except NotSendable as exc:
        click.echo(t("deliver.cli.refused", obj.lang, issue=issue), err=True)
        for reason in exc.reasons:
            click.echo(f"  - {reason}", err=True)
        sys.exit(EXIT_USAGE)
    except NotYetDue as exc:
        when = exc.when.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(t("deliver.cli.not_yet_due", obj.lang, issue=exc.slug, when=when), err=True)
        sys.exit(EXIT_USAGE)
    except UnsafeLink as exc:
        click.echo(t("error.prefix", obj.lang, message=exc.translated(obj.lang)), err=True)
        sys.exit(EXIT_USAGE)
    except ServerUnreachable as exc:  # not the user's mistake: the same command later goes on
        click.echo(t("error.prefix", obj.lang, message=exc), err=True)
        sys.exit(EXIT_ERROR)


_DUE_KEYS = {
    "unfinished": "deliver.cli.due_unfinished",
    "refused": "deliver.cli.due_refused",
    "error": "deliver.cli.due_error",
}


def _send_due(obj: Context) -> None:
    from mediawatch.deliver.send import send_due

    results = send_due(obj.store, obj.settings, lang=obj.lang)
    if not results:
        click.echo(t("deliver.cli.due_none", obj.lang))
        return
    left = False
    for r in results:
        if r.outcome == "sent" and r.report is not None:
            total = r.report.counts.total
            click.echo(t("deliver.cli.due_sent", obj.lang, issue=r.slug, total=total))
        elif r.outcome == "busy":
            click.echo(t("deliver.cli.due_busy", obj.lang, issue=r.slug))
        else:
            left = True
            click.echo(t(_DUE_KEYS[r.outcome], obj.lang, issue=r.slug, detail=r.detail), err=True)
            for reason in r.reasons:
                click.echo(f"  - {reason}", err=True)
    if left:
        sys.exit(EXIT_ERROR)


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return "unknown"


def _send(obj: Context, issue: str, send_now: bool) -> None:
    from mediawatch.deliver.send import send_issue
    from mediawatch.store.outbox import OutboxCounts

    tty = sys.stderr.isatty()

    def progress(counts: OutboxCounts) -> None:
        if tty:
            done = sum(n for s, n in counts.by_status.items() if s != OutboxStatus.QUEUED.value)
            click.echo(t("deliver.cli.progress", obj.lang, done=done, total=counts.total), err=True)

    report = send_issue(
        obj.store,
        obj.settings,
        issue,
        lang=obj.lang,
        progress=progress,
        now=send_now,
        requested_by=f"cli:{_os_user()}",
    )
    counts = report.counts
    by = counts.by_status
    click.echo(
        t(
            "deliver.cli.sent_summary",
            obj.lang,
            issue=report.issue.slug,
            total=counts.total,
            sent=by.get(OutboxStatus.SENT.value, 0),
            failed=by.get(OutboxStatus.FAILED.value, 0),
            skipped=by.get(OutboxStatus.SKIPPED.value, 0),
            queued=by.get(OutboxStatus.QUEUED.value, 0),
            seconds=f"{report.seconds:.1f}",
        )
    )
    if counts.unconfirmed:
        click.echo(t("deliver.cli.unconfirmed", obj.lang, count=counts.unconfirmed))
    if report.issue.state.value == "sent":
        click.echo(t("deliver.cli.issue_sent", obj.lang, issue=report.issue.slug))
    else:
        click.echo(t("deliver.cli.not_finished", obj.lang, issue=report.issue.slug), err=True)
        sys.exit(EXIT_ERROR)


def _print_status(obj: Context, issue: str, as_json: bool) -> None:
    from mediawatch.deliver.send import send_status
    from mediawatch.review.workflow import state_label

    where = send_status(obj.store, issue)
    found, counts, problems = where.issue, where.counts, where.problems
    if as_json:
        data = {
            "issue": found.slug,
            "state": found.state.value,
            "total": counts.total,
            "by_status": counts.by_status,
            "by_language": counts.by_language,
            "unconfirmed": counts.unconfirmed,
            "next_attempt_at": counts.next_attempt_at.isoformat() if counts.next_attempt_at else None,
            "finished": counts.final,
            "problems": [
                {
                    "recipient": m.recipient,
                    "language": m.language,
                    "status": m.status.value,
                    "attempts": m.attempts,
                    "last_code": m.last_code,
                    "last_response": m.last_response,
                }
                for m in problems
            ],
            "unconfirmed_messages": [
                {
                    "recipient": m.recipient,
                    "language": m.language,
                    "message_id": m.message_id,
                    "last_response": m.last_response,
                }
                for m in where.unconfirmed
            ],
        }
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(
        t(
            "deliver.cli.status_head",
            obj.lang,
            issue=found.slug,
            state=state_label(found.state.value, obj.lang),
            total=counts.total,
        )
    )
    for status in OutboxStatus:
        n = counts.by_status.get(status.value, 0)
        if n:
            click.echo(f"  {status.value:10} {n}")
    for lang, by in sorted(counts.by_language.items()):
        click.echo(f"  [{lang}] " + " ".join(f"{s}={n}" for s, n in sorted(by.items())))
    click.echo(t("deliver.cli.unconfirmed", obj.lang, count=counts.unconfirmed))
    for m in where.unconfirmed:
        click.echo(f"  ? {m.recipient} [{m.language}] {m.message_id}: {m.last_response}")
    if counts.next_attempt_at and counts.by_status.get(OutboxStatus.QUEUED.value):
        click.echo(
            t(
                "deliver.cli.next_retry",
                obj.lang,
                when=counts.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            )
        )
    for m in problems:
        code = f"{m.last_code} " if m.last_code else ""
        click.echo(
            f"  ! {m.recipient} [{m.language}] {m.status.value} x{m.attempts}: {code}{m.last_response}"
        )


def _dry_run(obj: Context, issue: str, out_dir: str | None) -> None:
    from mediawatch.deliver.preview import dry_run

    found = find_issue(obj.store, issue)
    folder = Path(out_dir or f"outbox-{found.slug}")
    report = dry_run(obj.store, obj.settings, found.id, folder, lang=obj.lang)
    langs = " ".join(f"{lang}={n}" for lang, n in sorted(report.by_language.items()))
    click.echo(
        t("deliver.cli.dry_run", obj.lang, count=report.written, path=str(folder), languages=langs or "-")
    )


def _send_test(obj: Context, issue: str, address: str) -> None:
    from mediawatch.deliver.preview import send_test

    results = send_test(obj.store, obj.settings, issue, address)
    failed = False
    for lang, outcome in results:
        ok = outcome.kind in ("sent", "unknown")
        failed = failed or not ok
        key = "deliver.cli.test_sent" if ok else "deliver.cli.test_failed"
        click.echo(
            t(key, obj.lang, language=lang, address=address, reply=f"{outcome.code} {outcome.text}".strip())
        )
    if failed:
        sys.exit(EXIT_ERROR)


# -- bounces ------------------------------------------------------------------------------------------
@cli.group("bounces")
def bounces_group() -> None:
    """Bounces, complaints and mailed unsubscribe requests."""


@bounces_group.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
@handle_errors
def bounces_import(obj: Context, path: str, as_json: bool) -> None:
    """Read a Maildir folder, an mbox file or an .eml file: suppress hard bounces and complaints for ever.

    Importing the same mailbox again changes nothing (each report is read once).
    """
    from mediawatch.deliver.bounces import import_bounces

    report = import_bounces(obj.store, obj.settings, Path(path))
    if as_json:
        data = {
            "read": report.read,
            "already_seen": report.already_seen,
            "changed": report.changed,
            **report.counts,
        }
        click.echo(json.dumps(data))
        return
    c = report.counts
    click.echo(
        t(
            "deliver.cli.bounces",
            obj.lang,
            read=report.read,
            hard=c.get("hard", 0),
            soft=c.get("soft", 0),
            complaints=c.get("complaint", 0),
            unsubscribes=c.get("unsubscribe", 0),
            unknown=c.get("unknown", 0),
            seen=report.already_seen,
            changed=report.changed,
        )
    )
