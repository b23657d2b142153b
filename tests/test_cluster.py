"""The distributed mode (issue 16) with its real parts: a redis-server and PostgreSQL on loopback, three
`mediawatch worker` processes and a fixture web of three hosts with hostile sources.

No assertion depends on how fast the machine is: the tests wait for the run to close (with a generous
timeout that only catches a hang) and judge what was stored and what the servers saw.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime
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

from mediawatch.collect.pipeline import collect
from mediawatch.store import Store, open_store

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
# The baseline runs under the full suite's load too: a page timing out there would fail the comparison for
# a reason that has nothing to do with the cluster, hence the patient timeouts of one_process_settings.
ONE_PROCESS = one_process_settings()

pytestmark = [pytest.mark.postgresql, pytest.mark.timeout(2 * RUN_TIMEOUT_S)]


def polls_per_source(store: Store, ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for source_id, *_ in store.collect_tally(LONG_AGO, ids)["polls"]:  # type: ignore[attr-defined]
        counts[source_id] = counts.get(source_id, 0) + 1
    return counts


def baseline(web: FixtureWeb, tmp_path: Path) -> set[tuple[object, ...]]:
    store = open_store(f"sqlite:///{tmp_path / 'one-process.sqlite3'}")
    try:
        collect(store, web.sources(), ONE_PROCESS, force=True)
        return articles_of(store)
    finally:
        store.close()


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_three_workers_store_the_same_articles_as_one_process(db_url, redis_url, tmp_path):
    with FixtureWeb() as web:
        expected = baseline(web, tmp_path)
        ids = [s.id for s in web.sources()]
        env = cluster_env(tmp_path, db_url, redis_url, per_host_delay="0", **PATIENT_ENV)
        workers = Workers(env, tmp_path)
        workers.start(3)
        try:
            result = collect_cli(env, web.write_feeds(tmp_path / "feeds"), "--force", "--wait")
        finally:
            workers.stop()
    assert result.returncode == 4, result.stdout + result.stderr + workers.logs()  # two feeds fail
    assert "collect sources=5 polled=5 skipped=0 not_modified=0 failed=2" in result.stdout
    assert "broken" in result.stdout  # the failures, as today
    assert "bomb" in result.stdout
    store = open_store(db_url)
    try:
        assert articles_of(store) == expected
        assert len(expected) >= 3 * web.pages + 3  # the fixture really was collected
        assert polls_per_source(store, ids) == dict.fromkeys(ids, 1)  # source health: once per poll
        [run] = store.recent_runs("collect")
        assert run.status == "failed-sources"
        assert run.summary["pages_fetched"] >= 3 * web.pages
        assert not list(store.articles_for_classification())  # every collected article is classified
        assert not store.ungrouped_articles(), "the run's last task groups the stories"
        done = {m.decode() for m in redis.Redis.from_url(redis_url).smembers(f"mediawatch:run:{run.id}:done")}
        # ...by a task of its own for each stored page, spread over the workers like the pages
        assert len({m for m in done if m.startswith("classify:")}) >= 3 * web.pages
    finally:
        store.close()


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_a_worker_killed_mid_task_loses_nothing_and_duplicates_nothing(db_url, redis_url, tmp_path):
    with FixtureWeb() as web:
        expected = baseline(web, tmp_path)
        ids = [s.id for s in web.sources()]
        # One page per host answers only when released: three workers of one thread each are then all
        # inside a task, so the one killed is surely killed mid-task.
        for name, server in zip("abc", web.hosts, strict=True):
            web.block(server, f"/{name}/1")
        env = cluster_env(tmp_path, db_url, redis_url, per_host_delay="0", **PATIENT_ENV)
        workers = Workers(env, tmp_path)
        victim, *_ = workers.start(3, threads=1)
        try:
            feeds = web.write_feeds(tmp_path / "feeds")
            command = [
                sys.executable,
                "-m",
                "mediawatch.cli",
                "--feeds",
                str(feeds),
                "collect",
                "--force",
                "--wait",
            ]
            waiting = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(3):
                assert web.blocked.acquire(timeout=RUN_TIMEOUT_S), workers.logs()
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            workers.start(1, threads=1)  # the restart an operator (or systemd) does
            web.release()
            out, err = waiting.communicate(timeout=RUN_TIMEOUT_S)
        finally:
            web.release()
            workers.stop()
    assert waiting.returncode == 4, out + err + workers.logs()
    store = open_store(db_url)
    try:
        assert articles_of(store) == expected, out + err + workers.logs()
        assert polls_per_source(store, ids) == dict.fromkeys(ids, 1)
        [run] = store.recent_runs("collect")
        assert run.status == "failed-sources"
    finally:
        store.close()


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_per_host_politeness_holds_across_workers_at_the_servers(db_url, redis_url, tmp_path):
    delay = 0.5
    with FixtureWeb(pages=8) as web:
        env = cluster_env(tmp_path, db_url, redis_url, per_host_delay=str(delay))
        workers = Workers(env, tmp_path)
        workers.start(3, threads=2)
        try:
            result = collect_cli(env, web.write_feeds(tmp_path / "feeds"), "--force", "--wait")
        finally:
            workers.stop()
        arrivals = {server.host: sorted(t for t, _ in server.arrivals) for server in web.hosts}
    assert result.returncode == 4, result.stdout + result.stderr + workers.logs()
    for host, times in arrivals.items():
        assert len(times) >= 8, host  # the host's feed, robots.txt and pages
        gaps = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
        # The pacer spaces the requests' starts on Redis's clock; the server records them a little later
        # or sooner (connection set-up, a busy machine), which can bring two arrivals closer than the
        # delay, but never lets them meet, and cannot shorten the whole sequence by more than the jitter
        # at its two ends. Workers that each paced only themselves would send requests to one host at the
        # same moment, and the sequence would take a third of the time.
        assert min(gaps) >= delay / 5, (host, gaps)
        assert times[-1] - times[0] >= (len(times) - 1) * delay - delay, (host, gaps)
