"""`mediawatch nightly` with a broker: its collect stage is a run of the workers, enqueued under the lock
the nightly holds and waited for (at most ``nightly_collect_wait_seconds``); the other stages go on as in
one process. Real parts: a redis-server and PostgreSQL on loopback, `mediawatch worker` and `mediawatch
nightly` processes, the fixture web of three hosts with two failing feeds (tests/cluster_helpers.py).

No assertion depends on how fast the machine is: a run with workers is waited for with a bound that only
catches a hang, and the short wait is used only where no worker runs, so the run cannot end in time.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from cluster_helpers import (  # noqa: F401 (the redis_server and redis_url fixtures)
    PATIENT_ENV,
    RUN_TIMEOUT_S,
    FixtureWeb,
    Workers,
    articles_of,
    cluster_env,
    collect_cli,
    one_process_settings,
    redis_server_fixture,
    redis_url_fixture,
)

from mediawatch.nightly import json_logging, run_nightly
from mediawatch.store import open_store

pytestmark = [pytest.mark.postgresql, pytest.mark.timeout(3 * RUN_TIMEOUT_S)]

FAILING = {"broken", "bomb"}  # the fixture's two feeds that fail (a 500, an XML entity bomb)
NO_DRAFTS = {"nightly_press_review": "off", "nightly_newsletter": "off"}


def nightly_cli(env: dict[str, str], feeds: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mediawatch.cli", "--feeds", str(feeds), "nightly", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=2 * RUN_TIMEOUT_S, check=False
    )


def events(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def named(found: list[dict[str, object]], name: str) -> list[dict[str, object]]:
    return [e for e in found if e["event"] == name]


def one_process_nightly(feeds: Path, tmp_path: Path) -> tuple[set[tuple[object, ...]], int, int]:
    """The same nightly in one process, without a broker: its articles, exit code and new articles."""
    settings = one_process_settings(
        db=str(tmp_path / "one-process.sqlite3"),
        feeds_dir=str(feeds),
        model_path=str(tmp_path / "one-process-model.npz"),
        **NO_DRAFTS,
    )
    store = open_store(f"sqlite:///{settings.db}")
    try:
        with json_logging(settings, io.StringIO()) as log:
            result = run_nightly(store, settings, log=log, force=True)
        return articles_of(store), result.exit_code, result.new_articles
    finally:
        store.close()


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_a_nightly_with_workers_stores_what_a_nightly_in_one_process_stores(db_url, redis_url, tmp_path):
    log = tmp_path / "nightly.jsonl"
    with FixtureWeb() as web:
        feeds = web.write_feeds(tmp_path / "feeds")
        polls = {f"poll:{s.id}" for s in web.sources()}
        expected, expected_exit, expected_new = one_process_nightly(feeds, tmp_path)
        env = cluster_env(
            tmp_path, db_url, redis_url, per_host_delay="0", log_file=str(log), **NO_DRAFTS, **PATIENT_ENV
        )
        workers = Workers(env, tmp_path)
        workers.start(2)
        try:
            result = nightly_cli(env, feeds, "--force")
        finally:
            workers.stop()
    output = result.stdout + result.stderr + workers.logs()
    assert expected_exit == 4  # some sources failed, everything else went well...
    assert result.returncode == expected_exit, output  # ...and so it is with the workers
    assert result.stdout.startswith("nightly exit=4 "), output
    assert " sources=5 failed=2 " in result.stdout, output
    assert f" new_articles={expected_new} " in result.stdout, output
    assert "collect_still_running" not in result.stdout
    found = events(log)
    [enqueued] = named(found, "collect.enqueued")
    [done] = named(found, "collect.done")
    assert done["failed"] == 2
    assert done["new_articles"] == expected_new
    assert {e["source"] for e in named(found, "source.failed")} == FAILING  # as the report said them
    assert not named(found, "collect.still_running")
    names = [e["event"] for e in found]
    for later in ("sources.health", "classify.done", "stories.done", "nightly.done"):
        assert names.index(later) > names.index("collect.done"), names  # the other stages, after the run
    store = open_store(db_url)
    try:
        assert articles_of(store) == expected
        assert len(expected) >= 3 * web.pages + 3  # the fixture really was collected
        [run] = store.recent_runs("collect")
        assert run.id == enqueued["collect_run"]
        assert run.status == "failed-sources"  # closed by the worker that did its last task
        [night] = store.recent_runs("nightly")
        assert night.status == "failed-sources"
        assert set(night.summary["sources_failed"]) == FAILING
        assert not list(store.articles_for_classification())
        assert not store.ungrouped_articles()
    finally:
        store.close()
    # the workers did the run: every poll and the last classification are tasks done on the broker
    client = redis.Redis.from_url(redis_url)
    tasks = {m.decode() for m in client.smembers(f"mediawatch:run:{run.id}:done")}
    assert polls | {"enqueue", "classify"} <= tasks
    assert any(t.startswith("page:") for t in tasks)


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_a_nightly_whose_wait_runs_out_goes_on_and_leaves_the_run_to_the_workers(db_url, redis_url, tmp_path):
    log = tmp_path / "nightly.jsonl"
    with FixtureWeb(pages=2) as web:
        feeds = web.write_feeds(tmp_path / "feeds")
        env = cluster_env(
            tmp_path,
            db_url,
            redis_url,
            per_host_delay="0",
            log_file=str(log),
            nightly_press_review="daily",
            nightly_newsletter="off",
            nightly_collect_wait_seconds="0.2",  # no worker runs: the run cannot be finished by then
        )
        first = nightly_cli(env, feeds)
        found = events(log)
        [enqueued] = named(found, "collect.enqueued")
        run_id = enqueued["collect_run"]
        assert first.returncode == 0, first.stdout + first.stderr  # a wait that ran out is no failure
        assert f" collect_still_running={run_id}" in first.stdout
        [still] = named(found, "collect.still_running")
        assert (still["level"], still["collect_run"]) == ("warning", run_id)
        assert not named(found, "collect.done")
        names = [e["event"] for e in found]
        for later in ("sources.health", "classify.done", "stories.done", "compose.nothing", "nightly.done"):
            assert names.index(later) > names.index("collect.still_running"), names
        store = open_store(db_url)
        try:
            [run] = store.recent_runs("collect")
            assert (run.id, run.status) == (run_id, "running")  # left to the workers, not given up
            [night] = store.recent_runs("nightly")
            assert night.summary["collect_still_running"] == run_id
        finally:
            store.close()
        # the run is still open on the broker: a plain collect is refused, as while any run is open...
        refused = collect_cli(env, feeds)
        assert refused.returncode == 3, refused.stdout + refused.stderr
        assert f"collect run {run_id} is still being done by the workers" in refused.stdout + refused.stderr
        # ...and the next nightly neither takes it for a killed run nor starts a second one beside it
        second = nightly_cli(env, feeds)
        assert second.returncode == 1, second.stdout + second.stderr  # its collect stage was refused
        failed = named(events(log), "collect.failed")
        assert [e["kind"] for e in failed] == ["LockedError"]
        assert f"collect run {run_id} is still being done by the workers" in str(failed[0]["error"])
        assert "nightly.done" in [e["event"] for e in events(log)[len(found) :]]  # the others ran
        # a worker started now does the run and closes it
        workers = Workers(env, tmp_path)
        workers.start(1)
        store = open_store(db_url)
        try:
            from mediawatch.cluster.runs import wait_for_run

            report = wait_for_run(store, run_id, timeout=RUN_TIMEOUT_S)
            assert report is not None, workers.logs()
            assert report.failed == len(FAILING)
            assert [r.id for r in store.recent_runs("collect")] == [run_id]  # never a second one
        finally:
            workers.stop()
            store.close()


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_a_nightly_waiting_for_the_workers_holds_the_collect_lock(db_url, redis_url, tmp_path):
    """The nightly enqueued its run under the lock it holds, and keeps it while it waits: a plain collect
    started meanwhile is refused by the lock (exit 3), not only by the run open on the broker."""
    import signal
    import time

    log = tmp_path / "nightly.jsonl"
    with FixtureWeb(pages=1) as web:
        feeds = web.write_feeds(tmp_path / "feeds")
        env = cluster_env(tmp_path, db_url, redis_url, log_file=str(log), **NO_DRAFTS)
        command = [sys.executable, "-m", "mediawatch.cli", "--feeds", str(feeds), "nightly"]
        waiting = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + RUN_TIMEOUT_S  # only catches a hang
            # the event's name in the file, not its parsed line: a line may be read half-written here
            while not (log.exists() and '"collect.enqueued"' in log.read_text(encoding="utf-8")):
                assert waiting.poll() is None, "the nightly should be waiting for the workers (none runs)"
                assert time.monotonic() < deadline, "the nightly should enqueue its run"
                time.sleep(0.05)
            refused = collect_cli(env, feeds)
        finally:
            waiting.send_signal(signal.SIGTERM)
            waiting.wait(timeout=RUN_TIMEOUT_S)
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "another collect run is active" in refused.stdout + refused.stderr
