"""The watch's query syntax (pure: no database) and the text analysis both backends index with."""

from __future__ import annotations

import pytest

from mediawatch.errors import ConfigError
from mediawatch.store.search import fts5_query, tsquery
from mediawatch.textsearch import (
    MAX_POSITION,
    MAX_REPEATS,
    AllOf,
    AnyOf,
    Term,
    fold,
    index_language,
    positioned_tokens,
    stem,
    words,
)
from mediawatch.watch.query import MAX_LENGTH, MAX_WORDS, QueryError, describe, parse

# (typed, as understood: fully parenthesised, words folded)
GOOD = [
    ("sols", "sols"),
    ("  Sols  ", "sols"),
    ("soil carbon", "(soil carbon)"),
    ("Énergie SOLS", "(energie sols)"),
    ("œuvre Ærø", "(oeuvre aero)"),
    ('"carbone du sol"', '"carbone du sol"'),
    ("« carbone du sol »", '"carbone du sol"'),
    ("“blue carbon”", '"blue carbon"'),
    ('"sol"', '"sol"'),
    ("carbon -ocean", "(carbon -ocean)"),
    ('carbon -"blue carbon"', '(carbon -"blue carbon")'),
    ("carbon OR carbone", "(carbon OR carbone)"),
    ("soil carbon OR carbone", "(soil (carbon OR carbone))"),
    ("a OR b OR c", "(a OR b OR c)"),
    ("carbon or carbone", "(carbon or carbone)"),  # only capital OR is the operator
    ('"OR"', '"or"'),
    ("agri*", "agri*"),
    ('"carbone du so"*', '"carbone du so*"'),
    ("l'agriculture", '"l agriculture"'),
    ("l’agri*", '"l agri*"'),
    ("4-per-1000", '"4 per 1000"'),
    ("soil-carbon -sea", '("soil carbon" -sea)'),
    ("(soil OR land) -(ocean OR sea)", "((soil OR land) -(ocean OR sea))"),
    ("(soil carbon) OR humus", "((soil carbon) OR humus)"),
    ("((soil))", "soil"),
    ("soil (carbon -ocean)", "(soil (carbon -ocean))"),
    ("-ocean carbon", "(carbon -ocean)"),
    ("--ocean carbon", "(carbon -ocean)"),
    ("a+b", '"a b"'),
    ("C++", "c"),
    ("sol & carbone", "(sol carbone)"),  # bare punctuation is left out
    ("sol | carbone ;", "(sol carbone)"),
]


@pytest.mark.parametrize(("typed", "understood"), GOOD)
def test_good_queries_parse_as_expected(typed, understood):
    assert describe(parse(typed)) == understood


def test_the_tree_is_made_of_frozen_dataclasses():
    tree = parse('soil "carbon stock" -ocean agri* (a OR b)')
    assert tree == AllOf(
        include=(
            Term(("soil",)),
            Term(("carbon", "stock"), quoted=True),
            Term(("agri",), prefix=True),
            AnyOf((Term(("a",)), Term(("b",)))),
        ),
        exclude=(Term(("ocean",)),),
    )
    with pytest.raises(AttributeError):
        tree.include = ()  # type: ignore[misc]


# (typed, catalogue key of the error, words of the English message that must be there)
BAD = [
    ("", "search.query.empty", "empty"),
    ("   ", "search.query.empty", "empty"),
    ('"carbone du sol', "search.query.unbalanced_quote", '"carbone du sol'),
    ('soil "carbon" "stock', "search.query.unbalanced_quote", '"stock'),
    ('""', "search.query.empty_phrase", "quotation marks"),
    ("soil -", "search.query.lone_minus", "minus"),
    ("soil - carbon", "search.query.lone_minus", "minus"),
    ("(soil -)", "search.query.lone_minus", "minus"),
    ("-ocean", "search.query.only_exclusions", "leaves things out"),
    ('-ocean -"sea level"', "search.query.only_exclusions", "leaves things out"),
    ("soil (-ocean)", "search.query.only_exclusions", "leaves things out"),
    ("soil -ocean OR sea", "search.query.or_after_exclusion", "-(ocean OR sea)"),
    ("soil OR -ocean", "search.query.or_after_exclusion", "OR"),
    ("OR soil", "search.query.dangling_or", "between two"),
    ("soil OR", "search.query.dangling_or", "between two"),
    ("soil OR OR carbon", "search.query.dangling_or", "between two"),
    ("(soil OR) carbon", "search.query.dangling_or", "between two"),
    ("(soil carbon", "search.query.unclosed_parenthesis", "never closed"),
    ("soil carbon)", "search.query.unopened_parenthesis", "no opening"),
    (")", "search.query.unopened_parenthesis", "no opening"),
    ("soil ()", "search.query.empty_group", "parentheses"),
    ("!!!", "search.query.no_letters", "“!!!”"),
    ("& |", "search.query.no_letters", "“& |”"),
    ("soil *", "search.query.no_letters", "“*”"),
    ('" ; "', "search.query.no_letters", "“ ; ”"),
    ("a*", "search.query.short_prefix", "at least 2 letters"),
    ("soil l'a*", "search.query.short_prefix", "“l'a*”"),
    ("x " * 31, "search.query.too_many_words", f"at most {MAX_WORDS}"),
    ('"' + "x " * 31 + '"', "search.query.too_many_words", f"at most {MAX_WORDS}"),
    ("carbon " * 72, "search.query.too_long", f"{7 * 72} characters; at most {MAX_LENGTH}"),
]


@pytest.mark.parametrize(("typed", "key", "says"), BAD, ids=[b[1] + ":" + b[0][:20] for b in BAD])
def test_bad_queries_say_what_is_wrong(typed, key, says):
    with pytest.raises(QueryError) as caught:
        parse(typed)
    assert caught.value.key == key
    assert isinstance(caught.value, ConfigError)  # the CLI shows it as a one-line message, exit 2
    assert says in str(caught.value)


def test_thirty_words_are_allowed_and_the_limits_count_words_not_terms():
    assert isinstance(parse("x " * MAX_WORDS), AllOf)
    assert len(" " * 50 + "sequestrations " * MAX_WORDS) == MAX_LENGTH
    assert isinstance(parse(" " * 50 + "sequestrations " * MAX_WORDS), AllOf)  # 500 characters


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("fr", 'des guillemets ne sont pas refermés : "sol'),
        ("es", 'unas comillas no están cerradas: "sol'),
        ("en", 'a quotation mark is not closed: "sol'),
    ],
)
def test_syntax_errors_speak_the_readers_language(lang, says):
    with pytest.raises(QueryError) as caught:
        parse('carbone "sol')
    assert caught.value.translated(lang) == says


def test_folding_and_splitting():
    assert fold("ÉNERGÉTIQUE Straße Œil") == "energetique strasse oeil"
    parts = words("L’agroforesterie, c'est 4‰ : sols-vivants!")
    assert parts == ["l", "agroforesterie", "c", "est", "4", "sols", "vivants"]
    assert words("x" * 65 + " ok") == ["ok"]  # noise like hashes is not indexed


@pytest.mark.parametrize(
    ("pair", "tag"),
    [(("sols", "sol"), "fr"), (("suelos", "suelo"), "es"), (("soils", "soil"), "en"),
     (("politiques", "politique"), "fr"), (("santé", "sante"), "fr")],
)  # fmt: skip
def test_plural_and_singular_stem_alike(pair, tag):
    a, b = (stem(w, tag) for w in words(" ".join(pair)))
    assert a == b
    assert a.startswith(f"{tag}_")


def test_other_languages_are_indexed_unstemmed_under_their_own_tag():
    assert [index_language(code) for code in ("de", "fr-CA", "", "ES")] == ["xx", "fr", "xx", "es"]
    assert stem("boden", "xx") == "xx_boden"


def test_fields_stay_apart_and_documents_are_cut_where_postgresql_would_drop_positions():
    (start1, title), (start2, lead) = positioned_tokens(["Kenya surveys its soil", "Health checks"], "en")
    assert (start1, start2) == (1, 1 + len(title) + 1)  # one free position: no phrase across
    assert lead == ["en_health", "en_check"]
    chunks = list(positioned_tokens(["x " * (MAX_REPEATS + 5) + "end", "lead"], "xx"))
    assert chunks[0][1] == ["xx_x"] * MAX_REPEATS
    assert chunks[1][1] == []
    chunks = list(positioned_tokens([" ".join(f"w{i}" for i in range(MAX_POSITION + 10)), "after"], "xx"))
    assert len(chunks[0][1]) == MAX_POSITION
    assert chunks[1][1] == []


def test_both_backends_get_the_same_tree():
    tree = parse('sols "carbone du sol" -océan agri*')
    assert (
        fts5_query(tree, ["fr"])
        == '(("fr_sol" AND "fr_carbon fr_du fr_sol" AND "fr_agri" *) NOT ("fr_ocean"))'
    )
    assert tsquery(tree, ["fr"]) == (
        "((('fr_sol')) & (('fr_carbon' <-> 'fr_du' <-> 'fr_sol')) & (('fr_agri':*)) & !(('fr_ocean')))"
    )
    # without a language filter each word is looked for under every language's stem
    assert fts5_query(parse("suelos"), ["fr", "en", "es", "xx"]) == (
        '("fr_suelos" OR "en_suelo" OR "es_suel" OR "xx_suelos")'
    )
