"""Render: templates x languages, checks, golden text parts, hostile text, size, archive, Atom, CLI.

Golden files: tests/data/render/<publication>.<lang>.txt hold the text part of the small issue
(render_samples.small_issue). After an intended change, regenerate them with
``MEDIAWATCH_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_render.py -k golden`` and review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner
from render_samples import LANGS, big_press_review, hostile_issue, open_test_store, small_issue

from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.errors import RenderError, WorkflowError
from mediawatch.i18n import LANGUAGES, catalogue, t
from mediawatch.i18n.dates import format_date, format_period
from mediawatch.render import (
    MAX_HTML_BYTES,
    PersonalLinks,
    RenderedEdition,
    check_edition,
    fingerprint,
    render_edition,
    render_issue,
)
from mediawatch.render.environment import SHIPPED_TEMPLATES
from mediawatch.render.model import BLOCK_KEYS, SECTION_KEYS, organisation_name
from mediawatch.types import BlockKind, ItemStatus, Publication, Theme

GOLDEN = Path(__file__).parent / "data" / "render"
PERSONAL = PersonalLinks(
    unsubscribe_url="https://app.example.org/u/SECRET-TOKEN-123",
    preferences_url="https://app.example.org/p/SECRET-TOKEN-123",
)
SETTINGS = Settings()


@pytest.fixture
def store(db_url):
    s = open_test_store(db_url)
    yield s
    s.close()


@pytest.fixture
def small(store):
    """Both publications of the small issue: {publication: IssueContent}."""
    return {pub: store.issue_content(small_issue(store, pub)) for pub in Publication}


def visible_text(html: str) -> str:
    """The body's text, without the hidden preheader."""
    body = lxml.html.fromstring(html).body
    for hidden in body.xpath('.//div[contains(@style, "display:none")]'):
        hidden.drop_tree()
    return " ".join(body.text_content().split())


# -- every template, every language -------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("publication", list(Publication))
def test_every_template_renders_in_every_language_and_passes_the_checks(small, publication, lang):
    content = small[publication]
    rendered = render_edition(content, lang, SETTINGS)
    assert check_edition(rendered) == []
    assert rendered.language == lang
    assert not rendered.personal
    assert rendered.size_bytes == len(rendered.html.encode("utf-8"))
    doc = lxml.html.fromstring(rendered.html)
    assert doc.get("lang") == lang
    assert doc.find(".//title").text == rendered.subject
    assert rendered.preheader in " ".join(doc.body.text_content().split())
    text = visible_text(rendered.html)
    # rejected items never appear, in either part
    assert "REJECTED ITEM TITLE" not in rendered.html
    assert "REJECTED ITEM TITLE" not in rendered.text
    # sections in issue order, titled in the edition's language; empty sections are left out
    science, policy = (catalogue(lang)[SECTION_KEYS[s]] for s in ("science", "policy"))
    assert text.index(science) < text.index(policy)
    assert catalogue(lang)[SECTION_KEYS["finance_markets"]] not in text
    assert rendered.text.index(science.upper()) < rendered.text.index(policy.upper())
    # every block kind shows, headed in the edition's language
    for kind in BlockKind:
        assert catalogue(lang)[BLOCK_KEYS[kind]] in text, kind
        assert catalogue(lang)[BLOCK_KEYS[kind]].upper() in rendered.text, kind
    # essential styles are inline; only @media rules stay in a <style>
    title = doc.find_class("mw-title")[0]
    assert "font-weight:bold" in title.get("style").replace(" ", "")
    for style in doc.iter("style"):
        assert style.text.strip().startswith("@media")
    assert "googleapis" not in rendered.html
    assert "<link" not in rendered.html


def test_newsletter_block_order_and_press_review_density(small):
    news = render_edition(small[Publication.NEWSLETTER], "en", SETTINGS)
    text = visible_text(news.html)
    order = [
        "Editorial",
        "Key figure",
        "Science",
        "Policy",
        "Success story",
        "Practical sheet",
        "Upcoming events",
        "Partner news",
    ]
    positions = [text.index(word) for word in order]
    assert positions == sorted(positions), text
    review = render_edition(small[Publication.PRESS_REVIEW], "en", SETTINGS)
    review_text = visible_text(review.html)
    # a press review shows each item's language; the newsletter does not
    assert "Soil Science Today · 18 Nov 2026 · English" in review_text
    assert "Soil Science Today · 18 Nov 2026" in text
    assert "18 Nov 2026 · English" not in text
    assert review_text.index("Editorial") < review_text.index("Science") < review_text.index("Key figure")


@pytest.mark.parametrize(
    ("lang", "subject", "preheader"),
    [
        ("en", "Press review 17–23 Nov 2026", "3 articles this period. In this review: Science, Policy"),
        (
            "fr",
            "Revue de presse du 17 au 23 nov. 2026",
            "3 articles sur la période. Au sommaire : Science, Politiques publiques",
        ),
        (
            "es",
            "Revista de prensa del 17 al 23 de nov. de 2026",
            "3 artículos en el período. En esta revista: Ciencia, Políticas públicas",
        ),
    ],
)
def test_subject_and_preheader_are_translated(small, lang, subject, preheader):
    rendered = render_edition(small[Publication.PRESS_REVIEW], lang, SETTINGS)
    assert (rendered.subject, rendered.preheader) == (subject, preheader)


def test_newsletter_subject_names_the_organisation_in_the_edition_language(small):
    subjects = {lang: render_edition(small[Publication.NEWSLETTER], lang, SETTINGS).subject for lang in LANGS}
    assert subjects == {
        "en": "4 per 1000 newsletter, 17–23 Nov 2026",
        "fr": "Lettre d'information 4 pour 1000 du 17 au 23 nov. 2026",
        "es": "Boletín 4 por 1000 del 17 al 23 de nov. de 2026",
    }
    other = Settings(organisation="Soil Alliance")
    assert render_edition(small[Publication.NEWSLETTER], "fr", other).subject.startswith(
        "Lettre d'information Soil Alliance"
    )


def test_dates_and_periods_per_language():
    d = datetime
    assert format_date(d(2026, 11, 1, tzinfo=UTC), "fr") == "1er nov. 2026"
    assert format_date(d(2026, 11, 1, tzinfo=UTC), "en") == "1 Nov 2026"
    assert format_date(d(2026, 11, 5, tzinfo=UTC), "es", long=True) == "5 de noviembre de 2026"
    assert format_date(None, "es") == "sin fecha"
    across_months = (d(2026, 11, 28, tzinfo=UTC), d(2026, 12, 5, tzinfo=UTC))
    assert format_period(*across_months, "en") == "28 Nov – 5 Dec 2026"
    assert format_period(*across_months, "fr") == "du 28 nov. au 5 déc. 2026"
    assert format_period(*across_months, "es") == "del 28 de nov. al 5 de dic. de 2026"
    across_years = (d(2026, 12, 28, tzinfo=UTC), d(2027, 1, 3, tzinfo=UTC))
    assert format_period(*across_years, "fr") == "du 28 déc. 2026 au 3 janv. 2027"
    assert format_period(*across_years, "en") == "28 Dec 2026 – 3 Jan 2027"
    one_day = (d(2026, 3, 1, 8, tzinfo=UTC), d(2026, 3, 1, 20, tzinfo=UTC))
    assert format_period(*one_day, "fr") == "du 1er mars 2026"
    assert format_period(*one_day, "es") == "del 1 de mar. de 2026"


def test_item_marks_machine_translation_language_badge_and_also_in(small):
    content = small[Publication.NEWSLETTER]
    fr = render_edition(content, "fr", SETTINGS)
    doc = lxml.html.fromstring(fr.html)
    items = doc.find_class("mw-item")
    first = items[0].text_content()
    assert "Les stocks de carbone des sols augmentent" in first
    assert "traduction automatique" in first  # MACHINE in French
    assert "Aussi dans : Le Journal des Sols (FR), Diario del Suelo (ES)" in " ".join(first.split())
    assert items[0].find(".//a").get("href") == "https://soil.example.org/news/carbon-stocks"
    assert "1er nov. 2026" in items[1].text_content()
    assert not items[1].find_class("mw-badge")  # original French text in the French edition: no badge
    en = lxml.html.fromstring(render_edition(content, "en", SETTINGS).html)
    badge = en.find_class("mw-item")[1].find_class("mw-badge")[0]
    assert badge.text == "FR"  # UNTRANSLATED: shows the source language
    assert badge.get("title") == "not translated, original in French"
    assert "machine translation" not in en.find_class("mw-item")[0].text_content()  # ORIGINAL in English
    es = render_edition(content, "es", SETTINGS)
    assert (
        "traducción automática" not in lxml.html.fromstring(es.html).find_class("mw-item")[0].text_content()
    )
    assert "Texts marked" not in visible_text(render_edition(content, "es", SETTINGS).html)


# -- golden text parts --------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("publication", list(Publication))
def test_golden_text_part(small, publication, lang):
    text = render_edition(small[publication], lang, SETTINGS).text
    path = GOLDEN / f"{publication.value}.{lang}.txt"
    if os.environ.get("MEDIAWATCH_REGENERATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with MEDIAWATCH_REGENERATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"text part differs from {path}"


# -- hostile text ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("publication", list(Publication))
def test_hostile_text_is_escaped_and_never_evaluated(store, publication, lang):
    content = store.issue_content(hostile_issue(store, publication))
    rendered = render_edition(content, lang, SETTINGS)
    doc = lxml.html.fromstring(rendered.html)
    assert not doc.xpath("//script")
    assert not doc.xpath("//img")
    assert not [a for el in doc.iter() if isinstance(el.tag, str) for a in el.attrib if a.startswith("on")]
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert hrefs
    assert all(h.startswith(("https://", "../../index.", "fr.html", "en.html", "es.html")) for h in hrefs)
    assert not any("javascript" in h for h in hrefs)
    text = visible_text(rendered.html)
    # the words arrive as written, minus control characters: markup shown as text, template syntax as is
    assert '<script>alert("x")</script>' in text
    assert "{{ 7*7 }}" in text
    assert "{% raw %}{{ config }}{% endraw %}" in text
    assert "49" not in text
    assert "שלום עולם" in text
    assert "🌱🚜" in text
    assert "\x00" not in rendered.html
    assert "\x07" not in rendered.text
    assert "<B>SECTION</B>" in rendered.text  # an unknown section name, escaped in HTML, plain in text
    assert "&lt;b&gt;section&lt;/b&gt;" in rendered.html.lower()
    # the text part is plain text: not HTML-escaped, and still not evaluated
    assert '<script>alert("x")</script>' in rendered.text
    assert "{{ 7*7 }}" in rendered.text
    assert "&lt;" not in rendered.text
    # very long words break instead of widening the layout (word-break on every text cell)
    assert "word-break:break-word" in rendered.html


def test_hostile_text_in_archive_index_and_atom(store, tmp_path):
    issue_id = hostile_issue(store, Publication.NEWSLETTER)
    out = tmp_path / "archive"
    render_issue(store, issue_id, SETTINGS, out)
    content = store.issue_content(issue_id)
    for lang in LANGS:
        expected = render_edition(content, lang, SETTINGS).preheader
        assert "<script>" in expected  # the editorial title (hostile) is in the preheader
        raw = (out / f"feed.{lang}.atom").read_bytes()
        root = lxml.etree.fromstring(raw)  # strict XML: escaping and control characters are right
        ns = {"a": "http://www.w3.org/2005/Atom"}
        assert root.findtext("a:entry/a:summary", namespaces=ns) == expected
        parsed = feedparser.parse(raw)
        assert not parsed.bozo, parsed.get("bozo_exception")
        index = lxml.html.fromstring((out / f"index.{lang}.html").read_text(encoding="utf-8"))
        assert not index.xpath("//script")
        assert not index.xpath("//img")
        assert expected in " ".join(index.text_content().split())


# -- size ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_a_40_item_press_review_stays_under_100_kb(store, lang):
    content = store.issue_content(big_press_review(store, 40))
    rendered = render_edition(content, lang, SETTINGS)
    assert rendered.size_bytes < MAX_HTML_BYTES
    assert len(lxml.html.fromstring(rendered.html).find_class("mw-item")) == 40
    assert rendered.text.count("\n* ") == 40
    print(f"40-item press review, {lang}: {rendered.size_bytes} bytes of HTML")


def test_an_oversized_edition_is_refused_with_the_reason(store):
    content = store.issue_content(big_press_review(store, 150))
    with pytest.raises(RenderError, match=r"KB, over the 100 KB limit"):
        render_edition(content, "en", SETTINGS)


# -- checks refuse bad templates ---------------------------------------------------------------------------
@pytest.fixture
def custom_templates(tmp_path):
    """A copy of templates/ that a test may break; returns (folder, settings using it)."""
    folder = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    return folder, Settings(templates_dir=str(folder))


def _patch(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    source = path.read_text(encoding="utf-8")
    assert old in source, (name, old)
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "old", "new", "reason"),
    [
        (
            "partials/header.mjml.j2",
            "<mj-column>",
            '<mj-column><mj-image src="https://x.example/logo.png" />',
            r"an image has no alt text: “https://x\.example/logo\.png”",
        ),
        (
            "partials/head.mjml.j2",
            '<mj-all font-family="Helvetica, Arial, sans-serif" />',
            '<mj-all font-family="Roboto, Arial" /></mj-attributes>'
            '<mj-font name="Roboto" href="https://fonts.googleapis.com/css?family=Roboto" /><mj-attributes>',
            r"external font",
        ),
        ("newsletter.mjml.j2", '<mjml lang="{{ lang }}">', "<mjml>", r"lang"),
        (
            "partials/footer.mjml.j2",
            "{%- if edition.personal %}",
            '<a href="https://x.example/u/1">x</a>{%- if edition.personal %}',
            r"archive copy carries personal links",
        ),
        (
            "partials/footer.mjml.j2",
            'data-mw-slot="personal"',
            'data-x="y"',
            r"exactly one personal-links slot",
        ),
        (
            "partials/head.mjml.j2",
            "<mj-title>{{ edition.subject }}</mj-title>",
            "<mj-title>{{ edition.subject }}</mj-title><mj-raw><script>alert(1)</script></mj-raw>",
            r"<script>",
        ),
    ],
)
def test_a_template_that_breaks_a_check_raises_render_error_naming_it(
    small, custom_templates, name, old, new, reason
):
    folder, settings = custom_templates
    _patch(folder, name, old, new)
    with pytest.raises(RenderError, match=reason):
        render_edition(small[Publication.NEWSLETTER], "fr", settings)


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("{% for x in %}", r"template partials/block\.mjml\.j2, line \d+: "),
        ("{{ t('render.no.such.key') }}", r"render\.no\.such\.key"),
        ("{{ edition.__class__.__mro__ }}", r"template block\.mjml\.j2, line \d+"),
        ("{{ edition.no_such_field }}", r"no_such_field"),
    ],
)
def test_template_errors_and_sandbox_refusals_become_render_errors(small, custom_templates, new, reason):
    folder, settings = custom_templates
    _patch(folder, "partials/block.mjml.j2", '<p class="mw-kicker">', new + '<p class="mw-kicker">')
    with pytest.raises(RenderError, match=reason):
        render_edition(small[Publication.NEWSLETTER], "en", settings)


def test_check_edition_lists_every_problem():
    bad = RenderedEdition(
        language="fr",
        subject="",
        preheader="two\nlines",
        html='<html lang="en"><head><style>.x{color:red}</style></head><body><img src="a.png">'
        '<a href="javascript:alert(1)" onclick="x()">x</a></body></html>',
        text="",
        size_bytes=1,
    )
    problems = "\n".join(problem.text("en") for problem in check_edition(bad))
    for expected in (
        "subject is empty",
        "preheader spans several lines",
        "plain-text part is empty",
        "size_bytes says 1",
        "the page's <html lang> is “en” but the edition is in French",
        "no alt text",
        "CSS not inlined",
        "event handler",
        "forbidden scheme",
        "personal-links slot",
    ):
        assert expected in problems, expected


def test_a_missing_templates_folder_or_edition_is_a_clear_error(small, tmp_path):
    with pytest.raises(RenderError, match="templates folder not found"):
        render_edition(small[Publication.NEWSLETTER], "fr", Settings(templates_dir=str(tmp_path / "nope")))
    with pytest.raises(RenderError, match=r"has no edition in German|templates are written"):
        render_edition(small[Publication.NEWSLETTER], "de", SETTINGS)


# -- personal copies and fingerprints ----------------------------------------------------------------------
def test_personal_links_only_in_the_subscriber_copy(small):
    content = small[Publication.NEWSLETTER]
    archive = render_edition(content, "es", SETTINGS)
    personal = render_edition(content, "es", SETTINGS, personal=PERSONAL)
    assert personal.personal
    assert check_edition(personal) == []
    for part in (personal.html, personal.text):
        assert PERSONAL.unsubscribe_url in part
        assert PERSONAL.preferences_url in part
    assert "Darse de baja" in personal.text
    for part in (archive.html, archive.text):
        assert "SECRET-TOKEN" not in part
        assert "Darse de baja" not in part
    with pytest.raises(RenderError, match="fingerprint the archive copy"):
        fingerprint(personal)
    with pytest.raises(RenderError, match="http"):
        render_edition(content, "es", SETTINGS, personal=replace(PERSONAL, unsubscribe_url="javascript:x"))


def test_fingerprint_is_deterministic_and_follows_the_content(store):
    issue_id = small_issue(store, Publication.PRESS_REVIEW)
    first = fingerprint(render_edition(store.issue_content(issue_id), "fr", SETTINGS))
    again = fingerprint(render_edition(store.issue_content(issue_id), "fr", SETTINGS))
    assert first == again
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    other_language = fingerprint(render_edition(store.issue_content(issue_id), "en", SETTINGS))
    item = next(i for i in store.issue_content(issue_id).items if i.status is not ItemStatus.REJECTED)
    store.set_item_text(item.id, "fr", summary="Un résumé corrigé.", actor="editor")
    changed = fingerprint(render_edition(store.issue_content(issue_id), "fr", SETTINGS))
    assert changed != first
    assert fingerprint(render_edition(store.issue_content(issue_id), "en", SETTINGS)) == other_language


def test_an_empty_issue_still_renders(store):
    issue_id = store.create_issue(
        slug="empty",
        publication=Publication.PRESS_REVIEW,
        title="",
        period_from=datetime(2026, 1, 1, tzinfo=UTC),
        period_to=datetime(2026, 1, 7, tzinfo=UTC),
        languages=LANGS,
        sections=("science",),
        items=[],
    )
    rendered = render_edition(store.issue_content(issue_id), "fr", SETTINGS)
    assert rendered.preheader == "Aucun article retenu pour cette période."
    assert "Aucun article n'a été retenu" in visible_text(rendered.html)


# -- the archive ---------------------------------------------------------------------------------------------
def test_render_issue_writes_editions_index_pages_and_feeds(store, tmp_path):
    news = small_issue(store, Publication.NEWSLETTER)
    small_issue(store, Publication.PRESS_REVIEW)
    out = tmp_path / "issues"
    written = render_issue(store, "press-review-2026-w47", SETTINGS, out)
    written += render_issue(store, news, SETTINGS, out)
    folder = out / "2026" / "newsletter-2026-w47"
    for lang in LANGS:
        assert folder / f"{lang}.html" in written
        assert folder / f"{lang}.txt" in written
        html = (folder / f"{lang}.html").read_text(encoding="utf-8")
        assert html == render_edition(store.issue_content(news), lang, SETTINGS).html
    assert not list(out.rglob("*.tmp"))
    assert not list(out.rglob(".*"))
    for path in out.rglob("*"):
        if path.is_file():
            assert "SECRET-TOKEN" not in path.read_text(encoding="utf-8")
    chooser = lxml.html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    assert {a.get("href") for a in chooser.iter("a")} == {f"index.{lang}.html" for lang in LANGS}
    for lang in LANGS:
        index = lxml.html.fromstring((out / f"index.{lang}.html").read_text(encoding="utf-8"))
        assert index.get("lang") == lang
        links = [a.get("href") for a in index.iter("a")]
        assert f"2026/newsletter-2026-w47/{lang}.html" in links
        assert f"2026/press-review-2026-w47/{lang}.html" in links
        assert f"feed.{lang}.atom" in links
        raw = (out / f"feed.{lang}.atom").read_bytes()
        assert lxml.etree.fromstring(raw).get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        feed = feedparser.parse(raw)
        assert not feed.bozo, feed.get("bozo_exception")
        titles = [e.title for e in feed.entries]
        assert render_edition(store.issue_content(news), lang, SETTINGS).subject in titles
        assert len({e.id for e in feed.entries}) == len(feed.entries) == 2
        assert all(e.link.startswith("2026/") for e in feed.entries)


def test_render_issue_is_deterministic_and_can_render_some_languages(store, tmp_path):
    issue_id = small_issue(store, Publication.PRESS_REVIEW)
    out = tmp_path / "issues"
    render_issue(store, issue_id, SETTINGS, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    written = render_issue(store, issue_id, SETTINGS, out, languages=["fr"])
    assert not any(p.name.startswith(("en.", "es.")) for p in written)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # same content, same bytes (no timestamps), other editions kept in the manifest
    with pytest.raises(RenderError, match="has no edition in German"):
        render_issue(store, issue_id, SETTINGS, out, languages=["de"])
    with pytest.raises(WorkflowError, match="no issue “nope”"):
        render_issue(store, "nope", SETTINGS, out)
    store.create_issue(
        slug="../escape",
        publication=Publication.NEWSLETTER,
        title="",
        period_from=datetime(2026, 1, 1, tzinfo=UTC),
        period_to=datetime(2026, 1, 7, tzinfo=UTC),
        languages=LANGS,
        sections=(),
        items=[],
    )
    with pytest.raises(RenderError, match="cannot be a folder name"):
        render_issue(store, "../escape", SETTINGS, out)


def test_site_url_makes_archive_links_absolute(store, tmp_path):
    issue_id = small_issue(store, Publication.NEWSLETTER)
    settings = Settings(site_url="https://news.example.org/archive/")
    out = tmp_path / "issues"
    render_issue(store, issue_id, settings, out)
    html = (out / "2026" / "newsletter-2026-w47" / "fr.html").read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    hrefs = {a.text_content(): a.get("href") for a in doc.iter("a")}
    assert hrefs["Lire en ligne"] == "https://news.example.org/archive/2026/newsletter-2026-w47/fr.html"
    assert hrefs["English"] == "https://news.example.org/archive/2026/newsletter-2026-w47/en.html"
    assert hrefs["Tous les numéros parus"] == "https://news.example.org/archive/index.fr.html"
    feed = feedparser.parse((out / "feed.fr.atom").read_bytes())
    assert not feed.bozo
    assert feed.entries[0].link == "https://news.example.org/archive/2026/newsletter-2026-w47/fr.html"
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://news.example.org/archive/feed.fr.atom"]


def test_without_site_url_the_feeds_self_link_is_relative_like_their_other_links(store, tmp_path):
    """RFC 4287 wants a feed to say where it is (rel=self): without site_url every link of the archive is
    relative to its root, the feed's own link too."""
    issue_id = small_issue(store, Publication.NEWSLETTER)
    out = tmp_path / "issues"
    render_issue(store, issue_id, Settings(site_url=""), out)
    for lang in ("fr", "en"):
        feed = feedparser.parse((out / f"feed.{lang}.atom").read_bytes())
        links = {link.rel: link.href for link in feed.feed.links}
        assert links == {"self": f"feed.{lang}.atom", "alternate": f"index.{lang}.html"}
        assert feed.entries[0].link == f"2026/newsletter-2026-w47/{lang}.html"


def test_a_failed_check_writes_nothing(store, tmp_path):
    issue_id = small_issue(store, Publication.NEWSLETTER)
    folder = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    # only the Spanish edition breaks (an image without alt): not even the French one is written
    _patch(
        folder,
        "partials/header.mjml.j2",
        "<mj-column>",
        "<mj-column>{% if lang == 'es' %}<mj-image src=\"https://x.example/a.png\" />{% endif %}",
    )
    out = tmp_path / "issues"
    with pytest.raises(RenderError, match="Spanish edition .* alt"):
        render_issue(store, issue_id, Settings(templates_dir=str(folder)), out)
    assert not out.exists()


# -- CLI and catalogues -------------------------------------------------------------------------------------
def test_cli_render_prints_the_paths_in_the_chosen_language(store, tmp_path):
    small_issue(store, Publication.PRESS_REVIEW)
    env = {
        "MEDIAWATCH_DB": store.url,
        "MEDIAWATCH_CONFIG": str(tmp_path / "none.toml"),
    }
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()  # a folder named with --out must exist (README)
    result = CliRunner().invoke(
        cli,
        ["--lang", "fr", "render", "press-review-2026-w47", "--out", str(out), "--lang", "fr,es"],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "fichiers écrits :" in result.output
    assert str(out / "2026" / "press-review-2026-w47" / "fr.html") in result.output
    assert not (out / "2026" / "press-review-2026-w47" / "en.html").exists()
    repeated = tmp_path / "repeated"  # --lang repeated is every one of them, not the last alone
    repeated.mkdir()  # --out names a folder that exists (a missing one is refused)
    result = CliRunner().invoke(
        cli,
        ["render", "press-review-2026-w47", "--out", str(repeated), "--lang", "fr", "--lang", "es"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (repeated / "2026" / "press-review-2026-w47").glob("*.html"))
    assert written == ["es.html", "fr.html"]
    result = CliRunner().invoke(cli, ["--lang", "es", "render", "nope", "--out", str(out)], env=env)
    assert result.exit_code == 2
    assert "nope" in result.output
    assert "Traceback" not in result.output


def test_every_section_block_and_month_key_exists_in_every_language():
    for lang in LANGUAGES:
        for theme in Theme:
            assert SECTION_KEYS[theme.value] in catalogue(lang)
        assert SECTION_KEYS["other"] in catalogue(lang)
        for kind in BlockKind:
            assert BLOCK_KEYS[kind] in catalogue(lang)
        for month in range(1, 13):
            assert f"render.month.short.{month}" in catalogue(lang)
            assert f"render.month.long.{month}" in catalogue(lang)


def test_every_configured_language_has_its_index_and_feed_before_its_first_edition(store, tmp_path):
    """`render --lang fr` wrote index.fr.html and feed.fr.atom only: a feed reader subscribed to
    feed.en.atom got a 404 until an English edition was published. Each configured language now has an
    index saying nothing is out yet and a valid empty feed, in that language."""
    issue_id = small_issue(store, Publication.NEWSLETTER)
    out = tmp_path / "issues"
    written = render_issue(store, issue_id, SETTINGS, out, languages=["fr"])
    assert out / "feed.en.atom" in written
    chooser = lxml.html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    assert {a.get("href") for a in chooser.iter("a")} == {f"index.{lang}.html" for lang in LANGS}
    for lang in ("en", "es"):
        index = lxml.html.fromstring((out / f"index.{lang}.html").read_text(encoding="utf-8"))
        assert index.get("lang") == lang
        assert t("render.archive.empty", lang) in index.text_content()
        assert not [a for a in index.iter("a") if "newsletter-" in (a.get("href") or "")]
        raw = (out / f"feed.{lang}.atom").read_bytes()
        assert lxml.etree.fromstring(raw).get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        feed = feedparser.parse(raw)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.entries == []
        organisation = organisation_name(SETTINGS, lang)
        assert feed.feed.title == t("render.archive.feed_title", lang, organisation=organisation)
    fr_index = (out / "index.fr.html").read_text(encoding="utf-8")
    assert "2026/newsletter-2026-w47/fr.html" in fr_index

    # A team that publishes in French only has no empty English or Spanish archive.
    only_french = tmp_path / "fr-only"
    render_issue(store, issue_id, replace(SETTINGS, compose_languages="fr"), only_french, languages=["fr"])
    assert sorted(p.name for p in only_french.glob("*.*")) == ["feed.fr.atom", "index.fr.html", "index.html"]
