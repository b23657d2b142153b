"""Rough edges a tester found running every README command: each case runs the CLI as a user does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.errors import NothingToCollect

DISABLED = (
    '[[source]]\nid = "quiet"\nname = "Quiet"\nurl = "https://quiet.example/feed"\nkind = "rss"\n'
    'language = "fr"\nenabled = false\n'
)


@pytest.fixture
def run(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    for name in ("MEDIAWATCH_DB", "MEDIAWATCH_LANG", "MEDIAWATCH_BASE_URL", "MEDIAWATCH_USER"):
        monkeypatch.delenv(name, raising=False)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        argv = ["--db", str(tmp_path / "db.sqlite3"), "--feeds", str(feeds), *args]
        return runner.invoke(cli, argv, env=env, input=input, catch_exceptions=False)

    invoke.feeds = feeds
    invoke.root = tmp_path
    return invoke


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_collect_and_nightly_agree_when_no_source_is_enabled(run, lang):
    (run.feeds / "local.toml").write_text(DISABLED, encoding="utf-8")
    collect = run("--lang", lang, "collect")
    nightly = run("--lang", lang, "nightly", "--no-notify")
    assert collect.exit_code == nightly.exit_code == NothingToCollect.exit_code == 5, collect.output
    (line,) = collect.stderr.splitlines()
    assert "mediawatch sources enable" in line
    assert "mediawatch sources import-opml" in line
    assert str(run.feeds) in line
    assert {"en": "no enabled source", "fr": "aucune source activée", "es": "ninguna fuente activada"}[lang] in line
