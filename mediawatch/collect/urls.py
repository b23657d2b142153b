"""URLs met while collecting: redirect unwrapping and dates in paths.

Pure functions, no network access. The canonical form and identity key of a URL live in
``mediawatch.identity`` (the store indexes articles under them).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["date_from_url", "resolve_redirect_link"]

_HTTP_SCHEMES = ("http", "https")


# --- redirect wrappers ---------------------------------------------------------------------------

_MAX_UNWRAP = 5


def _http_url(value: str) -> str | None:
    value = value.strip()
    if value.startswith("//"):
        value = "https:" + value
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() in _HTTP_SCHEMES and parts.netloc:
        return value
    return None


def _query_param(query: str, *names: str) -> str | None:
    params = parse_qsl(query, keep_blank_values=False)
    for name in names:
        for key, value in params:
            if key == name:
                found = _http_url(value)
                if found:
                    return found
    return None


def _b64url_decode(text: str) -> bytes | None:
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _read_varint(data: bytes, pos: int) -> tuple[int, int] | None:
    value = 0
    shift = 0
    while pos < len(data) and shift < 35:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None


def _url_from_protobuf(data: bytes) -> str | None:
    """Find a length-delimited string field holding an http(s) URL in a protobuf payload.

    Google News article ids of the ``CBMi...`` family are a small protobuf message whose field 4
    is the publisher URL (and field 26 sometimes the AMP URL).
    """
    pos = 0
    while pos < len(data):
        tag = _read_varint(data, pos)
        if tag is None:
            return None
        key, pos = tag
        wire = key & 7
        if wire == 0:
            nxt = _read_varint(data, pos)
            if nxt is None:
                return None
            pos = nxt[1]
        elif wire == 2:
            length = _read_varint(data, pos)
            if length is None:
                return None
            size, pos = length
            chunk = data[pos : pos + size]
            pos += size
            if chunk.startswith((b"http://", b"https://")):
                try:
                    return chunk.decode("utf-8")
                except UnicodeDecodeError:
                    return None
        else:
            return None
    return None


def _google_news_article(path: str) -> str | None:
    # /rss/articles/<id>, /articles/<id>, /__i/rss/rd/articles/<id>, /read/<id>
    match = re.search(r"/(?:articles|read)/([A-Za-z0-9_-]{8,})", path)
    if not match:
        return None
    payload = _b64url_decode(match.group(1))
    if not payload:
        return None
    return _http_url(_url_from_protobuf(payload) or "")


def _bing_ck(query: str) -> str | None:
    # bing.com/ck/a?...&u=a1<base64url of the target>
    for key, value in parse_qsl(query):
        if key == "u" and value.startswith("a1"):
            raw = _b64url_decode(value[2:])
            if raw:
                try:
                    return _http_url(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    return None
    return None


def _unwrap_once(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    path = parts.path
    query = parts.query
    if host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    if host == "news.google.com":
        return _query_param(query, "url") or _google_news_article(path)
    if len(labels) >= 2 and "google" in labels[:2]:  # google.com, google.co.uk, google.fr ...
        if path in ("/url", "/imgres", "/local/url"):
            return _query_param(query, "url", "q", "imgrefurl")
        if path.startswith("/amp/s/"):
            return _http_url("https://" + unquote(path[len("/amp/s/") :]))
        if path.startswith("/amp/"):
            return _http_url(unquote(path[len("/amp/") :]))
        return None
    if host == "bing.com" or host.endswith(".bing.com"):
        if path.lower().startswith("/news/apiclick.aspx"):
            return _query_param(query, "url")
        if path.startswith("/ck/a"):
            return _bing_ck(query)
        return None
    if host in ("l.facebook.com", "lm.facebook.com", "m.facebook.com", "facebook.com") and path == "/l.php":
        return _query_param(query, "u")
    if host == "l.instagram.com":
        return _query_param(query, "u")
    if host.endswith(".safelinks.protection.outlook.com"):
        return _query_param(query, "url")
    if host == "duckduckgo.com" and path.startswith("/l/"):
        return _query_param(query, "uddg")
    if host == "out.reddit.com":
        return _query_param(query, "url")
    if host == "linkedin.com" and path.startswith("/redir/redirect"):
        return _query_param(query, "url")
    if host == "r.search.yahoo.com":
        match = re.search(r"/RU=([^/]+)/", path)
        return _http_url(unquote(match.group(1))) if match else None
    return None


def resolve_redirect_link(url: str) -> str:
    """The publisher URL carried inside a news-search or click-tracking redirect link.

    Unwraps (repeatedly, for nested wrappers): Google ``/url?url=|q=``, Google AMP viewer
    ``/amp/s/<host>/<path>``, Google News ``?url=`` and ``/rss/articles/<id>`` ids, Bing News
    ``/news/apiclick.aspx?url=``, Bing ``/ck/a?u=a1<base64>``, Facebook and Instagram ``l.php?u=``,
    Outlook safelinks, DuckDuckGo ``uddg``, out.reddit.com, LinkedIn ``redir/redirect``, Yahoo
    ``/RU=<url>/``.

    Google News ids are base64url-encoded protobuf. Older ones (``CBMi...``, used until mid-2024)
    hold the publisher URL in clear and are decoded; newer ones (``CBMiX...AU_yqL...``) only hold an
    opaque key that Google resolves server-side, so they are returned unchanged: resolving them
    needs a request to Google, which is the fetcher's business, not this pure function's.

    Anything else is returned unchanged (same string, not canonicalised).
    """
    current = url
    for _ in range(_MAX_UNWRAP):
        target = _unwrap_once(current)
        if not target or target == current:
            break
        current = target
    return current


# --- dates in URLs -------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_MIN_YEAR = 1995
_MAX_YEAR = 2099
_URL_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # /2024/03/15/ or /2024/3/5 at the end or followed by a separator
    re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)(?=[/._-]|$)"),
    # /2024/mar/15/ (The Guardian and others)
    re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<mon>[A-Za-z]{3})[a-z]*/(?P<d>[0-3]?\d)(?=[/._-]|$)"),
    # 2024-03-15 or 2024_03_15 anywhere in the path, not inside a longer number
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)([-_])(?P<m>[01]\d)\2(?P<d>[0-3]\d)(?!\d)"),
    # 20240315, not inside a longer number
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)"),
)


def date_from_url(url: str) -> date | None:
    """Publication day written in a URL's path, or None.

    Recognises ``/2024/03/15/``, ``/2024/mar/15/``, ``2024-03-15`` / ``2024_03_15`` and
    ``20240315`` (not part of a longer digit run). Only the path is searched (not host, query or
    fragment); only real calendar days between 1995 and 2099 count. Patterns are tried in that
    order and the first valid match wins.
    """
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    for pattern in _URL_DATE_PATTERNS:
        for match in pattern.finditer(path):
            groups = match.groupdict()
            year = int(groups["y"])
            if groups.get("mon") is not None:
                month = _MONTHS.get(groups["mon"].lower(), 0)
            else:
                month = int(groups["m"])
            day = int(groups["d"])
            if not _MIN_YEAR <= year <= _MAX_YEAR:
                continue
            try:
                return date(year, month, day)
            except ValueError:
                continue
    return None
