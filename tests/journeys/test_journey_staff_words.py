"""A French approver and a correspondent read the staff pages (a French walk through the deployed stack:
nginx TLS, gunicorn, headless Chromium): what waits for the approver, dates as French writes them, the
field problems of the correspondent's form, and the note box of an issue.

Carla approves; Ana edits; Awa is a correspondent in West Africa.
"""

from __future__ import annotations

import json
import re

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def compose(stack: Stack, publication: str, languages: str = "fr,en") -> int:
    found = stack.cli(
        "compose", publication, "--from", "30d", "--languages", languages, "--as", "ana", "--json"
    )
    return int(json.loads(found.stdout)["issue"])


def test_an_approver_is_told_in_the_navigation_and_the_list_what_waits_for_her(stack: Stack):
    """The correspondents' queue had a count; the issues, where her approvals wait, had nothing: she had to
    open every issue to learn that one waited for her."""
    stack.add_user("ana", "editor", "fr")
    stack.add_user("carla", "approver", "fr")
    waiting = compose(stack, "press-review")
    stack.cli("issues", "submit", str(waiting), "--as", "ana")
    compose(stack, "newsletter")  # a newer draft, listed first by date: nothing in it waits for an approver

    carla = stack.login("carla", locale="fr-FR")
    carla.goto(f"{stack.url}/issues")
    badge = carla.locator("#approvals-count")
    expect(badge).to_have_text("2")  # the French and the English editions
    expect(badge).to_have_attribute("aria-label", "Éditions à valider : 2")
    first = carla.locator("#issues tbody tr").first
    expect(first).to_have_attribute("id", f"issue-{waiting}")
    expect(first.locator(".for-you")).to_have_text("À valider par vous : français et anglais")
    assert carla.locator("#issues tbody tr .for-you").count() == 1

    carla.goto(f"{stack.url}/issues/{waiting}?lang=fr")
    submit(carla, "#approve")
    expect(carla.locator("#approvals-count")).to_have_text("1")
    carla.goto(f"{stack.url}/issues")
    expect(carla.locator(f"#issue-{waiting} .for-you")).to_have_text("À valider par vous : anglais")

    # An editor cannot approve: nothing in the navigation waits for her.
    ana = stack.login("ana", locale="fr-FR")
    ana.goto(f"{stack.url}/issues")
    expect(ana.locator("#issues")).to_be_visible()
    assert ana.locator("#approvals-count").count() == 0
    assert ana.locator(".for-you").count() == 0


FRENCH_MOMENT = re.compile(r"^\d{1,2}(er)? [a-zéû]+\.? \d{4}, \d{1,2}\u00a0h\u00a0\d{2}$")


def test_dates_read_as_french_writes_them_and_the_zone_is_said_once(stack: Stack):
    """The correspondent's list and the audit log said "2026-12-07 13:45 UTC" to a French reader."""
    stack.add_user("ana", "editor", "fr")
    stack.add_user("awa", "correspondent", "fr")
    issue = compose(stack, "press-review")
    stack.cli("issues", "submit", str(issue), "--as", "ana")

    ana = stack.login("ana", locale="fr-FR")
    ana.goto(f"{stack.url}/issues/{issue}/log")
    moment = ana.locator("table time").first
    assert FRENCH_MOMENT.match(moment.inner_text()), moment.inner_text()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", moment.get_attribute("datetime") or "")
    expect(ana.locator("#times-utc")).to_have_text("Heures en temps universel (UTC).")
    assert "UTC" not in ana.locator("table").inner_text()

    awa = stack.login("awa", locale="fr-FR")
    awa.fill("#title", "Sahel : les parcours reverdissent")
    awa.fill("#text", "Au Sahel, les éleveurs restaurent leurs parcours et le carbone des sols.")
    awa.select_option("#language", "fr")
    submit(awa, "#send")
    sent = awa.locator("#my-items time").first
    assert FRENCH_MOMENT.match(sent.inner_text()), sent.inner_text()
    expect(awa.locator("#times-utc")).to_be_visible()
