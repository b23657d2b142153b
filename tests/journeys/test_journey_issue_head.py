"""Journey: the head of an issue page, as a French editor and a French approver read it (deployed stack:
nginx TLS, gunicorn, headless Chromium). The breadcrumb names the page one is on, not the audit log (which
has its own link); the slug and the content fingerprint are not in the editor's way, and the fingerprint
is with the approval, in a small "details" part an approver opens when she needs it."""

from __future__ import annotations

import json

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.compose.issues import issue_title
from mediawatch.i18n import t
from mediawatch.store import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def test_the_breadcrumb_names_the_page_and_the_fingerprint_waits_with_the_approval(stack: Stack):
    stack.add_user("ana", "editor", "fr")
    stack.add_user("carla", "approver", "fr")
    composed = stack.cli(
        "compose", "press-review", "--from", "30d", "--languages", "fr", "--as", "ana", "--json"
    )
    issue_id = int(json.loads(composed.stdout)["issue"])
    stack.cli("issues", "submit", str(issue_id), "--as", "ana")
    with open_store(stack.settings["collect"]["db"]) as store:
        issue = store.find_issue(issue_id)
    assert issue is not None
    heading = issue_title(issue, "fr")

    ana = stack.login("ana", locale="fr-FR")
    ana.goto(f"{stack.url}/issues/{issue_id}?lang=fr")
    crumbs = ana.locator(".issue-head .crumbs")
    expect(crumbs).to_have_text(f"{t('web.nav.issues', 'fr')} › {heading}")
    expect(crumbs.locator("[aria-current=page]")).to_have_text(heading)
    expect(ana.locator(".issue-head")).not_to_contain_text(issue.slug)
    expect(ana.locator("#edition-details code.fingerprint")).to_be_hidden()  # folded away: not content
    shown = ana.locator("#edition").inner_text()  # what a person sees, the folded details left out
    assert issue.slug not in shown
    assert t("web.edition.fingerprint", "fr") not in shown
    # The audit log keeps its link, named as what it is, and its page leads back here.
    expect(ana.locator("#audit-link")).to_have_text(t("web.issue.audit", "fr"))
    submit(ana, "#audit-link")
    expect(ana.locator("h1")).to_contain_text(t("web.audit.title", "fr", slug="").strip())
    submit(ana, f".crumbs a[href='/issues/{issue_id}']")

    carla = stack.login("carla", locale="fr-FR")
    carla.goto(f"{stack.url}/issues/{issue_id}?lang=fr")
    approving = carla.locator("#approve-form")
    expect(approving).to_be_visible()
    details = approving.locator("#edition-details")
    expect(details.locator("code.fingerprint")).to_be_hidden()
    details.locator("summary").click()
    sent = approving.locator("input[name=fingerprint]").get_attribute("value") or ""
    assert len(sent) == 64
    expect(details.locator("code.fingerprint")).to_have_text(sent[:12])
    expect(details).to_contain_text(issue.slug)  # for whoever types a command about this issue
