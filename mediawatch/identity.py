"""Identity keys: when two URLs name the same page, and when two headlines are the same headline.

A leaf module (no I/O, imports nothing of mediawatch): the collector uses these keys to recognise an
article it met before, and the store indexes articles under them (``url_aliases.url_key``,
``articles.title_key``), so both must agree on one definition.

``canonical_url`` is what we store and show: a URL that still works when clicked. ``url_identity`` is
coarser and only used as a key to find the same article reached through slightly different URLs.
``title_key`` is a normalised headline for exact-duplicate detection across outlets and feeds.
``host_problem`` says why a URL's host cannot be a host name at all (an empty or over-long label), the
check every URL from a person, a feed or a page goes through before it is fetched or kept.

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

import ipaddress
import re
import unicodedata
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from mediawatch.i18n import Message

__all__ = [
    "MIN_KEY_CHARS",
    "MIN_KEY_WORDS",
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "canonical_url",
    "host_problem",
    "host_reason",
    "title_key",
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


MAX_LABEL = 63  # RFC 1035, in the ASCII (IDNA) form
MAX_HOST = 253


def host_problem(host: str) -> str | None:
    """Why ``host`` (a URL's host) is not a usable host name, in English (logs, fetch details); None when
    it is. :func:`host_reason` says the same in any language."""
    reason = host_reason(host)
    return None if reason is None else reason.text("en")


def host_reason(host: str) -> Message | None:
    """Why ``host`` (a URL's host) is not a usable host name, said in the reader's language; None when it is.

    The test is the one the resolver applies (Python's IDNA codec, which every name goes through before
    a DNS query) plus the total length, so a host that passes here never makes the lookup raise instead
    of failing: no empty label (``www..example.org``, ``.example.org``), none over 63 characters, at most
    253 in all. A trailing dot (the root) is allowed; IP literals pass (the address policy judges them).
    """
    name = host.strip()
    if not name:
        return Message("host.empty")
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
        return None
    except ValueError:
        pass
    labels = (name[:-1] if name.endswith(".") else name).split(".")
    if any(not label for label in labels):
        return Message("host.empty_label")
    total = len(labels) - 1
    for label in labels:
        try:
            encoded = label.encode("idna")
        except UnicodeError:
            if len(label) > MAX_LABEL:
                return Message("host.long_label", max=MAX_LABEL)
            return Message("host.not_idna", label=label[:MAX_LABEL])
        if len(encoded) > MAX_LABEL:
            return Message("host.long_label", max=MAX_LABEL)
        total += len(encoded)
    if total > MAX_HOST:
        return Message("host.too_long", max=MAX_HOST)
    return None


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


# --- title keys ----------------------------------------------------------------------------------

MIN_KEY_WORDS = 4
MIN_KEY_CHARS = 20
_MAX_TAIL_WORDS = 5
_MAX_TAIL_CHARS = 40
_MAX_SUFFIXES = 2  # "Title - World - Reuters"

# " - Le Monde", " | Reuters", " — El País", " – BBC News", " · Libération"
_SEPARATOR = re.compile(r"\s+(?:-{1,2}|\||\u2014|\u2013|\u00b7|::)\s+")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
    )


def _word_count(text: str) -> int:
    # Each ideograph/kana counts as a word: those scripts do not separate words with spaces.
    cjk = sum(1 for ch in text if _is_cjk(ch))
    return len(text.split()) + cjk


def _strip_outlet_suffixes(text: str) -> str:
    for _ in range(_MAX_SUFFIXES):
        separators = list(_SEPARATOR.finditer(text))
        if not separators:
            break
        last = separators[-1]
        head, tail = text[: last.start()], text[last.end() :].strip()
        if not tail:
            break
        if len(tail) > _MAX_TAIL_CHARS or _word_count(tail) > _MAX_TAIL_WORDS:
            break
        if _word_count(head) < _word_count(tail):  # "Opinion - what the budget means" is no suffix
            break
        text = head
    return text


def _strip_accents(text: str) -> str:
    # Only the generic diacritics block (U+0300-U+036F: acute, grave, tilde, cedilla...): the voicing
    # marks of kana (が -> か) and other scripts' combining signs carry meaning, not accent.
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f"))


def _drop_punctuation(text: str) -> str:
    # Punctuation and symbols become spaces: "l'État" and "l’état" both give "l etat".
    return "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)


def title_key(title: str) -> str:
    """Normalised title for exact-duplicate detection, or "" when too short to mean anything.

    Steps: NFKC; collapse whitespace; drop up to two trailing outlet suffixes (a separator
    `` - ``, `` | ``, `` — ``, `` – ``, `` · `` or `` :: `` followed by a tail of at most five words
    and 40 characters, not longer than what precedes it); casefold; strip accents; punctuation
    and symbols to spaces; collapse spaces. Keys of fewer than four words or 20 characters are
    returned as "" (CJK ideographs and kana count as one word and two characters each).
    """
    text = " ".join(unicodedata.normalize("NFKC", title).split())
    text = _strip_outlet_suffixes(text)
    text = _strip_accents(text.casefold())
    text = " ".join(_drop_punctuation(text).split())
    wide = sum(1 for ch in text if _is_cjk(ch))
    if _word_count(text) < MIN_KEY_WORDS or len(text) + wide < MIN_KEY_CHARS:
        return ""
    return text
