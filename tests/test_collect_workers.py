"""The collector's extraction workers under attack (issue 12): a killed or stuck worker costs one page at
most, never the run; workers run the installed package and leave when the collector dies. Real worker
processes, real local servers on loopback.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from collect_hostile_helpers import (  # noqa: F401 (store_fixture: the `store` fixture)
    article,
    cli_setup,
    feed_source,
    health_of,
    rss,
    store_fixture,
)
from hostile_server import Response
from test_collect import FAST  # the same quick, local collector settings

from mediawatch.collect.pipeline import collect


# -- item 3: a killed extraction worker costs a page at most, never the run -----------------------------
def _forkserver_children() -> list[int]:
    import multiprocessing.forkserver as fs

    server = fs._forkserver._forkserver_pid
    if server is None:
        return []
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server and fields[0] != "Z":
                found.append(int(entry))
    return found


def test_sigkilled_extraction_workers_are_replaced_and_the_run_completes(store, hostile_server):
    killed: list[int] = []

    def killer(request):
        # The OOM killer's visit, mid-run: every extraction worker gets SIGKILL.
        for pid in _forkserver_children():
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        return Response(200, article(99), {"Content-Type": "text/html"})

    pages = [f"/a/{i}" for i in range(8)]
    for i, page in enumerate(pages):
        hostile_server.add_static(page, article(i), content_type="text/html")
    hostile_server.add_route("/a/kill", killer)
    pages.insert(4, "/a/kill")
    hostile_server.add_static("/k.xml", rss(hostile_server, pages), content_type="application/rss+xml")
    settings = FAST.with_overrides(extract_workers=2, respect_robots=False)
    report = collect(store, [feed_source("k", hostile_server.url("/k.xml"))], settings)
    assert killed, "the test did not manage to kill a worker"
    assert report.workers_replaced >= 1
    assert not store.pending_articles()
    assert report.pages_fetched + report.pages_failed == len(pages)
    assert report.pages_fetched >= len(pages) - 1
    assert "workers_replaced=" in report.summary_line()
    [run] = store.recent_runs("collect")
    assert run.status == "ok"


def test_workers_import_the_running_package_not_a_checkout_in_the_current_folder(hostile_server, tmp_path):
    # A console script, as installed: the current folder is not on the collector's own sys.path.
    script = Path(sys.executable).parent / "mediawatch"
    if not script.exists():
        pytest.skip("the mediawatch console script is not installed in this environment")
    # An older checkout in the current folder: importable, but not the package that runs.
    decoy = tmp_path / "cwd" / "mediawatch"
    (decoy / "collect").mkdir(parents=True)
    (decoy / "__init__.py").write_text("")
    (decoy / "collect" / "__init__.py").write_text("")
    (decoy / "collect" / "extract_worker.py").write_text("# the old checkout's worker module\n")
    env, args = cli_setup(hostile_server, tmp_path)
    done = subprocess.run(
        [str(script), *args], cwd=decoy.parent, env=env, capture_output=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"pages_fetched=4" in done.stdout, done.stdout.decode()
    assert b"Task exception was never retrieved" not in done.stderr


def test_workers_leave_when_the_collector_dies_even_before_it_is_reaped(hostile_server, tmp_path):
    def slow(request):
        time.sleep(0.2)
        return Response(200, article(1), {"Content-Type": "text/html"})

    env, args = cli_setup(hostile_server, tmp_path, pages=40)
    for i in range(40):
        hostile_server.add_route(f"/cli/{i}", slow)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediawatch.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600  # only catches a hang: a loaded machine starts the workers slowly
    while len(hostile_server.requests_for("/cli/3")) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the collector ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    # Read the dead (not yet reaped: a zombie) collector's output to the end, as a supervisor would
    # before waiting for it.  Its workers hold the pipe: they must notice and leave.
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 0)
    closed = False
    end = time.monotonic() + 300  # only catches workers that never leave
    while time.monotonic() < end:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if ready and not os.read(proc.stdout.fileno(), 65536):
            closed = True
            break
    try:
        assert closed, "the extraction workers kept the dead collector's output open"
    finally:
        proc.wait()


def test_a_page_that_loses_its_worker_twice_is_failed_and_the_pool_goes_on():
    from mediawatch.collect.workers import ExtractionPool
    from mediawatch.errors import ExtractError

    async def scenario() -> None:
        pool = ExtractionPool(2, timeout=60)
        try:
            with pytest.raises(ExtractError, match="died"):
                await pool.run(os._exit, 9)  # the worker dies on both attempts
            assert pool.replaced == 2
            assert await pool.run(len, b"still working") == 13
        finally:
            pool.shutdown()

    asyncio.run(scenario())


def test_a_worker_stuck_past_extract_timeout_is_stopped_and_replaced():
    from mediawatch.collect.workers import ExtractionPool
    from mediawatch.errors import ExtractError

    async def scenario() -> None:
        pool = ExtractionPool(1, timeout=1.0)
        try:
            with pytest.raises(ExtractError, match="extract_timeout"):
                await pool.run(time.sleep, 3600)  # stuck for good: 1 s cannot be enough
            assert pool.replaced == 1
            # The replacement starts a worker for this call, which a loaded machine may make slow: only
            # the answer matters here, not how soon it comes.
            pool.timeout = 600.0
            assert await pool.run(len, b"abc") == 3
        finally:
            pool.shutdown()

    asyncio.run(scenario())
