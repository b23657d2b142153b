"""The distributed mode's real parts for tests: a redis-server on loopback, worker processes running
`mediawatch worker`, and a fixture web of three hosts (with hostile sources) whose servers record when each
request arrived.

    from cluster_helpers import FixtureWeb, Workers, redis_server_fixture, redis_url_fixture  # noqa: F401
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from collect_hostile_helpers import article
from hostile_server import HostileServer, Request, Response

from mediawatch.config import Settings
from mediawatch.store import Store
from mediawatch.types import Source, SourceKind

REDIS_SERVER = "/usr/bin/redis-server"
ROOT = Path(__file__).resolve().parents[1]
# Generous: a worker on a loaded machine still finishes; a hang fails the test instead of blocking CI.
RUN_TIMEOUT_S = 300.0
# Fetch timeouts for runs a test compares: on a loaded machine the defaults (connect 10 s, read 20 s) can
# expire on a fixture page, and the run then differs from the one it is compared with.
PATIENT_TIMEOUTS = dict.fromkeys(("connect_timeout", "read_timeout", "total_timeout"), RUN_TIMEOUT_S)
PATIENT_ENV = {name: str(seconds) for name, seconds in PATIENT_TIMEOUTS.items()}  # for cluster_env


def one_process_settings(**more: Any) -> Settings:
    """The rules of the workers' environment (:func:`cluster_env`) for a run in this process: only the
    process layout differs, and the timeouts are as patient as the cluster runs' own."""
    return Settings(
        allow_private_addresses=True,
        per_host_delay=0.0,
        penalty_delay=0.0,
        extract_workers=1,
        **PATIENT_TIMEOUTS,
        **more,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module", name="redis_server")
def redis_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server (Debian's package) on a free loopback port; yields its URL."""
    binary = shutil.which("redis-server") or (REDIS_SERVER if os.path.exists(REDIS_SERVER) else None)
    if binary is None:
        pytest.skip("redis-server not found (install Debian's redis-server package: `make system`)")
    folder = tmp_path_factory.mktemp("redis")
    port = _free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
    args += ["--appendonly", "no", "--protected-mode", "yes"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)

    def ready() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        _wait_for(ready, RUN_TIMEOUT_S, "redis-server to answer")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(name="redis_url")
def redis_url_fixture(redis_server: str) -> str:
    """The server's URL, emptied for each test (no task or pacing state left from another test)."""
    import redis

    redis.Redis.from_url(redis_server).flushall()
    return redis_server


class TimedServer(HostileServer):
    """A hostile server that also records when each request arrived (monotonic clock), per path."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.arrivals: list[tuple[float, str]] = []
        self._arrivals_lock = threading.Lock()

    def _respond(self, request: Request) -> Response:
        with self._arrivals_lock:
            self.arrivals.append((time.monotonic(), request.route))
        return super()._respond(request)


def _canonical_twin(server: HostileServer, target: str) -> bytes:
    body = (
        article(77).decode().replace("<head>", f"<head><link rel='canonical' href='{server.url(target)}'>", 1)
    )
    return body.encode()


class FixtureWeb:
    """Three hosts on 127.0.0.21-23 with honest and hostile sources.

    - each host: a feed of ``pages`` articles; host A's robots.txt disallows /private/ (one feed item);
    - host A's and host B's feeds both list one shared article (stored once);
    - host C serves a page whose rel=canonical names another page (merged into it), a page answering
      500 (left pending for a later run), and a gzip bomb;
    - two feeds that fail: a 500 and an XML entity bomb.
    """

    def __init__(self, pages: int = 6) -> None:
        self.hosts = [TimedServer(f"127.0.0.{n}") for n in (21, 22, 23)]
        self.pages = pages
        self.blockers: dict[str, threading.Event] = {}
        self.blocked = threading.Semaphore(0)

    def __enter__(self) -> FixtureWeb:
        for server in self.hosts:
            server.start()
        a, b, c = self.hosts
        a.add_static("/robots.txt", b"User-agent: *\nDisallow: /private/\n")
        c.add_static("/robots.txt", b"User-agent: *\nAllow: /\n")
        a.add_static("/private/x", article(90), content_type="text/html")
        b.add_static("/b/shared", article(91), content_type="text/html")
        c.add_static("/c/twin", _canonical_twin(c, "/c/0"), content_type="text/html")
        extra = {a: ["/private/x", b.url("/b/shared")], b: ["/b/shared"], c: ["/c/twin", "/error-500"]}
        extra[c].append("/gzip-bomb")
        for name, server in zip("abc", self.hosts, strict=True):
            links = [f"/{name}/{i}" for i in range(self.pages)]
            for i, link in enumerate(links):
                server.add_static(link, article(100 * (ord(name) - 96) + i), content_type="text/html")
            body = _rss(server, links + extra[server])
            server.add_static(f"/{name}.xml", body, content_type="application/rss+xml")
        return self

    def __exit__(self, *exc: object) -> None:
        for event in self.blockers.values():
            event.set()
        for server in self.hosts:
            server.stop()

    def block(self, server: HostileServer, path: str) -> None:
        """``path`` keeps its answer but gives it only once :meth:`release` is called."""
        event = self.blockers[path] = threading.Event()
        answer = server._routes[path]
        assert isinstance(answer, Response)

        def route(request: Request) -> Response:
            if not event.is_set():
                self.blocked.release()
                event.wait(RUN_TIMEOUT_S)
            return answer

        server.add_route(path, route)

    def release(self) -> None:
        for event in self.blockers.values():
            event.set()

    def sources(self) -> list[Source]:
        feeds = [
            Source(id=name, name=name, url=server.url(f"/{name}.xml"), kind=SourceKind.RSS, language="en")
            for name, server in zip("abc", self.hosts, strict=True)
        ]
        a = self.hosts[0]
        feeds.append(
            Source(id="broken", name="broken", url=a.url("/error-500"), kind=SourceKind.RSS, language="en")
        )
        feeds.append(
            Source(id="bomb", name="bomb", url=a.url("/billion-laughs"), kind=SourceKind.RSS, language="en")
        )
        return feeds

    def write_feeds(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        text = "".join(
            f'[[source]]\nid = "{s.id}"\nname = "{s.name}"\nurl = "{s.url}"\nkind = "rss"\nlanguage = "en"\n'
            for s in self.sources()
        )
        (folder / "fixture.toml").write_text(text, encoding="utf-8")
        return folder


def _rss(server: HostileServer, links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Story {i} about soil carbon and cover crops</title>"
        f"<link>{link if link.startswith('http') else server.url(link)}</link></item>"
        for i, link in enumerate(links)
    )
    return f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()


def cluster_env(tmp_path: Path, db_url: str, broker_url: str, **settings: str) -> dict[str, str]:
    """The environment of `mediawatch` subprocesses: this checkout, the test's database and broker."""
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWATCH_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "MEDIAWATCH_CONFIG": str(tmp_path / "none.toml"),
            "MEDIAWATCH_DB": db_url,
            "MEDIAWATCH_BROKER_URL": broker_url,
            "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1",
            "MEDIAWATCH_PENALTY_DELAY": "0",
            "MEDIAWATCH_MODEL_PATH": str(tmp_path / "model.npz"),
            # a dead worker's tasks go back to the queue after a few seconds, not a minute
            "MEDIAWATCH_WORKER_HEARTBEAT_SECONDS": "3",
            "MEDIAWATCH_BROKER_MAINTENANCE_CHANCE": "200000",
        }
    )
    env.update({f"MEDIAWATCH_{k.upper()}": v for k, v in settings.items()})
    return env


class Workers:
    """`mediawatch worker` subprocesses; stopped (SIGTERM, then SIGKILL) when the test ends."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1, threads: int = 2) -> list[subprocess.Popen[bytes]]:
        started = []
        for _ in range(count):
            log = open(self.log_dir / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
            args = [sys.executable, "-m", "mediawatch.cli", "worker", "--threads", str(threads)]
            process = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            self.processes.append(process)
            started.append(process)
        return started

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log"))
        )


def articles_of(store: Store) -> set[tuple[object, ...]]:
    """What an article is when a cluster run is compared with one process: its URL, state, title, why it
    is partial, its sources."""
    return {
        (
            a.url,
            a.state.value,
            a.title,
            a.partial_reason,
            a.duplicate_of is not None,
            tuple(sorted(a.source_ids)),
        )
        for a in store.list_articles(include_duplicates=True)
    }


def collect_cli(env: dict[str, str], feeds: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mediawatch.cli", "--feeds", str(feeds), "collect", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
