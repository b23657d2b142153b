"""Reading the bounce mailbox: delivery status notifications (RFC 3464), complaints (ARF, RFC 5965), and
the unsubscribe mails our ``List-Unsubscribe: <mailto:...>`` asks for.

    mediawatch bounces import PATH      (a Maildir folder, an mbox file, or one .eml file)

A hard bounce (``Action: failed`` with a 5.x.x status, except 5.2.2 "mailbox full") and a complaint put the
address on the suppression list for ever and mark the subscriber bounced / complained; a soft bounce is
only recorded. Whom a report is about is found, most reliable first, from the Message-ID of the original
message (our outbox knows its recipient), the unsubscribe token in its List-Unsubscribe header, then the
report's own recipient fields. Each report is read once: importing the same mailbox twice changes nothing.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import mailbox
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.utils import parseaddr
from pathlib import Path

from mediawatch.config import Settings
from mediawatch.deliver.links import LinkPurpose, LinkSigner, link_signer, subscriber_for
from mediawatch.deliver.subscribers import Origin, mark_undeliverable, unsubscribe
from mediawatch.errors import ConfigError, InvalidLink
from mediawatch.i18n import said
from mediawatch.store.protocols import BounceStore
from mediawatch.types import Subscriber, SubscriberStatus

_TOKEN_IN_URL = re.compile(r"/s/unsubscribe/([A-Za-z0-9_.\-]+)")
_TOKEN_IN_SUBJECT = re.compile(r"^\s*unsubscribe\s+([A-Za-z0-9_.\-]+)\s*$", re.IGNORECASE)
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


@dataclass(frozen=True, slots=True)
class ReportEvent:
    kind: str  # hard, soft, complaint, unsubscribe, unknown
    email: str  # "" when nobody could be identified
    detail: str
    subscriber_id: int | None = None  # known directly (a token)
    token: str = ""  # the unsubscribe token of a mailto unsubscribe


@dataclass(slots=True)
class BounceReport:
    read: int = 0
    already_seen: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # by kind
    changed: int = 0  # subscribers whose status changed

    def add(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1


def read_mailbox(path: Path) -> Iterator[bytes]:
    """The raw messages of a Maildir (folder with cur/ and new/), an mbox file, or a single message."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise said(ConfigError, "mailing.bounces.not_maildir", path=str(path))
        box = mailbox.Maildir(str(path), factory=None, create=False)
        for key in sorted(box.iterkeys()):
            yield box.get_bytes(key)
        return
    if not path.is_file():
        raise said(ConfigError, "mailing.bounces.no_mailbox", path=str(path))
    with path.open("rb") as fh:
        first = fh.read(5)
    if first == b"From ":
        mbox = mailbox.mbox(str(path), create=False)
        for key in mbox.iterkeys():
            yield mbox.get_bytes(key)
        return
    yield path.read_bytes()


def _parts(msg: Message, content_type: str) -> list[Message]:
    return [part for part in msg.walk() if part.get_content_type() == content_type]


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = part.get_payload(decode=True)
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(payload)
    return [HeaderParser().parsestr(block + "\n") for block in re.split(r"\r?\n\r?\n", raw.strip()) if block]


def _original_headers(msg: Message) -> Message | None:
    for ctype in ("message/rfc822", "text/rfc822-headers"):
        for part in _parts(msg, ctype):
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
            text = part.get_payload(decode=True)
            if isinstance(text, bytes):
                return HeaderParser().parsestr(text.decode("utf-8", "replace"))
    return None


def _address(value: str | None) -> str:
    """'rfc822; user@example.org' or '<user@example.org>' -> 'user@example.org'."""
    if not value:
        return ""
    text = str(value).split(";", 1)[-1].strip()
    return parseaddr(text)[1] or text.strip("<> ")


def _dsn_events(msg: Message) -> list[ReportEvent]:
    events = []
    for part in _parts(msg, "message/delivery-status"):
        blocks = _field_blocks(part)
        for block in blocks[1:] or blocks:
            action = str(block.get("Action", "")).strip().lower()
            status = _STATUS.search(str(block.get("Status", "")))
            recipient = _address(block.get("Original-Recipient")) or _address(block.get("Final-Recipient"))
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            if not action and not status:
                continue
            code = status.group(0) if status else ""
            if action == "failed" and code.startswith("5") and code != "5.2.2":
                kind = "hard"
            elif action in ("failed", "delayed"):
                kind = "soft"
            else:
                continue  # delivered, relayed, expanded: nothing to do
            events.append(ReportEvent(kind, recipient, f"{action} {code} {diagnostic}".strip()))
    return events


def _arf_events(msg: Message) -> list[ReportEvent]:
    events = []
    for part in _parts(msg, "message/feedback-report"):
        for block in _field_blocks(part):
            feedback = str(block.get("Feedback-Type", "")).strip().lower()
            if not feedback:
                continue
            if feedback == "not-spam":
                continue
            recipient = _address(block.get("Original-Rcpt-To"))
            events.append(ReportEvent("complaint", recipient, f"feedback-type {feedback}"))
    return events


def parse_report(msg: Message, signer: LinkSigner, find_recipient: Callable[[str], str]) -> list[ReportEvent]:
    """What one mailbox message tells us (an empty list: nothing we recognise)."""
    ctype = msg.get_content_type()
    report_type = str(msg.get_param("report-type", "") or "").lower()
    events: list[ReportEvent] = []
    if ctype == "multipart/report" and report_type == "delivery-status":
        events = _dsn_events(msg)
    elif ctype == "multipart/report" and report_type == "feedback-report":
        events = _arf_events(msg)
    else:
        subject = " ".join(str(msg.get("Subject", "")).split())
        match = _TOKEN_IN_SUBJECT.match(subject)
        if match:
            return [ReportEvent("unsubscribe", "", "mailto unsubscribe", token=match.group(1))]
        return []
    original = _original_headers(msg)
    if original is None:
        return events
    ours = find_recipient(str(original.get("Message-ID", "")).strip())
    token = _TOKEN_IN_URL.search(str(original.get("List-Unsubscribe", "")))
    by_token: int | None = None
    if not ours and token:
        try:
            by_token = signer.read(LinkPurpose.UNSUBSCRIBE, token.group(1)).subscriber_id
        except InvalidLink:
            by_token = None
    fixed = []
    for event in events:
        if ours:
            fixed.append(ReportEvent(event.kind, ours, event.detail))
        elif not event.email and by_token is not None:
            fixed.append(ReportEvent(event.kind, "", event.detail, by_token))
        elif not event.email:
            fixed.append(ReportEvent(event.kind, _address(original.get("To")), event.detail))
        else:
            fixed.append(event)
    return fixed


def _report_key(msg: Message, raw: bytes) -> str:
    mid = str(msg.get("Message-ID", "")).strip()
    return hashlib.sha256(mid.encode("utf-8") if mid else raw).hexdigest()


def import_bounces(store: BounceStore, settings: Settings, path: Path) -> BounceReport:
    """Read every message of the mailbox at ``path`` and act on the reports (see the module docstring)."""
    signer = link_signer(settings)
    origin = Origin(method="bounce-report", form=path.name)
    report = BounceReport()

    def find_recipient(message_id: str) -> str:
        if not message_id:
            return ""
        row = store.outbox_message(message_id)
        return row.recipient if row is not None else ""

    for raw in read_mailbox(path):
        report.read += 1
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        events = parse_report(msg, signer, find_recipient) or [ReportEvent("unknown", "", "not a report")]
        key = _report_key(msg, raw)
        for n, event in enumerate(events):
            event_key = hashlib.sha256(f"{key}:{n}".encode()).hexdigest()
            email_address = event.email
            target: Subscriber | None = None
            if event.token:
                try:
                    target = subscriber_for(store, signer, LinkPurpose.UNSUBSCRIBE, event.token)
                except InvalidLink:
                    event = ReportEvent("unknown", "", "unsubscribe mail with an invalid token")
            elif not email_address and event.subscriber_id is not None:
                target = store.find_subscriber(event.subscriber_id)
            if target is not None and not email_address:
                email_address = target.email
            if not store.record_bounce_report(event_key, event.kind, email_address, event.detail[:500]):
                report.already_seen += 1
                continue
            report.add(event.kind)
            if event.kind in ("hard", "complaint") and email_address:
                kind = "complaint" if event.kind == "complaint" else "hard"
                report.changed += mark_undeliverable(store, email_address, kind, event.detail, origin)
            elif event.kind == "unsubscribe" and target is not None:
                if target.status in (SubscriberStatus.PENDING, SubscriberStatus.ACTIVE):
                    unsubscribe(store, target.id, Origin(method="mailto", form=path.name))
                    report.changed += 1
    return report
