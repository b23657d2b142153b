"""Sending an issue: refuse what review did not approve, build the outbox once, deliver each row once.

    check_sendable -> sending -> outbox built (one transaction) -> recover -> deliver loop -> sent

Exactly once, including under ``kill -9`` (docs/deliver.md): a row goes ``queued -> data_sent`` in a
transaction committed just before the end-of-data dot is written to the SMTP server, and to its final
status when the reply comes. A restart finds every row either still ``queued`` (the server never got a
complete message: it discards a transaction whose connection drops before the dot) or ``data_sent`` (the
dot went out, or was a few microseconds from going out): those count as delivered, unconfirmed. The
issue is marked sent only when every row has a final status.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

from mediawatch.compose.issues import find_issue
from mediawatch.config import Settings
from mediawatch.deliver.editions import PreparedEdition, prepare_editions
from mediawatch.deliver.identity import MailIdentity, mail_identity, smtp_config
from mediawatch.deliver.links import check_mail_links
from mediawatch.deliver.smtp import Outcome, Pace, SmtpConfig, SmtpSession
from mediawatch.deliver.subscribers import Origin, mark_undeliverable
from mediawatch.errors import (
    DeliveryError,
    EndNotSent,
    Explanation,
    NotSendable,
    NotYetDue,
    ServerUnreachable,
    SmtpUnavailable,
)
from mediawatch.i18n import Message, said
from mediawatch.store.issues import coded_note
from mediawatch.store.outbox import DueMessage, OutboxCounts, OutboxSession
from mediawatch.store.protocols import IssueRepository, SendStore
from mediawatch.types import Issue, IssueState, OutboxMessage, OutboxStatus

log = logging.getLogger("mediawatch.deliver")

MAX_RETRY_DELAY = 3600.0
RECONNECTS = 5  # consecutive failures to reach the server before a run gives up (rows stay queued)
IDLE_CLOSE = 30.0  # seconds: a longer wait for a retry closes the SMTP connection meanwhile
_BAD_MAILBOX = re.compile(r"\b5\.1\.(?:1|2|3|10)\b")  # enhanced codes: no such mailbox / domain / address


@dataclass(frozen=True, slots=True)
class SendReport:
    issue: Issue  # as it is after the run
    counts: OutboxCounts
    built: bool  # this run built the outbox
    recovered: int  # rows a stopped run left in data_sent, settled as sent (unconfirmed)
    attempted: int  # SMTP transactions this run
    connections: int
    stopped: bool  # a SIGINT/SIGTERM asked the run to stop between two messages
    seconds: float


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def waits_until(issue: Issue, now: datetime) -> datetime | None:
    """The time a scheduled issue waits for, or None when it may go now."""
    if issue.state is IssueState.SCHEDULED and issue.scheduled_for is not None and issue.scheduled_for > now:
        return issue.scheduled_for
    return None


def is_due(issue: Issue, now: datetime) -> bool:
    """What `send --due` sends: scheduled issues whose time has come, and sends left unfinished."""
    if issue.state is IssueState.SENDING:
        return True
    return issue.state is IssueState.SCHEDULED and waits_until(issue, now) is None


def retry_delay(attempts: int, base: float) -> float:
    """Seconds before try number ``attempts + 1``: base, 2 x base, 4 x base... at most an hour."""
    return float(min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY))


@contextlib.contextmanager
def send_lock(store: SendStore, issue_id: int) -> Iterator[None]:
    """One sender per issue (a second one exits with LockedError); released by the kernel on kill -9."""
    with store.run_lock(f"send of issue {issue_id}", resource=f"send-{issue_id}"):
        yield


class _StopFlag:
    """SIGINT/SIGTERM end the run between two messages, never between "data_sent" and the dot."""

    def __init__(self) -> None:
        self.requested = False

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            self.requested = True

        old = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, previous in old.items():
                signal.signal(sig, previous)


def refuse_unsendable(store: IssueRepository, issue: Issue, settings: Settings) -> None:
    from mediawatch.review.actions import sendable_blockers

    # review's reasons, said where they are read (the CLI's language, each language of the nightly's)
    reasons = sendable_blockers(store, issue.id, settings)
    if reasons:
        raise NotSendable(issue.slug, reasons)


def send_issue(
    store: SendStore,
    settings: Settings,
    issue_ref: str | int,
    *,
    actor: str = "deliver",
    lang: str | None = None,
    progress: Callable[[OutboxCounts], None] | None = None,
    now: bool = False,
    requested_by: str = "",
    clock: Clock = utc_now,
) -> SendReport:
    """Send (or finish sending) an issue; see the module docstring. Raises NotYetDue (a scheduled issue
    before its time, unless ``now``: then the audit log records who sent it early), NotSendable,
    ConfigError, SenderRefused, LockedError, or DeliveryError when the server stays unreachable."""
    from mediawatch.review.actions import begin_sending, mark_sent

    started = time.monotonic()
    issue = find_issue(store, issue_ref)
    with send_lock(store, issue.id):
        issue = find_issue(store, issue.id)
        if issue.state is IssueState.SENT:
            return SendReport(issue, store.outbox_counts(issue.id), False, 0, 0, 0, False, 0.0)
        early = waits_until(issue, clock())
        if early is not None and not now:
            raise NotYetDue(issue.slug, early)
        refuse_unsendable(store, issue, settings)
        identity = mail_identity(settings)
        server = smtp_config(settings)
        content = store.issue_content(issue.id)
        editions = prepare_editions(content, settings)
        check_mail_links(settings)
        begin_sending(store, issue.id, settings, actor=actor)
        if early is not None:
            store.log_event(
                issue.id,
                requested_by or actor,
                "send.now",
                before=early.isoformat(),
                after=clock().isoformat(),
                detail=coded_note(
                    f"scheduled for {early.isoformat()}, sent early with --now",
                    "editor.audit.note.sent_early",
                    when=early.isoformat(),  # each reader gets it in words (review.audit.note_text)
                ),
            )
        built = store.send_record(issue.id) is None
        record = store.build_outbox(
            issue.id,
            publication=issue.publication,
            languages=issue.languages,
            message_id=lambda sub_id, language: identity.new_message_id(f"{issue.slug}.{language}.{sub_id}"),
            actor=actor,
        )
        if built:
            store.log_event(issue.id, actor, "send.outbox", detail=f"{record.total} messages queued")
        recovered = store.recover_outbox(issue.id)
        if recovered:
            log.warning(
                "issue %s: %d message(s) settled as sent after an interrupted run", issue.slug, recovered
            )
        sender = _Sender(store, settings, issue, editions, identity, server, progress)
        stop = _StopFlag()
        with stop.installed():
            sender.run(stop)
        counts = store.outbox_counts(issue.id)
        if counts.final or counts.total == 0:
            store.finish_send(issue.id)
            mark_sent(store, issue.id, actor=actor, note=_summary(counts))
        return SendReport(
            issue=find_issue(store, issue.id),
            counts=counts,
            built=built,
            recovered=recovered,
            attempted=sender.attempted,
            connections=sender.session.connections,
            stopped=stop.requested,
            seconds=time.monotonic() - started,
        )


@dataclass(frozen=True, slots=True)
class DueResult:
    """What `send --due` did with one issue: ``outcome`` is sent, unfinished, refused, busy or error."""

    slug: str
    outcome: str
    detail: str = ""  # English, for logs and the nightly's record
    report: SendReport | None = None
    reasons: tuple[Explanation, ...] = ()  # review's, when it held the issue back
    reason: Explanation | None = None  # ``detail`` in any language, when it has words

    def said(self, lang: str) -> str:
        """``detail`` in ``lang`` (English when the error had no words of its own)."""
        return self.reason.text(lang) if self.reason is not None else self.detail


def send_due(
    store: SendStore,
    settings: Settings,
    *,
    actor: str = "deliver",
    lang: str | None = None,
    clock: Clock = utc_now,
) -> list[DueResult]:
    """Send every issue whose time has come (and finish sends left unfinished), each once.

    Safe to run from a timer, twice at once, or again and again: each issue goes through
    :func:`send_issue`, whose per-issue lock and outbox make a second sender wait its turn or find
    the work done. One issue's failure does not stop the others."""
    from mediawatch.errors import ConfigError, LockedError

    now = clock()
    due = sorted(
        (i for i in store.list_issues() if is_due(i, now)),
        key=lambda i: (i.scheduled_for or now, i.id),
    )
    results = []
    for issue in due:
        try:
            report = send_issue(store, settings, issue.id, actor=actor, lang=lang, clock=clock)
        except NotSendable as exc:
            review = Message("deliver.due.review")
            results.append(
                DueResult(issue.slug, "refused", str(exc), reasons=tuple(exc.reasons), reason=review)
            )
        except NotYetDue as exc:  # rescheduled meanwhile
            when = Message("deliver.due.rescheduled", when=f"{exc.when:%Y-%m-%d %H:%M} UTC")
            results.append(DueResult(issue.slug, "refused", str(exc), reason=when))
        except LockedError as exc:
            results.append(DueResult(issue.slug, "busy", str(exc), reason=exc.reason))
        except (DeliveryError, ConfigError) as exc:
            log.error("send --due: issue %s: %s", issue.slug, exc)
            results.append(DueResult(issue.slug, "error", str(exc), reason=exc.reason))
        else:
            sent = report.issue.state is IssueState.SENT
            results.append(DueResult(issue.slug, "sent" if sent else "unfinished", report=report))
    return results


def _summary(counts: OutboxCounts) -> str:
    return " ".join(f"{status}={n}" for status, n in sorted(counts.by_status.items()))


class _Sender:
    """The delivery loop over one SMTP connection (reopened when it breaks)."""

    def __init__(
        self,
        store: SendStore,
        settings: Settings,
        issue: Issue,
        editions: dict[str, PreparedEdition],
        identity: MailIdentity,
        server: SmtpConfig,
        progress: Callable[[OutboxCounts], None] | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.issue = issue
        self.editions = editions
        self.identity = identity
        self.session = SmtpSession(server)
        self.pace = Pace(settings.send_rate)
        self.progress = progress
        self.attempted = 0
        self._origin = Origin(method="smtp", form=f"send {issue.slug}")

    def run(self, stop: _StopFlag) -> None:
        try:
            with self.store.outbox_session() as out:
                self._loop(out, stop)
        finally:
            self.session.close()

    def _loop(self, out: OutboxSession, stop: _StopFlag) -> None:
        after = 0
        last_progress = 0.0
        while not stop.requested:
            batch = self.store.due_messages(self.issue.id, datetime.now(UTC), after_id=after)
            if not batch:
                if after:
                    after = 0  # a new pass picks up retries whose time has come
                    continue
                counts = self.store.outbox_counts(self.issue.id)
                if not counts.by_status.get(OutboxStatus.QUEUED.value) or counts.next_attempt_at is None:
                    return
                self._wait_until(counts.next_attempt_at, stop)
                continue
            for due in batch:
                if stop.requested:
                    return
                after = due.message.id
                self._one(out, due)
                if self.progress is not None and time.monotonic() - last_progress > 1.0:
                    last_progress = time.monotonic()
                    self.progress(self.store.outbox_counts(self.issue.id))

    def _wait_until(self, when: datetime, stop: _StopFlag) -> None:
        delay = (when - datetime.now(UTC)).total_seconds()
        if delay > IDLE_CLOSE:
            self.session.close()
        end = time.monotonic() + max(delay, 0.0)
        while not stop.requested and time.monotonic() < end:
            time.sleep(min(0.2, max(end - time.monotonic(), 0.0)))

    def _one(self, out: OutboxSession, due: DueMessage) -> None:
        msg, subscriber = due.message, due.subscriber
        why = out.still_due(msg.id, self.issue.publication.value)
        if why == "no longer queued":
            return
        if why or subscriber is None:
            out.finish(
                msg.id,
                "",
                status=OutboxStatus.SKIPPED,
                outcome="skipped",
                code=None,
                response=why or "subscriber deleted their data",
                counts_as_attempt=False,
            )
            return
        edition = self.editions[msg.language]
        links = self.identity.signer.personal_links(subscriber)
        html, text = edition.personalise(links)
        data = self.identity.message(
            subscriber=subscriber,
            publication=self.issue.publication,
            to=msg.recipient,
            subject=edition.subject,
            message_id=msg.message_id,
            language=msg.language,
            text=text,
            html=html,
            links=links,
        )
        attempt = secrets.token_hex(8)
        outcome = self._transaction(out, msg, attempt, data)
        self._record(out, msg, attempt, outcome)

    def _transaction(self, out: OutboxSession, msg: OutboxMessage, attempt: str, data: bytes) -> Outcome:
        failures = 0
        while True:
            self.pace.wait()
            try:
                self.attempted += 1
                return self.session.transaction(
                    self.identity.envelope_from,
                    msg.recipient,
                    data,
                    lambda: out.mark_data_sent(msg.id, attempt),
                )
            except SmtpUnavailable as exc:
                if isinstance(exc, EndNotSent):  # marked data_sent, but the dot never left: undo the mark
                    out.finish(
                        msg.id,
                        attempt,
                        status=OutboxStatus.QUEUED,
                        outcome="connection-lost",
                        code=None,
                        response=str(exc),
                        counts_as_attempt=False,
                    )
                failures += 1
                if failures > RECONNECTS:
                    problem = exc.reason or str(exc)
                    raise said(
                        ServerUnreachable,
                        "mailing.smtp.gave_up",
                        problem=problem,
                        tries=RECONNECTS,
                        slug=self.issue.slug,
                    ) from None
                delay = min(self.settings.send_retry_base, 1.0) * 2 ** (failures - 1)
                log.warning("%s; reconnecting in %.1f s", exc, delay)
                time.sleep(delay)

    def _record(self, out: OutboxSession, msg: OutboxMessage, attempt: str, outcome: Outcome) -> None:
        response = f"{outcome.stage}: {outcome.text}".strip()
        if outcome.kind == "sent":
            out.finish(
                msg.id,
                attempt,
                status=OutboxStatus.SENT,
                outcome="sent",
                code=outcome.code,
                response=response,
            )
        elif outcome.kind == "unknown":
            # The dot went out and no reply came back: counted as delivered, not confirmed (no resend).
            out.finish(
                msg.id,
                attempt,
                status=OutboxStatus.SENT,
                outcome="no-reply",
                code=None,
                response=response,
                confirmed=False,
            )
        elif outcome.kind == "failed":
            out.finish(
                msg.id,
                attempt,
                status=OutboxStatus.FAILED,
                outcome="failed",
                code=outcome.code,
                response=response,
            )
            if outcome.stage in ("rcpt", "end") and _BAD_MAILBOX.search(outcome.text):
                mark_undeliverable(self.store, msg.recipient, "hard", response, self._origin)
        else:
            tries = msg.attempts + 1
            if tries >= self.settings.send_max_attempts:
                out.finish(
                    msg.id,
                    attempt,
                    status=OutboxStatus.FAILED,
                    outcome="deferred",
                    code=outcome.code,
                    response=f"{response} (gave up after {tries} attempts)",
                )
            else:
                wait = retry_delay(tries, self.settings.send_retry_base)
                out.finish(
                    msg.id,
                    attempt,
                    status=OutboxStatus.QUEUED,
                    outcome="deferred",
                    code=outcome.code,
                    response=response,
                    next_attempt_at=datetime.now(UTC) + timedelta(seconds=wait),
                )


@dataclass(frozen=True, slots=True)
class SendStatus:
    issue: Issue
    counts: OutboxCounts
    problems: list[OutboxMessage]  # failed, or waiting for a retry
    unconfirmed: list[OutboxMessage]  # counted as sent, the server's reply never seen


def send_status(store: SendStore, issue_ref: str | int) -> SendStatus:
    """Where the sending of an issue stands, for `send --status`."""
    issue = find_issue(store, issue_ref)
    return SendStatus(
        issue,
        store.outbox_counts(issue.id),
        store.outbox_problems(issue.id),
        store.outbox_unconfirmed(issue.id),
    )
