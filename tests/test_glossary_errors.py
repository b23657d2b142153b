"""A glossary file that cannot be used is said in the reader's language: tomllib's English cause, the
operating system's reason and the shape of a term, all in words, the file quoted as the language quotes."""

from __future__ import annotations

import pytest

from mediawatch.errors import ConfigError
from mediawatch.translate.glossary import load_glossary

QUOTES = {"en": ("“", "”"), "fr": ("«\u00a0", "\u00a0»"), "es": ("«", "»")}


def _refusal(path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_glossary(path)
    return caught.value


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", "TOML invalide à la ligne 2, colonne 2 : une clé doit être suivie de «\u00a0=\u00a0»"),
        ("en", "invalid TOML at line 2, column 2: a key must be followed by “=”"),
        ("es", "TOML no válido en la línea 2, columna 2: una clave debe ir seguida de «=»"),
    ],
)
def test_a_glossary_that_does_not_parse_is_said_in_the_language(tmp_path, lang, words):
    path = tmp_path / "glossary.toml"
    path.write_text("a = 1\nb\n", encoding="utf-8")
    said = _refusal(path).translated(lang)
    opening, closing = QUOTES[lang]
    assert f"{opening}{path}{closing}" in said, said
    assert words in said, said
    assert "Expected" not in said


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", "ce fichier n'existe pas"), ("en", "there is no such file"), ("es", "ese archivo no existe")],
)
def test_a_missing_glossary_is_said_in_the_language(tmp_path, lang, words):
    path = tmp_path / "nope.toml"
    said = _refusal(path).translated(lang)
    opening, closing = QUOTES[lang]
    assert f"{opening}{path}{closing}" in said, said
    assert words in said.lower(), said
    assert "No such file" not in said


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", "le terme 1 demande des textes langue = \"forme\", reçu : «\u00a0{'fr': 4}\u00a0»"),
        ("en", "term 1 needs language = \"form\" texts, got “{'fr': 4}”"),
        ("es", "el término 1 necesita textos idioma = \"forma\", se recibió «{'fr': 4}»"),
    ],
)
def test_a_term_without_forms_is_said_in_the_language(tmp_path, lang, words):
    path = tmp_path / "glossary.toml"
    path.write_text("[[term]]\nfr = 4\n", encoding="utf-8")
    said = _refusal(path).translated(lang)
    assert words in said, said
