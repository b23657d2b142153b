"""The issue a person named, by id or slug: the store answers None, the stage says what was wrong; and an
issue's title in the reader's words."""

from __future__ import annotations

from datetime import datetime

from mediawatch.errors import WorkflowError
from mediawatch.i18n import said, t
from mediawatch.store.protocols import IssueReader
from mediawatch.types import Issue, Publication

# Literal keys (the i18n scans read them): each publication's name.
PUBLICATION_NAMES = {
    Publication.NEWSLETTER: "compose.publication.newsletter",
    Publication.PRESS_REVIEW: "compose.publication.press_review",
}


def find_issue(store: IssueReader, ref: str | int) -> Issue:
    """The issue ``ref`` names; WorkflowError naming ``ref`` when there is none."""
    issue = store.find_issue(ref)
    if issue is None:
        raise said(WorkflowError, "compose.issue.none", ref=repr(str(ref).strip()))
    return issue


def default_title(publication: Publication, period_from: datetime, period_to: datetime) -> str:
    """The title compose stores on a new issue: codes and dates, the same whoever composed it."""
    return f"{publication.value} {period_from:%Y-%m-%d} – {period_to:%Y-%m-%d}"


def issue_title(issue: Issue, lang: str) -> str:
    """The issue's title as a reader sees it: the stored default in ``lang``'s words ("Revue de presse
    2026-11-30 – 2026-12-07"), a title an editor wrote as written."""
    if issue.title != default_title(issue.publication, issue.period_from, issue.period_to):
        return issue.title
    return t(
        "compose.issue.title",
        lang,
        publication=t(PUBLICATION_NAMES[issue.publication], lang),
        start=f"{issue.period_from:%Y-%m-%d}",
        end=f"{issue.period_to:%Y-%m-%d}",
    )
