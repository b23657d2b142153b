"""Journey: a value a person typed comes back in their language's quotes. A French editor saves a watch to an
address the browser accepts but no mail can reach (``ana@localhost``): the note beside the field quotes it
« ana@localhost », as French is written, not as Python's 'ana@localhost'."""

from __future__ import annotations

import pytest
from journey_stack import Stack, submit
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def test_a_refused_address_is_quoted_as_french_quotes_it(stack: Stack):
    stack.add_user("ana", "editor", lang="fr")
    ana = stack.login("ana", locale="fr-FR")
    ana.goto(f"{stack.url}/watches/new")
    ana.fill("#w-name", "Sols")
    ana.fill("#w-q", "sols carbone")
    ana.fill("#w-email", "ana@localhost")  # valid for the browser's type=email, refused by the server
    submit(ana, "#save-watch")

    email = ana.locator("#w-email")
    expect(email).to_have_attribute("aria-invalid", "true")
    note = ana.locator(f"#{email.get_attribute('aria-describedby')}")
    expect(note).to_contain_text(
        "«\u00a0ana@localhost\u00a0» : «\u00a0localhost\u00a0» n'est pas un nom de domaine"
    )
    expect(note).not_to_contain_text("'ana@localhost'")
    expect(email).to_have_value("ana@localhost")
