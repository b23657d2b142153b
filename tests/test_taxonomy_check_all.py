"""`mediawatch taxonomy check` reports every independent mistake of a folder at once (each with its file,
line and place, in the reader's language), exit 2; a mistake that would only follow from another (themes
naming the concepts of a relevance.toml that cannot be read) is not reported twice."""

from __future__ import annotations

import pytest
from test_taxonomy_messages import LINE_WORD, edit, run, tax_dir  # noqa: F401 -- the fixture

from mediawatch.classify.taxonomy import load_taxonomy
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES, t, tn

# Three mistakes in three files, none a consequence of another: (file, old, new, place).
MISTAKES = (
    ("themes.toml", "[themes.science]", "[themes.sience]", "themes.sience"),
    ("regions.toml", 'AO = { region = "africa"', 'AO = { region = "afrika"', ".region"),
    ("objectives.toml", "[objectives.A5]", "[objectives.a5]", "objectives.a5"),
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_independent_mistake_is_reported(tax_dir, lang):  # noqa: F811
    lines = [edit(tax_dir, name, old, new) for name, old, new, _place in MISTAKES]
    result = run(tax_dir, lang, "taxonomy", "check", str(tax_dir))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [x for x in result.output.splitlines() if x.startswith(t("error.prefix", lang, message=""))]
    assert len(errors) == 3, result.output
    for said, (name, _old, _new, place), line in zip(errors, MISTAKES, lines, strict=True):
        assert f"{tax_dir / name}, {LINE_WORD[lang]} {line}" in said, said
        assert place in said, said
    assert result.output.splitlines()[0] == tn("taxonomy.check_problems", 3, lang, path=str(tax_dir))
    # classify and the other stages still stop at the first
    with pytest.raises(ConfigError, match="themes.sience"):
        load_taxonomy(tax_dir)


def test_a_consequence_of_an_unreadable_file_is_not_reported(tax_dir):  # noqa: F811
    # not TOML: no concept can be known
    edit(tax_dir, "relevance.toml", "[concepts.soil_carbon]", "[concepts.soil_carbon")
    edit(tax_dir, "regions.toml", 'AO = { region = "africa"', 'AO = { region = "afrika"')
    result = run(tax_dir, "en", "taxonomy", "check", str(tax_dir))
    assert result.exit_code == 2, result.output
    errors = [x for x in result.output.splitlines() if x.startswith("error: ")]
    assert len(errors) == 2, result.output  # not every theme and objective naming a concept
    assert "relevance.toml" in errors[0]
    assert "regions.toml" in errors[1]


def test_one_mistake_is_said_as_before(tax_dir):  # noqa: F811
    edit(tax_dir, "regions.toml", 'AO = { region = "africa"', 'AO = { region = "afrika"')
    result = run(tax_dir, "fr", "taxonomy", "check", str(tax_dir))
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1, result.output
