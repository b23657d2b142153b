"""A local HTTP server for tests, with honest routes and hostile ones.  Standard library only.

    with HostileServer() as server:              # 127.0.0.1, a free port, a daemon thread
        url = server.url("/gzip-bomb")
        server.add_route("/f.xml", Response(body=b"<rss/>", headers={"Content-Type": "application/rss+xml"}))
        server.add_route("/dynamic", lambda request: Response(body=request.path.encode()))
        server.serve_directory("/corpus/", some_path)
        server.requests                          # [(method, path, headers), ...] as LoggedRequest tuples

``HostileServer(host="127.0.0.2")`` listens on another loopback address (Linux answers on all of
127.0.0.0/8); ``port=`` picks the port (0: a free one); ``tls=(certfile, keyfile)`` serves HTTPS.

Routes match the path without the query string.  Exact routes win, then the longest
``serve_directory`` prefix, then a plain 404.  A route is a :class:`Response` (served as is) or a
callable taking a :class:`Request` and returning a :class:`Response`.  A response body may be bytes
or an iterable of byte chunks (streamed, chunked encoding unless a Content-Length header is given),
``chunk_delay`` sleeps between chunks, ``raw`` writes bytes verbatim (status line included), and
``reset`` aborts the connection with a TCP RST.

Built-in routes (registered by the constructor; ``add_route`` may replace any of them):

==============================  ======================================================================
``/ok``                         200 ``text/plain`` "ok"
``/feed.xml``                   200 a small valid RSS 2.0 feed
``/slow-drip``                  slow loris: 200, Content-Length 10000, then one byte every
                                ``?interval=`` seconds (0.5 by default)
``/slow-headers``               status line, then one header byte every 0.5 s, never finishing
``/stall``                      headers (Content-Length 100), then silence until the server stops
``/huge``                       honest Content-Length of 64 MiB, zeros streamed in 64 KiB chunks
``/huge-stream``                64 MiB of zeros streamed with chunked encoding, no Content-Length
``/gzip-bomb``                  10 MiB of zeros gzip-compressed (about 10 KB on the wire),
                                ``Content-Encoding: gzip``, ``Content-Type: application/xml``
``/deflate-bomb``               the same with ``Content-Encoding: deflate`` (zlib stream)
``/bad-gzip``                   ``Content-Encoding: gzip`` over bytes that are not gzip
``/redirect-loop``              302 to ``/redirect-loop-b``, which 302s back to ``/redirect-loop``
``/redirect-chain?n=N``         N redirects (302) in a row, then 200 "end of chain"
``/redirect-to?url=U&status=S`` a redirect (302 unless ``status``) to U, taken verbatim
``/redirect-private``           302 to ``http://127.0.0.9:9/feed.xml``, a loopback address nothing listens on,
                                so a policy that admits only 127.0.0.1 must refuse it; never a real private
                                range (10/8, 192.168/16): those may exist on the host's network
``/redirect-loopback``          302 to ``http://127.0.0.1:1/feed.xml``
``/redirect-file``              302 to ``file:///etc/passwd``
``/redirect-no-location``       302 without a Location header
``/charset-lie-utf8``           RSS whose header says utf-8 while the bytes are latin-1
``/charset-lie-latin1``         RSS whose header says iso-8859-1 while the bytes are utf-8
``/charset-lie-koi8r``          RSS whose header says koi8-r while the bytes are utf-8 (every byte is
                                valid koi8-r: only a decode test of the bytes shows the lie)
``/not-a-feed``                 200 an ordinary HTML page
``/billion-laughs``             200 an XML document with nested entity expansion
``/error-500``                  500 Internal Server Error
``/unavailable``                503 with ``Retry-After: 120``
``/unavailable-plain``          503 without Retry-After
``/rate-limited``               429 with ``Retry-After: 30``
``/rate-limited-date``          429 with an HTTP-date Retry-After 60 s after the request
``/cloudflare-challenge``       403 ``server: cloudflare``, ``cf-mitigated: challenge``, "Just a moment..."
``/cloudflare-attention``       403 ``server: cloudflare``, "Attention Required! | Cloudflare" page only
``/datadome``                   403 with an ``x-datadome`` header and a captcha-delivery.com page
``/forbidden``                  403 with an ordinary page (not bot protection)
``/not-found``                  404
``/reset``                      reads the request, then aborts the connection (RST)
``/truncated``                  Content-Length 1000 but only 10 bytes, then close
``/huge-headers``               a 100 KB header line
``/etag``                       honest validators: ETag and Last-Modified follow ``server.honest``;
                                304 when If-None-Match or If-Modified-Since match
``/lying-etag``                 lying validators: ``server.lying.body`` can change but ETag and
                                Last-Modified never do, and a matching If-None-Match gets 304
==============================  ======================================================================
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

from hostile_payloads import (  # noqa: F401 (some are re-exported: tests import them from here)
    _ZEROS,
    BILLION_LAUGHS,
    BOMB_SIZE,
    CHARSET_LIE_LATIN1_BODY,
    CHARSET_LIE_UTF8_BODY,
    CLOUDFLARE_ATTENTION,
    CLOUDFLARE_CHALLENGE,
    DATADOME_PAGE,
    FEED_XML,
    HUGE_SIZE,
    NOT_A_FEED_HTML,
    PLAIN_FORBIDDEN,
    bomb,
)

MiB = 1024 * 1024


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


class LoggedRequest(NamedTuple):
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names


@dataclass
class Request:
    """What a route handler receives."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names
    body: bytes
    server: HostileServer

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}


@dataclass
class Response:
    """What a route answers.  ``headers`` may be a mapping or a list of pairs (to repeat a name)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: Mapping[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    chunk_delay: float = 0.0  # seconds to sleep before each streamed chunk
    raw: Iterable[bytes] | None = None  # written verbatim instead of a response, then the connection closes
    reset: bool = False  # abort the connection with a TCP RST instead of answering
    reason: str | None = None

    def header_pairs(self) -> list[tuple[str, str]]:
        if isinstance(self.headers, Mapping):
            return list(self.headers.items())
        return list(self.headers)


Handler = Callable[[Request], Response]
Route = Response | Handler


class MutableResource:
    """Content a test can change; ``honest`` ones change their validators with it, lying ones never do."""

    def __init__(self, body: bytes, *, honest: bool) -> None:
        self._lock = threading.Lock()
        self.honest = honest
        self._body = body
        self._modified = time.time() - 3600
        self._etag = self._etag_for(body)

    @staticmethod
    def _etag_for(body: bytes) -> str:
        return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    @property
    def body(self) -> bytes:
        return self._body

    @body.setter
    def body(self, value: bytes) -> None:
        with self._lock:
            self._body = value
            if self.honest:
                self._etag = self._etag_for(value)
                self._modified = max(time.time(), self._modified + 1)

    @property
    def etag(self) -> str:
        return self._etag

    @property
    def last_modified(self) -> str:
        return http_date(self._modified)

    def respond(self, request: Request) -> Response:
        with self._lock:
            body, etag, modified = self._body, self._etag, self._modified
        headers = {
            "Content-Type": "application/rss+xml; charset=utf-8",
            "ETag": etag,
            "Last-Modified": http_date(modified),
        }
        if _not_modified(request.headers, etag, modified):
            return Response(304, b"", headers)
        return Response(200, body, headers)


def _not_modified(headers: Mapping[str, str], etag: str, modified: float) -> bool:
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = headers.get("if-modified-since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
        return int(modified) <= since
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (timeouts, aborted downloads, pooled connections closed) are expected here.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HostileServer/1.0"
    timeout = 10  # an idle keep-alive connection is dropped after this many seconds
    wbufsize = 64 * 1024  # headers and a small body leave in one segment; streamed chunks are flushed
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, False)

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_GET
    do_POST = do_GET
    do_PUT = do_GET
    do_DELETE = do_GET

    def _dispatch(self) -> None:
        owner = self.server.owner
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = int(headers.get("content-length", "0") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        owner.requests.append(LoggedRequest(self.command, self.path, headers))
        request = Request(self.command, self.path, headers, body, owner)
        try:
            self._send(owner._respond(request))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            self.close_connection = True

    def _sleep(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the server stops first; False when it is stopping."""
        stopping = self.server.owner._stopping
        if seconds > 0:
            return not stopping.wait(seconds)
        return not stopping.is_set()

    def _send(self, response: Response) -> None:
        if response.reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()  # the descriptor closes with the handler's files: RST, no FIN
            self.close_connection = True
            return
        if response.raw is not None:
            self.wfile.flush()
            self.close_connection = True
            for piece in response.raw:
                if not self._sleep(response.chunk_delay):
                    return
                self.wfile.write(piece)
                self.wfile.flush()
            return
        pairs = response.header_pairs()
        names = {name.lower() for name, _ in pairs}
        self.send_response(response.status, response.reason)
        for name, value in pairs:
            self.send_header(name, value)
        head_only = self.command == "HEAD" or response.status in (204, 304)
        if isinstance(response.body, bytes | bytearray):
            if "content-length" not in names and response.status not in (204, 304):
                self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head_only:
                self._write_chunks([bytes(response.body)], response.chunk_delay, chunked=False)
            self.wfile.flush()
            return
        chunked = "content-length" not in names
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True  # a stream may stop short of its Content-Length
        if not head_only:
            self._write_chunks(response.body, response.chunk_delay, chunked=chunked)

    def _write_chunks(self, chunks: Iterable[bytes], delay: float, *, chunked: bool) -> None:
        for chunk in chunks:
            if not chunk:
                continue
            if not self._sleep(delay):
                self.close_connection = True
                return
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                self.wfile.write(chunk)
            self.wfile.flush()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()


class HostileServer:
    """A threaded HTTP server on a loopback address; see the module docstring."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: tuple[str | Path, str | Path] | None = None
    ) -> None:
        self.host = host
        self._port = port
        self._tls = tls
        self.requests: list[LoggedRequest] = []
        self.honest = MutableResource(FEED_XML, honest=True)
        self.lying = MutableResource(FEED_XML, honest=False)
        self._routes: dict[str, Route] = {}
        self._directories: dict[str, Path] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._install_builtin_routes()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> HostileServer:
        server = _Server((self.host, self._port), _RequestHandler)
        server.owner = self
        if self._tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self._tls[0]), str(self._tls[1]))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="hostile-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._connections_lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, opened: bool) -> None:
        with self._connections_lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        scheme = "https" if self._tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- routes ---------------------------------------------------------------------------------

    def add_route(self, path: str, route: Route) -> None:
        """Serve ``route`` (a Response, or a callable Request -> Response) at ``path``."""
        self._routes[path] = route

    def add_static(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "text/plain; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.add_route(path, Response(status, body, {"Content-Type": content_type, **(headers or {})}))

    def serve_directory(self, prefix: str, path: str | Path) -> None:
        """Serve the files under ``path`` at ``prefix`` (honest ETag / Last-Modified, 304s, no listing)."""
        prefix = "/" + prefix.strip("/") + "/"
        self._directories[prefix] = Path(path).resolve()

    def requests_for(self, path: str) -> list[LoggedRequest]:
        """Logged requests whose path (query string ignored) is ``path``."""
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def _respond(self, request: Request) -> Response:
        route = self._routes.get(request.route)
        if route is not None:
            return route if isinstance(route, Response) else route(request)
        for prefix in sorted(self._directories, key=len, reverse=True):
            if request.route.startswith(prefix):
                return self._file_response(self._directories[prefix], request.route[len(prefix) :], request)
        return Response(404, b"not found\n", {"Content-Type": "text/plain"})

    @staticmethod
    def _file_response(root: Path, relative: str, request: Request) -> Response:
        target = (root / unquote(relative)).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            return Response(404, b"not found\n", {"Content-Type": "text/plain"})
        stat = target.stat()
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        headers = {"Content-Type": ctype, "ETag": etag, "Last-Modified": http_date(stat.st_mtime)}
        if _not_modified(request.headers, etag, stat.st_mtime):
            return Response(304, b"", headers)
        return Response(200, target.read_bytes(), headers)

    # -- built-in routes ------------------------------------------------------------------------

    def _install_builtin_routes(self) -> None:
        text = {"Content-Type": "text/plain; charset=utf-8"}
        html = {"Content-Type": "text/html; charset=utf-8"}
        rss = {"Content-Type": "application/rss+xml; charset=utf-8"}
        add = self.add_route
        add("/ok", Response(200, b"ok", text))
        add("/feed.xml", Response(200, FEED_XML, rss))
        add("/slow-drip", _slow_drip)
        add("/slow-headers", _slow_headers)
        add("/stall", _stall)
        add("/huge", lambda r: Response(200, _zeros(HUGE_SIZE), {**text, "Content-Length": str(HUGE_SIZE)}))
        add("/huge-stream", lambda r: Response(200, _zeros(HUGE_SIZE), text))
        add("/gzip-bomb", lambda r: _bomb_response("gzip"))
        add("/deflate-bomb", lambda r: _bomb_response("deflate"))
        add("/bad-gzip", Response(200, b"this is not gzip at all" * 10, {**text, "Content-Encoding": "gzip"}))
        add("/redirect-loop", Response(302, b"", {"Location": "/redirect-loop-b"}))
        add("/redirect-loop-b", Response(302, b"", {"Location": "/redirect-loop"}))
        add("/redirect-chain", _redirect_chain)
        add("/redirect-to", _redirect_to)
        add("/redirect-private", Response(302, b"", {"Location": "http://127.0.0.9:9/feed.xml"}))
        add("/redirect-loopback", Response(302, b"", {"Location": "http://127.0.0.1:1/feed.xml"}))
        add("/redirect-file", Response(302, b"", {"Location": "file:///etc/passwd"}))
        add("/redirect-no-location", Response(302, b"moved somewhere", text))
        add(
            "/charset-lie-utf8",
            Response(200, CHARSET_LIE_UTF8_BODY, {"Content-Type": "application/rss+xml; charset=utf-8"}),
        )
        add(
            "/charset-lie-latin1",
            Response(
                200, CHARSET_LIE_LATIN1_BODY, {"Content-Type": "application/rss+xml; charset=iso-8859-1"}
            ),
        )
        add(
            "/charset-lie-koi8r",
            Response(200, CHARSET_LIE_LATIN1_BODY, {"Content-Type": "application/rss+xml; charset=koi8-r"}),
        )
        add("/not-a-feed", Response(200, NOT_A_FEED_HTML, html))
        add("/billion-laughs", Response(200, BILLION_LAUGHS, {"Content-Type": "application/xml"}))
        add("/error-500", Response(500, b"<h1>Internal Server Error</h1>", html))
        add("/unavailable", Response(503, b"down for maintenance", {**text, "Retry-After": "120"}))
        add("/unavailable-plain", Response(503, b"down for maintenance", text))
        add("/rate-limited", Response(429, b"slow down", {**text, "Retry-After": "30"}))
        add(
            "/rate-limited-date",
            lambda r: Response(429, b"slow down", {**text, "Retry-After": http_date(time.time() + 60)}),
        )
        add(
            "/cloudflare-challenge",
            Response(
                403,
                CLOUDFLARE_CHALLENGE,
                {**html, "Server": "cloudflare", "cf-mitigated": "challenge", "CF-RAY": "8a1b2c3d4e5f-CDG"},
            ),
        )
        add("/cloudflare-attention", Response(403, CLOUDFLARE_ATTENTION, {**html, "Server": "cloudflare"}))
        add("/datadome", Response(403, DATADOME_PAGE, {**html, "X-DataDome": "protected", "X-DD-B": "1"}))
        add("/forbidden", Response(403, PLAIN_FORBIDDEN, html))
        add("/not-found", Response(404, b"<h1>Not Found</h1>", html))
        add("/reset", Response(reset=True))
        add(
            "/truncated",
            Response(
                raw=[b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789"]
            ),
        )
        add("/huge-headers", Response(raw=[b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\nok"]))
        add("/etag", self.honest.respond)
        add("/lying-etag", self.lying.respond)


def _zeros(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = _ZEROS[: min(len(_ZEROS), total - sent)]
        sent += len(piece)
        yield piece


def _bomb_response(encoding: str) -> Response:
    data = bomb(encoding)
    return Response(
        200,
        data,
        {"Content-Type": "application/xml", "Content-Encoding": encoding, "Content-Length": str(len(data))},
    )


def _slow_drip(request: Request) -> Response:
    interval = float(request.query.get("interval", "0.5"))
    return Response(
        200,
        (b"x" for _ in range(10_000)),
        {"Content-Type": "text/plain", "Content-Length": "10000"},
        chunk_delay=interval,
    )


def _slow_headers(request: Request) -> Response:
    header = b"X-Drip: " + b"a" * 5000
    return Response(
        raw=[b"HTTP/1.1 200 OK\r\n", *(header[i : i + 1] for i in range(len(header)))], chunk_delay=0.5
    )


def _stall(request: Request) -> Response:
    def forever() -> Iterator[bytes]:
        request.server._stopping.wait(60)
        yield b""

    return Response(200, forever(), {"Content-Type": "text/plain", "Content-Length": "100"})


def _redirect_chain(request: Request) -> Response:
    n = int(request.query.get("n", "0"))
    if n <= 0:
        return Response(200, b"end of chain", {"Content-Type": "text/plain"})
    return Response(302, b"", {"Location": f"/redirect-chain?n={n - 1}"})


def _redirect_to(request: Request) -> Response:
    status = int(request.query.get("status", "302"))
    return Response(status, b"", {"Location": request.query.get("url", "/ok")})
