"""Who our messages come from and how they are built: sender, list ids, unsubscribe headers, DKIM.

One :class:`MailIdentity` per run, made from the settings; every message (newsletter, press review,
confirmation) goes through :meth:`MailIdentity.message`, so none can leave without the RFC 8058
one-click unsubscribe headers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from mediawatch.config import Settings
from mediawatch.deliver.links import LinkPurpose, LinkSigner, link_signer, unsubscribe_mailto
from mediawatch.deliver.mime import (
    DkimKey,
    ListHeaders,
    build_message,
    encode_header_value,
    format_sender,
    load_dkim_key,
    parse_sender,
)
from mediawatch.deliver.smtp import SmtpConfig, parse_smtp_url
from mediawatch.render.model import organisation_in
from mediawatch.render.result import PersonalLinks
from mediawatch.types import Publication, Subscriber


@dataclass(frozen=True, slots=True)
class MailIdentity:
    from_header: str  # encoded, ready to write
    envelope_from: str  # MAIL FROM: where bounces go
    domain: str  # of the sender: Message-IDs and List-Ids live under it
    reply_to: str
    organisation: str
    unsubscribe_address: str
    signer: LinkSigner
    dkim: DkimKey | None = None

    def organisation_in(self, lang: str) -> str:
        """The organisation as a mail in ``lang`` writes it ("4 pour 1000"), like the web pages and the
        editions; headers (From, List-Id) keep the configured name, the same in every language."""
        return organisation_in(self.organisation, lang)

    def list_id(self, publication: Publication) -> str:
        phrase = f"{self.organisation} {publication.value}"
        if phrase.isascii():
            label = '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            label = encode_header_value("List-Id", phrase)
        return f"{label} <{publication.value}.{self.domain}>"

    def list_headers(
        self, publication: Publication, subscriber: Subscriber, links: PersonalLinks | None = None
    ) -> ListHeaders:
        """The list headers; ``links`` (already signed for this subscriber) saves signing them again."""
        url = links.unsubscribe_url if links else self.signer.url(LinkPurpose.UNSUBSCRIBE, subscriber)
        token = url.rsplit("/", 1)[1]
        return ListHeaders(
            list_id=self.list_id(publication),
            unsubscribe_url=url,
            unsubscribe_mailto=unsubscribe_mailto(self.unsubscribe_address, token),
        )

    def new_message_id(self, label: str) -> str:
        return f"<{label}.{secrets.token_hex(6)}@{self.domain}>"

    def message(
        self,
        *,
        subscriber: Subscriber,
        publication: Publication,
        to: str,
        subject: str,
        message_id: str,
        language: str,
        text: str,
        html: str,
        date: datetime | None = None,
        extra: tuple[tuple[str, str], ...] = (),
        links: PersonalLinks | None = None,
    ) -> bytes:
        data = build_message(
            sender=self.from_header,
            to=to,
            subject=subject,
            message_id=message_id,
            date=date or datetime.now(UTC),
            language=language,
            text=text,
            html=html,
            lists=self.list_headers(publication, subscriber, links),
            reply_to=self.reply_to,
            extra=extra,
        )
        return self.dkim.sign(data) if self.dkim else data


def mail_identity(settings: Settings) -> MailIdentity:
    """Everything a message needs from the settings; ConfigError when the sender is not configured."""
    name, address = parse_sender(settings.mail_from, settings.organisation)
    domain = address.rsplit("@", 1)[1].lower()
    reply_to = ""
    if settings.reply_to:
        reply_name, reply_address = parse_sender(settings.reply_to)
        reply_to = format_sender(reply_address, reply_name)
    unsubscribe = settings.unsubscribe_address or address
    dkim = load_dkim_key(settings.dkim_key_file, settings.dkim_selector, settings.dkim_domain or domain)
    return MailIdentity(
        from_header=format_sender(address, name),
        envelope_from=address,
        domain=domain,
        reply_to=reply_to,
        organisation=settings.organisation,
        unsubscribe_address=unsubscribe,
        signer=link_signer(settings),
        dkim=dkim,
    )


def smtp_config(settings: Settings) -> SmtpConfig:
    return parse_smtp_url(settings.smtp_url, settings.smtp_end_timeout)
