"""A visitor who reaches the public forms at another address than the site's (an old address kept in a
bookmark, the server's own name before nginx is in front) was told "this form has expired: reload the page",
and reloading reloads the same address. The subscribe and confirm pages now say, in the visitor's language
and words, that the form must be sent from the site's address, name both addresses and link to the same
form there; sent from there, it works. The preferences page says the same.
"""

from __future__ import annotations

import re

import pytest
from journey_stack import HOST, Stack, fixed_text, links_in, submit

from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

LOCALES = (("fr", "fr-FR"), ("en", "en-GB"), ("es", "es-ES"))


def _says_where_to_go(page, lang: str, direct: str, stack: Stack) -> None:
    body = page.inner_text("main")
    assert page.locator("h1").inner_text() == t("public.wrong_origin.title", lang), body
    assert fixed_text("public.wrong_origin.text", lang).search(body), body
    assert direct in body, body
    assert stack.url in body, body
    assert t("public.expired.text", lang) not in body  # "reload the page" cannot help here
    assert "base_url" not in body  # a visitor's words, not the administrator's
    assert page.get_attribute("html", "lang") == lang


@pytest.mark.parametrize(("lang", "locale"), LOCALES)
def test_the_subscribe_and_confirm_forms_name_the_sites_address(stack: Stack, lang: str, locale: str):
    direct = f"http://{HOST}:{stack.app.port}"  # gunicorn itself, without nginx in front
    email = f"wrong.address.{lang}@example.org"

    page = stack.page(locale)
    page.goto(f"{direct}/subscribe")
    page.fill("#email", email)
    page.check("input[name=consent]")
    submit(page, "#subscribe-button")
    _says_where_to_go(page, lang, direct, stack)
    assert stack.subscriber(email) is None
    # The link is the same form at the site's address, in the same language; sent from there it works.
    assert page.get_attribute("#expired-back", "href") == f"{stack.url}/subscribe?lang={lang}"
    submit(page, "#expired-back")
    page.fill("#email", email)
    page.check("input[name=consent]")
    submit(page, "#subscribe-button")
    assert page.locator("h1").inner_text() == t("public.done.title", lang), page.inner_text("main")

    # The confirmation link, opened at the wrong address (a mail client that rewrote it, say).
    (confirm_url,) = links_in(stack.wait_for_mail(email)[0], "/s/confirm/")
    path = re.sub(r"^https://[^/]+", "", confirm_url)
    # A context of its own: the site's HSTS header, met above, would turn http:// into https:// here.
    page = stack.page(locale)
    page.goto(direct + path)
    submit(page, "#confirm-button")
    _says_where_to_go(page, lang, direct, stack)
    assert page.get_attribute("#expired-back", "href") == stack.url + path
    submit(page, "#expired-back")
    submit(page, "#confirm-button")
    assert page.locator("h1").inner_text() == t("public.confirmed.title", lang), page.inner_text("main")
    assert stack.subscriber(email).status.value == "active"

    # The preferences page, the last public page with forms of ours (one-click unsubscribe takes any).
    preferences = re.sub(r"^https://[^/]+", "", page.get_attribute("a[href*='/s/preferences/']", "href"))
    page = stack.page(locale)
    page.goto(direct + preferences)
    submit(page, "#save-button")
    _says_where_to_go(page, lang, direct, stack)
    assert page.get_attribute("#expired-back", "href") == stack.url + preferences
