"""What the hostile test server serves: small feeds and pages, challenge pages and compression bombs."""

from __future__ import annotations

import threading
import zlib

MiB = 1024 * 1024

BOMB_SIZE = 10 * MiB
HUGE_SIZE = 64 * MiB
_ZEROS = bytes(64 * 1024)

FEED_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Hostile test feed</title><link>http://example.org/</link>
<description>A small honest feed</description>
<item><title>First item</title><link>http://example.org/a</link><guid>a</guid></item>
</channel></rss>
"""

NOT_A_FEED_HTML = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Welcome to our homepage</title></head>
<body><h1>Welcome</h1><p>This page is a website, not a feed.</p><a href="/news">News</a></body></html>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>
"""

_CHARSET_TEXT = "Café, señor, naïve, Zürich, Málaga"


def _charset_feed(text: str) -> str:
    return (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>' + text + "</title>"
        "<item><title>" + text + "</title><link>http://example.org/c</link></item></channel></rss>\n"
    )


CHARSET_LIE_UTF8_BODY = _charset_feed(_CHARSET_TEXT).encode("latin-1")  # header will claim utf-8
CHARSET_LIE_LATIN1_BODY = _charset_feed(_CHARSET_TEXT).encode("utf-8")  # header will claim latin-1

CLOUDFLARE_CHALLENGE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper">
<noscript>Enable JavaScript and cookies to continue</noscript>
<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></div></body></html>
"""

CLOUDFLARE_ATTENTION = b"""<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>
<body><h1>Sorry, you have been blocked</h1><p>You are unable to access this site.</p></body></html>
"""

DATADOME_PAGE = b"""<html><head><title>example.org</title></head><body>
<script>var dd={'cid':'AHrlqAAAAAMA','hsh':'0D','t':'fe','host':'geo.captcha-delivery.com'}</script>
<script src="https://ct.captcha-delivery.com/c.js"></script></body></html>
"""

PLAIN_FORBIDDEN = b"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>"


def _stream_compressed(size: int, wbits: int) -> bytes:
    """``size`` zero bytes compressed without ever holding them all in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    parts = []
    for _ in range(size // len(_ZEROS)):
        parts.append(compressor.compress(_ZEROS))
    parts.append(compressor.compress(bytes(size % len(_ZEROS))))
    parts.append(compressor.flush())
    return b"".join(parts)


_BOMBS: dict[str, bytes] = {}
_BOMBS_LOCK = threading.Lock()


def bomb(encoding: str) -> bytes:
    """BOMB_SIZE zeros as a gzip (wbits 31) or zlib/deflate (wbits 15) stream; computed once."""
    with _BOMBS_LOCK:
        if encoding not in _BOMBS:
            _BOMBS[encoding] = _stream_compressed(BOMB_SIZE, 31 if encoding == "gzip" else 15)
        return _BOMBS[encoding]
