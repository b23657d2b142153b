"""The story page over plain HTTP (the browser journey is tests/journeys/test_journey_story.py): hostile
words are escaped, a viewer reads but cannot curate, bad form values are refused with a page or a message,
never a 500."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests
from pg_server import secret_key_for
from review_samples import PASSWORD, XSS_SUMMARY, XSS_TITLE, add_team, open_store
from werkzeug.serving import make_server

from mediawatch.config import Settings
from mediawatch.store import NewEntry, PageOutcome, Store
from mediawatch.types import (
    Classification,
    Extracted,
    FetchEvent,
    FetchStatus,
    Region,
    Source,
    SourceKind,
    SourceState,
    TermMatch,
    Theme,
)
from mediawatch.web.app import create_app

NOW = datetime.now(UTC)


@dataclass
class App:
    url: str
    store: Store
    story: int


def _seed(store: Store) -> int:
    store.sync_sources(
        [Source("hostile", "Hostile <b>Outlet</b>", "https://h.example/rss", SourceKind.RSS, "en")]
    )
    url = "https://h.example/a"
    event = FetchEvent("hostile", NOW, FetchStatus.OK, 200, "", 1, 1)
    (pending,) = store.save_feed_poll(
        "hostile", SourceState(), event, [NewEntry(url, url, XSS_TITLE, XSS_SUMMARY, "", NOW, "en")]
    )
    page = Extracted(XSS_TITLE, "Soil carbon. " * 30, "", NOW - timedelta(hours=1), "Hostile", "en", "")
    outcome = PageOutcome(True, url, extracted=page)
    article = store.complete_article(pending.id, outcome, NOW, timedelta(hours=72))
    verdict = Classification(
        id=str(article), language="en", language_confidence=0.99, relevant=True, relevance=0.9,
        uncertain=False, matched_terms=(TermMatch("<i>soil carbon</i>", "soil_carbon", "title", 2.0),),
        themes=(Theme.SCIENCE,), regions=(Region.EUROPE,), objectives=("A5",), version="test",
    )  # fmt: skip
    store.save_classifications([verdict])
    store.save_story_members([(article, article, b"\x01" * 8)])
    return article


@pytest.fixture(scope="module")
def app(module_db_url) -> Iterator[App]:
    store = open_store(module_db_url)
    add_team(store)
    story = _seed(store)
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{server.server_port}"
    settings = Settings(db=module_db_url, secret_key=secret_key_for(module_db_url), base_url=url)
    server.app = create_app(settings, store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield App(url, store, story)
    server.shutdown()
    thread.join(timeout=10)
    store.close()


def signed_in(app: App, name: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{app.url}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = session.post(
        f"{app.url}/login", data={"name": name, "password": PASSWORD, "csrf_token": token}, timeout=30
    )
    assert done.status_code == 200
    return session


def token(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', session.get(url, timeout=10).text).group(1)


def test_hostile_words_are_shown_as_text(app):
    page = signed_in(app, "ana").get(f"{app.url}/stories/{app.story}", timeout=30)
    assert page.status_code == 200
    for raw in ("<script>", "<img src=x", "<svg", "<b id=", "<i>soil", "<b>Outlet"):
        assert raw not in page.text, raw
    assert "&lt;script&gt;" in page.text
    assert 'id="injected-img"' not in page.text


def test_an_unknown_story_is_a_404_page(app):
    page = signed_in(app, "ana").get(f"{app.url}/stories/99999999", timeout=30)
    assert page.status_code == 404
    assert "Traceback" not in page.text


def test_a_viewer_reads_the_story_but_cannot_curate_it(app):
    vic = signed_in(app, "vic")
    page = vic.get(f"{app.url}/stories/{app.story}", timeout=30)
    assert page.status_code == 200
    assert "/pin" not in page.text
    assert "/relevance" not in page.text
    refused = vic.post(
        f"{app.url}/stories/{app.story}/pin",
        data={"publication": "newsletter", "csrf_token": token(vic, f"{app.url}/stories/{app.story}")},
        timeout=30,
    )
    assert refused.status_code == 403
    assert app.store.story_pins(app.story) == []


@pytest.mark.parametrize(
    ("route", "form"),
    [
        ("relevance", {"relevant": "maybe"}),
        ("relevance", {"relevant": "1", "article": "424242"}),
        ("pin", {"publication": "gazette"}),
        ("add", {"issue": "not-a-number"}),
    ],
)
def test_a_malformed_form_is_a_400_page(app, route, form):
    ana = signed_in(app, "ana")
    url = f"{app.url}/stories/{app.story}"
    answer = ana.post(f"{url}/{route}", data={**form, "csrf_token": token(ana, url)}, timeout=30)
    assert answer.status_code == 400
    assert "Traceback" not in answer.text


def test_a_bad_correction_is_said_beside_the_article(app):
    ana = signed_in(app, "ana")
    url = f"{app.url}/stories/{app.story}"
    form = {"article": str(app.story), "field": "themes", "value": "weather", "csrf_token": token(ana, url)}
    page = ana.post(f"{url}/correct", data=form, timeout=60)
    assert page.status_code == 200
    assert "Weather: not a theme" in page.text
    assert app.store.classification_of(app.story).themes == (Theme.SCIENCE,)
    form["value"] = "policy"
    ana.post(f"{url}/correct", data=form, timeout=60)
    assert app.store.classification_of(app.story).themes == (Theme.POLICY,)


@pytest.mark.parametrize(
    ("name", "label", "none_yet"),
    [
        ("ana", "Used in", "no issue yet"),
        ("carla", "Repris dans", "aucun numéro pour l’instant"),
        ("vic", "Incluida en", "ningún número todavía"),
    ],
)
def test_a_story_in_no_issue_says_so_once_after_its_label(app, name, label, none_yet):
    page = signed_in(app, name).get(f"{app.url}/stories/{app.story}", timeout=30).text
    said = re.search(r"<dt>([^<]*)</dt>\s*<dd id=\"story-uses\">([^<]*)</dd>", page)
    assert said, "the story page has no 'used in' line"
    assert (said.group(1), html.unescape(said.group(2)).replace("'", "’")) == (label, none_yet)
