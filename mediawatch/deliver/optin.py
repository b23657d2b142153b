"""The two transactional emails: "confirm your subscription" and "you are already subscribed".

Both in the subscriber's language, both with the one-click unsubscribe headers (RFC 8058 asks for them on
every message, opt-in mails included). The confirmation link opens a page with a button: a mail scanner
that follows links confirms nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from mediawatch.config import Settings
from mediawatch.deliver.identity import MailIdentity, mail_identity, smtp_config
from mediawatch.deliver.links import CONFIRM_DAYS, LinkPurpose, check_mail_links
from mediawatch.deliver.smtp import SmtpSession
from mediawatch.errors import DeliveryError
from mediawatch.i18n import and_list, said, t
from mediawatch.i18n.publications import publication_name
from mediawatch.store.protocols import SubscriberRepository
from mediawatch.types import Publication, Subscriber

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def publication_names(publications: Iterable[Publication], lang: str) -> str:
    names = [publication_name(p, lang, in_sentence=True) for p in publications]
    return and_list(names, lang)


@dataclass(frozen=True, slots=True)
class OptinMail:
    subject: str
    text: str
    html: str


def _compose(
    lang: str,
    *,
    subject: str,
    heading: str,
    paragraphs: list[str],
    button_label: str,
    button_url: str,
    after: list[str],
    unsubscribe_url: str,
    organisation: str,
) -> OptinMail:
    context = {
        "lang": lang,
        "subject": subject,
        "heading": heading,
        "paragraphs": paragraphs,
        "button_label": button_label,
        "button_url": button_url,
        "after": after,
        "footer": t("email.footer", lang, organisation=organisation),
        "unsubscribe_label": t("email.unsubscribe", lang),
        # The text part's "label: link" lines, punctuated as the language wants ("Se désabonner :").
        "button_line": t("email.label", lang, label=button_label),
        "unsubscribe_line": t("email.label", lang, label=t("email.unsubscribe", lang)),
        "unsubscribe_url": unsubscribe_url,
    }
    env = _environment()
    return OptinMail(
        subject=subject,
        text=env.get_template("optin.txt.j2").render(context),
        html=env.get_template("optin.html.j2").render(context),
    )


def confirmation_mail(identity: MailIdentity, subscriber: Subscriber) -> OptinMail:
    lang = subscriber.language
    org = identity.organisation_in(lang)
    return _compose(
        lang,
        subject=t("email.confirm.subject", lang, organisation=org),
        heading=t("email.confirm.heading", lang),
        paragraphs=[
            t(
                "email.confirm.intro",
                lang,
                email=subscriber.email,
                organisation=org,
                publications=publication_names(subscriber.publications, lang),
            ),
            t("email.confirm.action", lang),
        ],
        button_label=t("email.confirm.button", lang),
        button_url=identity.signer.url(LinkPurpose.CONFIRM, subscriber),
        after=[t("email.confirm.expiry", lang, days=CONFIRM_DAYS), t("email.confirm.ignore", lang)],
        unsubscribe_url=identity.signer.url(LinkPurpose.UNSUBSCRIBE, subscriber),
        organisation=org,
    )


def already_mail(identity: MailIdentity, subscriber: Subscriber) -> OptinMail:
    lang = subscriber.language
    org = identity.organisation_in(lang)
    return _compose(
        lang,
        subject=t("email.already.subject", lang, organisation=org),
        heading=t("email.already.heading", lang),
        paragraphs=[
            t(
                "email.already.intro",
                lang,
                email=subscriber.email,
                organisation=org,
                publications=publication_names(subscriber.publications, lang),
            ),
            t("email.already.action", lang),
        ],
        button_label=t("email.already.button", lang),
        button_url=identity.signer.url(LinkPurpose.PREFERENCES, subscriber),
        after=[t("email.already.ignore", lang)],
        unsubscribe_url=identity.signer.url(LinkPurpose.UNSUBSCRIBE, subscriber),
        organisation=org,
    )


def optin_bytes(identity: MailIdentity, subscriber: Subscriber, mail: OptinMail) -> bytes:
    publication = subscriber.publications[0] if subscriber.publications else Publication.NEWSLETTER
    return identity.message(
        subscriber=subscriber,
        publication=publication,
        to=subscriber.email,
        subject=mail.subject,
        message_id=identity.new_message_id(f"optin.{subscriber.id}"),
        language=subscriber.language,
        text=mail.text,
        html=mail.html,
    )


class OptinMailer:
    """Sends opt-in mails over one SMTP connection (an import may send many)."""

    def __init__(self, store: SubscriberRepository, settings: Settings) -> None:
        check_mail_links(settings, archive=False)
        self.store = store
        self.identity = mail_identity(settings)
        self.session = SmtpSession(smtp_config(settings))

    def send(self, subscriber: Subscriber, *, already: bool = False) -> None:
        mail = (already_mail if already else confirmation_mail)(self.identity, subscriber)
        data = optin_bytes(self.identity, subscriber, mail)
        outcome = self.session.transaction(self.identity.envelope_from, subscriber.email, data, lambda: None)
        if outcome.kind not in ("sent", "unknown"):
            key = "deliver.optin.reminder_refused" if already else "deliver.optin.confirmation_refused"
            reply = f"{outcome.code} {outcome.text}".strip()
            raise said(DeliveryError, key, email=subscriber.email, reply=reply)
        # Either mail counts: the subscribe page mails one address at most once per RESEND_AFTER
        # (pending) or ALREADY_MAIL_EVERY (active), however often the form is sent for it.
        self.store.mark_confirmation_sent(subscriber.id)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> OptinMailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
