"""Main text and metadata of one fetched HTML page, as an `Extracted`.

The work is trafilatura's: one parse, one metadata pass, one text extraction per page. Around it this
module adds what the pipeline needs and trafilatura does not decide for us:

- a gate for what is not an HTML page at all (PDF, images, JSON, feeds) -> ``NOT_HTML``, and byte
  decoding that never raises (both in :mod:`mediawatch.collect.page_input`);
- the page language as the page declares it (``<html lang>``, ``og:locale``, ``content-language``),
  a canonical URL (``rel=canonical`` or ``og:url``), and a publication instant when the page gives one;
- partial results instead of exceptions: ``PAYWALL``, ``TOO_SHORT``, ``EXTRACTION_FAILED``, always
  with whatever title and metadata were found.

Bad input never raises. A crash inside trafilatura or lxml on a hostile page is logged and turned into
``EXTRACTION_FAILED``; errors in this module's own code propagate.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import TypedDict
from urllib.parse import urljoin, urlsplit, urlunsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document

from mediawatch.collect.dateline import dateline
from mediawatch.collect.page_input import (
    HTML_TYPES,
    VAGUE_TYPES,
    decode_html,
    is_binary,
    mime_of,
    not_html_text,
)
from mediawatch.identity import host_problem
from mediawatch.types import Extracted, PartialReason

__all__ = [
    "MIN_TEXT_CHARS",
    "ExtractionOptions",
    "decode_html",
    "extract_page",
    "extraction_options",
    "normalise_language",
]

LOG = logging.getLogger(__name__)

MIN_TEXT_CHARS = 250
"""Below this many characters of main text a page is ``TOO_SHORT`` (trafilatura's own
MIN_EXTRACTED_SIZE: shorter results are mostly cookie walls, JS shells and link lists)."""

MAX_HTML_CHARS = 5_000_000
"""Longer documents are cut to this many characters before parsing; article pages are far smaller."""

MAX_TEXT_CHARS = 200_000
"""Stored text is cut to this: a long-read is ~50,000 characters; a page that extracts to millions is junk."""

PAYWALL_TEASER_MAX_CHARS = 900
"""Without a statement that the text was cut, a page is ``PAYWALL`` when its article text is no longer
than a teaser: this many characters per piece of indirect evidence (``isAccessibleForFree: false``, a
paywall box with a message, an invitation to subscribe), counting at most two. Metered sites send the
whole article under the same markup, and then we have the article."""

PAYWALL_VISIBLE_MAX_CHARS = 4000
"""A statement that the text was cut ("il vous reste 80 % de cet article à lire") found elsewhere in the
page than the extracted text or a paywall box counts only below this length."""

_TITLE_MAX = 500
_FIELD_MAX = 200


class ExtractionOptions(TypedDict, total=False):
    """Keyword arguments passed to ``trafilatura.bare_extraction``."""

    fast: bool
    favor_precision: bool
    favor_recall: bool
    include_comments: bool
    include_tables: bool
    include_formatting: bool
    include_links: bool
    include_images: bool


def extraction_options() -> ExtractionOptions:
    """The trafilatura settings, chosen by measurement (docs/extraction.md); a fresh dict per call.

    Only ``include_comments`` differs from trafilatura's defaults: reader comments are not the article,
    and leaving them out raised both quality measures on every language group. ``deduplicate`` stays
    off: it scored lower and its process-wide cache would make results depend on earlier pages.
    """
    return ExtractionOptions(
        fast=False,
        favor_precision=False,
        favor_recall=False,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        include_links=False,
        include_images=False,
    )


# -- what the page declares -------------------------------------------------------------------------

_LANG_ALIASES = {
    # ISO 639-2 codes and names seen in <meta name="language">
    "fra": "fr", "fre": "fr", "french": "fr", "français": "fr", "francais": "fr",
    "eng": "en", "english": "en",
    "spa": "es", "spanish": "es", "español": "es", "espanol": "es", "castellano": "es",
    "deu": "de", "ger": "de", "german": "de", "deutsch": "de",
    "ita": "it", "italian": "it", "italiano": "it",
    "por": "pt", "portuguese": "pt", "português": "pt", "portugues": "pt",
    "nld": "nl", "dut": "nl", "dutch": "nl",
    "cat": "ca", "catalan": "ca", "català": "ca",
    "ara": "ar", "arabic": "ar", "zho": "zh", "chi": "zh", "chinese": "zh",
    "rus": "ru", "russian": "ru", "jpn": "ja", "japanese": "ja",
    "iw": "he", "in": "id", "ji": "yi",
}  # fmt: skip


def normalise_language(value: str | None) -> str:
    """A declared language ("fr-FR", "es_ES", "EN", "fra", "French") as ISO 639-1, or ""."""
    if not value:
        return ""
    first = re.split(r"[,;\s]", value.strip().lower(), maxsplit=1)[0]
    primary = re.split(r"[-_]", first, maxsplit=1)[0]
    if primary in _LANG_ALIASES:
        return _LANG_ALIASES[primary]
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    return ""


_XP_META = etree.XPath("//meta")
_XP_LINKS = etree.XPath("//link[@rel][@href]")
_XP_BASE = etree.XPath("//base[@href]")
_XP_LDJSON = etree.XPath("//script[contains(translate(@type, 'JSONLD', 'jsonld'), 'ld+json')]")
_XP_CLASSED = etree.XPath("//*[@class or @id]")
_WALL_MARK = re.compile(
    r"pay[-_]?wall|reg[-_]?wall|premium[-_]?(?:wall|lock)|(?:article|content)[-_]?locked", re.I
)
_XP_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)
_FREE_FALSE = re.compile(r"""["']?isAccessibleForFree["']?\s*:\s*["']?false""", re.IGNORECASE)
_PUBLISHED_NAMES = frozenset(
    {"article:published_time", "og:article:published_time", "datepublished", "dcterms.issued",
     "dc.date.issued"}
)  # fmt: skip
_JSONLD_PUBLISHED = re.compile(r""""datePublished"\s*:\s*"([^"]{10,40})\"""")


def _meta_key(meta: HtmlElement) -> str:
    return (
        meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or ""
    ).lower()


class _PageFacts:
    """What the raw tree declares, read before trafilatura touches it."""

    __slots__ = ("canonical", "language", "locked", "published", "wall_texts")

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self.language = ""
        self.canonical = ""
        self.locked = False
        self.published: list[str] = []
        og_locale = content_language = og_url = ""
        for meta in _XP_META(tree):
            key = _meta_key(meta)
            content = (meta.get("content") or "").strip()
            if not content:
                continue
            if key == "og:locale" and not og_locale:
                og_locale = content
            elif key in ("content-language", "language", "dc.language") and not content_language:
                content_language = content
            elif key == "og:url" and not og_url:
                og_url = content
            elif key == "article:content_tier" and content.lower() == "locked":
                self.locked = True
            elif key in _PUBLISHED_NAMES:
                self.published.append(content)
        root = tree.getroottree().getroot()
        html_lang = root.get("lang") or root.get("xml:lang") or ""  # the HTML parser keeps "xml:lang" as is
        for declared in (html_lang, og_locale, content_language):
            self.language = normalise_language(declared)
            if self.language:
                break
        base = url
        for element in _XP_BASE(tree):
            base = _absolute(url, element.get("href", "")) or url
            break
        for link in _XP_LINKS(tree):
            if "canonical" in link.get("rel", "").lower().split():
                self.canonical = _absolute(base, link.get("href", ""))
                break
        if not self.canonical and og_url:
            self.canonical = _absolute(base, og_url)
        for script in _XP_LDJSON(tree):
            body = script.text or ""
            if _FREE_FALSE.search(body):
                self.locked = True
            self.published.extend(_JSONLD_PUBLISHED.findall(body))
        self.wall_texts = _wall_texts(tree)


def _wall_texts(tree: HtmlElement) -> list[str]:
    """Folded text of the paywall boxes that carry a message.

    Empty placeholders (filled by script) are not evidence, and a box holding more than a message is a
    wrapper around the article that a metered site hides by script: neither counts.
    """
    kept: set[HtmlElement] = set()
    texts: list[str] = []
    boxes = (
        element
        for element in _XP_CLASSED(tree)
        if element.tag not in ("html", "body", "script", "style")
        and _WALL_MARK.search(f"{element.get('class', '')} {element.get('id', '')}")
    )
    for box in boxes:
        if len(texts) >= 20:
            break
        if any(parent in kept for parent in box.iterancestors()):
            continue
        text = _fold(" ".join(box.itertext()))
        if 0 < len(text) <= _WALL_MESSAGE_MAX_CHARS:
            kept.add(box)
            texts.append(text)
    return texts


def _absolute(base: str, href: str) -> str:
    """``href`` resolved against ``base``; "" unless it is an http(s) URL with a well-formed host."""
    href = href.strip()
    if not href or any(ch in href for ch in "\r\n\t\x00<>\"'` "):
        return ""
    try:
        joined = urljoin(base, href) if base else href
        parts = urlsplit(joined)
        if (
            parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or host_problem(parts.hostname)
        ):
            return ""
        return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))
    except ValueError:  # e.g. a malformed IPv6 host or port
        return ""


# -- paywalls ---------------------------------------------------------------------------------------

# The page says this text was cut: decisive wherever it appears near the text.
_TRUNCATION = re.compile(
    "|".join(
        (
            r"il vous reste (?:encore )?\d+(?:[.,]\d+)? ?% (?:de (?:cet|l')article )?(?:à lire|à découvrir)",
            r"la suite (?:de cet article )?est réservée (?:aux|à nos) abonnés",
            r"the rest of (?:this|the) (?:article|story) is (?:only )?(?:available )?(?:to|for) subscribers",
            r"(?:el )?resto de (?:este|la) (?:artículo|noticia|nota) es (?:exclusivo |solo )?"
            r"para suscriptores",
            r"te queda(?:n)? (?:un )?\d+ ?% (?:de (?:este|la) (?:artículo|noticia) )?por leer",
        )
    )
)
# An invitation to subscribe, or a label: the page is walled, perhaps only metered.
_INVITATION = re.compile(
    "|".join(
        (
            r"subscribe (?:now |today )?(?:to|and) (?:continue|keep) reading",
            r"subscribe (?:now |today )?to (?:read|unlock|access) (?:the (?:full|whole|rest)|more|this)",
            r"(?:this|the) (?:article|story|content) is (?:only )?(?:available )?(?:to|for) "
            r"(?:paying )?subscribers",
            r"subscribers? only|subscriber-only|exclusive (?:content )?for subscribers|already a subscriber",
            r"abonnez-vous (?:pour|afin de) (?:lire|accéder|découvrir|continuer)",
            r"(?:cet article|ce contenu) est réservé aux abonnés|réservée? (?:aux|à nos) abonnés|déjà abonné",
            r"pour (?:lire|découvrir) la suite",
            r"suscr[íi]b(?:e|ase)(?:te)? (?:para|y) (?:seguir|continuar) leyendo",
            r"(?:contenido|artículo) exclusivo para (?:suscriptores|abonados)|solo para suscriptores",
            r"¿ya eres suscriptor",
        )
    )
)
# A meter ("you have reached your limit"): such overlays ride on pages served whole to other readers.
_METER = re.compile(
    r"reached (?:your|the) (?:free )?(?:article |story )?limit|limit of free (?:articles|stories)"
    r"|(?:alcanzado|llegado a) (?:el|tu) límite|limite d'articles gratuits|articles gratuits restants"
)
_TAIL_CHARS = 600
_WALL_MESSAGE_MAX_CHARS = 1500


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u00a0", " ")
    return " ".join(text.split()).casefold()


def _paywalled(tree: HtmlElement, facts: _PageFacts, text: str) -> bool:
    """Whether this page gave us a teaser behind a paywall rather than the article (see the constants)."""
    folded = _fold(text)
    near = " | ".join([folded[-_TAIL_CHARS:], *facts.wall_texts])
    if _TRUNCATION.search(near):
        return True
    # lines that come from a paywall box are not article text
    article_chars = sum(
        len(line) for line in text.splitlines() if not any(_fold(line) in wall for wall in facts.wall_texts)
    )
    evidence = sum((facts.locked, bool(facts.wall_texts), bool(_INVITATION.search(near))))
    if _METER.search(near):
        evidence = min(evidence, 1)
    if not evidence:
        return False
    if article_chars <= PAYWALL_TEASER_MAX_CHARS * min(evidence, 2):
        return True
    if article_chars >= PAYWALL_VISIBLE_MAX_CHARS:
        return False
    visible = _fold(" ".join(str(t) for t in _XP_VISIBLE_TEXT(tree))[:200_000])
    return bool(_TRUNCATION.search(visible))


# -- fields -----------------------------------------------------------------------------------------

_SCRIPT_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,500}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


def _clean_field(value: object, limit: int) -> str:
    """A one-line metadata string: no markup, no control characters, bounded length."""
    if not isinstance(value, str) or not value:
        return ""
    value = _TAG.sub(" ", _SCRIPT_BLOCK.sub(" ", value))
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    value = " ".join(value.split())
    return value[:limit].rstrip()


_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre "
    "diciembre".split()
)
_NOT_AUTHORS = frozenset({"username", "user", "admin", "administrator", "authority control", "webmaster"})


def _clean_author(value: object) -> str:
    """trafilatura's byline without its usual leftovers: repeated names, a trailing month from a
    dateline ("Nathan Willis March"), "last updated" lines and placeholder accounts."""
    names: list[str] = []
    for part in _clean_field(value, _FIELD_MAX * 2).split(";"):
        words = part.split()
        if len(words) >= 3 and words[-1].casefold() in _MONTHS:
            words.pop()
        name = " ".join(words)
        key = name.casefold()
        if not name or key in _NOT_AUTHORS or "updated" in key or key in (n.casefold() for n in names):
            continue
        names.append(name)
    return "; ".join(names)[:_FIELD_MAX].rstrip()


def _clean_text(value: object) -> str:
    if not isinstance(value, str):
        return ""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    text = "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())
    if len(text) > MAX_TEXT_CHARS:  # cut at a paragraph when there is one in the last tenth
        cut = text.rfind("\n", MAX_TEXT_CHARS * 9 // 10, MAX_TEXT_CHARS)
        text = text[: cut if cut > 0 else MAX_TEXT_CHARS]
    return text


_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_DAY_BEFORE = timedelta(hours=14)
_DAY_AFTER = timedelta(hours=36)


def _date(day: object, published: list[str], html: str) -> datetime | None:
    """When the page was published, as an aware datetime.

    trafilatura gives a day (through htmldate, which weighs every date on the page). When the page also
    states an exact instant with an offset (``article:published_time``, JSON-LD ``datePublished``) that
    falls on that day in some time zone, the instant is kept with the page's own offset, so that its day
    is the page's day (21:30 at -08:00 is that evening, not the next UTC morning; the store keeps the same
    instant in UTC); otherwise the day, as midnight UTC. A page
    where trafilatura finds no day gets its first plausible stated instant. A 1 January that the page
    never writes out is htmldate reading a bare year (a copyright line, "in 2013"): no date beats it.
    """
    midnight: datetime | None = None
    if isinstance(day, str):
        try:
            midnight = datetime.strptime(day[:10], "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            midnight = None
    latest = datetime.now(UTC) + timedelta(days=1)
    for stamp in published:
        try:
            instant = datetime.fromisoformat(stamp.strip())
        except ValueError:
            continue
        if instant.tzinfo is None or not _EARLIEST <= instant <= latest:
            continue
        # the local day D at UTC offsets -12h..+14h spans [D - 14h, D + 36h) in UTC
        if midnight is None:
            return instant
        if -_DAY_BEFORE <= instant - midnight < _DAY_AFTER:
            return _on_day(instant, midnight)
    if midnight is not None and (midnight.month, midnight.day) == (1, 1):
        y = midnight.year
        if not any(form in html for form in (f"{y}-01-01", f"{y}/01/01", f"01/01/{y}", f"01.01.{y}")):
            return None
    return midnight


def _on_day(instant: datetime, midnight: datetime) -> datetime:
    """``instant`` as it reads on the page's day: many pages state the instant in UTC and show their
    local day (02:25Z beside "February 24" on a site in America). The instant is kept exactly; only the
    offset it is written in moves, to the nearest one (-12h..+14h, whole hours) that puts it on that day.
    """
    if instant.date() == midnight.date():
        return instant
    utc = instant.astimezone(UTC)
    for hours in sorted(range(-12, 15), key=abs):
        shifted = utc.astimezone(timezone(timedelta(hours=hours)))
        if shifted.date() == midnight.date():
            return shifted
    return instant


# -- the entry point --------------------------------------------------------------------------------


def _empty(reason: PartialReason) -> Extracted:
    return Extracted("", "", "", None, "", "", "", partial_reason=reason)


def extract_page(html: bytes | str, url: str, content_type: str = "") -> Extracted:
    """Text and metadata of one page; a partial result (``partial_reason`` set) instead of raising."""
    mime = mime_of(content_type)
    if mime not in HTML_TYPES and mime not in VAGUE_TYPES:
        return _empty(PartialReason.NOT_HTML)
    if isinstance(html, bytes):
        if is_binary(html):
            return _empty(PartialReason.NOT_HTML)
        html = decode_html(html[: MAX_HTML_CHARS * 2], content_type)
    html = html[:MAX_HTML_CHARS]
    if not html.strip():
        return _empty(PartialReason.EXTRACTION_FAILED)
    if not_html_text(html, mime in VAGUE_TYPES):
        return _empty(PartialReason.NOT_HTML)
    try:
        tree = trafilatura.load_html(html)
    except Exception:  # lxml on hostile markup: the page is unusable, the batch goes on
        LOG.warning("cannot parse HTML of %s", url, exc_info=True)
        tree = None
    if tree is None:
        return _empty(PartialReason.EXTRACTION_FAILED)

    facts = _PageFacts(tree, url)
    try:
        # extensive=False skips htmldate's free-text date search (dateparser): measured, no loss of date
        # agreement on the gold pages, and 45 MB and ~1.5 s of CPU less per extraction worker.
        meta = trafilatura.extract_metadata(tree, default_url=url or None, extensive=False)
        document = trafilatura.bare_extraction(
            tree, url=url or meta.url or None, with_metadata=False, **extraction_options()
        )
    except Exception:  # a third-party crash on one page must not end the run
        LOG.warning("trafilatura failed on %s", url, exc_info=True)
        return Extracted(
            title=_clean_field(tree.findtext(".//title"), _TITLE_MAX),
            text="",
            author="",
            date=None,
            sitename="",
            language=facts.language,
            canonical_url=facts.canonical,
            partial_reason=PartialReason.EXTRACTION_FAILED,
        )

    text = _clean_text(document.text) if isinstance(document, Document) else ""
    reason: PartialReason | None = None
    if _paywalled(tree, facts, text):
        reason = PartialReason.PAYWALL
    elif not text:
        reason = PartialReason.EXTRACTION_FAILED
    elif len(text) < MIN_TEXT_CHARS:
        reason = PartialReason.TOO_SHORT
    return Extracted(
        title=_clean_field(meta.title, _TITLE_MAX),
        text=text,
        author=_clean_author(meta.author),
        date=_date(meta.date, facts.published, html) or dateline(tree, text, facts.language),
        sitename=_clean_field(meta.sitename, _FIELD_MAX),
        language=facts.language,
        canonical_url=facts.canonical,
        partial_reason=reason,
    )
