"""Journeys: the saved watches' form and list as a Spanish editor meets them, through the deployed stack in
headless Chromium. A search on filters alone is saved as a watch and its feed holds what the page showed;
a form refused by the server says each problem beside its field and puts her on the first; removing a
watch asks first and says that its feed address stops working."""

from __future__ import annotations

import re

import feedparser
import pytest
from journey_stack import Stack, fixed_text, https_request, submit
from playwright.sync_api import expect

from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def test_a_search_on_filters_alone_is_saved_as_a_watch_with_its_feed(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    lucia = stack.login("lucia", locale="es-ES")
    # All French items, no words: the watch page shows them...
    lucia.goto(f"{stack.url}/watch")
    lucia.select_option("#watch-lang", "fr")
    submit(lucia, "#watch-submit")
    shown = set(lucia.locator("tr.story-row a.story-title").all_inner_texts())
    assert shown  # the seeded data has French stories

    # ... and "save this search" saves them: the form asks for no words.
    submit(lucia, "#watch-save")
    expect(lucia.locator("#w-q")).to_have_value("")
    expect(lucia.locator("#w-q")).not_to_have_attribute("required", re.compile(".*"))
    lucia.fill("#w-name", "Todo en francés")
    lucia.fill("#w-email", "lucia@example.org")
    submit(lucia, "#save-watch")
    expect(
        lucia.locator(".flash", has_text=t("watches.web.saved", "es", name="Todo en francés"))
    ).to_be_visible()
    row = lucia.locator('tr[data-watch="Todo en francés"]')
    expect(row).to_contain_text(t("watches.filter.no_query", "es"))
    expect(row).to_contain_text("Idioma de los artículos: francés")

    # Its feed holds the stories the page showed, read as a feed reader would.
    status, _headers, body = https_request(stack.tls, "GET", row.locator("a.feed-link").get_attribute("href"))
    assert status == 200
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert {e.title for e in parsed.entries} == shown

    # A watch on nothing at all (no words, no filter) would mail every article: refused beside the search.
    lucia.goto(f"{stack.url}/watches/new")
    lucia.fill("#w-name", "Todo")
    lucia.fill("#w-email", "lucia@example.org")
    submit(lucia, "#save-watch")
    expect(lucia.locator("#w-q")).to_be_focused()
    expect(lucia.locator("#w-q")).to_have_attribute("aria-invalid", "true")
    note = lucia.locator(f"#{lucia.locator('#w-q').get_attribute('aria-describedby')}")
    expect(note).to_have_text(fixed_text("watches.invalid.nothing", "es"))
    expect(lucia.locator("#w-name")).to_have_value("Todo")


def test_a_refused_watch_says_each_problem_beside_its_field_and_focuses_the_first(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    stack.cli("users", "update", "lucia", "--email", "lucia@example.org")
    stack.cli("watches", "add", "Suelos", "--query", "suelos", "--owner", "lucia", "--every", "weekly")
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/watches/new")
    lucia.fill("#w-name", "Suelos")  # taken
    lucia.fill("#w-q", 'suelos "carbono')  # an unclosed quotation mark
    # the dates from the calendar the fields are (the message about a date it cannot read names it)
    expect(lucia.locator("#w-since")).to_have_attribute("type", "date")
    expect(lucia.locator("#w-until")).to_have_attribute("type", "date")
    lucia.fill("#w-since", "2026-03-01")
    lucia.fill("#w-until", "2026-01-31")  # before it starts
    lucia.select_option("#w-lang", "es")
    submit(lucia, "#save-watch")

    expect(lucia.locator("#w-name")).to_be_focused()
    for field, key in (
        ("name", "watches.invalid.name_taken"), ("q", "search.query.unbalanced_quote"),
        ("until", "watchpage.error.reversed"),
    ):  # fmt: skip
        control = lucia.locator(f"#w-{field}")
        expect(control).to_have_attribute("aria-invalid", "true")
        note = lucia.locator(f"#{control.get_attribute('aria-describedby')}")
        expect(note).to_contain_text(fixed_text(key, "es"))
    # what she got right is not flagged, and every field keeps what she typed
    expect(lucia.locator("#w-lang")).not_to_have_attribute("aria-invalid", "true")
    expect(lucia.locator("#w-lang")).to_have_value("es")
    expect(lucia.locator("#w-q")).to_have_value('suelos "carbono')
    expect(lucia.locator("#w-since")).to_have_value("2026-03-01")
    expect(lucia.locator("#w-until")).to_have_value("2026-01-31")

    lucia.fill("#w-name", "Suelos andinos")
    lucia.fill("#w-q", 'suelos "carbono"')
    lucia.fill("#w-until", "2026-03-31")
    submit(lucia, "#save-watch")
    expect(lucia.locator('tr[data-watch="Suelos andinos"]')).to_be_visible()


def test_removing_a_watch_asks_first_and_says_its_feed_stops(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    stack.cli("users", "update", "lucia", "--email", "lucia@example.org")
    stack.cli("watches", "add", "Suelos", "--query", "suelos", "--owner", "lucia", "--every", "weekly")
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/watches")
    row = lucia.locator("tr[data-watch=Suelos]")
    feed = row.locator("a.feed-link").get_attribute("href")

    # The first click asks: it says what stops, the feed's address named; keeping it changes nothing.
    row.locator(".remove-watch").click()
    question = lucia.locator("#remove-watch")
    expect(question).to_contain_text("Suelos")
    expect(question).to_contain_text(feed)
    expect(question).to_contain_text(fixed_text("watches.web.remove_feed", "es"))
    submit(lucia, "#keep-watch")
    expect(lucia.locator("tr[data-watch=Suelos]")).to_be_visible()
    assert https_request(stack.tls, "GET", feed)[0] == 200

    # Confirmed, it is gone, and so is its feed.
    lucia.locator("tr[data-watch=Suelos] .remove-watch").click()
    submit(lucia, "#confirm-remove")
    expect(lucia.locator(".flash", has_text=t("watches.web.removed", "es", name="Suelos"))).to_be_visible()
    expect(lucia.locator("tr[data-watch=Suelos]")).to_have_count(0)
    assert https_request(stack.tls, "GET", feed)[0] == 404


def test_a_save_this_search_link_with_bad_filters_says_each_beside_its_field(stack: Stack):
    """A link to the form with a date it cannot read and choices it does not have (a hand-edited or old
    "save this search" link): each problem beside its field, the first one focused; fixed, it posts."""
    stack.add_user("lucia", "editor", lang="es")
    stack.cli("users", "update", "lucia", "--email", "lucia@example.org")
    lucia = stack.login("lucia", locale="es-ES")
    link = "q=suelos&since=31%2F01%2F2026&lang=xx&theme=nowhere&region=atlantis&objective=Z9"
    lucia.goto(f"{stack.url}/watches/new?{link}")

    expect(lucia.locator("#watch-fix")).to_have_text(fixed_text("watches.web.link_fix", "es"))
    expect(lucia.locator("#w-since")).to_be_focused()
    for field, value in (
        ("since", "31/01/2026"), ("lang", "xx"), ("theme", "nowhere"), ("region", "atlantis"),
        ("objective", "Z9"),
    ):  # fmt: skip
        control = lucia.locator(f"#w-{field}")
        expect(control).to_have_attribute("aria-invalid", "true")
        note = lucia.locator(f"#{control.get_attribute('aria-describedby')}")
        expect(note).to_contain_text(value)
    expect(lucia.locator("#w-q")).not_to_have_attribute("aria-invalid", "true")
    expect(lucia.locator("#w-q")).to_have_value("suelos")
    # a date input cannot hold what is not a date: the note beside it names what the link said
    expect(lucia.locator("#w-since")).to_have_value("")

    lucia.fill("#w-name", "Suelos de enero")
    lucia.fill("#w-since", "2026-01-31")
    lucia.select_option("#w-lang", "es")
    submit(lucia, "#save-watch")
    expect(
        lucia.locator(".flash", has_text=t("watches.web.saved", "es", name="Suelos de enero"))
    ).to_be_visible()
    row = lucia.locator('tr[data-watch="Suelos de enero"]')
    expect(row).to_contain_text("Idioma de los artículos: español")
