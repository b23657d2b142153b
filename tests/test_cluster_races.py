"""The distributed mode's races and crashes, staged step by step against a real redis-server and store:
two deliveries of one poll at once, a task finishing while another worker checks whether the run is done,
a closer killed halfway, a worker holding a message it cannot run yet (issue 16).

Each race is staged with events and hooks, never hoped for with sleeps: no assertion depends on timing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
import redis
from cluster_helpers import (  # noqa: F401 (the redis_server and redis_url fixtures)
    RUN_TIMEOUT_S,
    one_process_settings,
    redis_server_fixture,
    redis_url_fixture,
)
from hostile_server import Request, Response

from mediawatch.cluster.broker import QUEUE, Cluster, connect
from mediawatch.cluster.runs import done, enqueue_run, issue, source_message
from mediawatch.cluster.tasks import Handlers
from mediawatch.cluster.worker import build_worker
from mediawatch.config import Settings
from mediawatch.errors import LockedError
from mediawatch.store import Store, open_store
from mediawatch.types import Source, SourceKind

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def _members(client: redis.Redis, key: str) -> set[str]:
    return {m.decode() for m in client.smembers(key)}


def _source(source_id: str, url: str = "http://127.0.0.1:9/feed.xml") -> Source:
    return Source(id=source_id, name=source_id, url=url, kind=SourceKind.RSS, language="en")


def _settings(redis_url: str, **more: Any) -> Settings:
    return one_process_settings(broker_url=redis_url, **more)


def _status(store: Store, run_id: int) -> str:
    return next(r.status for r in store.recent_runs("collect", limit=10) if r.id == run_id)


# -- a poll delivered twice at once ------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["/feed.xml", "/error-500"])  # entries stored / a failure recorded
def test_two_deliveries_of_one_poll_at_once_record_one_poll(db_url, redis_url, hostile_server, answer):
    """The broker gave a busy worker's poll to another: both find the source not yet polled in this run
    and fetch the feed; the first to store its poll records it, the other one records nothing."""
    original = hostile_server._routes[answer]
    assert isinstance(original, Response)
    first_arrived, release = threading.Event(), threading.Event()
    arrivals: list[str] = []

    def first_held(request: Request) -> Response:
        arrivals.append(request.path)
        if len(arrivals) == 1:
            first_arrived.set()
            release.wait(RUN_TIMEOUT_S)
        return original

    hostile_server.add_route("/held.xml", first_held)
    source = _source("s", hostile_server.url("/held.xml"))
    store = open_store(db_url)
    handlers = Handlers(store, _settings(redis_url, fetch_pages=False))
    try:
        run_id = enqueue_run(handlers.cluster, store, [source], handlers.settings, force=True)
        message = source_message(source)
        first: dict[str, object] = {}

        def first_delivery() -> None:
            try:
                first["task"] = handlers.poll(run_id, message, True)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                first["error"] = exc

        thread = threading.Thread(target=first_delivery)
        thread.start()
        assert first_arrived.wait(RUN_TIMEOUT_S)  # the first delivery is fetching the feed...
        assert handlers.poll(run_id, message, True) == "poll:s"  # ...when the second polls and stores
        release.set()
        thread.join(RUN_TIMEOUT_S)
        assert first == {"task": "poll:s"}  # the first one then stores nothing, and says so without error
        assert len(arrivals) == 2  # the race really happened: both fetched the feed
        polls: list[Any] = store.collect_tally(LONG_AGO, ["s"])["polls"]  # type: ignore[assignment]
        assert len(polls) == 1, polls
        articles = store.list_articles(include_duplicates=True)
        assert len({a.url for a in articles}) == len(articles)
        assert bool(articles) is (answer == "/feed.xml")
        # a third delivery, after both, does not even fetch
        assert handlers.poll(run_id, message, True) == "poll:s"
        assert len(arrivals) == 2
    finally:
        release.set()
        handlers.cluster.broker.close()
        store.close()


# -- a task finishing while another worker checks the run --------------------------------------------
class _Interleaving(redis.Connection):
    """A connection that runs ``action`` just before its ``at``-th request (a pipeline is one request)."""

    at: ClassVar[int] = 0
    action: ClassVar[Callable[[], None] | None] = None
    sent: ClassVar[int] = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        cls = type(self)
        cls.sent += 1
        if cls.sent == cls.at and cls.action is not None:
            action, cls.action = cls.action, None
            action()
        super().send_packed_command(command, check_health)


@pytest.mark.parametrize("point", [1, 2, 3, 4])
def test_a_task_finishing_while_a_worker_checks_the_run_never_makes_it_look_done(db_url, redis_url, point):
    """Worker A marks its poll done and checks whether the run is finished; worker B, at any point of
    A's conversation with Redis, issues a follow-up task and marks its own poll done. Read apart, A's two
    counts can straddle B's two steps and match while the follow-up is still to run."""
    settings = _settings(redis_url)
    store = open_store(db_url)
    b = connect(settings)
    pool = redis.ConnectionPool.from_url(redis_url, connection_class=_Interleaving)
    a = dataclasses.replace(b, redis=redis.Redis(connection_pool=pool))
    client = redis.Redis.from_url(redis_url)
    try:
        run_id = enqueue_run(b, store, [_source("x"), _source("y")], settings, force=True)
        issued = f"mediawatch:run:{run_id}:issued"

        def b_finishes_its_poll() -> None:
            issue(b, run_id, "classify:7", "classify_article", 7)
            done(b, store, run_id, "poll:y")

        a.redis.ping()  # the connection is set up (its handshake is not A's check)
        _Interleaving.sent, _Interleaving.at, _Interleaving.action = 0, point, b_finishes_its_poll
        done(a, store, run_id, "poll:x")
        if _Interleaving.action is not None:  # A said fewer than ``point`` things: B comes after
            b_finishes_its_poll()
        assert "classify" not in _members(client, issued), "the run looked done with classify:7 to run"
        assert _status(store, run_id) == "running"
        done(b, store, run_id, "classify:7")  # the follow-up done: now the run's last task is issued
        assert "classify" in _members(client, issued)
        done(b, store, run_id, "classify")
        assert _status(store, run_id) == "ok"
    finally:
        _Interleaving.action = None
        b.broker.close()
        store.close()


# -- a closer killed between its two steps -----------------------------------------------------------
class Killed(BaseException):
    """The process dies here (a BaseException, as SIGKILL is not: nothing below catches it)."""


def _run_with_its_last_task_done_next(store: Store, cluster: Cluster, settings: Settings) -> int:
    run_id = enqueue_run(cluster, store, [_source("s")], settings, force=True)
    done(cluster, store, run_id, "poll:s")  # every task done: the last classification is issued
    assert "classify" in _members(cluster.redis, f"mediawatch:run:{run_id}:issued")
    return run_id


@pytest.mark.parametrize("recovery", ["redelivery", "next collect"])
def test_a_closer_killed_before_ending_the_run_leaves_it_to_be_closed_again(
    db_url, redis_url, monkeypatch, recovery
):
    """The last task's worker dies while closing the run, before the row is ended. Its message is
    delivered again (a worker), or there is none (the closer was `collect` itself): the next `collect`
    settles the run before judging it still open."""
    settings = _settings(redis_url)
    store = open_store(db_url)
    cluster = connect(settings)
    try:
        run_id = _run_with_its_last_task_done_next(store, cluster, settings)
        finish = store.finish_run

        def killed(*args: Any) -> bool:
            raise Killed

        monkeypatch.setattr(store, "finish_run", killed)
        with pytest.raises(Killed):
            done(cluster, store, run_id, "classify")
        monkeypatch.setattr(store, "finish_run", finish)
        assert _status(store, run_id) == "running"
        if recovery == "redelivery":
            done(cluster, store, run_id, "classify")
        else:
            enqueue_run(cluster, store, [_source("s")], settings, force=True)  # not refused as "open"
        assert _status(store, run_id) == "ok"
    finally:
        cluster.broker.close()
        store.close()


def test_a_closer_killed_after_ending_the_run_is_finished_by_the_next_one(db_url, redis_url, monkeypatch):
    """The row is ended but the broker was never told: the next `collect` finds the run not open; a
    redelivered last task closes it again without changing what the first close recorded."""
    settings = _settings(redis_url)
    store = open_store(db_url)
    cluster = connect(settings)
    client = redis.Redis.from_url(redis_url)
    try:
        run_id = _run_with_its_last_task_done_next(store, cluster, settings)
        closed = f"mediawatch:run:{run_id}:closed"
        set_key = cluster.redis.set

        def killed_at_the_flag(name: str, *args: Any, **kwargs: Any) -> Any:
            if name == closed:
                raise Killed
            return set_key(name, *args, **kwargs)

        monkeypatch.setattr(cluster.redis, "set", killed_at_the_flag)
        with pytest.raises(Killed):
            done(cluster, store, run_id, "classify")
        monkeypatch.setattr(cluster.redis, "set", set_key)
        [run] = [r for r in store.recent_runs("collect") if r.id == run_id]
        assert (run.status, client.exists(closed)) == ("ok", 0)
        done(cluster, store, run_id, "classify")  # the redelivery
        assert client.exists(closed) == 1
        [again] = [r for r in store.recent_runs("collect") if r.id == run_id]
        assert (again.status, again.summary, again.finished) == (run.status, run.summary, run.finished)
        assert enqueue_run(cluster, store, [_source("s")], settings, force=True) != run_id
    finally:
        cluster.broker.close()
        store.close()


# -- a worker holds no message it cannot run yet ------------------------------------------------------
@pytest.mark.parametrize("threads", [1, 2])
def test_a_busy_worker_leaves_the_next_tasks_on_the_queue_for_others(redis_url, threads):
    """Every thread inside a task: the tasks behind them stay on the broker's queue, where another worker
    can take them, instead of waiting in this worker until one of its threads is free."""
    started = threading.Semaphore(0)
    release = threading.Event()

    def stuck(run_id: int) -> None:
        started.release()
        release.wait(RUN_TIMEOUT_S)

    cluster = connect(_settings(redis_url), {"classify": stuck})
    client = redis.Redis.from_url(redis_url)
    queued = f"mediawatch-tasks:{QUEUE}"
    for run_id in range(threads + 2):
        cluster.send("classify", run_id)
    worker = build_worker(cluster.broker, threads)
    worker.start()
    try:
        for _ in range(threads):
            assert started.acquire(timeout=RUN_TIMEOUT_S)
        assert client.llen(queued) == 2  # Dramatiq's default would have taken them too
    finally:
        release.set()
        worker.stop(timeout=int(RUN_TIMEOUT_S * 1000))
        cluster.broker.close()


@pytest.mark.parametrize("recovery", ["redelivery", "next collect"])
def test_a_settler_killed_before_sending_the_last_classification_leaves_it_to_the_next(
    db_url, redis_url, monkeypatch, recovery
):
    """The worker of the run's last task dies just before sending the last classification. The next to
    settle the run (the task's redelivery, or the next `collect`) sends it instead of closing the run with
    its articles unclassified."""
    settings = _settings(redis_url)
    store = open_store(db_url)
    cluster = connect(settings)
    try:
        run_id = enqueue_run(cluster, store, [_source("s")], settings, force=True)
        send = cluster.send
        sent: list[str] = []

        def killed_at_classify(actor: str, *args: Any) -> None:
            if actor == "classify":
                raise Killed
            send(actor, *args)

        monkeypatch.setattr(cluster, "send", killed_at_classify)
        with pytest.raises(Killed):
            done(cluster, store, run_id, "poll:s")
        monkeypatch.setattr(cluster, "send", lambda actor, *args: sent.append(actor))
        if recovery == "redelivery":
            done(cluster, store, run_id, "poll:s")
        else:
            with pytest.raises(LockedError):  # still open: its classification is on its way
                enqueue_run(cluster, store, [_source("s")], settings, force=True)
        assert sent == ["classify"]
        assert "classify" in _members(cluster.redis, f"mediawatch:run:{run_id}:issued")
        assert _status(store, run_id) == "running"
    finally:
        cluster.broker.close()
        store.close()
