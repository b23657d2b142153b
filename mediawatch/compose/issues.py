"""The issue a person named, by id or slug: the store answers None, the stage says what was wrong."""

from __future__ import annotations

from mediawatch.errors import WorkflowError
from mediawatch.store.protocols import IssueReader
from mediawatch.types import Issue


def find_issue(store: IssueReader, ref: str | int) -> Issue:
    """The issue ``ref`` names; WorkflowError naming ``ref`` when there is none."""
    issue = store.find_issue(ref)
    if issue is None:
        text = str(ref).strip()
        raise WorkflowError(f"no issue {text!r} (give an issue id or slug; `mediawatch issues list`)")
    return issue
