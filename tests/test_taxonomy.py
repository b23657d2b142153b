"""The editable taxonomy: normalisation, compiled matching, loading and its error messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediawatch.classify.taxonomy import (
    DEFAULT_DIR,
    FILES,
    GROUP_REGION,
    GROUP_RELEVANCE,
    Taxonomy,
    load_taxonomy,
    raw_tokens,
    stem,
    tokens,
)
from mediawatch.errors import ConfigError


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture
def tax_dir(tmp_path: Path) -> Path:
    """A writable copy of the packaged taxonomy."""
    target = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def concepts_in(taxonomy: Taxonomy, text: str, language: str) -> set[str]:
    return {e.concept for e in taxonomy.scan(text, language)}


# -- normalisation -----------------------------------------------------------------------------------------
def test_accents_case_and_apostrophes_fold() -> None:
    assert raw_tokens("L’Agroforesterie dans l'État") == raw_tokens("l agroforesterie dans L ETAT".lower())
    assert raw_tokens("Œuvre") == ["oeuvre"]


def test_plural_and_gender_folding_is_the_same_on_both_sides() -> None:
    assert stem("sols") == stem("sol")
    assert stem("soils") == stem("soil")
    assert stem("suelos") == stem("suelo")
    assert stem("végétaux".replace("é", "e")) == stem("vegetal")
    assert stem("policies") == stem("policy")
    assert stem("emisiones") == stem("emision")
    assert stem("vivantes") == stem("vivant")
    assert stem("1000") == "1000"


def test_punctuation_is_a_boundary_that_terms_do_not_cross() -> None:
    assert "|" in raw_tokens("the soil. Carbon fibre")
    assert tokens("carbone du sol", frozenset({"du"})) == ["carbon", "sol"]


def test_numbers_keep_decimals_and_drop_thousands_separators() -> None:
    assert raw_tokens("0,4 %") == raw_tokens("0.4 %")
    assert raw_tokens("4 per 1,000") == raw_tokens("4 per 1000")
    assert raw_tokens("1.000.000") == ["1000000"]


def test_capitals_mark_acronyms_except_in_a_shouted_title() -> None:
    assert raw_tokens("CAP") != raw_tokens("cap")
    assert raw_tokens("the U.S. and the EU") == raw_tokens("the US and the EU")
    assert raw_tokens("SOIL CARBON GAINS") == raw_tokens("soil carbon gains")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Farmers adopt no-till", "en"),
        ("Farmers adopt no till", "en"),
        ("Farmers adopt notill", "en"),
        ("Farmers adopt No-Till", "en"),
    ],
)
def test_hyphen_space_and_joined_variants_match(taxonomy: Taxonomy, text: str, language: str) -> None:
    assert "soil_practices" in concepts_in(taxonomy, text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("l'initiative 4 pour 1000", "fr"),
        ("#4p1000", "en"),
        ("the 4 per 1000 initiative", "en"),
        ("la Iniciativa 4 por 1000", "es"),
        ("4per1000", "en"),
    ],
)
def test_initiative_spellings(taxonomy: Taxonomy, text: str, language: str) -> None:
    assert "initiative_4p1000" in concepts_in(taxonomy, text, language)


def test_stopwords_make_phrases_flexible(taxonomy: Taxonomy) -> None:
    for text in (
        "carbone organique des sols",
        "le carbone organique du sol",
        "carbone organique dans les sols",
    ):
        assert "soil_carbon" in concepts_in(taxonomy, text, "fr"), text


def test_plurals_and_accents_in_phrases(taxonomy: Taxonomy) -> None:
    assert "soil_practices" in concepts_in(taxonomy, "un couvert vegetal", "fr")
    assert "soil_practices" in concepts_in(taxonomy, "des couverts végétaux", "fr")
    assert "soil_practices" in concepts_in(taxonomy, "cultivo de cobertura", "es")


def test_longest_term_wins_so_false_friends_swallow_the_good_word(taxonomy: Taxonomy) -> None:
    found = concepts_in(taxonomy, "un vélo en fibre de carbone", "fr")
    assert "carbon_materials" in found
    assert "carbon_word" not in found


def test_place_names_are_not_stemmed(taxonomy: Taxonomy) -> None:
    regions = {e.key for e in taxonomy.scan("the Andes and the Landes", "en") if e.group == GROUP_REGION}
    assert regions == {"latin_america", "europe"}
    assert not [e for e in taxonomy.scan("and land", "en") if e.group == GROUP_REGION]
    # demonyms get a plural for free
    assert {e.country for e in taxonomy.scan("Kenyans", "en") if e.group == GROUP_REGION} == {"KE"}


def test_acronym_place_names_only_match_capitals(taxonomy: Taxonomy) -> None:
    assert {e.key for e in taxonomy.scan("the EU law", "en") if e.group == GROUP_REGION} == {"europe"}
    assert not [e for e in taxonomy.scan("il a eu raison", "fr") if e.group == GROUP_REGION]


def test_terms_are_per_language_and_unknown_languages_get_them_all(taxonomy: Taxonomy) -> None:
    assert "soil_carbon" not in concepts_in(taxonomy, "carbone du sol", "en")
    assert "soil_carbon" in concepts_in(taxonomy, "carbone du sol", "fr")
    assert "soil_carbon" in concepts_in(taxonomy, "carbone du sol", "de")


def test_scan_is_one_pass_returning_entries(taxonomy: Taxonomy) -> None:
    entries = taxonomy.scan("Soil organic carbon rises under cover crops in Kenya.", "en")
    groups = {e.group for e in entries}
    assert GROUP_RELEVANCE in groups
    assert GROUP_REGION in groups
    assert all(e.term for e in entries)


# -- loading -----------------------------------------------------------------------------------------------
def test_default_taxonomy_loads_with_three_languages(taxonomy: Taxonomy) -> None:
    assert {"en", "fr", "es"} <= set(taxonomy.languages)
    assert taxonomy.fingerprint.startswith("taxonomy-")
    assert taxonomy.settings.threshold == pytest.approx(0.5)
    assert any(c.kind == "negative" for c in taxonomy.concepts.values())
    assert {"A5", "B2", "E2", "B4", "E1", "C2", "F1"} <= set(taxonomy.objectives)


def test_directory_override_and_fingerprint_change(tax_dir: Path, taxonomy: Taxonomy) -> None:
    same = load_taxonomy(tax_dir)
    assert same.fingerprint == taxonomy.fingerprint
    path = tax_dir / "relevance.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("threshold = 0.5", "threshold = 0.6"), encoding="utf-8"
    )
    changed = load_taxonomy(str(tax_dir))
    assert changed.settings.threshold == pytest.approx(0.6)
    assert changed.fingerprint != taxonomy.fingerprint


def _edit(tax_dir: Path, name: str, old: str, new: str) -> None:
    path = tax_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(tax_dir: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_taxonomy(tax_dir)
    return str(info.value)


def test_invalid_toml_names_file_and_line(tax_dir: Path) -> None:
    _edit(tax_dir, "themes.toml", "[themes.science]", "[themes.science")
    message = _error(tax_dir)
    assert "themes.toml" in message
    assert "line" in message
    assert "invalid TOML" in message


def test_unknown_key_is_reported_with_its_line(tax_dir: Path) -> None:
    _edit(tax_dir, "relevance.toml", 'kind = "core"\nweight = 3.0', 'kind = "core"\nwieght = 3.0')
    message = _error(tax_dir)
    assert "relevance.toml, line " in message
    assert "unknown key “wieght”" in message


def test_unknown_theme_region_and_concept_are_errors(tax_dir: Path) -> None:
    _edit(tax_dir, "themes.toml", "[themes.events]", "[themes.sports]")
    assert "unknown theme" in _error(tax_dir)


def test_unknown_region(tax_dir: Path) -> None:
    _edit(tax_dir, "regions.toml", '\nKE = { region = "africa"', '\nKE = { region = "afrika"')
    message = _error(tax_dir)
    assert "regions.toml, line " in message
    assert "afrika" in message


def test_requires_must_name_a_concept(tax_dir: Path) -> None:
    _edit(
        tax_dir,
        "relevance.toml",
        'requires = ["soil_word", "soil_health"',
        'requires = ["soil_wrod", "soil_health"',
    )
    assert "unknown concept “soil_wrod”" in _error(tax_dir)


def test_negative_weight_only_on_negative_concepts(tax_dir: Path) -> None:
    _edit(tax_dir, "relevance.toml", 'kind = "core"\nweight = 3.0', 'kind = "core"\nweight = -3.0')
    assert "negative concept" in _error(tax_dir)


def test_empty_and_stopword_only_terms_are_errors(tax_dir: Path) -> None:
    _edit(tax_dir, "relevance.toml", 'en = ["soil carbon",', 'en = ["the of",')
    message = _error(tax_dir)
    assert "“the of” has no words" in message
    assert "line" in message


def test_bad_country_code_and_threshold(tax_dir: Path) -> None:
    _edit(tax_dir, "regions.toml", "\nKE = { region", "\nKenya = { region")
    assert "ISO 3166-1" in _error(tax_dir)


def test_threshold_out_of_range(tax_dir: Path) -> None:
    _edit(tax_dir, "relevance.toml", "threshold = 0.5", "threshold = 1.5")
    assert "outside [0.0, 1.0]" in _error(tax_dir)


def test_missing_file_and_missing_directory(tax_dir: Path, tmp_path: Path) -> None:
    (tax_dir / "objectives.toml").unlink()
    assert "objectives.toml: file is missing" in _error(tax_dir)
    with pytest.raises(ConfigError, match="does not exist"):
        load_taxonomy(tmp_path / "nowhere")


def test_every_file_has_an_editing_header() -> None:
    for name in FILES:
        text = (DEFAULT_DIR / name).read_text(encoding="utf-8")
        assert text.startswith("#"), name
        assert "HOW TO EDIT" in text, name
