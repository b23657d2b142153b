"""A local news web for the collector benchmark: many loopback hosts, real pages, artificial latency.

Run as its own process (``python -m bench.server ...``) so that its CPU is not counted as the
collector's; :class:`ServerProcess` does that for the harness. Every feed lives on one of ``hosts``
loopback addresses (127.0.0.2, 127.0.0.3, ...; Linux routes all of 127.0.0.0/8 to ``lo``), so the
collector's per-host politeness sees as many distinct hosts as a real run would. One port, the same on
every address.

Served, each after ``latency`` seconds (except ``/__bench/stats``):

* ``/feed.xml`` (when a host carries one feed) or ``/feed-<k>.xml``: RSS 2.0 with ``items`` entries,
  each with a link to an article on the same host and a pubDate; strong ETag and Last-Modified,
  ``304 Not Modified`` on a matching ``If-None-Match`` (or ``If-Modified-Since`` without it);
* ``/a/<n>.html``: article ``n``, the HTML of a real captured page from ../shared/corpus (the pages are
  cycled) with ``n`` written into its ``<title>`` so that no two articles are byte-identical;
* ``/robots.txt``: allow everything;
* ``/__bench/stats``: request counts as JSON, for the harness.

Pages go out uncompressed and with ``Content-Type: text/html`` (no charset, so the page's own
``<meta charset>`` decides, as the corpus captured it).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from aiohttp import web

    _Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CORPUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
READABILITY_GLOB = "readability_test_pages/*/source.html.gz"
TRAFILATURA_GLOB = "trafilatura_eval_en_fr_es/html/*.gz"
# The readability set mixes real captured pages with tiny synthetic unit cases (a few hundred bytes to
# ~4 KB: "ol", "replace-brs", ...). Those are not news pages; the smallest real page here is ~8 KB.
MIN_PAGE_BYTES = 8000
FIRST_ADDRESS = ipaddress.IPv4Address("127.0.0.2")
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
_TITLE_END = re.compile(rb"</title\s*>", re.IGNORECASE)
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------
# Pages and layout (pure; the harness uses them too, to measure extraction on the very same bytes)


def corpus_missing(corpus: Path = CORPUS_DIR) -> str | None:
    """Why the benchmark cannot run here, or None when the corpus is present."""
    for pattern in (READABILITY_GLOB, TRAFILATURA_GLOB):
        if not any(corpus.glob(pattern)):
            return f"corpus not found: no {pattern} under {corpus} (a checkout outside this workplace?)"
    return None


@dataclass(frozen=True, slots=True)
class BasePage:
    """One corpus page, split where the per-article marker goes."""

    name: str
    head: bytes
    tail: bytes
    in_title: bool  # the marker lands inside <title> (else in a comment before </head> or at the top)

    def render(self, n: int) -> bytes:
        label = f"mediawatch bench article {n}"
        marker = f" [{label}]" if self.in_title else f"<!-- {label} -->"
        return self.head + marker.encode("ascii") + self.tail


def _split(name: str, raw: bytes) -> BasePage:
    match = _TITLE_END.search(raw)
    if match:
        return BasePage(name, raw[: match.start()], raw[match.start() :], True)
    match = _HEAD_END.search(raw)
    cut = match.start() if match else 0
    return BasePage(name, raw[:cut], raw[cut:], False)


def load_base_pages(corpus: Path = CORPUS_DIR, min_bytes: int = MIN_PAGE_BYTES) -> list[BasePage]:
    """The real pages of the corpus, in a fixed order (readability cases, then trafilatura's)."""
    pages: list[BasePage] = []
    for pattern in (READABILITY_GLOB, TRAFILATURA_GLOB):
        for path in sorted(corpus.glob(pattern)):
            raw = gzip.decompress(path.read_bytes())
            if len(raw) < min_bytes:
                continue
            name = path.parent.name if path.name == "source.html.gz" else path.name.removesuffix(".gz")
            pages.append(_split(name, raw))
    return pages


@dataclass(frozen=True, slots=True)
class Layout:
    """Which feed sits on which host, and which articles each feed lists."""

    feeds: int
    items: int
    hosts: int
    port: int = 0

    @property
    def articles(self) -> int:
        return self.feeds * self.items

    def address(self, host: int) -> str:
        return str(FIRST_ADDRESS + host)

    def host_of_feed(self, k: int) -> int:
        return k % self.hosts

    def feed_path(self, k: int) -> str:
        return "/feed.xml" if self.feeds <= self.hosts else f"/feed-{k}.xml"

    def feed_url(self, k: int) -> str:
        return f"http://{self.address(self.host_of_feed(k))}:{self.port}{self.feed_path(k)}"

    def article_url(self, n: int) -> str:
        k = n // self.items
        return f"http://{self.address(self.host_of_feed(k))}:{self.port}/a/{n}.html"

    def feed_articles(self, k: int) -> range:
        return range(k * self.items, (k + 1) * self.items)


def base_index(n: int, pages: int) -> int:
    """Article n shows corpus page n mod len(pages)."""
    return n % pages


def render_feed(layout: Layout, k: int, pages: list[BasePage], anchor: datetime) -> bytes:
    """RSS 2.0 for feed k: newest first, one item every 10 minutes back from ``anchor``."""
    items = []
    for i, n in enumerate(layout.feed_articles(k)):
        url = escape(layout.article_url(n))
        when = format_datetime(anchor - timedelta(minutes=10 * i), usegmt=True)
        source = escape(pages[base_index(n, len(pages))].name)
        items.append(
            f"<item><title>Benchmark article {n} ({source})</title><link>{url}</link>"
            f'<guid isPermaLink="true">{url}</guid><pubDate>{when}</pubDate>'
            f"<description>Summary of benchmark article {n}, a copy of corpus page {source}.</description>"
            "</item>"
        )
    base = f"http://{layout.address(layout.host_of_feed(k))}:{layout.port}/"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Benchmark feed {k}</title><link>{base}</link>"
        "<description>mediawatch benchmark feed</description>"
        f"<language>en</language><lastBuildDate>{format_datetime(anchor, usegmt=True)}</lastBuildDate>"
        + "".join(items)
        + "</channel></rss>\n"
    ).encode()


# ---------------------------------------------------------------------------------------------------
# The server (runs in its own process)


async def serve(layout: Layout, latency: float, pages: list[BasePage], ready: dict[str, object]) -> None:
    from aiohttp import web  # imported here: the harness imports this module without serving

    anchor = datetime.now(UTC).replace(second=0, microsecond=0)
    sockets = _bind_all(layout)
    layout = Layout(layout.feeds, layout.items, layout.hosts, sockets[0].getsockname()[1])
    feeds = [render_feed(layout, k, pages, anchor) for k in range(layout.feeds)]
    etags = [f'"{hashlib.sha256(body).hexdigest()[:32]}"' for body in feeds]
    last_modified = format_datetime(anchor, usegmt=True)
    single_feed = {layout.address(layout.host_of_feed(k)): k for k in range(layout.feeds)}
    counts: Counter[str] = Counter()

    @web.middleware
    async def delay(request: web.Request, handler: _Handler) -> web.StreamResponse:
        if not request.path.startswith("/__bench/"):
            await asyncio.sleep(latency)
        return await handler(request)

    def feed_response(request: web.Request, k: int) -> web.Response:
        headers = {"ETag": etags[k], "Last-Modified": last_modified, "Cache-Control": "max-age=0"}
        inm = request.headers.get("If-None-Match")
        ims = request.headers.get("If-Modified-Since")
        if (inm is not None and etags[k] in (t.strip() for t in inm.split(","))) or (
            inm is None and ims == last_modified
        ):
            counts["feed_304"] += 1
            return web.Response(status=304, headers=headers)
        counts["feed_200"] += 1
        return web.Response(
            body=feeds[k], content_type="application/rss+xml", charset="utf-8", headers=headers
        )

    async def feed_of_host(request: web.Request) -> web.Response:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        k = single_feed.get(sockname[0]) if sockname else None
        if k is None or layout.feeds > layout.hosts:
            counts["not_found"] += 1
            raise web.HTTPNotFound()
        return feed_response(request, k)

    async def numbered_feed(request: web.Request) -> web.Response:
        k = int(request.match_info["k"])
        if not 0 <= k < layout.feeds:
            counts["not_found"] += 1
            raise web.HTTPNotFound()
        return feed_response(request, k)

    async def article(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if not 0 <= n < layout.articles:
            counts["not_found"] += 1
            raise web.HTTPNotFound()
        counts["page"] += 1
        body = pages[base_index(n, len(pages))].render(n)
        return web.Response(body=body, headers={"Content-Type": "text/html"})

    async def robots(request: web.Request) -> web.Response:
        counts["robots"] += 1
        return web.Response(body=ROBOTS_TXT, content_type="text/plain", charset="utf-8")

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    app = web.Application(middlewares=[delay])
    app.router.add_get("/feed.xml", feed_of_host)
    app.router.add_get(r"/feed-{k:\d+}.xml", numbered_feed)
    app.router.add_get(r"/a/{n:\d+}.html", article)
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/__bench/stats", stats)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    for sock in sockets:
        await web.SockSite(runner, sock, backlog=1024).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    ready.update(
        port=layout.port,
        pid=os.getpid(),
        feeds=[layout.feed_url(k) for k in range(layout.feeds)],
        articles=layout.articles,
        pages=len(pages),
        stats_url=f"http://{layout.address(0)}:{layout.port}/__bench/stats",
    )
    print(json.dumps(ready), flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _bind_all(layout: Layout, attempts: int = 10) -> list[socket.socket]:
    """One listening socket per host address, all on the same (free) port."""
    used = min(layout.hosts, layout.feeds)
    last_error: OSError | None = None
    for _ in range(attempts):
        sockets: list[socket.socket] = []
        try:
            port = 0
            for host in range(used):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((layout.address(host), port))
                port = sock.getsockname()[1]
            return sockets
        except OSError as exc:  # the port chosen for the first address is taken on another one
            last_error = exc
            for sock in sockets:
                sock.close()
    raise OSError(f"cannot bind {used} loopback addresses on one port: {last_error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--hosts", type=int, default=0, help="loopback hosts (default: one per feed)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before every response")
    args = parser.parse_args(argv)
    if reason := corpus_missing():
        print(json.dumps({"error": reason}), flush=True)
        return 2
    hosts = args.hosts or args.feeds
    if not 1 <= hosts <= 60000:
        parser.error("--hosts must be between 1 and 60000")
    asyncio.run(serve(Layout(args.feeds, args.items, hosts), args.latency, load_base_pages(), {}))
    return 0


# ---------------------------------------------------------------------------------------------------
# Harness side


class ServerProcess:
    """``with ServerProcess(feeds, items, hosts, latency) as server``: the server in a child process."""

    def __init__(self, feeds: int, items: int, hosts: int, latency: float) -> None:
        self.args = [
            "--feeds",
            str(feeds),
            "--items",
            str(items),
            "--hosts",
            str(hosts),
            "--latency",
            str(latency),
        ]
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, object] = {}

    def __enter__(self) -> ServerProcess:
        cwd = Path(__file__).resolve().parents[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", *self.args], cwd=cwd, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.__exit__(None, None, None)
            raise RuntimeError("benchmark server exited before it was ready")
        self.info = json.loads(line)
        if "error" in self.info:
            self.__exit__(None, None, None)
            raise RuntimeError(f"benchmark server: {self.info['error']}")
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def feed_urls(self) -> list[str]:
        return [str(u) for u in self.info["feeds"]]  # type: ignore[attr-defined]

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(str(self.info["stats_url"]), timeout=10) as response:
            return {str(k): int(v) for k, v in json.load(response).items()}

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


if __name__ == "__main__":
    sys.exit(main())
