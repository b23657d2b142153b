"""A French approver on an issue page, through the deployed stack (nginx TLS, gunicorn, headless Chromium):
a long note or comment pasted is refused whole rather than cut short by the browser, and the scheduled
sending and a preview link's end are said as French writes dates, the zone said once at the foot.

Carla approves; Ana edits.
"""

from __future__ import annotations

import json
import re

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.review.actions import MAX_NOTE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

MOMENT = "1er janv. 2099, 8\u00a0h\u00a030"  # 2099-01-01T08:30, as scheduled
FRENCH_MOMENT = r"(\d{1,2}|1er) [a-zéû]+\.? \d{4}, \d{1,2}\u00a0h\u00a0\d{2}"


def focused(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def refused_whole(page, box: str, text: str) -> None:
    """The box holds the text as pasted, has the focus, and says why beside it, naming the limit."""
    field = page.locator(f"#{box}")
    assert field.input_value() == text
    assert focused(page) == box
    expect(field).to_have_attribute("aria-invalid", "true")
    note = page.locator(f"#{box}-problem")
    expect(note).to_contain_text("2\u202f000 au plus")
    expect(note).to_contain_text(f"{len(text):,}".replace(",", "\u202f") + " caractères")
    assert f"{box}-problem" in (field.get_attribute("aria-describedby") or "")


def test_a_long_note_or_comment_is_refused_whole_and_dates_are_said_in_french(stack: Stack):
    stack.add_user("ana", "editor", "fr")
    stack.add_user("carla", "approver", "fr")
    composed = stack.cli(
        "compose", "press-review", "--from", "30d", "--languages", "fr,en", "--as", "ana", "--json"
    )
    issue = int(json.loads(composed.stdout)["issue"])
    stack.cli("issues", "submit", str(issue), "--as", "ana")

    carla = stack.login("carla", locale="fr-FR")
    carla.on("dialog", lambda dialog: dialog.accept())
    carla.goto(f"{stack.url}/issues/{issue}?lang=fr")
    # The limit is said before she types, beside each box, and read with it.
    for box in ("approve-note", "reject-note"):
        expect(carla.locator(f"#{box}-limit")).to_have_text("2\u202f000 caractères au plus")
        assert carla.locator(f"#{box}").get_attribute("maxlength") is None

    # A rejection note pasted over the limit: the browser cut it at 2000 characters and sent it as if whole.
    long_note = "Le deuxième titre ne dit pas ce que dit l'étude citée. " * 40
    assert len(long_note) > MAX_NOTE
    carla.fill("#reject-note", long_note)
    submit(carla, "#reject")
    refused_whole(carla, "reject-note", long_note)
    expect(carla.locator("#edition")).to_have_attribute("data-state", "in_review")

    carla.fill("#approve-note", long_note)
    submit(carla, "#approve")
    refused_whole(carla, "approve-note", long_note)
    expect(carla.locator("#edition")).to_have_attribute("data-state", "in_review")

    first = carla.locator("article.item").first.get_attribute("id").removeprefix("item-")
    expect(carla.locator(f"#comment-{first}-limit")).to_have_text("2\u202f000 caractères au plus")
    carla.fill(f"#comment-{first}", long_note)
    submit(carla, f"#comment-button-{first}")
    refused_whole(carla, f"comment-{first}", long_note)
    assert carla.locator(f"#item-{first} .comment").count() == 0  # nothing stored

    # Within the limits, the same forms go through.
    carla.fill(f"#comment-{first}", "Titre à revoir.")
    submit(carla, f"#comment-button-{first}")
    expect(carla.locator(f"#item-{first} .comment")).to_contain_text("Titre à revoir.")
    carla.goto(f"{stack.url}/issues/{issue}?lang=fr")
    carla.fill("#approve-note", "Relu, bon pour l'envoi.")
    submit(carla, "#approve")
    expect(carla.locator("#edition")).to_have_attribute("data-state", "approved")
    carla.goto(f"{stack.url}/issues/{issue}?lang=en")
    submit(carla, "#approve")
    expect(carla.locator("#issue-state")).to_have_attribute("data-state", "approved")

    # Scheduled: the message, the page and the list say the moment as French writes it, UTC at the foot.
    carla.fill("#when", "2099-01-01T08:30")
    submit(carla, "#schedule-issue")
    expect(carla.locator("#actions .flash.ok")).to_have_text(
        "Programmé pour le 1er janv. 2099, 8\u00a0h\u00a030."
    )
    expect(carla.locator(".waiting")).to_contain_text("envoi le 1er janv. 2099, 8\u00a0h\u00a030")
    expect(carla.locator("#times-utc")).to_be_visible()
    carla.goto(f"{stack.url}/issues")
    expect(carla.locator(f"#issue-{issue} .waiting")).to_contain_text(
        "envoi le 1er janv. 2099, 8\u00a0h\u00a030"
    )
    assert "UTC" not in carla.locator("#issues").inner_text()

    # A preview link: until when it is valid, in French words, the zone said once at the foot.
    carla.goto(f"{stack.url}/issues/{issue}?lang=fr")
    submit(carla, "#share")
    said = carla.locator("#edition .flash.ok").first.inner_text()
    assert re.fullmatch(rf"Lien d'aperçu créé, valable jusqu'au {FRENCH_MOMENT}\.", said), said
    expect(carla.locator("#times-utc")).to_have_text("Heures en temps universel (UTC).")
