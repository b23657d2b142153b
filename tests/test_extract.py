"""extract_page on our own pages (tests/data/pages): fields, encodings, partial results, hostile input."""

from __future__ import annotations

import json
import pickle
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mediawatch.collect.extract import (
    MIN_TEXT_CHARS,
    decode_html,
    extract_page,
    extraction_options,
    normalise_language,
)
from mediawatch.types import Extracted, PartialReason

PAGES = Path(__file__).parent / "data" / "pages"
URL = "https://www.example.fr/section/page.html"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def article(body: str, *, head: str = "", html_attrs: str = 'lang="fr"') -> str:
    """A minimal page around ``body``, with enough article text to be kept."""
    paragraphs = "\n".join(
        f"<p>Paragraphe {i} : les sols agricoles stockent du carbone sous forme de matière organique, "
        f"et les pratiques culturales décident s'ils en gagnent ou en perdent au fil des années.</p>"
        for i in range(1, 7)
    )
    return (
        f"<!DOCTYPE html><html {html_attrs}><head><meta charset='utf-8'><title>Carbone des sols</title>"
        f"{head}</head><body><article><h1>Carbone des sols</h1>{paragraphs}{body}</article></body></html>"
    )


# -- articles ---------------------------------------------------------------------------------------


def test_french_article() -> None:
    ex = extract_page(page("fr_article.html"), URL, "text/html; charset=utf-8")
    assert ex.partial_reason is None
    assert ex.title == "Le carbone des sols, un levier sous-estimé pour le climat"
    assert ex.author == "Claire Dubois"
    assert ex.sitename == "La Gazette des Champs"
    assert ex.language == "fr"
    assert ex.canonical_url == "https://www.example.fr/environnement/2024/03/14/carbone-des-sols"
    assert ex.date == datetime(2024, 3, 14, 8, 30, tzinfo=UTC)  # 09:30+01:00
    assert "initiative « 4 pour 1000 »" in ex.text
    assert "réseau national de mesures" in ex.text
    for boilerplate in ("Mentions légales", "À lire aussi", "S'abonner"):
        assert boilerplate not in ex.text
    assert len(ex.text) >= MIN_TEXT_CHARS


def test_english_article() -> None:
    ex = extract_page(page("en_article.html"), "https://news.example.org/a?utm_source=feed", "text/html")
    assert ex.partial_reason is None
    assert ex.title == "Farmers bet on soil carbon as drought tests the Plains"
    assert ex.author == "Daniel Reyes"
    assert ex.language == "en"  # lang="EN"
    assert ex.canonical_url == "https://news.example.org/agriculture/soil-carbon-plains"  # og:url
    assert ex.date == datetime(2024, 6, 2, 19, 5, tzinfo=UTC)  # JSON-LD 14:05-05:00
    assert ex.sitename == "Prairie Ledger"
    assert "cover crop shades the soil" in ex.text
    assert "Privacy policy" not in ex.text
    assert "newsletter" not in ex.text


def test_spanish_article() -> None:
    ex = extract_page(page("es_article.html"), URL, "text/html")
    assert ex.partial_reason is None
    assert ex.title == "El carbono del suelo, aliado frente a la sequía"
    assert ex.author == "Lucía Fernández"
    assert ex.language == "es"  # lang="es_ES"
    # rel=canonical wins over og:url
    assert ex.canonical_url == "https://www.diariodelcampo.example/medio-ambiente/carbono-suelo-sequia"
    assert ex.date == datetime(2023, 11, 20, 7, 0, tzinfo=UTC)
    assert "cubiertas vegetales en olivares" in ex.text
    assert "Aviso legal" not in ex.text


def test_str_and_bytes_give_the_same_result() -> None:
    data = page("fr_article.html")
    assert extract_page(data, URL) == extract_page(data.decode("utf-8"), URL)


def test_deterministic_and_picklable() -> None:
    first = extract_page(page("en_article.html"), URL, "text/html")
    assert extract_page(page("en_article.html"), URL, "text/html") == first
    assert pickle.loads(pickle.dumps(first)) == first  # it crosses a process pool


def test_reader_comments_are_not_article_text() -> None:
    comments = (
        '<section id="comments" class="comments"><h2>Commentaires</h2>'
        '<div class="comment"><p>Bravo pour cet article, je partage sur mon blog de jardinage !</p></div>'
        "</section>"
    )
    ex = extract_page(article("").replace("</article>", "</article>" + comments), URL)
    assert ex.partial_reason is None
    assert "jardinage" not in ex.text


def test_extraction_options_are_fresh_and_leave_comments_out() -> None:
    options = extraction_options()
    assert options["include_comments"] is False
    options["include_comments"] = True
    assert extraction_options()["include_comments"] is False


# -- declared language and canonical URL ---------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("fr-FR", "fr"),
        ("es_ES", "es"),
        ("EN", "en"),
        ("en-US", "en"),
        (" pt-BR ", "pt"),
        ("fr, en", "fr"),
        ("fra", "fr"),
        ("spa", "es"),
        ("French", "fr"),
        ("Español", "es"),
        ("iw", "he"),
        ("x-default", ""),
        ("und", ""),
        ("c", ""),
        ("12", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_language(declared: str | None, expected: str) -> None:
    assert normalise_language(declared) == expected


@pytest.mark.parametrize(
    ("html_attrs", "head", "expected"),
    [
        ('lang="fr-FR"', "", "fr"),
        ('lang="es_ES"', "", "es"),
        ('lang="EN"', "", "en"),
        ('xml:lang="es"', "", "es"),
        ("", '<meta property="og:locale" content="es_ES">', "es"),
        ("", '<meta http-equiv="Content-Language" content="fr">', "fr"),
        ('lang="en"', '<meta property="og:locale" content="fr_FR">', "en"),  # <html lang> first
        ('lang=""', '<meta property="og:locale" content="fr_FR">', "fr"),
        ("", "", ""),
    ],
)
def test_declared_language(html_attrs: str, head: str, expected: str) -> None:
    ex = extract_page(article("", head=head, html_attrs=html_attrs), URL)
    assert ex.language == expected


@pytest.mark.parametrize(
    ("head", "url", "expected"),
    [
        ('<link rel="canonical" href="/a/b">', URL, "https://www.example.fr/a/b"),
        ('<link rel="Canonical" href="https://other.example/x#top">', URL, "https://other.example/x"),
        ('<link rel="canonical" href="//cdn.example.net/p">', URL, "https://cdn.example.net/p"),
        ('<base href="https://base.example/dir/"><link rel="canonical" href="p.html">', URL,
         "https://base.example/dir/p.html"),
        ('<meta property="og:url" content="https://www.example.fr/og">', URL, "https://www.example.fr/og"),
        ('<link rel="canonical" href="javascript:alert(1)">', URL, ""),
        ('<link rel="canonical" href="mailto:x@example.fr">', URL, ""),
        ('<link rel="canonical" href="http://[::1">', URL, ""),
        ('<link rel="canonical" href="https://www..example.fr/a">', URL, ""),
        ('<meta property="og:url" content="https://' + "a" * 70 + '.fr/og">', URL, ""),
        ('<link rel="canonical" href="/a/b">', "file:///tmp/page.html", ""),
        ('<link rel="canonical" href="">', URL, ""),
        ("", URL, ""),
    ],
)  # fmt: skip
def test_canonical_url(head: str, url: str, expected: str) -> None:
    assert extract_page(article("", head=head), url).canonical_url == expected


# -- encodings --------------------------------------------------------------------------------------


def test_latin1_bytes_with_meta_charset() -> None:
    data = page("latin1_article.html")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    ex = extract_page(data, URL, "text/html")
    assert ex.partial_reason is None
    assert ex.title == "Prairies permanentes : un stock de carbone à préserver"
    assert ex.author == "Hélène Mercier"
    assert "l'équilibre est fragile" in ex.text
    assert "\ufffd" not in ex.text


def test_undeclared_windows_1252_bytes() -> None:
    html = article("<p>Le prix du crédit carbone : 30 € la tonne, « un cœur de marché » – disent-ils.</p>")
    data = html.replace("<meta charset='utf-8'>", "").encode("cp1252")
    ex = extract_page(data, URL, "")
    assert "30 € la tonne" in ex.text
    assert "cœur" in ex.text


def test_http_charset_is_used() -> None:
    html = article("<p>Résumé : l'été sec a réduit l'activité biologique des sols.</p>")
    data = html.replace("<meta charset='utf-8'>", "").encode("iso-8859-1")
    ex = extract_page(data, URL, "text/html; charset=ISO-8859-1")
    assert "Résumé : l'été sec" in ex.text


def test_decode_prefers_valid_utf8_over_a_wrong_declaration() -> None:
    data = '<meta charset="iso-8859-1"><p>Matière organique</p>'.encode()
    assert "Matière organique" in decode_html(data)


def test_decode_keeps_utf8_with_a_stray_byte() -> None:
    data = "<p>Les sols français, l'été, la matière organique, déjà</p>".encode() + b"\x92"
    text = decode_html(data)
    assert "français" in text
    assert "é" in text


def test_decode_bom_and_utf16() -> None:
    assert decode_html("\ufeff<p>Sécheresse</p>".encode("utf-8")) == "<p>Sécheresse</p>"
    assert "Sécheresse" in decode_html("<p>Sécheresse</p>".encode("utf-16"))
    assert "Sécheresse" in decode_html("<p>Sécheresse</p>".encode("utf-16-le"))


def test_utf16_page_is_extracted() -> None:
    ex = extract_page(page("fr_article.html").decode("utf-8").encode("utf-16"), URL, "text/html")
    assert ex.partial_reason is None
    assert "réservoir de carbone" in ex.text


# -- partial results --------------------------------------------------------------------------------


def test_paywalled_french_teaser() -> None:
    ex = extract_page(page("paywall_fr.html"), URL, "text/html")
    assert ex.partial_reason is PartialReason.PAYWALL
    assert ex.title == "Agriculture : le grand inventaire du carbone des sols"
    assert ex.sitename == "Le Quotidien du Sol"
    assert ex.date == datetime(2024, 2, 5, 5, 0, tzinfo=UTC)
    assert "carottes de terre" in ex.text  # the teaser is kept for whoever wants it


def test_paywalled_spanish_teaser() -> None:
    ex = extract_page(page("paywall_es.html"), URL, "text/html")
    assert ex.partial_reason is PartialReason.PAYWALL
    assert ex.title == "Los créditos de carbono agrícola, bajo la lupa"
    assert ex.language == "es"


@pytest.mark.parametrize(
    "notice",
    [
        "<p>Subscribe to continue reading.</p>",
        "<p>Abonnez-vous pour lire la suite.</p>",
        "<p>Réservé aux abonnés</p>",
    ],
)
def test_invitation_under_a_short_teaser_is_a_paywall(notice: str) -> None:
    html = (
        "<html lang='fr'><head><title>Titre</title></head><body><article><h1>Titre</h1>"
        "<p>Les sols agricoles français ont perdu une partie de leur matière organique depuis les années "
        "soixante, selon une étude publiée hier par un consortium de laboratoires publics et privés.</p>"
        f"<p>Les auteurs recommandent de généraliser les couverts végétaux.</p>{notice}"
        "</article></body></html>"
    )
    assert extract_page(html, URL).partial_reason is PartialReason.PAYWALL


def test_metered_page_with_the_whole_article_is_not_a_paywall() -> None:
    ex = extract_page(page("metered_en.html"), URL, "text/html")
    assert ex.partial_reason is None
    assert "keep the rye regardless" in ex.text


def test_subscriber_labels_in_a_free_article_are_not_a_paywall() -> None:
    inline = (
        '<p class="lire-aussi">Lire aussi | <span class="icon-premium">Article réservé à nos abonnés</span> '
        '<a href="/x">Les haies reviennent dans le bocage</a></p>'
        '<div id="inline-paywall-container"></div>'
        '<h3 class="subscriber-only-tag">SUBSCRIBER ONLY</h3>'
    )
    ex = extract_page(article(inline), URL)
    assert ex.partial_reason is None


def test_too_short_page_keeps_its_title() -> None:
    ex = extract_page(page("too_short.html"), URL, "text/html")
    assert ex.partial_reason is PartialReason.TOO_SHORT
    assert ex.title == "Brève : colloque sur les sols"
    assert ex.language == "fr"
    assert "12 mai à Rennes" in ex.text


def test_bare_year_is_not_a_date() -> None:
    ex = extract_page(article("<p>Mesures faites en 2013.</p><footer>© 2019 Exemple</footer>"), URL)
    assert ex.date is None or (ex.date.month, ex.date.day) != (1, 1)


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JSON_DOC = json.dumps({"title": "Carbone", "items": [{"text": "<p>hello</p>"}]}).encode()
RSS = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Sols</title>'
    b"<item><title>Carbone</title><link>https://example.fr/a</link></item></channel></rss>"
)
ATOM = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Sols</title></feed>'


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PDF, "application/pdf"),
        (PDF, "text/html; charset=utf-8"),  # mislabelled: the bytes decide
        (PDF, ""),
        (PNG, "image/png"),
        (PNG, "text/html"),
        (b"GIF89a\x01\x00\x01\x00", "application/octet-stream"),
        (JSON_DOC, "application/json"),
        (JSON_DOC, "text/html"),
        (JSON_DOC.decode(), ""),
        (b'[{"a": 1}]', "text/plain"),
        (RSS, "application/rss+xml"),
        (RSS, "text/xml"),
        (RSS, "text/html"),
        (ATOM, ""),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "text/html"),
        (page("fr_article.html"), "application/json"),  # a declared non-HTML type is believed
        (page("fr_article.html"), "image/jpeg"),
    ],
)
def test_not_html(data: bytes | str, content_type: str) -> None:
    ex = extract_page(data, URL, content_type)
    assert ex.partial_reason is PartialReason.NOT_HTML
    assert ex.text == ""


@pytest.mark.parametrize(
    "content_type", ["", "text/plain", "application/octet-stream", "application/xhtml+xml"]
)
def test_vague_types_defer_to_the_bytes(content_type: str) -> None:
    assert extract_page(page("fr_article.html"), URL, content_type).partial_reason is None


def test_xhtml_with_xml_declaration() -> None:
    xhtml = '<?xml version="1.0" encoding="utf-8"?>\n' + article("").replace(
        "<html ", '<html xmlns="http://www.w3.org/1999/xhtml" '
    )
    ex = extract_page(xhtml.encode(), URL, "application/xhtml+xml")
    assert ex.partial_reason is None
    assert ex.language == "fr"


@pytest.mark.parametrize("data", [b"", "", b"   \n\t ", "\ufeff", b"\xef\xbb\xbf"])
def test_empty_input(data: bytes | str) -> None:
    ex = extract_page(data, URL, "text/html")
    assert ex == Extracted(
        title="", text="", author="", date=None, sitename="", language="", canonical_url="",
        partial_reason=PartialReason.EXTRACTION_FAILED,
    )  # fmt: skip


def test_markup_without_text() -> None:
    ex = extract_page("<html><head><title>Seul le titre</title></head><body><div></div></body></html>", URL)
    assert ex.partial_reason in (PartialReason.EXTRACTION_FAILED, PartialReason.TOO_SHORT)
    assert ex.title == "Seul le titre"


# -- hostile input ----------------------------------------------------------------------------------


def test_script_in_title_is_not_kept_as_markup() -> None:
    html = article("").replace(
        "<title>Carbone des sols</title>", "<title><script>alert('x')</script>Carbone <b>des</b> sols</title>"
    )
    ex = extract_page(html, URL)
    assert "<" not in ex.title
    assert "alert" not in ex.title
    assert "Carbone" in ex.title


def test_huge_attribute_and_huge_title() -> None:
    html = article('<div data-blob="' + "x" * 3_000_000 + '">fin</div>').replace(
        "<title>Carbone des sols</title>", "<title>" + "Carbone " * 20_000 + "</title>"
    )
    ex = extract_page(html.encode(), URL, "text/html")
    assert len(ex.title) <= 500
    assert "sols agricoles" in ex.text


def test_deeply_nested_markup() -> None:
    html = article("<div>" * 20_000 + "<p>au fond</p>" + "</div>" * 20_000)
    ex = extract_page(html, URL)
    assert isinstance(ex, Extracted)


def test_broken_markup_and_control_characters() -> None:
    html = (
        "<html><head><title>Sols\x00 \x07et\x1b carbone</title><meta name='author' content='A\x00B C'>"
        "<body><p>Texte <b>non fermé <i>du tout <div><table><td>" + "cellule " * 200 + "<p \x00=\x01>"
    )
    ex = extract_page(html.encode() + b"\xff\xfe\x00", URL, "text/html")
    assert "\x00" not in ex.title + ex.text + ex.author
    assert "\x07" not in ex.title


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20240314)
    for size in (1, 7, 100, 5000):
        for _ in range(5):
            data = bytes(rng.randrange(256) for _ in range(size))
            assert isinstance(extract_page(data, URL, "text/html"), Extracted)
            assert isinstance(extract_page(b"<html><body><p>" + data, URL, ""), Extracted)


@pytest.mark.parametrize("url", ["", "not a url", "http://[::1", "ftp://example.fr/x"])
def test_odd_page_urls(url: str) -> None:
    ex = extract_page(page("fr_article.html"), url, "text/html")
    assert ex.partial_reason is None
    assert ex.canonical_url in ("", "https://www.example.fr/environnement/2024/03/14/carbone-des-sols")


def test_plain_text_under_a_vague_type_is_not_html() -> None:
    text = "Le carbone des sols, en texte brut, sans balise aucune. " * 10
    assert extract_page(text.encode(), URL, "text/plain").partial_reason is PartialReason.NOT_HTML
    assert extract_page(text, URL, "").partial_reason is PartialReason.NOT_HTML
    # declared HTML with no markup: a page that failed, not another kind of document
    assert extract_page(text, URL, "text/html").partial_reason is not PartialReason.NOT_HTML
