"""Articles stored once when workers race (issue 16): the unique URL keys decide, and the transaction that
lost runs again and finds the winner's article. Real PostgreSQL; the race is staged, not hoped for."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from mediawatch.store import NewEntry, open_store
from mediawatch.store.articles import insert_pending, link_source
from mediawatch.types import FetchEvent, FetchStatus, Source, SourceKind, SourceState

pytestmark = pytest.mark.postgresql


def _source(source_id: str) -> Source:
    return Source(
        id=source_id,
        name=source_id,
        url=f"https://{source_id}.example/feed",
        kind=SourceKind.RSS,
        language="en",
    )


def _waiting_on_a_lock(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        query = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(conn.execute(sa.text(query)).scalar())


@pytest.mark.parametrize("db_backend", ["postgresql"])
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

        def second_worker() -> None:
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
                # ...when the second one inserts the same URL key: it waits on the unique index.
                deadline = time.monotonic() + 120
                while not _waiting_on_a_lock(store.engine):
                    assert time.monotonic() < deadline, "the second worker never reached the unique key"
                    assert thread.is_alive(), result
                    time.sleep(0.05)
            thread.join(120)
        assert "error" not in result, result
        assert result["new"] == []  # the entry was known by then: no second article
        [article] = store.list_articles(include_duplicates=True)
        assert sorted(article.source_ids) == ["a", "b"]
        [health] = [h for h in store.source_health(now, 14) if h.source_id == "b"]
        assert [e.status for e in health.events] == [FetchStatus.OK]  # the poll recorded once
    finally:
        store.close()
