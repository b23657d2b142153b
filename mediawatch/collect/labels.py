"""A fetch outcome in a reader's words, for every page and report that shows one.

The collector records its outcomes as codes (``not-a-feed``) with a technical detail written in English
for the logs; people read the code through :func:`fetch_label` and the detail through
:func:`reader_detail`.
"""

from __future__ import annotations

import re

from mediawatch.i18n import t
from mediawatch.types import FetchStatus

__all__ = ["FETCH_KEYS", "fetch_label", "reader_detail"]

# Literal keys (the i18n scans read them): each fetch outcome in words.
FETCH_KEYS = {
    FetchStatus.OK: "editor.fetch.ok",
    FetchStatus.NOT_MODIFIED: "editor.fetch.not_modified",
    FetchStatus.HTTP_4XX: "editor.fetch.http_4xx",
    FetchStatus.HTTP_5XX: "editor.fetch.http_5xx",
    FetchStatus.RATE_LIMITED: "editor.fetch.rate_limited",
    FetchStatus.TIMEOUT: "editor.fetch.timeout",
    FetchStatus.DNS: "editor.fetch.dns",
    FetchStatus.TLS: "editor.fetch.tls",
    FetchStatus.CONNECTION: "editor.fetch.connection",
    FetchStatus.BLOCKED_BY_BOT_PROTECTION: "editor.fetch.blocked_by_bot_protection",
    FetchStatus.TOO_LARGE: "editor.fetch.too_large",
    FetchStatus.REDIRECT_LOOP: "editor.fetch.redirect_loop",
    FetchStatus.PRIVATE_ADDRESS: "editor.fetch.private_address",
    FetchStatus.ROBOTS_DISALLOWED: "editor.fetch.robots_disallowed",
    FetchStatus.PARSE_ERROR: "editor.fetch.parse_error",
    FetchStatus.EMPTY: "editor.fetch.empty",
    FetchStatus.NOT_A_FEED: "editor.fetch.not_a_feed",
    FetchStatus.SKIPPED_BACKOFF: "editor.fetch.skipped_backoff",
}


def fetch_label(status: object, lang: str | None = None) -> str:
    """A fetch outcome in ``lang`` ("-" when there was none yet, an unknown code as itself)."""
    if not status:
        return "-"
    try:
        return t(FETCH_KEYS[FetchStatus(str(status))], lang)
    except (ValueError, KeyError):
        return str(status)


_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


def reader_detail(detail: str, lang: str) -> str:
    """What to show of the collector's technical detail next to its outcome, in ``lang``.

    The detail is a diagnostic written in English ("will not connect to 127.0.0.1: loopback address
    ..."): an English reader gets it whole; another gets only its language-neutral part, the site's HTTP
    status, since the outcome already says the rest in their words (the whole detail stays in --json,
    the CLI's health table and the logs).
    """
    detail = detail.strip()
    if lang == "en" or not detail:
        return detail
    found = _HTTP_STATUS.search(detail)
    return f"HTTP {found.group(1)}" if found else ""
