"""Looking before sending: ``send --dry-run`` (every message as an .eml file) and ``send --test ADDRESS``.

Neither touches the outbox nor the issue's state. A dry run is refused exactly like a send (it shows what
would go); a test copy is not, since reviewers look at it before approving: each edition is rendered as a
subscriber would get it, with personal links that lead to a "not valid" page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mediawatch.compose.issues import find_issue
from mediawatch.config import Settings
from mediawatch.deliver.addresses import normalise_email
from mediawatch.deliver.editions import prepare_editions
from mediawatch.deliver.identity import mail_identity, smtp_config
from mediawatch.deliver.send import refuse_unsendable
from mediawatch.deliver.smtp import Outcome, SmtpSession
from mediawatch.files import writing
from mediawatch.store.protocols import PreviewStore
from mediawatch.store.subscribers import email_hash
from mediawatch.types import Subscriber, SubscriberStatus

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")


@dataclass(frozen=True, slots=True)
class DryRunReport:
    folder: Path
    written: int
    by_language: dict[str, int]


def dry_run(
    store: PreviewStore, settings: Settings, issue_ref: str | int, folder: Path, *, lang: str | None = None
) -> DryRunReport:
    """Write the message every subscriber would get to ``folder`` (one .eml each)."""
    issue = find_issue(store, issue_ref)
    refuse_unsendable(store, issue, settings)
    identity = mail_identity(settings)
    editions = prepare_editions(store.issue_content(issue.id), settings)
    with writing(folder, lang):
        folder.mkdir(parents=True, exist_ok=True)
    written = 0
    by_language: dict[str, int] = {}
    for subscriber in store.iter_subscribers(status=SubscriberStatus.ACTIVE, publication=issue.publication):
        if store.suppression(subscriber.email) is not None:
            continue
        language = subscriber.edition_language(issue.languages)
        if language is None:
            continue
        edition = editions[language]
        html, text = edition.personalise(identity.signer.personal_links(subscriber))
        data = identity.message(
            subscriber=subscriber,
            publication=issue.publication,
            to=subscriber.email,
            subject=edition.subject,
            message_id=identity.new_message_id(f"dryrun.{issue.slug}.{language}.{subscriber.id}"),
            language=language,
            text=text,
            html=html,
        )
        written += 1
        by_language[language] = by_language.get(language, 0) + 1
        name = f"{written:06d}-{language}-{_UNSAFE.sub('_', subscriber.email)}.eml"
        with writing(folder / name, lang):
            (folder / name).write_bytes(data)
    return DryRunReport(folder, written, by_language)


def _reviewer(address: str, language: str, settings: Settings) -> Subscriber:
    """A stand-in subscriber: real-looking links that open no one's preferences."""
    from datetime import UTC, datetime

    from mediawatch.types import Publication

    now = datetime.now(UTC)
    return Subscriber(
        id=0,
        email=address,
        language=language,
        fallback=(),
        publications=tuple(Publication),
        status=SubscriberStatus.ACTIVE,
        created_at=now,
        updated_at=now,
        link_key="test-" + email_hash(address)[:8],
    )


def send_test(
    store: PreviewStore, settings: Settings, issue_ref: str | int, address: str, *, actor: str = "deliver"
) -> list[tuple[str, Outcome]]:
    """One copy of each edition to ``address``; (language, outcome) for each."""
    issue = find_issue(store, issue_ref)
    to = normalise_email(address)
    identity = mail_identity(settings)
    editions = prepare_editions(store.issue_content(issue.id), settings)
    results: list[tuple[str, Outcome]] = []
    with SmtpSession(smtp_config(settings)) as session:
        for language, edition in editions.items():
            stand_in = _reviewer(to, language, settings)
            html, text = edition.personalise(identity.signer.personal_links(stand_in))
            data = identity.message(
                subscriber=stand_in,
                publication=issue.publication,
                to=to,
                subject=edition.subject,
                message_id=identity.new_message_id(f"test.{issue.slug}.{language}"),
                language=language,
                text=text,
                html=html,
            )
            results.append((language, session.transaction(identity.envelope_from, to, data, lambda: None)))
    store.log_event(
        issue.id, actor, "send.test", target=to, detail=" ".join(f"{lang}:{o.kind}" for lang, o in results)
    )
    return results
