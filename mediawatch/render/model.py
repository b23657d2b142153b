"""What the templates see of one edition: an :class:`EditionView` built from ``IssueContent`` alone.

Everything a template needs is decided here, once, for the HTML and the text part alike: which items show
(rejected ones never do), which text of an item the edition uses and what marks it carries (machine
translation, untranslated with its source language), section and block titles in the edition's language,
subject and preheader, and the links of the footer. Templates only lay it out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from mediawatch.compose.issues import archive_year
from mediawatch.config import Settings, team_zone
from mediawatch.errors import RenderError
from mediawatch.i18n import LANGUAGES, language_name, language_names, said, t, tn
from mediawatch.i18n.dates import format_half_open
from mediawatch.i18n.publications import publication_name
from mediawatch.i18n.themes import THEME_KEYS
from mediawatch.render.result import PersonalLinks
from mediawatch.translate.glossary import Glossary, default_glossary
from mediawatch.types import BlockKind, IssueContent, IssueItem, ItemText, Publication, TextOrigin

ALSO_IN_SHOWN = 5  # outlets listed by name under an item; the rest are counted
PREHEADER_SECTIONS_CHARS = 90  # section names listed in a preheader before "…"

# The themes' names are the ones every page uses (i18n.themes); "other" is the editions' own last section.
# Literal keys (the i18n test reads t() calls; a computed key would escape it).
SECTION_KEYS: Mapping[str, str] = {**THEME_KEYS, "other": "render.theme.other"}
BLOCK_KEYS: Mapping[BlockKind, str] = {
    BlockKind.EDITORIAL: "render.block.editorial",
    BlockKind.SUCCESS_STORY: "render.block.success_story",
    BlockKind.KEY_FIGURE: "render.block.key_figure",
    BlockKind.PRACTICAL_SHEET: "render.block.practical_sheet",
    BlockKind.AGENDA: "render.block.agenda",
    BlockKind.PARTNER_NEWS: "render.block.partner_news",
}

# What XML 1.0 cannot carry, plus DEL. Lone surrogates too: they reach Python strings only from escaped
# JSON (an issue.json) or undecodable bytes, and no UTF-8 file can hold them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_line(text: str) -> str:
    """One line of display text: no control characters (they break XML), whitespace collapsed."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", text or "")).split())


def clean_paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    """Blank-line separated paragraphs, each a tuple of its lines (a single newline is a line break)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")))
    paragraphs = []
    for raw in re.split(r"\n\s*\n", text):
        lines = tuple(line for line in (" ".join(x.split()) for x in raw.split("\n")) if line)
        if lines:
            paragraphs.append(lines)
    return tuple(paragraphs)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when there is one nearby, ending with "…"."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 1)]
    space = cut.rfind(" ")
    if space >= limit * 0.6:  # a very long word is cut inside rather than losing most of the text
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def safe_url(url: str) -> str:
    """The URL if it is an absolute http(s) link, else "" (a javascript: or data: link is never written)."""
    url = (url or "").strip()
    if _CONTROL.search(url) or any(c.isspace() for c in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def plural(key: str, count: int, lang: str, **fields: object) -> str:
    """``<key>.one`` or ``<key>.other``: French treats 0 as singular, English and Spanish do not."""
    return tn(key, count, lang, **fields)


def organisation_name(settings: Settings, lang: str, glossary: Glossary | None = None) -> str:
    """The organisation in the edition's language when the glossary knows it ("4 pour 1000")."""
    return organisation_in(settings.organisation, lang, glossary)


def organisation_in(organisation: str, lang: str, glossary: Glossary | None = None) -> str:
    """A configured organisation name in ``lang`` when the glossary knows it: one name for the web pages,
    the editions and every mail."""
    name = clean_line(organisation)
    protected = (glossary or default_glossary()).protect(name, lang)
    return clean_line(Glossary.restore(protected.text, protected)) if protected.slots else name


@dataclass(frozen=True, slots=True)
class AlsoInView:
    outlet: str
    url: str  # "" when not a safe link
    language: str  # ISO code, as given
    language_name: str


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    section: str
    title: str
    summary: str
    url: str  # "" when the article's URL is not a safe http(s) link: the title is then not linked
    outlet: str
    published: datetime | None
    language: str  # the article's language
    language_name: str
    machine: bool  # the words are a machine translation nobody has reviewed
    untranslated_from: str  # source language code when the words were not translated, else ""
    untranslated_label: str  # "not translated, original in English"
    also_in: tuple[AlsoInView, ...]
    also_in_more: str  # "and 3 more", or ""
    credit: str = ""  # "Sent in by Ana" when a correspondent's submission brought the article in


@dataclass(frozen=True, slots=True)
class SectionView:
    key: str
    title: str
    items: tuple[ItemView, ...]


@dataclass(frozen=True, slots=True)
class BlockView:
    kind: str
    heading: str  # the kind's name in the edition's language ("Le chiffre clé")
    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    link: str  # "" when absent or not a safe http(s) link


@dataclass(frozen=True, slots=True)
class EditionLink:
    language: str
    name: str  # the language's own name: "Español"
    url: str


@dataclass(frozen=True, slots=True)
class EditionView:
    language: str
    slug: str
    year: int
    publication: str  # "newsletter" or "press-review"
    publication_name: str
    organisation: str
    subject: str
    preheader: str
    period: str
    period_from: datetime
    period_to: datetime
    sections: tuple[SectionView, ...]
    item_count: int
    blocks: Mapping[str, tuple[BlockView, ...]]  # by kind value, every kind present (maybe empty)
    has_machine: bool
    online_url: str  # this edition on the public archive, "" without site_url
    archive_url: str  # the archive index of this language (relative without site_url)
    other_editions: tuple[EditionLink, ...]
    personal: PersonalLinks | None  # only in a copy delivery sends to one subscriber


def edition_path(year: int, slug: str, lang: str, ext: str = "html") -> str:
    """Where an edition lives inside the archive: ``2026/press-review-2026-w47/fr.html``."""
    return f"{year}/{slug}/{lang}.{ext}"


def issue_year(content: IssueContent) -> int:
    return archive_year(content.issue.slug, content.issue.period_to)


def _archive_link(settings: Settings, path: str, relative_from_edition: bool) -> str:
    base = settings.site_url.strip().rstrip("/")
    if base:
        return f"{base}/{path}"
    return f"../../{path}" if relative_from_edition else path


def _item_text(item: IssueItem, lang: str) -> ItemText:
    text = item.text(lang)
    if text is not None:
        return text
    # No text for this edition (should not happen once compose ran): show another one, marked untranslated.
    other = next((x for x in item.texts if x.language == item.language), None) or next(iter(item.texts), None)
    if other is None:
        return ItemText(lang, item.outlet or item.url, "", TextOrigin.UNTRANSLATED, item.language)
    return ItemText(
        lang, other.title, other.summary, TextOrigin.UNTRANSLATED, other.source_language or other.language
    )


def item_view(item: IssueItem, lang: str) -> ItemView:
    text = _item_text(item, lang)
    untranslated = text.origin is TextOrigin.UNTRANSLATED
    source = (text.source_language or item.language or "").lower()
    # Untranslated words already in the edition's language need no badge.
    badge = source if untranslated and source and source != lang else ""
    also = tuple(
        AlsoInView(
            clean_line(a.outlet),
            safe_url(a.url),
            clean_line(a.language),
            language_name(a.language, lang) if a.language else "",
        )
        for a in item.also_in
        if clean_line(a.outlet)
    )
    hidden = len(also) - ALSO_IN_SHOWN
    return ItemView(
        id=item.id,
        section=item.section,
        title=clean_line(text.title) or clean_line(item.url),
        summary=clean_line(text.summary),
        url=safe_url(item.url),
        outlet=clean_line(item.outlet),
        published=item.published,
        language=item.language,
        language_name=language_name(item.language, lang) if item.language else "",
        machine=text.origin is TextOrigin.MACHINE,
        untranslated_from=badge,
        untranslated_label=t("render.item.untranslated", lang, language=language_name(badge, lang))
        if badge
        else "",
        also_in=also[:ALSO_IN_SHOWN],
        also_in_more=plural("render.count.more", hidden, lang) if hidden > 0 else "",
        credit=_credit(item, lang),
    )


def _credit(item: IssueItem, lang: str) -> str:
    sender = clean_line(item.sent_in_by)
    return t("correspondents.credit", lang, name=sender) if sender else ""


def section_title(section: str, lang: str) -> str:
    key = SECTION_KEYS.get(section)
    return t(key, lang) if key else clean_line(section.replace("_", " ")).capitalize()


def _sections(content: IssueContent, lang: str) -> tuple[SectionView, ...]:
    items = content.visible_items()
    order = list(content.issue.sections) + sorted({i.section for i in items} - set(content.issue.sections))
    result = []
    for section in order:
        views = tuple(item_view(i, lang) for i in items if i.section == section)
        if views:
            result.append(SectionView(section, section_title(section, lang), views))
    return tuple(result)


def _blocks(content: IssueContent, lang: str) -> dict[str, tuple[BlockView, ...]]:
    found: dict[str, list[BlockView]] = {kind.value: [] for kind in BlockKind}
    for block in sorted(content.blocks_for(lang), key=lambda b: (b.position, b.id)):
        view = BlockView(
            kind=block.kind.value,
            heading=t(BLOCK_KEYS[block.kind], lang),
            title=clean_line(block.title),
            paragraphs=clean_paragraphs(block.body),
            link=safe_url(block.link),
        )
        if view.title or view.paragraphs:
            found[block.kind.value].append(view)
    return {kind: tuple(views) for kind, views in found.items()}


def _preheader(
    publication: Publication, sections: Sequence[SectionView], count: int, editorial: str, lang: str
) -> str:
    if not sections:
        return t("render.preheader.empty", lang)
    names = ""
    for n, section in enumerate(sections):
        joined = section.title if n == 0 else f"{names}, {section.title}"
        if len(joined) > PREHEADER_SECTIONS_CHARS:
            names += "…"
            break
        names = joined
    if publication is Publication.PRESS_REVIEW:
        return t(
            "render.preheader.press_review",
            lang,
            items=plural("render.count.items", count, lang),
            sections=names,
        )
    if editorial:
        return t("render.preheader.newsletter_editorial", lang, editorial=editorial, sections=names)
    return t("render.preheader.newsletter", lang, sections=names)


def subject_line(content: IssueContent, lang: str, settings: Settings) -> str:
    issue = content.issue
    period = format_half_open(issue.period_from, issue.period_to, lang, team_zone(settings))
    if content.issue.publication is Publication.PRESS_REVIEW:
        return t("render.subject.press_review", lang, period=period)
    return t("render.subject.newsletter", lang, organisation=organisation_name(settings, lang), period=period)


def edition_view(
    content: IssueContent, lang: str, settings: Settings, personal: PersonalLinks | None = None
) -> EditionView:
    issue = content.issue
    if lang not in LANGUAGES:
        raise said(
            RenderError,
            "render.refused.no_templates",
            language=language_names(lang),
            known=language_names(*LANGUAGES),
        )
    if lang not in issue.languages:
        raise said(
            RenderError,
            "render.refused.no_edition",
            slug=issue.slug,
            language=language_names(lang),
            editions=language_names(*issue.languages),
        )
    sections = _sections(content, lang)
    blocks = _blocks(content, lang)
    count = sum(len(s.items) for s in sections)
    editorial = next((shorten(b.title, 80) for b in blocks[BlockKind.EDITORIAL.value] if b.title), "")
    year = issue_year(content)
    public = bool(settings.site_url.strip())

    def edition_url(code: str) -> str:  # siblings in the archive folder, or absolute on the public site
        return (
            _archive_link(settings, edition_path(year, issue.slug, code), False) if public else f"{code}.html"
        )

    others = tuple(
        EditionLink(other, t("render.archive.language_name", other), edition_url(other))
        for other in issue.languages
        if other != lang and other in LANGUAGES
    )
    online = edition_url(lang) if public else ""
    return EditionView(
        language=lang,
        slug=issue.slug,
        year=year,
        publication=issue.publication.value,
        publication_name=publication_name(issue.publication, lang),
        organisation=organisation_name(settings, lang),
        subject=clean_line(subject_line(content, lang, settings)),
        preheader=clean_line(_preheader(issue.publication, sections, count, editorial, lang)),
        period=format_half_open(issue.period_from, issue.period_to, lang, team_zone(settings)),
        period_from=issue.period_from,
        period_to=issue.period_to,
        sections=sections,
        item_count=count,
        blocks=blocks,
        has_machine=any(i.machine for s in sections for i in s.items),
        online_url=online,
        archive_url=_archive_link(settings, f"index.{lang}.html", True),
        other_editions=others,
        personal=personal,
    )
