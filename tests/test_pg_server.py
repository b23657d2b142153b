"""The throwaway PostgreSQL server of the tests (tests/pg_server.py) keeps its promises."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from pg_server import PgServer, find_bindir

TESTS = Path(__file__).resolve().parent


def _pytest(tmp_path, **env):
    """Run one PostgreSQL case of test_store.py in a child pytest; returns its summary output."""
    clean = {
        k: v for k, v in os.environ.items() if k not in {"CI", "MEDIAWATCH_REQUIRE_PG", "PYTEST_XDIST_WORKER"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-rs",
            str(TESTS / "test_store.py"),
            "-k",
            "test_schema_is_created_and_migrated_on_open and postgresql",
        ],  # fmt: skip
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_missing_binaries_skip_locally_but_fail_under_ci(tmp_path):
    code, out = _pytest(tmp_path, MEDIAWATCH_PG_BIN=str(tmp_path / "nowhere"))
    assert code == 0, out
    assert "1 skipped" in out
    assert "PostgreSQL server binaries not found" in out
    for required in ({"CI": "true"}, {"MEDIAWATCH_REQUIRE_PG": "1"}):
        code, out = _pytest(tmp_path, MEDIAWATCH_PG_BIN=str(tmp_path / "nowhere"), **required)
        assert code != 0, out
        assert "skipped" not in out
        assert "CI=true or MEDIAWATCH_REQUIRE_PG=1 requires them" in out


@pytest.mark.postgresql
def test_a_killed_test_process_leaves_no_server_behind(tmp_path):
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found")
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from pg_server import PgServer, find_bindir\n"
        "server = PgServer(find_bindir()).start()\n"
        "print(server.process.pid, server.root, flush=True)\n"
        "time.sleep(600)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pid, root = child.stdout.readline().split()
        os.kill(int(pid), 0)  # the server runs
        child.send_signal(signal.SIGKILL)  # no finaliser, no atexit: only the parent-death signal is left
        child.wait()
        deadline = time.monotonic() + 300  # only catches a server that outlives its parent
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}").exists() else ""
            if "State:\tZ" in status:  # exited; its reaper (init) will collect it
                break
            time.sleep(0.05)
        status = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}").exists() else ""
        assert status == "" or "State:\tZ" in status, f"postgres {pid} still runs after its parent was killed"
    finally:
        child.kill()
        subprocess.run(["rm", "-rf", root], check=False)


@pytest.mark.postgresql
def test_a_pooled_database_comes_back_empty_with_ids_from_one(pg_server: PgServer):
    from mediawatch.store import open_store

    url = pg_server.acquire()
    with open_store(url) as store:
        first = store.start_run("collect")
        store.start_run("collect")
    leftover = psycopg.connect(url.replace("+psycopg", ""))  # a session the test forgot: release ends it
    pg_server.release(url)
    with pytest.raises(psycopg.OperationalError):
        leftover.execute("SELECT 1")
    leftover.close()
    again = pg_server.acquire()
    assert again == url  # reused, not created again
    with open_store(again) as store:
        assert store.start_run("collect") == first
        assert store.schema_version() >= 5
    pg_server.release(again)
