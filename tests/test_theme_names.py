"""A theme and a strategic objective are named the same way on every page, edition, report and CLI listing:
one map (``mediawatch.i18n.themes``), in the reader's language, an objective with its code kept in front."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from review_samples import add_team, select_options, signed_in
from search_samples import STORY, fill

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.i18n import LANGUAGES, catalogue
from mediawatch.i18n.themes import OBJECTIVE_KEYS, THEME_KEYS, objective_name, theme_name
from mediawatch.render.model import section_title
from mediawatch.store import open_store
from mediawatch.types import Theme
from mediawatch.watch.story import story_lines, story_view
from mediawatch.watch.watches import filter_words
from mediawatch.web.app import create_app


def test_the_map_names_every_theme_and_every_packaged_objective():
    assert list(THEME_KEYS) == [x.value for x in Theme]
    assert set(OBJECTIVE_KEYS) == set(taxonomy_names().objectives)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_other_catalogue_table_names_the_themes(lang):
    # A second table is how "Bosques" and "Silvicultura" came to name one theme on two pages.
    themes = {x.value for x in Theme}
    own = ("theme.name.", "story.hashtag.theme.")  # hashtags are tags, not names
    others = sorted(k for k in catalogue(lang) if k.rsplit(".", 1)[-1] in themes and not k.startswith(own))
    assert others == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_stage_names_a_theme_as_the_map_does(lang):
    for theme in Theme:
        name = theme_name(theme, lang)
        assert name == catalogue(lang)[THEME_KEYS[theme.value]]
        assert section_title(theme.value, lang) == name  # the editions' sections
        [line] = filter_words({"theme": theme.value}, lang)  # a saved watch's filters, web and CLI
        assert line.endswith(name), line


def test_the_wording_chosen_for_the_themes_that_differed():
    assert theme_name("mrv_monitoring", "es") == "Medición y seguimiento (MRV)"
    assert theme_name("forestry_agroforestry", "es") == "Bosques y agroforestería"
    assert theme_name("mrv_monitoring", "fr") == "Mesure et suivi (MRV)"
    assert theme_name("mrv_monitoring", "en") == "Measurement and monitoring (MRV)"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "A5 – Marchés carbone pour les agriculteurs"),
        ("en", "A5 – Carbon markets for farmers"),
        ("es", "A5 – Mercados de carbono para agricultores"),
    ],
)
def test_an_objective_is_its_code_and_its_name_in_the_readers_language(lang, expected):
    assert objective_name("A5", lang) == expected
    [line] = filter_words({"objective": "A5"}, lang)
    assert line.endswith(expected), line


def test_an_objective_of_a_teams_own_taxonomy_is_said_as_its_code():
    assert objective_name("Z9", "fr") == "Z9"
    [line] = filter_words({"objective": "Z9"}, "es")
    assert line.endswith(" Z9"), line
    assert "objective.name" not in line


@pytest.fixture(scope="module")
def site(module_db_url: str) -> Iterator[tuple[Any, Any, dict[str, int]]]:
    store = open_store(module_db_url)
    ids = fill(store)
    add_team(store)
    settings = Settings(secret_key="theme-names-tests-secret-0123456789", extract_workers=1)
    app = create_app(settings, store)
    yield app, store, ids
    store.close()


@pytest.mark.parametrize(("user", "lang"), [("vic", "es"), ("carla", "fr"), ("ana", "en")])
def test_the_watch_filters_name_themes_and_objectives_as_the_map_does(site, user, lang):
    app, _store, _ids = site
    page = signed_in(app, user).get("/watch").get_data(as_text=True)
    assert select_options(page, "watch-theme") == {x.value: theme_name(x, lang) for x in Theme}
    assert select_options(page, "watch-objective") == {
        c: objective_name(c, lang) for c in taxonomy_names().objectives
    }
    # a wrong value is said with the choices as the page names them
    page = signed_in(app, user).get("/watch?objective=Q7").get_data(as_text=True)
    assert html.escape(objective_name("A5", lang), quote=False) in page


@pytest.mark.parametrize(("user", "lang"), [("vic", "es"), ("carla", "fr")])
def test_the_story_page_names_themes_and_objectives_as_the_map_does(site, user, lang):
    app, store, ids = site
    page = signed_in(app, user).get(f"/stories/{ids[STORY[0]]}").get_data(as_text=True)
    facts = re.search(r'<dd id="story-objectives">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]
    assert html.unescape(facts) == objective_name("A5", lang)
    themes = re.search(r'<dd id="story-themes">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]
    assert theme_name("science", lang) in html.unescape(themes)
    # the article's own line and, for an editor, the correction boxes
    assert html.escape(objective_name("A5", lang), quote=False) in page.split('id="articles"', 1)[1]

    editor_page = signed_in(app, "ana").get(f"/stories/{ids[STORY[0]]}").get_data(as_text=True)
    boxes = re.findall(r'value="(\w\d)"(?: checked)?>([^<]*)</label>', editor_page)
    assert boxes
    assert all(html.unescape(text) == objective_name(code, "en") for code, text in boxes), boxes


def test_stories_show_names_objectives_for_a_person(site):
    _app, store, ids = site
    lines = story_lines(story_view(store, ids[STORY[0]]), "es")
    assert any(line.endswith(objective_name("A5", "es")) for line in lines), lines
    themes = f"{theme_name('science', 'es')} y {theme_name('practices', 'es')}"  # a list in a sentence
    assert any(line.endswith(themes) for line in lines), lines


def test_the_cli_names_a_watchs_theme_and_objective_filters(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)
    runner = CliRunner()
    base = ("--db", str(tmp_path / "db.sqlite3"), "--lang", "fr")
    added = runner.invoke(
        cli,
        [*base, "watches", "add", "Marchés", "--query", "sols", "--objective", "a5", "--theme",
         "mrv_monitoring", "--every", "weekly", "--owner", "team", "--email", "equipe@example.org"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, [*base, "watches", "list"])
    assert listed.exit_code == 0, listed.output
    assert objective_name("A5", "fr") in listed.output
    assert theme_name("mrv_monitoring", "fr") in listed.output
