"""The distributed mode's commands for people: clear refusals, and one collect run at a time (issue 16)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from cluster_helpers import FixtureWeb, redis_server_fixture, redis_url_fixture  # noqa: F401 (fixtures)

from mediawatch.cli.main import cli


@pytest.fixture
def invoke(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    for name in ("MEDIAWATCH_DB", "MEDIAWATCH_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(
            cli, ["--db", str(tmp_path / "db.sqlite3"), *args], env=env, catch_exceptions=False
        )

    return run


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "no broker configured"), ("fr", "aucun courtier"), ("es", "no hay intermediario")],
)
def test_worker_without_a_broker_says_which_setting_to_give(invoke, lang, words):
    result = invoke("--lang", lang, "worker")
    assert result.exit_code == 2
    assert words in result.output
    assert "MEDIAWATCH_BROKER_URL" in result.output
    assert "Traceback" not in result.output


def test_a_broker_url_that_is_not_redis_is_refused_by_name(invoke, tmp_path):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "local.toml").write_text(  # a source to collect: the broker is what is wrong
        '[[source]]\nid = "a"\nname = "A"\nurl = "https://a.example/feed"\nkind = "rss"\nlanguage = "fr"\n'
    )
    result = invoke(
        "--feeds", str(tmp_path / "feeds"), "collect", env={"MEDIAWATCH_BROKER_URL": "http://queue:80"}
    )
    assert result.exit_code == 2
    assert "“http://queue:80” is not a Redis address" in result.output


def test_a_second_collect_is_refused_while_the_workers_are_on_the_first(invoke, redis_url, tmp_path):
    with FixtureWeb(pages=1) as web:
        feeds = web.write_feeds(tmp_path / "feeds")
        env = {"MEDIAWATCH_BROKER_URL": redis_url, "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1"}
        first = invoke("--feeds", str(feeds), "collect", env=env)  # no worker runs: the run stays open
        assert first.exit_code == 0, first.output
        assert "collect run 1 enqueued" in first.output
        second = invoke("--feeds", str(feeds), "collect", env=env)
    assert second.exit_code == 3
    assert "collect run 1 is still being done by the workers" in second.output


def test_the_cluster_section_and_its_environment_variable_set_the_broker(tmp_path):
    from mediawatch.config import load_settings

    path = tmp_path / "config.toml"
    path.write_text('[cluster]\nbroker_url = "redis://queue:6379/0"\nworker_heartbeat_seconds = 20\n')
    settings = load_settings(str(path), env={})
    assert (settings.broker_url, settings.worker_heartbeat_seconds) == ("redis://queue:6379/0", 20.0)
    assert load_settings(str(path), env={"MEDIAWATCH_BROKER_URL": ""}).broker_url == ""  # back to one process
    path.write_text("", encoding="utf-8")
    assert load_settings(str(path), env={}).broker_url == ""  # the default: everything in one process


def test_waiting_for_a_run_no_worker_takes_says_so_once_and_goes_on_waiting(redis_url, tmp_path):
    import threading
    from datetime import UTC, datetime

    from mediawatch.cluster.broker import connect
    from mediawatch.cluster.runs import enqueue_run, wait_for_run
    from mediawatch.collect.report import CollectReport
    from mediawatch.config import Settings, database_url
    from mediawatch.store import open_store

    with FixtureWeb(pages=1) as web:
        settings = Settings(
            db=str(tmp_path / "db.sqlite3"), broker_url=redis_url, allow_private_addresses=True
        )
        store = open_store(database_url(settings.db))
        cluster = connect(settings)
        run_id = enqueue_run(cluster, store, web.sources(), settings, force=True)  # no worker runs
        told: list[int] = []
        ticks = iter(range(10**6))  # a clock that moves one second per look, whatever the machine's speed
        result: dict[str, object] = {}

        def wait() -> None:
            result["report"] = wait_for_run(
                store, run_id, poll_seconds=0.01, cluster=cluster, on_idle=told.append, idle_after=5,
                clock=lambda: float(next(ticks)),
            )  # fmt: skip

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        for _ in range(30_000):  # up to 300 s: only a waiter that never says it waits reaches it
            if told:
                break
            waiter.join(0.01)
        assert told == [run_id]  # said once, with the run's number...
        assert waiter.is_alive()  # ...and still waiting: a worker started now would do the run
        closed = CollectReport(started=datetime.now(UTC), finished=datetime.now(UTC)).as_dict()
        store.finish_run(run_id, "ok", closed)  # the run closes, as its last worker would
        waiter.join(60)
        assert not waiter.is_alive()
        assert "report" in result
        assert told == [run_id]
        store.close()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "is not finished after 0.2 s"),
        ("fr", "n’est pas finie après 0.2 s"),
        ("es", "no ha terminado tras 0.2 s"),
    ],
)
def test_waiting_with_a_timeout_stops_waiting_and_leaves_the_run_to_the_workers(
    invoke, redis_url, tmp_path, lang, words
):
    with FixtureWeb(pages=1) as web:
        feeds = web.write_feeds(tmp_path / "feeds")
        env = {"MEDIAWATCH_BROKER_URL": redis_url, "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1"}
        waited = invoke(
            "--lang", lang, "--feeds", str(feeds), "collect", "--wait", "--timeout", "0.2", env=env
        )
        assert waited.exit_code == 1, waited.output  # not finished: no worker runs
        assert words in waited.output
        assert "Traceback" not in waited.output
        again = invoke("--feeds", str(feeds), "collect", env=env)
    assert again.exit_code == 3  # the run is still open for the workers, not given up
    assert "collect run 1 is still being done by the workers" in again.output


def test_a_timeout_without_wait_is_refused_by_name(invoke, tmp_path):
    (tmp_path / "feeds").mkdir()
    result = invoke("--feeds", str(tmp_path / "feeds"), "collect", "--timeout", "30")
    assert result.exit_code == 2
    assert "--timeout limits how long --wait waits" in result.output
    refused = invoke("--feeds", str(tmp_path / "feeds"), "collect", "--wait", "--timeout", "0")
    assert refused.exit_code == 2
    assert "--timeout" in refused.output


UNREACHABLE = "redis://:s3cret-pass@127.0.0.1:1/0"  # nothing listens on port 1 (it needs root)


def test_a_worker_with_an_unreachable_broker_says_so_and_exits_5(invoke):
    result = invoke("worker", env={"MEDIAWATCH_BROKER_URL": UNREACHABLE})
    assert result.exit_code == 5, result.output
    assert "the broker redis://:***@127.0.0.1:1/0 does not answer" in result.output
    assert "worker started" not in result.output


@pytest.mark.parametrize("wait", [False, True])
def test_an_unreachable_broker_is_one_line_naming_it_exit_5_and_no_run_left_running(invoke, tmp_path, wait):
    from mediawatch.store import open_store

    with FixtureWeb(pages=1) as web:
        feeds = web.write_feeds(tmp_path / "feeds")
    env = {"MEDIAWATCH_BROKER_URL": UNREACHABLE}
    result = invoke("--lang", "fr", "--feeds", str(feeds), "collect", *(["--wait"] if wait else []), env=env)
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output
    assert "s3cret-pass" not in result.output
    (line,) = result.output.strip().splitlines()
    assert "le courtier redis://:***@127.0.0.1:1/0 ne répond pas" in line
    with open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        assert [r.status for r in store.recent_runs("collect") if r.status == "running"] == []


def test_a_nightly_with_an_unreachable_broker_records_a_readable_collect_failure_and_goes_on(
    invoke, tmp_path
):
    import json

    with FixtureWeb(pages=1) as web:
        feeds = web.write_feeds(tmp_path / "feeds")
    log_file = tmp_path / "nightly.jsonl"
    env = {"MEDIAWATCH_BROKER_URL": UNREACHABLE, "MEDIAWATCH_LOG_FILE": str(log_file)}
    result = invoke("--feeds", str(feeds), "nightly", "--no-notify", env=env)
    assert result.exit_code == 1, result.output  # a stage failed, the others ran
    events = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    (failed,) = [e for e in events if e["event"] == "collect.failed"]
    assert failed["kind"] == "BrokerUnavailable"
    assert "the broker redis://:***@127.0.0.1:1/0 does not answer" in failed["error"]
    assert "traceback" not in failed
    assert "s3cret-pass" not in log_file.read_text(encoding="utf-8")
    assert any(e["event"] == "nightly.done" for e in events)


def test_a_broker_lost_while_enqueueing_closes_the_opened_run_as_failed(tmp_path):
    import redis

    from mediawatch.cluster.broker import Cluster
    from mediawatch.cluster.runs import enqueue_locked
    from mediawatch.config import Settings
    from mediawatch.errors import BrokerUnavailable
    from mediawatch.store import open_store

    settings = Settings(broker_url=UNREACHABLE)
    gone = Cluster(broker=None, redis=redis.Redis.from_url(UNREACHABLE), actors={})  # type: ignore[arg-type]
    with open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        with pytest.raises(BrokerUnavailable, match=r"redis://:\*\*\*@127.0.0.1:1/0 does not answer"):
            enqueue_locked(gone, store, [], settings, force=False)
        assert [r.status for r in store.recent_runs("collect")] == ["failed"]
