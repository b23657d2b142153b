"""A French-speaking correspondent's first week and an approver's review, through the deployed stack (nginx
TLS, gunicorn, the journey database, headless Chromium), for what each of them met on the way.

Awa, a correspondent in West Africa, sends items from her phone and, once, with the keyboard alone: a refused
field takes the focus and says why to a screen reader; a text pasted over the limit is refused, not cut short
by the browser; on a 375 px phone her list shows what became of each item without scrolling sideways.
Carla, an approver reading the French edition, sees what the issue waits for in French typography, and after
changing a title she is told before she clicks that someone else must approve it; the refusal speaks to her.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.i18n import t
from mediawatch.watch.submissions import MAX_TEXT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

PHONE = {"width": 375, "height": 800}


def focused(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def awa_signs_in(stack: Stack):
    stack.add_user("awa", "correspondent", "fr")
    awa = stack.login("awa", locale="fr-FR")
    assert urlsplit(awa.url).path == "/submit"
    return awa


def test_with_the_keyboard_alone_a_refused_field_takes_the_focus_and_says_why(stack: Stack):
    awa = awa_signs_in(stack)

    # Keyboard alone: from the top of the page, Tab reaches the address field before any other field.
    for _ in range(15):
        awa.keyboard.press("Tab")
        if focused(awa) == "url":
            break
    assert focused(awa) == "url"
    awa.keyboard.type("lemonde.fr/afrique/sahel")
    with awa.expect_navigation():
        awa.keyboard.press("Enter")
    # The refused field holds the focus, says it is wrong and names the note that says why: a screen reader
    # reads it at once, and she corrects it without hunting for it.
    assert focused(awa) == "url"
    field = awa.locator("#url")
    expect(field).to_have_attribute("aria-invalid", "true")
    note = awa.locator(f"#{field.get_attribute('aria-describedby')}")
    expect(note).to_contain_text("n'est pas une adresse web")
    expect(field).to_have_value("lemonde.fr/afrique/sahel")


def test_a_long_text_pasted_is_refused_whole_rather_than_cut_short_by_the_browser(stack: Stack):
    """The form's maxlength made the browser keep the first 5000 characters of a paste and send them as if
    complete: she never learnt that the end of her text was lost."""
    awa = awa_signs_in(stack)
    long_text = "Les éleveurs du Sahel restaurent leurs parcours. " * 130
    assert len(long_text) > MAX_TEXT
    awa.fill("#title", "Sahel : les parcours reverdissent")
    awa.fill("#text", long_text)
    awa.select_option("#language", "fr")
    submit(awa, "#send")
    expect(awa.locator("#problem-text")).to_contain_text("5\u202f000")
    assert awa.locator("#text").input_value() == long_text  # whole, as pasted
    assert focused(awa) == "text"
    assert stack.cli("submissions", "list", "--json").stdout.strip() == ""  # nothing stored
    # The limit is said before she sends, beside the field.
    hint = awa.locator("#text-hint")
    expect(hint).to_contain_text("5\u202f000")
    assert "text-hint" in (awa.locator("#text").get_attribute("aria-describedby") or "")


def test_on_a_phone_her_list_shows_what_became_of_an_item_without_scrolling_sideways(stack: Stack):
    """The list's state and use columns sat to the right of a 375 px screen, in a table that scrolled on its
    own: what she came to learn was off screen."""
    awa = awa_signs_in(stack)
    awa.set_viewport_size(PHONE)
    awa.fill("#title", "Sahel : les parcours reverdissent")
    awa.fill("#text", "Au Sahel, les éleveurs restaurent leurs parcours et le carbone des sols.")
    awa.select_option("#language", "fr")
    awa.select_option("#region", "africa")
    submit(awa, "#send")
    assert urlsplit(awa.url).path == "/submissions"
    row = awa.locator("#my-items tbody tr").first
    status = row.locator(".status")
    expect(status).to_have_text(t("correspondents.status.added", "fr"))
    for cell in (status, row.locator(".used"), row.locator(".item-title")):
        box = cell.bounding_box()
        assert box is not None
        assert box["x"] >= 0, box
        assert box["x"] + box["width"] <= PHONE["width"], box
    assert awa.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_approver_reads_in_french_what_the_issue_waits_for_and_what_four_eyes_refuses(stack: Stack):
    stack.add_user("ana", "editor", "fr")
    stack.add_user("carla", "approver", "fr")
    composed = json.loads(
        stack.cli(
            "compose", "press-review", "--from", "30d", "--languages", "fr,en", "--as", "ana", "--json"
        ).stdout
    )
    issue = composed["issue"]
    stack.cli("issues", "submit", str(issue), "--as", "ana")
    carla = stack.login("carla", locale="fr-FR")
    carla.goto(f"{stack.url}/issues/{issue}?lang=fr")
    waiting = carla.locator("p.waiting")
    # French puts a space before a semicolon: "… (en relecture) ; validation …".
    expect(waiting).to_contain_text("(en relecture) ; validation")
    expect(waiting).not_to_contain_text(");")

    # She touches a title up: before she clicks, the page says that someone else must approve it now; if she
    # clicks anyway, the refusal speaks to her, not about her.
    first = carla.locator("article.item").first.get_attribute("id").removeprefix("item-")
    carla.fill(f"#title-{first}", "Les sols du Sahel : un « puits » de carbone ?")
    submit(carla, f"#save-{first}")
    # The edition was never approved: not "depuis sa dernière validation".
    expect(carla.locator("#own-changes")).to_have_text(t("editor.edition.own_changes_first", "fr"))
    submit(carla, "#approve")
    refusal = carla.locator(".flash.error", has_text="vous (carla) avez modifié l'édition en français")
    expect(refusal).to_be_in_viewport()
    expect(refusal).to_contain_text("qui n'a encore jamais été validée")
    assert carla.locator("#edition").get_attribute("data-state") == "in_review"
