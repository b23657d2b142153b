"""The words for an issue's (and an edition's) state, for every stage that names one: the store's conflict
messages, the archive, the review and the web. Catalogue: ``review.state.*``. Keyed by the state's value
(``IssueState`` is a string enum, so either looks it up)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ISSUE_STATE_KEYS"]

# Literal keys (the i18n scans read them).
ISSUE_STATE_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "draft": "review.state.draft",
        "in_review": "review.state.in_review",
        "approved": "review.state.approved",
        "scheduled": "review.state.scheduled",
        "sending": "review.state.sending",
        "sent": "review.state.sent",
        "cancelled": "review.state.cancelled",
    }
)
