"""An issue for the review tests, built through the real storage contract, and users of every role.

Titles and summaries carry hostile markup on purpose: every page and preview must show them inert.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mediawatch.review.users import add_user
from mediawatch.store import NewEntry, Store
from mediawatch.store.issues import NewItem
from mediawatch.types import (
    AlsoIn,
    FetchEvent,
    FetchStatus,
    ItemText,
    Publication,
    Role,
    Source,
    SourceKind,
    SourceState,
    TextOrigin,
)

LANGS = ("fr", "en", "es")
PASSWORD = "correct horse battery"
XSS_TITLE = '<script>alert("xss-title")</script><img src=x onerror="alert(1)" id="injected-img">'
XSS_SUMMARY = '"><svg onload=alert(2) id="injected-svg"></svg><b id="injected-b">bold?</b> {{ 7*7 }}'
_SLUGS = itertools.count(1)


def open_store(where: Path | str) -> Store:
    """The store at a URL (the ``db_url`` fixture) or, given a folder, an SQLite file in it."""
    if isinstance(where, str) and "://" in where:
        return Store(where)
    return Store(f"sqlite:///{Path(where) / 'review.sqlite3'}")


def add_team(store: Store) -> None:
    """ana (editor), bruno and carla (approvers), vic (viewer), root (admin); all with PASSWORD."""
    for name, role, lang in (
        ("ana", Role.EDITOR, "en"),
        ("bruno", Role.APPROVER, "en"),
        ("carla", Role.APPROVER, "fr"),
        ("vic", Role.VIEWER, "es"),
        ("root", Role.ADMIN, "en"),
    ):
        add_user(store, name, role, PASSWORD, lang)


@pytest.fixture(name="store")
def team_store_fixture(db_url: str) -> Iterator[Store]:
    """The store at ``db_url`` (SQLite, then PostgreSQL) with :func:`add_team`'s people: a test module
    gets it as ``store`` by importing ``team_store_fixture``."""
    s = open_store(db_url)
    add_team(s)
    yield s
    s.close()


def _articles(store: Store, count: int) -> list[int]:
    store.sync_sources(
        [Source("review-test", "Review test", "https://feed.example.org/rss", SourceKind.RSS, "en")]
    )
    batch = next(_SLUGS)
    urls = [f"https://news.example.org/{batch}/{n}" for n in range(count)]
    entries = [
        NewEntry(url=u, raw_url=u, title=u, summary="", author="", published=None, feed_language="en")
        for u in urls
    ]
    event = FetchEvent("review-test", datetime.now(UTC), FetchStatus.OK, 200, "", count, 1)
    found = {p.url: p.id for p in store.save_feed_poll("review-test", SourceState(), event, entries)}
    return [found[u] for u in urls]


def _texts(title: str, summary: str) -> tuple[ItemText, ...]:
    return tuple(
        ItemText(
            lang,
            f"{title} [{lang}]",
            f"{summary} ({lang})",
            TextOrigin.MACHINE if lang != "en" else TextOrigin.ORIGINAL,
            "en",
        )
        for lang in LANGS
    )


def make_issue(store: Store, *, hostile: bool = False, languages: tuple[str, ...] = LANGS) -> int:
    """A draft newsletter with three items in two sections (the first one hostile when asked)."""
    ids = _articles(store, 3)
    first_title = XSS_TITLE if hostile else "Soil carbon stocks are rising"
    first_summary = XSS_SUMMARY if hostile else "A long-term study measures a gain of 1.2% a year."
    specs = [
        ("science", 0, first_title, first_summary, "Soil Science Today"),
        ("science", 1, "Cover crops after three years", "Trials in twelve farms.", "Agro Institute"),
        ("policy", 0, "A soil law in Chile", "Parliament votes a carbon farming law.", "Suelo Vivo"),
    ]
    items = [
        NewItem(
            story_id=1000 + n,
            article_id=ids[n],
            section=section,
            position=position,
            score=0.9 - n / 10,
            url=f"https://news.example.org/story/{n}",
            outlet=outlet,
            published=datetime(2026, 11, 18, tzinfo=UTC),
            language="en",
            regions=("global",),
            also_in=(AlsoIn("Le Journal des Sols", "https://sols.example.fr/a", "fr"),) if n == 0 else (),
            texts=tuple(x for x in _texts(title, summary) if x.language in languages),
        )
        for n, (section, position, title, summary, outlet) in enumerate(specs)
    ]
    return store.create_issue(
        slug=f"newsletter-test-{next(_SLUGS)}",
        publication=Publication.NEWSLETTER,
        title="Soil news of the week",
        period_from=datetime(2026, 11, 17, tzinfo=UTC),
        period_to=datetime(2026, 11, 24, tzinfo=UTC),
        languages=languages,
        sections=("science", "policy"),
        items=items,
        actor="compose",
    )


def signed_in(app: Any, name: str) -> Any:
    """A Flask test client of ``app`` signed in as ``name`` (one of :func:`add_team`'s people)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert done.status_code == 303
    return client


def text_of(page: str) -> str:
    """The words of a page, tags out, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def select_options(page: str, select_id: str) -> dict[str, str]:
    """The options of the ``<select id=select_id>`` of ``page``: value -> the words a person reads."""
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert block, select_id
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block.group(1))
    return {value: html.unescape(text).strip() for value, text in found if value}
