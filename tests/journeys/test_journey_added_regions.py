"""Journey: the first story page an editor sees after adding an article by hand (/watch/add) names the
story's regions, through the deployed stack in headless Chromium, with the interface in Spanish: also when
the article was already collected from a feed but not classified yet (the night's classify had not run),
which showed an empty regions line ("–") until a later classification and a reload."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.i18n.regions import region_name
from mediawatch.store import open_store
from mediawatch.store import schema as tables

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def collected_not_classified(stack: Stack, fragment: str) -> tuple[int, str, str]:
    """The seeded article whose URL holds ``fragment``, put back as the collector leaves one before the
    night's classify and grouping: (its id, its title, its day)."""
    with open_store(str(stack.settings["collect"]["db"])) as store:
        [article] = [a for a in store.list_articles() if fragment in a.url]
        with store._tx() as conn:  # noqa: SLF001  (no store call un-classifies: only the test needs it)
            conn.execute(
                sa.delete(tables.classifications).where(tables.classifications.c.article_id == article.id)
            )
            conn.execute(
                sa.delete(tables.story_members).where(tables.story_members.c.article_id == article.id)
            )
        assert store.classification_of(article.id) is None
    when = article.published or article.discovered
    return article.id, article.title, when.date().isoformat()


def test_the_story_page_after_adding_by_hand_names_the_regions(stack: Stack):
    article, title, day = collected_not_classified(stack, "colombia-cafe-sombra")
    stack.add_user("lucia", "editor", lang="es")
    lucia = stack.login("lucia", locale="es-ES")

    # A radio item heard about the same news: the page drawn after the form names its regions at once.
    lucia.goto(f"{stack.url}/watch/add")
    lucia.fill("#add-title", "Carbono del suelo en Senegal y Kenia: las parcelas agroforestales")
    lucia.fill("#add-outlet", "Radio Sahel")
    lucia.fill("#add-date", day)
    lucia.select_option("#add-language", "es")
    lucia.fill(
        "#add-summary", "En Senegal y Kenia, el carbono del suelo de las parcelas agroforestales aumenta."
    )
    submit(lucia, "#add-manual-submit")
    assert re.fullmatch(r"/stories/\d+", urlsplit(lucia.url).path), lucia.url
    expect(lucia.locator("#story-regions")).to_contain_text(region_name("africa", "es"))

    # The article a feed brought in before the night's classify, typed again by hand: it is the one already
    # known, and its story page names its region on the first drawing, not an empty line.
    lucia.goto(f"{stack.url}/watch/add")
    lucia.fill("#add-title", title)
    lucia.fill("#add-outlet", "Suelo Vivo")
    lucia.fill("#add-date", day)
    lucia.select_option("#add-language", "es")
    submit(lucia, "#add-manual-submit")
    assert re.fullmatch(r"/stories/\d+", urlsplit(lucia.url).path), lucia.url
    expect(lucia.locator(f"#article-{article}")).to_be_visible()
    regions = lucia.locator("#story-regions")
    assert regions.inner_text().strip() != "–", "the regions line is empty on the first page after adding"
    expect(regions).to_contain_text(region_name("latin_america", "es"))


def test_a_region_chosen_by_hand_is_the_story_s_and_bad_fields_are_named_as_their_labels(stack: Stack):
    """The by-hand form has a region list (named in words); the region chosen replaces the detected ones.
    A field at fault is named as its label is, with what was typed in the reader's quotation marks."""
    stack.add_user("marie", "editor", lang="fr")
    marie = stack.login("marie", locale="fr-FR")
    marie.goto(f"{stack.url}/watch/add")
    options = marie.locator("#add-region option").all_inner_texts()
    assert region_name("oceania", "fr") in options
    assert "oceania" not in options  # names, not codes

    marie.fill("#add-outlet", "RFI")
    marie.fill("#add-date", "2025-03-04")
    marie.select_option("#add-language", "fr")
    marie.select_option("#add-region", "oceania")
    marie.fill("#add-manual-url", "www.rfi.fr/sols")
    submit(marie, "#add-manual-submit")
    expect(marie.locator("#problem-manual-title")).to_have_text("Titre : ne doit pas être vide")
    expect(marie.locator("#problem-manual-url")).to_contain_text(
        "Adresse (URL) : «\u00a0www.rfi.fr/sols\u00a0» n'est pas une adresse web"
    )
    expect(marie.locator("#add-region")).to_have_value("oceania")  # what she chose is kept

    marie.fill("#add-title", "Le carbone des sols au Sénégal, une émission de radio")
    marie.fill("#add-manual-url", "")
    submit(marie, "#add-manual-submit")
    assert re.fullmatch(r"/stories/\d+", urlsplit(marie.url).path), marie.url
    regions = marie.locator("#story-regions")
    expect(regions).to_have_text(re.compile(re.escape(region_name("oceania", "fr"))))
    expect(regions).not_to_contain_text(region_name("africa", "fr"))  # the detected one is replaced
