"""Journey a: a reader in Spanish, from the subscription form to erasing their data, through nginx (TLS)
in front of ``mediawatch serve``, with mail going through a real SMTP server.

Only the browser, the mail and the command line an operator types are used; the state is read back with
``mediawatch subscribers list --json``.
"""

from __future__ import annotations

import json

import pytest
from journey_stack import Stack, links_in, one_click_unsubscribe

from mediawatch.i18n import t

# Generous: a journey starts servers and several CLI runs on a machine that may be busy.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

EMAIL = "lucia.fernandez@example.org"


def status_of(stack: Stack, email: str = EMAIL) -> str | None:
    found = stack.subscriber(email)
    return None if found is None else found.status.value


def compose_and_approve(stack: Stack) -> int:
    """The next newsletter, composed, submitted and approved on the command line."""
    composed = json.loads(stack.cli("compose", "newsletter", "--from", "30d", "--as", "ana", "--json").stdout)
    issue = int(composed["issue"])
    assert composed["items"] > 0, composed
    stack.cli("issues", "submit", str(issue), "--as", "ana")
    stack.cli("issues", "approve", str(issue), "--lang", "all", "--as", "bruno")
    return issue


def test_a_reader_subscribes_in_spanish_reads_unsubscribes_comes_back_and_erases(stack: Stack):
    stack.add_user("ana", "editor")
    stack.add_user("bruno", "approver")

    # A Spanish-speaking visitor finds the form in Spanish and subscribes.
    page = stack.page(locale="es-ES")
    page.goto(f"{stack.url}/subscribe")
    assert page.locator("html").get_attribute("lang") == "es"
    page.fill("#email", EMAIL)
    page.check("input[name=consent]")
    page.click("#subscribe-button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == t("public.done.title", "es"), page.content()[:2000]
    assert status_of(stack) == "pending"

    # The confirmation mail, in Spanish.
    (mail,) = stack.wait_for_mail(EMAIL)
    msg = mail.message()
    assert msg["Subject"] == t("email.confirm.subject", "es", organisation="4 por 1000")
    assert msg["Content-Language"] == "es"
    (confirm_url,) = links_in(mail, "/s/confirm/")
    assert confirm_url.startswith(stack.url + "/")

    # Opening the link confirms nothing (a mail scanner does as much); pressing the button does.
    page.goto(confirm_url)
    assert page.locator("h1").inner_text() == t("public.confirm.title", "es")
    assert status_of(stack) == "pending"
    page.click("#confirm-button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == t("public.confirmed.title", "es"), page.content()[:2000]
    assert status_of(stack) == "active"

    # The next approved edition arrives, in Spanish.
    issue = compose_and_approve(stack)
    stack.cli("send", str(issue))
    edition = stack.wait_for_mail(EMAIL, 2)[1].message()
    assert edition["Content-Language"] == "es"
    assert edition["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https = [u.strip(" <>") for u in edition["List-Unsubscribe"].split(",") if "https://" in u]
    assert len(https) == 1, edition["List-Unsubscribe"]
    unsubscribe_url = https[0]
    assert unsubscribe_url.startswith(stack.url + "/s/unsubscribe/")

    # The mailbox provider's one-click unsubscribe: a bare POST, no cookie, through the proxy.
    status, _body = one_click_unsubscribe(stack.tls, unsubscribe_url)
    assert status == 200
    assert status_of(stack) == "unsubscribed"

    # Changed their mind: the preferences link of the edition, the resubscribe button.
    (preferences_url,) = links_in(stack.mails_to(EMAIL)[1], "/s/preferences/")
    page.goto(preferences_url)
    assert page.locator("h1").inner_text() == t("public.preferences.title", "es")
    page.click("#resubscribe-button")
    page.wait_for_load_state()
    assert t("public.preferences.resubscribed", "es") in page.inner_text("body"), page.content()[:2000]
    assert status_of(stack) == "active"

    # Then erases everything kept about them.
    page.check("input[name=confirm_delete]")
    page.click("#delete-button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == t("public.deleted.title", "es"), page.content()[:2000]
    assert stack.subscriber(EMAIL) is None
