"""URL normalisation: canonical form, identity key, redirect unwrapping, dates in paths.

Pure functions, no network access.

``canonical_url`` is what we store and show: a URL that still works when clicked. ``url_identity`` is
coarser and only used as a key to find the same article reached through slightly different URLs.

Tracking parameters
-------------------
``canonical_url`` removes query parameters that only say *how* a reader arrived, never *what* they
read. Names are compared case-insensitively; the list (``TRACKING_PARAMS`` and ``TRACKING_PREFIXES``):

- analytics campaign tags: ``utm_*`` (Google Analytics), ``mtm_*`` / ``pk_*`` (Matomo/Piwik),
  ``at_*`` (AT Internet / Piano, common on French outlets), ``xtor``, ``xtref`` (AT Internet legacy),
  ``ns_*`` (comScore: ``ns_campaign``, ``ns_mchannel``, ...), ``oly_*`` (Omeda), ``vero_*`` (Vero),
  ``hsa_*`` (HubSpot ads), ``sc_campaign``, ``sc_channel``, ``s_cid``, ``s_kwcid`` (Adobe),
  ``wt.mc_id``, ``wt_mc`` (Webtrends), ``cmpid``, ``ocid`` (Microsoft/MSN), ``cmp``, ``intcmp``
  (The Guardian and others), ``smid``, ``smtyp``, ``sr_share`` (New York Times share links);
- click identifiers of ad networks and platforms: ``fbclid``, ``gclid``, ``gclsrc``, ``dclid``,
  ``gbraid``, ``wbraid``, ``msclkid``, ``yclid``, ``igshid``, ``igsh``, ``twclid``, ``ttclid``,
  ``li_fat_id``, ``srsltid``, ``_gl``, ``_ga``;
- e-mail tooling: ``mc_cid``, ``mc_eid`` (Mailchimp), ``_hsenc``, ``_hsmi``, ``__hstc``, ``__hssc``,
  ``__hsfp``, ``hsctatracking`` (HubSpot), ``mkt_tok`` (Marketo), ``trk``, ``trkcampaign``;
- social widgets: ``ref_src``, ``ref_url`` (Twitter embeds), ``__twitter_impression``,
  ``fb_action_ids``, ``fb_action_types``, ``fb_ref``, ``fb_source``, ``action_object_map``,
  ``action_type_map``, ``action_ref_map``.

Generic names (``ref``, ``source``, ``src``, ``s``, ``si``, ``id``...) are kept: on some sites they
select the content.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from urllib.parse import parse_qsl, unquote, unquote_plus, urljoin, urlsplit, urlunsplit

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "canonical_url",
    "date_from_url",
    "resolve_redirect_link",
    "url_identity",
]

TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "mtm_", "pk_", "at_", "ns_", "oly_", "vero_", "hsa_")

TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "xtor", "xtref",
        "sc_campaign", "sc_channel", "s_cid", "s_kwcid",
        "wt.mc_id", "wt_mc",
        "cmpid", "ocid", "cmp", "intcmp",
        "smid", "smtyp", "sr_share",
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "igshid", "igsh", "twclid", "ttclid", "li_fat_id", "srsltid", "_gl", "_ga",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",
        "mkt_tok", "trk", "trkcampaign",
        "ref_src", "ref_url", "__twitter_impression",
        "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
        "action_object_map", "action_type_map", "action_ref_map",
    }
)  # fmt: skip

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HEX = frozenset("0123456789abcdefABCDEF")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
# Characters left as they are (besides unreserved ones) in each component; anything else is
# percent-encoded as UTF-8.
_PATH_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_QUERY_PART_SAFE = _UNRESERVED | (_SUB_DELIMS - {"&"}) | frozenset(":@/?")
_FRAGMENT_SAFE = _UNRESERVED | _SUB_DELIMS | frozenset(":@/?")


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Uppercase percent-escapes, decode escaped unreserved characters, encode unsafe characters."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        if ch in safe:
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on an absolute path."""
    if "." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    for seg in segments[1:]:
        if seg == ".":
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    result = "/" + "/".join(out)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def _host_ascii(host: str) -> str:
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _netloc(scheme: str, netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # IPv6 literal
        end = hostport.find("]")
        host, rest = hostport[: end + 1].lower(), hostport[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
        host = _host_ascii(host)
    # A malformed port is kept as it is (the URL is broken anyway); the length bound keeps int() from
    # refusing thousands of digits.
    if port.isascii() and port.isdigit() and len(port) <= 10:
        port = str(int(port))
        if _DEFAULT_PORTS.get(scheme) == int(port):
            port = ""
    result = host + (":" + port if port else "")
    return (userinfo + "@" + result) if userinfo else result


def _is_tracking(name: str) -> bool:
    key = unquote_plus(name).strip().casefold()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> list[str]:
    kept: list[str] = []
    for part in query.split("&"):
        if not part:
            continue
        name, eq, value = part.partition("=")
        if _is_tracking(name):
            continue
        kept.append(
            _normalise_escapes(name, _QUERY_PART_SAFE) + eq + _normalise_escapes(value, _QUERY_PART_SAFE)
        )
    return kept


def canonical_url(url: str, base: str | None = None) -> str:
    """Canonical form of an http(s) URL, resolved against ``base`` when it is relative.

    Lower-cases scheme and host, converts an internationalised host to IDNA, drops the default
    port, the fragment (except ``#!`` routes, which carry the page on old single-page sites) and
    tracking parameters (see the module docstring), keeps the other parameters in their original
    order, normalises percent-encoding (upper-case hex, unreserved characters decoded, spaces and
    non-ASCII encoded as UTF-8), removes ``.``/``..`` segments and an empty ``?``. An empty path
    becomes ``/``. ``http`` and ``https`` are kept as given.

    Anything that is not an absolute http(s) URL after resolution is returned stripped, unchanged.
    """
    text = url.strip()
    if base:
        try:
            text = urljoin(base.strip(), text)
        except ValueError:
            return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        return text
    netloc = _netloc(scheme, parts.netloc)
    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_SAFE)) or "/"
    query = "&".join(_clean_query(parts.query))
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    if fragment:
        fragment = _normalise_escapes(fragment, _FRAGMENT_SAFE)
    return urlunsplit((scheme, netloc, path, query, fragment))


def url_identity(url: str) -> str:
    """Key under which two URLs of the same page compare equal.

    Built on ``canonical_url``, then: no scheme (http and https unify), no leading ``www.``, no
    trailing slash, parameters sorted. Not a URL, only a key. Non-http(s) input gives its stripped
    self.
    """
    canon = canonical_url(url)
    parts = urlsplit(canon)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return canon
    host = parts.netloc
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    params = sorted(p for p in parts.query.split("&") if p)
    key = host + path
    if params:
        key += "?" + "&".join(params)
    if parts.fragment:
        key += "#" + parts.fragment
    return key


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
    if parts.scheme.lower() in _DEFAULT_PORTS and parts.netloc:
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
