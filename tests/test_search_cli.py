"""`mediawatch articles search`: JSON per story, readable text in the user's language, clear errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from search_samples import STORY, fill

from mediawatch.cli import cli
from mediawatch.store import open_store


@pytest.fixture
def search(tmp_path, monkeypatch, db_url):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    store = open_store(db_url)
    ids = fill(store)
    store.close()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    invoke.ids = ids  # type: ignore[attr-defined]
    return invoke


def test_json_gives_one_object_per_story_with_its_articles(search):
    ids = search.ids
    result = search("articles", "search", "sols OR suelo", "--json")
    assert result.exit_code == 0, result.output
    stories = [json.loads(line) for line in result.output.splitlines()]
    assert [s["story_id"] for s in stories] == [ids["fr1"], ids["fr2"], ids["es2"]]
    first = stories[0]
    assert first["languages"] == ["fr", "es", "en"]  # matching articles first
    assert first["outlets"] == ["Le Monde", "El País", "The Guardian"]
    assert {a["id"] for a in first["articles"]} == {ids[k] for k in STORY}
    article = first["articles"][0]
    assert set(article) == {"id", "title", "url", "outlet", "language", "published", "state", "matched"}
    assert article["title"] == "Les sols vivants stockent le carbone"
    assert article["url"] == "https://news.example/fr1"
    assert (article["language"], article["state"], article["matched"]) == ("fr", "relevant", True)
    assert article["published"].startswith("2026-02-28T12:00:00")
    assert stories[1]["articles"][0]["state"] == "unsure"


def test_filters_and_paging(search):
    ids = search.ids
    result = search(
        "articles",
        "search",
        "carbon",
        "--lang",
        "es",
        "--state",
        "unsure",
        "--state",
        "not_relevant",
        "--json",
    )
    assert [json.loads(line)["story_id"] for line in result.output.splitlines()] == [ids["es2"], ids["es3"]]
    result = search(
        "articles", "search", "carbon", "--theme", "policy", "--region", "latin_america", "--json"
    )
    assert [json.loads(line)["story_id"] for line in result.output.splitlines()] == [ids["es2"]]
    result = search("articles", "search", "carbon", "--source", "agri", "--until", "2026-02-26", "--json")
    assert [json.loads(line)["story_id"] for line in result.output.splitlines()] == [ids["es2"]]
    result = search("articles", "search", "carbon", "--limit", "2")
    assert result.exit_code == 0
    assert "More stories follow: add --offset 2 to see them." in result.output


def test_text_output_speaks_the_users_language(search):
    result = search("--lang", "fr", "articles", "search", "sols", "--since", "2026-02-27")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    s = search.ids["fr1"]
    assert lines[0] == f"Sujet {s} : 3 articles, le plus récent du 2026-02-28 (français, anglais, espagnol)"
    assert "  * 2026-02-28  Le Monde  [français, pertinent]" in lines
    assert "  · 2026-02-28  The Guardian  [anglais, pertinent]" in lines
    assert any(line.startswith(f"Sujet {search.ids['fr2']} : 1 article,") for line in lines)
    result = search("--lang", "es", "articles", "search", "azote")
    assert result.output.strip() == "Ninguna noticia corresponde a esta búsqueda."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["articles", "search", 'carbone "du sol'], 'error: a quotation mark is not closed: "du sol'),
        (["articles", "search", "--", "-océan"], "error: the search only leaves things out"),
        (["--lang", "fr", "articles", "search", "sol -"], "erreur : un signe moins doit être suivi"),
        (["--lang", "es", "articles", "search", "x" * 501], "error: la búsqueda es demasiado larga (501"),
        (["articles", "search", "sol", "--theme", "weather"], "error: “weather” is not a theme (choose from"),
        (["articles", "search", "sol", "--state", "maybe"], "error: “maybe” is not a relevance state"),
        (
            ["articles", "search", "sol", "--since", "2026-03-01", "--until", "2026-02-01"],
            "error: the period ends",
        ),
    ],
)
def test_bad_input_is_a_readable_message_not_a_traceback(search, args, message):
    result = search(*args)
    assert result.exit_code == 2
    assert result.output.startswith(message), result.output
    assert "Traceback" not in result.output


def test_csv_gives_one_row_per_article_for_a_spreadsheet(search):
    ids = search.ids
    result = search("articles", "search", "sols OR suelo", "--csv")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeff")  # the byte-order mark a spreadsheet needs to read accents
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert [int(r["story"]) for r in rows][0] == ids["fr1"]
    assert {int(r["article"]) for r in rows if int(r["story"]) == ids["fr1"]} == {ids[k] for k in STORY}
    first = next(r for r in rows if int(r["article"]) == ids["fr1"])
    assert (first["title"], first["language"], first["state"]) == (
        "Les sols vivants stockent le carbone",
        "fr",
        "relevant",
    )


@pytest.mark.parametrize(("lang", "says"), [("en", "not both"), ("fr", "pas les deux"), ("es", "no ambos")])
def test_json_and_csv_together_is_a_clear_refusal(search, lang, says):
    result = search("--lang", lang, "articles", "search", "sols", "--json", "--csv")
    assert result.exit_code == 2
    assert says in result.output


def test_without_a_query_the_stream_with_the_watch_filters(search):
    ids = search.ids

    def stories(*args: str) -> list[int]:
        result = search("articles", "search", *args, "--json")
        assert result.exit_code == 0, result.output
        return [json.loads(line)["story_id"] for line in result.output.splitlines()]

    assert stories()[:2] == [ids["fr1"], ids["fr2"]]
    assert len(stories()) == 9
    assert stories("", "--sent-in") == [ids["en2"]]
    assert stories("--used") == [ids["fr1"]]
    assert stories("carbon", "--unused", "--outlet-type", "press", "--objective", "a5") == []
    assert stories("carbon", "--not-sent-in", "--outlet-type", "blog") == [ids["es2"]]
    assert stories("--objective", "A5") == [ids["fr1"]]
    bad = search("--lang", "fr", "articles", "search", "--objective", "Z9")
    assert bad.exit_code != 0
    assert "Z9" in bad.output
    assert "objectif stratégique" in bad.output  # in the language asked for


def test_a_query_starting_with_an_exclusion_goes_after_the_double_dash_and_is_a_search(search):
    """README: `mediawatch articles search -- '-ocean carbon'` is the search `carbon -ocean` (it looks for
    a word); only exclusions are refused, and without `--` the command line reads an option."""
    leading = search("articles", "search", "--json", "--", "-ocean carbon")
    trailing = search("articles", "search", "--json", "carbon -ocean")
    assert leading.exit_code == 0, leading.output
    assert leading.output == trailing.output
    assert leading.output.strip()
    assert search("articles", "search", "--", "-ocean -sea").exit_code == 2
    without = search("articles", "search", "-ocean carbon")
    assert without.exit_code == 2
    assert "No such option" in without.output
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "is refused anyway" not in readme
    assert "`mediawatch articles search -- '-ocean carbon'`" in readme
