"""One `mediawatch collect` over 200 sources, 20 of them hostile in every way issue 12 lists.

Healthy sources are spread over ten loopback addresses, each hostile one has an address of its own (so
a Retry-After it sends holds only its own host).  The run is a real CLI process with extraction
workers; its peak RSS is read from the kernel after it ends.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hostile_server import HostileServer, Response

from mediawatch.store import open_store
from mediawatch.types import ArticleState, FetchStatus

pytestmark = pytest.mark.slow

HEALTHY = 180
HOSTILE = (
    "retry-after-huge", "retry-after-9999", "doctype-trick", "billion-laughs", "slow-drip", "gzip-bomb",
    "huge", "redirect-loop", "not-a-feed", "error-500", "unavailable", "cloudflare", "reset", "truncated",
    "charset-koi8r", "heavy-feed", "dates-9999", "not-found", "stall", "robots-503",
)  # fmt: skip
_MEASURE = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)
PEAK_RSS_BOUND_MB = 500  # the largest process of the run (collector, forkserver or worker); measured 133 MB


def _article(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {k} of chaos article {n}: cover crops raise soil organic carbon on farm {n}, "
        "according to measurements taken over several seasons.</p>"
        for k in range(6)
    )
    return (
        f"<html lang='en'><head><title>Chaos article {n}</title></head><body><article>"
        f"<h1>Chaos article {n}</h1>{paragraphs}</article></body></html>"
    ).encode()


def _rss(title: str, links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{title}: item {i} about soil carbon</title><link>{link}</link></item>"
        for i, link in enumerate(links)
    )
    return f"<rss version='2.0'><channel><title>{title}</title>{items}</channel></rss>".encode()


def _hostile_routes(server: HostileServer) -> dict[str, tuple[str, Response | None]]:
    """name -> (path, route to add or None for a built-in one)."""
    big_feed = _rss("heavy", [server.url(f"/h/{i}") for i in range(60_000)])
    trick = b'<!DOCTYPE rss [<!-- ] --><!ENTITY x "EXPANDED">]>' + _rss("trick", [server.url("/t")])
    dates = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "dates",
            "items": [
                {"id": "1", "url": server.url("/d"), "title": "A story from the year 9999",
                 "date_published": "9999-12-31T23:59:59-05:00"},
            ],
        }
    ).encode()  # fmt: skip
    xml = {"Content-Type": "application/rss+xml"}
    return {
        "retry-after-huge": ("/x", Response(429, b"", {"Retry-After": "1000000000000"})),
        "retry-after-9999": ("/x", Response(429, b"", {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"})),
        "doctype-trick": ("/x", Response(200, trick, xml)),
        "billion-laughs": ("/billion-laughs", None),
        "slow-drip": ("/slow-drip", None),
        "gzip-bomb": ("/gzip-bomb", None),
        "huge": ("/huge-stream", None),
        "redirect-loop": ("/redirect-loop", None),
        "not-a-feed": ("/not-a-feed", None),
        "error-500": ("/error-500", None),
        "unavailable": ("/unavailable", None),
        "cloudflare": ("/cloudflare-challenge", None),
        "reset": ("/reset", None),
        "truncated": ("/truncated", None),
        "charset-koi8r": ("/charset-lie-koi8r", None),
        "heavy-feed": ("/x", Response(200, big_feed, xml)),
        "dates-9999": ("/x", Response(200, dates, {"Content-Type": "application/feed+json"})),
        "not-found": ("/not-found", None),
        "stall": ("/stall", None),
        "robots-503": ("/x", Response(200, _rss("r", [server.url("/r/1")]), xml)),
    }


def test_two_hundred_sources_twenty_hostile(tmp_path: Path) -> None:
    healthy_servers = [HostileServer(host=f"127.0.2.{i + 1}").start() for i in range(10)]
    hostile_servers: list[HostileServer] = []
    try:
        registry: list[str] = []

        def source(source_id: str, url: str) -> None:
            registry.append(
                f'[[source]]\nid = "{source_id}"\nname = "{source_id}"\nurl = "{url}"\n'
                'kind = "rss"\nlanguage = "en"\n'
            )

        for n in range(HEALTHY):
            server = healthy_servers[n % len(healthy_servers)]
            server.add_static(f"/a/{n}", _article(n), content_type="text/html")
            server.add_static(
                f"/f/{n}.xml", _rss(f"feed {n}", [server.url(f"/a/{n}")]), content_type="application/rss+xml"
            )
            source(f"healthy-{n}", server.url(f"/f/{n}.xml"))

        hostile_names: list[str] = []
        for i, name in enumerate(HOSTILE):
            server = HostileServer(host=f"127.0.3.{i + 1}").start()
            hostile_servers.append(server)
            path, route = _hostile_routes(server)[name]  # URLs inside name this server
            if route is not None:
                server.add_route(path, route)
            if name == "robots-503":
                server.add_route("/robots.txt", Response(503, b"down", {"Content-Type": "text/plain"}))
                server.add_static("/r/1", _article(1), content_type="text/html")
            source(name, server.url(path))
            hostile_names.append(name)

        feeds_dir = tmp_path / "feeds"
        feeds_dir.mkdir()
        (feeds_dir / "chaos.toml").write_text("\n".join(registry), encoding="utf-8")
        (tmp_path / "none.toml").write_text("", encoding="utf-8")
        db = tmp_path / "db.sqlite3"
        env = {
            **os.environ,
            "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1",
            "MEDIAWATCH_PER_HOST_DELAY": "0",
            "MEDIAWATCH_EXTRACT_WORKERS": "2",
            # slow-drip (5 000 s) and stall (silent) never finish; every healthy page, a few kB from
            # 127.0.0.1, comes far within these even on a loaded machine
            "MEDIAWATCH_CONNECT_TIMEOUT": "20",
            "MEDIAWATCH_TOTAL_TIMEOUT": "20",
            "MEDIAWATCH_READ_TIMEOUT": "20",
            # the 60 000-item feed needs ~9 s of CPU, a one-item feed under 0.04 s
            "MEDIAWATCH_PARSE_CPU_SECONDS": "1",
            "MEDIAWATCH_CONFIG": str(tmp_path / "none.toml"),
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        }
        env.pop("MEDIAWATCH_DB", None)
        # The peak is read by a small go-between, through wait4 on the collector it started: Linux counts
        # the high-water mark of the address space a child leaves at exec, and a child of this pytest
        # process (several hundred MB after other tests) would inherit that figure.
        rss_file = tmp_path / "peak-rss-kb"
        command = [sys.executable, "-m", "mediawatch.cli", "--db", str(db), "--feeds", str(feeds_dir)]
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(rss_file), *command, "collect"],
            env=env,
            capture_output=True,
            timeout=600,
            check=False,
        )
        peak_mb = int(rss_file.read_text()) / 1024
    finally:
        for server in healthy_servers + hostile_servers:
            server.stop()

    out = done.stdout.decode()
    assert done.returncode == 4, done.stderr.decode()[-3000:]
    assert out.startswith("collect sources=200 "), out[:500]
    assert "Traceback" not in done.stderr.decode()
    assert len(HOSTILE) == 20
    print(f"peak RSS of the largest process of the run: {peak_mb:.0f} MB")
    assert peak_mb < PEAK_RSS_BOUND_MB

    with open_store(f"sqlite:///{db}") as store:
        health = {h.source_id: h for h in store.source_health(datetime.now(UTC), 14)}
        articles = store.list_articles(include_duplicates=True)
        [run] = store.recent_runs("collect")
    for n in range(HEALTHY):
        assert health[f"healthy-{n}"].last_status is FetchStatus.OK, n
    fetched = {a.url for a in articles if a.state is ArticleState.FETCHED}
    assert sum("/a/" in url for url in fetched) == HEALTHY
    for name in hostile_names:
        h = health[name]
        assert h.last_status is not None, name
        if h.last_status is not FetchStatus.OK:
            assert h.events[0].detail, name  # a readable reason
    assert health["charset-koi8r"].last_status is FetchStatus.OK
    assert "declared as koi8-r" in health["charset-koi8r"].events[0].detail
    assert "Retry-After clamped" in health["retry-after-huge"].events[0].detail
    assert "Retry-After clamped" in health["retry-after-9999"].events[0].detail
    assert health["doctype-trick"].last_status is FetchStatus.PARSE_ERROR
    assert health["heavy-feed"].last_status is FetchStatus.PARSE_ERROR
    assert run.status == "failed-sources"
    assert all("EXPANDED" not in (a.summary or "") for a in articles)
