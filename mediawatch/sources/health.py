"""A source's collection health in the reader's words: its last fetch outcome and the collector's warnings.

The store gives the health row as data (a status code, counts, :class:`~mediawatch.types.HealthNote`
codes); `sources health` and the web's health page both say it through these functions, so a status
such as ``parse-error`` reads "unreadable feed" / "flux illisible" / "fuente ilegible" everywhere.
"""

from __future__ import annotations

from mediawatch.collect.labels import fetch_label
from mediawatch.i18n import t, tn
from mediawatch.types import HealthNote, SourceHealth

__all__ = ["fetch_label", "health_notes"]  # fetch_label: the collector's, one table for every page


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
