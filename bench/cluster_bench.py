"""The distributed mode's benchmark: ``python -m bench.cluster_bench`` (see docs/benchmarks.md).

On the collector benchmark's local news web (``bench.server``: real corpus pages, many loopback hosts,
an artificial latency per response), with a throwaway redis-server on loopback:

1. the single-process collector (``mediawatch collect``, one extraction thread) - the reference;
2. the same run spread over 1, 2 and 3 ``mediawatch worker`` processes (2 threads each): wall time from
   enqueueing to the run's close, articles per second, CPU seconds per article of the workers and of
   redis-server;
3. the broker alone: how many no-op tasks per second one consumer process takes through Redis, and the
   Redis CPU per task.

Each configuration gets a fresh SQLite database (the store is not what is measured; the workers' writes
are a few per article). The figures feed the scaling model in docs/benchmarks.md. Timing is printed,
never asserted: the exit status is non-zero only when the harness itself broke.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_cpu(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


class Redis:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            raise SystemExit("redis-server not found: install Debian's redis-server package (`make system`)")
        self.port = _free_port()
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        self.client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def cpu(self) -> float:
        return _tree_cpu(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def _env(folder: Path, db: str, broker: str, feeds: Path) -> dict[str, str]:
    (folder / "none.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWATCH_")}
    env.update(
        PYTHONPATH=str(ROOT),
        MEDIAWATCH_CONFIG=str(folder / "none.toml"),
        MEDIAWATCH_DB=db,
        MEDIAWATCH_FEEDS_DIR=str(feeds),
        MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES="1",
        MEDIAWATCH_PER_HOST_DELAY="0",
        MEDIAWATCH_EXTRACT_WORKERS="1",
        MEDIAWATCH_MODEL_PATH=str(folder / "model.npz"),
    )
    if broker:
        env["MEDIAWATCH_BROKER_URL"] = broker
    return env


def _write_feeds(folder: Path, urls: list[str]) -> Path:
    feeds = folder / "feeds"
    feeds.mkdir(exist_ok=True)
    text = "".join(
        f'[[source]]\nid = "f{i}"\nname = "f{i}"\nurl = "{url}"\nkind = "rss"\nlanguage = "en"\n'
        for i, url in enumerate(urls)
    )
    (feeds / "bench.toml").write_text(text, encoding="utf-8")
    return feeds


def _summary(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


def single_process(folder: Path, feeds: Path) -> dict[str, Any]:
    import resource

    env = _env(folder, f"sqlite:///{folder / 'single.sqlite3'}", "", feeds)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "mediawatch.cli", "collect", "--force"],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = _summary(out.stdout.splitlines()[0] if out.stdout else "")
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "articles": int(summary.get("pages_fetched", 0)) + int(summary.get("pages_partial", 0)),
    }


def distributed(folder: Path, feeds: Path, redis: Redis, processes: int) -> dict[str, Any]:
    from mediawatch.cluster.broker import connect
    from mediawatch.cluster.runs import enqueue_run
    from mediawatch.config import load_settings
    from mediawatch.sources.registry import load_registry
    from mediawatch.store import open_store

    redis.client.flushall()
    db = f"sqlite:///{folder / f'cluster-{processes}.sqlite3'}"
    env = _env(folder, db, redis.url, feeds)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "mediawatch.cli", "worker", "--threads", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(processes)
    ]
    try:
        # Ready: each worker's consumer has sent its first heartbeat to the broker.
        deadline = time.monotonic() + 120
        while redis.client.zcard("mediawatch-tasks:__heartbeats__") < processes:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start")
            time.sleep(0.1)
        settings = load_settings(env=env)
        store = open_store(db)
        cluster = connect(settings)
        cpu_before = sum(_tree_cpu(w.pid) for w in workers)
        redis_before = redis.cpu()
        started = time.monotonic()
        run_id = enqueue_run(cluster, store, load_registry(str(feeds)), settings, force=True)
        while True:
            run = next(r for r in store.recent_runs("collect", limit=5) if r.id == run_id)
            if run.status != "running":
                break
            time.sleep(0.1)
        wall = time.monotonic() - started
        cpu = sum(_tree_cpu(w.pid) for w in workers) - cpu_before
        redis_cpu = redis.cpu() - redis_before
        tasks = redis.client.scard(f"mediawatch:run:{run_id}:issued")
        articles = int(run.summary["pages_fetched"]) + int(run.summary["pages_partial"])
        store.close()
        return {"processes": processes, "wall_s": wall, "cpu_s": cpu, "redis_cpu_s": redis_cpu,
                "tasks": tasks, "articles": articles}  # fmt: skip
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=120)


def broker_rate(redis: Redis, tasks: int) -> dict[str, Any]:
    """No-op tasks through the same broker setup as the workers, one consumer process of 8 threads."""
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker

    redis.client.flushall()
    broker = RedisBroker(url=redis.url, namespace="bench-rate")  # type: ignore[no-untyped-call]
    seen = []

    @dramatiq.actor(broker=broker, queue_name="rate", max_retries=0)
    def noop(n: int) -> None:
        seen.append(n)

    redis_before = redis.cpu()
    started = time.monotonic()
    for n in range(tasks):
        noop.send(n)
    sent = time.monotonic() - started
    worker = dramatiq.Worker(broker, worker_threads=8, worker_timeout=100)
    consume_started = time.monotonic()
    worker.start()
    while len(seen) < tasks:
        time.sleep(0.01)
    consumed = time.monotonic() - consume_started
    worker.stop()
    broker.close()
    return {"tasks": tasks, "send_per_s": tasks / sent, "consume_per_s": tasks / consumed,
            "redis_cpu_per_task_ms": 1000 * (redis.cpu() - redis_before) / tasks}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_bench")
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before each response")
    parser.add_argument("--max-processes", type=int, default=3)
    parser.add_argument("--rate-tasks", type=int, default=5000)
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.server import ServerProcess, corpus_missing

    if (missing := corpus_missing()) is not None:
        print(missing)
        return 0
    figures: dict[str, Any] = {"cpus": os.cpu_count(), "feeds": args.feeds, "items": args.items}
    with tempfile.TemporaryDirectory(prefix="mw-cluster-bench-") as tmp:
        folder = Path(tmp)
        redis = Redis(folder)
        try:
            with ServerProcess(args.feeds, args.items, args.feeds, args.latency) as server:
                feeds = _write_feeds(folder, server.feed_urls)
                one = figures["single"] = single_process(folder, feeds)
                per = max(1, one["articles"])
                print(
                    f"single process (collect + classify): {one['articles']} articles"
                    f" in {one['wall_s']:.1f} s = {one['articles'] / one['wall_s']:.1f}/s,"
                    f" CPU {1000 * one['cpu_s'] / per:.0f} ms/article"
                )
                figures["workers"] = []
                for n in range(1, args.max_processes + 1):
                    r = distributed(folder, feeds, redis, n)
                    figures["workers"].append(r)
                    per = max(1, r["articles"])
                    print(
                        f"{n} worker process(es): {r['articles']} articles in {r['wall_s']:.1f} s"
                        f" = {r['articles'] / r['wall_s']:.1f}/s; workers CPU {1000 * r['cpu_s'] / per:.0f}"
                        f" ms/article, redis CPU {1000 * r['redis_cpu_s'] / per:.1f} ms/article,"
                        f" {r['tasks'] / per:.2f} tasks/article"
                    )
            rate = figures["broker"] = broker_rate(redis, args.rate_tasks)
            print(
                f"broker: {rate['send_per_s']:.0f} tasks/s sent, {rate['consume_per_s']:.0f} tasks/s taken"
                f" by one process, redis CPU {rate['redis_cpu_per_task_ms']:.3f} ms/task"
            )
        finally:
            redis.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
