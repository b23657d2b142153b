"""The HTTP fetcher against a real local server (tests/hostile_server.py), real aiohttp, no mocks.

Every request goes to 127.0.0.0/8.  Tests reach the server with ``allow_private_addresses=True``;
the address policy itself is tested with a policy that admits only 127.0.0.1 (standing in for "the
public internet") and refuses 127.0.0.2 and every private range, with name resolution injected
through a static resolver so that no DNS query leaves the machine.
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import shutil
import subprocess
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from hostile_server import BOMB_SIZE, FEED_XML, HostileServer, Response, bomb
from http_helpers import BASE, LIMIT, MiB, StaticResolver, free_port, get_error, run_get

from mediawatch.collect.http import (
    ACCEPT_ENCODING,
    Fetcher,
    FetchResult,
    looks_like_bot_protection,
    parse_retry_after,
)
from mediawatch.types import FetchStatus

# ---------------------------------------------------------------------------------------------------
# honest requests


def test_plain_get_returns_result_and_sends_our_headers(hostile_server: HostileServer) -> None:
    settings = replace(BASE, user_agent="mediawatch-test/1.0 (+http://example.org/bot)")
    result = run_get(hostile_server.url("/feed.xml"), settings, accept="application/rss+xml")

    assert result.status == 200
    assert result.body == FEED_XML
    assert result.url == result.final_url == hostile_server.url("/feed.xml")
    assert result.redirects == ()
    assert result.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert all(name == name.lower() for name in result.headers)
    assert result.elapsed_ms >= 0
    (request,) = hostile_server.requests
    assert request.method == "GET"
    assert request.headers["user-agent"] == "mediawatch-test/1.0 (+http://example.org/bot)"
    assert request.headers["accept"] == "application/rss+xml"
    assert request.headers["accept-encoding"] == ACCEPT_ENCODING
    assert "gzip" in ACCEPT_ENCODING
    assert "deflate" in ACCEPT_ENCODING
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers
    assert "cookie" not in request.headers


def test_gzip_body_is_decoded(hostile_server: HostileServer) -> None:
    packed = gzip.compress(FEED_XML)
    hostile_server.add_route(
        "/packed.xml", Response(200, packed, {"Content-Encoding": "gzip", "Content-Type": "application/xml"})
    )
    result = run_get(hostile_server.url("/packed.xml"))
    assert result.body == FEED_XML
    assert result.headers["content-encoding"] == "gzip"


def test_body_of_exactly_max_bytes_is_accepted(hostile_server: HostileServer) -> None:
    hostile_server.add_static("/ten", b"0123456789")
    assert run_get(hostile_server.url("/ten"), max_bytes=10).body == b"0123456789"
    error = get_error(hostile_server.url("/ten"), max_bytes=9)
    assert error.status is FetchStatus.TOO_LARGE
    assert "announces a body of 10 bytes" in error.detail


def test_server_payloads_are_returned_untouched(hostile_server: HostileServer) -> None:
    """Lying charsets, HTML instead of a feed, entity bombs: bytes for the parser to judge, unchanged."""
    from hostile_server import BILLION_LAUGHS, CHARSET_LIE_LATIN1_BODY, CHARSET_LIE_UTF8_BODY, NOT_A_FEED_HTML

    expected = {
        "/charset-lie-utf8": (CHARSET_LIE_UTF8_BODY, "charset=utf-8"),
        "/charset-lie-latin1": (CHARSET_LIE_LATIN1_BODY, "charset=iso-8859-1"),
        "/not-a-feed": (NOT_A_FEED_HTML, "text/html"),
        "/billion-laughs": (BILLION_LAUGHS, "application/xml"),
    }

    async def go() -> list[FetchResult]:
        async with Fetcher(BASE) as fetcher:
            return list(
                await asyncio.gather(*(fetcher.get(hostile_server.url(p), max_bytes=LIMIT) for p in expected))
            )

    for path, result in zip(expected, asyncio.run(go()), strict=True):
        body, ctype = expected[path]
        assert result.status == 200
        assert result.body == body
        assert ctype in result.headers["content-type"]


def test_get_outside_context_manager_is_a_programming_error() -> None:
    async def go() -> None:
        await Fetcher(BASE).get("http://127.0.0.1:1/", max_bytes=10)

    with pytest.raises(RuntimeError, match="async with"):
        asyncio.run(go())


# ---------------------------------------------------------------------------------------------------
# validators


def test_honest_validators_give_304_until_the_content_changes(hostile_server: HostileServer) -> None:
    url = hostile_server.url("/etag")
    first = run_get(url)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert first.status == 200
    assert first.body == FEED_XML

    by_etag = run_get(url, etag=etag)
    assert by_etag.status == 304
    assert by_etag.body == b""
    assert hostile_server.requests[-1].headers["if-none-match"] == etag

    by_date = run_get(url, last_modified=last_modified)
    assert by_date.status == 304
    assert hostile_server.requests[-1].headers["if-modified-since"] == last_modified

    both = run_get(url, etag=etag, last_modified=last_modified)
    assert both.status == 304
    assert {"if-none-match", "if-modified-since"} <= set(hostile_server.requests[-1].headers)

    hostile_server.honest.body = FEED_XML.replace(b"First item", b"Second item")
    changed = run_get(url, etag=etag, last_modified=last_modified)
    assert changed.status == 200
    assert b"Second item" in changed.body
    assert changed.headers["etag"] != etag


def test_validators_with_control_characters_are_not_sent(hostile_server: HostileServer) -> None:
    result = run_get(hostile_server.url("/etag"), etag='"a"\r\nX-Injected: 1', last_modified="Mon\n")
    assert result.status == 200
    headers = hostile_server.requests[-1].headers
    assert "if-none-match" not in headers
    assert "if-modified-since" not in headers
    assert "x-injected" not in headers


def test_lying_validators_answer_304_although_the_content_changed(hostile_server: HostileServer) -> None:
    """The fetcher reports what the server says; catching the lie is the collector's job
    (Settings.unconditional_every), which needs an unconditional fetch to see the new content."""
    url = hostile_server.url("/lying-etag")
    first = run_get(url)
    etag = first.headers["etag"]

    hostile_server.lying.body = FEED_XML.replace(b"First item", b"Breaking news")
    conditional = run_get(url, etag=etag)
    assert conditional.status == 304
    assert conditional.body == b""

    unconditional = run_get(url)
    assert unconditional.status == 200
    assert b"Breaking news" in unconditional.body
    assert unconditional.headers["etag"] == etag


def test_directory_serving_with_validators(hostile_server: HostileServer, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "feed.xml").write_bytes(FEED_XML)
    (tmp_path / "secret.txt").write_text("outside")
    hostile_server.serve_directory("/files/", tmp_path / "sub")

    result = run_get(hostile_server.url("/files/feed.xml"))
    assert result.body == FEED_XML
    assert result.headers["content-type"] == "application/xml"
    assert run_get(hostile_server.url("/files/feed.xml"), etag=result.headers["etag"]).status == 304
    assert get_error(hostile_server.url("/files/missing.xml")).http_status == 404

    # Traversal out of the served folder, sent raw so that no client normalises the path.
    conn = http.client.HTTPConnection("127.0.0.1", hostile_server.port, timeout=5)
    try:
        conn.request("GET", "/files/%2e%2e/secret.txt")
        assert conn.getresponse().status == 404
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------------
# every hostile route maps to its status


HOSTILE_ROUTES = [
    # path, status, http_status, words the detail must contain
    ("/huge", FetchStatus.TOO_LARGE, 200, "announces a body of 67108864 bytes"),
    ("/huge-stream", FetchStatus.TOO_LARGE, 200, "exceeds 1048576 bytes"),
    ("/gzip-bomb", FetchStatus.TOO_LARGE, 200, "exceeds 1048576 bytes after decompression (gzip)"),
    ("/deflate-bomb", FetchStatus.TOO_LARGE, 200, "after decompression (deflate)"),
    ("/bad-gzip", FetchStatus.CONNECTION, 200, "cannot be decoded"),
    ("/truncated", FetchStatus.CONNECTION, 200, "truncated"),
    ("/reset", FetchStatus.CONNECTION, None, "127.0.0.1"),
    ("/huge-headers", FetchStatus.CONNECTION, None, "malformed HTTP response"),
    ("/redirect-loop", FetchStatus.REDIRECT_LOOP, 302, "redirect loop"),
    ("/redirect-file", FetchStatus.CONNECTION, 302, "only http and https are followed"),
    ("/redirect-no-location", FetchStatus.CONNECTION, 302, "has no Location header"),
    ("/error-500", FetchStatus.HTTP_5XX, 500, "HTTP 500 Internal Server Error"),
    ("/unavailable", FetchStatus.RATE_LIMITED, 503, "Retry-After asks to wait 120 s"),
    ("/unavailable-plain", FetchStatus.HTTP_5XX, 503, "HTTP 503"),
    ("/rate-limited", FetchStatus.RATE_LIMITED, 429, "Retry-After asks to wait 30 s"),
    ("/rate-limited-date", FetchStatus.RATE_LIMITED, 429, "rate limited"),
    ("/cloudflare-challenge", FetchStatus.BLOCKED_BY_BOT_PROTECTION, 403, "Cloudflare challenge"),
    ("/cloudflare-attention", FetchStatus.BLOCKED_BY_BOT_PROTECTION, 403, "Cloudflare"),
    ("/datadome", FetchStatus.BLOCKED_BY_BOT_PROTECTION, 403, "DataDome"),
    ("/forbidden", FetchStatus.HTTP_4XX, 403, "HTTP 403 Forbidden"),
    ("/not-found", FetchStatus.HTTP_4XX, 404, "HTTP 404 Not Found"),
]


@pytest.mark.parametrize(("path", "status", "http_status", "words"), HOSTILE_ROUTES)
def test_hostile_route_maps_to_status(
    hostile_server: HostileServer, path: str, status: FetchStatus, http_status: int | None, words: str
) -> None:
    url = hostile_server.url(path)
    error = get_error(url)
    assert error.status is status, error.detail
    assert error.http_status == http_status
    assert words in error.detail
    assert error.url == url
    assert status.value in str(error)
    assert url in str(error)


def test_retry_after_is_carried(hostile_server: HostileServer) -> None:
    assert get_error(hostile_server.url("/rate-limited")).retry_after == 30.0
    assert get_error(hostile_server.url("/unavailable")).retry_after == 120.0
    assert get_error(hostile_server.url("/unavailable-plain")).retry_after is None
    dated = get_error(hostile_server.url("/rate-limited-date")).retry_after
    assert dated is not None
    assert 30.0 <= dated <= 61.0


def test_503_with_unparsable_retry_after_is_a_server_error(hostile_server: HostileServer) -> None:
    hostile_server.add_route("/odd", Response(503, b"x", {"Retry-After": "whenever"}))
    error = get_error(hostile_server.url("/odd"))
    assert error.status is FetchStatus.HTTP_5XX
    assert error.retry_after is None


def test_gzip_bomb_never_costs_more_than_about_the_limit(hostile_server: HostileServer) -> None:
    wire = bomb("gzip")
    assert len(wire) < LIMIT < BOMB_SIZE  # only counting decoded bytes can stop it
    tracemalloc.start()
    try:
        error = get_error(hostile_server.url("/gzip-bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.status is FetchStatus.TOO_LARGE
    assert "after decompression" in error.detail
    # The limit plus buffers; inflating the bomb would have needed 10 MiB.
    assert peak < 4 * MiB, f"peak traced memory {peak} bytes"


# ---------------------------------------------------------------------------------------------------
# timeouts (small deadlines, generous margins: the status matters, not the stopwatch)


def test_slow_drip_is_stopped_by_the_total_deadline(hostile_server: HostileServer) -> None:
    # each byte comes 0.2 s apart, far within read_timeout, even when the machine is loaded
    settings = replace(BASE, total_timeout=1.5, read_timeout=60.0)
    error = get_error(hostile_server.url("/slow-drip?interval=0.2"), settings)
    assert error.status is FetchStatus.TIMEOUT
    assert "within 1.5 s (total_timeout)" in error.detail
    assert error.http_status == 200


def test_slow_headers_are_stopped_by_the_total_deadline(hostile_server: HostileServer) -> None:
    error = get_error(
        hostile_server.url("/slow-headers"), replace(BASE, total_timeout=1.5, read_timeout=60.0)
    )
    assert error.status is FetchStatus.TIMEOUT
    assert "total_timeout" in error.detail
    assert error.http_status is None


def test_silent_server_hits_the_read_timeout(hostile_server: HostileServer) -> None:
    error = get_error(hostile_server.url("/stall"), replace(BASE, read_timeout=0.5, total_timeout=30.0))
    assert error.status is FetchStatus.TIMEOUT
    assert "sent nothing for 0.5 s (read_timeout)" in error.detail


# ---------------------------------------------------------------------------------------------------
# redirects


def test_redirects_are_followed_and_recorded(hostile_server: HostileServer) -> None:
    result = run_get(hostile_server.url("/redirect-chain?n=3"))
    assert result.status == 200
    assert result.body == b"end of chain"
    assert result.redirects == tuple(hostile_server.url(f"/redirect-chain?n={n}") for n in (2, 1, 0))
    assert result.final_url == result.redirects[-1]
    assert result.url == hostile_server.url("/redirect-chain?n=3")


def test_max_redirects_is_respected(hostile_server: HostileServer) -> None:
    settings = replace(BASE, max_redirects=3)
    assert len(run_get(hostile_server.url("/redirect-chain?n=3"), settings).redirects) == 3
    error = get_error(hostile_server.url("/redirect-chain?n=4"), settings)
    assert error.status is FetchStatus.REDIRECT_LOOP
    assert "more than 3 redirects" in error.detail
    assert len(hostile_server.requests_for("/redirect-chain")) == 3 + 1 + 4  # nothing past the limit

    no_redirects = get_error(hostile_server.url("/redirect-chain?n=1"), replace(BASE, max_redirects=0))
    assert no_redirects.status is FetchStatus.REDIRECT_LOOP


def test_redirect_loop_is_detected_before_the_limit(hostile_server: HostileServer) -> None:
    error = get_error(hostile_server.url("/redirect-loop"), replace(BASE, max_redirects=50))
    assert error.status is FetchStatus.REDIRECT_LOOP
    assert len(hostile_server.requests) == 2


def test_conditional_headers_survive_redirects(hostile_server: HostileServer) -> None:
    etag = run_get(hostile_server.url("/etag")).headers["etag"]
    result = run_get(hostile_server.url("/redirect-to?url=/etag&status=301"), etag=etag)
    assert result.status == 304
    assert result.final_url == hostile_server.url("/etag")
    assert hostile_server.requests[-1].headers["if-none-match"] == etag


def test_redirect_to_closed_port_is_a_connection_error(hostile_server: HostileServer) -> None:
    error = get_error(hostile_server.url("/redirect-loopback"))
    assert error.status is FetchStatus.CONNECTION
    assert "127.0.0.1:1" in error.detail


# ---------------------------------------------------------------------------------------------------
# transport failures


def test_connection_refused() -> None:
    port = free_port()
    error = get_error(f"http://127.0.0.1:{port}/feed.xml")
    assert error.status is FetchStatus.CONNECTION
    assert f"cannot connect to 127.0.0.1:{port}" in error.detail
    assert error.http_status is None


def test_dns_failure_is_reported_as_dns(hostile_server: HostileServer) -> None:
    resolver = StaticResolver({})
    error = get_error(f"http://no-such-host.test:{hostile_server.port}/feed.xml", resolver=resolver)
    assert error.status is FetchStatus.DNS
    assert "cannot resolve no-such-host.test" in error.detail
    assert resolver.lookups == ["no-such-host.test"]


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed", "file:///etc/passwd", "javascript:alert(1)", "http:///x"]
)
def test_only_http_and_https_urls(url: str) -> None:
    error = get_error(url)
    assert error.status is FetchStatus.CONNECTION
    assert "only http and https" in error.detail or "no host" in error.detail


def test_https_to_a_plain_http_server_is_a_tls_error(hostile_server: HostileServer) -> None:
    error = get_error(f"https://127.0.0.1:{hostile_server.port}/feed.xml")
    assert error.status is FetchStatus.TLS
    assert "TLS" in error.detail


@pytest.mark.skipif(
    shutil.which("openssl") is None, reason="the openssl command is needed to make a certificate"
)
def test_self_signed_certificate_is_a_tls_error(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    with HostileServer(tls=(cert, key)) as server:
        error = get_error(server.url("/feed.xml"))
    assert error.status is FetchStatus.TLS
    assert "certificate" in error.detail.lower()


# ---------------------------------------------------------------------------------------------------
# pure helpers

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0), (" 5 ", 5.0), ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Sun, 01 Mar 2026 12:01:00 GMT", 60.0),
        ("Sunday, 01-Mar-26 12:00:30 GMT", 30.0),  # RFC 850
        ("Sun Mar  1 12:00:10 2026", 10.0),  # asctime
        ("Sat, 28 Feb 2026 12:00:00 GMT", 0.0),  # in the past: no wait, never negative
        ("-5", None), ("1.5", None), ("soon", None), ("", None), ("   ", None), ("9" * 400, None),
        ("Sun, 99 Foo 2026 99:99:99 GMT", None), ("120 seconds", None), ("١٢٠", None),
    ],
)  # fmt: skip
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_parse_retry_after_with_naive_now() -> None:
    assert parse_retry_after("Sun, 01 Mar 2026 12:01:00 GMT", NOW.replace(tzinfo=None)) == 60.0


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (403, {"cf-mitigated": "challenge"}, b"", True),
        (403, {"CF-Mitigated": "challenge", "Server": "cloudflare"}, b"", True),
        (503, {"server": "cloudflare"}, b"<title>Just a moment...</title>", True),
        (403, {"server": "cloudflare"}, b"<title>Attention Required! | Cloudflare</title>", True),
        (403, {"x-datadome": "protected"}, b"", True),
        (403, {}, b"<script src='https://ct.captcha-delivery.com/c.js'></script>", True),
        (403, {}, b"<div id='px-captcha'></div> Access to this page has been denied", True),
        (403, {"server": "AkamaiGHost"}, b"<H1>Access Denied</H1> No permission. Reference #18.6f2d", True),
        (403, {}, b"Please complete the CAPTCHA to continue", True),
        (403, {"x-amzn-waf-action": "captcha"}, b"", True),
        (403, {}, b"<h1>Forbidden</h1> You don't have permission to access this resource.", False),
        (503, {"retry-after": "120"}, b"Service Unavailable: maintenance", False),
        (404, {"cf-mitigated": "challenge"}, b"captcha", False),
        (200, {}, b"Just a moment...", False),
    ],
)  # fmt: skip
def test_looks_like_bot_protection(status: int, headers: dict[str, str], body: bytes, expected: bool) -> None:
    assert looks_like_bot_protection(status, headers, body) is expected


# ---------------------------------------------------------------------------------------------------
# the server and fixtures themselves


def test_server_logs_requests_and_runs_dynamic_handlers(hostile_server: HostileServer) -> None:
    hostile_server.add_route("/echo", lambda request: Response(200, request.query.get("say", "").encode()))
    assert run_get(hostile_server.url("/echo?say=hello")).body == b"hello"
    assert [(r.method, r.path) for r in hostile_server.requests] == [("GET", "/echo?say=hello")]
    method, path, headers = hostile_server.requests[0]
    assert (method, path) == ("GET", "/echo?say=hello")
    assert "host" in headers
    assert len(hostile_server.requests_for("/echo")) == 1


def test_corpus_dir_skips_when_absent(corpus_dir: Callable[[str], Path]) -> None:
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/corpus/no-such-corpus is absent"):
        corpus_dir("no-such-corpus")


# ---------------------------------------------------------------------------------------------------
# Brotli and zstd (issue 12 item 8): decoded, and bombs stop at the same limit as gzip


def _compressed(encoding: str, data: bytes) -> bytes:
    if encoding == "br":
        import brotli

        return bytes(brotli.compress(data))
    from backports import zstd

    return bytes(zstd.compress(data))


@pytest.mark.parametrize("encoding", ["br", "zstd"])
def test_brotli_and_zstd_bodies_are_decoded(hostile_server: HostileServer, encoding: str) -> None:
    hostile_server.add_route(
        "/enc",
        Response(
            200,
            _compressed(encoding, FEED_XML),
            {"Content-Encoding": encoding, "Content-Type": "application/xml"},
        ),
    )
    result = run_get(hostile_server.url("/enc"))
    assert result.body == FEED_XML
    sent = {k.lower(): v for k, v in hostile_server.requests_for("/enc")[0].headers.items()}
    assert encoding in sent["accept-encoding"]


@pytest.mark.parametrize("encoding", ["br", "zstd"])
def test_brotli_and_zstd_bombs_stop_at_the_limit(hostile_server: HostileServer, encoding: str) -> None:
    wire = _compressed(encoding, bytes(BOMB_SIZE))
    assert len(wire) < LIMIT < BOMB_SIZE
    hostile_server.add_route(
        "/bomb", Response(200, wire, {"Content-Encoding": encoding, "Content-Type": "application/xml"})
    )
    tracemalloc.start()
    try:
        error = get_error(hostile_server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.status is FetchStatus.TOO_LARGE
    assert "after decompression" in error.detail
    assert peak < 4 * MiB, f"peak traced memory {peak} bytes"


def test_two_names_of_one_server_share_its_pace(hostile_server: HostileServer) -> None:
    # issue 12: politeness per resolved address, not only per host name
    from mediawatch.collect.politeness import HostPacer

    resolver = StaticResolver({"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]})
    now = [0.0]

    async def go() -> tuple[float, float]:
        async with Fetcher(BASE, resolver=resolver) as fetcher:
            pacer = HostPacer(1.0, clock=lambda: now[0], addresses_of=fetcher.addresses_of)
            await fetcher.get(f"http://a.test:{hostile_server.port}/ok", max_bytes=LIMIT)
            await fetcher.get(f"http://b.test:{hostile_server.port}/ok", max_bytes=LIMIT)
            pacer.penalize(f"http://a.test:{hostile_server.port}/feed", 60)
            return (
                pacer.wait_needed(f"http://b.test:{hostile_server.port}/page"),
                pacer.wait_needed(f"http://127.0.0.1:{hostile_server.port}/page"),
            )

    assert asyncio.run(go()) == (60.0, 60.0)
