"""Journey: a team in New York (``nightly_timezone = "America/New_York"``) composes from the issues page in
headless Chromium through the deployed stack. The days typed in the form are the team's days: the issue
covers them from New York's midnight to New York's midnight, and it has one name, the same on the new
draft's page, on the issues list, in `mediawatch issues show` and in its rendered edition.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.compose.issues import issue_title
from mediawatch.config import Settings
from mediawatch.render.edition import render_edition
from mediawatch.store import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

NEW_YORK = ZoneInfo("America/New_York")


def test_a_new_york_team_s_form_composes_its_own_days_under_one_name(stack_factory):
    stack: Stack = stack_factory(nightly={"nightly_timezone": "America/New_York"})
    stack.add_user("nora", "editor")
    nora = stack.login("nora", locale="en-US")
    nora.goto(f"{stack.url}/issues")
    # the seeded articles are dated relative to now: a month up to yesterday holds some of them
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    first, last = yesterday - timedelta(days=30), yesterday
    nora.check("#ni-publication-press-review")
    nora.fill("#ni-from", first.isoformat())
    nora.fill("#ni-to", last.isoformat())
    for code in ("fr", "en", "es"):
        nora.set_checked(f"#ni-lang-{code}", code == "en")
    submit(nora, "#compose-issue")
    assert re.search(r"/issues/\d+", nora.url), nora.url
    issue_id = int(re.search(r"/issues/(\d+)", nora.url).group(1))  # type: ignore[union-attr]

    with open_store(str(stack.settings["collect"]["db"])) as store:
        issue = store.find_issue(issue_id)
        assert issue is not None
        assert (issue.period_from, issue.period_to) == (_midnight(first), _midnight(last + timedelta(days=1)))
        edition = render_edition(
            store.issue_content(issue_id), "en", Settings(nightly_timezone="America/New_York")
        )
    name = issue_title(issue, "en", NEW_YORK)
    days = name.split(", ", 1)[1]  # "Press review, 3 Nov – 2 Dec 2026": the period's words
    assert f"{last.day} " in days.split("–")[-1], name  # it ends on the last day typed

    expect(nora.locator("h1")).to_contain_text(name)
    nora.goto(f"{stack.url}/issues")
    expect(nora.locator(f"tr:has(a[href='/issues/{issue_id}'])")).to_contain_text(days)
    shown = stack.cli("--lang", "en", "issues", "show", str(issue_id)).stdout
    assert f"{name} ({issue.slug}, #{issue_id})" in shown, shown
    assert issue.slug.endswith(last.isoformat()), issue.slug
    assert days in edition.subject.replace("\u202f", " "), edition.subject


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), NEW_YORK).astimezone(UTC)
