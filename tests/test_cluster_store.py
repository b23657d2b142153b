"""Articles stored once when workers race (issue 16): the unique URL keys decide, and the transaction that
lost runs again and finds the winner's article. SQLite and PostgreSQL; the race is staged, not hoped for:
the second worker has looked the URL up (and found nothing) before the first one commits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from mediawatch.store import NewEntry, PageOutcome, open_store
from mediawatch.store.articles import add_aliases, insert_pending, link_source
from mediawatch.types import FetchEvent, FetchStatus, Source, SourceKind, SourceState


def _source(source_id: str) -> Source:
    url = f"https://{source_id}.example/feed"
    return Source(id=source_id, name=source_id, url=url, kind=SourceKind.RSS, language="en")


def _race(store, first_writes, second_call, second_inserts: str) -> dict[str, object]:
    """Stage the race: the first writer has written (``first_writes(conn)``) but not committed when the
    second one, in a thread, runs ``second_call()``; the first commits once the second, having found
    nothing, is about to run an ``INSERT INTO <second_inserts>``. The second's {"result"} or {"error"}."""
    result: dict[str, object] = {}
    looked_up = threading.Event()
    second: list[int] = []

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def _inserting(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() in second and statement.lstrip().upper().startswith(
            f"INSERT INTO {second_inserts.upper()}"
        ):
            looked_up.set()

    def second_writer() -> None:
        second.append(threading.get_ident())
        try:
            result["result"] = second_call()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            result["error"] = exc

    try:
        with store.engine.connect() as first, first.begin():
            first_writes(first)
            thread = threading.Thread(target=second_writer)
            thread.start()
            assert looked_up.wait(120), result
        thread.join(120)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", _inserting)
    assert "error" not in result, result
    return result


def test_two_workers_storing_one_entry_at_once_keep_one_article(db_url):
    store = open_store(db_url)
    try:
        store.sync_sources([_source("a"), _source("b")])
        entry = NewEntry(
            "https://news.example/story", "https://news.example/story", "Story", "", "", None, "en"
        )
        now = datetime.now(UTC)
        event = FetchEvent("b", now, FetchStatus.OK, 200, "", 1, 0)

        def first_stores(conn) -> None:  # the first worker has stored the entry (from feed "a")...
            pending = insert_pending(conn, entry, now)
            link_source(conn, pending.id, "a", entry.url, now)

        # ...when the second one, having found no such URL, goes on to insert it
        result = _race(
            store, first_stores, lambda: store.save_feed_poll("b", SourceState(), event, [entry]), "articles"
        )
        assert result["result"] == []  # the entry was known by then: no second article
        [article] = store.list_articles(include_duplicates=True)
        assert sorted(article.source_ids) == ["a", "b"]
        [health] = [h for h in store.source_health(now, 14) if h.source_id == "b"]
        assert [e.status for e in health.events] == [FetchStatus.OK]  # the poll recorded once
    finally:
        store.close()


def test_two_pages_reaching_one_final_url_at_once_end_as_one_article(db_url):
    store = open_store(db_url)
    try:
        store.sync_sources([_source("a"), _source("b")])
        now = datetime.now(UTC)
        ids = []
        for name in ("a", "b"):
            url = f"https://{name}.example/redirect-to-story"
            entry = NewEntry(url, url, "Story", "", "", None, "en")
            [item] = store.save_feed_poll(
                name, SourceState(), FetchEvent(name, now, FetchStatus.OK, 200, "", 1, 0), [entry]
            )
            ids.append(item.id)
        final = "https://news.example/story"
        outcome = PageOutcome(final=True, final_url=final, published=now, date_source="feed")
        # The first worker's page got there first, not committed yet, when the second gives its article the
        # final URL, having found no article under it.
        result = _race(
            store,
            lambda conn: add_aliases(conn, ids[0], [final]),
            lambda: store.complete_article(ids[1], outcome, now, timedelta(hours=72)),
            "url_aliases",
        )
        assert result["result"] == ids[0]  # merged into the article that holds the final URL
        [article] = store.list_articles(include_duplicates=True)
        assert (article.id, article.url) == (ids[0], final)
        assert sorted(article.source_ids) == ["a", "b"]
    finally:
        store.close()


def test_an_article_added_by_hand_while_a_worker_stores_its_url_is_stored_once(db_url):
    from mediawatch.store.additions import AddedArticle, AddOrigin

    if db_url.startswith("sqlite"):
        pytest.skip(
            "SQLite lets one writer at a time: the adder's first write waits for the worker's commit, then "
            "finds its article, so this race cannot happen there (nor be staged)"
        )
    store = open_store(db_url)
    try:
        store.sync_sources([_source("a")])
        url = "https://news.example/added-while-collected"
        entry = NewEntry(url, url, "A story both found", "", "", None, "en")
        now = datetime.now(UTC)
        item = AddedArticle(
            origin=AddOrigin.URL, url=url, title="A story both found", published=now, language="en",
            added_by="ana", aliases=(url,), text="Text.",
        )  # fmt: skip
        stored: list[int] = []

        def worker_stores(conn) -> None:  # the worker has stored the URL, not committed yet...
            pending = insert_pending(conn, entry, now)
            link_source(conn, pending.id, "a", entry.url, now)
            stored.append(pending.id)

        # ...when the editor, finding nothing, inserts it
        result = _race(
            store, worker_stores, lambda: store.add_article(item, now, timedelta(days=3)), "articles"
        )
        (worker_id,) = stored
        assert result["result"] == (worker_id, False)  # the worker's article, found on the second try
        assert [a.id for a in store.list_articles(include_duplicates=True)] == [worker_id]
    finally:
        store.close()
