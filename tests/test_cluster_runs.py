"""A distributed run's bookkeeping against a real redis-server and store, with no worker: the test plays
the workers' part step by step, including the death of one between two steps (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis
from cluster_helpers import redis_server_fixture, redis_url_fixture  # noqa: F401 (fixtures)

from mediawatch.cluster.broker import connect
from mediawatch.cluster.runs import done, enqueue_run
from mediawatch.config import Settings
from mediawatch.store import NewEntry, PageOutcome, open_store
from mediawatch.types import FetchEvent, FetchStatus, Source, SourceKind, SourceState


def _members(client: redis.Redis, key: str) -> set[str]:
    return {m.decode() for m in client.smembers(key)}


def test_an_article_a_killed_poll_stored_but_never_sent_is_fetched_before_the_run_closes(redis_url, tmp_path):
    settings = Settings(broker_url=redis_url)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    cluster = connect(settings)
    client = redis.Redis.from_url(redis_url)
    source = Source(id="s", name="s", url="http://127.0.0.1:9/feed.xml", kind=SourceKind.RSS, language="en")
    try:
        run_id = enqueue_run(cluster, store, [source], settings, force=True)
        assert _members(client, f"mediawatch:run:{run_id}:issued") == {"enqueue", "poll:s"}
        # The poll task stores its new entry and dies before sending the page's task...
        now = datetime.now(UTC)
        entry = NewEntry("http://127.0.0.1:9/a", "http://127.0.0.1:9/a", "A story", "", "", None, "en")
        event = FetchEvent("s", now, FetchStatus.OK, 200, "", 1, 0)
        [item] = store.save_feed_poll("s", SourceState(last_fetch=now), event, [entry])
        # ...its redelivery finds the source polled in this run and only reports itself done.
        done(cluster, store, run_id, "poll:s")
        assert f"page:{item.id}" in _members(client, f"mediawatch:run:{run_id}:issued")  # swept up
        [run] = store.recent_runs("collect")
        assert run.status == "running"
        # The page task and the last task do their work; the last one done closes the run.
        outcome = PageOutcome(final=True, final_url=entry.url, published=now, date_source="feed")
        store.complete_article(item.id, outcome, now, timedelta(hours=72))
        done(cluster, store, run_id, f"page:{item.id}")
        assert store.recent_runs("collect")[0].status == "running"  # the last classification is issued
        done(cluster, store, run_id, "classify")
        [run] = store.recent_runs("collect")
        assert run.status == "ok"
        assert run.summary["new_articles"] == 1
        assert run.summary["pages_fetched"] == 1
        assert run.summary["polled"] == 1
        # every task issued was really sent to the broker (the poll, the swept page, the classification)
        assert client.hlen("mediawatch-tasks:mediawatch.msgs") == 3
    finally:
        store.close()
        cluster.broker.close()
