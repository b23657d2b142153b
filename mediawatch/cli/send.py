"""`mediawatch send ...`: an approved issue to its subscribers, exactly once.

Thin: each command parses its options and calls one function of :mod:`mediawatch.deliver`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mediawatch.cli.context import (
    EXIT_ERROR,
    Context,
    handle_errors,
)
from mediawatch.compose.issues import find_issue
from mediawatch.i18n import language_name, t, tn
from mediawatch.i18n.dates import format_datetime_utc
from mediawatch.types import OutboxStatus

# Literal keys (the i18n checks read them): an outbox message's state in words.
OUTBOX_STATUS_KEYS = {
    OutboxStatus.QUEUED: "deliver.outbox.queued",
    OutboxStatus.DATA_SENT: "deliver.outbox.data_sent",
    OutboxStatus.SENT: "deliver.outbox.sent",
    OutboxStatus.FAILED: "deliver.outbox.failed",
    OutboxStatus.SKIPPED: "deliver.outbox.skipped",
}
# ... and how many messages are in it, counted (tn(): ".one" / ".other").
COUNT_KEYS = {
    OutboxStatus.QUEUED: "deliver.count.queued",
    OutboxStatus.DATA_SENT: "deliver.count.data_sent",
    OutboxStatus.SENT: "deliver.count.sent",
    OutboxStatus.FAILED: "deliver.count.failed",
    OutboxStatus.SKIPPED: "deliver.count.skipped",
}


@click.command("send")
@click.argument("issue", required=False)
@click.option("--status", "show_status", is_flag=True, help="Only show where the sending of ISSUE stands.")
@click.option("--json", "as_json", is_flag=True, help="With --status: print JSON.")
@click.option("--dry-run", is_flag=True, help="Write every message to a folder (--out) instead of sending.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(),
    help="Folder for --dry-run, which must exist [default: outbox-ISSUE, created].",
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
    Exit codes: 0 sent, 1 messages still queued (run again), 2 refused, 3 another send of ISSUE is running.
    With --due (for a timer): 0 when nothing due is left, 1 when a due issue is not finished.
    """
    from mediawatch.errors import ConfigError, NotSendable, NotYetDue

    if due == bool(issue) or (due and (show_status or dry_run or test_address or send_now)):
        raise ConfigError(t("deliver.cli.issue_or_due", obj.lang))
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
            click.echo(f"  - {reason.text(obj.lang)}", err=True)
        sys.exit(exc.exit_code)
    except NotYetDue as exc:
        when = format_datetime_utc(exc.when, obj.lang)
        click.echo(t("deliver.cli.not_yet_due", obj.lang, issue=exc.slug, when=when), err=True)
        sys.exit(exc.exit_code)


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
            click.echo(t(_DUE_KEYS[r.outcome], obj.lang, issue=r.slug, detail=r.said(obj.lang)), err=True)
            for reason in r.reasons:
                click.echo(f"  - {reason.text(obj.lang)}", err=True)
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
            total=tn("deliver.count.messages", counts.total, obj.lang),
            sent=tn("deliver.count.sent", by.get(OutboxStatus.SENT.value, 0), obj.lang),
            failed=tn("deliver.count.failed", by.get(OutboxStatus.FAILED.value, 0), obj.lang),
            skipped=tn("deliver.count.skipped", by.get(OutboxStatus.SKIPPED.value, 0), obj.lang),
            queued=tn("deliver.count.queued", by.get(OutboxStatus.QUEUED.value, 0), obj.lang),
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
            total=tn("deliver.count.messages", counts.total, obj.lang),
        )
    )
    for status in OutboxStatus:
        n = counts.by_status.get(status.value, 0)
        if n:
            click.echo("  " + tn(COUNT_KEYS[status], n, obj.lang))
    for lang, by in sorted(counts.by_language.items()):
        in_words = ", ".join(
            tn(COUNT_KEYS[s], by[s.value], obj.lang) for s in OutboxStatus if by.get(s.value)
        )
        language = language_name(lang, obj.lang)
        click.echo("  " + t("deliver.status.language", obj.lang, language=language, counts=in_words))
    click.echo(t("deliver.cli.unconfirmed", obj.lang, count=counts.unconfirmed))
    for m in where.unconfirmed:
        line = t(
            "deliver.status.unconfirmed",
            obj.lang,
            recipient=m.recipient,
            language=language_name(m.language, obj.lang),
            message_id=m.message_id,
            reply=m.last_response,
        )
        click.echo("  " + line)
    if counts.next_attempt_at and counts.by_status.get(OutboxStatus.QUEUED.value):
        click.echo(
            t(
                "deliver.cli.next_retry",
                obj.lang,
                when=format_datetime_utc(counts.next_attempt_at, obj.lang),
            )
        )
    for m in problems:
        code = f"{m.last_code} " if m.last_code else ""
        line = t(
            "deliver.status.problem",
            obj.lang,
            recipient=m.recipient,
            language=language_name(m.language, obj.lang),
            state=t(OUTBOX_STATUS_KEYS[m.status], obj.lang),
            attempts=tn("deliver.count.attempts", m.attempts, obj.lang),
            reply=f"{code}{m.last_response}".strip() or "-",
        )
        click.echo("  " + line)


def _dry_run(obj: Context, issue: str, out_dir: str | None) -> None:
    from mediawatch.deliver.preview import dry_run
    from mediawatch.files import existing_folder

    found = find_issue(obj.store, issue)
    if out_dir is not None:  # a folder named by the user must exist (README); the default one is made
        existing_folder(out_dir, obj.lang)
    folder = Path(out_dir or f"outbox-{found.slug}")
    report = dry_run(obj.store, obj.settings, found.id, folder, lang=obj.lang)
    langs = " ".join(f"{lang}={n}" for lang, n in sorted(report.by_language.items()))
    click.echo(
        t(
            "deliver.cli.dry_run",
            obj.lang,
            count=tn("deliver.count.messages", report.written, obj.lang),
            path=str(folder),
            languages=langs or "-",
        )
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
