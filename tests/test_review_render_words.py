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
from mediawatch.i18n import language_name
from mediawatch.render.environment import SHIPPED_TEMPLATES
from mediawatch.review import actions
from mediawatch.review.users import acting_user

LOGO = "https://x.example/logo.png"
# Why, said once: "cannot be rendered" and the edition named by the sentence around the checks' clause,
# never again inside it.
CLAUSE = {
    "en": "because 1 check fails: an image has no alt text: “https://x.example/logo.png”",
    "fr": "car 1 contrôle échoue : une image n'a pas de texte alternatif : «\u00a0https://x.example/logo.png\u00a0»",
    "es": "porque falla 1 control: una imagen no tiene texto alternativo: «https://x.example/logo.png»",
}
CANNOT = {"en": "cannot be rendered", "fr": "ne peut pas être mise en page", "es": "maquetar"}
SENTENCE = {
    "en": "the {name} edition cannot be rendered " + CLAUSE["en"],
    "fr": "l'édition en {name} ne peut pas être mise en page, " + CLAUSE["fr"],
    "es": "la edición en {name} no se puede maquetar " + CLAUSE["es"],
}


def sentence(edition: str, reader: str) -> str:
    return SENTENCE[reader].format(name=language_name(edition, reader))


def said_once(text: str, lang: str) -> None:
    assert text.count(CANNOT[lang]) == 1, text
    edition = {"en": "edition", "fr": "édition", "es": "edición"}[lang]
    assert text.lower().count(edition) == 1, text


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
        assert review.render_error_text(lang) == sentence(lang, lang)
        assert review.render_error_text("en") == sentence(lang, "en")
        blockers = [b for b in actions.sendable_blockers(store, issue_id, settings) if "render" in b.key]
        assert len(blockers) == 3
        assert {b.text(lang) for b in blockers} == {sentence(code, lang) for code in ("fr", "en", "es")}
        for blocker in blockers:
            said_once(blocker.text(lang), lang)
        with pytest.raises(Refused) as refused:
            actions.approve(store, issue_id, lang, acting_user(store, "bruno"), settings)
        assert refused.value.translated(lang) == sentence(lang, lang)
        assert refused.value.reason.text("en") == sentence(lang, "en")
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
    assert " ".join(CLAUSE["fr"].split()) in " ".join(shown.output.split()), shown.output  # a table wraps
    assert "check" not in shown.output
    listed = runner.invoke(cli, ["--lang", "fr", "--db", db_url, "issues", "show", slug, "--json"])
    editions = json.loads(listed.output)["editions"]
    assert all(e["render_error"].endswith(CLAUSE["en"]) for e in editions), editions


def refusal(count: int):
    from mediawatch.i18n import Message
    from mediawatch.render.edition import checks_refused

    problems = [Message("render.check.subject_empty"), Message("render.check.text_empty")][:count]
    return checks_refused("fr", problems)


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "the French edition cannot be rendered because 1 check fails: the subject is empty",
         "the French edition cannot be rendered because 2 checks fail: the subject is empty; "
         "the plain-text part is empty"),
        ("fr", "l'édition en français ne peut pas être mise en page, car 1 contrôle échoue : "
         "l'objet est vide",
         "l'édition en français ne peut pas être mise en page, car 2 contrôles échouent : l'objet est vide ; "
         "la version texte est vide"),
        ("es", "la edición en francés no se puede maquetar porque falla 1 control: el asunto está vacío",
         "la edición en francés no se puede maquetar porque fallan 2 controles: el asunto está vacío; "
         "la versión de texto plano está vacía"),
    ],
)  # fmt: skip
def test_a_refusal_by_the_checks_says_it_once_with_the_count_in_words(lang, one, two):
    assert [refusal(n).translated(lang) for n in (1, 2)] == [one, two]
    # said after "the ... edition cannot be rendered" by review: the clause, not the whole sentence again
    blocker = actions.render_blocker("fr", refusal(2))
    assert blocker.text(lang) == two
