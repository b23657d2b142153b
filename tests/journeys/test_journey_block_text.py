"""Journey: a Spanish editor adds a block with a title and no text on the issue page, through the deployed
stack in headless Chromium. It is refused beside the text field (which takes the focus), in her
language, the title she typed kept; an existing block emptied of its text is refused the same way."""

from __future__ import annotations

import json

import pytest
from journey_stack import Stack, fixed_text, submit
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def test_a_block_with_a_title_and_no_text_is_refused_beside_its_text(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    composed = stack.cli("compose", "newsletter", "--from", "30d", "--as", "lucia", "--json").stdout
    issue = int(json.loads(composed)["issue"])
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/issues/{issue}?lang=es")

    lucia.select_option("#new-block-kind", "editorial")
    lucia.fill("#new-block-title", "Editorial de enero")
    lucia.fill("#new-block-body", "  \n ")
    submit(lucia, "#add-block")
    body = lucia.locator("#new-block-body")
    expect(body).to_be_focused()
    expect(body).to_have_attribute("aria-invalid", "true")
    note = lucia.locator(f"#{body.get_attribute('aria-describedby')}")
    expect(note).to_have_text(fixed_text("review.refused.block_no_text", "es"))
    expect(lucia.locator("#new-block-title")).to_have_value("Editorial de enero")
    expect(lucia.locator("#new-block-kind")).to_have_value("editorial")
    expect(lucia.locator("#blocks article.block")).to_have_count(0)

    # With its text it is added; emptied of it later, it is refused the same way and stays as stored.
    text = "Este mes, los suelos andinos."
    lucia.fill("#new-block-body", text)
    submit(lucia, "#add-block")
    block = lucia.locator("#blocks article.block")
    expect(block).to_have_count(1)
    block_id = (block.get_attribute("id") or "").removeprefix("block-")
    lucia.fill(f"#block-title-{block_id}", "Editorial de febrero")
    lucia.fill(f"#block-body-{block_id}", "")
    submit(lucia, f"#block-{block_id} form >> button[type=submit] >> nth=0")
    edited = lucia.locator(f"#block-body-{block_id}")
    expect(edited).to_be_focused()
    expect(edited).to_have_attribute("aria-invalid", "true")
    expect(lucia.locator(f"#{edited.get_attribute('aria-describedby')}")).to_have_text(
        fixed_text("review.refused.block_no_text", "es")
    )
    expect(lucia.locator(f"#block-title-{block_id}")).to_have_value("Editorial de febrero")
    lucia.goto(f"{stack.url}/issues/{issue}?lang=es")
    expect(lucia.locator(f"#block-body-{block_id}")).to_have_value(text)
