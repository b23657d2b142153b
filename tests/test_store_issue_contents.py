"""Every open issue read in one pass (``Store.issue_contents``, ``Store.audits``) says exactly what reading
them one by one says, on SQLite and on PostgreSQL: the approver's count relies on it."""

from __future__ import annotations

from storage_samples import seed

from mediawatch.store import Store
from mediawatch.types import IssueState


def test_issues_read_together_are_read_as_one_by_one(db_url):
    with Store(db_url) as store:
        ids = seed(store)  # a draft with blocks and comments, an issue being sent
        everyone = store.list_issues()
        assert len(everyone) == 2
        together = store.issue_contents(states=tuple(IssueState))
        assert together == [store.issue_content(issue.id) for issue in everyone]
        assert any(content.blocks for content in together)

        assert store.issue_contents(states=(IssueState.SENDING,)) == [store.issue_content(ids["sent_issue"])]
        assert store.issue_contents(states=(IssueState.APPROVED, IssueState.SCHEDULED)) == []

        assert store.audits([ids["issue"], ids["sent_issue"]]) == {
            ids["issue"]: store.audit(ids["issue"]),
            ids["sent_issue"]: store.audit(ids["sent_issue"]),
        }
        assert store.audits([]) == {}
        assert store.audits([10**9]) == {10**9: []}
