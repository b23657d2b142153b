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


def test_two_workers_storing_one_entry_at_once_keep_one_article(db_url):
    store = open_store(db_url)
    try:
        store.sync_sources([_source("a"), _source("b")])
        entry = NewEntry(
            "https://news.example/story", "https://news.example/story", "Story", "", "", None, "en"
        )
        now = datetime.now(UTC)
        event = FetchEvent("b", now, FetchStatus.OK, 200, "", 1, 0)
        result: dict[str, object] = {}
        looked_up = threading.Event()
        second: list[int] = []

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def _inserting(conn, cursor, statement, parameters, context, executemany):
            # The second worker inserts its article: it has looked the URL up and found nothing.
            if threading.get_ident() in second and statement.lstrip().upper().startswith(
                "INSERT INTO ARTICLES"
            ):
                looked_up.set()

        def second_worker() -> None:
            second.append(threading.get_ident())
            try:
                result["new"] = store.save_feed_poll("b", SourceState(), event, [entry])
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                result["error"] = exc

        with store.engine.connect() as first_worker:
            # The first worker has stored the entry (from feed "a") but not committed yet...
            with first_worker.begin():
                pending = insert_pending(first_worker, entry, now)
                link_source(first_worker, pending.id, "a", entry.url, now)
                thread = threading.Thread(target=second_worker)
                thread.start()
                # ...when the second one, having found no such URL, goes on to insert it.
                assert looked_up.wait(120), result
            thread.join(120)
        sa.event.remove(store.engine, "before_cursor_execute", _inserting)
        assert "error" not in result, result
        assert result["new"] == []  # the entry was known by then: no second article
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
        result: dict[str, object] = {}
        looked_up = threading.Event()
        second: list[int] = []

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def _inserting(conn, cursor, statement, parameters, context, executemany):
            # The second worker gives its article the final URL: it found no article under it.
            if threading.get_ident() in second and statement.lstrip().upper().startswith(
                "INSERT INTO URL_ALIASES"
            ):
                looked_up.set()

        def second_worker() -> None:
            second.append(threading.get_ident())
            try:
                result["id"] = store.complete_article(ids[1], outcome, now, timedelta(hours=72))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                result["error"] = exc

        with store.engine.connect() as first_worker:
            with first_worker.begin():  # the first worker's page got there first, not committed yet
                add_aliases(first_worker, ids[0], [final])
                thread = threading.Thread(target=second_worker)
                thread.start()
                assert looked_up.wait(120), result
            thread.join(120)
        sa.event.remove(store.engine, "before_cursor_execute", _inserting)
        assert "error" not in result, result
        assert result["id"] == ids[0]  # merged into the article that holds the final URL
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
        result: dict[str, object] = {}
        looked_up = threading.Event()
        adder: list[int] = []

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def _inserting(conn, cursor, statement, parameters, context, executemany):
            if threading.get_ident() in adder and statement.lstrip().upper().startswith(
                "INSERT INTO ARTICLES"
            ):
                looked_up.set()

        def editor() -> None:
            adder.append(threading.get_ident())
            try:
                result["added"] = store.add_article(item, now, timedelta(days=3))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                result["error"] = exc

        with store.engine.connect() as worker:
            with worker.begin():  # the worker has stored the URL, not committed yet...
                pending = insert_pending(worker, entry, now)
                link_source(worker, pending.id, "a", entry.url, now)
                thread = threading.Thread(target=editor)
                thread.start()
                assert looked_up.wait(120), result  # ...when the editor, finding nothing, inserts it
            thread.join(120)
        sa.event.remove(store.engine, "before_cursor_execute", _inserting)
        assert "error" not in result, result
        assert result["added"] == (pending.id, False)  # the worker's article, found on the second try
        assert [a.id for a in store.list_articles(include_duplicates=True)] == [pending.id]
    finally:
        store.close()
