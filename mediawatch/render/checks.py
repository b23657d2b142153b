"""What every rendered edition must satisfy before it may be written or sent: pure checks, no I/O.

Each problem is one sentence saying what is wrong and where; :func:`check_edition` returns them all so an
editor fixes everything in one go, and ``render_edition`` refuses an edition with any.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from mediawatch.render.result import RenderedEdition

MAX_HTML_BYTES = 100_000  # Gmail clips a message whose HTML passes ~102 KB; keep a margin
MAX_SUBJECT_CHARS = 150
PERSONAL_SLOT = "personal"  # value of the data-mw-slot attribute of the footer's personal slot

_EXTERNAL_FONT = re.compile(r"fonts\.googleapis\.com|fonts\.gstatic\.com|@font-face|@import", re.IGNORECASE)
_MEDIA_BLOCK = re.compile(r"@media[^{]*\{")


class _Scan(HTMLParser):
    """What the checks need to know of a document, gathered in one pass (comments are skipped, so
    Outlook's conditional blocks do not count)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.images_without_alt: list[str] = []
        self.styles: list[str] = []
        self.links: list[str] = []  # <link> elements
        self.scripts = 0
        self.handlers: list[str] = []  # on* attributes
        self.bad_hrefs: list[str] = []
        self.slots = 0
        self.slot_depth = 0  # > 0 while inside the personal slot
        self.slot_links: list[str] = []
        self.slot_text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html" and self.html_lang is None:
            self.html_lang = values.get("lang", "")
        elif tag == "img" and not values.get("alt", "").strip():
            self.images_without_alt.append(values.get("src", "")[:80])
        elif tag == "style":
            self._in_style = True
            self.styles.append("")
        elif tag == "link":
            self.links.append(values.get("href", "")[:80])
        elif tag == "script":
            self.scripts += 1
        for name, value in values.items():
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name in ("href", "src") and value.strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.bad_hrefs.append(value[:80])
        if self.slot_depth:
            if tag == "a":
                self.slot_links.append(values.get("href", ""))
            if tag not in _VOID:
                self.slot_depth += 1
        elif values.get("data-mw-slot") == PERSONAL_SLOT:
            self.slots += 1
            self.slot_depth = 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag in _VOID:
            return
        if self.slot_depth:
            self.slot_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_style and self.styles:
            self.styles[-1] += data
        if self.slot_depth and data.strip():
            self.slot_text.append(data.strip())


_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


def _outside_media(css: str) -> str:
    """The CSS left once every ``@media ... { ... }`` block (braces balanced) is taken out."""
    out: list[str] = []
    position = 0
    for match in _MEDIA_BLOCK.finditer(css):
        if match.start() < position:
            continue
        out.append(css[position : match.start()])
        depth, index = 1, match.end()
        while index < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[index], 0)
            index += 1
        position = index
    out.append(css[position:])
    return "".join(out)


def check_edition(rendered: RenderedEdition) -> list[str]:
    """Every reason this edition must not be sent or archived; an empty list means it passes."""
    problems: list[str] = []
    subject, preheader = rendered.subject, rendered.preheader
    if not subject.strip():
        problems.append("the subject is empty")
    elif "\n" in subject or "\r" in subject:
        problems.append("the subject spans several lines")
    elif len(subject) > MAX_SUBJECT_CHARS:
        problems.append(f"the subject is {len(subject)} characters long (at most {MAX_SUBJECT_CHARS})")
    if not preheader.strip():
        problems.append("the preheader is empty")
    elif "\n" in preheader:
        problems.append("the preheader spans several lines")
    if not rendered.text.strip():
        problems.append("the plain-text part is empty")

    size = len(rendered.html.encode("utf-8"))
    if size != rendered.size_bytes:
        problems.append(f"size_bytes says {rendered.size_bytes} but the HTML is {size} bytes")
    if size >= MAX_HTML_BYTES:
        problems.append(
            f"the HTML is {size / 1000:.1f} KB, over the {MAX_HTML_BYTES // 1000} KB limit (Gmail clips long "
            "messages): fewer items or shorter summaries"
        )

    scan = _Scan()
    scan.feed(rendered.html)
    scan.close()
    if not scan.html_lang:
        problems.append("the <html> element has no lang attribute")
    elif scan.html_lang.lower() != rendered.language.lower():
        problems.append(f"<html lang={scan.html_lang!r}> but the edition is {rendered.language!r}")
    for src in scan.images_without_alt:
        problems.append(f"an image has no alt text: {src!r}")
    for css in scan.styles:
        rest = _outside_media(css).strip()
        if rest:
            problems.append(f"CSS not inlined: a <style> holds rules outside @media: {rest[:60]!r}")
    # Looked for in stylesheets and <link>s only: an article about "@import" is not a font.
    for css in [*scan.styles, *scan.links]:
        found = _EXTERNAL_FONT.search(css)
        if found:
            problems.append(f"external font or stylesheet import: {found.group(0)!r}")
    for href in scan.links:
        problems.append(f"a <link> element loads an external resource: {href!r}")
    if scan.scripts:
        problems.append(f"{scan.scripts} <script> element(s)")
    for handler in scan.handlers[:5]:
        problems.append(f"an event handler attribute: {handler}")
    for href in scan.bad_hrefs[:5]:
        problems.append(f"a link with a forbidden scheme: {href!r}")

    if scan.slots != 1:
        problems.append(f"the footer must hold exactly one personal-links slot, found {scan.slots}")
    elif rendered.personal:
        if not scan.slot_links:
            problems.append("a personal copy has no unsubscribe link in its personal slot")
    elif scan.slot_links or scan.slot_text:
        problems.append("the archive copy carries personal links (the personal slot is not empty)")
    return problems
