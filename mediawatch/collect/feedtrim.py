"""Person elements cut short before feedparser reads a feed.

feedparser looks for an e-mail address in the text of ``<author>``, ``dc:creator``, ``dc:publisher``,
``itunes:author``, ``managingEditor`` and ``webMaster`` with a regular expression that backtracks over
every run of name characters: its cost grows with the square of the text (20 KB: 1.4 s of CPU, 300 KB:
about 330 s), so one hostile author cost the whole feed its CPU budget.  The stored author is cut at 200
characters anyway, so the character data of those elements (and ``contributor``) is cut to
``MAX_PERSON_CHARS`` here, with ``&#8230;`` ("…") to show the cut.

The rewrite is lexical and bounded: one forward scan that steps over comments, CDATA sections and
processing instructions, and inside a person element only shortens text runs and CDATA contents, never
markup, so it cannot make a document well-formed that was not (the XML parser and its guards stay in
charge).  A cut never splits a character or an entity reference.  The bytes are read as latin-1 (one
character per byte) when the document's encoding keeps ASCII as ASCII; UTF-16 and UTF-32 are decoded and
encoded again; a document in a stateful or other encoding is left untouched.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["MAX_PERSON_CHARS", "trim_person_elements"]

# Bytes (characters in UTF-16/32) of character data kept in one person element: the stored author is
# 200 characters, and a feed made only of authors this long costs about 5 times a plain one to parse.
MAX_PERSON_CHARS = 512
_ELLIPSIS = "&#8230;"
_MAX_TAG = 512  # characters of attributes looked at in a person element's start tag

_PERSONS = "author|creator|publisher|managingeditor|webmaster|contributor"
# A person element's start tag (any prefix), or something whose content must be stepped over.
_NEXT = re.compile(
    rf"<!\[CDATA\[|<!--|<\?|<(?P<name>(?:[A-Za-z_][\w.-]*:)?(?:{_PERSONS}))(?P<attrs>\s[^<>]{{0,{_MAX_TAG}}})?>",
    re.IGNORECASE,
)
_CLOSERS = {"<![CDATA[": "]]>", "<!--": "-->", "<?": "?>"}
_TAG = re.compile(rf"<[^<>]{{0,{_MAX_TAG}}}>")
_STATEFUL = ("iso2022", "utf_7", "utf-7", "hz")
_PROBE = "<>/&;#![]-?=:'\" \t\r\nabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^\s;"']+)""", re.IGNORECASE)
_WIDE = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_WIDE_NO_BOM = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
                (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"))  # fmt: skip


def trim_person_elements(body: bytes, content_type: str = "") -> tuple[bytes, int]:
    """The document with each person element's character data cut to ``MAX_PERSON_CHARS``, and how many
    were cut (0: ``body`` itself is returned)."""
    if body.startswith(b"\xef\xbb\xbf"):
        trimmed, cut = trim_person_elements(body[3:], content_type)
        return (body[:3] + trimmed, cut) if cut else (body, 0)
    for starts, wide in (*_WIDE, *_WIDE_NO_BOM):
        if body.startswith(starts):
            bom = len(starts) if starts.strip(b"\x00<") else 0
            return _wide(body, bom, wide)
    if b"<" not in body:
        return body, 0
    codec = _byte_codec(body, content_type)
    if codec is None:
        return body, 0
    text, cut = _trim(body.decode("latin-1"), codec)
    return (text.encode("latin-1"), cut) if cut else (body, 0)


def _wide(body: bytes, bom: int, codec: str) -> tuple[bytes, int]:
    try:
        text = body[bom:].decode(codec)
    except UnicodeDecodeError:
        return body, 0  # left to the parser, which will say what is wrong with it
    trimmed, cut = _trim(text, "")
    return (body[:bom] + trimmed.encode(codec), cut) if cut else (body, 0)


def _byte_codec(body: bytes, content_type: str) -> str | None:
    """The charset the header or the document names (the header first, as feedparser weighs them), "utf-8"
    when neither names a known one; None when one keeps ASCII characters as something else or has a shift
    state (ISO-2022, UTF-7, HZ): such a document is not cut.  An unknown name does not count, since the
    parser then falls back to UTF-8 or windows-1252."""
    labels = [m.group(1) for m in [_CHARSET.search(content_type)] if m]
    labels += [m.group(1).decode("ascii") for m in [_DECLARED.match(body[:256])] if m]
    found = []
    for label in labels:
        try:
            name = codecs.lookup(label).name
        except LookupError:
            continue
        if name.startswith(_STATEFUL):
            return None
        try:
            if _PROBE.encode(name) != _PROBE.encode("ascii"):
                return None
        except UnicodeError:
            return None
        found.append(name)
    if b"\x1b" in body:  # the escape of ISO-2022 shifts, which no XML text may hold anyway
        return None
    return found[0] if found else "utf-8"


def _trim(text: str, codec: str) -> tuple[str, int]:
    """Cut person elements in ``text``: bytes read as latin-1 in the charset ``codec``, or "" for text
    already decoded."""
    edits: list[tuple[int, int, str]] = []
    cut = 0
    pos = 0
    while (match := _NEXT.search(text, pos)) is not None:
        opener = match.group(0)
        if match.group("name") is None:
            end = text.find(_CLOSERS[opener], match.end())
            if end < 0:
                break
            pos = end + len(_CLOSERS[opener])
            continue
        if opener.endswith("/>") or not _balanced_quotes(match.group("attrs") or ""):
            pos = match.end()
            continue
        element_edits, pos = _element(text, match.end(), match.group("name"), codec)
        if element_edits:
            edits.extend(element_edits)
            cut += 1
    if not edits:
        return text, 0
    parts, last = [], 0
    for start, stop, replacement in edits:
        parts += [text[last:start], replacement]
        last = stop
    parts.append(text[last:])
    return "".join(parts), cut


def _balanced_quotes(attrs: str) -> bool:
    """False when a quoted attribute value may hold a ``>`` (legal, and then the tag goes on past it)."""
    quote = ""
    for ch in attrs:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
    return not quote


def _element(text: str, pos: int, name: str, codec: str) -> tuple[list[tuple[int, int, str]], int]:
    """The edits that cut one element's character data, and where the scan goes on.

    Text runs and CDATA sections share one budget; child elements and comments are kept as they are.
    An element whose end cannot be found is left untouched (the parser will complain about it)."""
    edits: list[tuple[int, int, str]] = []
    budget = MAX_PERSON_CHARS
    closing = re.compile(rf"</{re.escape(name)}\s*>")
    while True:
        if text.startswith("<![CDATA[", pos):
            start, end = pos + 9, text.find("]]>", pos + 9)
            if end < 0:
                return [], pos
            budget = _cut_run(text, start, end, budget, codec, edits, cdata=True)
            pos = end + 3
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return [], pos
            pos = end + 3
        elif text.startswith("<", pos):
            if closing.match(text, pos):
                return edits, pos
            tag = _TAG.match(text, pos)
            if tag is None:
                return [], pos
            pos = tag.end()
        else:
            end = text.find("<", pos)
            if end < 0:
                return [], pos
            budget = _cut_run(text, pos, end, budget, codec, edits, cdata=False)
            pos = end


def _cut_run(
    text: str, start: int, end: int, budget: int, codec: str, edits: list[tuple[int, int, str]], *,
    cdata: bool,
) -> int:  # fmt: skip
    """Keep at most ``budget`` characters of the run ``text[start:end]``; returns the budget left."""
    if end - start <= budget:
        return budget - (end - start)
    keep = _safe_cut(text, start, start + budget, codec, entities=not cdata)
    if budget == 0 and keep == start:
        # Nothing left to keep: the run goes (a CDATA section whole, markers and all).
        edits.append((start - 9, end + 3, "") if cdata else (start, end, ""))
    elif cdata:
        edits.append((keep, end + 3, "]]>" + _ELLIPSIS))
    else:
        edits.append((keep, end, _ELLIPSIS))
    return 0


def _safe_cut(text: str, start: int, cut: int, codec: str, *, entities: bool) -> int:
    """The last position at or before ``cut`` that splits neither an entity reference nor a character.

    Bytes are cut where what is kept decodes in the named charset (the run starts on a character, so a
    prefix that decodes ends on one), else in UTF-8; failing both, after an ASCII byte other than a digit,
    which ends a character in UTF-8, Shift_JIS, Big5, GBK, EUC and GB18030 alike (only GB18030 puts
    ASCII bytes, digits, inside a character)."""
    if entities:
        amp = text.rfind("&", start, cut)
        if amp >= 0 and text.find(";", amp, cut) < 0:
            cut = amp
    if not codec:
        return cut
    for name in dict.fromkeys((codec, "utf-8")):
        for back in range(min(4, cut - start + 1)):
            try:
                text[start : cut - back].encode("latin-1").decode(name)
            except UnicodeDecodeError:
                continue
            return cut - back
    while cut > start and not ("\x00" <= text[cut - 1] < "\x80" and not text[cut - 1].isdigit()):
        cut -= 1
    return cut
