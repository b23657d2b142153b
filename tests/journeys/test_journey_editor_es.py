"""A Spanish-speaking editor's first week, through the deployed stack (nginx TLS, ``mediawatch serve``, the
seeded database) in headless Chromium with the interface in Spanish: the pages she works in fit a phone,
a refused edit keeps what she typed, and what she reads is in words, in Spanish.
"""

from __future__ import annotations

import json

import pytest
from journey_stack import Stack

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
