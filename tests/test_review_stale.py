"""A stale approval: approved, but the edition renders differently now (a template or a setting changed).

It is back in review everywhere (issues list, `issues show`, what sending waits for), and an approver
approves the content as it renders now directly, with the reason in the audit log; four-eyes still holds,
and nothing is ever sendable whose content differs from what was approved.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from review_samples import add_team, make_issue, open_store

from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.review import actions, audit, editing
from mediawatch.review.users import acting_user
from mediawatch.review.workflow import (
    approve_refusal,
    shown_edition_state,
    shown_issue_state,
    stale_languages,
    waiting_for,
)
from mediawatch.types import Edition, EditionState, Issue, IssueState, Publication, Role


# -- the pure rules ---------------------------------------------------------------------------------------
def _issue(state: IssueState, scheduled: datetime | None = None) -> Issue:
    return Issue(
        id=1,
        slug="press-review-2026-12-07",
        publication=Publication.PRESS_REVIEW,
        title="t",
        period_from=datetime(2026, 11, 30, tzinfo=UTC),
        period_to=datetime(2026, 12, 7, tzinfo=UTC),
        languages=("fr", "en"),
        state=state,
        created_at=datetime(2026, 12, 7, tzinfo=UTC),
        created_by="compose",
        scheduled_for=scheduled,
    )


def _approved(lang: str, fp: str) -> Edition:
    return Edition(1, lang, EditionState.APPROVED, approved_fingerprint=fp, approved_by="bruno")


def test_a_stale_approval_is_in_review_and_may_be_approved_again():
    issue = _issue(IssueState.APPROVED)
    fr, en = _approved("fr", "a" * 64), _approved("en", "b" * 64)
    stale = stale_languages([fr, en], {"fr": "c" * 64, "en": "b" * 64})
    assert stale == {"fr"}
    assert stale_languages([fr], {}) == frozenset()  # not rendered now: says nothing of staleness
    assert shown_edition_state(fr, stale) is EditionState.IN_REVIEW
    assert shown_edition_state(en, stale) is EditionState.APPROVED
    assert shown_issue_state(issue, stale) is IssueState.IN_REVIEW
    assert shown_issue_state(issue, frozenset()) is IssueState.APPROVED
    assert [w.key for w in waiting_for(issue, [fr, en], stale)] == ["review.waiting.reapproval"]
    assert [w.key for w in waiting_for(issue, [fr, en])] == ["review.waiting.schedule"]

    kwargs = {"actor": "bruno", "role": Role.APPROVER, "authors": (), "four_eyes": True}
    assert approve_refusal(issue, fr, current_fingerprint="c" * 64, **kwargs) is None
    refused = approve_refusal(issue, en, current_fingerprint="b" * 64, **kwargs)
    assert refused is not None
    assert refused.key == "review.refused.already_approved"
    # a scheduled issue keeps its time: only its stale edition may be approved again
    when = datetime(2026, 12, 8, 7, tzinfo=UTC)
    scheduled = _issue(IssueState.SCHEDULED, when)
    assert approve_refusal(scheduled, fr, current_fingerprint="c" * 64, **kwargs) is None
    assert approve_refusal(scheduled, en, current_fingerprint="b" * 64, **kwargs) is not None
    assert [w.key for w in waiting_for(scheduled, [fr, en], stale)] == [
        "review.waiting.reapproval",
        "review.waiting.send",
    ]
    # four-eyes still applies
    refused = approve_refusal(issue, fr, current_fingerprint="c" * 64, **{**kwargs, "authors": ("bruno",)})
    assert refused is not None
    assert refused.key == "review.refused.four_eyes"


# -- the CLI, as the README describes it ------------------------------------------------------------------
@pytest.fixture
def cli_env(tmp_path, monkeypatch, db_url):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    for name in ("MEDIAWATCH_DB", "MEDIAWATCH_USER", "MEDIAWATCH_ORGANISATION"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    store = open_store(db_url)
    add_team(store)
    issue_id = make_issue(store)
    slug = store.find_issue(issue_id).slug
    store.close()
    return run, slug, monkeypatch


def _listed(run, *more: str) -> list[dict]:
    return [json.loads(line) for line in run("issues", "list", "--json", *more).output.splitlines()]


def test_a_setting_changed_after_approval_sends_the_issue_back_to_review_and_it_is_approved_again(cli_env):
    run, slug, monkeypatch = cli_env
    assert run("issues", "submit", slug, "--as", "ana").exit_code == 0
    assert run("issues", "approve", slug, "--lang", "all", "--as", "bruno").exit_code == 0
    assert _listed(run)[0]["state"] == "approved"

    monkeypatch.setenv("MEDIAWATCH_ORGANISATION", "Autre Org")
    result = run("send", slug)
    assert result.exit_code == 2
    assert "changed since it was approved" in result.output

    listed = _listed(run)[0]
    assert listed["state"] == "in_review", listed
    assert listed["editions"] == {"fr": "in_review", "en": "in_review", "es": "in_review"}
    assert listed["stale"] == ["en", "es", "fr"]
    assert listed["waiting_for"][0] == (
        "new approval of the French edition (it renders differently since it was approved)"
    )
    assert [i["slug"] for i in _listed(run, "--state", "in_review")] == [slug]
    assert _listed(run, "--state", "approved") == []
    table = run("issues", "list").output
    assert "French: in review" in table
    assert "French: approved" not in table
    shown = json.loads(run("issues", "show", slug, "--json").output)
    assert shown["state"] == "in_review"
    assert {e["language"]: (e["state"], e["stale"]) for e in shown["editions"]} == {
        "fr": ("in_review", True),
        "en": ("in_review", True),
        "es": ("in_review", True),
    }
    assert not shown["sendable"]

    # The approver approves what renders now, directly: no reject/submit cycle.
    result = run("issues", "approve", slug, "--lang", "all", "--as", "bruno")
    assert result.exit_code == 0, result.output
    assert "approved" in result.output.splitlines()[-1]
    listed = _listed(run)[0]
    assert listed["state"] == "approved"
    assert listed["stale"] == []
    assert listed["waiting_for"] == ["scheduling"]
    shown = json.loads(run("issues", "show", slug, "--json").output)
    assert shown["sendable"], shown["blockers"]

    # The log says why the approval was withdrawn, then who approved again; the issue went to review once.
    log = [json.loads(line) for line in run("issues", "log", slug, "--json").output.splitlines()]
    withdrawn = [e for e in log if e["action"] == "edition.in_review" and e["before"] == "approved"]
    assert [(e["actor"], e["language"]) for e in withdrawn] == [
        ("system", "fr"),
        ("system", "en"),
        ("system", "es"),
    ]
    assert all("renders differently since it was approved" in e["detail"] for e in withdrawn)
    issue_moves = [(e["before"], e["after"]) for e in log if e["action"].startswith("issue.")][-2:]
    assert issue_moves == [("approved", "in_review"), ("in_review", "approved")]
    assert audit.note_text(withdrawn[0]["detail"], "fr").startswith(
        "le rendu de l'édition en français a changé depuis sa validation (validée "
    )

    # Back to the old setting: the new approvals are stale in turn, never sendable as they stand.
    monkeypatch.delenv("MEDIAWATCH_ORGANISATION")
    assert run("send", slug).exit_code == 2
    assert _listed(run)[0]["state"] == "in_review"


def test_a_stale_approval_still_obeys_four_eyes(cli_env, db_url):
    run, slug, monkeypatch = cli_env
    store = open_store(db_url)
    issue_id = store.find_issue(slug).id
    item = store.issue_content(issue_id).items[0].id
    # bruno rewrites a French title, carla approves it: bruno's change is covered by her approval
    editing.edit_text(store, item, "fr", acting_user(store, "bruno"), title="Titre revu", summary=None)
    store.close()
    assert run("issues", "submit", slug, "--as", "ana").exit_code == 0
    assert run("issues", "approve", slug, "--lang", "all", "--as", "carla").exit_code == 0

    monkeypatch.setenv("MEDIAWATCH_ORGANISATION", "Autre Org")
    # Her approval no longer vouches for what would be sent, so bruno's change is nobody's approved one.
    result = run("issues", "approve", slug, "--lang", "fr", "--as", "bruno")
    assert result.exit_code == 2
    assert "four-eyes" in result.output
    assert _listed(run)[0]["editions"]["fr"] == "in_review"
    result = run("issues", "approve", slug, "--lang", "fr", "--as", "carla")
    assert result.exit_code == 0, result.output


def test_a_scheduled_issue_whose_approval_went_stale_keeps_its_time(cli_env):
    run, slug, monkeypatch = cli_env
    assert run("issues", "submit", slug, "--as", "ana").exit_code == 0
    assert run("issues", "approve", slug, "--lang", "all", "--as", "bruno").exit_code == 0
    when = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    assert (
        run("issues", "schedule", slug, "--at", when.strftime("%Y-%m-%dT%H:%M"), "--as", "bruno").exit_code
        == 0
    )

    monkeypatch.setenv("MEDIAWATCH_ORGANISATION", "Autre Org")
    listed = _listed(run)[0]
    assert listed["state"] == "scheduled"
    assert listed["editions"]["fr"] == "in_review"
    assert listed["waiting_for"][0].startswith("new approval of the French edition")
    assert listed["waiting_for"][-1].startswith("sending on")
    result = run("issues", "approve", slug, "--lang", "all", "--as", "bruno")
    assert result.exit_code == 0, result.output
    listed = _listed(run)[0]
    assert listed["state"] == "scheduled"
    assert listed["stale"] == []
    assert json.loads(run("issues", "show", slug, "--json").output)["sendable"]


def test_approving_a_stale_edition_binds_it_to_the_content_now(db_url):
    """The library: the new approval's fingerprint is the one rendered now, and check_sendable agrees."""
    store = open_store(db_url)
    add_team(store)
    issue_id = make_issue(store, languages=("fr",))
    settings = Settings(db=db_url)
    bruno = acting_user(store, "bruno")
    actions.submit(store, issue_id, acting_user(store, "ana"))
    actions.approve(store, issue_id, "fr", bruno, settings)
    changed = replace(settings, organisation="Autre Org")
    assert actions.check_sendable(store, issue_id, changed)
    assert actions.issue_status(store, issue_id, changed).state is IssueState.IN_REVIEW
    edition = actions.approve(store, issue_id, "fr", bruno, changed)
    assert edition.approved_fingerprint == actions.render_now(store.issue_content(issue_id), "fr", changed)[1]
    assert actions.check_sendable(store, issue_id, changed) == []
    assert actions.check_sendable(store, issue_id, settings)  # the old setting: not what was approved
    store.close()


def test_the_approvals_of_a_closed_issue_are_its_history_not_stale(cli_env):
    """Once an issue has left review (cancelled here; sending and sent alike) nothing is rendered to list
    it, and its approved editions stay approved whatever the settings say now."""
    run, slug, monkeypatch = cli_env
    assert run("issues", "submit", slug, "--as", "ana").exit_code == 0
    assert run("issues", "approve", slug, "--lang", "all", "--as", "bruno").exit_code == 0
    assert run("issues", "cancel", slug, "--as", "bruno").exit_code == 0
    monkeypatch.setenv("MEDIAWATCH_ORGANISATION", "Autre Org")
    listed = _listed(run)[0]
    assert (listed["state"], listed["stale"]) == ("cancelled", [])
    assert set(listed["editions"].values()) == {"approved"}
    shown = json.loads(run("issues", "show", slug, "--json").output)
    assert [e["stale"] for e in shown["editions"]] == [False, False, False]
