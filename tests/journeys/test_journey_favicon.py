"""The site's icon through the deployed stack (nginx TLS, ``mediawatch serve``) in headless Chromium: every
staff and public page links it, each linked icon and ``/favicon.ico`` answer 200 with an image type and
may be cached, signed in or not (every page load asked for ``/favicon.ico`` and logged a 404).
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from journey_stack import Stack

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

TYPES = {"/favicon.ico": "image/x-icon", "/favicon.svg": "image/svg+xml"}


def icons_of(page) -> list[str]:
    hrefs = page.locator("link[rel=icon]").evaluate_all("links => links.map(l => l.getAttribute('href'))")
    return [urljoin(page.url, href) for href in hrefs]


def fetched(page, url: str) -> None:
    """The icon as the browser gets it, with this page's cookies."""
    answer = page.goto(url)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert answer is not None
    assert answer.status == 200, (url, answer.status)
    assert answer.headers["content-type"].split(";")[0] == TYPES[path], answer.headers
    assert answer.headers["cache-control"] == "public, max-age=604800", answer.headers
    assert answer.body()[:4] in (b"\x00\x00\x01\x00", b"<svg"), answer.body()[:20]


def test_every_page_has_an_icon_that_is_served_and_cached(stack: Stack):
    stack.add_user("ana", "editor", lang="fr")
    visitor = stack.page(locale="es-ES")
    ana = stack.login("ana", locale="fr-FR")
    for page, path in ((visitor, "/subscribe"), (visitor, "/login"), (ana, "/issues"), (ana, "/watch")):
        page.goto(f"{stack.url}{path}")
        found = icons_of(page)
        assert sorted(found) == [f"{stack.url}/favicon.ico", f"{stack.url}/favicon.svg"], (path, found)
        for url in found:
            fetched(page, url)
