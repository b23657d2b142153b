"""Feed parsing: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF (via feedparser) and JSON Feed 1/1.1.

``parse_feed`` turns a fetched body into a ``ParsedFeed`` or raises ``ParseError``. It does no I/O:
feedparser only ever sees an in-memory stream (given ``bytes`` directly it would treat them as a
file name or URL and open it).

Outcomes, in the FetchStatus vocabulary:

- a feed with usable entries -> ``ParsedFeed``; feedparser's "bozo" problems it recovered from
  (wrong declared encoding, undefined entity, mismatched tag, non-XML media type) become readable
  ``warnings``;
- a feed that parses but yields no usable entry -> ``ParsedFeed`` with no entries. It is not an
  exception: the document is fine, the source is just empty right now, and the caller records
  ``FetchStatus.EMPTY`` (the warnings say if entries were skipped for lack of a link);
- ``ParseError(NOT_A_FEED)``: an empty body, an HTML page, some other XML vocabulary, JSON that is
  not a JSON Feed, text or binary;
- ``ParseError(PARSE_ERROR)``: an XML document with an internal DTD subset, whatever it holds
  (refused before parsing: billion laughs, quadratic blowup, external entities, and the tricks that
  hide an entity declaration from a scanner; no real feed needs one), or one whose parser meets an
  entity declaration anyway (feedparser reads XML through defusedxml's expat reader); a malformed XML
  feed from which no entry could be recovered (typically a truncated document: the XML error,
  with its line, is the detail); broken JSON that says it is a JSON Feed. One exception: when the
  only XML error is an undefined (HTML) entity such as ``&nbsp;``, which feedparser's lenient
  parser resolves, and the feed's title or link was read, the feed is reported as parsed and
  empty, with the error among the warnings.

feedparser 6.0.14 does not read JSON Feed (support arrived in its unreleased 6.1 branch), so JSON
is parsed here with the standard ``json`` module (no object hooks, nothing executed).
"""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser
from defusedxml import DefusedXmlException

from mediawatch.collect.dates import parse_date, to_utc
from mediawatch.collect.feedtrim import MAX_PERSON_CHARS, trim_person_elements
from mediawatch.collect.publisher import entry_publisher, strip_publisher, title_echo
from mediawatch.collect.urls import resolve_redirect_link
from mediawatch.collect.xmlguard import charset_checked, check_xml_safety, declaration_checked
from mediawatch.errors import ParseError
from mediawatch.identity import canonical_url
from mediawatch.types import FeedEntry, FetchStatus

__all__ = ["MAX_SUMMARY_CHARS", "MAX_TITLE_CHARS", "ParsedFeed", "html_to_text", "parse_feed"]

MAX_SUMMARY_CHARS = 2000
MAX_TITLE_CHARS = 500
MAX_AUTHOR_CHARS = 200
# Past this a link is not an article's address but an attack (or a broken feed): browsers and servers
# cap URLs near it, and a key that long breaks PostgreSQL's index of URL aliases.
MAX_LINK_CHARS = 2048
_MAX_HTML_INPUT = 60_000  # characters of markup looked at to produce a summary
_ROOT_FEED_NAMES = frozenset({"rss", "feed", "rdf", "channel"})


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its own metadata as plain text, its usable entries, what went wrong on the way."""

    title: str
    link: str
    language: str  # "" when absent
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...]  # readable problems that did not prevent parsing


# --- plain text ----------------------------------------------------------------------------------

_SKIPPED_ELEMENTS = frozenset({"script", "style", "template", "noscript", "head", "svg", "math"})
_BLOCK_ELEMENTS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_ELEMENTS:
            self._skip_depth += 1
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_ELEMENTS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


# Control characters (a terminal's escape sequences) and the bidirectional overrides and isolates, which
# turn the rest of a line around ("Trojan Source" spoofing) wherever a title is shown; line breaks and
# tabs stay, as whitespace.
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
     *range(0x2066, 0x206A)]
)  # fmt: skip


def html_to_text(markup: str, limit: int = 0) -> str:
    """Plain text of an HTML fragment: tags removed (script/style content too), entities decoded,
    control and text-direction characters dropped, whitespace collapsed; cut at a word boundary with
    "…" when longer than ``limit`` (0: no cap)."""
    if not markup:
        return ""
    markup = markup[:_MAX_HTML_INPUT]
    if "<" in markup or "&" in markup:
        collector = _TextCollector()
        try:
            collector.feed(markup)
            collector.close()
            text = "".join(collector.parts)
        except (AssertionError, ValueError):  # pragma: no cover - html.parser is very tolerant
            text = re.sub(r"<[^>]*>", " ", markup)
        # Publishers double-escape ("&amp;eacute;"): one more round of unescaping is safe on text.
        if "&" in text:
            text = unescape(text)
    else:
        text = markup
    text = " ".join(text.translate(_INVISIBLE).split())
    if limit and len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
        text = cut.rstrip(" ,;:.-") + "…"
    return text


# --- JSON Feed -----------------------------------------------------------------------------------


def _json_str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _json_author(item: dict[str, Any], feed: dict[str, Any]) -> str:
    """The item's authors, else the feed's, within the 200 characters an RSS author gets: a feed-level
    name is copied into every item, so a megabyte of it cost a megabyte per stored article."""
    for holder in (item, feed):
        authors = holder.get("authors")
        if isinstance(authors, list):
            names = [_json_str(a.get("name")) for a in authors[:20] if isinstance(a, dict)]
            names = [n for n in names if n]
            if names:
                return html_to_text(", ".join(names), MAX_AUTHOR_CHARS)
        author = holder.get("author")
        if isinstance(author, dict) and _json_str(author.get("name")):
            return html_to_text(_json_str(author.get("name")), MAX_AUTHOR_CHARS)
    return ""


def _is_json_feed(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return False
    version = _json_str(data.get("version"))
    # Lenient: some producers write "1", "1.0" or "1.1" instead of the version URL.
    return "jsonfeed.org/version/" in version or version in ("1", "1.0", "1.1")


def _json_link(item: dict[str, Any]) -> str:
    link = _json_str(item.get("url")) or _json_str(item.get("external_url"))
    item_id = _json_str(item.get("id"))
    if not link and item_id.startswith(("http://", "https://")):
        link = item_id
    return link


def _parse_json_feed(body: bytes, url: str, max_entries: int) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        if b"jsonfeed.org/version" in body[:4096]:
            raise ParseError(url, FetchStatus.PARSE_ERROR, f"broken JSON Feed: {exc}") from None
        raise ParseError(url, FetchStatus.NOT_A_FEED, "document is not a feed (malformed JSON)") from None
    if not _is_json_feed(data):
        raise ParseError(url, FetchStatus.NOT_A_FEED, "JSON document is not a JSON Feed")
    feed_link = _json_str(data.get("home_page_url"))
    collector = _EntryCollector(url, max_entries)
    for item in data["items"]:
        if collector.full:
            if isinstance(item, dict) and collector.accepts(_json_link(item)):
                collector.truncated = True
                break
            continue
        if not isinstance(item, dict):
            collector.skip_unusable()
            continue
        item_id = item.get("id")
        guid = (
            str(item_id).strip() if isinstance(item_id, str | int) and not isinstance(item_id, bool) else ""
        )
        summary = _json_str(item.get("summary")) or _json_str(item.get("content_text"))
        summary = html_to_text(summary or _json_str(item.get("content_html")), MAX_SUMMARY_CHARS)
        published = parse_date(_json_str(item.get("date_published"))) or parse_date(
            _json_str(item.get("date_modified"))
        )
        collector.add(
            link=_json_link(item),
            title=html_to_text(_json_str(item.get("title")), MAX_TITLE_CHARS),
            summary=summary,
            author=_json_author(item, data),
            published=published,
            guid=guid,
        )
    return ParsedFeed(
        title=html_to_text(_json_str(data.get("title")), MAX_TITLE_CHARS),
        link=canonical_url(feed_link, url) if feed_link else "",
        language=_json_str(data.get("language")).lower(),
        entries=tuple(collector.entries),
        warnings=tuple(collector.warnings()),
    )


# --- entries -------------------------------------------------------------------------------------


class _EntryCollector:
    """Builds FeedEntry values: resolves and canonicalises links, skips and de-duplicates."""

    def __init__(self, base: str, max_entries: int) -> None:
        self.base = base
        self.max_entries = max(0, max_entries)
        self.entries: list[FeedEntry] = []
        self._seen: set[str] = set()
        self.unusable = 0
        self.too_long = 0
        self.duplicates = 0
        self.truncated = False

    @property
    def full(self) -> bool:
        return len(self.entries) >= self.max_entries

    def skip_unusable(self) -> None:
        self.unusable += 1

    def _usable(self, link: str) -> tuple[str, str] | None:
        """(absolute link, canonical URL) or None when the link is not http(s)."""
        absolute = _absolute(link, self.base) if link else ""
        if not absolute.lower().startswith(("http://", "https://")) or len(absolute) > MAX_LINK_CHARS:
            return None
        return absolute, canonical_url(resolve_redirect_link(absolute))

    def accepts(self, link: str) -> bool:
        """Would an entry with this link be kept if there were room?"""
        usable = self._usable(link)
        return usable is not None and usable[1] not in self._seen

    def add(self, *, link: str, title: str, summary: str, author: str, published: datetime | None,
            guid: str, publisher: str = "", publisher_url: str = "") -> None:  # fmt: skip
        usable = self._usable(link)
        if usable is None:
            if len(link) > MAX_LINK_CHARS:
                self.too_long += 1
            else:
                self.unusable += 1
            return
        absolute, url = usable
        if url in self._seen:
            self.duplicates += 1
            return
        if self.full:
            self.truncated = True
            return
        self._seen.add(url)
        self.entries.append(
            FeedEntry(
                url=url,
                raw_url=absolute,
                title=title,
                summary=summary,
                author=author,
                published=published,
                guid=guid or absolute,
                publisher=publisher,
                publisher_url=publisher_url,
            )
        )

    def warnings(self) -> list[str]:
        out = []
        if self.unusable:
            out.append(f"{_count(self.unusable, 'entry', 'entries')} without a usable http(s) link skipped")
        if self.too_long:
            too_long = _count(self.too_long, "entry", "entries")
            out.append(f"{too_long} with a link over {MAX_LINK_CHARS} characters skipped")
        if self.duplicates:
            duplicates = _count(self.duplicates, "duplicate entry", "duplicate entries")
            out.append(f"{duplicates} (same canonical URL) dropped")
        if self.truncated:
            out.append(f"feed truncated to the first {self.max_entries} entries")
        return out


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _absolute(link: str, base: str) -> str:
    link = link.strip()
    if not base:
        return link
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def _text_of(entry: Any, key: str, limit: int) -> str:
    value = entry.get(key)
    return html_to_text(value, limit) if isinstance(value, str) else ""


def _entry_link(entry: Any) -> str:
    link = entry.get("link")
    if isinstance(link, str) and link.strip():
        return link.strip()
    links = entry.get("links") or []
    for rel in ("alternate", None):
        for candidate in links:
            href = candidate.get("href")
            if isinstance(href, str) and href.strip() and (rel is None or candidate.get("rel") == rel):
                if rel is None and candidate.get("rel") in ("enclosure", "self", "replies", "edit"):
                    continue
                return href.strip()
    entry_id = entry.get("id")
    if isinstance(entry_id, str) and entry_id.strip().startswith(("http://", "https://")):
        return entry_id.strip()
    return ""


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            moment = to_utc(value)
            if moment is not None:
                return moment
    for key in ("published", "updated", "created", "dc_date", "date"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            moment = parse_date(value)
            if moment is not None:
                return moment
    return None


def _entry_author(entry: Any) -> str:
    detail = entry.get("author_detail")
    if detail and isinstance(detail.get("name"), str) and detail.get("name").strip():
        return html_to_text(detail["name"], MAX_AUTHOR_CHARS)
    author = entry.get("author")
    if isinstance(author, str):
        return html_to_text(author, MAX_AUTHOR_CHARS)
    return ""


def _entry_summary(entry: Any) -> str:
    summary = entry.get("summary")
    if isinstance(summary, str) and summary.strip():
        return html_to_text(summary, MAX_SUMMARY_CHARS)
    for content in entry.get("content") or []:
        value = content.get("value")
        if isinstance(value, str) and value.strip():
            return html_to_text(value, MAX_SUMMARY_CHARS)
    return ""


# --- feedparser ----------------------------------------------------------------------------------


def _describe_bozo(exc: Any) -> str:
    name = type(exc).__name__
    get_line = getattr(exc, "getLineNumber", None)
    get_message = getattr(exc, "getMessage", None)
    if callable(get_line) and callable(get_message):
        try:
            return f"XML error at line {get_line()}, column {exc.getColumnNumber()}: {get_message()}"
        except (AttributeError, TypeError):  # pragma: no cover - SAXParseException without locator
            pass
    if name == "CharacterEncodingOverride":
        return f"character encoding: {exc}"
    if name == "NonXMLContentType":
        return f"content type: {exc}"
    return f"{name}: {exc}"


def _is_xml_syntax_error(exc: Any) -> bool:
    return callable(getattr(exc, "getLineNumber", None)) or type(exc).__name__ == "SAXException"


def _harmless_without_entries(exc: Any, result: Any) -> bool:
    """An XML error that cost nothing: an HTML entity (``&nbsp;``) the lenient parser resolved, in
    a feed whose title or link it read. Truncation, mismatched tags and the like are not."""
    message = str(getattr(exc, "getMessage", lambda: "")())
    feed = result.get("feed") or {}
    recovered = any(isinstance(feed.get(key), str) and feed[key].strip() for key in ("title", "link"))
    return message == "undefined entity" and recovered


def _looks_like(body: bytes, root: str) -> str:
    """Short human description of a non-feed document, for the error detail."""
    if not body.strip():
        return "empty document"
    if root in ("html", "head", "body") or re.search(rb"<(?:!doctype\s+html|html[\s>])", body[:4096], re.I):
        return "an HTML page"
    if root:
        return f"XML with root element <{root}>"
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "markup without a feed element"
    if b"\x00" in body[:1024]:
        return "binary data"
    return "text that is not XML"


def parse_feed(body: bytes, url: str, content_type: str = "", max_entries: int = 500) -> ParsedFeed:
    """Parse a fetched feed document (RSS, Atom, RDF, CDF or JSON Feed); see the module docstring.

    ``url`` is the feed's final URL (base for relative links, named in errors); ``content_type``
    the HTTP Content-Type header, whose charset feedparser weighs against the XML declaration
    (RFC 3023). Entry links are made absolute, unwrapped when they are news-search redirects
    (``resolve_redirect_link``) and canonicalised; ``raw_url`` keeps the absolute link as the
    feed gave it. Entries are de-duplicated by canonical URL, the first occurrence winning, and at
    most ``max_entries`` are kept. Entries without an http(s) link are skipped.
    """
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise ParseError(url, FetchStatus.NOT_A_FEED, "document is not a feed (empty document)")
    mime = content_type.split(";", 1)[0].strip().lower()
    if stripped[:1] in (b"{", b"[") or mime in ("application/feed+json", "application/json"):
        if stripped[:1] != b"<":
            return _parse_json_feed(stripped, url, max_entries)

    root = check_xml_safety(body, url)
    content_type, charset_warning = charset_checked(body, content_type)
    body, declaration_warning = declaration_checked(body)
    body, persons_cut = trim_person_elements(body, content_type)
    headers = {"content-type": content_type or "application/xml"}
    if url:
        headers["content-location"] = url
    try:
        result = feedparser.parse(
            io.BytesIO(body), response_headers=headers, resolve_relative_uris=False, sanitize_html=False
        )
    except RecursionError:
        raise ParseError(url, FetchStatus.PARSE_ERROR, "document nested too deeply") from None
    except DefusedXmlException as exc:
        detail = f"XML entity or DTD declarations are refused ({type(exc).__name__}: {exc})"
        raise ParseError(url, FetchStatus.PARSE_ERROR, detail[:300]) from None
    except Exception as exc:  # a hostile document must not crash a run: it is a parse failure
        detail = f"feedparser failed: {type(exc).__name__}: {exc}"
        raise ParseError(url, FetchStatus.PARSE_ERROR, detail) from None

    bozo = result.get("bozo_exception") if result.get("bozo") else None
    version = result.get("version") or ""
    raw_entries = result.get("entries") or []
    warnings: list[str] = [_describe_bozo(bozo)] if bozo is not None else []
    warnings[:0] = [w for w in (charset_warning, declaration_warning) if w]
    if persons_cut:
        cut = _count(persons_cut, "author element", "author elements")
        warnings.append(f"{cut} over {MAX_PERSON_CHARS} characters cut")

    if not version and root not in _ROOT_FEED_NAMES:
        # An HTML page or another XML vocabulary, even if the lenient parser found <item>s in it.
        detail = f"document is not a feed ({_looks_like(body, root)})"
        raise ParseError(url, FetchStatus.NOT_A_FEED, detail)
    if not raw_entries:
        if bozo is not None and _is_xml_syntax_error(bozo) and not _harmless_without_entries(bozo, result):
            raise ParseError(url, FetchStatus.PARSE_ERROR, _describe_bozo(bozo))
    elif not version:
        warnings.append(f"feed format not recognised (root element <{root}>); entries read anyway")

    collector = _EntryCollector(url, max_entries)
    for entry in raw_entries:
        if collector.full:
            if collector.accepts(_entry_link(entry)):
                collector.truncated = True
                break
            continue
        # An aggregator's item names its publisher (<source>) and repeats it in the title and summary.
        publisher, publisher_url = entry_publisher(entry, html_to_text)
        title = strip_publisher(_text_of(entry, "title", MAX_TITLE_CHARS), publisher)
        summary = _entry_summary(entry)
        collector.add(
            link=_entry_link(entry),
            title=title,
            summary="" if title and title_echo(summary, title, publisher) else summary,
            author=_entry_author(entry),
            published=_entry_date(entry),
            guid=str(entry.get("id") or "").strip(),
            publisher=publisher,
            publisher_url=publisher_url,
        )
    feed = result.get("feed") or {}
    feed_link = feed.get("link")
    feed_link = feed_link.strip() if isinstance(feed_link, str) else ""
    language = feed.get("language")
    language = language.strip().lower() if isinstance(language, str) else ""
    return ParsedFeed(
        title=_text_of(feed, "title", MAX_TITLE_CHARS),
        link=canonical_url(feed_link, url or None) if feed_link else "",
        language=language,
        entries=tuple(collector.entries),
        warnings=tuple(warnings + collector.warnings()),
    )
