"""What arrives before extraction: is it an HTML page at all, and its text decoded from bytes.

``extract.extract_page`` gates on these: a PDF, an image, JSON or a feed is not a page (``NOT_HTML``);
bytes are decoded honouring a BOM, the HTTP charset and ``<meta charset>``, with windows-1252 (the usual
undeclared legacy encoding of FR/EN/ES pages) as the fallback, never raising.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["HTML_TYPES", "VAGUE_TYPES", "decode_html", "is_binary", "mime_of", "not_html_text"]


# -- what is not an HTML page ------------------------------------------------------------------------

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml"})
# Types servers put on anything: the bytes decide.
VAGUE_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/unknown", "unknown/unknown",
     "text/plain", "application/xml", "text/xml"}
)  # fmt: skip
_BINARY_MAGIC = (
    b"%PDF-", b"%!PS", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"PK\x03\x04", b"\x1f\x8b",
    b"\x28\xb5\x2f\xfd", b"7z\xbc\xaf", b"Rar!", b"OggS", b"ID3", b"fLaC", b"wOFF", b"wOF2",
    b"\x00\x00\x01\x00", b"\xd0\xcf\x11\xe0", b"\x7fELF",
)  # fmt: skip
"""PDF, PostScript, PNG, JPEG, GIF, RIFF (WebP, WAV), ZIP (docx, epub), gzip (the fetcher undoes
Content-Encoding), zstd, 7z, RAR, Ogg, MP3, FLAC, web fonts, ICO, MS Office, ELF."""
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SKIP_PROLOGUE = re.compile(r"\s*(?:<!--.*?-->\s*|<\?[^>]*\?>\s*)*", re.DOTALL)
_FIRST_TAG = re.compile(r"<(!doctype\s+[a-z]+|[a-z][a-z0-9:_-]*)", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[a-zA-Z!?]")
_JSON_STARTS = frozenset('"{[]-tfn0123456789')
_FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "rdf", "opml", "urlset", "sitemapindex", "atom:feed"})
_HTML_ROOTS = frozenset({"html", "head", "body", "!doctype html"})


def mime_of(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_binary(data: bytes) -> bool:
    head = data[:16]
    if head.startswith(b"BM") and len(data) > 14 and data[6:10] == b"\x00\x00\x00\x00":
        return True  # BMP: its reserved bytes are zero
    if any(head.startswith(magic) for magic in _BINARY_MAGIC):
        return True
    if head[4:8] == b"ftyp":  # MP4, HEIF, AVIF
        return True
    sample = data[:1024]
    if b"\x00" in sample and not any(data.startswith(bom) for bom, _ in _BOMS):
        # UTF-16 without a BOM still shows '<' next to a NUL; other NULs mean binary
        return b"<\x00" not in sample and b"\x00<" not in sample
    return False


def not_html_text(text: str, vague_type: bool) -> bool:
    """JSON, a feed or another XML document rather than a web page; under a vague type, no markup."""
    start = text[:4096].lstrip("\ufeff \t\r\n")
    if vague_type and not _ANY_TAG.search(start):
        return True
    if start[:1] == "{":
        return True
    if start[:1] == "[" and start[1:].lstrip()[:1] in _JSON_STARTS:
        return True
    lowered = start.lower()
    prologue = _SKIP_PROLOGUE.match(lowered)
    after = lowered[prologue.end() :] if prologue else lowered
    tag = _FIRST_TAG.match(after)
    if tag is None:
        return False
    name = re.sub(r"\s+", " ", tag.group(1))
    if name in _FEED_ROOTS:
        return True
    if name.startswith("!doctype"):
        return name not in _HTML_ROOTS
    # an XML declaration followed by a root that is not HTML: some other XML document
    return bool(lowered.startswith("<?xml")) and name not in _HTML_ROOTS


# -- decoding ---------------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]{1,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([a-zA-Z0-9._:-]{1,40})""")
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]{1,40})""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 on the web; UTF-16 in a <meta> of ASCII-compatible bytes means UTF-8
_ENCODING_ALIASES = {"latin_1": "cp1252", "ascii": "cp1252", "iso8859_1": "cp1252", "utf_16": "utf-8"}


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    return _ENCODING_ALIASES.get(name, name)


def _declared_encodings(data: bytes, content_type: str) -> list[str]:
    found: list[str] = []
    header = _HEADER_CHARSET.search(content_type)
    candidates = [header.group(1)] if header else []
    head = data[:4096]
    xml = _XML_ENCODING.match(head)
    if xml:
        candidates.append(xml.group(1).decode("ascii"))
    meta = _META_CHARSET.search(head)
    if meta:
        candidates.append(meta.group(1).decode("ascii"))
    for label in candidates:
        codec = _codec(label)
        if codec and codec not in found:
            found.append(codec)
    return found


def decode_html(data: bytes, content_type: str = "") -> str:
    """Bytes to text, never raising: BOM, then UTF-8, then the declared charsets, then windows-1252.

    Valid UTF-8 wins over a declaration, since pages that declare latin-1 and send UTF-8 are common
    and the reverse cannot pass a strict UTF-8 decode. UTF-8 with a few stray bytes stays UTF-8.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if data[:1024].count(b"\x00"):
        little = b"<\x00" in data[:1024]
        return data.decode("utf-16-le" if little else "utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for codec in _declared_encodings(data, content_type):
        if codec.startswith("utf_8"):
            continue
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    good = sum(1 for ch in lenient if ord(ch) > 0x7F and ch != "\ufffd")
    if good >= 4 * bad:  # mostly UTF-8: keep it and lose the stray bytes
        return lenient
    return data.decode("cp1252", errors="replace")
