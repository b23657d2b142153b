"""Guards in front of feedparser: what an XML document may declare, and which charset it is really in.

``check_xml_safety`` scans the prolog (declaration, comments, processing instructions, DOCTYPE) and
refuses any internal DTD subset, and ``create_parser`` is the SAX parser feedparser uses (defusedxml's
expat reader, entity declarations refused inside the parser): two lines, so a trick that fools one is
stopped by the other.  ``charset_checked`` weighs the HTTP charset against the bytes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import feedparser.api
from defusedxml.expatreader import DefusedExpatParser

from mediawatch.errors import ParseError
from mediawatch.types import FetchStatus

_MAX_PROLOG = 64 * 1024  # bytes of XML prolog we are willing to scan


def create_parser() -> DefusedExpatParser:
    """The SAX parser feedparser uses (named in its PREFERRED_XML_PARSERS, which ``xml.sax`` imports).

    Second line of defence behind the prolog scan: defusedxml's expat reader refuses any entity
    declaration inside the parser itself, including those feedparser re-inserts from a DOCTYPE it
    rewrote.  External references stay allowed: feedparser never fetches them (external general
    entities are off), and old RSS 0.91 feeds name Netscape's DTD.
    """
    return DefusedExpatParser(forbid_dtd=False, forbid_entities=True, forbid_external=False)


feedparser.api.PREFERRED_XML_PARSERS[:] = [__name__]

_UTF32_BE = (b"\x00\x00\xfe\xff", b"\x00\x00\x00<")
_UTF32_LE = (b"\xff\xfe\x00\x00", b"<\x00\x00\x00")
_UTF16_BE = (b"\xfe\xff", b"\x00<\x00")
_UTF16_LE = (b"\xff\xfe", b"<\x00")


def _prolog_text(body: bytes) -> str:
    """The first bytes of the document decoded just well enough to read its markup."""
    head = body[:_MAX_PROLOG]
    if head.startswith(b"\xef\xbb\xbf"):  # the UTF-8 BOM, which would hide the prolog from the scan
        head = head[3:]
    if head.startswith(_UTF32_BE):
        codec = "utf-32-be"
    elif head.startswith(_UTF32_LE):
        codec = "utf-32-le"
    elif head.startswith(_UTF16_BE):
        codec = "utf-16-be"
    elif head.startswith(_UTF16_LE):
        codec = "utf-16-le"
    elif head.startswith(b"\x4c\x6f\xa7\x94"):  # "<?xm" in EBCDIC
        codec = "cp037"
    else:
        codec = "latin-1"  # ASCII-compatible and never fails: enough to read markup
    return head.decode(codec, errors="ignore").lstrip("\ufeff")


@dataclass(frozen=True, slots=True)
class _Prolog:
    root: str  # name of the first element, "" if none was reached
    subset: str  # text of the internal DTD subset(s), "" if none
    unterminated: bool  # the scanned window ended inside the prolog
    has_subset: bool = False  # a DOCTYPE opened an internal subset ("[")


def _scan_prolog(text: str) -> _Prolog:
    """Walk the XML prolog (declaration, comments, processing instructions, DOCTYPE) up to the root."""
    pos = 0
    n = len(text)
    subset = ""
    opened = False
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            return _Prolog("", subset, unterminated=True, has_subset=opened)
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                return _Prolog("", subset, unterminated=True)
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return _Prolog("", subset, unterminated=True)
            pos = end + 3
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            start = pos + 9
            pos, declared = _skip_doctype(text, start)
            subset += declared
            end = pos if pos >= 0 else n
            # A bracket anywhere in the declaration counts, even inside a quoted external id: the
            # scanner cannot be fooled by comments or strings in the subset, and no real feed pays.
            opened = opened or "[" in text[start:end]
            if pos < 0:
                return _Prolog("", subset, unterminated=True, has_subset=opened)
        else:
            match = re.match(r"<([A-Za-z_][\w.:-]*)", text[pos : pos + 256])
            name = match.group(1) if match else ""
            return _Prolog(name, subset, unterminated=False, has_subset=opened)


def _skip_doctype(text: str, pos: int) -> tuple[int, str]:
    """Position after a DOCTYPE declaration (-1 if unterminated) and its internal subset."""
    quote = ""
    subset_start = -1
    i = pos
    n = len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and subset_start < 0:
            quote = ch
        elif ch == "[" and subset_start < 0:
            subset_start = i + 1
        elif ch == "]" and subset_start >= 0:
            close = text.find(">", i)
            return (close + 1 if close >= 0 else -1), text[subset_start:i]
        elif ch == ">" and subset_start < 0:
            return i + 1, ""
        i += 1
    return -1, text[subset_start:] if subset_start >= 0 else ""


def check_xml_safety(body: bytes, url: str) -> str:
    """Refuse entity declarations in the prolog; return the root element's local name (lower).

    Only the prolog is read (it ends at the root element, normally within a few hundred bytes),
    decoded just enough to see markup, including UTF-16/32. A prolog still unfinished after 64 KB
    is refused as well: declarations could hide beyond the window.
    """
    prolog = _scan_prolog(_prolog_text(body))
    if re.search(r"<!ENTITY", prolog.subset, re.IGNORECASE):
        raise ParseError(
            url,
            FetchStatus.PARSE_ERROR,
            "XML entity declarations are refused (internal DTD subset declaring entities: "
            "entity expansion or external entity attack, or at best a needless risk)",
        )
    if prolog.has_subset:
        raise ParseError(
            url,
            FetchStatus.PARSE_ERROR,
            "XML internal DTD subsets are refused (a DOCTYPE with [...] can declare entities; "
            "no feed needs one)",
        )
    if prolog.unterminated and len(body) > _MAX_PROLOG:
        raise ParseError(
            url,
            FetchStatus.PARSE_ERROR,
            f"XML prolog longer than {_MAX_PROLOG // 1024} KB refused (declarations could hide beyond it)",
        )
    return prolog.root.rpartition(":")[2].lower()


_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([^\s;"']+)""", re.IGNORECASE)


def charset_checked(body: bytes, content_type: str) -> tuple[str, str]:
    """The Content-Type to give feedparser, and a warning when its charset contradicts the bytes.

    The header is a hint checked against the bytes: non-ASCII bytes that decode as strict UTF-8 are
    UTF-8 (a legacy text almost never does), whatever single-byte charset the header names; every
    byte is valid koi8-r or latin-1, so only this test shows that lie.  The warning has the words
    feedparser uses for the opposite lie (header UTF-8, bytes not), so both read the same.
    """
    match = _CHARSET_PARAM.search(content_type)
    if match is None:
        return content_type, ""
    label = match.group(1)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return content_type, ""
    data = body.removeprefix(b"\xef\xbb\xbf")
    wide_lie = _not_ascii_based(codec) and _ascii_markup(data)
    if not wide_lie and (codec.startswith("utf") or data.isascii()):
        return content_type, ""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return content_type, ""
    fixed = content_type[: match.start(1)] + "utf-8" + content_type[match.end(1) :]
    return fixed, f"character encoding: document declared as {label[:40]}, but parsed as utf-8"


_DECLARATION = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")


def declaration_checked(body: bytes) -> tuple[bytes, str]:
    """The document with an impossible XML declaration corrected, and a warning when it was.

    Bytes that begin with ASCII markup (``<?xml``) are not UTF-16, UTF-32 or EBCDIC, whatever the
    declaration says (XML 1.0, appendix F): a declaration naming one of those on bytes that decode as
    UTF-8 is rewritten to say utf-8, as a lying HTTP charset is overridden.  Only its label changes."""
    data = body.removeprefix(b"\xef\xbb\xbf")
    match = _DECLARATION.match(data)
    if match is None or not _ascii_markup(data):
        return body, ""
    label = match.group(1).decode("ascii")
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return body, ""
    if not _not_ascii_based(codec):
        return body, ""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return body, ""
    start, end = match.span(1)
    offset = len(body) - len(data)
    fixed = body[: offset + start] + b"utf-8" + body[offset + end :]
    return fixed, f"character encoding: document declared as {label.lower()}, but parsed as utf-8"


def _not_ascii_based(codec: str) -> bool:
    """UTF-16/32 and EBCDIC: charsets in which ``<?xml`` is not those five ASCII bytes."""
    try:
        return b"<?xml" not in "<?xml".encode(codec)
    except UnicodeError:
        return False


def _ascii_markup(data: bytes) -> bool:
    """Does the document begin with markup in ASCII bytes (``<`` then a byte that is not NUL)?"""
    head = data.lstrip(b" \t\r\n")
    return head[:1] == b"<" and head[1:2] not in (b"", b"\x00")
