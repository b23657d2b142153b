"""Journey: an issue has one name, in the reader's language, on the issues list and the issue page of the
production stack (gunicorn behind nginx, read in Chromium) and in `mediawatch issues show`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from journey_stack import Stack, cli_env
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


def test_an_editor_gives_an_issue_its_own_title_and_takes_it_back(stack: Stack):
    stack.add_user("ana", "editor", "fr")
    composed = json.loads(stack.cli("compose", "newsletter", "--from", "30d", "--as", "ana", "--json").stdout)
    issue = int(composed["issue"])
    page = stack.login("ana")
    page.goto(f"{stack.url}/issues/{issue}")
    default = page.locator("h1").inner_text()
    assert default.startswith("Lettre d'information du ")
    field = page.locator("#issue-title")
    expect(field).to_have_value("")
    expect(field).to_have_attribute("placeholder", default)

    field.fill("Spécial COP30")
    page.click("#retitle-issue")
    expect(page.locator("h1")).to_have_text("Spécial COP30")
    expect(page.locator("#retitle .flash")).to_have_text("Titre du numéro enregistré.")
    page.goto(f"{stack.url}/issues")
    expect(page.locator(f"a[href$='/issues/{issue}']").first).to_have_text("Spécial COP30")
    assert stack.cli("--lang", "fr", "issues", "show", str(issue)).stdout.startswith("Spécial COP30 (")
    log = stack.cli("--lang", "fr", "issues", "log", str(issue)).stdout
    assert "titre du numéro modifié" in log

    # the browser's limit is a convenience: past it, the server says which field is too long
    page.goto(f"{stack.url}/issues/{issue}")
    page.locator("#issue-title").evaluate("field => field.removeAttribute('maxlength')")
    page.locator("#issue-title").fill("x" * 201)
    page.click("#retitle-issue")
    expect(page.locator("#retitle .flash.error")).to_have_text(
        "Le titre du numéro est trop long : 201 caractères, 200 au plus"
    )
    expect(page.locator("h1")).to_have_text("Spécial COP30")

    # emptied: the default name again
    page.locator("#issue-title").fill("")
    page.click("#retitle-issue")
    expect(page.locator("h1")).to_have_text(default)
    expect(page.locator("#issue-title")).to_have_value("")


def test_an_approval_gone_stale_opens_the_title_again(stack: Stack):
    """Approved under another organisation name (as if the settings changed since): the issue reads as in
    review again, and so the editor may rename it from its page; approved again as it renders now, the
    title is frozen again (no field)."""
    stack.add_user("ana", "editor", "fr")
    stack.add_user("bruno", "approver", "fr")
    composed = json.loads(
        stack.cli(
            "compose", "newsletter", "--from", "30d", "--languages", "fr", "--as", "ana", "--json"
        ).stdout
    )
    issue = str(composed["issue"])
    stack.cli("issues", "submit", issue, "--as", "ana")
    other = cli_env(stack.config, MEDIAWATCH_ORGANISATION="Autre Org")
    stack.cli("issues", "approve", issue, "--lang", "fr", "--as", "bruno", env=other)

    page = stack.login("ana")
    page.goto(f"{stack.url}/issues/{issue}")
    expect(page.locator("#issue-state")).to_have_attribute("data-state", "in_review")
    page.locator("#issue-title").fill("Semaine des sols")
    page.click("#retitle-issue")
    expect(page.locator("#retitle .flash")).to_have_text("Titre du numéro enregistré.")
    expect(page.locator("h1")).to_have_text("Semaine des sols")
    expect(page.locator("#issue-state")).to_have_attribute("data-state", "in_review")
    shown = json.loads(stack.cli("issues", "show", issue, "--json").stdout)
    assert (shown["title"], shown["state"]) == ("Semaine des sols", "in_review")
    log = [json.loads(line) for line in stack.cli("issues", "log", issue, "--json").stdout.splitlines()]
    assert any(e["actor"] == "system" and "renders differently" in e["detail"] for e in log)

    # approved as it renders now: the approval holds, and the title field is gone
    stack.cli("issues", "approve", issue, "--lang", "fr", "--as", "bruno")
    page.goto(f"{stack.url}/issues/{issue}")
    expect(page.locator("#issue-state")).to_have_attribute("data-state", "approved")
    expect(page.locator("#retitle")).to_have_count(0)
    expect(page.locator("h1")).to_have_text("Semaine des sols")
