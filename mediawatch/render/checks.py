"""What every rendered edition must satisfy before it may be written or sent: pure checks, no I/O.

Each problem is one sentence saying what is wrong and where (a catalogue key, said in the reader's
language); :func:`check_edition` returns them all so an editor fixes everything in one go, and
``render_edition`` refuses an edition with any.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from mediawatch.i18n import Counted, Message, language_names
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


class _Kilobytes:
    """A size in kilobytes with one decimal, written with the reader's decimal mark ("101,2")."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size

    def text(self, lang: str) -> str:
        shown = f"{self.size / 1000:.1f}"
        return shown if lang == "en" else shown.replace(".", ",")

    def __str__(self) -> str:
        return self.text("en")


def check_edition(rendered: RenderedEdition) -> list[Message]:
    """Every reason this edition must not be sent or archived, each said in the reader's language when
    shown (``.text(lang)``); an empty list means it passes."""
    problems: list[Message] = []

    def found(key: str, /, **fields: object) -> None:
        problems.append(Message(key, **fields))

    subject, preheader = rendered.subject, rendered.preheader
    if not subject.strip():
        found("render.check.subject_empty")
    elif "\n" in subject or "\r" in subject:
        found("render.check.subject_lines")
    elif len(subject) > MAX_SUBJECT_CHARS:
        found("render.check.subject_long", length=len(subject), limit=MAX_SUBJECT_CHARS)
    if not preheader.strip():
        found("render.check.preheader_empty")
    elif "\n" in preheader:
        found("render.check.preheader_lines")
    if not rendered.text.strip():
        found("render.check.text_empty")

    size = len(rendered.html.encode("utf-8"))
    if size != rendered.size_bytes:
        found("render.check.size_mismatch", said=rendered.size_bytes, size=size)
    if size >= MAX_HTML_BYTES:
        found("render.check.too_big", size=_Kilobytes(size), limit=MAX_HTML_BYTES // 1000)

    scan = _Scan()
    scan.feed(rendered.html)
    scan.close()
    if not scan.html_lang:
        found("render.check.no_lang")
    elif scan.html_lang.lower() != rendered.language.lower():
        found("render.check.wrong_lang", found=scan.html_lang, language=language_names(rendered.language))
    for src in scan.images_without_alt:
        found("render.check.no_alt", src=src)
    for css in scan.styles:
        rest = _outside_media(css).strip()
        if rest:
            # On one line: the reason is read in a list, one check a line.
            found("render.check.css_not_inlined", rules=" ".join(rest.split())[:60])
    # Looked for in stylesheets and <link>s only: an article about "@import" is not a font.
    for css in [*scan.styles, *scan.links]:
        font = _EXTERNAL_FONT.search(css)
        if font:
            found("render.check.external_font", found=font.group(0))
    for href in scan.links:
        found("render.check.external_link", href=href)
    if scan.scripts:
        found("render.check.scripts", scripts=Counted("render.check.count.scripts", scan.scripts))
    for handler in scan.handlers[:5]:
        found("render.check.handler", handler=handler)
    for href in scan.bad_hrefs[:5]:
        found("render.check.bad_scheme", href=href)

    if scan.slots != 1:
        found("render.check.slots", found=scan.slots)
    elif rendered.personal:
        if not scan.slot_links:
            found("render.check.no_unsubscribe")
    elif scan.slot_links or scan.slot_text:
        found("render.check.archive_personal")
    return problems
