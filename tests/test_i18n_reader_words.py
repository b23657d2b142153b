"""Words a person read in English or in codes whatever their language: a database URL the library cannot
use, the render checks, the failing sources, the "nothing to compose" and "cannot be sent" reasons and the
period in the editors' nightly mail.

Each case runs in English (the English words are really there) and in French and Spanish, where they are
not and the translated words are; logs and `--json` keep the English.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def no_config(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    for name in (*LOCALE_VARS, "MEDIAWATCH_DB"):
        monkeypatch.delenv(name, raising=False)


# -- a database URL the database library refuses ------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "error: cannot open database foo://x/y: the database library says: Can't load plugin"),
        ("fr", "erreur : impossible d'ouvrir la base foo://x/y : la bibliothèque de bases de données "
               "indique : «\u00a0Can't load plugin"),
        ("es", "error: no se puede abrir la base de datos foo://x/y: la biblioteca de bases de datos indica: "
               "«Can't load plugin"),
    ],
)  # fmt: skip
def test_a_database_url_the_library_refuses_is_said_in_words(no_config, lang, words):
    result = CliRunner().invoke(cli, ["--lang", lang, "--db", "foo://x/y", "sources", "health"])
    assert result.exit_code == 5, result.output
    assert words in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_refused_database_url_stays_english_in_logs():
    from mediawatch.errors import StorageError
    from mediawatch.store import open_store

    with pytest.raises(StorageError) as caught:
        open_store("postgresql+psycopg://mw:S3cret@h:notaport/db")
    assert str(caught.value) == (
        "cannot open database postgresql+psycopg://mw:***@h:notaport/db: "
        "the database library says: invalid literal for int() with base 10: 'notaport'"
    )
    assert "S3cret" not in caught.value.translated("fr")


# -- nothing to compose: said in the reader's language, logged in English ----------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "Press review: no issue composed, as no story in the period 1–31 Jan 2021 is relevant"),
        ("fr", "Revue de presse : aucun numéro composé, car aucun sujet de la période du 1er au 31 janv. "
               "2021 n'est pertinent"),
        ("es", "Revista de prensa: no se ha compuesto ningún número, porque ninguna noticia del período "),
    ],
)  # fmt: skip
def test_nothing_to_compose_is_said_in_the_commands_language(no_config, tmp_path, lang, words):
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = CliRunner().invoke(
        cli,
        ["--lang", lang, "--db", db, "compose", "press-review", "--from", "2021-01-01", "--to", "2021-02-01"],
    )
    assert result.exit_code == 5, result.output
    assert words in result.output, result.output


def test_the_nightly_logs_nothing_to_compose_in_english(tmp_path):
    """The run speaks French (its stderr, its mail); its JSON log stays English."""
    import io
    import json
    from datetime import UTC, datetime

    from mediawatch.config import Settings
    from mediawatch.i18n import use_language
    from mediawatch.nightly import json_logging, run_nightly
    from mediawatch.store import open_store

    settings = Settings(
        db=str(tmp_path / "db.sqlite3"),
        model_path=str(tmp_path / "model.npz"),
        nightly_press_review="weekly:mon",
        nightly_newsletter="off",
        nightly_drafts_dir=str(tmp_path / "drafts"),
    )
    lines = io.StringIO()
    use_language("fr")
    try:
        with open_store(f"sqlite:///{settings.db}") as store, json_logging(settings, lines) as log:
            run_nightly(
                store,
                settings,
                log=log,
                now=datetime(2026, 12, 1, 3, tzinfo=UTC),
                collect=False,
                notify=False,
            )
    finally:
        use_language(None)
    [nothing] = [e for e in map(json.loads, lines.getvalue().splitlines()) if e["event"] == "compose.nothing"]
    assert nothing["reason"].startswith("Press review: no issue composed, as no story in the period "), (
        nothing
    )


# -- review's reasons for holding an issue back: each language's words, whatever the run's ------------------
def test_an_issue_review_holds_back_is_said_in_every_language(tmp_path):
    """A due issue whose approval no longer covers what it renders: the nightly's problem says review's
    reasons in each language (its mail, its stderr), though the run spoke English; its record keeps
    English."""
    from datetime import UTC, datetime, timedelta

    from deliver_samples import approved_issue

    from mediawatch.config import Settings
    from mediawatch.nightly import run_nightly
    from mediawatch.review.actions import schedule
    from mediawatch.review.users import acting_user
    from mediawatch.store import open_store
    from mediawatch.types import IssueState

    base = {"db": str(tmp_path / "db.sqlite3"), "model_path": str(tmp_path / "model.npz"),
            "nightly_press_review": "off", "nightly_newsletter": "off", "mail_from": "watch@example.org",
            "smtp_url": "smtp://127.0.0.1:9", "base_url": "http://127.0.0.1:8000",
            "allow_private_links": True, "nightly_drafts_dir": str(tmp_path / "drafts")}  # fmt: skip
    approved = Settings(**base, site_url="http://127.0.0.1:8000/archive")
    later = Settings(**base, site_url="http://127.0.0.1:8000/elsewhere")  # the editions render otherwise
    with open_store(f"sqlite:///{approved.db}") as store:
        issue_id = approved_issue(store, approved)
        now = datetime.now(UTC)
        schedule(store, issue_id, acting_user(store, "bruno"), now + timedelta(days=1), approved)
        past = now - timedelta(minutes=1)
        store.set_issue_state(
            issue_id, IssueState.SCHEDULED, actor="test", scheduled_for=past, expect=[IssueState.SCHEDULED]
        )
        result = run_nightly(store, later, now=now, collect=False, notify=False, ui_lang="en")
    [english] = result.errors
    assert "the French edition changed since it was approved" in english
    [refused] = result.problems
    assert "l'édition en français a changé depuis sa validation" in refused.text("fr"), refused.text("fr")
    assert "changed since" not in refused.text("fr")
    assert "la edición en francés cambió desde su aprobación" in refused.text("es"), refused.text("es")


# -- the editors' mail without a sender address ----------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "no sender address for the editors' email: set mail_from in [deliver] or MEDIAWATCH_FROM"),
        ("fr", "aucune adresse d’expéditeur pour le courriel aux éditeurs : renseignez mail_from dans "
               "[deliver] ou MEDIAWATCH_FROM"),
        ("es", "no hay dirección de remitente para el correo a los editores: indique mail_from en [deliver] "
               "o MEDIAWATCH_FROM"),
    ],
)  # fmt: skip
def test_the_editors_mail_without_a_sender_says_so_in_the_readers_language(lang, words):
    from datetime import UTC, datetime

    from mediawatch.config import Settings
    from mediawatch.errors import ConfigError
    from mediawatch.nightly.notify import RunNews, editor_message

    news = RunNews(at=datetime(2024, 5, 6, 3, tzinfo=UTC), drafts=(), new_articles=0, relevant=0,
                   stories=0, failing=(), stale=(), stale_after_days=14, previous_interrupted=False,
                   problems=())  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        editor_message(news, Settings(base_url="https://watch.example.org/"), "en", ["ana@example.org"])
    assert caught.value.translated(lang) == words
    assert str(caught.value) == caught.value.translated("en")
