"""Journey c: an approver schedules an issue in the browser; ``mediawatch send --due`` (what the timer
runs) sends nothing before its time, sends it once after, and a plain ``send`` refuses to go early.

The clock of the delivery schedule is moved (clocked_cli.py), never waited for.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from journey_stack import Stack, links_in
from playwright.sync_api import expect

from mediawatch.i18n import t
from mediawatch.i18n.dates import format_datetime_utc

# Generous: a journey starts servers and several CLI runs on a machine that may be busy.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

READER = "noor.haddad@example.org"


def issue_state(stack: Stack, issue: int) -> str:
    return str(json.loads(stack.cli("issues", "show", str(issue), "--json").stdout)["state"])


def test_a_scheduled_issue_goes_out_when_due_and_not_before(stack: Stack):
    stack.add_user("ana", "editor")
    stack.add_user("bruno", "approver")
    stack.cli("subscribers", "add", READER, "--language", "fr", "--publication", "newsletter", "--confirmed")
    composed = json.loads(stack.cli("compose", "newsletter", "--from", "30d", "--as", "ana", "--json").stdout)
    issue = int(composed["issue"])
    stack.cli("issues", "submit", str(issue), "--as", "ana")
    stack.cli("issues", "approve", str(issue), "--lang", "all", "--as", "bruno")

    # The approver picks the time in the issue page (UTC), two days from now.
    when = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    bruno = stack.login("bruno")
    bruno.goto(f"{stack.url}/issues/{issue}?lang=fr")
    bruno.fill("#when", when.strftime("%Y-%m-%dT%H:%M"))
    with bruno.expect_navigation():
        bruno.click("#schedule-issue")
    expect(bruno.locator("#issue-state")).to_have_attribute("data-state", "scheduled")

    # Sending it by hand before its time is refused, and says when it will go.
    early = stack.cli("send", str(issue), check=False)
    assert early.returncode == 2, early
    assert format_datetime_utc(when, "en") in early.stderr, early.stderr
    # The timer a minute before: nothing is due, nothing is sent.
    before = stack.cli("send", "--due", at=when - timedelta(minutes=1))
    assert t("deliver.cli.due_none", "en") in before.stdout, before
    assert stack.mails_to(READER) == []
    assert issue_state(stack, issue) == "scheduled"

    # The timer a minute after: sent, once.
    after = stack.cli("send", "--due", at=when + timedelta(minutes=1))
    assert after.returncode == 0, after
    (mail,) = stack.wait_for_mail(READER)
    assert mail.message()["Content-Language"] == "fr"
    assert links_in(mail, "/s/preferences/")[0].startswith(stack.url + "/")
    assert issue_state(stack, issue) == "sent"
    again = stack.cli("send", "--due", at=when + timedelta(hours=1))
    assert t("deliver.cli.due_none", "en") in again.stdout, again
    assert len(stack.mails_to(READER)) == 1
