"""Names listed in a sentence ("français, anglais et espagnol"): one function says every such list, with
the reader's language's conjunction, wherever the list is said (render, review, the web pages)."""

from __future__ import annotations

import pytest

from mediawatch.i18n import Message, and_list, language_names
from mediawatch.review.workflow import reason
from mediawatch.web.base import words_list

TEMPLATES_IN = {
    "fr": "impossible de produire une édition en allemand : "
    "les gabarits existent en français, anglais et espagnol",
    "en": "cannot render an edition in German: the templates are written in French, English and Spanish",
    "es": "no se puede maquetar una edición en alemán: las plantillas existen en francés, inglés y español",
}
ALL_THREE = {
    "fr": "français, anglais et espagnol",
    "en": "French, English and Spanish",
    "es": "francés, inglés y español",
}


@pytest.mark.parametrize(
    ("words", "lang", "expected"),
    [
        ([], "fr", ""),
        (["anglais"], "fr", "anglais"),
        (["anglais", "espagnol"], "fr", "anglais et espagnol"),
        (["French", "English", "Spanish"], "en", "French, English and Spanish"),
        (["francés", "inglés", "español"], "es", "francés, inglés y español"),
        # Spanish "y" becomes "e" before an /i/ sound, but not before "hie" (a /y/ sound)
        (["francés", "inglés"], "es", "francés e inglés"),
        (["francés", "hindi"], "es", "francés e hindi"),
        (["agua", "hierro"], "es", "agua y hierro"),
    ],
)
def test_a_list_of_names_ends_with_the_languages_conjunction(words, lang, expected):
    assert and_list(words, lang) == expected
    assert words_list(words, lang) == expected  # the web pages say lists with the same function


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_render_names_the_template_languages_with_the_conjunction(lang):
    """Render's own refusal (the CLI says it) lists the languages as the review and web pages do; Spanish
    says "maquetar" there as everywhere else, not "generar"."""
    said = Message(
        "render.refused.no_templates", language=language_names("de"), known=language_names("fr", "en", "es")
    )
    assert said.text(lang) == TEMPLATES_IN[lang]


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_review_reasons_list_languages_with_the_conjunction(lang):
    said = reason("review.blocker.render_templates", language="de", known="fr,en,es").text(lang)
    assert said.endswith(ALL_THREE[lang]), said


def test_a_list_of_languages_to_type_keeps_its_codes_and_commas():
    """ "choose from: français (fr), anglais (en), espagnol (es)" is a choice, not an enumeration: "et"
    would say the wrong thing."""
    codes = language_names("fr", "en", "es", with_codes=True)
    assert codes.text("fr") == "français (fr), anglais (en), espagnol (es)"
