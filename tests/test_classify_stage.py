"""The classify stage over stored articles: demo run end to end, --all, --jsonl, stories, retraining."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediawatch.classify.grouping import group_stories, list_stories
from mediawatch.classify.pipeline import classify_jsonl, classify_stored, load_classifier, retrain
from mediawatch.cli import cli
from mediawatch.collect.pipeline import collect
from mediawatch.config import Settings
from mediawatch.demo.__main__ import write_registry
from mediawatch.demo.server import DemoServer
from mediawatch.sources.registry import load_registry
from mediawatch.store import open_store
from mediawatch.types import Theme

OFF_TOPIC = ("carrelage-sol-cuisine", "carbon-fibre-bicycles", "bolsa-precio-carbono", "smartphone-batteries")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, module_db_url):
    """A database holding one collection of the demo sites (SQLite, then PostgreSQL)."""
    folder = tmp_path_factory.mktemp("demo")
    with DemoServer() as server:
        feeds = folder / "feeds"
        write_registry(server.base_url, feeds)
        settings = Settings(allow_private_addresses=True, per_host_delay=0.0, extract_workers=1)
        with open_store(module_db_url) as store:
            collect(store, load_registry(feeds), settings)
    return module_db_url


@pytest.fixture
def store(demo_db, copy_database):
    s = open_store(copy_database(demo_db))
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path):
    return Settings(model_path=str(tmp_path / "model.npz"))


def test_demo_articles_are_classified_and_false_friends_rejected(store, settings):
    report = classify_stored(store, load_classifier(settings))
    articles = {a.id: a for a in store.list_articles(include_duplicates=True)}
    results = {int(c.id): c for c in store.classifications()}
    assert report.classified == len(results) == sum(a.state.value != "pending" for a in articles.values())
    for article_id, result in results.items():
        url = articles[article_id].url
        if any(slug in url for slug in OFF_TOPIC):
            assert not result.relevant, url
        elif "/articles/" in url and "rapport" not in url and "punjab" not in url:
            assert result.relevant, (url, result.relevance)
    four = next(c for i, c in results.items() if "4-pour-1000-bilan" in articles[i].url)
    assert Theme.INITIATIVE_4P1000 in four.themes
    assert any(m.field == "title" for m in four.matched_terms)
    assert {c.language for c in results.values()} == {"fr", "en", "es"}


def test_only_new_articles_are_classified_unless_all(store, settings):
    classifier = load_classifier(settings)
    first = classify_stored(store, classifier)
    assert classify_stored(store, classifier).classified == 0
    assert classify_stored(store, classifier, everything=True).classified == first.classified


def test_press_release_and_its_rewrite_form_one_story(store, settings):
    classify_stored(store, load_classifier(settings))
    report = group_stories(store, settings)
    assert report.grouped > 0
    multi = [s for s in list_stories(store) if len(s.articles) > 1]
    assert len(multi) == 1
    [story] = multi
    assert set(story.languages) == {"fr", "es"}
    assert "pradera-c" in story.articles[0].url
    assert group_stories(store, settings).grouped == 0  # nothing new: nothing to do


def test_jsonl_mode_reports_bad_lines_and_goes_on(settings):
    lines = [
        json.dumps({"id": "a", "title": "El carbono orgánico del suelo en los Andes", "feed_language": "es"}),
        "{broken",
        json.dumps({"title": "no id"}),
        json.dumps({"id": "b", "title": 42}),
        json.dumps({"id": "c", "title": "x", "colour": "red"}),
        json.dumps({"id": 7, "summary": "Soil organic carbon rises under cover crops in Kenya."}),
    ]
    out = list(classify_jsonl(lines, load_classifier(settings)))
    assert [o.get("id") for o in out] == ["a", None, None, None, None, "7"]
    assert out[0]["language"] == "es"
    assert out[0]["relevant"] is True
    assert "line 2: not valid JSON" in out[1]["error"]
    assert out[2]["error"] == "line 3: missing 'id'"
    assert "“title” must be a string" in out[3]["error"]
    assert "colour" in out[4]["error"]
    assert out[5]["regions"] == ["africa"]
    assert set(out[0]) >= {
        "language",
        "language_confidence",
        "relevant",
        "relevance",
        "matched_terms",
        "themes",
        "regions",
        "objectives",
    }


def test_retrain_from_editor_decisions_then_blend(store, settings):
    classifier = load_classifier(settings)
    classify_stored(store, classifier)
    for c in store.classifications():
        store.record_decision(int(c.id), c.relevant, "editor")
    gold = Path(__file__).parent / "data" / "classify" / "dev.jsonl"
    report = retrain(store, settings, [gold])
    assert report.decisions > 0
    assert report.gold > 100
    blended = load_classifier(settings)
    assert blended.model is not None
    assert blended.version != classifier.version  # a new model means a new version
    assert classify_stored(store, blended, everything=True).classified == report.decisions


def test_retrain_needs_both_kinds_of_examples(store, settings):
    from mediawatch.errors import ConfigError

    with pytest.raises(ConfigError, match="both accepted and rejected"):
        retrain(store, settings, [])


def test_cli_classify_and_stories(store, tmp_path, monkeypatch):
    (tmp_path / "cfg.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "cfg.toml"))
    monkeypatch.setenv("MEDIAWATCH_MODEL_PATH", str(tmp_path / "none.npz"))
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", store.url, "classify"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "classify classified=" in result.output
    assert "stories grouped=" in result.output
    listed = runner.invoke(cli, ["--db", store.url, "stories", "list", "--json"])
    [story] = [json.loads(line) for line in listed.output.splitlines()]
    assert len(story["articles"]) == 2
    piped = runner.invoke(
        cli, ["classify", "--jsonl"], input='{"id": "x", "title": "Biochar and soil carbon"}\n'
    )
    assert json.loads(piped.output)["relevant"] is True
