"""The pages as the team reads them, looked at afresh through the deployed stack (nginx TLS, ``mediawatch
serve``, the seeded database, headless Chromium) at a desk's width (1280 px) and a phone's (390 px): what a
person notices at a glance, a label away from its field, a button far from what it acts on.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

DESK, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, selector
    return found


def test_the_watch_filters_sit_beside_their_labels_and_apply_where_they_are(stack: Stack):
    """The filters of /watch took a full-width line each: twelve lines before the first story at a desk,
    "Envoyé par un correspondant" at the end of the relevance line with its list on the next, and on a phone
    the only button to apply them was the search's, a screen above the last filter."""
    stack.add_user("ana", "editor", "fr")
    ana = stack.login("ana", locale="fr-FR")
    ana.set_viewport_size(DESK)
    ana.goto(f"{stack.url}/watch")
    labels = ana.locator(".watch-filters label[for]")
    assert labels.count() >= 10
    for index in range(labels.count()):
        label = labels.nth(index)
        target = f"#{label.get_attribute('for')}"
        said, field = label.bounding_box(), box(ana, target)
        assert said is not None
        # on the field's line, just before it
        assert said["y"] < field["y"] + field["height"], target
        assert field["y"] < said["y"] + said["height"], target
        assert 0 <= field["x"] - (said["x"] + said["width"]) < 40, target
    # the stream starts on the first screen of a desk
    assert box(ana, "#watch-stream")["y"] < DESK["height"]

    # On a phone nothing leaves the screen, and a button right after the filters applies them.
    ana.set_viewport_size(PHONE)
    width = ana.evaluate("document.documentElement.clientWidth")
    assert ana.evaluate("document.documentElement.scrollWidth") <= width
    for selector in (".watch-filters select", ".watch-filters input"):
        fields = ana.locator(selector)
        for index in range(fields.count()):
            found = fields.nth(index).bounding_box()
            assert found is not None
            assert found["x"] + found["width"] <= width, selector
    apply = ana.locator("#watch-apply")
    expect(apply).to_have_text(t("watchpage.apply", "fr"))
    last = box(ana, "#watch-used")
    assert 0 < box(ana, "#watch-apply")["y"] - (last["y"] + last["height"]) < 80
    ana.select_option("#watch-lang", "es")
    ana.locator("#watch-used").scroll_into_view_if_needed()
    submit(ana, "#watch-apply")
    assert parse_qs(urlsplit(ana.url).query)["lang"] == ["es"]
    expect(ana.locator("#watch-lang")).to_have_value("es")
    assert ana.locator("tr.story-row").count() > 0


def test_an_items_comment_box_is_wide_enough_to_read_on_a_phone(stack: Stack):
    """On a phone the comment box of an item was squeezed between its limit and its button to a few
    letters ("Commentaire pou"): what an editor typed could not be read back before sending it."""
    stack.add_user("ana", "editor", "fr")
    found = stack.cli(
        "compose", "press-review", "--from", "30d", "--languages", "fr", "--as", "ana", "--json"
    )
    issue = json.loads(found.stdout)["issue"]
    ana = stack.login("ana", locale="fr-FR")
    ana.set_viewport_size(PHONE)
    ana.goto(f"{stack.url}/issues/{issue}?lang=fr")
    form = ana.locator("form.comment-form").first
    field, button = form.locator("input[name=body]"), form.locator("button[type=submit]")
    form.scroll_into_view_if_needed()
    typed, sent, whole = field.bounding_box(), button.bounding_box(), form.bounding_box()
    assert typed is not None
    assert sent is not None
    assert whole is not None
    assert typed["width"] >= 0.6 * whole["width"], (typed, whole)
    assert sent["x"] + sent["width"] <= ana.evaluate("document.documentElement.clientWidth")
    # the limit is still said, under the box
    limit = form.locator("small").first.bounding_box()
    assert limit is not None
    assert limit["y"] >= typed["y"] + typed["height"]

    # and a comment typed there is sent
    field.fill("À garder : le chiffre des 420 familles est vérifié.")
    submit(ana, f"#{button.get_attribute('id')}")
    expect(ana.locator(".comment").first).to_contain_text("420 familles est vérifié")


def test_the_approvers_note_boxes_are_wide_enough_at_a_desk_and_on_a_phone(stack: Stack):
    """The approval and the return-to-editors forms put label, box, limit and button in one row: the note box
    was a few letters wide on a phone and under half the form at a desk, the buttons four lines high."""
    stack.add_user("ana", "editor", "fr")
    stack.add_user("bruno", "approver", "es")
    found = stack.cli(
        "compose", "press-review", "--from", "30d", "--languages", "es", "--as", "ana", "--json"
    )
    issue = json.loads(found.stdout)["issue"]
    stack.cli("issues", "submit", str(issue), "--as", "ana")
    bruno = stack.login("bruno", locale="es-ES")
    bruno.goto(f"{stack.url}/issues/{issue}?lang=es")
    for size in (DESK, PHONE):
        bruno.set_viewport_size(size)
        for form, note, button in (
            ("#approve-form", "#approve-note", "#approve"),
            ("#reject-form", "#reject-note", "#reject"),
        ):
            whole, typed, pressed = box(bruno, form), box(bruno, note), box(bruno, button)
            assert typed["width"] >= 0.6 * whole["width"], (size, note, typed, whole)
            label = box(bruno, f"label[for={note[1:]}]")
            assert label["y"] + label["height"] <= typed["y"] + 1, (size, note)  # above its box
            assert pressed["height"] < 3 * typed["height"], (size, button)  # a line or two, not four
            assert pressed["x"] + pressed["width"] <= size["width"]

    bruno.fill("#approve-note", "Revisada en el teléfono.")
    submit(bruno, "#approve")
    expect(bruno.locator("#approve-form")).to_have_count(0)
