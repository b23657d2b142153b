"""A region is named the same way on every page, report and CLI listing: one map
(``mediawatch.i18n.regions``), in the reader's language, never as its code ("latin_america"), and every
region the classifier can give has a name in French, English and Spanish."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from review_samples import add_team, select_options, signed_in
from search_samples import STORY, fill

from mediawatch.classify.taxonomy import load_taxonomy
from mediawatch.classify.textmatch import GROUP_REGION
from mediawatch.config import Settings
from mediawatch.i18n import LANGUAGES, catalogue
from mediawatch.i18n.regions import REGION_KEYS, region_name
from mediawatch.store import open_store
from mediawatch.types import Region
from mediawatch.watch.story import story_lines, story_view
from mediawatch.watch.watches import filter_words
from mediawatch.web.app import create_app

PACKAGE = Path(__file__).resolve().parents[1] / "mediawatch"


def classifier_regions() -> set[str]:
    """Every region the packaged taxonomy can give an article: the places it names, and "global"."""
    taxonomy = load_taxonomy()
    named = {e.concept.removeprefix("region:") for _, _, e in taxonomy.terms if e.group == GROUP_REGION}
    return named | {Region.GLOBAL.value}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_region_the_classifier_gives_has_a_name_in_every_language(lang):
    emitted = classifier_regions() | {r.value for r in Region}
    assert len(emitted) == len(Region)  # the taxonomy names no region the type does not know
    unnamed = sorted(r for r in emitted if REGION_KEYS.get(r) not in catalogue(lang))
    assert unnamed == [], f"regions.{lang}.toml names none of {unnamed}"
    for region in emitted:
        name = region_name(region, lang)
        assert name.strip(), region
        assert name != region, (region, name)
        assert "region.name" not in name, (region, name)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_other_catalogue_table_names_the_regions(lang):
    # A second table is how "Mundial" and "Mundo" could come to name one region on two pages.
    regions = {r.value for r in Region}
    own = ("region.name.", "story.hashtag.region.")  # hashtags are tags, not names
    others = sorted(k for k in catalogue(lang) if k.rsplit(".", 1)[-1] in regions and not k.startswith(own))
    assert others == []


def test_only_the_map_holds_the_regions_catalogue_keys():
    # The keys are literal (the i18n scans read them): no module builds "region.name.{x}" or keeps a map.
    holders = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "region.name" in p.read_text(encoding="utf-8") and p.name != "regions.py"
    )
    assert holders == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", ["Afrique", "Amérique latine", "Moyen-Orient et Afrique du Nord", "Monde"]),
        ("en", ["Africa", "Latin America", "Middle East and North Africa", "Global"]),
        ("es", ["África", "América Latina", "Oriente Medio y Norte de África", "Mundo"]),
    ],
)
def test_the_names_are_said_alone_nouns_without_an_article(lang, expected):
    # Said after a label and a colon, in a list or a choice: "Regiones: Mundo", not the adjective "Mundial".
    chosen = [region_name(r, lang) for r in ("africa", "latin_america", "mena", "global")]
    assert chosen == expected


def test_an_unknown_region_is_said_as_it_is():
    assert region_name("antarctica", "fr") == "antarctica"
    [line] = filter_words({"region": "antarctica"}, "es")
    assert line.endswith(" antarctica"), line


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_saved_watchs_region_filter_is_named_as_the_map_does(lang):
    for region in Region:
        [line] = filter_words({"region": region.value}, lang)
        assert line.endswith(region_name(region, lang)), line


@pytest.fixture(scope="module")
def site(module_db_url: str) -> Iterator[tuple[Any, Any, dict[str, int]]]:
    store = open_store(module_db_url)
    ids = fill(store)
    add_team(store)
    settings = Settings(secret_key="region-names-tests-secret-0123456789", extract_workers=1)
    app = create_app(settings, store)
    yield app, store, ids
    store.close()


@pytest.mark.parametrize(("user", "lang"), [("vic", "es"), ("carla", "fr"), ("ana", "en")])
def test_the_watch_filters_and_the_add_form_name_regions_as_the_map_does(site, user, lang):
    app, _store, _ids = site
    client = signed_in(app, user)
    named = {r.value: region_name(r, lang) for r in Region}
    assert select_options(client.get("/watch").get_data(as_text=True), "watch-region") == named
    if user != "vic":  # a viewer may not add an article nor save a watch
        assert select_options(client.get("/watches/new").get_data(as_text=True), "w-region") == named
        assert select_options(client.get("/watch/add").get_data(as_text=True), "add-url-region") == named


@pytest.mark.parametrize(("user", "lang"), [("vic", "es"), ("carla", "fr")])
def test_the_story_page_and_stories_show_name_regions_as_the_map_does(site, user, lang):
    app, store, ids = site
    page = signed_in(app, user).get(f"/stories/{ids[STORY[0]]}").get_data(as_text=True)
    said = re.search(r'<dd id="story-regions">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]
    assert region_name("europe", lang) in html.unescape(said)
    assert "latin_america" not in said
    lines = story_lines(story_view(store, ids[STORY[0]]), lang)
    assert any(region_name("latin_america", lang) in line for line in lines), lines
