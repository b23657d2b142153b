"""An administrator who set ``base_url`` to the public address, then opens the app at another one (the
server's own port before nginx is in front, a machine name, an old address), is told why the form is
refused and where to go, in their language: "reload the page" never helped there, as the page reloads at
the same wrong address.
"""

from __future__ import annotations

import pytest
from journey_stack import HOST, PASSWORD, Stack, fixed_text, submit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def sign_in_at(stack: Stack, address: str, locale: str):
    page = stack.page(locale)
    page.goto(f"{address}/login")
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", PASSWORD)
    submit(page, "#login-button")
    return page


@pytest.mark.parametrize(("locale", "lang"), [("es-ES", "es"), ("en-GB", "en"), ("fr-FR", "fr")])
def test_a_form_sent_from_another_address_names_base_url(stack: Stack, locale: str, lang: str):
    stack.add_user("maria", "admin", lang=lang)
    # The server's own name on the port gunicorn listens on, as before nginx is in front of it.
    direct = f"http://{HOST}:{stack.app.port}"

    page = sign_in_at(stack, direct, locale)

    body = page.inner_text("main")
    assert "/login" in page.url
    assert fixed_text("web.error.wrong_origin", lang).search(body), body
    assert direct in body, body
    assert stack.url in body, body
    assert fixed_text("web.error.csrf", lang).search(body) is None, body
    # The address the message names is the one that works.
    page.click(f"a[href='{stack.url}/login']")
    page.fill("input[name=name]", "maria")
    page.fill("input[name=password]", PASSWORD)
    submit(page, "#login-button")
    assert "/login" not in page.url, page.inner_text("main")
