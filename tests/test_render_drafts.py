"""`render` never publishes a draft: an issue not yet approved goes to the drafts folder, a draft pointed at
the public archive is refused, and the archive's index pages and feeds list published issues only."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from deliver_samples import approved_issue, make_settings
from review_samples import make_issue

from mediawatch.cli import cli
from mediawatch.render import render_issue
from mediawatch.store import Store


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        '[render]\nissues_dir = "public"\n\n[nightly]\nnightly_drafts_dir = "drafts"\n', encoding="utf-8"
    )
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(config))
    settings = make_settings(tmp_path).with_overrides(issues_dir="public", nightly_drafts_dir="drafts")
    store = Store(f"sqlite:///{settings.db}")
    yield tmp_path, settings, store
    store.close()


def invoke(settings, *args: str):
    return CliRunner().invoke(cli, ["--db", settings.db, *args], catch_exceptions=False)


def test_render_of_a_draft_writes_the_drafts_folder_not_the_public_archive(setup):
    root, settings, store = setup
    slug = store.find_issue(make_issue(store)).slug
    result = invoke(settings, "render", slug)
    assert result.exit_code == 0, result.output
    assert "not approved yet: rendered into the drafts folder" in result.output
    assert list((root / "drafts").glob(f"*/{slug}/en.html"))
    assert not (root / "public").exists()


def test_render_of_a_draft_into_the_archive_is_refused(setup):
    root, settings, store = setup
    slug = store.find_issue(make_issue(store)).slug
    (root / "public").mkdir()  # a folder named with --out must exist (README)
    result = invoke(settings, "--lang", "fr", "render", slug, "--out", "public")
    assert result.exit_code != 0
    assert f"{slug} est à l'état «\u00a0brouillon\u00a0», pas approuvé" in result.output
    assert "public" in result.output
    assert list((root / "public").iterdir()) == []


def test_an_approved_issue_is_published_and_the_index_lists_only_published_issues(setup):
    root, settings, store = setup
    published = store.find_issue(approved_issue(store, settings)).slug
    draft = store.find_issue(make_issue(store)).slug
    assert draft != published
    # A draft rendered (by hand, elsewhere) into a folder that later also holds a published issue.
    render_issue(store, draft, settings, root / "site")
    result = invoke(settings, "render", published, "--out", "site")
    assert result.exit_code == 0, result.output
    assert "not approved" not in result.output
    index = (root / "site" / "index.en.html").read_text(encoding="utf-8")
    feed = (root / "site" / "feed.en.atom").read_text(encoding="utf-8")
    assert published in index
    assert published in feed
    assert draft not in index
    assert draft not in feed
    manifest = next((root / "site").glob(f"*/{draft}/issue.json"))
    assert json.loads(manifest.read_text(encoding="utf-8"))["published"] is False

    result = invoke(settings, "render", published)
    assert result.exit_code == 0, result.output
    assert list((root / "public").glob(f"*/{published}/en.html"))
    assert draft not in (root / "public" / "index.en.html").read_text(encoding="utf-8")
