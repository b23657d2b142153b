"""`mediawatch nightly --no-collect` needs no source: a missing feeds/ folder is said, not a failure."""

from __future__ import annotations

import json

import pytest
import tomlkit
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.store import open_store

MISSING_FEEDS = {
    "fr": "aucun dossier de sources",
    "en": "no sources folder",
    "es": "ninguna carpeta de fuentes",
}


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_no_collect_without_a_feeds_folder_succeeds_and_says_so(tmp_path, monkeypatch, db_url, lang):
    config = tmp_path / "config.toml"
    nightly = {
        "nightly_press_review": "off",
        "nightly_newsletter": "off",
        "log_file": str(tmp_path / "nightly.jsonl"),
    }
    doc = {"classify": {"model_path": str(tmp_path / "model.npz")}, "nightly": nightly}
    config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(config))
    feeds = tmp_path / "feeds"  # never created
    args = ["--db", db_url, "--feeds", str(feeds), "--lang", lang, "nightly", "--no-collect", "--no-notify"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "exit=0" in result.stdout
    assert "errors=0" in result.stdout
    (line,) = result.stderr.splitlines()  # one line, in the reader's words, naming the folder
    assert MISSING_FEEDS[lang] in line, line
    assert str(feeds) in line
    events = [json.loads(x) for x in (tmp_path / "nightly.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "registry.failed" not in [e["event"] for e in events]
    assert any(e["event"] == "registry.skipped" for e in events)
    with open_store(db_url) as store:
        [run, *_] = store.recent_runs("nightly")
    assert run.status == "ok"
    assert run.summary["errors"] == []


def test_no_collect_keeps_the_stored_sources_when_feeds_is_missing(tmp_path, monkeypatch, db_url):
    """No folder is not an empty registry: the sources a collection recorded stay as they were."""
    from mediawatch.sources.registry import load_registry

    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "s.toml").write_text(
        '[[source]]\nid = "one"\nname = "One"\nurl = "https://example.org/feed"\nkind = "rss"\n'
        'language = "fr"\n',
        encoding="utf-8",
    )
    with open_store(db_url) as store:
        store.sync_sources(load_registry(feeds))
    (feeds / "s.toml").unlink()
    feeds.rmdir()
    config = tmp_path / "config.toml"
    nightly = {"nightly_press_review": "off", "nightly_newsletter": "off"}
    config.write_text(tomlkit.dumps({"nightly": nightly}), encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(config))
    monkeypatch.setenv("MEDIAWATCH_LOG_FILE", str(tmp_path / "nightly.jsonl"))
    args = ["--db", db_url, "--feeds", str(feeds), "--lang", "en", "nightly", "--no-collect", "--no-notify"]
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources_total"] == 1
