"""Journey: a Spanish and a French editor meet themes and strategic objectives in the watch page's filters
and on a story page, through the deployed stack (nginx TLS, ``mediawatch serve``, the seeded database) in
headless Chromium: each is named in their language, the same way on both pages, an objective with its code
kept in front ("A5 – Mercados de carbono para agricultores")."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.i18n.themes import objective_name, theme_name
from mediawatch.store import open_store
from mediawatch.types import Theme

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

A5 = {"es": "A5 – Mercados de carbono para agricultores", "fr": "A5 – Marchés carbone pour les agriculteurs"}
THEMES = (Theme.FORESTRY_AGROFORESTRY, Theme.MRV_MONITORING)  # the two the Spanish editor saw named twice


def a_story_about_carbon_markets(stack: Stack) -> tuple[int, int]:
    """A story of the seeded demo whose first article is made relevant, about forests and MRV, serving A5:
    (story id, that article's id)."""
    story = json.loads(stack.cli("stories", "list", "--json").stdout.splitlines()[0])
    article = int(story["articles"][0]["id"])
    with open_store(stack.settings["collect"]["db"]) as store:
        verdict = store.classification_of(article)
        store.save_classifications(
            [replace(verdict, relevant=True, uncertain=False, themes=THEMES, objectives=("A5",))]
        )
    return int(story["id"]), article


@pytest.mark.parametrize(("locale", "lang"), [("es-ES", "es"), ("fr-FR", "fr")])
def test_the_watch_filters_and_the_story_page_name_themes_and_objectives_alike(stack: Stack, locale, lang):
    stack.add_user("editora", "editor", lang=lang)
    story, article = a_story_about_carbon_markets(stack)
    page = stack.login("editora", locale=locale)

    # The watch page's filters: every objective by code and name, every theme by its name.
    page.goto(f"{stack.url}/watch")
    offered = [x.strip() for x in page.locator("#watch-objective option").all_inner_texts()[1:]]
    assert offered == [objective_name(code, lang) for code in taxonomy_names().objectives]
    assert A5[lang] in offered  # the words a reader sees, not only what the map says
    themes = [x.strip() for x in page.locator("#watch-theme option").all_inner_texts()[1:]]
    assert themes == [theme_name(x, lang) for x in Theme]

    # Filtering on an objective chosen by its name is a link with its code, and finds the story.
    page.select_option("#watch-objective", label=objective_name("A5", lang))
    submit(page, "#watch-submit")
    assert parse_qs(urlsplit(page.url).query)["objective"] == ["A5"]
    expect(page.locator(f"#story-{story}")).to_be_visible()

    # The story page says them as the filters did: the story's facts, the article's line, the correction
    # boxes; and a correction ticked by its name is said by its name.
    page.goto(f"{stack.url}/stories/{story}")
    expect(page.locator("#story-objectives")).to_have_text(objective_name("A5", lang))
    shown = page.locator("#story-themes").inner_text().strip().split(", ")  # its other articles' too
    assert {theme_name(x, lang) for x in THEMES} <= set(shown) <= {theme_name(x, lang) for x in Theme}, shown
    row = page.locator(f"#article-{article}")
    expect(row.locator("td.why")).to_contain_text(objective_name("A5", lang))
    row.locator("details.corrections summary").click()
    boxes = row.locator("form[data-field=objectives] label")
    assert [x.strip() for x in boxes.all_inner_texts()] == [
        objective_name(c, lang) for c in taxonomy_names().objectives
    ]
    row.locator("form[data-field=objectives]").get_by_label(objective_name("C2", lang)).check()
    submit(page, f"#article-{article} form[data-field=objectives] button")
    names = ", ".join(objective_name(code, lang) for code in ("A5", "C2"))
    expect(page.locator("#story-objectives")).to_have_text(names)
