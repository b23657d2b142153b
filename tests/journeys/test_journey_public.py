"""Journey e: what a visitor of the public side meets when something is off (a forged form, an unknown
address, coming back soon after unsubscribing), in the browser, through nginx and the production server."""

from __future__ import annotations

import pytest
from journey_stack import Stack, links_in, one_click_unsubscribe, submit
from playwright.sync_api import expect

from mediawatch.i18n import t

# Generous: a journey starts servers and several CLI runs on a machine that may be busy.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

LOCALES = (("fr", "fr-FR"), ("en", "en-GB"), ("es", "es-ES"))


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


def test_a_wrong_public_address_gets_the_public_not_found_page(stack: Stack):
    """A cut link in a mail, a guessed archive page: the visitor got the staff app's "404 · mediawatch".
    The public side answers with its own page, in the visitor's language, under the organisation's name;
    the staff pages keep theirs."""
    organisation = {"fr": "4 pour 1000", "en": "4 per 1000", "es": "4 por 1000"}
    for lang, locale in LOCALES:
        page = stack.page(locale=locale)
        for path in ("/s/confirm", "/s/preferences/abc/extra", "/subscribe/now", "/archive/2026/x/fr.html"):
            response = page.goto(f"{stack.url}{path}")
            assert response.status == 404, path
            assert page.locator("html").get_attribute("lang") == lang
            assert page.title() == f"{t('public.not_found.title', lang)} · {organisation[lang]}", path
            expect(page.locator("h1")).to_have_text(t("public.not_found.title", lang))
            expect(page.locator("main")).to_contain_text(organisation[lang])
        page.click("main a")
        page.wait_for_load_state()
        expect(page.locator("h1")).to_have_text(t("public.subscribe.title", lang))
    staff = stack.page(locale="fr-FR")
    response = staff.goto(f"{stack.url}/issues/no-such-page")
    assert response.status == 404
    assert staff.title().endswith("· mediawatch")


def test_subscribing_again_soon_after_unsubscribing_sends_a_new_confirmation(stack: Stack):
    """Someone who unsubscribed and filled in the form again within ten minutes got no mail, while the
    page said "check your inbox". Coming back from an unsubscription now mails a confirmation at once;
    repeated requests while it is pending still get at most one mail per ten minutes."""
    email = "retour.rapide@example.org"

    def fill_in_the_form() -> None:
        page = stack.page(locale="fr-FR")
        page.goto(f"{stack.url}/subscribe")
        page.fill("#email", email)
        page.check("input[name=consent]")
        submit(page, "#subscribe-button")
        expect(page.locator("h1")).to_have_text(t("public.done.title", "fr"))

    fill_in_the_form()
    (first,) = stack.wait_for_mail(email)
    (unsubscribe_url,) = [
        u.strip(" <>") for u in first.message()["List-Unsubscribe"].split(",") if "https://" in u
    ]
    assert one_click_unsubscribe(stack.tls, unsubscribe_url)[0] == 200
    assert stack.subscriber(email).status.value == "unsubscribed"

    fill_in_the_form()  # a minute later: they changed their mind
    first, second = stack.wait_for_mail(email, count=2)
    assert second.message()["Subject"] == t("email.confirm.subject", "fr", organisation="4 pour 1000")
    (confirm_url,) = links_in(second, "/s/confirm/")
    assert stack.subscriber(email).status.value == "pending"

    # The page answered once the mail server had taken the message: a third request, still pending, within
    # the ten minutes, sends nothing (the guard against filling someone's mailbox with the form).
    fill_in_the_form()
    assert len(stack.mails_to(email)) == 2

    page = stack.page(locale="fr-FR")
    page.goto(confirm_url)
    submit(page, "#confirm-button")
    assert stack.subscriber(email).status.value == "active"
