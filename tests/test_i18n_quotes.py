"""A value a person gave (an address, a path, an option) is quoted as their language quotes: “abc” in English,
«\u00a0abc\u00a0» in French, «abc» in Spanish; never Python's 'abc' (a ``{value!r}`` in a catalogue), which no
reader writes."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

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


# In the rendered editions, which approvals are bound to: changing it would take back every approval of a
# French edition waiting to be sent.
IN_EDITIONS = frozenset({"render.footer.machine_note"})


def test_french_guillemets_hold_their_words_with_no_break_spaces():
    """« x » with a plain space can leave a guillemet alone at the start or the end of a line."""
    loose = re.compile(r"«(?!\u00a0)|(?<!\u00a0)»")
    bad = {k: v for k, v in catalogue("fr").items() if loose.search(v) and k not in IN_EDITIONS}
    assert bad == {}


def test_french_double_signs_follow_one_kind_of_space():
    """The space before : ; ? ! is the plain one all over (the presence of a space is checked by
    test_web_language.py); a no-break one here and there would make two typographies."""
    other = re.compile(r"[\u00a0\u202f][:;?!](?=\s|$)")
    bad = {k: v for k, v in catalogue("fr").items() if other.search(v.replace("://", ""))}
    assert bad == {}


# -- in the code: a field handed to a message is the plain value ----------------------------------------
PACKAGE = Path(__file__).resolve().parents[1] / "mediawatch"
# The functions that take a catalogue key and its fields (a wrapper may take the key computed, as
# sources.registry's _Problem or render.checks' found).
MESSAGE_CALLS = frozenset({"t", "tn", "Message", "said", "reason", "found", "_Problem"})


def _quotes_with_repr(node: ast.expr) -> bool:
    return any(
        (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "repr")
        or (isinstance(n, ast.FormattedValue) and n.conversion == ord("r"))
        for n in ast.walk(node)
    )


def repr_fields(source: str, keys: frozenset[str]) -> list[tuple[int, str]]:
    """(line, field) of each field given as ``repr(x)`` or ``f"{x!r}"`` to a message: a call named as
    one of MESSAGE_CALLS, or any call handed a catalogue key written out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        keyed = any(isinstance(a, ast.Constant) and a.value in keys for a in node.args)
        if name in MESSAGE_CALLS or keyed:
            found += [(node.lineno, kw.arg or "**") for kw in node.keywords if _quotes_with_repr(kw.value)]
    return found


def test_the_repr_scan_sees_each_way_of_handing_a_repr():
    keys = frozenset({"config.unknown_setting"})
    source = (
        'a = t("x.y.z", lang, value=repr(v))\n'
        'b = Message(key, name=f"{v!r}")\n'
        'c = said(ConfigError, "x.y.z", path=p, value=repr(str(v)))\n'
        'd = helper("config.unknown_setting", name=repr(v))\n'
        'e = t("x.y.z", lang, value=v)\n'  # the plain value: the catalogue quotes it
        'f = log.warning("%r", repr(v))\n'  # a log line, no message
    )
    assert [line for line, _ in repr_fields(source, keys)] == [1, 2, 3, 4]


def test_no_message_is_handed_a_python_repr():
    keys = frozenset(set().union(*(catalogue(lang) for lang in LANGUAGES)))
    handed = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {field}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, field in repr_fields(path.read_text(encoding="utf-8"), keys)
    ]
    assert handed == [], "pass the plain value; the catalogue quotes it in each language's way"
