"""A value a person gave (an address, a path, an option) is quoted as their language quotes: “abc” in English,
«\u00a0abc\u00a0» in French, «abc» in Spanish; never Python's 'abc' (a ``{value!r}`` in a catalogue), which no
reader writes."""

from __future__ import annotations

import re
import string

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.errors import InvalidInput
from mediawatch.i18n import LANGUAGES, catalogue, t

QUOTES = {"en": ("“", "”"), "fr": ("«\u00a0", "\u00a0»"), "es": ("«", "»")}
STRAIGHT = re.compile(r"""(['"])\{[a-z_]+\}\1""")  # '{value}', as repr would have written it
# A command line to copy: its quotes are the shell's, not the reader's.
COMMANDS_TO_TYPE = frozenset({"watches.mail.manage"})
LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def strict(monkeypatch):
    import mediawatch.i18n as i18n

    monkeypatch.setattr(i18n, "STRICT", True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalogue_quotes_a_value_with_python_repr(lang):
    converted = sorted(
        key
        for key, template in catalogue(lang).items()
        if any(conversion for _, field, _, conversion in string.Formatter().parse(template) if field)
    )
    assert converted == [], f"{lang}: templates with !r / !s / !a: {converted}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalogue_quotes_a_value_with_typewriter_quotes(lang):
    straight = sorted(
        key
        for key, template in catalogue(lang).items()
        if STRAIGHT.search(template) and key not in COMMANDS_TO_TYPE
    )
    assert straight == [], f"{lang}: a field in ' or \": {straight}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bad_address_is_quoted_as_the_reader_quotes(lang):
    from mediawatch.deliver.addresses import normalise_email

    opening, closing = QUOTES[lang]
    with pytest.raises(InvalidInput) as caught:
        normalise_email("ana@localhost")
    said = caught.value.translated(lang)
    assert f"{opening}ana@localhost{closing}" in said
    assert f"{opening}localhost{closing}" in said
    assert "'" not in said.replace("n'est", "").replace("d'", "")


def run(tmp_path, *args: str):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env: dict[str, str | None] = {name: None for name in LOCALE_VARS}
    env.update(
        {"MEDIAWATCH_CONFIG": str(tmp_path / "empty.toml"), "MEDIAWATCH_DB": str(tmp_path / "db.sqlite3")}
    )
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "«\u00a0ana@@example.org\u00a0» n'est pas une adresse e-mail"),
        ("en", "“ana@@example.org” is not an email address"),
        ("es", "«ana@@example.org» no es una dirección de correo"),
    ],
)
def test_subscribers_add_quotes_the_bad_address_in_the_language(tmp_path, strict, lang, expected):
    result = run(
        tmp_path,
        "--lang",
        lang,
        "subscribers",
        "add",
        "ana@@example.org",
        "--language",
        "fr",
        "--publication",
        "newsletter",
    )
    assert result.exit_code != 0
    assert expected in result.output, result.output


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "option inconnue : «\u00a0--bogus\u00a0»."),
        ("en", "No such option “--bogus”."),
        ("es", "opción desconocida: «--bogus»."),
    ],
)
def test_a_usage_error_quotes_the_option_in_the_language(tmp_path, lang, expected):
    result = run(tmp_path, "--lang", lang, "sources", "list", "--bogus")
    assert result.exit_code == 2
    assert expected in result.output, result.output


def test_a_quoted_message_keeps_its_fields_in_every_language():
    for lang in LANGUAGES:
        said = t("store.conflict.no_section", lang, issue="w47", section="news")
        opening, closing = QUOTES[lang]
        assert f"{opening}news{closing}" in said, said
