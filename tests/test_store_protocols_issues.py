"""The Protocols of the issue-side repositories list exactly their mixins' public methods, with the same
signatures (mypy checks, in store/protocols/__init__.py, that ``Store`` provides them); and the workflow
rules that left the store still reach the user from their stage, also when the store refuses a write."""

from __future__ import annotations

import inspect

import pytest
from review_samples import add_team, make_issue, open_store

from mediawatch.errors import ConflictError, Refused, WorkflowError
from mediawatch.review import editing
from mediawatch.store import protocols as p
from mediawatch.store.editions import EditionRecords, TranslationCacheRecords
from mediawatch.store.issues import IssueRecords
from mediawatch.store.outbox import OutboxRecords
from mediawatch.store.reporting import ReportRecords
from mediawatch.store.review import ReviewRecords
from mediawatch.store.submissions import SubmissionRecords
from mediawatch.store.subscribers import SubscriberRecords
from mediawatch.store.users import UserRecords
from mediawatch.types import BlockKind, IssueState, Role

PAIRS = [
    (IssueRecords, p.IssueRepository),
    (EditionRecords, p.EditionRepository),
    (TranslationCacheRecords, p.TranslationCacheRepository),
    (ReviewRecords, p.ReviewRepository),
    (UserRecords, p.UserRepository),
    (SubscriberRecords, p.SubscriberRepository),
    (OutboxRecords, p.OutboxRepository),
    (ReportRecords, p.ReportingRepository),
    (SubmissionRecords, p.SubmissionRepository),
]


def _public(cls: type) -> dict[str, object]:
    return {name: value for name, value in vars(cls).items() if not name.startswith("_") and callable(value)}


@pytest.mark.parametrize(("mixin", "protocol"), PAIRS, ids=[m.__name__ for m, _ in PAIRS])
def test_protocol_lists_every_public_method_of_its_repository(mixin, protocol):
    methods, declared = _public(mixin), _public(protocol)
    assert sorted(methods) == sorted(declared), f"{protocol.__name__} and {mixin.__name__} differ"
    for name, method in methods.items():
        real = inspect.signature(inspect.unwrap(method))
        stub = inspect.signature(declared[name])
        assert real.parameters == stub.parameters, f"{mixin.__name__}.{name}: {real} != {stub}"
        if not hasattr(method, "__wrapped__"):  # a context manager is declared by what `with` gets
            assert real.return_annotation == stub.return_annotation, f"{mixin.__name__}.{name}"


def test_every_repository_mixin_has_a_protocol():
    from mediawatch.store.store import Store

    mine = {m for m, _ in PAIRS}
    issue_side = {
        "issues", "editions", "review", "users", "subscribers", "outbox", "reporting", "submissions",
    }  # fmt: skip
    found = {c for c in Store.__mro__ if c.__module__.rsplit(".", 1)[-1] in issue_side}
    assert found == mine


def test_the_store_raises_no_workflow_error():
    """The store stores: a rule is its stage's, and a refused conditional write is a ConflictError."""
    import ast
    import pathlib

    import mediawatch.store

    raised = []
    for path in pathlib.Path(mediawatch.store.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and "WorkflowError" in ast.unparse(node):
                raised.append(f"{path.name}:{node.lineno}")
    assert raised == []


class _SentMeanwhile:
    """The real store, except that the issue is sent just before the edit is written (a send starting
    between the stage's check and the write)."""

    def __init__(self, store, issue_id):
        self._store, self._issue_id = store, issue_id

    def __getattr__(self, name):
        return getattr(self._store, name)

    def _sent_first(self, name):
        def write(*args, **kwargs):
            self._store.set_issue_state(self._issue_id, IssueState.SENT, actor="deliver")
            return getattr(self._store, name)(*args, **kwargs)

        return write

    @property
    def set_item_text(self):
        return self._sent_first("set_item_text")

    @property
    def add_block(self):
        return self._sent_first("add_block")


def test_an_edit_racing_a_send_is_refused_as_the_stage_says_it(db_url):
    with open_store(db_url) as store:
        add_team(store)
        ana = store.user("ana")
        issue_id = make_issue(store)
        item = store.issue_content(issue_id).items[0]
        lang = item.texts[0].language
        racing = _SentMeanwhile(store, issue_id)
        with pytest.raises(Refused, match="sent: its content can no longer change"):
            editing.edit_text(racing, item.id, lang, ana, title="late", summary=None)
        after = store.issue_content(issue_id)
        assert after.issue.state is IssueState.SENT
        assert after.items[0].text(lang).title == item.text(lang).title  # nothing written
        store.set_issue_state(issue_id, IssueState.DRAFT, actor="test")
        with pytest.raises(Refused, match="sent"):
            editing.add_block(racing, issue_id, lang, BlockKind.EDITORIAL, ana, title="t", body="b", link="")
        assert store.issue_content(issue_id).blocks == ()
        # without the stage, the store's own refusal is a storage conflict, not a workflow rule
        with pytest.raises(ConflictError) as refused:
            store.set_item_text(item.id, lang, title="late", actor="x")
        assert not isinstance(refused.value, WorkflowError)


def test_missing_rows_are_none_for_the_store_and_refusals_for_the_stage(db_url):
    with open_store(db_url) as store:
        add_team(store)
        ana = store.user("ana")
        assert store.find_issue("nope") is None
        assert store.item_issue_id(999_999) is None
        assert store.block(999_999) is None
        assert store.add_comment(999_999, "ana", "hello") is None
        assert store.add_user("someone", Role.EDITOR, "hash", "en") is not None
        assert store.add_user("someone", Role.EDITOR, "hash", "en") is None
        assert store.update_user("nobody", language="fr") is None
        with pytest.raises(Refused, match="no item 999999"):
            editing.comment(store, 999_999, ana, "hello")
        with pytest.raises(Refused, match="no block 999999"):
            editing.delete_block(store, 999_999, ana)


def test_files_beside_the_database_are_placed_in_one_place(tmp_path):
    """The secret key and the learned model sit beside the SQLite file however it is named; no other
    database has such a place (the stages no longer parse database URLs)."""
    from mediawatch.config import Settings, model_file, secret_key_file, sqlite_file

    db = tmp_path / "watch.sqlite3"
    for given in (str(db), f"sqlite:///{db}"):
        settings = Settings(db=given)
        assert sqlite_file(given) == db
        assert secret_key_file(settings) == tmp_path / "watch.sqlite3.secret-key"
        assert model_file(settings) == tmp_path / "watch.relevance-model.npz"
    for other in ("sqlite://", "sqlite:///:memory:", "postgresql://u:secret@db.example.org/mw"):
        assert sqlite_file(other) is None
        assert secret_key_file(Settings(db=other)) is None
