"""Journey d, first half: the forms journeys a and b do not reach, each submitted in the browser once, in
the order a team and a reader would use them. ``test_post_routes.py`` then checks that, together, the
journeys posted to every POST route of the app.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from journey_stack import Stack, links_in, submit
from playwright.sync_api import expect

from mediawatch.i18n import t

# Generous: a journey starts servers and several CLI runs on a machine that may be busy.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def flash(page, key: str, **fields: object):
    return page.locator(".flash", has_text=t(key, "en", **fields))


def test_every_staff_form_in_a_browser(stack: Stack):
    for name, role in (("ana", "editor"), ("bruno", "approver")):
        stack.add_user(name, role)
    composed = json.loads(
        stack.cli(
            "compose", "newsletter", "--from", "30d", "--languages", "en", "--as", "ana", "--json"
        ).stdout
    )
    issue = int(composed["issue"])
    url = f"{stack.url}/issues/{issue}?lang=en"

    ana = stack.login("ana")
    ana.on("dialog", lambda dialog: dialog.accept())  # "delete this block?", "cancel this issue?"

    # Her interface in French, then back in English.
    ana.goto(url)
    with ana.expect_navigation():
        ana.select_option("#ui-language", "fr")
    expect(ana.locator("html")).to_have_attribute("lang", "fr")
    with ana.expect_navigation():
        ana.select_option("#ui-language", "en")
    expect(ana.locator("html")).to_have_attribute("lang", "en")

    first, second = (
        int(i.removeprefix("item-"))
        for i in ana.locator("article.item").evaluate_all("els => els.slice(0, 2).map(e => e.id)")
    )
    # A title past the limit from a browser whose maxlength was taken off (it was saved, "Saved"): the server
    # refuses it next to the item, naming the field, and keeps the title it had.
    ana.evaluate(f"document.getElementById('title-{first}').removeAttribute('maxlength')")
    ana.fill(f"#title-{first}", "T" * 800)
    submit(ana, f"#save-{first}")
    expect(flash(ana, "review.refused.title_too_long", length=800, limit=500)).to_be_visible()
    expect(flash(ana, "web.done.saved")).to_have_count(0)
    shown = json.loads(stack.cli("issues", "show", str(issue), "--json").stdout)
    assert "T" * 501 not in json.dumps(shown)

    # A comment, a rejected item, an order change, a move to another section.
    ana.fill(f"#comment-{first}", "Check the figure against the study.")
    submit(ana, f"#comment-button-{first}")
    expect(flash(ana, "web.done.commented")).to_be_visible()
    expect(ana.locator(f"#item-{first} .comment")).to_contain_text("Check the figure against the study.")
    submit(ana, f"#reject-{second}")
    expect(ana.locator(f"#item-{second}-status")).to_have_text(t("web.status.rejected", "en"))
    submit(ana, f"#accept-{second}")
    expect(ana.locator(f"#item-{second}-status")).to_have_text(t("web.status.accepted", "en"))
    mover = ana.locator("article.item:has(button[value=down]:not([disabled]))").first.get_attribute("id")
    position = int(ana.locator(f"#{mover}").get_attribute("data-position"))
    submit(ana, f"#down-{mover.removeprefix('item-')}")
    assert int(ana.locator(f"#{mover}").get_attribute("data-position")) == position + 1
    target = ana.locator(f"#section-{first} option:not([selected])").first.get_attribute("value")
    ana.select_option(f"#section-{first}", target)
    submit(ana, f"#move-{first}")
    expect(ana.locator(f"#section-{target} #item-{first}")).to_have_count(1)

    # An editorial block: added, rewritten, deleted.
    ana.fill("#new-block-title", "Editorial")
    ana.fill("#new-block-body", "A month of soil news.")
    submit(ana, "#add-block")
    block = ana.locator("article.block").first
    block_id = block.get_attribute("id")
    ana.fill(f"#{block_id} textarea[name=body]", "A month of soil news, and a new law in Chile.")
    submit(ana, f"#{block_id} form:not(.inline) button[type=submit]")
    expect(ana.locator(f"#{block_id} textarea[name=body]")).to_have_value(
        "A month of soil news, and a new law in Chile."
    )
    submit(ana, f"#{block_id} form.inline button[type=submit]")
    expect(ana.locator(f"#{block_id}")).to_have_count(0)

    # A preview link for someone without an account.
    submit(ana, "#share")
    assert "/p/" in ana.locator("#shared-link").input_value()

    submit(ana, "#submit-issue")
    expect(ana.locator("#issue-state")).to_have_attribute("data-state", "in_review")

    # The approver sends the edition back with a note, approves the resubmitted one, schedules, cancels.
    bruno = stack.login("bruno")
    bruno.on("dialog", lambda dialog: dialog.accept())
    bruno.goto(url)
    bruno.fill("#reject-note", "The second item is off topic.")
    submit(bruno, "#reject")
    expect(bruno.locator("#edition")).to_have_attribute("data-state", "draft")
    ana.goto(url)
    submit(ana, "#submit-issue")
    bruno.goto(url)
    submit(bruno, "#approve")
    expect(bruno.locator("#edition")).to_have_attribute("data-state", "approved")
    when = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    bruno.fill("#when", when.strftime("%Y-%m-%dT%H:%M"))
    submit(bruno, "#schedule-issue")
    expect(bruno.locator("#issue-state")).to_have_attribute("data-state", "scheduled")
    submit(bruno, "#cancel-issue")
    expect(bruno.locator("#issue-state")).to_have_attribute("data-state", "cancelled")

    # An editor's verdict on an article the classifier was unsure about.
    ana.goto(f"{stack.url}/unsure")
    decide = ana.locator("form[action^='/unsure/'] button[name=relevant][value='1']").first
    expect(decide).to_be_visible()
    submit(ana, "form[action^='/unsure/'] button[name=relevant][value='1'] >> nth=0")
    expect(flash(ana, "web.done.decided")).to_be_visible()

    submit(ana, "#logout")
    assert ana.url.startswith(f"{stack.url}/login")


def test_a_shared_preview_link_is_the_public_address_and_can_be_revoked(stack: Stack):
    stack.add_user("ana", "editor")
    composed = json.loads(stack.cli("compose", "newsletter", "--from", "30d", "--as", "ana", "--json").stdout)
    ana = stack.login("ana")
    ana.goto(f"{stack.url}/issues/{composed['issue']}?lang=en")
    submit(ana, "#share")
    shared = ana.locator("#shared-link").input_value()
    assert shared.startswith(f"{stack.url}/p/"), shared
    # The link works for someone without an account, through the proxy.
    reader = stack.page()
    assert reader.goto(shared).status == 200

    # Sent to the wrong person: the editor revokes it, and it stops working at once.
    ana.click("#manage-links")
    ana.wait_for_load_state()
    submit(ana, "#links-table button[id^=revoke-]")
    expect(flash(ana, "web.links.revoked")).to_be_visible()
    assert reader.goto(shared).status >= 400


def test_choosing_no_publication_is_refused_and_stores_nothing(stack: Stack):
    """Unticking every publication stored a pending newsletter subscription, and the form came back with the
    newsletter ticked: consent to nothing is no consent. The preferences page refuses it too."""
    email = "sin.publicacion@example.org"
    for lang, locale in (("es", "es-ES"), ("fr", "fr-FR"), ("en", "en-GB")):
        page = stack.page(locale=locale)
        page.goto(f"{stack.url}/subscribe")
        page.fill("#email", email)
        page.uncheck("input[name=publications][value=newsletter]")
        page.check("input[name=consent]")
        submit(page, "#subscribe-button")
        expect(page.locator(".errors")).to_have_text(t("public.subscribe.no_publication", lang))
        expect(page.locator("input[name=publications]:checked")).to_have_count(0)  # as the person left it
        expect(page.locator("#email")).to_have_value(email)
    assert stack.subscriber(email) is None
    assert stack.mails_to(email) == []

    # Subscribed for real, then everything unticked on the preferences page: refused, nothing changed.
    page.check("input[name=publications][value=press-review]")
    page.check("input[name=consent]")
    submit(page, "#subscribe-button")
    (mail,) = stack.wait_for_mail(email)
    (confirm_url,) = links_in(mail, "/s/confirm/")
    page.goto(confirm_url)
    submit(page, "#confirm-button")
    page.click("a[href*='/s/preferences/']")
    page.wait_for_load_state()
    page.uncheck("input[name=publications][value=press-review]")
    submit(page, "#save-button")
    expect(page.locator(".errors")).to_have_text(t("public.preferences.no_publication", "en"))
    row = stack.subscriber(email)
    assert [p.value for p in row.publications] == ["press-review"]
    assert row.status.value == "active"


def test_every_reader_form_in_a_browser(stack: Stack):
    email = "camille.martin@example.org"
    page = stack.page(locale="fr-FR")
    page.goto(f"{stack.url}/subscribe")
    page.fill("#email", email)
    page.check("input[name=consent]")
    submit(page, "#subscribe-button")
    (mail,) = stack.wait_for_mail(email)
    (confirm_url,) = links_in(mail, "/s/confirm/")
    page.goto(confirm_url)
    submit(page, "#confirm-button")
    assert stack.subscriber(email).status.value == "active"

    # Preferences: both publications, in Spanish; then unsubscribe and come back from the same page.
    page.click("a[href*='/s/preferences/']")
    page.wait_for_load_state()
    page.select_option("#language", "es")
    page.check("input[name=publications][value=press-review]")
    submit(page, "#save-button")
    expect(page.locator("body")).to_contain_text(t("public.preferences.saved", "es"))
    row = stack.subscriber(email)
    assert row.language == "es"
    assert sorted(p.value for p in row.publications) == ["newsletter", "press-review"]
    submit(page, "#prefs-unsubscribe-button")
    assert stack.subscriber(email).status.value == "unsubscribed"
    submit(page, "#resubscribe-button")
    assert stack.subscriber(email).status.value == "active"

    # The unsubscribe page a person reaches from the List-Unsubscribe link: one button.
    https = [u.strip(" <>") for u in mail.message()["List-Unsubscribe"].split(",") if "https://" in u]
    page.goto(https[0])
    submit(page, "form button[type=submit]")
    assert stack.subscriber(email).status.value == "unsubscribed"
