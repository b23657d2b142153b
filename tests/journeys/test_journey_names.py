"""Journey: an issue has one name, in the reader's language, on the issues list and the issue page of the
production stack (gunicorn behind nginx, read in Chromium) and in `mediawatch issues show`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from journey_stack import Stack
from playwright.sync_api import expect

from mediawatch.i18n.dates import format_period

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

PUBLICATION = {"fr": "Revue de presse", "es": "Revista de prensa"}


def test_an_issue_reads_the_same_on_the_web_and_in_the_cli(stack: Stack):
    stack.add_user("ana", "editor", "fr")
    stack.add_user("bruno", "approver", "es")  # a signed-in user reads pages in their own language
    # a period ending at a midnight, as the nightly's do: that day belongs to the next period
    today = datetime.now(UTC).date().isoformat()
    composed = json.loads(
        stack.cli("compose", "press-review", "--from", "30d", "--to", today, "--as", "ana", "--json").stdout
    )
    issue = int(composed["issue"])
    stored = json.loads(stack.cli("issues", "show", str(issue), "--json").stdout)
    start = datetime.fromisoformat(stored["period_from"])
    end = datetime.fromisoformat(stored["period_to"])
    assert end.time() == time(0)
    for user, lang in (("ana", "fr"), ("bruno", "es")):
        page = stack.login(user)
        # the period's end is excluded: its last day is the one before period_to (unless it ends mid-day)
        name = f"{PUBLICATION[lang]} {format_period(start, end - timedelta(microseconds=1), lang)}"
        page.goto(f"{stack.url}/issues")
        expect(page.locator(f"a[href$='/issues/{issue}']").first).to_have_text(name)
        page.goto(f"{stack.url}/issues/{issue}")
        expect(page.locator("h1")).to_have_text(name)
        assert page.title() == f"{name} · mediawatch"
        said = stack.cli("--lang", lang, "issues", "show", str(issue)).stdout.splitlines()[0]
        assert said == f"{name} ({stored['slug']}, #{issue})"
        assert not re.search(r"\d{4}-\d{2}-\d{2}", name)  # dates as people write them, not stored codes
