"""The HTTP fetcher: one aiohttp session, every response treated as hostile.

``Fetcher.get`` returns a :class:`FetchResult` for 2xx and 304 answers and raises
:class:`~mediawatch.errors.FetchError` for everything else, with a :class:`FetchStatus` saying how it
failed and a ``detail`` saying what, where and why.  Choices worth knowing:

* Only ``http`` and ``https`` URLs are fetched; any other scheme, an unparsable URL, a redirect
  without ``Location`` or to another scheme fails with ``FetchStatus.CONNECTION``.
* The address policy of :mod:`mediawatch.collect.netguard` is applied to the URL of every hop and,
  through the connector's resolver, to every resolved address.
* Redirects are followed by hand (301, 302, 303, 307, 308), at most ``Settings.max_redirects``;
  one more, or a hop back to a URL already visited, is ``REDIRECT_LOOP``.  Conditional headers are
  kept across hops: the validators a caller holds came from the final URL of its previous fetch.
* Body size is counted after decompression while streaming; past ``max_bytes`` the connection is
  dropped (``TOO_LARGE``), so a gzip bomb costs at most about ``max_bytes`` of memory.
* ``Settings.total_timeout`` bounds the whole call (every hop, headers and body), which is what stops
  a server dripping one byte at a time; ``connect_timeout`` and ``read_timeout`` bound each step.
* No cookies are kept: a site cannot plant state that changes later fetches.

Statuses: DNS failure ``DNS``; TLS or certificate failure ``TLS``; refused, reset or truncated
connections and undecodable bodies ``CONNECTION``; any timeout ``TIMEOUT``; refused address
``PRIVATE_ADDRESS``; 403/503 bot-protection pages (:func:`looks_like_bot_protection`)
``BLOCKED_BY_BOT_PROTECTION``; 429, and 503 with a valid Retry-After, ``RATE_LIMITED``; other 5xx
``HTTP_5XX``; other 4xx ``HTTP_4XX``.  ``http_status`` is set whenever a status line was received for
the failing hop, ``retry_after`` whenever the answer carried a valid Retry-After, capped at
``decide.MAX_WAIT`` (7 days; the detail then says "Retry-After clamped").
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Final

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from mediawatch.collect.decide import MAX_WAIT, bounded_wait
from mediawatch.collect.netguard import AddressPolicy, AddressRefused, GuardedResolver, check_url, policy_for
from mediawatch.config import Settings
from mediawatch.errors import FetchError
from mediawatch.types import FetchStatus

try:
    from aiohttp.compression_utils import HAS_BROTLI, HAS_ZSTD
except ImportError:  # pragma: no cover - older aiohttp layouts
    HAS_BROTLI = HAS_ZSTD = False

# Offer only what aiohttp can decode (the brotli and backports.zstd packages are dependencies): a server
# that sends br or zstd anyway would otherwise cost a "connection" error.
ACCEPT_ENCODING: Final = ", ".join(
    ["gzip", "deflate"] + (["br"] if HAS_BROTLI else []) + (["zstd"] if HAS_ZSTD else [])
)
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
SNIFF_BYTES: Final = 32 * 1024  # how much of an error page is read to recognise bot protection
_CHUNK: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful (2xx) or not-modified (304) answer."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes  # content-decoded, at most max_bytes; b"" for 304
    elapsed_ms: int
    redirects: tuple[str, ...]  # the URLs redirected to, in order; the last one is final_url


# ---------------------------------------------------------------------------------------------------
# Pure helpers


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Seconds to wait according to a Retry-After value (delta-seconds or HTTP-date).

    Never negative (a date in the past gives 0.0); None for anything unparsable.  ``now`` should be
    aware; a naive one is taken as UTC.
    """
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if text.isascii() and text.isdigit():
        try:
            return float(int(text))
        except OverflowError:
            return None
    try:
        when = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # HTTP-dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


# Markers, lower-cased.  Header checks are cheap and reliable; body markers need an error status.
_BODY_MARKERS: Final[tuple[tuple[str, str], ...]] = (
    ("just a moment...", "Cloudflare challenge"),
    ("attention required! | cloudflare", "Cloudflare block page"),
    ("cf-chl-", "Cloudflare challenge"),
    ("/cdn-cgi/challenge-platform/", "Cloudflare challenge"),
    ("checking your browser before accessing", "browser check"),
    ("captcha-delivery.com", "DataDome"),
    ("datadome", "DataDome"),
    ("perimeterx", "PerimeterX"),
    ("px-captcha", "PerimeterX"),
    ("_pxappid", "PerimeterX"),
    ("access to this page has been denied", "PerimeterX"),
    ("_incapsula_resource", "Imperva Incapsula"),
    ("incapsula incident id", "Imperva Incapsula"),
    ("pardon our interruption", "Imperva / Distil"),
    ("sucuri website firewall", "Sucuri"),
    ("ddos-guard", "DDoS-Guard"),
    ("captcha", "captcha page"),
)
_AKAMAI_DENIED: Final = re.compile(r"access denied.{0,2000}reference\s*#", re.DOTALL)


def bot_protection_vendor(status: int, headers: Mapping[str, str], body_head: bytes) -> str | None:
    """Name of the bot protection a 403/503 answer comes from ("Cloudflare challenge", ...), or None."""
    if status not in (403, 503):
        return None
    h = {name.lower(): value.lower() for name, value in headers.items()}
    server = h.get("server", "")
    if h.get("cf-mitigated", "").strip() == "challenge":
        return "Cloudflare challenge"
    if "x-datadome" in h or "x-datadome-cid" in h or "datadome=" in h.get("set-cookie", ""):
        return "DataDome"
    if h.get("x-amzn-waf-action", "").strip() in ("captcha", "challenge"):
        return "AWS WAF challenge"
    if "x-iinfo" in h or "incap_ses_" in h.get("set-cookie", ""):
        return "Imperva Incapsula"
    if "x-sucuri-id" in h or "sucuri" in server:
        return "Sucuri"
    if "ddos-guard" in server:
        return "DDoS-Guard"
    if any(name.startswith("x-kpsdk") for name in h):
        return "Kasada"
    text = body_head[:SNIFF_BYTES].decode("utf-8", "replace").lower()
    if "akamaighost" in server and _AKAMAI_DENIED.search(text):
        return "Akamai"
    for marker, vendor in _BODY_MARKERS:
        if marker in text:
            return vendor
    return None


def looks_like_bot_protection(status: int, headers: Mapping[str, str], body_head: bytes) -> bool:
    """True when a 403/503 answer is a bot-protection challenge or block page rather than the site."""
    return bot_protection_vendor(status, headers, body_head) is not None


def _printable(text: str, limit: int = 120) -> str:
    """Server-supplied text made safe to show: one line, no control characters, bounded."""
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def _safe_header_value(value: str) -> bool:
    return len(value) <= 8192 and not any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in value)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        os_error = getattr(current, "os_error", None)
        current = current.__cause__ or current.__context__ or os_error
    return chain


def _host_of(url: str) -> str:
    try:
        parsed = URL(url)
        return f"{parsed.host}:{parsed.port}" if parsed.port else str(parsed.host)
    except ValueError:
        return url


def _reason(exc: BaseException) -> str:
    """The most telling short explanation inside an aiohttp exception."""
    cert = getattr(exc, "certificate_error", None)
    if isinstance(cert, ssl.SSLCertVerificationError):
        return _printable(cert.verify_message or str(cert))
    inner = getattr(exc, "os_error", None)  # the ClientConnectorError family
    if isinstance(inner, socket.gaierror) and inner.strerror:
        return _printable(inner.strerror)
    if isinstance(inner, ssl.SSLError):
        return _printable(str(inner))
    for candidate in (inner, exc):
        if isinstance(candidate, OSError) and isinstance(candidate.errno, int) and candidate.errno > 0:
            return os.strerror(candidate.errno)
    for link in reversed(_exception_chain(exc)):  # parser errors carry a plain message
        message = getattr(link, "message", None)
        if isinstance(message, str) and message.strip():
            return _printable(message)
    return _printable(str(exc)) or type(exc).__name__


def _map_exception(state: _State, exc: BaseException, settings: Settings) -> FetchError:
    """Translate a transport exception raised while fetching ``state.current`` into a FetchError."""
    url, http_status = state.url, state.http_status
    host = _host_of(state.current)
    where = ""
    if state.redirects:
        where = f" (redirect {len(state.redirects)} from {state.url})"
        host += where
    for link in _exception_chain(exc):
        if isinstance(link, AddressRefused):
            return FetchError(
                url,
                FetchStatus.PRIVATE_ADDRESS,
                f"will not connect to {link.host!r}{where}: it resolves only to {link.reason}"
                " (allow_private_addresses is off)",
                http_status,
            )
    why = _reason(exc)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return FetchError(url, FetchStatus.TLS, f"TLS certificate of {host} rejected: {why}", http_status)
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return FetchError(url, FetchStatus.TLS, f"TLS handshake with {host} failed: {why}", http_status)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        name = URL(state.current).host or host
        return FetchError(url, FetchStatus.DNS, f"cannot resolve {name}: {why}", http_status)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return FetchError(
            url,
            FetchStatus.TIMEOUT,
            f"no connection to {host} within {settings.connect_timeout:g} s (connect_timeout)",
            http_status,
        )
    if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutError subclasses
        return FetchError(
            url,
            FetchStatus.TIMEOUT,
            f"{host} sent nothing for {settings.read_timeout:g} s (read_timeout)",
            http_status,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return FetchError(url, FetchStatus.CONNECTION, f"cannot connect to {host}: {why}", http_status)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        when = "before answering" if http_status is None else "in the middle of the body"
        return FetchError(url, FetchStatus.CONNECTION, f"{host} closed the connection {when}", http_status)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return FetchError(
            url,
            FetchStatus.CONNECTION,
            f"body from {host} is truncated or cannot be decoded: {why}",
            http_status,
        )
    if isinstance(exc, aiohttp.ClientResponseError):
        return FetchError(
            url, FetchStatus.CONNECTION, f"malformed HTTP response from {host}: {why}", http_status
        )
    if isinstance(exc, aiohttp.InvalidURL):
        return FetchError(url, FetchStatus.CONNECTION, f"invalid URL: {why}", http_status)
    return FetchError(url, FetchStatus.CONNECTION, f"connection to {host} failed: {why}", http_status)


def _headers_of(response: aiohttp.ClientResponse) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in response.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


class _State:
    """Progress of one ``get`` call, kept for error messages."""

    __slots__ = ("current", "http_status", "redirects", "url")

    def __init__(self, url: str) -> None:
        self.url = url
        self.current = url
        self.redirects: list[str] = []
        self.http_status: int | None = None


# ---------------------------------------------------------------------------------------------------
# The fetcher


class Fetcher:
    """Owns one aiohttp session; use ``async with Fetcher(settings) as fetcher``.

    ``resolver`` replaces the name resolver wrapped by the address guard and ``address_policy``
    replaces the policy derived from ``settings.allow_private_addresses``; both exist for tests and
    unusual deployments.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: AbstractResolver | None = None,
        address_policy: AddressPolicy | None = None,
        pace: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._settings = settings
        self._pace = pace  # awaited before each redirect hop: a hop is a request to a host too
        self._policy = address_policy or policy_for(settings.allow_private_addresses)
        self._inner_resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None
        self._slots = asyncio.Semaphore(max(1, settings.concurrency))

    async def __aenter__(self) -> Fetcher:
        settings = self._settings
        self._resolver = GuardedResolver(self._policy, self._inner_resolver)
        connector = aiohttp.TCPConnector(limit=max(1, settings.concurrency), resolver=self._resolver)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, connect=settings.connect_timeout, sock_read=settings.read_timeout
            ),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # a proxy would resolve names itself, outside the address guard
            auto_decompress=True,
        )
        return self

    def addresses_of(self, name: str) -> tuple[str, ...]:
        """The addresses ``name`` last resolved to (and were allowed), () if never resolved."""
        return self._resolver.addresses.get(name.lower(), ()) if self._resolver is not None else ()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    async def get(
        self,
        url: str,
        *,
        max_bytes: int,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url``; a FetchResult for 2xx/304, FetchError for everything else."""
        if self._session is None:
            raise RuntimeError("Fetcher.get() called outside 'async with Fetcher(...)'")
        headers = {
            "User-Agent": self._settings.user_agent,
            "Accept": accept or "*/*",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        # Validators were echoed by a server once; one with control characters is not sent back.
        if etag and _safe_header_value(etag):
            headers["If-None-Match"] = etag
        if last_modified and _safe_header_value(last_modified):
            headers["If-Modified-Since"] = last_modified
        async with self._slots:
            started = time.monotonic()
            state = _State(url)
            try:
                async with asyncio.timeout(self._settings.total_timeout):
                    return await self._follow(self._session, state, headers, max_bytes, started)
            except TimeoutError:
                raise FetchError(
                    url,
                    FetchStatus.TIMEOUT,
                    f"no complete response from {_host_of(state.current)} within "
                    f"{self._settings.total_timeout:g} s (total_timeout)",
                    state.http_status,
                ) from None

    async def _follow(
        self,
        session: aiohttp.ClientSession,
        state: _State,
        headers: dict[str, str],
        max_bytes: int,
        started: float,
    ) -> FetchResult:
        max_redirects = self._settings.max_redirects
        check_url(state.url, self._policy)
        visited = {state.url, str(URL(state.url))}
        while True:
            state.http_status = None
            try:
                async with session.get(state.current, headers=headers, allow_redirects=False) as response:
                    state.http_status = response.status
                    if response.status not in REDIRECT_STATUSES:
                        return await self._finish(state, response, max_bytes, started)
                    target = self._redirect_target(state, response)
            except FetchError:
                raise
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                raise _map_exception(state, exc, self._settings) from exc
            status = state.http_status
            if target in visited:
                chain = " -> ".join((state.url, *state.redirects, target))
                raise FetchError(
                    state.url, FetchStatus.REDIRECT_LOOP, f"redirect loop: {_printable(chain, 400)}", status
                )
            if len(state.redirects) >= max_redirects:
                raise FetchError(
                    state.url,
                    FetchStatus.REDIRECT_LOOP,
                    f"more than {max_redirects} redirects (max_redirects): {state.current} redirects "
                    f"again, to {_printable(target, 200)}",
                    status,
                )
            try:
                check_url(target, self._policy)
            except FetchError as exc:
                raise FetchError(
                    state.url,
                    exc.status,
                    f"HTTP {status} redirect from {state.current} to {target} refused: {exc.detail}",
                    status,
                ) from None
            visited.add(target)
            state.redirects.append(target)
            state.current = target
            if self._pace is not None:
                await self._pace(target)

    @staticmethod
    def _redirect_target(state: _State, response: aiohttp.ClientResponse) -> str:
        location = response.headers.get("Location", "").strip()
        if not location:
            raise FetchError(
                state.url,
                FetchStatus.CONNECTION,
                f"HTTP {response.status} redirect from {state.current} has no Location header",
                response.status,
            )
        try:
            target = response.url.join(URL(location)).with_fragment(None)
        except (ValueError, TypeError) as exc:
            raise FetchError(
                state.url,
                FetchStatus.CONNECTION,
                f"HTTP {response.status} redirect from {state.current} has an invalid Location "
                f"{_printable(location)!r}: {_printable(str(exc))}",
                response.status,
            ) from None
        if target.scheme.lower() not in ("http", "https"):
            raise FetchError(
                state.url,
                FetchStatus.CONNECTION,
                f"refusing the HTTP {response.status} redirect from {state.current} to "
                f"{_printable(location)!r}: only http and https are followed",
                response.status,
            )
        return str(target)

    async def _finish(
        self, state: _State, response: aiohttp.ClientResponse, max_bytes: int, started: float
    ) -> FetchResult:
        status = response.status
        if status == 304 or 200 <= status < 300:
            body = b"" if status in (204, 304) else await self._read_body(state, response, max_bytes)
            return FetchResult(
                url=state.url,
                final_url=state.current,
                status=status,
                headers=_headers_of(response),
                body=body,
                elapsed_ms=int((time.monotonic() - started) * 1000),
                redirects=tuple(state.redirects),
            )
        raise await self._http_error(state, response, max_bytes)

    async def _read_body(self, state: _State, response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
        declared = response.content_length
        if declared is not None and declared > max_bytes:
            raise FetchError(
                state.url,
                FetchStatus.TOO_LARGE,
                f"{state.current} announces a body of {declared} bytes (Content-Length), over the "
                f"limit of {max_bytes} bytes",
                response.status,
            )
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        buffer = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK):
            if len(buffer) + len(chunk) > max_bytes:
                how = f" after decompression ({_printable(encoding, 40)})" if encoding else ""
                raise FetchError(
                    state.url,
                    FetchStatus.TOO_LARGE,
                    f"body of {state.current} exceeds {max_bytes} bytes{how}; download aborted",
                    response.status,
                )
            buffer += chunk
        return bytes(buffer)

    async def _http_error(
        self, state: _State, response: aiohttp.ClientResponse, max_bytes: int
    ) -> FetchError:
        status = response.status
        headers = _headers_of(response)
        reason = _printable(response.reason or "", 60)
        where = state.current
        if state.redirects:
            where += f" (after {len(state.redirects)} redirects from {state.url})"
        answered = f"HTTP {status} {reason}".rstrip()
        raw_retry = headers.get("retry-after")
        retry_after = parse_retry_after(raw_retry, datetime.now(UTC)) if raw_retry else None
        wait = f"; Retry-After asks to wait {retry_after:.0f} s" if retry_after is not None else ""
        if retry_after is not None and retry_after > MAX_WAIT.total_seconds():
            # Obeying would park the source for years (or overflow the date arithmetic): cap it and say so.
            wait = (
                f"; Retry-After {_printable(raw_retry or '', 60)!r} asks to wait more than "
                f"{MAX_WAIT.days} days: capped at {MAX_WAIT.days} days (Retry-After clamped)"
            )
            retry_after = bounded_wait(retry_after)

        if status in (403, 503):
            head = await self._sniff(response, min(SNIFF_BYTES, max_bytes))
            vendor = bot_protection_vendor(status, headers, head)
            if vendor is not None:
                return FetchError(
                    state.url,
                    FetchStatus.BLOCKED_BY_BOT_PROTECTION,
                    f"{answered} from {where}: blocked by bot protection ({vendor})",
                    status,
                    retry_after,
                )
        if status == 429:
            return FetchError(
                state.url,
                FetchStatus.RATE_LIMITED,
                f"{answered} from {where}: rate limited{wait}",
                status,
                retry_after,
            )
        if status == 503 and retry_after is not None:
            return FetchError(
                state.url,
                FetchStatus.RATE_LIMITED,
                f"{answered} from {where}: temporarily unavailable{wait}",
                status,
                retry_after,
            )
        if 500 <= status < 600:
            return FetchError(
                state.url,
                FetchStatus.HTTP_5XX,
                f"{answered} from {where}: server error{wait}",
                status,
                retry_after,
            )
        if 400 <= status < 500:
            return FetchError(
                state.url,
                FetchStatus.HTTP_4XX,
                f"{answered} from {where}{wait}",
                status,
                retry_after,
            )
        return FetchError(
            state.url,
            FetchStatus.CONNECTION,
            f"{answered} from {where}: unexpected status (only 2xx, 304 and redirects are handled)",
            status,
            retry_after,
        )

    @staticmethod
    async def _sniff(response: aiohttp.ClientResponse, limit: int) -> bytes:
        """The first ``limit`` decoded bytes of an error page; b"" if it cannot be read."""
        head = bytearray()
        try:
            async for chunk in response.content.iter_chunked(_CHUNK):
                head += chunk[: limit - len(head)]
                if len(head) >= limit:
                    break
        except (aiohttp.ClientError, OSError, TimeoutError):
            pass
        return bytes(head)
