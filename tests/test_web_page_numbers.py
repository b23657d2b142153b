"""Numbers on the staff pages as the reader's language writes them (a fresh look at the pages as their users
read them). The browser walks are in tests/journeys/test_journey_qa_pages.py."""

from __future__ import annotations

import html
import re

import pytest
from review_samples import add_team, make_issue, open_store, signed_in

from mediawatch.config import Settings
from mediawatch.review import actions
from mediawatch.web.app import create_app

SECRET = "web-page-numbers-secret-0123456789ab"


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    add_team(s)
    yield s
    s.close()


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize(
    ("lang", "size"),
    [("fr", r"\d+,\d Ko de HTML"), ("es", r"\d+,\d KB de HTML"), ("en", r"\d+\.\d KB of HTML")],
)
def test_the_previews_size_has_the_readers_decimal_mark_and_the_render_checks_kilobyte(store, lang, size):
    """The French preview said "30.6 Ko de HTML" (an English decimal point), and counted 1024 bytes to the
    kilobyte where the render check that refuses a too big edition counts 1000: one edition, two sizes."""
    issue_id = make_issue(store)
    app = create_app(Settings(secret_key=SECRET), store)
    client = signed_in(app, {"fr": "carla", "es": "vic", "en": "ana"}[lang])  # each reads in that language
    page = text_of(client.get(f"/issues/{issue_id}?lang={lang}").get_data(as_text=True))
    found = re.search(size, page)
    assert found, page[-3000:]
    shown = float(found.group(0).split()[0].replace(",", "."))
    rendered, _fingerprint = actions.render_now(store.issue_content(issue_id), lang, Settings())
    assert shown == round(rendered.size_bytes / 1000, 1)
