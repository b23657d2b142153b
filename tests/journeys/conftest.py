"""Fixtures of the journey tests: the whole deployed stack (journey_stack.py) and a browser that records every
form it posts, so that ``test_post_routes.py`` can tell which POST route no browser ever reached.

A journey gets a fresh stack (database, mail server, app server, proxy); the session shares the test CA,
Chromium and a database seeded once with the demo sources collected and classified.

Markers: every journey is ``browser`` and ``slow`` (and in the ``journeys`` xdist group). Under pytest-xdist
the posts are gathered in a folder the workers share, and the coverage check waits for every journey.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from deliver_samples import SmtpServer
from journey_stack import (
    CHROMIUM,
    NGINX,
    AppServer,
    Nginx,
    PostLog,
    Stack,
    Tls,
    chromium_args,
    free_port,
    make_tls,
    write_config,
)
from pg_server import find_bindir, pg_required

from mediawatch.config import Settings

SECRET = "journey-secret-key-0123456789abcdef0123"
MAIL_FROM = "4 per 1000 <news@example.org>"
# Set in CI: a missing nginx or Chromium fails the journeys instead of skipping them.
REQUIRE_ENV = "MEDIAWATCH_REQUIRE_STACK"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The POST-route coverage check runs after every journey, whatever the file order."""
    last = [i for i in items if i.get_closest_marker("post_coverage")]
    if last:
        items[:] = [i for i in items if not i.get_closest_marker("post_coverage")] + last


def _need(path: Path, package: str) -> None:
    if path.exists():
        return
    message = f"{path} is absent: install Debian's {package} (`make system`) to run the journey tests"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(message)
    pytest.skip(message)


# -- what the browser posted --------------------------------------------------------------------------
def _shared_folder(config: pytest.Config) -> Path:
    """A folder of this test run that every xdist worker sees (the parent of the workers' basetemp)."""
    base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return (base.parent if hasattr(config, "workerinput") else base) / "journey-posts"


def _post_log(config: pytest.Config) -> PostLog:
    found = config.stash.get(_POST_LOG_KEY, None)
    if found is None:
        worker = getattr(config, "workerinput", {}).get("workerid", "main")
        found = PostLog(_shared_folder(config), worker)
        config.stash[_POST_LOG_KEY] = found
    return found


_POST_LOG_KEY = pytest.StashKey[PostLog]()


@pytest.fixture(scope="session")
def post_log(pytestconfig: pytest.Config) -> PostLog:
    return _post_log(pytestconfig)


@pytest.fixture(autouse=True)
def _name_the_posts(request: pytest.FixtureRequest) -> Iterator[None]:
    log = _post_log(request.config)
    log.current_test = request.node.nodeid
    yield
    log.current_test = ""


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """Every journey says when it is over (passed, failed or skipped), for the POST-route check."""
    if _CONFIG is not None and "journeys" in Path(location[0]).parts:
        _post_log(_CONFIG).finished(nodeid)


_CONFIG: pytest.Config | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _CONFIG
    _CONFIG = config


# -- session parts ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


# Per module, not per session: Playwright's sync API keeps an asyncio loop running while it is open, and
# every later test of this pytest process that calls asyncio.run() (the collector) would fail.
@pytest.fixture(scope="module")
def chromium(tls: Tls) -> Iterator[Any]:
    _need(CHROMIUM, "chromium")
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default, apart from the context's timeout: on a loaded machine a page can take
    # longer to show what it will show, and the journey must not fail for being slow (a bound on a hang).
    expect.set_options(timeout=120_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=chromium_args(tls))
        yield browser
        browser.close()


def _seed(url: str, folder: Path) -> None:
    """The demo sources collected, classified and grouped into stories, in the database at ``url``."""
    from mediawatch.classify.grouping import group_stories
    from mediawatch.classify.pipeline import classify_stored, load_classifier
    from mediawatch.collect.pipeline import collect
    from mediawatch.demo.__main__ import write_registry
    from mediawatch.demo.server import DemoServer
    from mediawatch.sources.registry import load_registry
    from mediawatch.store import open_store

    with DemoServer() as server:
        feeds = folder / "feeds"
        write_registry(server.base_url, feeds)
        settings = Settings(
            allow_private_addresses=True,
            per_host_delay=0.0,
            extract_workers=1,
            model_path=str(folder / "no-model.npz"),
        )
        with open_store(url) as store:
            collect(store, load_registry(feeds), settings)
            classify_stored(store, load_classifier(settings))
            group_stories(store, settings)
            # One article the classifier was unsure about, for the editors' verdict form (/unsure);
            # a not-relevant one, so that no composed issue changes.
            doubtful = next(c for c in store.classifications() if not c.relevant)
            store.save_classifications([replace(doubtful, uncertain=True)])


def _seed_in_thread(url: str, folder: Path) -> None:
    # Collecting runs an asyncio loop, and Playwright's sync API may already hold one in this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_seed, url, folder).result()


def journeys_on_postgresql() -> bool:
    """PostgreSQL when its binaries are here (or CI requires it); SQLite otherwise, said in the header."""
    return find_bindir() is not None or pg_required()


def pytest_report_header(config: pytest.Config) -> str:
    backend = "PostgreSQL" if journeys_on_postgresql() else "SQLite (PostgreSQL binaries not found)"
    return f"journeys: database {backend}"


SEED_DATABASE = "mw_journey_seed"


@pytest.fixture(scope="session")
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding the seeded articles, built once: a PostgreSQL template, or a SQLite file."""
    folder = tmp_path_factory.mktemp("seed")
    if journeys_on_postgresql():
        server = request.getfixturevalue("pg_server")
        url = server.create_database(name=SEED_DATABASE)
    else:
        url = f"sqlite:///{folder / 'seed.sqlite3'}"
    _seed_in_thread(url, folder)
    return url


@pytest.fixture
def journey_db(request: pytest.FixtureRequest, seeded: str, tmp_path: Path) -> Iterator[str]:
    """The journey's own database, a copy of the seeded one."""
    if seeded.startswith("sqlite:"):
        copy = tmp_path / "mediawatch.sqlite3"
        shutil.copyfile(seeded.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
        return
    server = request.getfixturevalue("pg_server")
    url = server.create_database(template=SEED_DATABASE)
    yield url
    server.drop_database(url.rsplit("/", 1)[1])


# -- one stack per journey ----------------------------------------------------------------------------
@pytest.fixture
def stack_factory(
    tmp_path: Path, tls: Tls, chromium: Any, journey_db: str, post_log: PostLog
) -> Iterator[Callable[..., Stack]]:
    """``stack_factory(**overrides)`` starts the stack; each call's parts stop after the test."""
    _need(NGINX, "nginx-light")
    from contextlib import ExitStack

    exits = ExitStack()
    stacks: list[Stack] = []

    def start(**overrides: dict[str, Any]) -> Stack:
        folder = tmp_path / f"stack{len(stacks)}"
        folder.mkdir()
        smtp = exits.enter_context(SmtpServer())
        app_port = free_port()
        proxy = Nginx(tls, app_port)
        sections: dict[str, dict[str, Any]] = {
            "collect": {"db": journey_db},
            "render": {"issues_dir": str(folder / "issues"), "site_url": f"{proxy.url}/archive"},
            "web": {"base_url": proxy.url, "secret_key": SECRET, "trusted_proxies": "127.0.0.1"},
            "review": {"four_eyes": True},
            "deliver": {
                "smtp_url": smtp.url,
                "mail_from": MAIL_FROM,
                "send_rate": 0.0,
                "send_retry_base": 0.05,
            },
        }
        for name, values in overrides.items():
            sections.setdefault(name, {}).update(values)
        config = write_config(folder / "config.toml", sections)
        app = exits.enter_context(AppServer(config, app_port))
        exits.enter_context(proxy)
        stack = Stack(folder, tls, config, sections, smtp, app, proxy, chromium, post_log)
        exits.callback(stack.close)
        stacks.append(stack)
        return stack

    try:
        yield start
    finally:
        exits.close()


@pytest.fixture
def stack(stack_factory: Callable[..., Stack]) -> Stack:
    return stack_factory()
