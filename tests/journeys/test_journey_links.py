"""Journey: a subscriber's links when time is not on their side, through the production stack in Chromium.

A confirmation link is old (past its CONFIRM_DAYS), or was signed by a clock ahead of the server's (the
server's clock moved back, or another machine signed it); links are used twice, and after the person left.
The links are signed here as the server signs them, with an injected clock (``LinkSigner(clock=...)``, as
the delivery tests inject ``clock=``): nothing waits for real time.

The reader's browser speaks English, the subscriber Spanish: every page is in the subscriber's language.
"""

from __future__ import annotations

import json
import time

import pytest
from journey_stack import Stack, one_click_unsubscribe

from mediawatch.deliver.links import CONFIRM_DAYS, LinkPurpose, LinkSigner
from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

EMAIL = "lucia.links@example.org"
DAY = 86400.0


def signer_at(stack: Stack, offset_s: float) -> LinkSigner:
    """The server's signer, its clock ``offset_s`` away from now."""
    secret = str(stack.settings["web"]["secret_key"])
    return LinkSigner(secret, stack.url, clock=lambda: time.time() + offset_s)


def consents(stack: Stack) -> list[str]:
    shown = json.loads(stack.cli("subscribers", "show", EMAIL, "--json").stdout)
    return [c["action"] for c in shown["consent_records"]]


def test_old_early_reused_and_replayed_links_say_so_in_the_subscribers_language(stack: Stack):
    stack.cli("subscribers", "add", EMAIL, "--language", "es", "--publication", "newsletter")
    lucia = stack.subscriber(EMAIL)
    assert lucia.status.value == "pending"
    page = stack.page(locale="en-GB")

    # A link older than CONFIRM_DAYS: a clear page in Spanish, nothing confirmed or recorded.
    old = signer_at(stack, -(CONFIRM_DAYS + 1) * DAY).url(LinkPurpose.CONFIRM, lucia)
    response = page.goto(old)
    assert response.status == 404
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == t("public.invalid.title", "es")
    assert t("public.invalid.expired", "es") in page.inner_text("main")
    assert stack.subscriber(EMAIL).status.value == "pending"
    assert consents(stack) == ["subscribe"]

    # Signed an hour "later" than the server's clock (its clock moved back): a fresh link, it works.
    early = signer_at(stack, 3600).url(LinkPurpose.CONFIRM, lucia)
    page.goto(early)
    assert page.locator("h1").inner_text() == t("public.confirm.title", "es"), page.inner_text("main")
    page.click("#confirm-button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == t("public.confirmed.title", "es"), page.inner_text("main")
    assert stack.subscriber(EMAIL).status.value == "active"

    # The same link pressed again: still confirmed, and no second consent record.
    page.goto(early)
    page.click("#confirm-button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == t("public.confirmed.title", "es")
    assert consents(stack) == ["subscribe", "confirm"]

    # The old link again, now that the subscription is confirmed: it says there is nothing left to do.
    page.goto(old)
    assert page.locator("html").get_attribute("lang") == "es"
    assert t("public.invalid.expired_confirmed", "es") in page.inner_text("main")

    # One-click unsubscribe, replayed by the mail client: one unsubscription recorded.
    unsubscribe = signer_at(stack, 0).url(LinkPurpose.UNSUBSCRIBE, lucia)
    for _ in range(2):
        status, body = one_click_unsubscribe(stack.tls, unsubscribe)
        assert status == 200, body[:500]
    assert stack.subscriber(EMAIL).status.value == "unsubscribed"
    assert consents(stack) == ["subscribe", "confirm", "unsubscribe"]

    # The unsubscribe page (GET) of the same link, then its button, in Spanish: still one record.
    page.goto(unsubscribe)
    assert page.locator("html").get_attribute("lang") == "es"
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == t("public.unsubscribed.title", "es")
    assert consents(stack) == ["subscribe", "confirm", "unsubscribe"]

    # The confirmation link replayed after leaving (fresh, or with the clock moved back): no resubscription.
    for link in (early, signer_at(stack, 0).url(LinkPurpose.CONFIRM, lucia)):
        page.goto(link)
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("#confirm-button").count() == 0, page.inner_text("main")
        assert t("public.confirm.not_pending", "es") in page.inner_text("main")
    assert stack.subscriber(EMAIL).status.value == "unsubscribed"
    assert consents(stack) == ["subscribe", "confirm", "unsubscribe"]
