"""Review from the command line: users, the issue workflow, and who may act with ``--as``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from review_samples import PASSWORD, add_team, make_issue, open_store

from mediawatch.cli import cli
from mediawatch.errors import Forbidden
from mediawatch.review import editing
from mediawatch.review.users import acting_user, authenticate


# -- the CLI ----------------------------------------------------------------------------------------------
@pytest.fixture
def cli_env(tmp_path, monkeypatch, db_url):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)
    monkeypatch.delenv("MEDIAWATCH_USER", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

    run.db = db_url
    return run, tmp_path


def test_cli_users(cli_env):
    run, tmp = cli_env
    secret = tmp / "pw.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    result = run("users", "add", "ana", "--role", "editor", "--password-file", str(secret), "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert "added user ana (editor)" in result.output
    result = run("users", "add", "bruno", "--role", "approver", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    result = run("users", "add", "bruno", "--role", "approver", "--password-file", str(secret))
    assert result.exit_code == 2
    assert "already exists" in result.output
    short = tmp / "short.txt"
    short.write_text("abc", encoding="utf-8")
    result = run("--lang", "es", "users", "add", "carla", "--role", "admin", "--password-file", str(short))
    assert result.exit_code == 2
    assert "contraseña demasiado corta" in result.output
    listed = [json.loads(line) for line in run("users", "list", "--json").output.splitlines()]
    assert [(u["name"], u["role"], u["language"]) for u in listed] == [
        ("ana", "editor", "fr"),
        ("bruno", "approver", "en"),
    ]
    assert "ana" in run("users", "list").output
    assert run("users", "passwd", "ana", "--password-file", str(secret)).exit_code == 0
    result = run("users", "update", "bruno", "--role", "admin", "--disable")
    assert result.exit_code == 0, result.output
    assert "bruno: admin, disabled" in result.output
    assert json.loads(run("users", "list", "--json").output.splitlines()[1])["active"] is False
    result = run("issues", "list", "--json")
    assert result.exit_code == 0
    store = open_store(run.db)
    with pytest.raises(Forbidden):
        authenticate(store, "bruno", PASSWORD, "127.0.0.1")
    with pytest.raises(Forbidden, match="bruno is disabled"):
        acting_user(store, "bruno")
    store.close()
    assert run("users", "update", "bruno", "--enable").exit_code == 0
    assert run("users", "update", "nobody", "--enable").exit_code == 2


def test_cli_issue_workflow(cli_env):
    run, tmp = cli_env
    store = open_store(run.db)
    add_team(store)
    issue_id = make_issue(store)
    slug = store.find_issue(issue_id).slug
    store.close()

    listed = json.loads(run("issues", "list", "--json").output)
    assert listed["slug"] == slug
    assert listed["state"] == "draft"
    assert listed["waiting_for"] == ["submission for review"]
    result = run("issues", "approve", slug, "--lang", "fr", "--as", "bruno")
    assert result.exit_code == 2
    assert "still a draft" in result.output
    assert run("issues", "submit", slug, "--as", "ana").exit_code == 0
    result = run("issues", "approve", slug, "--lang", "fr", "--as", "ana")
    assert result.exit_code == 2
    assert "does not allow" in result.output
    result = run("issues", "approve", slug, "--lang", "fr", "--as", "vic")
    assert result.exit_code == 2
    result = run("issues", "approve", slug, "--lang", "fr", "--as", "nobody")
    assert result.exit_code == 2
    assert "no user named nobody" in result.output
    shown = json.loads(run("issues", "show", slug, "--json").output)
    fr = next(e for e in shown["editions"] if e["language"] == "fr")
    assert fr["state"] == "in_review"
    assert len(fr["fingerprint"]) == 64
    assert not shown["sendable"]
    result = run("issues", "approve", slug, "--lang", "fr", "--as", "bruno", "--fingerprint", "0" * 64)
    assert result.exit_code == 2
    assert "changed since you looked" in result.output
    result = run(
        "issues", "approve", slug, "--lang", "fr", "--as", "bruno", "--fingerprint", fr["fingerprint"]
    )
    assert result.exit_code == 0, result.output
    result = run("--lang", "fr", "issues", "approve", slug, "--lang", "fr", "--lang", "en", "--as", "carla")
    assert result.exit_code == 2
    assert "déjà validée" in result.output  # fr was approved by Bruno; nothing else was done
    result = run("--lang", "fr", "issues", "approve", slug, "--lang", "all", "--as", "carla")
    assert result.exit_code == 0, result.output
    assert "édition en anglais validée" in result.output
    assert "édition en espagnol validée" in result.output
    assert "édition en français" not in result.output
    assert f"{slug} est maintenant «\u00a0validé\u00a0»" in result.output
    assert "Sendable" in run("issues", "show", slug).output
    when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    result = run("issues", "schedule", slug, "--at", when, "--as", "bruno")
    assert result.exit_code == 0
    assert "scheduled for" in result.output
    assert run("issues", "schedule", slug, "--at", "tomorrow", "--as", "bruno").exit_code == 2
    log = [json.loads(line) for line in run("issues", "log", slug, "--json").output.splitlines()]
    assert [e["action"] for e in log][:2] == ["issue.create", "issue.in_review"]
    assert any(e["action"] == "edition.approved" and e["actor"] == "carla" for e in log)
    assert "bruno" in run("issues", "log", slug).output
    result = run("issues", "preview-link", slug, "--lang", "es", "--as", "ana")
    assert result.exit_code == 0
    assert "/p/" in result.output
    result = run("issues", "reject", slug, "--lang", "es", "--as", "bruno", "--note", "Typo in the subject")
    assert result.exit_code == 0, result.output
    assert json.loads(run("issues", "list", "--json").output)["state"] == "draft"
    assert run("issues", "cancel", slug, "--as", "root").exit_code == 0
    assert json.loads(run("issues", "list", "--state", "cancelled", "--json").output)["slug"] == slug


@pytest.mark.parametrize(
    ("lang", "unknown", "disabled", "viewer"),
    [
        ("en", "no user named nobody", "account of bruno is disabled", "vic is viewer: that role does not"),
        ("fr", "aucun utilisateur nommé nobody", "compte de bruno est désactivé", "vic a le rôle lecteur"),
        (
            "es",
            "ningún usuario llamado nobody",
            "cuenta de bruno está desactivada",
            "vic tiene el rol lector",
        ),
    ],
)
def test_cli_as_must_be_an_enabled_user_who_may_edit(cli_env, lang, unknown, disabled, viewer):
    run, tmp = cli_env
    store = open_store(run.db)
    add_team(store)
    issue_id = make_issue(store)
    slug = store.find_issue(issue_id).slug
    store.update_user("bruno", active=False)
    block_id = store.add_block(issue_id, "fr", editing.BlockKind.AGENDA, title="t", body="b", actor="ana")
    content = store.issue_content(issue_id)
    logged = len(store.audit(issue_id))
    store.close()
    attempts = [
        ("issues", "block", "add", slug, "--lang", "fr", "--kind", "agenda", "--title", "Hi"),
        ("issues", "block", "edit", str(block_id), "--title", "Changed"),
        ("issues", "block", "delete", str(block_id)),
        ("translate", "--retry", "--issue", slug),
        ("issues", "preview-link", slug, "--lang", "fr"),
    ]
    for args in attempts:
        for who, expected in (("nobody", unknown), ("bruno", disabled), ("vic", viewer)):
            result = run("--lang", lang, *args, "--as", who)
            assert result.exit_code != 0, (args, who, result.output)
            assert expected in result.output, (args, who, result.output)
            assert "Traceback" not in result.output
    store = open_store(run.db)
    assert len(store.audit(issue_id)) == logged  # nothing written, no name recorded
    assert store.issue_content(issue_id).blocks == content.blocks
    store.close()
    result = run("issues", "block", "edit", str(block_id), "--title", "Changed", "--as", "ana")
    assert result.exit_code == 0, result.output
    result = run(
        "issues", "block", "add", slug, "--lang", "fr", "--kind", "agenda", "--title", "x", "--body", "y",
        "--as", "ana",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    store = open_store(run.db)
    assert [e.actor for e in store.audit(issue_id)[logged:] if e.action.startswith("block.")] == [
        "ana",
        "ana",
    ]
    store.close()
