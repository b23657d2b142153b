"""The editors' email after a nightly run: new drafts with their links, what is new, which sources fail.

It goes to ``nightly_editors`` only, never to subscribers, through the delivery stage's SMTP session.
Written in ``nightly_editors_lang`` (else the interface language), as text and as simple HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape

from mediawatch.collect.labels import fetch_label, reader_detail
from mediawatch.config import Settings, team_zone
from mediawatch.errors import ConfigError, DeliveryError, InvalidInput
from mediawatch.i18n import LANGUAGES, Message, language_names, said, t, tn
from mediawatch.i18n.dates import format_date, format_half_open
from mediawatch.i18n.publications import publication_name
from mediawatch.nightly.outcome import Problem
from mediawatch.render.model import organisation_name
from mediawatch.types import Publication

SUB = "\x00sub"  # the "link" of a line that details the line before it


@dataclass(frozen=True, slots=True)
class DraftNews:
    issue_id: int
    slug: str
    publication: Publication
    period_from: datetime
    period_to: datetime
    items: int
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceNews:
    source_id: str
    name: str
    status: str
    detail: str
    failures: int  # consecutive, 0 when the source is stale rather than failing
    stale_days: int | None


@dataclass(frozen=True, slots=True)
class RunNews:
    """Everything the editors' email says, gathered by the run."""

    at: datetime
    drafts: tuple[DraftNews, ...]
    new_articles: int
    relevant: int
    stories: int
    failing: tuple[SourceNews, ...]
    stale: tuple[SourceNews, ...]
    stale_after_days: int
    previous_interrupted: bool
    problems: tuple[Problem, ...]  # stage errors and warnings of this run, one line each in any language
    # with a broker: the collect run the workers were still doing when the run stopped waiting for it
    collect_still_running: int | None = None
    # the relevance model was retrained by this run: on so many editors' decisions and labelled items
    retrained: tuple[int, int] | None = None


def editors(settings: Settings) -> tuple[str, ...]:
    """The addresses of ``nightly_editors`` (commas, semicolons or spaces between them)."""
    found = []
    for part in re.split(r"[\s,;]+", settings.nightly_editors or ""):
        if not part:
            continue
        if part.count("@") != 1 or part.startswith("@") or part.endswith("@"):
            raise InvalidInput(Message("nightly.setting.bad_editor", value=part))
        found.append(part)
    return tuple(dict.fromkeys(found))


def editors_language(settings: Settings, ui_lang: str) -> str:
    lang = (settings.nightly_editors_lang or "").strip().lower()
    if lang and lang not in LANGUAGES:
        raise InvalidInput(
            # Named in words with their codes: the setting takes a code ("français (fr)")
            Message(
                "nightly.setting.bad_editors_lang",
                value=lang,
                languages=language_names(*LANGUAGES, with_codes=True),
            )
        )
    return lang or ui_lang


def draft_url(settings: Settings, issue_id: int) -> str:
    """The draft's page in the review web app."""
    return f"{settings.base_url.rstrip('/')}/issues/{issue_id}"


def dashboard_url(settings: Settings) -> str:
    return f"{settings.base_url.rstrip('/')}/dashboard"


def _period(draft: DraftNews, settings: Settings, lang: str) -> str:
    zone = team_zone(settings)  # as its editions name it
    return format_half_open(draft.period_from, draft.period_to, lang, zone)


def _intro(news: RunNews, settings: Settings, lang: str) -> str:
    return t(
        "nightly.mail.intro",
        lang,
        date=format_date(news.at, lang, long=True),
        organisation=organisation_name(settings, lang),
    )


def subject(news: RunNews, settings: Settings, lang: str) -> str:
    org = organisation_name(settings, lang)
    if news.drafts:
        return t("nightly.mail.subject_drafts", lang, organisation=org, count=len(news.drafts))
    return t(
        "nightly.mail.subject_sources", lang, organisation=org, count=len(news.failing) + len(news.stale)
    )


def _failing(source: SourceNews, lang: str) -> str:
    """A failing source: its outcome in words, and of the collector's English diagnostic what a reader of
    ``lang`` can read (all of it in English, else the site's HTTP status, if any)."""
    detail = reader_detail(source.detail, lang)[:200]
    fields = {
        "name": source.name,
        "source": source.source_id,
        "status": fetch_label(source.status, lang),
        "failures": tn("nightly.mail.failures", source.failures, lang),
    }
    if detail:
        return t("nightly.mail.failing", lang, detail=detail, **fields)
    return t("nightly.mail.failing_no_detail", lang, **fields)


def _sections(news: RunNews, settings: Settings, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(line, link)]) in reading order; both renderings are built from this. A line whose link
    is SUB belongs to the line before it (a draft's warnings)."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    if news.drafts:
        lines = []
        for d in news.drafts:
            label = publication_name(d.publication, lang)
            lines.append(
                (
                    t(
                        "nightly.mail.draft",
                        lang,
                        publication=label,
                        period=_period(d, settings, lang),
                        items=d.items,
                    ),
                    draft_url(settings, d.issue_id),
                )
            )
            lines += [(t("nightly.mail.draft_warning", lang, warning=w), SUB) for w in d.warnings]
        sections.append((t("nightly.mail.drafts_heading", lang), lines))
    new = [
        (
            t(
                "nightly.mail.new",
                lang,
                articles=news.new_articles,
                relevant=news.relevant,
                stories=news.stories,
            ),
            "",
        )
    ]
    if news.retrained is not None:
        decisions, gold = news.retrained
        new.append(
            (
                t(
                    "nightly.mail.retrained",
                    lang,
                    decisions=tn("retrain.decisions", decisions, lang),
                    gold=tn("retrain.gold", gold, lang),
                ),
                "",
            )
        )
    sections.append((t("nightly.mail.new_heading", lang), new))
    if news.failing:
        sections.append(
            (
                t("nightly.mail.failing_heading", lang),
                [(_failing(s, lang), "") for s in news.failing],
            )
        )
    if news.stale:
        sections.append(
            (
                t("nightly.mail.stale_heading", lang, days=news.stale_after_days),
                [
                    (
                        t(
                            "nightly.mail.stale",
                            lang,
                            name=s.name,
                            source=s.source_id,
                            days=s.stale_days or 0,
                        ),
                        "",
                    )
                    for s in news.stale
                ],
            )
        )
    notes = []
    if news.previous_interrupted:
        notes.append((t("nightly.mail.resumed", lang), ""))
    if news.collect_still_running is not None:
        notes.append((t("nightly.mail.collect_still_running", lang, run=news.collect_still_running), ""))
    notes += [(t("nightly.mail.problem", lang, problem=p.text(lang)), "") for p in news.problems]
    if notes:
        sections.append((t("nightly.mail.notes_heading", lang), notes))
    return sections


def text_body(news: RunNews, settings: Settings, lang: str) -> str:
    out = [
        t("nightly.mail.greeting", lang),
        "",
        _intro(news, settings, lang),
        "",
    ]
    for heading, lines in _sections(news, settings, lang):
        out += [heading, "-" * len(heading)]
        for line, link in lines:
            out.append(f"  {line}" if link == SUB else f"- {line}")
            if link and link != SUB:
                out.append(f"  {link}")
        out.append("")
    out += [
        t("nightly.mail.dashboard", lang, url=dashboard_url(settings)),
        "",
        "-- ",
        t("nightly.mail.footer", lang),
    ]
    return "\n".join(out) + "\n"


def html_body(news: RunNews, settings: Settings, lang: str) -> str:
    e = escape
    intro = _intro(news, settings, lang)
    parts = [
        f'<!doctype html><html lang="{e(lang)}"><head><meta charset="utf-8">'
        f"<title>{e(subject(news, settings, lang))}</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;line-height:1.45;max-width:640px">',
        f"<p>{e(t('nightly.mail.greeting', lang))}</p>",
        f"<p>{e(intro)}</p>",
    ]
    for heading, lines in _sections(news, settings, lang):
        parts.append(f'<h2 style="font-size:17px;margin:20px 0 6px">{e(heading)}</h2><ul>')
        for line, link in lines:
            if link == SUB:
                parts[-1] = parts[-1].removesuffix("</li>") + f"<br><small>{e(line)}</small></li>"
                continue
            item = f'<a href="{e(link)}">{e(line)}</a>' if link else e(line)
            parts.append(f"<li>{item}</li>")
        parts.append("</ul>")
    url = dashboard_url(settings)
    parts.append(f'<p><a href="{e(url)}">{e(t("nightly.mail.dashboard", lang, url=url))}</a></p>')
    parts.append(
        f'<p style="color:#666;font-size:12px">{e(t("nightly.mail.footer", lang))}</p></body></html>'
    )
    return "\n".join(parts)


def editor_message(news: RunNews, settings: Settings, lang: str, recipients: Sequence[str]) -> EmailMessage:
    if not settings.mail_from:
        raise said(ConfigError, "nightly.setting.no_sender")
    message = EmailMessage()
    message["Subject"] = subject(news, settings, lang)
    message["From"] = settings.mail_from
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(news.at)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rsplit("@", 1)[-1])
    message["Content-Language"] = lang
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(text_body(news, settings, lang))
    message.add_alternative(html_body(news, settings, lang), subtype="html")
    return message


def send_to_editors(
    settings: Settings, messages: Sequence[tuple[str, EmailMessage]], delivered: Callable[[str], None]
) -> None:
    """One SMTP transaction per editor, each with its own message; ``delivered(address)`` is called as
    soon as the server took one, so the caller records it per editor before going on. DeliveryError
    naming who did not get it and why (the others did, and are not written to again)."""
    from mediawatch.deliver.smtp import SmtpSession, parse_smtp_url
    from mediawatch.errors import SenderRefused, SmtpUnavailable

    failed = []
    with SmtpSession(parse_smtp_url(settings.smtp_url, settings.smtp_end_timeout)) as session:
        for rcpt, message in messages:
            data = message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            try:
                outcome = session.transaction(settings.mail_from, rcpt, data, lambda: None)
            except SenderRefused:
                raise
            except SmtpUnavailable as exc:
                failed.append(f"{rcpt}: {exc}")
                continue
            # "unknown": the end of data went out unanswered; the server may have it, and a second
            # copy is worse than a missing reply
            if outcome.kind in ("sent", "unknown"):
                delivered(rcpt)
            else:
                failed.append(
                    f"{rcpt}: {outcome.kind} at {outcome.stage}: {outcome.code} {outcome.text}".strip()
                )
    if failed:
        raise DeliveryError("the editors' notification was not delivered to " + "; ".join(failed))
