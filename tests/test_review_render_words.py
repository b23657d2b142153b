"""Why an edition cannot be rendered, as review says it (the issue's table, a refused approval, the reasons
an issue may not be sent): in the reader's language, the render check's own words included; ``--json``
keeps the English. The pages are walked in tests/journeys/test_journey_render_words.py.
"""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from review_samples import add_team, make_issue, open_store

from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.errors import Refused
from mediawatch.render.environment import SHIPPED_TEMPLATES
from mediawatch.review import actions
from mediawatch.review.users import acting_user

LOGO = "https://x.example/logo.png"
WORDS = {
    "en": "breaks 1 check: an image has no alt text: 'https://x.example/logo.png'",
    "fr": "ne passe pas 1 contrôle : une image n'a pas de texte alternatif : 'https://x.example/logo.png'",
    "es": "no supera 1 comprobación: una imagen no tiene texto alternativo: 'https://x.example/logo.png'",
}


@pytest.fixture
def broken(tmp_path):
    """Templates whose header shows an image without alt text: every edition breaks one check."""
    templates = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, templates)
    header = templates / "partials" / "header.mjml.j2"
    source = header.read_text(encoding="utf-8")
    header.write_text(
        source.replace("<mj-column>", f'<mj-column><mj-image src="{LOGO}" />', 1), encoding="utf-8"
    )
    return templates


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_review_says_why_an_edition_cannot_be_rendered_in_the_readers_language(db_url, broken, lang):
    store = open_store(db_url)
    try:
        add_team(store)
        issue_id = make_issue(store)
        actions.submit(store, issue_id, acting_user(store, "ana"))
        settings = Settings(templates_dir=str(broken))
        [review] = actions.review_editions(store, issue_id, settings, [lang])
        assert WORDS[lang] in review.render_error_text(lang)
        assert WORDS["en"] in review.render_error_text("en")
        blockers = [
            b for b in actions.sendable_blockers(store, issue_id, settings) if b.key.endswith("render")
        ]
        assert len(blockers) == 3
        assert all(WORDS[lang] in b.text(lang) and "breaks" not in b.text(lang) for b in blockers)
        with pytest.raises(Refused) as refused:
            actions.approve(store, issue_id, lang, acting_user(store, "bruno"), settings)
        assert WORDS[lang] in refused.value.translated(lang)
        assert WORDS["en"] in str(refused.value.reason.text("en"))
    finally:
        store.close()


def test_issues_show_says_it_in_the_commands_language_and_json_in_english(
    db_url, broken, tmp_path, monkeypatch
):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.setenv("MEDIAWATCH_TEMPLATES_DIR", str(broken))
    store = open_store(db_url)
    add_team(store)
    slug = store.find_issue(make_issue(store)).slug
    store.close()
    runner = CliRunner()
    shown = runner.invoke(cli, ["--lang", "fr", "--db", db_url, "issues", "show", slug])
    assert WORDS["fr"] in " ".join(shown.output.split()), shown.output
    assert "breaks" not in shown.output
    listed = runner.invoke(cli, ["--lang", "fr", "--db", db_url, "issues", "show", slug, "--json"])
    editions = json.loads(listed.output)["editions"]
    assert all(WORDS["en"] in e["render_error"] for e in editions), editions
