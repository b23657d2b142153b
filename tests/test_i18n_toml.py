"""A TOML file that does not parse (the config, a taxonomy file, a feeds registry) is said in the reader's
language: the line, the column and the cause, never tomllib's English ("Expected '=' after a key in a
key/value pair (at line 2, column 2)") inside a French or Spanish sentence."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.i18n import LANGUAGES
from mediawatch.i18n.toml_errors import CAUSE_KEYS, toml_error, toml_problem

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")
ENGLISH = re.compile(r"Expected|Invalid|Unclosed|Unterminated|Cannot|Duplicate|Illegal|at line|column \d+\)")

# One document per tomllib message.
BAD_DOCUMENTS = {
    "a = 1\nb\n": "toml.cause.no_equals",
    "[a\n": "toml.cause.unclosed_header",
    "[[a\n": "toml.cause.unclosed_array_header",
    "a = ?\n": "toml.cause.invalid_value",
    "a = [1, 2\n": "toml.cause.unclosed_list",
    "a = {b = 1\n": "toml.cause.unclosed_inline",
    'a = "abc': "toml.cause.unclosed_string",
    'a = "abc\n': "toml.cause.unclosed_string",
    "= 1\n": "toml.cause.invalid_statement",
    "a = 1 b\n": "toml.cause.trailing",
    "a.b = 1\na = 2\n": "toml.cause.value_twice",
    'a = "\\x"\n': "toml.cause.backslash",
    'a = "\\uZZZZ"\n': "toml.cause.bad_escape",
    'a = "\\uD800"\n': "toml.cause.bad_escape",
    "[a]\n[a]\n": "toml.cause.table_twice",
    "a = {b = 1, b = 2}\n": "toml.cause.key_twice",
    'a = "x\u0001"\n': "toml.cause.bad_character",
}


def _error(document: str) -> tomllib.TOMLDecodeError:
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(document)
    return caught.value


@pytest.mark.parametrize(("document", "key"), BAD_DOCUMENTS.items())
def test_each_tomllib_message_has_its_cause_in_words(document, key):
    problem = toml_problem(_error(document))
    assert problem.cause.key == key, problem.english
    tomllib_words = problem.english.split(" (at ")[0]
    for lang in LANGUAGES:
        said = toml_error(_error(document)).text(lang)
        assert tomllib_words not in said, (lang, said)
        assert lang == "en" or not ENGLISH.search(said), (lang, said)


def test_every_fixed_message_of_the_installed_tomllib_is_known():
    """A Python release that words a message anew must fail here, not leave readers with its English."""
    source = (Path(tomllib.__file__).parent / "_parser.py").read_text(encoding="utf-8")
    fixed = set(re.findall(r"""suffixed_err\(\s*src,\s*\w+,\s*"([^"]+)"\s*\)""", source))
    assert "Invalid statement" in fixed
    fixed = {message.replace("\\\\", "\\") for message in fixed}
    assert fixed <= set(CAUSE_KEYS), sorted(fixed - set(CAUSE_KEYS))


def test_the_place_and_the_cause_in_each_language():
    error = _error("a = 1\nb\n")
    assert toml_error(error).text("en") == (
        "invalid TOML at line 2, column 2: a key must be followed by “=” and its value"
    )
    assert toml_error(error).text("fr") == (
        "TOML invalide à la ligne 2, colonne 2 : une clé doit être suivie de «\u00a0=\u00a0» et de sa valeur"
    )
    assert toml_error(error).text("es") == (
        "TOML no válido en la línea 2, columna 2: una clave debe ir seguida de «=» y de su valor"
    )
    assert toml_error(_error("a = [1, 2\n")).text("fr") == (
        "TOML invalide à la fin du fichier : une liste n'est pas fermée par «\u00a0]\u00a0»"
    )


def test_an_unknown_message_keeps_the_readers_words_around_it():
    said = toml_error("Something new (at line 4, column 1)").text("fr")
    assert said == "TOML invalide à la ligne 4, colonne 1 : Something new (selon le lecteur TOML, en anglais)"


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    base: dict[str, str | None] = {name: None for name in LOCALE_VARS}
    base |= {"MEDIAWATCH_DB": str(tmp_path / "db.sqlite3"), "MEDIAWATCH_I18N_STRICT": "1", **(env or {})}
    return CliRunner().invoke(cli, list(args), env=base, catch_exceptions=False)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", "ligne 3, colonne 7 : une clé doit être suivie de «\u00a0=\u00a0» et de sa valeur"),
        ("en", "line 3, column 7: a key must be followed by “=” and its value"),
        ("es", "línea 3, columna 7: una clave debe ir seguida de «=» y de su valor"),
    ],
)
def test_a_config_that_does_not_parse_is_said_in_the_language(tmp_path, lang, words):
    config = tmp_path / "config.toml"
    config.write_text("[collect]\ntimeout = 10\nbudget\n", encoding="utf-8")
    result = run(tmp_path, "--lang", lang, "--config", str(config), "sources", "list")
    assert result.exit_code == 2, result.output
    assert str(config) in result.output
    assert words in result.output, result.output
    assert "Traceback" not in result.output
    if lang != "en":
        assert not ENGLISH.search(result.output), result.output


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", "cette ligne n'est ni une paire clé = valeur ni un en-tête [table]"),
        ("en", "this line is neither a key = value pair nor a [table] header"),
        ("es", "esta línea no es ni un par clave = valor ni un encabezado [tabla]"),
    ],
)
def test_a_taxonomy_file_that_does_not_parse_is_said_in_the_language(tmp_path, lang, words):
    from mediawatch.classify.taxonomy import DEFAULT_DIR

    folder = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, folder)
    path = folder / "relevance.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n= 0.5\n", encoding="utf-8")
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    result = run(
        tmp_path, "--lang", lang, "--config", str(tmp_path / "empty.toml"), "taxonomy", "check", str(folder)
    )
    assert result.exit_code == 2, result.output
    assert words in result.output, result.output
    assert "Invalid statement" not in result.output


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", "une liste n'est pas fermée par «\u00a0]\u00a0»"),
        ("en", "a list is not closed with “]”"),
        ("es", "una lista no está cerrada con «]»"),
    ],
)
def test_a_feeds_registry_that_does_not_parse_is_said_in_the_language(tmp_path, lang, words):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "local.toml").write_text(
        '[[source]]\nid = "a"\ntags = ["x", "y"\nname = "A"\n', encoding="utf-8"
    )
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    result = run(
        tmp_path,
        "--lang",
        lang,
        "--config",
        str(tmp_path / "empty.toml"),
        "--feeds",
        str(feeds),
        "sources",
        "list",
    )
    assert result.exit_code != 0, result.output
    assert words in result.output, result.output
    assert "Unclosed array" not in result.output
