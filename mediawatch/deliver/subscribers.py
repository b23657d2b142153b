"""What can happen to a subscriber: subscribe, confirm, change preferences, unsubscribe, export, erase.

Every change is recorded with its consent record (when, how, which form and wording, IP and user agent
where given), in the same transaction. The functions here are shared by the public web pages, the CLI
and the bounce import.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mediawatch.config import Settings
from mediawatch.deliver.addresses import normalise_email, parse_fallback, parse_language, parse_publications
from mediawatch.errors import ConflictError, MediawatchError, WorkflowError
from mediawatch.i18n import said
from mediawatch.store.protocols import SubscriberRepository
from mediawatch.store.subscribers import NewConsent
from mediawatch.types import Publication, Subscriber, SubscriberStatus

log = logging.getLogger("mediawatch.deliver")

# The version of the consent wording shown on the subscribe form (public.consent.text in the catalogues).
# Change it whenever that text changes: consent records say which wording a subscriber agreed to.
CONSENT_WORDING_VERSION = "2025-01"
SUBSCRIBE_FORM = "public-subscribe"
# at most one confirmation mail per pending address in this time (coming back from an unsubscription
# mails at once: see subscribe())
RESEND_AFTER = timedelta(minutes=10)
# at most one "you are already subscribed" mail per active address in this time (the form's answer is the
# same whether a mail goes or not, so the page never tells who is subscribed)
ALREADY_MAIL_EVERY = timedelta(days=1)

# Literal keys (the i18n tests read them): a status in words, for pages and the CLI.
STATUS_KEYS = {
    SubscriberStatus.PENDING: "public.status.pending",
    SubscriberStatus.ACTIVE: "public.status.active",
    SubscriberStatus.UNSUBSCRIBED: "public.status.unsubscribed",
    SubscriberStatus.BOUNCED: "public.status.bounced",
    SubscriberStatus.COMPLAINED: "public.status.complained",
}

REACHABLE = (SubscriberStatus.PENDING, SubscriberStatus.ACTIVE)
SUPPRESSED = (SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from, for the consent record."""

    method: str  # web-form, confirm-page, preferences, one-click, mailto, cli, csv-import, bounce-report
    form: str = ""
    ip: str = ""
    user_agent: str = ""
    wording_version: str = ""
    detail: str = ""

    def consent(self, action: str, detail: str = "") -> NewConsent:
        return NewConsent(
            action=action,
            method=self.method,
            form=self.form,
            wording_version=self.wording_version,
            ip=self.ip,
            user_agent=self.user_agent,
            detail=detail or self.detail,
        )


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    subscriber: Subscriber | None  # None: the address is suppressed (nothing is said to the requester)
    mail: str  # "confirm", "already" or "" (no mail to send)


def subscribe(
    store: SubscriberRepository,
    *,
    email: str,
    language: str,
    publications: Sequence[str] | str,
    origin: Origin,
    fallback: str = "",
) -> SubscribeResult:
    """A subscription request (web form, CLI without --confirmed): pending until the link is used.

    The answer never tells the requester whether the address was known; what to mail is returned.
    """
    address = normalise_email(email)
    lang = parse_language(language)
    pubs = parse_publications(publications)
    fall = parse_fallback(fallback, lang)
    if store.suppression(address) is not None:
        return SubscribeResult(None, "")
    current = store.find_subscriber(address)
    if current is None:
        created = store.insert_subscriber(
            email=address,
            language=lang,
            publications=pubs,
            status=SubscriberStatus.PENDING,
            consent=origin.consent("subscribe"),
            fallback=fall,
        )
        if created is not None:
            return SubscribeResult(created, "confirm")
        current = store.find_subscriber(address)  # created by a concurrent request: treat as known
        if current is None:  # and erased since: said as the store said it, no retry loop
            raise said(WorkflowError, "deliver.refused.already_subscribed", address=address)
    if current.status in SUPPRESSED:
        return SubscribeResult(None, "")
    if current.status is SubscriberStatus.ACTIVE:
        # Changing an active subscription needs proof of the mailbox: mail them their preferences link.
        # The last opt-in mail after the confirmation can only have been such a reminder.
        sent, confirmed = current.confirmation_sent_at, current.confirmed_at
        reminded = sent is not None and (confirmed is None or sent > confirmed)
        if reminded and sent is not None and _within(sent, ALREADY_MAIL_EVERY):
            return SubscribeResult(current, "")
        return SubscribeResult(current, "already")
    coming_back = current.status is SubscriberStatus.UNSUBSCRIBED
    updated = store.update_subscriber(
        current.id,
        consent=origin.consent("subscribe"),
        language=lang,
        fallback=fall,
        publications=pubs,
        status=SubscriberStatus.PENDING,
        expect=(SubscriberStatus.PENDING, SubscriberStatus.UNSUBSCRIBED),
    )
    if updated is None:
        return SubscribeResult(None, "")
    # The window stops a form from filling a mailbox with confirmations. Coming back from an
    # unsubscription is not such a repeat: only the mailbox's holder can unsubscribe (their link), so each
    # of these mails follows one of their own acts, and the page's "check your inbox" must hold.
    sent = updated.confirmation_sent_at
    if not coming_back and sent is not None and _within(sent, RESEND_AFTER):
        return SubscribeResult(updated, "")
    return SubscribeResult(updated, "confirm")


def _within(sent: datetime, window: timedelta) -> bool:
    """``sent`` less than ``window`` ago. A time still to come says the clock was moved back since: it holds
    nothing back, or the next mail would wait for the size of the jump."""
    elapsed = datetime.now(UTC) - sent
    return timedelta(0) <= elapsed < window


def send_optin(store: SubscriberRepository, settings: Settings, result: SubscribeResult) -> bool:
    """Send the mail a subscribe request calls for; False (logged) when the server would not take it."""
    problem = optin_problem(store, settings, result)
    if problem is not None and result.subscriber is not None:
        log.warning("opt-in mail to subscriber %s not sent: %s", result.subscriber.id, problem)
    return problem is None


def optin_problem(
    store: SubscriberRepository, settings: Settings, result: SubscribeResult
) -> MediawatchError | None:
    """Send the mail a subscribe request calls for; why it did not go, else None. Not logged here: the
    command line says it to the person who typed the address, in their language (a log line would say it
    again, in English); the public form only says that it failed, and ``send_optin`` logs why."""
    if result.subscriber is None or not result.mail:
        return None
    from mediawatch.deliver.optin import OptinMailer

    try:
        with OptinMailer(store, settings) as mailer:
            mailer.send(result.subscriber, already=result.mail == "already")
    except MediawatchError as exc:  # the server refused, or mail is not configured (no smtp_url, no FROM)
        return exc
    return None


def add_confirmed(
    store: SubscriberRepository,
    *,
    email: str,
    language: str,
    publications: Sequence[str] | str,
    origin: Origin,
    fallback: str = "",
) -> Subscriber:
    """An administrator adds someone whose consent was obtained elsewhere (the record says so)."""
    address = normalise_email(email)
    lang = parse_language(language)
    pubs = parse_publications(publications)
    suppressed = store.suppression(address)
    if suppressed is not None:
        raise said(WorkflowError, "deliver.refused.suppressed", address=address, reason=suppressed.reason)
    created = store.insert_subscriber(
        email=address,
        language=lang,
        publications=pubs,
        status=SubscriberStatus.ACTIVE,
        consent=origin.consent("subscribe"),
        fallback=parse_fallback(fallback, lang),
    )
    if created is None:
        raise said(WorkflowError, "deliver.refused.already_subscribed", address=address)
    return created


def confirm(store: SubscriberRepository, subscriber: Subscriber, origin: Origin) -> bool:
    """Pending -> active. True when the subscription is (now or already) active."""
    if subscriber.status is SubscriberStatus.ACTIVE:
        return True
    done = store.update_subscriber(
        subscriber.id,
        consent=origin.consent("confirm"),
        status=SubscriberStatus.ACTIVE,
        expect=(SubscriberStatus.PENDING,),
    )
    if done is None:  # the same link pressed twice at once: the other press confirmed it
        now = store.find_subscriber(subscriber.id)
        return now is not None and now.status is SubscriberStatus.ACTIVE
    return done is not None


def unsubscribe(store: SubscriberRepository, subscriber_id: int, origin: Origin) -> bool:
    """Immediate and idempotent: True when the subscriber is (now or already) not receiving anything."""
    try:
        store.update_subscriber(
            subscriber_id,
            consent=origin.consent("unsubscribe"),
            status=SubscriberStatus.UNSUBSCRIBED,
            expect=REACHABLE,
        )
    except ConflictError:  # no such subscriber (erased): nothing is sent to them either
        return True
    return True


def resubscribe(store: SubscriberRepository, subscriber: Subscriber, origin: Origin) -> bool:
    """From the preferences page (the link proves the mailbox): unsubscribed -> active."""
    done = store.update_subscriber(
        subscriber.id,
        consent=origin.consent("resubscribe"),
        status=SubscriberStatus.ACTIVE,
        expect=(SubscriberStatus.UNSUBSCRIBED,),
    )
    return done is not None


def change_preferences(
    store: SubscriberRepository,
    subscriber: Subscriber,
    origin: Origin,
    *,
    language: str,
    publications: Sequence[str] | str,
    fallback: str | None = None,
) -> Subscriber:
    lang = parse_language(language)
    pubs = parse_publications(publications)
    fall = parse_fallback(fallback, lang) if fallback is not None else None
    detail = f"language={lang} publications={','.join(p.value for p in pubs)}"
    updated = store.update_subscriber(
        subscriber.id,
        consent=origin.consent("change", detail),
        language=lang,
        fallback=fall,
        publications=pubs,
    )
    assert updated is not None
    return updated


def mark_undeliverable(
    store: SubscriberRepository, email: str, kind: str, detail: str, origin: Origin
) -> bool:
    """A hard bounce or a complaint: the address is suppressed for ever; True if a subscriber changed."""
    reason = "complaint" if kind == "complaint" else "hard-bounce"
    store.suppress(email, reason, detail)
    current = store.find_subscriber(email)
    if current is None or current.status in SUPPRESSED:
        return False
    status = SubscriberStatus.COMPLAINED if kind == "complaint" else SubscriberStatus.BOUNCED
    store.update_subscriber(current.id, consent=origin.consent(reason, detail), status=status)
    return True


def find(store: SubscriberRepository, email: str) -> Subscriber:
    """The subscriber with this address, as typed by the team (any case of the domain); a refusal naming
    the address when there is none."""
    found = store.find_subscriber(normalise_email(email))
    if found is None:
        raise said(WorkflowError, "deliver.refused.no_subscriber", address=email)
    return found


def remove(store: SubscriberRepository, email: str, origin: Origin, *, forget: bool = False) -> Subscriber:
    """The CLI's remove: unsubscribe (kept as evidence) or, with ``forget``, erase every trace."""
    found = find(store, email)
    if forget:
        store.delete_subscriber(found.id)
    else:
        unsubscribe(store, found.id, origin)
    return found


def export_data(store: SubscriberRepository, subscriber: Subscriber) -> dict[str, Any]:
    """Everything kept about one subscriber (the "export my data" of the preferences page, and the team's
    ``subscribers show``: both read the same record, so the evidence the team shows is what the person
    can download)."""

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "email": subscriber.email,
        "language": subscriber.language,
        "fallback_languages": list(subscriber.fallback),
        "publications": [p.value for p in subscriber.publications],
        "status": subscriber.status.value,
        "created_at": when(subscriber.created_at),
        "updated_at": when(subscriber.updated_at),
        "confirmed_at": when(subscriber.confirmed_at),
        "unsubscribed_at": when(subscriber.unsubscribed_at),
        "consent_records": [
            {
                k: (when(v) if isinstance(v, datetime) else v)
                for k, v in asdict(c).items()
                if k != "subscriber_id"
            }
            for c in store.consent_records(subscriber.id)
        ],
        "messages": [
            {
                "issue": slug,
                "language": m.language,
                "status": m.status.value,
                "message_id": m.message_id,
                "sent_at": when(m.sent_at),
            }
            for m, slug in store.subscriber_deliveries(subscriber.id)
        ],
    }


def subscriber_row(subscriber: Subscriber) -> dict[str, str]:
    """The columns of ``subscribers list --json`` and of the CSV export."""
    return {
        "email": subscriber.email,
        "language": subscriber.language,
        "publications": ";".join(p.value for p in subscriber.publications),
        "status": subscriber.status.value,
        "fallback": " ".join(subscriber.fallback),
        "created_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
    }


def publication_filter(value: str | None) -> Publication | None:
    return parse_publications(value)[0] if value else None
