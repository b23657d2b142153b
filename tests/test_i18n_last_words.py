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
    return world.run(lang, "subscribers", "add", email, "--language", "es", "--publication", "newsletter", *more)


# -- subscribers list: one/other ------------------------------------------------------------------------------
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


# -- the valid languages in words ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "unknown language 'de' (choose French (fr), English (en), Spanish (es))"),
        ("fr", "langue inconnue 'de' (choisir parmi français (fr), anglais (en), espagnol (es))"),
        ("es", "idioma desconocido 'de' (elija entre francés (fr), inglés (en), español (es))"),
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
        ("fr", "les langues des éditions doivent être parmi français (fr), anglais (en), espagnol (es) ; reçu : de"),
        ("es", "los idiomas de las ediciones deben estar entre francés (fr), inglés (en), español (es); recibido: de"),
    ],
)  # fmt: skip
def test_bad_edition_languages_name_the_languages(lang, words):
    from mediawatch.compose.compose import parse_languages
    from mediawatch.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        parse_languages("fr,de", "fr,en,es")
    assert refused.value.translated(lang) == words
    assert str(refused.value) == "edition languages must be among French (fr), English (en), Spanish (es); got de"
