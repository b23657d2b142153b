"""The printed edition: real issues (built through the store) printed by WeasyPrint, read back with PDFium.

Checks what a reader of the paper sees (titles, outlets, dates, page numbers in the edition's language,
A4, accents, several pages for a long issue, a draft watermark) and that printing never makes a request,
whatever an editor or a feed put in a title, a summary or a block (a local server records every request).
PDFium (pypdfium2, Chromium's PDF engine) reads the text: pypdf and pdfminer cannot decode the embedded
CMap encoding WeasyPrint writes for fonts with many glyphs (Hebrew, Arabic), poppler and PDFium can.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdfium2
import pytest
from click.testing import CliRunner
from deliver_samples import approved_issue, make_settings
from render_samples import big_press_review, hostile_issue, open_test_store, small_issue
from review_samples import make_issue

from mediawatch.cli import cli
from mediawatch.i18n import t
from mediawatch.i18n.themes import theme_name
from mediawatch.render.environment import templates_dir
from mediawatch.render.pdf import PRINT_FOLDER, css_string, html_to_pdf, print_edition
from mediawatch.store import Store
from mediawatch.store.issues import NewItem
from mediawatch.types import AlsoIn, BlockKind, ItemText, Publication, TextOrigin

PAGE_OF = {"fr": "Page {page} sur {pages}", "en": "Page {page} of {pages}", "es": "Página {page} de {pages}"}


def pages_text(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[n].get_textpage().get_text_range() for n in range(len(document))]
    finally:
        document.close()


def page_sizes(pdf: bytes) -> set[tuple[int, int]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return {tuple(round(x) for x in document[n].get_size()) for n in range(len(document))}
    finally:
        document.close()


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def store(tmp_path):
    found = open_test_store(tmp_path)
    yield found
    found.close()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def press_review(store):
    issue_id = small_issue(store, Publication.PRESS_REVIEW)
    return store.issue_content(issue_id)


EXPECTED = {
    "fr": [
        "Revue de presse",
        "Les stocks de carbone des sols augmentent",
        "Soil Science Today · 18 novembre 2026 · anglais · traduction automatique",
        "Agro Institut · 1er novembre 2026 · français",
        "Couverts végétaux : le bilan",
        "Aussi dans : Le Journal des Sols (français), Diario del Suelo (espagnol)",
        "Lien : https://soil.example.org/news/carbon-stocks",
        "du 17 au 23 nov. 2026 · Édition en français",
        "LE CHIFFRE CLÉ",
    ],
    "en": [
        "Press review",
        "Soil carbon stocks are rising",
        "Soil Science Today · 18 November 2026 · English",
        "Agro Institut · 1 November 2026 · not translated, original in French",
        "Suelo Vivo · undated · Spanish · machine translation",
        "Link: https://suelo.example.es/ley",
        "17–23 Nov 2026 · English edition",
        "KEY FIGURE",
    ],
    "es": [
        "Revista de prensa",
        "Aumentan las reservas de carbono del suelo",
        "Soil Science Today · 18 de noviembre de 2026 · inglés",
        "Agro Institut · 1 de noviembre de 2026 · sin traducir, original en francés",
        "Enlace: https://agro.example.fr/couverts",
        "del 17 al 23 de nov. de 2026 · Edición en español",
        "LA CIFRA CLAVE",
    ],
}


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_each_edition_prints_on_a4_in_its_language_with_page_numbers(press_review, settings, lang):
    pdf = print_edition(press_review, lang, settings)
    assert page_sizes(pdf) == {(595, 842)}
    pages = pages_text(pdf)
    text = flat("\n".join(pages))
    for expected in EXPECTED[lang]:
        assert expected in text, (expected, text)
    for n, page in enumerate(pages, 1):
        assert PAGE_OF[lang].format(page=n, pages=len(pages)) in flat(page)
    # The running header: publication and period on every page, in the edition's language.
    assert all(flat(EXPECTED[lang][0]) in flat(page) for page in pages)
    assert "REJECTED ITEM TITLE" not in text  # rejected items never print
    # The Spanish edition has no machine translation (human, original, untranslated): no note either.
    assert (t("render.footer.machine_note", lang) in text) is (lang != "es")
    assert t("pdf.draft", lang).upper() not in text


def test_the_page_label_follows_the_catalogue_word_order(press_review, settings, monkeypatch):
    # A language that names the total first still gets its counters in its own order.
    import mediawatch.render.pdf as pdf_module

    def reordered(key, lang, **fields):
        return (
            "{pages} pages, here {page}".format(**fields) if key == "pdf.page_of" else t(key, lang, **fields)
        )

    monkeypatch.setattr(pdf_module, "t", reordered)
    pages = pages_text(print_edition(press_review, "en", settings))
    assert f"{len(pages)} pages, here 1" in flat(pages[0])


def test_a_long_issue_runs_over_several_numbered_pages(store, settings):
    content = store.issue_content(big_press_review(store, 30))
    pages = pages_text(print_edition(content, "fr", settings))
    assert len(pages) >= 3
    for n, page in enumerate(pages, 1):
        assert f"Page {n} sur {len(pages)}" in flat(page)
    text = flat("\n".join(pages))
    for n in range(30):
        assert f"Soil carbon study number {n} shows farmers" in text
        assert (
            f"https://news{n % 7}.example.org/2026/11/{n}/soil-carbon-farmers-study-results-article" in text
        )
    # Stories stay grouped under their section, in the issue's order of sections.
    positions = [text.index(theme_name(key, "fr")) for key in ("science", "policy", "practices")]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("lang", "word"), [("fr", "BROUILLON"), ("en", "DRAFT"), ("es", "BORRADOR")])
def test_a_draft_prints_with_a_watermark_on_every_page_in_its_language(store, settings, lang, word):
    content = store.issue_content(big_press_review(store, 30))
    draft = pages_text(print_edition(content, lang, settings, draft=True))
    assert len(draft) >= 3
    assert all(word in page for page in draft)
    assert t("pdf.draft_note", lang) in flat(draft[0])
    final = pages_text(print_edition(content, lang, settings))
    assert not any(word in page for page in final)


def test_css_string_cannot_close_the_string_or_the_style_element():
    value = css_string('a"b\\c</style><img src=x>\n·é')
    assert value[0] == value[-1] == '"'
    assert '"' not in value[1:-1]
    assert "<" not in value
    assert "\n" not in value
    assert "é" in value


# -- no request, whatever the content -------------------------------------------------------------------
class Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).requests.append(self.path)
        body = b"body{}" if self.path.endswith(".css") else b"GIF89a"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Recorder.requests
    server.shutdown()
    server.server_close()


def hostile_markup(base: str) -> str:
    return (
        f'<img src="{base}/title.gif"> <link rel="stylesheet" href="{base}/title.css">'
        f"<style>@import url({base}/import.css); body {{ background: url({base}/bg.gif) }}"
        f"@font-face {{ font-family: x; src: url({base}/font.woff) }}</style>"
        f'<object data="{base}/object"></object><iframe src="{base}/frame"></iframe>'
    )


def test_the_fetcher_refuses_every_url_but_the_print_templates(recorder, settings, tmp_path, caplog):
    base, requests = recorder
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }", encoding="utf-8")
    html = (
        f"<html><head>{hostile_markup(base)}<link rel=stylesheet href='file://{secret}'>"
        "<link rel=stylesheet href='edition.css'></head>"
        f"<body><p class='mw-kicker'>kicker</p><img src='{base}/body.png'>"
        f"<svg><image href='{base}/svg.png'/></svg></body></html>"
    )
    text = pages_text(html_to_pdf(html, templates_dir(settings) / PRINT_FOLDER))
    assert requests == []
    assert "KICKER" in text[0]  # edition.css beside the template was read: it upper-cases .mw-kicker
    refused = " ".join(r.getMessage() for r in caplog.records if r.name == "mediawatch.render")
    assert "secret.css" in refused  # a local file outside templates/print/ is refused too


def test_hostile_titles_summaries_and_blocks_print_as_text_without_a_request(recorder, store, settings):
    base, requests = recorder
    markup = hostile_markup(base)
    item = NewItem(
        story_id=1,
        article_id=1,
        section="science",
        position=0,
        score=0.9,
        url=f"{base}/article",
        outlet=f"<img src={base}/outlet.gif>Évry Matin",
        published=None,
        language="fr",
        regions=(),
        also_in=(AlsoIn(f"<img src={base}/also.gif>", f"{base}/also", "en"),),
        texts=tuple(
            ItemText(lang, f"Titre {markup} à l'été", f"Résumé {markup}", TextOrigin.ORIGINAL, "fr")
            for lang in ("fr", "en", "es")
        ),
    )
    from render_samples import PERIOD, with_articles

    issue_id = store.create_issue(
        slug="hostile-print",
        publication=Publication.PRESS_REVIEW,
        title=markup,
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        languages=("fr", "en", "es"),
        sections=("science",),
        items=with_articles(store, [item]),
        actor="test",
    )
    store.add_block(
        issue_id, "fr", BlockKind.EDITORIAL, title=markup, body=markup, link=f"{base}/more", actor="e"
    )
    pages = pages_text(print_edition(store.issue_content(issue_id), "fr", settings))
    assert requests == []
    text = flat("\n".join(pages))
    assert f'<img src="{base}/title.gif">' in text  # printed as the characters it is
    assert "à l'été" in text
    assert f"{base}/article" in text  # a link is written out, and never fetched


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_render_tests_hostile_issue_prints_its_text_inert(store, settings, lang):
    # Markup, template syntax, RTL, emoji, control characters and a 100-letter word in every field.
    content = store.issue_content(hostile_issue(store, Publication.PRESS_REVIEW))
    pdf = print_edition(content, lang, settings)
    assert page_sizes(pdf) == {(595, 842)}
    text = flat("\n".join(pages_text(pdf)))
    assert "{{ 7*7 }}" in text  # never evaluated
    assert "<script>alert" in text  # printed as characters
    assert "Ünïcödé" in text


# -- the command ----------------------------------------------------------------------------------------
@pytest.fixture
def cli_setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        '[render]\nissues_dir = "public"\n\n[nightly]\nnightly_drafts_dir = "drafts"\n', encoding="utf-8"
    )
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(config))
    settings = make_settings(tmp_path).with_overrides(issues_dir="public", nightly_drafts_dir="drafts")
    found = Store(f"sqlite:///{settings.db}")
    yield tmp_path, settings, found
    found.close()


def invoke(settings, *args):
    return CliRunner().invoke(cli, ["--db", settings.db, *args], catch_exceptions=False)


def test_render_pdf_puts_a_pdf_beside_each_approved_edition_in_the_archive(cli_setup):
    root, settings, found = cli_setup
    slug = found.find_issue(approved_issue(found, settings)).slug
    result = invoke(settings, "render", slug, "--pdf")
    assert result.exit_code == 0, result.output
    folder = next((root / "public").glob(f"*/{slug}"))
    for lang, word in (("fr", "Page 1 sur"), ("en", "Page 1 of"), ("es", "Página 1 de")):
        assert (folder / f"{lang}.html").exists()
        assert str((folder / f"{lang}.pdf").relative_to(root)) in result.output
        pages = pages_text((folder / f"{lang}.pdf").read_bytes())
        assert word in flat(pages[0])
        assert t("pdf.draft", lang).upper() not in "".join(pages)
    # The archive's index pages link each printed edition, in their language.
    index = (root / "public" / "index.fr.html").read_text(encoding="utf-8")
    assert f'{slug}/fr.pdf" type="application/pdf">PDF à imprimer</a>' in index
    # Rendered again without --pdf, the edition has no PDF any more, and no link to one.
    assert invoke(settings, "render", slug, "--lang", "fr").exit_code == 0
    assert not (folder / "fr.pdf").exists()
    assert (folder / "en.pdf").exists()
    assert "fr.pdf" not in (root / "public" / "index.fr.html").read_text(encoding="utf-8")
    assert "en.pdf" in (root / "public" / "index.en.html").read_text(encoding="utf-8")


def test_render_pdf_of_a_draft_goes_to_the_drafts_folder_watermarked_and_never_goes_stale(cli_setup):
    root, settings, found = cli_setup
    slug = found.find_issue(make_issue(found)).slug
    result = invoke(settings, "render", slug, "--pdf", "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert not (root / "public").exists()
    pdf = next((root / "drafts").glob(f"*/{slug}/fr.pdf"))
    assert all("BROUILLON" in page for page in pages_text(pdf.read_bytes()))
    assert not pdf.with_name("en.pdf").exists()
    # Rendered again without --pdf (the content may have changed): the old PDF does not stay behind.
    result = invoke(settings, "render", slug, "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert not pdf.exists()
    assert pdf.with_name("fr.html").exists()


def test_render_pdf_of_an_unknown_edition_is_a_clear_message(cli_setup):
    _, settings, found = cli_setup
    slug = found.find_issue(make_issue(found)).slug
    result = CliRunner().invoke(cli, ["--db", settings.db, "render", slug, "--pdf", "--lang", "de"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "has no edition in German" in result.output


def test_printing_without_weasyprint_is_a_one_line_message_in_the_users_language(cli_setup, monkeypatch):
    _, settings, found = cli_setup
    slug = found.find_issue(make_issue(found)).slug
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if the package or its libraries were missing
    result = CliRunner().invoke(cli, ["--db", settings.db, "--lang", "es", "render", slug, "--pdf"])
    assert result.exit_code != 0
    assert "no se puede imprimir en PDF" in result.output
    assert "Traceback" not in result.output
    assert not list(Path("drafts").glob("*/*/*.html"))  # nothing written: every edition is made first
