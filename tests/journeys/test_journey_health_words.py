"""Journey: the source health page as a French and a Spanish editor read it (deployed stack: nginx TLS,
gunicorn, headless Chromium): a fetch that went well is said in their language, not "ok", and a moment
that never came (no success yet, no fetch due) is the one dash every page says "nothing" with (the audit
log's "–"), not a hyphen."""

from __future__ import annotations

import pytest
from journey_stack import Stack
from playwright.sync_api import expect

from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

NOTHING = "–"  # the audit log's


@pytest.mark.parametrize(("lang", "locale", "fine"), [("fr", "fr-FR", "réussi"), ("es", "es-ES", "correcto")])
def test_source_health_says_ok_in_words_and_nothing_with_one_dash(
    stack: Stack, lang: str, locale: str, fine: str
):
    assert t("editor.fetch.ok", lang) == fine
    stack.add_user("chloe", "editor", lang)
    page = stack.login("chloe", locale=locale)
    page.goto(f"{stack.url}/health")
    ok = page.locator("#health td[data-status=ok]")
    expect(ok.first).to_be_visible()
    for cell in ok.all():
        assert cell.inner_text() == fine
    cells = [c.strip() for c in page.locator("#health tbody td").all_inner_texts()]
    assert "-" not in cells
    assert "ok" not in cells
    # never a success, or nothing due: said with the dash
    assert NOTHING in cells, cells
