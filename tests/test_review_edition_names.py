"""A refusal naming an issue's editions says their languages in words, never their codes."""

from __future__ import annotations

import pytest

from mediawatch.review.workflow import reason


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", "le numéro n-1 n'a pas d'édition en allemand (éditions : français, anglais et espagnol)"),
        ("en", "issue n-1 has no German edition (editions: French, English and Spanish)"),
        ("es", "el número n-1 no tiene edición en alemán (ediciones: francés, inglés y español)"),
    ],
)
def test_a_missing_edition_is_refused_naming_the_editions_languages(lang: str, said: str) -> None:
    why = reason("review.refused.no_edition", language="de", slug="n-1", languages="fr,en,es")
    assert why.text(lang) == said
