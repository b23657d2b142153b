"""The journeys' stack itself: the browser accepts the test certificate and no other, and reaches only the
stack's host name."""

from __future__ import annotations

import pytest
from journey_stack import Nginx, Stack, make_tls

# Generous: a journey starts servers and several CLI runs on a machine that may be busy.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def test_the_browser_trusts_the_test_certificate_and_no_other(stack: Stack, tmp_path):
    page = stack.page()
    assert page.goto(f"{stack.url}/login").status == 200

    # The same name, the same app, a certificate from another CA: refused, not ignored.
    with Nginx(make_tls(tmp_path / "other-ca"), stack.app.port) as impostor:
        with pytest.raises(Exception, match="ERR_CERT"):
            page.goto(f"{impostor.url}/login")

    # Nothing but the stack's host resolves.
    with pytest.raises(Exception, match="ERR_NAME_NOT_RESOLVED"):
        page.goto("https://example.net/")
