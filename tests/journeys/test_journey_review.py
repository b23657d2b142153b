"""Journey b: an editor edits and submits, approvers approve, each in a browser of their own signed in
through the login form; the four-eyes and stale-view refusals appear where the approver is looking.

A press review (tens of items: a page several screens long) so that "where the user is looking" and "the
top of the page" are not the same place.
"""

from __future__ import annotations

import json
import re

import pytest
from journey_stack import Stack, cli_env
from playwright.sync_api import expect

from mediawatch.i18n import catalogue

# Generous: a journey starts servers and several CLI runs on a machine that may be busy.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def fixed_text(key: str, lang: str = "en") -> str:
    """The longest stretch of a message that none of its {fields} changes: what a test can look for."""
    template = catalogue(lang)[key]
    return max(re.split(r"{\w+}", template), key=len).strip()


def issue_page(page, stack: Stack, issue: int, lang: str = "en") -> None:
    page.goto(f"{stack.url}/issues/{issue}?lang={lang}")


def edition_state(page) -> str:
    return page.locator("#edition").get_attribute("data-state")


def items(page) -> list[int]:
    ids = page.locator("article.item").evaluate_all("els => els.map(e => e.id)")
    return [int(i.removeprefix("item-")) for i in ids]


def edit_title(page, item: int, title: str) -> None:
    page.fill(f"#title-{item}", title)
    with page.expect_navigation():
        page.click(f"#save-{item}")


def test_an_editor_submits_approvers_approve_and_refusals_show_where_they_look(stack: Stack):
    for name, role in (("ana", "editor"), ("bruno", "approver"), ("carla", "approver")):
        stack.add_user(name, role)
    composed = json.loads(
        stack.cli(
            "compose", "press-review", "--from", "30d", "--languages", "en", "--as", "ana", "--json"
        ).stdout
    )
    issue = int(composed["issue"])
    assert composed["items"] >= 15, composed

    # The editor rewrites a title far down the page, then submits the issue.
    ana = stack.login("ana")
    issue_page(ana, stack, issue)
    listed = items(ana)
    far = listed[-1]
    edit_title(ana, far, "Soil carbon: what the farmers measured")
    expect(ana.locator(f"#title-{far}")).to_have_value("Soil carbon: what the farmers measured")
    with ana.expect_navigation():
        ana.click("#submit-issue")
    expect(ana.locator("#issue-state")).to_have_attribute("data-state", "in_review")

    # An approver touches a text up, then tries to approve his own change: four-eyes refuses, and he sees it
    # (in the words for an edition never approved yet).
    bruno = stack.login("bruno")
    issue_page(bruno, stack, issue)
    edit_title(bruno, listed[0], "Cover crops, three years on")
    with bruno.expect_navigation():
        bruno.click("#approve")
    refusal = bruno.locator(".flash.error", has_text=fixed_text("review.refused.four_eyes_first"))
    expect(refusal).to_be_visible()
    expect(refusal).to_be_in_viewport()
    assert edition_state(bruno) == "in_review"

    # Another approver reads the page; meanwhile the editor changes a text: her approval is refused as
    # stale, where she is looking, and nothing is approved.
    carla = stack.login("carla")
    issue_page(carla, stack, issue)
    issue_page(ana, stack, issue)
    edit_title(ana, far, "Soil carbon: what twelve farmers measured")
    with carla.expect_navigation():
        carla.click("#approve")
    stale = carla.locator(".flash.error", has_text=fixed_text("review.refused.stale_view"))
    expect(stale).to_be_visible()
    expect(stale).to_be_in_viewport()
    assert edition_state(carla) == "in_review"

    # Having looked again, she approves what she sees.
    issue_page(carla, stack, issue)
    with carla.expect_navigation():
        carla.click("#approve")
    assert edition_state(carla) == "approved", carla.inner_text("main")[:2000]
    shown = json.loads(stack.cli("issues", "show", str(issue), "--json").stdout)
    assert shown["state"] == "approved", shown


def test_an_approval_that_no_longer_matches_the_rendering_is_back_in_review_and_approved_again(stack: Stack):
    """Approved under another organisation name (as if the server's settings changed since): the list and
    the issue page show the edition back in review, and the approver approves it again from the page."""
    for name, role in (("ana", "editor"), ("bruno", "approver")):
        stack.add_user(name, role)
    composed = json.loads(
        stack.cli(
            "compose", "press-review", "--from", "30d", "--languages", "en", "--as", "ana", "--json"
        ).stdout
    )
    issue = str(composed["issue"])
    stack.cli("issues", "submit", issue, "--as", "ana")
    other = cli_env(stack.config, MEDIAWATCH_ORGANISATION="Autre Org")
    stack.cli("issues", "approve", issue, "--lang", "en", "--as", "bruno", env=other)
    assert json.loads(stack.cli("issues", "show", issue, "--json", env=other).stdout)["sendable"]

    bruno = stack.login("bruno")
    bruno.goto(f"{stack.url}/issues")
    row = bruno.locator(f"#issue-{issue}")
    expect(row).to_contain_text("English: in review")
    expect(row.locator(".waiting")).to_contain_text(fixed_text("review.waiting.reapproval"))
    issue_page(bruno, stack, int(issue))
    expect(bruno.locator("#issue-state")).to_have_attribute("data-state", "in_review")
    assert edition_state(bruno) == "in_review"
    expect(bruno.locator("#stale")).to_be_visible()
    with bruno.expect_navigation():
        bruno.click("#approve")
    assert edition_state(bruno) == "approved", bruno.inner_text("main")[:2000]
    expect(bruno.locator("#issue-state")).to_have_attribute("data-state", "approved")
    shown = json.loads(stack.cli("issues", "show", issue, "--json").stdout)
    assert shown["sendable"], shown["blockers"]
    log = [json.loads(line) for line in stack.cli("issues", "log", issue, "--json").stdout.splitlines()]
    assert any(e["actor"] == "system" and "renders differently" in e["detail"] for e in log)
