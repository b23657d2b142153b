"""A tiny static HTTP server for the demo website (standard library only, no side effect on import).

It serves ``SITE_DIR`` (or another root) the way a well-behaved news site would:

* Content-Type from the file suffix (``.atom`` Atom, HTML, text, PDF); an ``.xml`` file is served as RSS
  unless its root element is ``<feed>`` (Atom) or not a feed at all (``application/xml``, e.g. the sitemap);
* placeholders substituted in text files (``.xml``, ``.atom``, ``.html``, ``.txt``):
  ``{{BASE}}`` -> ``http://127.0.0.1:PORT``, ``{{BASE_QUOTED}}`` -> the same, percent-encoded for a
  query string, and dates relative to the server's anchor day (``today``, default: the current UTC
  date) so that the demo always looks fresh: ``{{RFC822:-3T09:30}}`` (feeds), ``{{ISO:-3T09:30}}``
  (Atom, HTML metadata), ``{{DATE_FR:-3}}``, ``{{DATE_EN:-3}}``, ``{{DATE_ES:-3}}`` (visible dates) and
  ``{{YEAR:0}}``; the number is a day offset from the anchor day, the optional time is UTC;
* strong ``ETag`` and ``Last-Modified`` validators, answering ``304 Not Modified`` to
  ``If-None-Match`` (which wins when both are sent) or ``If-Modified-Since``;
* "pretty" URLs: ``/a/b`` and ``/a/b/`` serve ``a/b.html``; a directory serves its ``index.html``;
* ``/redirect?url=<absolute http(s) URL>``: a 302 to that URL, like a news aggregator's click wrapper;
* 404 for anything else, 403 for path traversal (``..``, backslashes, escaping symlinks).
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import re
import socket
import threading
import urllib.parse
from datetime import UTC, date, datetime, time, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import cast

logger = logging.getLogger(__name__)

SITE_DIR: Path = Path(__file__).resolve().parent / "site"

TEMPLATED_SUFFIXES = frozenset({".xml", ".atom", ".html", ".txt"})

CONTENT_TYPES: dict[str, str] = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
}

_MONTHS = {
    "FR": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "EN": "January February March April May June July August September October November December".split(),
    "ES": (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
    ),
}

_ROOT_ELEMENT = re.compile(rb"<([A-Za-z][\w:.-]*)")

_PLACEHOLDER = re.compile(
    r"\{\{(?:(?P<base>BASE|BASE_QUOTED)"
    r"|(?P<fmt>RFC822|ISO|DATE_FR|DATE_EN|DATE_ES|YEAR):(?P<days>[+-]?\d{1,4})"
    r"(?:T(?P<hh>\d{2}):(?P<mm>\d{2}))?)\}\}"
)


def content_type(suffix: str, body: bytes) -> str:
    """Content-Type from the suffix; ``.xml`` is RSS unless the root element says Atom or other XML."""
    if suffix == ".xml":
        match = _ROOT_ELEMENT.search(body[:2048])
        root = match.group(1).decode("ascii").lower() if match else "rss"
        if root == "feed":
            return CONTENT_TYPES[".atom"]
        if root not in ("rss", "rdf:rdf"):
            return "application/xml; charset=utf-8"
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def render_template(text: str, base_url: str, today: date) -> str:
    """Substitute the placeholders described in the module docstring."""

    def replace(match: re.Match[str]) -> str:
        base = match.group("base")
        if base == "BASE":
            return base_url
        if base == "BASE_QUOTED":
            return urllib.parse.quote(base_url, safe="")
        day = today + timedelta(days=int(match.group("days")))
        hour, minute = int(match.group("hh") or 8), int(match.group("mm") or 0)
        moment = datetime.combine(day, time(hour, minute), tzinfo=UTC)
        fmt = match.group("fmt")
        if fmt == "RFC822":
            return email.utils.format_datetime(moment)
        if fmt == "ISO":
            return moment.isoformat()
        if fmt == "YEAR":
            return str(day.year)
        month = _MONTHS[fmt[-2:]][day.month - 1]
        if fmt == "DATE_EN":
            return f"{day.day} {month} {day.year}"
        if fmt == "DATE_ES":
            return f"{day.day} de {month} de {day.year}"
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"

    return _PLACEHOLDER.sub(replace, text)


# Not in errors.py: private control flow of the demo site's request handler (it answers 403).
class _Forbidden(Exception):
    """The request path tries to leave the site root."""


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], root: Path, today: date, family: socket.AddressFamily
    ) -> None:
        self.address_family = family
        self.root = root
        self.today = today
        self.base_url = ""
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server_version = "mediawatch-demo/0.1"
    sys_version = ""

    @property
    def site(self) -> _SiteHTTPServer:
        return cast(_SiteHTTPServer, self.server)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    # -- routing ---------------------------------------------------------------------------------

    def _serve(self, head: bool) -> None:
        split = urllib.parse.urlsplit(self.path)
        if split.path == "/redirect":
            self._redirect(split.query, head)
            return
        try:
            file = self._resolve(split.path)
        except _Forbidden:
            self._error(HTTPStatus.FORBIDDEN, "Path traversal refused.", head)
            return
        if file is None:
            self._error(HTTPStatus.NOT_FOUND, "No such page on this demo site.", head)
            return
        self._send_file(file, head)

    def _resolve(self, url_path: str) -> Path | None:
        path = urllib.parse.unquote(url_path)
        if "\\" in path or "\x00" in path:
            raise _Forbidden
        parts = [p for p in path.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise _Forbidden
        if any(p.startswith(".") for p in parts):
            return None
        root = self.site.root
        candidate = root.joinpath(*parts)
        options = [candidate / "index.html"]
        if parts and not path.endswith("/"):
            options.insert(0, candidate)  # "/file.html/" is not a page
        if parts and not candidate.name.endswith(".html"):
            options.append(candidate.parent / f"{candidate.name}.html")
        for option in options:
            resolved = option.resolve()
            if not resolved.is_relative_to(root):
                raise _Forbidden
            if resolved.is_file():
                return resolved
        return None

    def _redirect(self, query: str, head: bool) -> None:
        target = urllib.parse.parse_qs(query).get("url", [""])[0]
        parsed = urllib.parse.urlsplit(target)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            self._error(HTTPStatus.BAD_REQUEST, "redirect needs url=<absolute http(s) URL>.", head)
            return
        body = _html_page("Redirecting", f'Redirecting to <a href="{_attr(target)}">the article</a>.')
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", target)
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self._write(body, head)

    # -- responses -------------------------------------------------------------------------------

    def _send_file(self, file: Path, head: bool) -> None:
        suffix = file.suffix.lower()
        body = file.read_bytes()
        modified = int(file.stat().st_mtime)
        if suffix in TEMPLATED_SUFFIXES:
            body = render_template(body.decode("utf-8"), self.site.base_url, self.site.today).encode("utf-8")
            anchor = datetime.combine(self.site.today, time(0, 0), tzinfo=UTC)
            modified = max(modified, int(anchor.timestamp()))  # the anchor day changes the content
        etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        last_modified = email.utils.formatdate(modified, usegmt=True)
        if self._not_modified(etag, modified):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(suffix, body))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.end_headers()
        self._write(body, head)

    def _not_modified(self, etag: str, modified: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110 13.1.3: If-None-Match wins over If-Modified-Since
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return modified <= since.timestamp()
        return False

    def _error(self, status: HTTPStatus, message: str, head: bool) -> None:
        body = _html_page(f"{status.value} {status.phrase}", message)
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._write(body, head)

    def _write(self, body: bytes, head: bool) -> None:
        if head:
            return
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("client went away before the end of %s", self.path)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _html_page(title: str, message: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body><h1>{title}</h1><p>{message}</p></body>\n</html>\n"
    ).encode()


class DemoServer:
    """The demo site on a local port, in a daemon thread. Use as a context manager or start()/stop().

    ``port=0`` picks a free port; ``base_url`` is known once started. ``today`` pins the anchor day of
    the relative dates (default: the current UTC date, fixed for the server's lifetime).
    """

    def __init__(
        self,
        root: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        today: date | None = None,
    ) -> None:
        self.root = (root if root is not None else SITE_DIR).resolve()
        self.host = host
        self.port = port
        self.today = today
        self._httpd: _SiteHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url = ""

    @property
    def base_url(self) -> str:
        if not self._base_url:
            raise RuntimeError("DemoServer.base_url is only known once the server is started")
        return self._base_url

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        if not self.root.is_dir():
            raise FileNotFoundError(f"demo site directory not found: {self.root}")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        today = self.today or datetime.now(UTC).date()
        httpd = _SiteHTTPServer((self.host, self.port), self.root, today, family)
        port = int(httpd.server_address[1])
        shown = self.host if self.host not in ("", "0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
        if ":" in shown:
            shown = f"[{shown}]"
        httpd.base_url = f"http://{shown}:{port}"
        self._httpd, self._base_url = httpd, httpd.base_url
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="mediawatch-demo-server",
            daemon=True,
        )
        self._thread.start()
        logger.debug("demo site %s served at %s", self.root, self._base_url)
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


_FEEDS: tuple[dict[str, object], ...] = (
    {
        "file": "terres-vivantes.xml",
        "id": "demo-terres-vivantes",
        "name": "Terres Vivantes",
        "kind": "rss",
        "language": "fr",
        "country": "FR",
        "region": "europe",
        "outlet_type": "press",
        "tags": ("demo", "agriculture", "soil"),
    },
    {
        "file": "soil-matters.atom",
        "id": "demo-soil-matters",
        "name": "Soil Matters",
        "kind": "atom",
        "language": "en",
        "country": "GB",
        "region": "europe",
        "outlet_type": "press",
        "tags": ("demo", "agriculture", "soil", "climate"),
    },
    {
        "file": "suelo-vivo.xml",
        "id": "demo-suelo-vivo",
        "name": "Suelo Vivo",
        "kind": "rss",
        "language": "es",
        "country": "AR",
        "region": "latin_america",
        "outlet_type": "press",
        "tags": ("demo", "agriculture", "soil"),
    },
    {
        "file": "news-search-4p1000.xml",
        "id": "demo-news-search-4p1000",
        "name": 'News search: "4 per 1000"',
        "kind": "news-search",
        "language": "en",  # the search edition; items come in French, English and Spanish
        "country": "",
        "region": "global",
        "outlet_type": "press",
        "tags": ("demo", "news-search", "4p1000"),
    },
    {
        "file": "agro-institut.xml",
        "id": "demo-agro-institut",
        "name": "Institut Agro-Écologique des Territoires (IAET)",
        "kind": "rss",
        "language": "fr",  # some items are in English
        "country": "FR",
        "region": "global",
        "outlet_type": "institutional",
        "tags": ("demo", "research", "soil"),
    },
    {
        "file": "broken.xml",  # truncated download: not well-formed, no entry recoverable
        "id": "demo-agri-climat-hebdo",
        "name": "Agri-Climat Hebdo",
        "kind": "rss",
        "language": "fr",
        "country": "BE",
        "region": "europe",
        "outlet_type": "press",
        "tags": ("demo", "broken"),
    },
    {
        "file": "not-a-feed.html",  # an HTML page registered as if it were a feed
        "id": "demo-chambre-agriculture",
        "name": "Chambre d'agriculture de la Haute-Vallée",
        "kind": "rss",
        "language": "fr",
        "country": "FR",
        "region": "europe",
        "outlet_type": "institutional",
        "tags": ("demo", "broken"),
    },
)

SOURCE_KEYS = ("id", "name", "url", "kind", "language", "country", "region", "outlet_type", "tags")


def demo_sources(base_url: str) -> list[dict[str, object]]:
    """Registry entries for the demo feeds, shaped like ``[[source]]`` tables of ``feeds/*.toml``.

    Plain TOML-friendly values (strings, lists of strings). Includes the two deliberately bad sources:
    a truncated feed and an HTML page registered as a feed.
    """
    base = base_url.rstrip("/")
    entries: list[dict[str, object]] = []
    for feed in _FEEDS:
        entry = {key: list(value) if isinstance(value, tuple) else value for key, value in feed.items()}
        entry["url"] = f"{base}/feeds/{entry['file']}"
        entries.append({key: entry[key] for key in SOURCE_KEYS})
    return entries
