"""A Spanish-speaking editor's first week, through the deployed stack (nginx TLS, ``mediawatch serve``, the
seeded database) in headless Chromium with the interface in Spanish: the pages she works in fit a phone,
a refused edit keeps what she typed, and what she reads is in words, in Spanish.
"""

from __future__ import annotations

import json
import re

import pytest
from journey_stack import Stack, fixed_text, submit
from playwright.sync_api import expect

from mediawatch.i18n import language_name, t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

PHONE = {"width": 375, "height": 800}


def compose_newsletter(stack: Stack, editor: str) -> int:
    composed = json.loads(
        stack.cli("compose", "newsletter", "--from", "30d", "--as", editor, "--json").stdout
    )
    return int(composed["issue"])


def test_the_pages_an_editor_works_in_fit_a_phone(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    issue = compose_newsletter(stack, "lucia")
    lucia = stack.login("lucia", locale="es-ES")
    lucia.set_viewport_size(PHONE)
    lucia.goto(f"{stack.url}/watch")
    story = lucia.locator("a.story-title").first.get_attribute("href")
    pages = (
        "/watch", story, "/watch/add", "/issues", f"/issues/{issue}?lang=es", f"/issues/{issue}/log",
        "/watches", "/watches/new", "/health", "/dashboard", "/unsure",
    )  # fmt: skip
    for path in pages:
        lucia.goto(f"{stack.url}{path}")
        # Nothing pushes the page sideways (a wide table scrolls in its own box)...
        width = lucia.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path}: the page is {width} px wide on a 375 px phone"
        # ... and every entry of the menu is on the screen, where a thumb can reach it.
        for link in lucia.locator("header.top nav a").all():
            box = link.bounding_box()
            assert box is not None, f"{path}: the menu entry {link.inner_text()!r} is not shown"
            assert 0 <= box["x"], f"{path}: the menu entry {link.inner_text()!r} is off screen ({box})"
            assert box["x"] + box["width"] <= PHONE["width"], (
                f"{path}: the menu entry {link.inner_text()!r} is off screen ({box})"
            )


def test_a_refused_block_or_item_text_keeps_what_was_typed(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    issue = compose_newsletter(stack, "lucia")
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/issues/{issue}?lang=es")
    refused_link = fixed_text("review.refused.bad_link", "es")

    # A new block with a link the server refuses: the refusal is said beside the link, which takes the
    # focus, and every field still holds what she typed, ready to correct.
    body = "15 de enero: taller sobre los suelos andinos en Lima, con los socios de la Iniciativa."
    lucia.select_option("#new-block-kind", "agenda")
    lucia.fill("#new-block-title", "Agenda de enero")
    lucia.fill("#new-block-body", body)
    for link, refusal in (
        ("javascript:alert(1)", refused_link),
        ("https://www..example.org/agenda", fixed_text("review.refused.malformed_link", "es")),
    ):
        lucia.fill("#new-block-link", link)
        submit(lucia, "#add-block")
        field = lucia.locator("#new-block-link")
        expect(field).to_be_focused()
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(lucia.locator(f"#{field.get_attribute('aria-describedby')}")).to_contain_text(refusal)
        expect(lucia.locator("#new-block .flash.error")).to_have_count(1)  # said once, there
        expect(lucia.locator("#new-block-kind")).to_have_value("agenda")
        expect(lucia.locator("#new-block-title")).to_have_value("Agenda de enero")
        expect(lucia.locator("#new-block-body")).to_have_value(body)
        expect(field).to_have_value(link)

    # Corrected, it is added.
    lucia.fill("#new-block-link", "https://example.org/agenda")
    submit(lucia, "#add-block")
    block = lucia.locator("#blocks article.block")
    expect(block).to_have_count(1)
    block_id = (block.get_attribute("id") or "").removeprefix("block-")
    expect(lucia.locator(f"#block-body-{block_id}")).to_have_value(body)

    # Editing it with a bad link: the edited text stays in the form, the stored one is unchanged.
    edited = "22 de enero: el taller se traslada a Cusco."
    lucia.fill(f"#block-body-{block_id}", edited)
    lucia.fill(f"#block-link-{block_id}", "javascript:void(0)")
    submit(lucia, f"#block-{block_id} form >> button[type=submit] >> nth=0")
    field = lucia.locator(f"#block-link-{block_id}")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(lucia.locator(f"#{field.get_attribute('aria-describedby')}")).to_contain_text(refused_link)
    expect(field).to_have_value("javascript:void(0)")
    expect(lucia.locator(f"#block-body-{block_id}")).to_have_value(edited)
    lucia.goto(f"{stack.url}/issues/{issue}?lang=es")
    expect(lucia.locator(f"#block-body-{block_id}")).to_have_value(body)

    # An item's title of spaces only is refused; the summary she rewrote is not lost.
    item = (lucia.locator("article.item").first.get_attribute("id") or "").removeprefix("item-")
    summary = "Resumen reescrito por la redacción, que no debe perderse."
    lucia.fill(f"#title-{item}", "   ")
    lucia.fill(f"#summary-{item}", summary)
    submit(lucia, f"#save-{item}")
    expect(lucia.locator(f"#item-{item} .flash.error")).to_contain_text(
        fixed_text("review.refused.empty_title", "es")
    )
    expect(lucia.locator(f"#summary-{item}")).to_have_value(summary)


def test_the_issue_page_names_languages_in_words(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    issue = compose_newsletter(stack, "lucia")
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/issues/{issue}?lang=es")
    names = {language_name(code, "es") for code in ("fr", "en", "es")}
    metas = lucia.locator("article.item header small").all_inner_texts()
    assert metas
    for meta in metas:
        # "2026-12-01 · francés", never "· fr"
        assert meta.rsplit(" · ", 1)[-1] in names, meta
    for source in lucia.locator("article.item details li").all_text_contents():
        assert not re.search(r"\((fr|en|es)\)$", source.strip()), source


def test_added_articles_sources_and_the_add_form_speak_spanish(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    stack.cli(
        "articles", "add", "--manual", "--title", "Entrevista radial: el carbono de los páramos",
        "--outlet", "Radio Nacional de Colombia", "--date", "2024-05-01", "--language", "es", "--as", "lucia",
    )  # fmt: skip
    by_hand = t("add.origin.manual", "es")
    lucia = stack.login("lucia", locale="es-ES")

    # The built-in source of items added by hand is named in her language in the watch's filter...
    lucia.goto(f"{stack.url}/watch")
    sources = [s.strip() for s in lucia.locator("#watch-source option").all_inner_texts()]
    assert by_hand in sources, sources
    assert t("add.origin.manual", "en") not in sources
    lucia.select_option("#watch-source", "added-by-hand")
    lucia.fill("#watch-q", "páramos")  # narrows the list to the one story added by hand
    submit(lucia, "#watch-submit")
    expect(lucia.locator("a.story-title")).to_have_count(1)

    # ... in the saved watch's form, and in the saved watch's filters in words.
    lucia.click("#watch-save")
    expect(lucia.locator("#w-source option:checked")).to_have_text(by_hand)
    lucia.fill("#w-name", "A mano")
    lucia.fill("#w-email", "lucia@example.org")
    submit(lucia, "#save-watch")
    expect(lucia.locator("#watches-mine")).to_contain_text(by_hand)

    # The add form's region list says "la detectada" (región is feminine), not "el detectado".
    lucia.goto(f"{stack.url}/watch/add")
    expect(lucia.locator("#add-url-region option").first).to_have_text(t("watchpage.add.detect_region", "es"))


def test_a_field_at_fault_on_the_add_form_takes_the_focus_and_points_at_its_note(stack: Stack):
    stack.add_user("lucia", "editor", lang="es")
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/watch/add")
    lucia.fill("#add-title", "Entrevista radial: el carbono de los páramos")
    lucia.fill("#add-outlet", "Radio Nacional de Colombia")
    lucia.fill("#add-date", "2999-01-01")  # in the future; and no language chosen
    submit(lucia, "#add-manual-submit")
    # The first field at fault has the focus (a keyboard or screen-reader user starts there), each one
    # at fault says so and names its note, and the fields she got right are not flagged.
    expect(lucia.locator("#add-date")).to_be_focused()
    for field in ("date", "language"):
        control = lucia.locator(f"#add-{field}")
        expect(control).to_have_attribute("aria-invalid", "true")
        note = lucia.locator(f"#{control.get_attribute('aria-describedby')}")
        expect(note).to_contain_text(t(f"watchpage.add.field.{field}", "es") + ":")  # named as its label
    expect(lucia.locator("#add-title")).not_to_have_attribute("aria-invalid", "true")
    expect(lucia.locator("#add-title")).to_have_value("Entrevista radial: el carbono de los páramos")
