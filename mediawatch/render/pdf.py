"""The printed edition: one language edition of an issue as an A4 PDF (WeasyPrint), for a press file.

    print_edition(content, "fr", settings)            -> PDF bytes
    print_edition(content, "fr", settings, draft=True)  the same with a "Brouillon" watermark

The PDF is laid out from the same :class:`EditionView` as the email (same items, same marks, same
section and block titles) by its own template, ``templates/print/edition.html.j2``, and stylesheet,
``templates/print/edition.css``: print needs running headers, page numbers and links written out, none
of which an email has. Nothing is fetched while printing: :class:`OwnAssetsOnly` lets WeasyPrint read
files of ``templates/print/`` and refuses every other URL (http, https, data, file elsewhere), so even
markup that slipped into a template could not make a request. Fonts come from fontconfig (Debian's
fonts-dejavu-core), never from the network.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from mediawatch.config import Settings, team_zone
from mediawatch.errors import RenderError
from mediawatch.i18n import language_name, said, t
from mediawatch.render.environment import render_template, templates_dir
from mediawatch.render.model import edition_view
from mediawatch.types import IssueContent

log = logging.getLogger("mediawatch.render")

PRINT_FOLDER = "print"  # under templates/: the only place the PDF renderer may read from
PRINT_TEMPLATE = f"{PRINT_FOLDER}/edition.html.j2"
A4_POINTS = (595, 842)  # what a reader's printer and the tests expect: 210 x 297 mm

_PAGE = "\x00page\x00"
_PAGES = "\x00pages\x00"
_COUNTERS = re.compile("(\x00pages?\x00)")


def css_string(text: str) -> str:
    """``text`` as a CSS string literal; every character but letters, digits and spaces is a hex escape,
    so no quote, backslash or ``</style>`` in a catalogue or an organisation name can end it."""
    out = []
    for char in text:
        # The space after a hex escape ends it and is not part of the text.
        out.append(char if char.isalnum() or char == " " else f"\\{ord(char):x} ")
    return '"' + "".join(out) + '"'


def page_counter_content(lang: str) -> str:
    """The CSS ``content`` value of "page X of Y" in ``lang``: literal parts around page counters, in the
    order the catalogue puts them (a language may name the total first)."""
    template = t("pdf.page_of", lang, page=_PAGE, pages=_PAGES)
    parts = []
    for piece in _COUNTERS.split(template):
        if piece == _PAGE:
            parts.append("counter(page)")
        elif piece == _PAGES:
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def _css_value(value: str) -> Markup:
    # Values built by css_string / page_counter_content hold letters, digits, spaces, hex escapes,
    # quotes and counter(): Markup only keeps autoescaping from turning the quotes into entities,
    # which a <style> element would not decode.
    return Markup(value)  # noqa: S704


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the package is there, pango or harfbuzz is not
        raise said(RenderError, "pdf.unavailable", reason=f"{type(exc).__name__}: {exc}") from None
    return weasyprint


def own_assets_fetcher(folder: Path) -> Any:
    """A WeasyPrint URL fetcher that reads files under ``folder`` and refuses everything else."""
    base: Any = _weasyprint().urls.URLFetcher
    root = folder.resolve()

    class OwnAssetsOnly(base):  # type: ignore[misc]  # WeasyPrint ships no type hints
        """Refuses every URL but a file of the print templates; ``refused`` lists what was asked for."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
                if path.is_relative_to(root) and path.is_file():
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"mediawatch prints without the network: refused {url[:200]!r}")

    return OwnAssetsOnly()


def print_html(content: IssueContent, lang: str, settings: Settings, *, draft: bool = False) -> str:
    """The HTML the PDF is made from (print template, escaped like every other template)."""
    view = edition_view(content, lang, settings)

    def translate(key: str, /, **fields: object) -> str:
        return t(key, lang, **fields)

    context: dict[str, Any] = {
        "edition": view,
        "lang": lang,
        "t": translate,
        "draft": draft,
        "zone": team_zone(settings),
        "language_name": language_name(lang, lang),
        "css": {
            "header": _css_value(css_string(f"{view.publication_name} · {view.period}")),
            "organisation": _css_value(css_string(view.organisation)),
            "page_counter": _css_value(page_counter_content(lang)),
            "draft": _css_value(css_string(t("pdf.draft", lang).upper())),
        },
    }
    return render_template(templates_dir(settings), PRINT_TEMPLATE, context)


def html_to_pdf(html: str, folder: Path) -> bytes:
    """PDF bytes of ``html`` whose relative links resolve in ``folder``; only files there may be read."""
    weasyprint = _weasyprint()
    fetcher = own_assets_fetcher(folder)
    try:
        document = weasyprint.HTML(
            string=html, base_url=str(folder.resolve()) + "/", url_fetcher=fetcher, media_type="print"
        )
        pdf = document.write_pdf(pdf_variant=None, uncompressed_pdf=False)
    except Exception as exc:  # WeasyPrint raises plain exceptions (layout, fonts)
        raise said(RenderError, "pdf.failed", detail=f"{type(exc).__name__}: {exc}") from None
    if fetcher.refused:
        log.warning("printing refused %d outside resource(s): %s", len(fetcher.refused), fetcher.refused[:10])
    if not isinstance(pdf, bytes):
        raise said(RenderError, "pdf.no_document")
    return pdf


def print_edition(content: IssueContent, lang: str, settings: Settings, *, draft: bool = False) -> bytes:
    """The ``lang`` edition of an issue as an A4 PDF; ``draft`` adds a watermark in that language.

    Raises :class:`RenderError` when the language has no edition, the template fails or WeasyPrint
    (or the libraries it needs) cannot produce the document.
    """
    html = print_html(content, lang, settings, draft=draft)
    return html_to_pdf(html, templates_dir(settings) / PRINT_FOLDER)
