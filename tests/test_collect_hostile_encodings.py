"""Found by attacking `mediawatch collect` (hostile round 3): an XML declaration that lies about its charset.

A document whose bytes begin with ``<?xml`` in ASCII cannot be UTF-16, UTF-32 or EBCDIC; when such a
declaration (or HTTP charset) sat on UTF-8 bytes of an even length, the bytes decoded as UTF-16 nonsense
and the feed failed ("not well-formed"), while a lying single-byte charset was already corrected.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from collect_hostile_helpers import feed_source, store_fixture  # noqa: F401 (the `store` fixture)
from hostile_server import HostileServer, Response
from test_collect import FAST

from mediawatch.collect.feeds import parse_feed
from mediawatch.collect.pipeline import collect
from mediawatch.collect.xmlguard import declaration_checked
from mediawatch.types import FetchStatus

TITLE = "Café, señor, naïve, Zürich, Málaga"


def _utf8_feed(server: HostileServer, declared: str) -> bytes:
    body = (
        f'<?xml version="1.0" encoding="{declared}"?>\n'
        f"<rss version='2.0'><channel><title>Lies</title><item><title>{TITLE}</title>"
        f"<link>{server.url('/a/0')}</link></item></channel></rss>\n"
    ).encode()
    return body + b" " * (-len(body) % 4)  # a length that UTF-16 and UTF-32 decode without an error


@pytest.mark.parametrize(
    ("declared", "header"),
    [
        ("utf-16", "application/rss+xml"),
        ("UTF-16LE", "application/rss+xml"),
        ("utf-16be", "text/xml"),
        ("utf-32", "application/rss+xml"),
        ("cp037", "application/rss+xml"),  # EBCDIC
        ("utf-8", "application/rss+xml; charset=utf-16"),
        ("utf-16", "application/rss+xml; charset=utf-16"),
    ],
)
def test_a_wide_or_ebcdic_charset_on_utf8_bytes_is_read_as_utf8(store, hostile_server, declared, header):
    hostile_server.add_route(
        "/lie.xml", Response(200, _utf8_feed(hostile_server, declared), {"Content-Type": header})
    )
    collect_one(store, hostile_server)
    [health] = store.source_health(datetime.now(UTC), 14)
    assert health.last_status is FetchStatus.OK
    said = header.partition("charset=")[2] or declared.lower()
    assert f"character encoding: document declared as {said}, but parsed as utf-8" in health.events[0].detail
    [article_] = store.list_articles()
    assert article_.title == TITLE


def collect_one(store, server: HostileServer) -> None:
    collect(store, [feed_source("lie", server.url("/lie.xml"))], FAST.with_overrides(fetch_pages=False))


def test_only_the_label_changes_and_true_declarations_stay(hostile_server):
    body = _utf8_feed(hostile_server, "utf-16")
    fixed, warning = declaration_checked(body)
    assert fixed == body.replace(b'encoding="utf-16"', b'encoding="utf-8"', 1)
    assert warning == "character encoding: document declared as utf-16, but parsed as utf-8"
    for honest in (
        body.replace(b"utf-16", b"utf-8"),  # says what it is
        TITLE.join(['<?xml version="1.0" encoding="utf-16"?><rss><title>', "</title></rss>"]).encode(
            "utf-16"
        ),
        body.replace(TITLE.encode(), TITLE.encode("latin-1")),  # not UTF-8: not ours to guess
    ):
        assert declaration_checked(honest) == (honest, "")
    wide = TITLE.join(
        ['<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>', "</title>"]
    )
    wide += "<item><title>t</title><link>http://e.example/a</link></item></channel></rss>"
    feed = parse_feed(wide.encode("utf-16"), "http://e.example/feed", "application/rss+xml")
    assert feed.title == TITLE
    assert feed.warnings == ()
