"""Journey e: what a visitor of the public side meets when something is off (a forged form, an unknown
address, coming back soon after unsubscribing), in the browser, through nginx and the production server."""

from __future__ import annotations

import pytest
from journey_stack import Stack
from playwright.sync_api import expect

# Generous: a journey starts servers and several CLI runs on a machine that may be busy.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

LOCALES = (("fr", "fr-FR"), ("en", "en-GB"), ("es", "es-ES"))


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def test_a_forged_language_is_said_with_the_field_and_the_languages_in_words(stack: Stack):
    """The form's select offers three languages; a forged one ('de') was answered with the codes
    ("langue inconnue 'de' (choisir parmi fr, en, es)") and no field named."""
    expected = {
        "fr": "Langue : nous publions en français, anglais et espagnol ; choisissez l'une de ces langues.",
        "en": "Language: we publish in French, English and Spanish; choose one of these languages.",
        "es": "Idioma: publicamos en francés, inglés y español; elija uno de estos idiomas.",
    }
    email = "forged.language@example.org"
    for lang, locale in LOCALES:
        page = stack.page(locale=locale)
        page.goto(f"{stack.url}/subscribe")
        page.fill("#email", email)
        page.check("input[name=consent]")
        # What a forged form sends: an option the page never offered.
        page.eval_on_selector("#language", "s => { s.options[0].value = 'de'; s.selectedIndex = 0; }")
        submit(page, "#subscribe-button")
        errors = page.locator(".errors")
        expect(errors).to_have_text(expected[lang])
        assert "'de'" not in errors.inner_text()
    assert stack.subscriber(email) is None
    assert stack.mails_to(email) == []
