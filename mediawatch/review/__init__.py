"""Review: editions approved one by one, bound to what was rendered; four-eyes; users and roles.

Public API (used by the CLI, the web app and delivery)::

    check_sendable(store, issue_id, settings, *, lang=None) -> list[str]   # empty: sendable
    submit / approve / reject / schedule / cancel                          # mediawatch.review.actions
    begin_sending(store, issue_id, settings) / mark_sent(store, issue_id)  # for delivery
    localized(exc, lang)                                                   # an error, in the reader's words

Layer: after render (an approval is bound to the rendered content); imports leaves, the store's protocols
and earlier stages. The layers: pyproject.toml [tool.importlinter] and docs/design.md.
"""

from mediawatch.review.actions import (
    EditionReview,
    IssueStatus,
    approve,
    begin_sending,
    cancel,
    check_sendable,
    issue_status,
    mark_sent,
    reject,
    render_now,
    review_editions,
    schedule,
    sendable_blockers,
    submit,
)
from mediawatch.review.workflow import Permission, Reason, localized, may

__all__ = [
    "EditionReview",
    "IssueStatus",
    "Permission",
    "Reason",
    "approve",
    "begin_sending",
    "cancel",
    "check_sendable",
    "issue_status",
    "localized",
    "mark_sent",
    "may",
    "reject",
    "render_now",
    "review_editions",
    "schedule",
    "sendable_blockers",
    "submit",
]
