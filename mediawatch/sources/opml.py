"""OPML 2.0 export and import of registry sources.

Export writes one ``<outline type="rss">`` per source with the standard attributes (text, title, xmlUrl,
htmlUrl, language, category) and keeps what OPML cannot say in attributes of our own namespace
(:data:`MW_NS`, prefix ``mw``), so that our own export re-imports without loss.

Import also reads foreign OPML (Feedly, FreshRSS, Miniflux, Inoreader...): folders become tags, the id is
the slugified title (``-2``, ``-3`` on clashes), the kind is ``rss``, the language is the outline's
``language`` attribute reduced to its primary subtag or ``"und"`` (undetermined), country ``""``, region
``global``, outlet type ``press``, enabled, not verified. A feed listed in several folders becomes one
source carrying every folder's tag.

One bad outline (no usable URL, an unknown kind, a duplicate) does not lose the others: :func:`read_opml`
returns the good sources and, for each bad outline, its line and the reason.

Parsing is defensive: a document with a DOCTYPE is refused before parsing (OPML never needs one, and it is
how entity-expansion attacks arrive), entities are never resolved, nothing is loaded from the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree  # no lxml stubs in the environment

from mediawatch.errors import Explanation, RegistryError
from mediawatch.i18n import Message
from mediawatch.sources.registry import (
    UNDETERMINED_LANGUAGE,
    registry_error,
    slugify,
    source_from_table,
    url_key,
)
from mediawatch.types import Source

MW_NS = "https://mediawatch.example/opml"
_MW = f"{{{MW_NS}}}"
_XML_DECLARATION_RE = re.compile(r"\A\s*<\?xml[^>]*\?>")
_DOCTYPE_MARKERS = tuple(
    marker.encode(codec)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_FEED_TYPES = ("rss", "atom")  # OPML 2.0: an outline of type "rss" must have an xmlUrl
_LXML_POSITION_RE = re.compile(r",\s*line \d+,\s*column (\d+)\s*$")


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def export_opml(sources: Sequence[Source], title: str = "mediawatch sources") -> str:
    """An OPML 2.0 document listing ``sources`` (flat, in the given order)."""
    root = etree.Element("opml", nsmap={"mw": MW_NS})
    root.set("version", "2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for source in sources:
        outline = etree.SubElement(body, "outline")
        attributes = {
            "type": "rss",
            "text": source.name,
            "title": source.name,
            "xmlUrl": source.url,
            "htmlUrl": source.homepage,
            "language": source.language,
            "category": ",".join(source.tags),
        }
        for name, value in attributes.items():
            if value or name in ("type", "text", "xmlUrl"):
                outline.set(name, value)
        own = {
            "id": source.id,
            "kind": source.kind.value,
            "country": source.country,
            "region": source.region.value,
            "outletType": source.outlet_type.value,
            "enabled": _bool_text(source.enabled),
            "verified": _bool_text(source.verified),
            "notes": source.notes,
        }
        for name, value in own.items():
            if value or name == "country":
                outline.set(_MW + name, value)
    text: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text


# --- import ----------------------------------------------------------------------------------------


def _to_bytes(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    # lxml refuses str input that declares an encoding; the declaration is on line 1, so lines stay put.
    return _XML_DECLARATION_RE.sub("", text.removeprefix("\ufeff"), count=1).encode("utf-8")


def _refuse_doctype(data: bytes, path: str) -> None:
    hits = [index for marker in _DOCTYPE_MARKERS if (index := data.find(marker)) >= 0]
    if hits:
        first = min(hits)
        line = data.count(b"\n", 0, first) + 1
        raise registry_error(path, Message("sources.opml.problem.doctype"), line)


def _parse_xml(text: str | bytes, path: str) -> Any:
    data = _to_bytes(text)
    _refuse_doctype(data, path)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg or exc)  # libxml2's words (English), placed in the reader's
        position = _LXML_POSITION_RE.search(message)
        if position:
            detail, column = message[: position.start()], position.group(1)
            problem = Message("sources.opml.problem.malformed_at", detail=detail, column=column)
        else:
            problem = Message("sources.opml.problem.malformed", detail=message)
        line: int | None = exc.lineno or None
        raise registry_error(path, problem, line) from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:  # e.g. a UTF-32 document the byte scan missed
        raise registry_error(path, Message("sources.opml.problem.doctype"), 1)
    return root


def _language(value: str | None) -> str:
    primary = re.split(r"[-_]", (value or "").strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2}", primary) else UNDETERMINED_LANGUAGE


def _folder_tags(outline: Any) -> list[str]:
    names = [
        ancestor.get("text") or ancestor.get("title") or ""
        for ancestor in outline.iterancestors("outline")
        if not ancestor.get("xmlUrl")
    ]
    return [tag for name in reversed(names) if (tag := slugify(name))]


def _category_tags(value: str | None) -> list[str]:
    tags = []
    for category in (value or "").split(","):
        leaf = category.strip().rstrip("/").rsplit("/", 1)[-1]
        if tag := slugify(leaf):
            tags.append(tag)
    return tags


def _unique_id(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _own_table(outline: Any) -> dict[str, object]:
    """The registry table of an outline written by :func:`export_opml`."""
    table: dict[str, object] = {
        "id": outline.get(_MW + "id"),
        "name": outline.get("title") or outline.get("text") or "",
        "url": outline.get("xmlUrl"),
        "kind": outline.get(_MW + "kind") or "rss",
        "language": outline.get("language") or UNDETERMINED_LANGUAGE,
    }
    optional = {
        "country": outline.get(_MW + "country"),
        "region": outline.get(_MW + "region"),
        "outlet_type": outline.get(_MW + "outletType"),
        "homepage": outline.get("htmlUrl"),
        "notes": outline.get(_MW + "notes"),
    }
    table.update({key: value for key, value in optional.items() if value is not None})
    for flag in ("enabled", "verified"):
        raw = outline.get(_MW + flag)
        if raw is not None:
            table[flag] = {"true": True, "false": False}.get(raw.strip().lower(), raw)
    category = outline.get("category")
    if category:
        table["tags"] = category.split(",")
    return table


def _foreign_table(outline: Any, taken: set[str]) -> dict[str, object]:
    """A registry table for an outline from another feed reader, with documented defaults."""
    url = (outline.get("xmlUrl") or "").strip()
    name = (outline.get("text") or outline.get("title") or "").strip() or url
    host_slug = slugify(re.sub(r"^[a-z]+://(www\.)?", "", url).split("/", 1)[0])
    sid = _unique_id(slugify(name) or host_slug or "feed", taken)
    tags = list(dict.fromkeys(_folder_tags(outline) + _category_tags(outline.get("category"))))
    table: dict[str, object] = {"id": sid, "name": name, "url": url, "kind": "rss", "tags": tags}
    table["language"] = _language(outline.get("language"))
    homepage = (outline.get("htmlUrl") or "").strip()
    if re.match(r"https?://\S+$", homepage, re.IGNORECASE):
        table["homepage"] = homepage
    description = (outline.get("description") or "").strip()
    if description:
        table["notes"] = description
    return table


@dataclass(frozen=True, slots=True)
class OutlineProblem:
    """One feed outline that cannot become a source: where it is, what it says, why it was refused."""

    line: int | None
    outline: str  # its title (or text), else its feed URL
    reason: Explanation  # said in the reader's language: reason.text(lang)


@dataclass(frozen=True, slots=True)
class OpmlImport:
    sources: list[Source]
    problems: list[OutlineProblem]


def import_opml(text: str | bytes, path: str = "<opml>") -> list[Source]:
    """The feeds of an OPML document as registry sources (``Source.file`` is ""); the first bad outline
    raises :class:`RegistryError` (use :func:`read_opml` to keep the good ones)."""
    found = read_opml(text, path)
    if found.problems:
        first = found.problems[0]
        raise registry_error(path, first.reason, first.line)
    return found.sources


def _outline_label(outline: Any) -> str:
    for name in ("title", "text", "xmlUrl"):
        value = " ".join((outline.get(name) or "").split())
        if value:
            return value[:120]
    return ""


def read_opml(text: str | bytes, path: str = "<opml>") -> OpmlImport:
    """Every feed of an OPML document that makes a valid source, and every one that does not, with its
    line and the reason: one bad entry does not lose the others. A document that is not well-formed OPML
    (or declares a DOCTYPE) raises :class:`RegistryError`, as nothing in it can be trusted."""
    root = _parse_xml(text, path)
    if root.tag != "opml":
        raise registry_error(path, Message("sources.opml.problem.not_opml", tag=root.tag), root.sourceline)
    body = root.find("body")
    if body is None:
        raise registry_error(path, Message("sources.opml.problem.no_body"), root.sourceline)
    sources: list[Source] = []
    problems: list[OutlineProblem] = []
    foreign: set[str] = set()  # ids of foreign sources, whose repeats are merged
    by_id: dict[str, int] = {}
    by_url: dict[str, tuple[int, int | None]] = {}
    for outline in body.iter("outline"):
        line: int | None = outline.sourceline
        if not (outline.get("xmlUrl") or "").strip():
            # A feed whose address was lost (type="rss", or an empty xmlUrl) is reported; a folder or a
            # link (type="link") is not a feed and is passed over in silence.
            claims_feed = (outline.get("type") or "").strip().lower() in _FEED_TYPES
            if claims_feed or outline.get("xmlUrl") is not None:
                problem = Message("sources.opml.problem.no_xml_url")
                problems.append(OutlineProblem(line, _outline_label(outline), problem))
            continue
        own = outline.get(_MW + "id") is not None
        table = _own_table(outline) if own else _foreign_table(outline, set(by_id))
        try:
            source = source_from_table(table, path, line)
        except RegistryError as exc:
            problems.append(OutlineProblem(line, _outline_label(outline), exc.problem))
            continue
        key = url_key(source.url)
        if key in by_url:
            index, first_line = by_url[key]
            earlier = sources[index]
            if not own and earlier.id in foreign:
                merged = tuple(dict.fromkeys(earlier.tags + source.tags))
                sources[index] = replace(earlier, tags=merged)
                continue
            problem = Message(
                "sources.registry.in_source",
                id=source.id,
                problem=Message("sources.opml.problem.duplicate_url", line=first_line),
            )
            problems.append(OutlineProblem(line, _outline_label(outline), problem))
            continue
        if source.id in by_id:
            problem = Message(
                "sources.registry.in_source",
                id=source.id,
                problem=Message("sources.opml.problem.duplicate_id"),
            )
            problems.append(OutlineProblem(line, _outline_label(outline), problem))
            continue
        by_id[source.id] = len(sources)
        by_url[key] = (len(sources), line)
        if not own:
            foreign.add(source.id)
        sources.append(source)
    return OpmlImport(sources, problems)
