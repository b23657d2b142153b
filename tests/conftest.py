"""Shared fixtures: a local hostile HTTP server, access to ../shared/corpus, and the databases.

Storage-facing tests take ``db_url`` (or ``module_db_url``) and run once on SQLite and once on a real
PostgreSQL server: see the top of ``tests/pg_server.py`` for how to use them.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hostile_server import HostileServer
from pg_server import TEST_SECRET_KEY, PgServer, find_bindir, pg_required

CORPUS_ROOT = (Path(__file__).parents[1] / "../shared/corpus").resolve()


def corpus_dir(name: str) -> Path:
    """``../shared/corpus/<name>`` (from the project root); skips the calling test when it is absent."""
    path = (CORPUS_ROOT / name).resolve()
    if not path.is_dir():
        pytest.skip(
            f"../shared/corpus/{name} is absent: this test reads third-party material that lives outside "
            f"the repository (expected at {path})"
        )
    return path


@pytest.fixture(scope="session", name="corpus_dir")
def corpus_dir_fixture() -> Callable[[str], Path]:
    """The :func:`corpus_dir` helper, as a fixture: ``corpus_dir("feedparser_tests")``."""
    return corpus_dir


@pytest.fixture(autouse=True)
def _english_and_strict_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read English output whatever the developer's locale, and a missing catalogue key fails them."""
    monkeypatch.setenv("MEDIAWATCH_LANG", "en")
    monkeypatch.setenv("MEDIAWATCH_I18N_STRICT", "1")


@pytest.fixture(autouse=True)
def _no_language_left_behind() -> Iterator[None]:
    """A language chosen inside a test (an in-process CLI call's --lang, a Flask test client's request,
    which runs in the test's own context) must not speak for the tests that follow in that process."""
    from mediawatch.i18n import use_language

    use_language(None)
    yield
    use_language(None)


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    """A started :class:`HostileServer` on 127.0.0.1 (a free port), stopped after the test."""
    with HostileServer() as server:
        yield server


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A seeded random generator whose seed is printed, so a failing randomised run can be replayed.

    The seed is ``MEDIAWATCH_TEST_SEED`` when set, otherwise a fresh one; it is printed (shown with the
    test's output when it fails) and attached to the report as a property.
    """
    seed = int(os.environ.get("MEDIAWATCH_TEST_SEED") or secrets.randbits(32))
    print(f"random seed: MEDIAWATCH_TEST_SEED={seed} (set it to replay {request.node.nodeid})")
    request.node.user_properties.append(("seed", seed))
    return random.Random(seed)


# A system part that `make test` installs cannot be missing in CI: there, a test that skips for want of it
# fails instead, so a broken install step shows red rather than as a quieter, shorter run.
_INSTALLED_BY_MAKE_TEST = ("/usr/bin/chromium", "nginx", "postgresql", "initdb", "redis-server")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CI") == "true" and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if any(part in reason for part in _INSTALLED_BY_MAKE_TEST):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where `make test` must have installed it: {reason}"


# -- databases: every storage-facing test on SQLite and on PostgreSQL ---------------------------------------
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
TEMPLATE = "mw_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for this pytest process, with a migrated template database."""
    bindir = find_bindir()
    if bindir is None:
        message = (
            "PostgreSQL server binaries not found (install Debian's postgresql-15 package, or set "
            "MEDIAWATCH_PG_BIN to the folder holding initdb and postgres)"
        )
        if pg_required():
            pytest.fail(f"{message}; CI=true or MEDIAWATCH_REQUIRE_PG=1 requires them", pytrace=False)
        pytest.skip(message)
    from mediawatch.store import open_store

    server = PgServer(bindir).start()
    try:
        open_store(server.create_database(name=TEMPLATE)).close()
        server.set_template(TEMPLATE)
        yield server
    finally:
        server.stop()


def _new_database(
    backend: str, folder: Path, request: pytest.FixtureRequest, mp: pytest.MonkeyPatch | None
) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'db.sqlite3'}"
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.acquire()
    request.addfinalizer(lambda: server.release(url))
    if mp is not None:  # no file beside the database for a generated key: CLI subprocesses read this one
        mp.setenv("MEDIAWATCH_SECRET_KEY", TEST_SECRET_KEY)
    return url


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql": the test runs once for each."""
    return str(request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(
    db_backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The URL of an empty database, SQLite then PostgreSQL (a fresh one for each test)."""
    return _new_database(db_backend, tmp_path, request, monkeypatch)


@pytest.fixture
def empty_db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a database without any table (not migrated), for migration tests."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.create_database()
    yield url
    server.drop_database(str(sa.engine.make_url(url).database))


@pytest.fixture(scope="module")
def module_db_url(
    module_db_backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> str:
    """One database per test module and backend, for module-scoped fixtures.

    Unlike ``db_url`` it sets no MEDIAWATCH_SECRET_KEY (that would leak into the module's other tests):
    give ``Settings(secret_key=secret_key_for(module_db_url))``.
    """
    return _new_database(module_db_backend, tmp_path_factory.mktemp("db"), request, None)


@pytest.fixture
def copy_database(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``copy_database(url)``: a copy of a prepared database (every connection to it closed), for one test.

    SQLite: the file is copied into ``tmp_path``; PostgreSQL: ``CREATE DATABASE ... TEMPLATE`` of it
    (about a second), dropped after the test.
    """

    def copy(url: str) -> str:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            target = tmp_path / "db.sqlite3"
            shutil.copy(str(parsed.database), target)
            return f"sqlite:///{target}"
        server: PgServer = request.getfixturevalue("pg_server")
        new = server.create_database(template=str(parsed.database))
        request.addfinalizer(lambda: server.drop_database(str(sa.engine.make_url(new).database)))
        return new

    return copy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes a ``browser`` fixture drives Chromium: mark it so `-m "not browser"` skips it."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


# -- the browser of the browser tests ----------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium as root in a closed network: no sandbox, no GPU, no background calls home.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright, never a downloaded browser. Per module: Playwright's sync API
    keeps an asyncio loop running while it is open, which later tests of the process must not inherit."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (`make system`) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()
