"""The last English (and codes) a person read after the errors moved onto catalogue keys: the nightly's stage
errors (its stderr and the editors' mail), `send --due` and `send --status`, the lists of valid languages,
`subscribers list`'s count and `subscribers add`'s failed confirmation mail, `stories group --jsonl`'s bad
lines.

As in tests/test_i18n_said.py, a case runs in English (the English words are really there) and then in
French and Spanish, where they are not and the translated words are.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@dataclass(frozen=True)
class World:
    root: Path

    def run(self, lang: str, *args: str, config: str = "empty.toml", stdin: str | None = None):
        env: dict[str, str | None] = {name: None for name in LOCALE_VARS}
        env |= {"MEDIAWATCH_CONFIG": str(self.root / config), "MEDIAWATCH_DB": str(self.root / "db.sqlite3")}
        argv = ["--lang", lang, "--feeds", str(self.root / "feeds"), *args]
        return CliRunner().invoke(cli, argv, env=env, input=stdin, catch_exceptions=False)


@pytest.fixture
def world(tmp_path) -> World:
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    return World(tmp_path)


def unused_port() -> int:
    """A port bound and never listening: a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add(world: World, email: str, *more: str, lang: str = "en"):
    return world.run(
        lang, "subscribers", "add", email, "--language", "es", "--publication", "newsletter", *more
    )


# -- subscribers list: one/other -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "1 subscriber.", "2 subscribers."),
        ("fr", "1 abonné.", "2 abonnés."),
        ("es", "1 suscriptor.", "2 suscriptores."),
    ],
)
def test_subscribers_list_counts_one_and_more(world, lang, one, two):
    assert add(world, "ana@example.org", "--confirmed").exit_code == 0
    assert world.run(lang, "subscribers", "list").output.splitlines()[-1] == one
    assert add(world, "bea@example.org", "--confirmed").exit_code == 0
    assert world.run(lang, "subscribers", "list").output.splitlines()[-1] == two


# -- the valid languages in words ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "unknown language “de” (choose French (fr), English (en), Spanish (es))"),
        ("fr", "langue inconnue «\u00a0de\u00a0» (choisir parmi français (fr), anglais (en), espagnol (es))"),
        ("es", "idioma desconocido «de» (elija entre francés (fr), inglés (en), español (es))"),
    ],
)
def test_a_bad_fallback_language_names_the_languages(world, lang, words):
    result = add(world, "ana@example.org", "--confirmed", "--fallback", "de", lang=lang)
    assert result.exit_code == 2, result.output
    assert words in result.output, result.output


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "edition languages must be among French (fr), English (en), Spanish (es); got de"),
        ("fr", "les langues des éditions doivent être parmi français (fr), anglais (en), espagnol (es) ; "
               "reçu : de"),
        ("es", "los idiomas de las ediciones deben estar entre francés (fr), inglés (en), español (es); "
               "recibido: de"),
    ],
)  # fmt: skip
def test_bad_edition_languages_name_the_languages(lang, words):
    from mediawatch.compose.compose import parse_languages
    from mediawatch.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        parse_languages("fr,de", "fr,en,es")
    assert refused.value.translated(lang) == words
    assert (
        str(refused.value)
        == "edition languages must be among French (fr), English (en), Spanish (es); got de"
    )


# -- send --due ----------------------------------------------------------------------------------------------
def _due_issue(world: World, config: str) -> str:
    """An approved issue whose scheduled time has passed, and a reader of it."""
    from datetime import UTC, datetime, timedelta

    from deliver_samples import approved_issue

    from mediawatch.config import load_settings
    from mediawatch.deliver.subscribers import Origin, add_confirmed
    from mediawatch.review.actions import schedule
    from mediawatch.review.users import acting_user
    from mediawatch.store import open_store
    from mediawatch.types import IssueState

    settings = load_settings(str(world.root / config), env={"MEDIAWATCH_DB": str(world.root / "db.sqlite3")})
    with open_store(f"sqlite:///{world.root / 'db.sqlite3'}") as store:
        issue_id = approved_issue(store, settings)
        add_confirmed(store, email="reader@example.org", language="fr", publications="newsletter",
                      origin=Origin(method="cli"))  # fmt: skip
        schedule(
            store, issue_id, acting_user(store, "bruno"), datetime.now(UTC) + timedelta(days=1), settings
        )
        store.set_issue_state(
            issue_id,
            IssueState.SCHEDULED,
            actor="test",
            scheduled_for=datetime.now(UTC) - timedelta(minutes=1),
            expect=[IssueState.SCHEDULED],
        )
        return store.find_issue(issue_id).slug


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "is due but could not be sent: cannot connect to smtp://127.0.0.1:"),
        ("fr", "est à envoyer mais n'a pas pu l'être : impossible de se connecter à smtp://127.0.0.1:"),
        ("es", "no se puede conectar con smtp://127.0.0.1:"),
    ],
)
def test_send_due_says_why_an_issue_was_not_sent(world, lang, words):
    port = unused_port()
    (world.root / "mail.toml").write_text(
        f'[deliver]\nsmtp_url = "smtp://127.0.0.1:{port}?timeout=5"\nmail_from = "watch@example.org"\n'
        'allow_private_links = true\nsend_retry_base = 0\n[review]\nbase_url = "http://127.0.0.1:8000"\n'
        '[render]\nsite_url = "http://127.0.0.1:8000/archive"\n',
        encoding="utf-8",
    )
    slug = _due_issue(world, "mail.toml")
    result = world.run(lang, "send", "--due", config="mail.toml")
    assert result.exit_code == 1, result.output
    assert slug in result.output, result.output
    assert words in result.output, result.output
    if lang != "en":
        assert "cannot connect" not in result.output


# -- the nightly's stage errors and warnings -----------------------------------------------------------------
def test_a_stage_problem_keeps_its_english_line_and_says_it_in_each_language():
    from mediawatch.errors import NothingToCollect
    from mediawatch.i18n import said
    from mediawatch.nightly.outcome import problem, stage_problem

    empty = said(NothingToCollect, "collect.no_source", folder="feeds")
    said_error = stage_problem("collect", empty)
    assert said_error.english == f"collect: {empty}"
    assert said_error.text("fr") == f"collecte : {empty.translated('fr')}"
    assert said_error.text("es") == f"recolección: {empty.translated('es')}"
    bug = stage_problem("compose", KeyError("x"))
    assert bug.english == "compose: unexpected KeyError: 'x'"
    assert bug.text("fr") == "composition : erreur inattendue KeyError : 'x'"
    assert bug.text("es") == "composición: error inesperado KeyError: 'x'"
    lost = problem("watches: Sols: no address to send to", "nightly.problem.no_address", watch="Sols")
    assert lost.text("en") == lost.english
    assert lost.text("fr") == "veilles : Sols : aucune adresse à qui l’envoyer"


# -- stories group --jsonl -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["line 2: not valid JSON", "line 3: missing 'id'", "line 4: 'published' is not an ISO 8601",
                "line 5: duplicate id “a”"]),
        ("fr", ["ligne 2 : ce n'est pas du JSON valide", "ligne 3 : il manque 'id'",
                "ligne 4 : 'published' n'est pas une date", "ligne 5 : 'id' «\u00a0a\u00a0» déjà vu"]),
        ("es", ["línea 2: no es JSON válido", "línea 3: falta 'id'", "línea 4: 'published' no es una fecha",
                "línea 5: 'id' «a» ya apareció"]),
    ],
)  # fmt: skip
def test_stories_group_jsonl_says_each_bad_line_and_exits_4(world, lang, words):
    lines = [
        json.dumps({"id": "a", "title": "Soil carbon in Kenya", "published": "2026-11-02"}),
        "{broken",
        json.dumps({"title": "no id"}),
        json.dumps({"id": "b", "title": "Biochar", "published": "last tuesday"}),
        json.dumps({"id": "a", "title": "again"}),
        json.dumps({"id": "c", "title": "Soil carbon in Kenya", "published": "2026-11-03"}),
    ]
    result = world.run(lang, "stories", "group", "--jsonl", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 4, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, None, None, None, "c"]  # good lines in place
    assert [o.get("line") for o in out] == [None, 2, 3, 4, 5, None]
    assert out[1] == {
        "line": 2,
        "error": "line 2: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
    }
    errors = result.stderr.splitlines()
    assert len(errors) == len(words), errors
    for text, line in zip(words, errors, strict=True):
        assert text in line, line
    good = world.run(lang, "stories", "group", "--jsonl", stdin=lines[0] + "\n")
    assert (good.exit_code, good.stderr, json.loads(good.stdout)) == (0, "", {"id": "a", "story": "a"})


# -- the secret key file, a database the nightly cannot open ------------------------------------------------
def test_a_secret_key_file_that_cannot_be_made_is_said_in_the_language(tmp_path):
    from mediawatch.config import Settings
    from mediawatch.errors import ConfigError
    from mediawatch.review.links import secret_key

    missing = tmp_path / "gone"
    with pytest.raises(ConfigError) as refused:
        secret_key(Settings(db=str(missing / "db.sqlite3")))
    key = str(missing / "db.sqlite3.secret-key")
    assert str(refused.value) == (
        f"cannot create the secret key file “{key}”: the folder {missing} does not exist "
        "(create it first, or choose another path)"
    )
    assert refused.value.translated("fr").startswith(
        f"impossible de créer le fichier de clé secrète «\u00a0{key}\u00a0» : "
    )
    assert refused.value.translated("es").startswith(
        f"no se puede crear el archivo de clave secreta «{key}»: "
    )
    for lang in ("fr", "es"):
        assert "does not exist" not in refused.value.translated(lang)


@pytest.mark.parametrize(
    ("db", "words"),
    [
        ("", {"en": "cannot open the default database: disk on fire",
              "fr": "impossible d’ouvrir la base de données par défaut : disk on fire",
              "es": "no se puede abrir la base de datos predeterminada: disk on fire"}),
        ("/srv/watch.sqlite3", {"en": "cannot open “sqlite:////srv/watch.sqlite3”: disk on fire",
                                "fr": "impossible d’ouvrir «\u00a0sqlite:////srv/watch.sqlite3\u00a0» : "
                                      "disk on fire",
                                "es": "no se puede abrir «sqlite:////srv/watch.sqlite3»: disk on fire"}),
    ],
)  # fmt: skip
def test_a_database_the_nightly_cannot_open_is_said_in_the_language(db, words):
    from mediawatch.cli.context import Context
    from mediawatch.cli.nightly import _open
    from mediawatch.config import Settings
    from mediawatch.errors import StorageError

    class Unopenable(Context):
        @property
        def store(self):
            raise OSError("disk on fire")

    with pytest.raises(StorageError) as lost:
        _open(Unopenable(Settings(db=db)))
    assert str(lost.value) == words["en"]
    for lang, text in words.items():
        assert lost.value.translated(lang) == text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["1 waiting", "French: 1 waiting"]),
        ("fr", ["1 en attente", "français : 1 en attente"]),
        ("es", ["1 en espera", "francés: 1 en espera"]),
    ],
)  # fmt: skip
def test_send_status_says_states_and_languages_in_words(world, lang, words):
    port = unused_port()
    (world.root / "mail.toml").write_text(
        f'[deliver]\nsmtp_url = "smtp://127.0.0.1:{port}?timeout=5"\nmail_from = "watch@example.org"\n'
        'allow_private_links = true\nsend_retry_base = 0\n[review]\nbase_url = "http://127.0.0.1:8000"\n'
        '[render]\nsite_url = "http://127.0.0.1:8000/archive"\n',
        encoding="utf-8",
    )
    slug = _due_issue(world, "mail.toml")
    assert world.run("en", "send", "--due", config="mail.toml").exit_code == 1  # queued, server out of reach
    status = world.run(lang, "send", slug, "--status", config="mail.toml")
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    for text in words:
        assert f"  {text}" in lines, (text, lines)
    assert "[fr]" not in status.output
    assert "queued=" not in status.output
    data = json.loads(world.run(lang, "send", slug, "--status", "--json", config="mail.toml").output)
    assert data["by_status"] == {"queued": 1}
    assert data["by_language"] == {"fr": {"queued": 1}}


# -- subscribers add: why the confirmation mail did not go ---------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "the confirmation mail could not be sent: cannot connect to smtp://127.0.0.1:"),
        (
            "fr",
            "le message de confirmation n'a pas pu partir : impossible de se connecter à smtp://127.0.0.1:",
        ),
        ("es", "el mensaje de confirmación no pudo enviarse: no se puede conectar con smtp://127.0.0.1:"),
    ],
)
def test_subscribers_add_says_why_the_confirmation_mail_failed(world, lang, words):
    port = unused_port()
    (world.root / "mail.toml").write_text(
        f'[deliver]\nsmtp_url = "smtp://127.0.0.1:{port}?timeout=5"\nmail_from = "watch@example.org"\n'
        'allow_private_links = true\n[review]\nbase_url = "http://127.0.0.1:8000"\n',
        encoding="utf-8",
    )
    result = world.run(
        lang, "subscribers", "add", "ana@example.org", "--language", "fr", "--publication", "newsletter",
        config="mail.toml",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "ana@example.org" in result.stderr
    assert words in result.stderr, result.stderr
    assert "see the log" not in result.stderr
