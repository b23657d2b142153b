"""A source's collection health in the reader's words: its last fetch outcome and the collector's warnings.

The store gives the health row as data (a status code, counts, :class:`~mediawatch.types.HealthNote`
codes); `sources health` and the web's health page both say it through these functions, so a status
such as ``parse-error`` reads "unreadable feed" / "flux illisible" / "fuente ilegible" everywhere.
"""

from __future__ import annotations

from mediawatch.i18n import t, tn
from mediawatch.types import FetchStatus, HealthNote, SourceHealth

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
    """A fetch outcome in the reader's words ("-" when there was none yet)."""
    if not status:
        return "-"
    try:
        return t(FETCH_KEYS[FetchStatus(str(status))], lang)
    except (ValueError, KeyError):
        return str(status)


def health_notes(row: SourceHealth, lang: str | None = None) -> list[str]:
    """The collector's warnings about a source (``row.notes``), in ``lang``."""
    said: list[str] = []
    for note in row.notes:
        if note is HealthNote.VALIDATORS_UNRELIABLE:
            said.append(t("sources.health.validators", lang))
        elif note is HealthNote.FAILING:
            status = fetch_label(row.last_status, lang)
            said.append(tn("sources.health.failing", row.consecutive_failures, lang, status=status))
        elif note is HealthNote.STALE:
            said.append(tn("sources.health.stale", row.stale_days or 0, lang))
        elif note is HealthNote.NEVER_COLLECTED:
            said.append(t("sources.health.never", lang))
    return said
