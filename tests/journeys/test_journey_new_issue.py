"""Journey: editors start an issue from the issues page (/issues), in French and in Spanish, through the
deployed stack in headless Chromium: the new-issue form composes as `mediawatch compose` does, lands on the
new draft, and says each refusal beside its field with what was typed kept; a viewer gets no form and a
403; a post without the form's token changes nothing. The story page names the issues by their titles.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from journey_stack import Stack, fixed_text, submit
from playwright.sync_api import expect

from mediawatch.compose.issues import issue_title
from mediawatch.i18n import catalogue, language_name
from mediawatch.i18n.publications import publication_name
from mediawatch.store import open_store
from mediawatch.types import IssueState, Publication

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def days_ago(n: int) -> str:
    # the seeded demo articles are dated relative to now, as the other journeys' `--from 30d` assumes
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


def issues_of(stack: Stack):
    with open_store(str(stack.settings["collect"]["db"])) as store:
        return store.list_issues(), {i.id: store.audit(i.id) for i in store.list_issues()}


def fill_form(page, publication: str, first: str, last: str, languages: tuple[str, ...]) -> None:
    page.check(f"#ni-publication-{publication}")
    page.fill("#ni-from", first)
    page.fill("#ni-to", last)
    for code in ("fr", "en", "es"):
        page.set_checked(f"#ni-lang-{code}", code in languages)


def test_a_french_editor_composes_a_press_review_from_the_issues_page(stack: Stack):
    stack.add_user("margot", "editor", lang="fr")
    margot = stack.login("margot", locale="fr-FR")
    margot.goto(f"{stack.url}/issues")
    form = margot.locator("#new-issue")
    expect(form).to_be_visible()
    # The publications and languages in words; the period defaults as the CLI's (compose_period_days, 7).
    expect(margot.locator("label[for=ni-publication-press-review]")).to_have_text("Revue de presse")
    expect(margot.locator("label[for=ni-lang-es]")).to_have_text(language_name("es", "fr"))
    first = date.fromisoformat(margot.input_value("#ni-from"))
    last = date.fromisoformat(margot.input_value("#ni-to"))
    assert (last - first).days == 6
    for code in ("fr", "en", "es"):  # compose_languages: every edition by default
        expect(margot.locator(f"#ni-lang-{code}")).to_be_checked()

    fill_form(margot, "press-review", days_ago(30), days_ago(0), ("fr", "es"))
    submit(margot, "#compose-issue")
    assert re.search(r"/issues/\d+", margot.url), margot.url
    issue_id = int(re.search(r"/issues/(\d+)", margot.url).group(1))  # type: ignore[union-attr]
    issues, audits = issues_of(stack)
    [issue] = [i for i in issues if i.id == issue_id]
    assert issue.publication is Publication.PRESS_REVIEW
    assert issue.languages == ("fr", "es")
    assert issue.state is IssueState.DRAFT
    # The days typed are the days the issue covers: the last one included.
    assert issue.period_from == datetime.fromisoformat(days_ago(30)).replace(tzinfo=UTC)
    assert issue.period_to == datetime.fromisoformat(days_ago(-1)).replace(tzinfo=UTC)
    assert issue.created_by == "margot"
    assert [(e.action, e.actor) for e in audits[issue_id]][:1] == [("issue.create", "margot")]
    expect(margot.locator("h1")).to_contain_text(issue_title(issue, "fr"))
    expect(margot.locator(".flash.ok").first).to_contain_text(fixed_text("web.new_issue.done", "fr"))

    # The same period again (a second click, a colleague): refused beside the period, values kept.
    margot.goto(f"{stack.url}/issues")
    fill_form(margot, "press-review", days_ago(30), days_ago(0), ("fr", "es"))
    submit(margot, "#compose-issue")
    problem = margot.locator("#problem-new-issue-period")
    expect(problem).to_contain_text(fixed_text("web.new_issue.error.exists", "fr"))
    expect(problem.locator("a")).to_have_attribute("href", f"/issues/{issue_id}")
    expect(margot.locator("#ni-from")).to_have_value(days_ago(30))
    expect(margot.locator("#ni-to")).to_have_value(days_ago(0))
    expect(margot.locator("#ni-publication-press-review")).to_be_checked()
    expect(margot.locator("#ni-lang-en")).not_to_be_checked()
    assert len(issues_of(stack)[0]) == len(issues)

    # The story page names its issues by their titles, as the rest of the app does, not by slug.
    story = next(i.story_id for i in _items(stack, issue_id))
    margot.goto(f"{stack.url}/stories/{story}")
    expect(margot.locator("#story-uses a")).to_have_text(issue_title(issue, "fr"))
    expect(margot.locator("#story-uses")).not_to_contain_text(issue.slug)


def _items(stack: Stack, issue_id: int):
    with open_store(str(stack.settings["collect"]["db"])) as store:
        return store.issue_content(issue_id).items


def test_a_spanish_editor_is_told_each_refusal_beside_its_field(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/issues")
    before = len(issues_of(stack)[0])

    # The last day before the first: an empty period, said beside the last day.
    fill_form(lucia, "newsletter", days_ago(3), days_ago(10), ("es",))
    submit(lucia, "#compose-issue")
    expect(lucia.locator("#problem-new-issue-to")).to_contain_text(
        fixed_text("web.new_issue.error.reversed", "es")
    )
    expect(lucia.locator("#ni-to")).to_have_attribute("aria-invalid", "true")
    expect(lucia.locator("#ni-from")).to_have_value(days_ago(3))
    expect(lucia.locator("#ni-to")).to_have_value(days_ago(10))
    expect(lucia.locator("#ni-publication-newsletter")).to_be_checked()

    # No edition language ticked.
    fill_form(lucia, "newsletter", days_ago(30), days_ago(0), ())
    submit(lucia, "#compose-issue")
    expect(lucia.locator("#problem-new-issue-languages")).to_have_text(
        catalogue("es")["web.new_issue.error.no_language"]
    )
    expect(lucia.locator("#ni-from")).to_have_value(days_ago(30))

    # A period with no story: nothing to compose, said in Spanish with the period in words.
    fill_form(lucia, "newsletter", "2001-03-01", "2001-03-07", ("es", "en"))
    submit(lucia, "#compose-issue")
    problem = lucia.locator("#problem-new-issue-period")
    expect(problem).to_contain_text(fixed_text("web.new_issue.nothing", "es"))
    expect(problem).to_contain_text("del 1 al 7 de mar. de 2001")
    expect(problem).not_to_contain_text("--from")
    expect(lucia.locator("#ni-from")).to_have_value("2001-03-01")
    expect(lucia.locator("#ni-lang-en")).to_be_checked()
    expect(lucia.locator("#ni-lang-fr")).not_to_be_checked()
    assert len(issues_of(stack)[0]) == before

    # Then a newsletter of the last month, in Spanish only: the new draft's page, in Spanish.
    fill_form(lucia, "newsletter", days_ago(30), days_ago(0), ("es",))
    submit(lucia, "#compose-issue")
    issue_id = int(re.search(r"/issues/(\d+)", lucia.url).group(1))  # type: ignore[union-attr]
    issues, audits = issues_of(stack)
    [issue] = [i for i in issues if i.id == issue_id]
    assert (issue.publication, issue.languages) == (Publication.NEWSLETTER, ("es",))
    assert issue.created_by == "lucia"
    assert audits[issue_id][0].action == "issue.create"
    expect(lucia.locator("h1")).to_contain_text(issue_title(issue, "es"))
    expect(lucia.locator("h1")).to_contain_text(publication_name(Publication.NEWSLETTER, "es"))

    # The story page's "add to a draft" list names the draft by its title.
    listed = [
        json.loads(line) for line in stack.cli("stories", "list", "--all", "--json").stdout.splitlines()
    ]
    inside = {i.story_id for i in _items(stack, issue_id)}
    outside = next(int(s["id"]) for s in listed if int(s["id"]) not in inside)
    lucia.goto(f"{stack.url}/stories/{outside}")
    option = lucia.locator(f"#draft-issue option[value='{issue_id}']")
    expect(option).to_contain_text(issue_title(issue, "es"))
    expect(option).not_to_contain_text(issue.slug)


def test_a_viewer_gets_no_form_and_a_post_needs_the_role_and_the_token(stack: Stack):
    stack.add_user("vic", "viewer")
    stack.add_user("ana", "editor")
    vic = stack.login("vic")
    vic.goto(f"{stack.url}/issues")
    expect(vic.locator("h1")).to_be_visible()
    expect(vic.locator("#new-issue")).to_have_count(0)
    token = vic.locator("input[name=csrf_token]").first.input_value()
    fields = {"csrf_token": token, "publication": "newsletter", "from": days_ago(30), "to": days_ago(0)}
    assert post_from_page(vic, "/issues/new", fields | {"languages": "en"}) == 403

    ana = stack.login("ana")
    ana.goto(f"{stack.url}/issues")
    fields = {k: v for k, v in fields.items() if k != "csrf_token"} | {"languages": "en"}
    assert post_from_page(ana, "/issues/new", fields) == 400
    assert issues_of(stack)[0] == []


def post_from_page(page, path: str, fields: dict[str, str]) -> int:
    """The status of a form post sent by the page's own script (its cookies, its Origin), as a hand-made
    form on the same site would be: the forms the page offers never send these."""
    return int(
        page.evaluate(
            """([path, fields]) => fetch(path, {method: "POST", body: new URLSearchParams(fields),
                credentials: "same-origin", redirect: "manual"}).then(r => r.status)""",
            [path, fields],
        )
    )
