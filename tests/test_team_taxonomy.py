"""A team's own taxonomy (the ``taxonomy_dir`` setting) is the one every stage offers, accepts and names:
the search filters (CLI and web), the saved watches, the story's corrections; an objective of the team's
own is named with its description. The browser journey is tests/journeys/test_journey_team_taxonomy.py."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from search_samples import fill
from taxonomy_samples import OWN, TEAM_OBJECTIVES, team_taxonomy

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.cli import cli
from mediawatch.errors import ConfigError, InvalidInput
from mediawatch.i18n.themes import objective_name
from mediawatch.store import open_store
from mediawatch.types import Theme
from mediawatch.watch import curation
from mediawatch.watch.service import make_filters
from mediawatch.watch.watches import filter_words, filters_of


@pytest.fixture
def team(tmp_path):
    return taxonomy_names(team_taxonomy(tmp_path))


def test_the_names_are_the_teams_own(team):
    assert tuple(team.objectives) == TEAM_OBJECTIVES
    assert team.objectives["Z9"] == OWN
    assert team.themes == tuple(x.value for x in Theme if x is not Theme.EVENTS)
    packaged = taxonomy_names()
    assert "E2" in packaged.objectives
    assert packaged.themes == tuple(x.value for x in Theme)


@pytest.mark.parametrize(
    ("lang", "a5"),
    [
        ("fr", "A5 – Marchés carbone pour les agriculteurs"),
        ("en", "A5 – Carbon markets for farmers"),
        ("es", "A5 – Mercados de carbono para agricultores"),
    ],
)
def test_a_teams_own_objective_is_named_by_its_description(team, lang, a5):
    assert team.objective_name("Z9", lang) == f"Z9 – {OWN}"
    assert team.objective_name("A5", lang) == a5  # a code the catalogues know keeps their name
    assert objective_name("Z9", lang) == "Z9"  # without the team's words: the bare code, never a key
    [line] = filter_words({"objective": "Z9"}, lang, names=team)  # a saved watch's filters in words
    assert line.endswith(f"Z9 – {OWN}"), line


def test_the_filters_accept_the_teams_codes_and_refuse_the_others(team):
    assert make_filters(names=team, objective="z9").objective == "Z9"
    assert filters_of({"objective": "Z9", "theme": "policy"}, team).objective == "Z9"
    with pytest.raises(ConfigError, match="“E2” is not a strategic objective") as caught:
        make_filters(names=team, objective="E2")
    assert "Z9" in str(caught.value)
    with pytest.raises(ConfigError, match="“events” is not a theme"):
        filters_of({"theme": "events"}, team)
    with pytest.raises(ConfigError):
        make_filters(names=taxonomy_names(), objective="Z9")  # the packaged taxonomy has no Z9


def test_a_correction_names_only_the_teams_themes_and_objectives(team):
    assert curation.parse_correction("objectives", ["z9", "A5"], team).value == ("Z9", "A5")
    with pytest.raises(InvalidInput, match="E2"):
        curation.parse_correction("objectives", "E2", team)
    with pytest.raises(InvalidInput, match="events"):
        curation.parse_correction("themes", "events", team)


def test_an_edit_of_the_taxonomy_is_seen_without_a_restart(tmp_path):
    folder = team_taxonomy(tmp_path)
    assert taxonomy_names(folder).objectives["Z9"] == OWN
    team_taxonomy(tmp_path, description="Sols du plan, deuxième version")
    assert taxonomy_names(folder).objectives["Z9"] == "Sols du plan, deuxième version"


def test_the_cli_search_takes_the_teams_objectives(tmp_path, monkeypatch, db_url):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.setenv("MEDIAWATCH_TAXONOMY_DIR", str(team_taxonomy(tmp_path)))
    with open_store(db_url) as store:
        fill(store)
    runner = CliRunner()
    found = runner.invoke(cli, ["--db", db_url, "articles", "search", "--objective", "Z9"])
    assert found.exit_code == 0, found.output
    refused = runner.invoke(cli, ["--db", db_url, "--lang", "fr", "articles", "search", "--objective", "E2"])
    assert refused.exit_code == 2
    assert "«\u00a0E2\u00a0»" in refused.output
    assert "Z9" in refused.output
    assert "Traceback" not in refused.output
