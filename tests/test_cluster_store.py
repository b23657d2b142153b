"""Articles stored once when workers race (issue 16): the unique URL keys decide, and the transaction that
lost runs again and finds the winner's article. SQLite and PostgreSQL; the race is staged, not hoped for:
the second worker has looked the URL up (and found nothing) before the first one commits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import sqlalchemy as sa

from mediawatch.store import NewEntry, open_store
from mediawatch.store.articles import insert_pending, link_source
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
