"""Numbers on the staff pages as the reader's language writes them (a fresh look at the pages as their users
read them). The browser walks are in tests/journeys/test_journey_qa_pages.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from review_samples import (
    make_issue,
    signed_in,
    team_store_fixture,  # noqa: F401 (the store fixture)
    text_of,
)

from mediawatch.config import Settings
from mediawatch.review import actions
from mediawatch.store import NewEntry, PageOutcome
from mediawatch.types import (
    Classification,
    Extracted,
    FetchEvent,
    FetchStatus,
    Source,
    SourceKind,
    SourceState,
)
from mediawatch.web.app import create_app

SECRET = "web-page-numbers-secret-0123456789ab"


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


def _story(store, relevance: float) -> int:
    """One fetched article, classified unsure with ``relevance``: a story of its own."""
    now = datetime.now(UTC)
    store.sync_sources([Source("numbers", "Numbers", "https://n.example/rss", SourceKind.RSS, "en")])
    url = "https://n.example/a"
    event = FetchEvent("numbers", now, FetchStatus.OK, 200, "", 1, 1)
    (pending,) = store.save_feed_poll(
        "numbers", SourceState(), event, [NewEntry(url, url, "Soil carbon", "", "", now, "en")]
    )
    page = Extracted("Soil carbon", "Soil carbon. " * 30, "", now - timedelta(hours=1), "N", "en", "")
    article = store.complete_article(
        pending.id, PageOutcome(True, url, extracted=page), now, timedelta(hours=72)
    )
    store.save_classifications(
        [Classification(str(article), "en", 0.99, False, relevance, True, (), (), (), (), "test")]
    )
    return article


@pytest.mark.parametrize(("lang", "said"), [("fr", "0,48"), ("es", "0,48"), ("en", "0.48")])
def test_a_relevance_score_has_the_readers_decimal_mark(store, lang, said):
    """The story page said "score 0.48" and the unsure list "0.48 (écarté)" to a French reader."""
    article = _story(store, 0.48)
    app = create_app(Settings(secret_key=SECRET), store)
    client = signed_in(app, {"fr": "carla", "es": "vic", "en": "ana"}[lang])
    story = text_of(client.get(f"/stories/{article}").get_data(as_text=True))
    assert re.search(rf"\b{re.escape(said)}\b", story), story[-3000:]
    unsure = client.get("/unsure").get_data(as_text=True)
    row = re.search(rf'<tr id="article-{article}">(.*?)</tr>', unsure, re.S)
    assert row, unsure[-3000:]
    assert f"<td>{said} (" in row.group(1), row.group(1)
