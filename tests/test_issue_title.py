"""An editor's own title for an issue: set on the issue page or with `mediawatch issues retitle`, back to
the default name when empty, limited in length on the server, audit-logged, and only while the issue is a
draft or in review. No edition shows it, so it withdraws no approval and makes nobody an edition's author
(four-eyes)."""

from __future__ import annotations

import html
import json
import re

import pytest
from click.testing import CliRunner
from review_samples import (
    make_issue,
    signed_in,
    team_store_fixture,  # noqa: F401 (the store fixture)
)

from mediawatch.cli import cli
from mediawatch.compose.issues import default_title, issue_title
from mediawatch.config import Settings
from mediawatch.errors import Forbidden, Refused
from mediawatch.review import actions, audit, editing
from mediawatch.review.users import acting_user
from mediawatch.review.workflow import unapproved_authors
from mediawatch.types import Edition, EditionState, IssueState
from mediawatch.web.app import create_app

SETTINGS = Settings()


def edition(store, issue_id: int, lang: str) -> Edition:
    return next(e for e in store.issue_content(issue_id).editions if e.language == lang)


def test_a_title_is_set_logged_and_emptied_back_to_the_default_name(store):
    issue_id = make_issue(store)
    ana = acting_user(store, "ana")
    first = store.issue_content(issue_id).issue
    default = default_title(first.publication, first.period_from, first.period_to)
    assert editing.retitle(store, issue_id, ana, "  Spécial\n COP30  ", settings=SETTINGS) is True
    issue = store.find_issue(issue_id)
    assert issue.title == "Spécial COP30"  # one line
    assert issue_title(issue, "es") == "Spécial COP30"
    assert (
        editing.retitle(store, issue_id, ana, "Spécial COP30", settings=SETTINGS) is False
    )  # nothing to log
    assert editing.retitle(store, issue_id, ana, "   ", settings=SETTINGS) is True
    issue = store.find_issue(issue_id)
    assert issue.title == default
    assert issue_title(issue, "fr").startswith("Lettre d'information du ")
    log = [e for e in store.audit(issue_id) if e.action == "issue.title"]
    assert [(e.actor, e.before, e.after) for e in log] == [
        ("ana", first.title, "Spécial COP30"),
        ("ana", "Spécial COP30", default),
    ]
    # the log shows the words written, not a state
    assert audit.action_label("issue.title", "fr") == "titre du numéro modifié"
    assert audit.value_label("issue.title", "Spécial COP30", "fr") == "Spécial COP30"


def test_the_title_is_limited_on_the_server_and_the_message_names_the_field(store):
    issue_id = make_issue(store)
    ana = acting_user(store, "ana")
    too_long = "x" * (editing.MAX_ISSUE_TITLE + 1)
    with pytest.raises(Refused) as refused:
        editing.retitle(store, issue_id, ana, too_long, settings=SETTINGS)
    assert refused.value.reason.text("fr") == "le titre du numéro est trop long : 201 caractères, 200 au plus"
    assert refused.value.reason.text("es").startswith("el título del número es demasiado largo")
    assert editing.retitle(store, issue_id, ana, "x" * editing.MAX_ISSUE_TITLE, settings=SETTINGS) is True


def test_only_an_editor_and_only_before_approval(store):
    issue_id = make_issue(store)
    vic, ana, bruno = (acting_user(store, n) for n in ("vic", "ana", "bruno"))
    with pytest.raises(Forbidden):
        editing.retitle(store, issue_id, vic, "T", settings=SETTINGS)
    actions.submit(store, issue_id, ana)
    assert editing.retitle(store, issue_id, ana, "In review", settings=SETTINGS) is True
    for lang in store.issue_content(issue_id).issue.languages:
        actions.approve(store, issue_id, lang, bruno, SETTINGS)
    assert store.find_issue(issue_id).state is IssueState.APPROVED
    with pytest.raises(Refused) as refused:
        editing.retitle(store, issue_id, ana, "After approval", settings=SETTINGS)
    assert refused.value.reason.text("fr") == "le titre d'un numéro «\u00a0validé\u00a0» ne peut plus changer"
    assert store.find_issue(issue_id).title == "In review"
    # the store holds the same line if an approval lands between the check and the write
    with pytest.raises(Exception, match="its title can no longer change"):
        store.set_issue_title(issue_id, "Raced", actor="ana")


def test_a_title_changed_in_review_withdraws_no_approval_and_makes_no_author(store):
    issue_id = make_issue(store)
    ana, bruno = acting_user(store, "ana"), acting_user(store, "bruno")
    actions.submit(store, issue_id, ana)
    actions.approve(store, issue_id, "fr", bruno, SETTINGS)
    fingerprint = edition(store, issue_id, "fr").approved_fingerprint
    # bruno approved French; he renames the issue: no edition shows the title, so French stays approved
    assert editing.retitle(store, issue_id, bruno, "Semaine des sols", settings=SETTINGS) is True
    fr = edition(store, issue_id, "fr")
    assert (fr.state, fr.approved_fingerprint) == (EditionState.APPROVED, fingerprint)
    status = actions.issue_status(store, issue_id, SETTINGS)
    assert status.edition_state(fr) is EditionState.APPROVED
    # ... and he may still approve the other editions himself (four-eyes counts edition changes only)
    assert unapproved_authors(store.audit(issue_id), "en") == frozenset()
    actions.approve(store, issue_id, "en", bruno, SETTINGS)
    # an item text edited in review is different: it withdraws the approval and makes an author
    item = store.issue_content(issue_id).items[0].id
    editing.edit_text(store, item, "fr", bruno, title="Titre revu", summary=None)
    assert edition(store, issue_id, "fr").state is EditionState.IN_REVIEW
    assert unapproved_authors(store.audit(issue_id), "fr") == {"bruno"}


def test_an_approval_gone_stale_does_not_freeze_the_title(store):
    """Approved under other settings (a template or setting changed since): the issue is really in review
    again, so its title may change; the stale approvals are withdrawn first, with the reason in the log."""
    issue_id = make_issue(store)
    ana, bruno = acting_user(store, "ana"), acting_user(store, "bruno")
    actions.submit(store, issue_id, ana)
    then = Settings(organisation="Autre Org")
    for lang in store.issue_content(issue_id).issue.languages:
        actions.approve(store, issue_id, lang, bruno, then)
    assert store.find_issue(issue_id).state is IssueState.APPROVED
    with pytest.raises(Refused):  # under the settings it was approved with, the approval still holds
        editing.retitle(store, issue_id, ana, "Too late", settings=then)
    assert actions.issue_status(store, issue_id, SETTINGS).state is IssueState.IN_REVIEW
    assert editing.retitle(store, issue_id, ana, "Semaine des sols", settings=SETTINGS) is True
    issue = store.find_issue(issue_id)
    assert (issue.title, issue.state) == ("Semaine des sols", IssueState.IN_REVIEW)
    withdrawn = [
        e for e in store.audit(issue_id) if e.actor == "system" and "renders differently" in e.detail
    ]
    assert withdrawn
    # approved again as it renders now, it is approved, and the title is frozen again
    for lang in issue.languages:
        actions.approve(store, issue_id, lang, bruno, SETTINGS)
    assert store.find_issue(issue_id).state is IssueState.APPROVED
    with pytest.raises(Refused):
        editing.retitle(store, issue_id, ana, "After approval", settings=SETTINGS)


# -- the CLI ----------------------------------------------------------------------------------------------
def test_cli_retitle(db_url, tmp_path, monkeypatch, store):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_USER", raising=False)
    slug = store.find_issue(make_issue(store)).slug

    def run(*args: str, lang: str = "fr"):
        return CliRunner().invoke(cli, ["--db", db_url, "--lang", lang, *args], catch_exceptions=False)

    done = run("issues", "retitle", slug, "Spécial COP30", "--as", "ana")
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"{slug} s'appelle maintenant «\u00a0Spécial COP30\u00a0»"
    again = run("issues", "retitle", slug, "Spécial COP30", "--as", "ana", lang="es")
    assert again.output.strip() == f"{slug} ya se llama «Spécial COP30»: nada ha cambiado"
    shown = json.loads(run("issues", "show", slug, "--json").output)
    assert shown["title"] == "Spécial COP30"
    listed = run("issues", "list").output
    assert "Spécial COP30" in listed
    back = run("issues", "retitle", slug, "", "--as", "ana", lang="en")
    assert back.exit_code == 0, back.output
    assert re.fullmatch(rf"{slug} has its default name again: “Newsletter, \d.*\d{{4}}”", back.output.strip())

    too_long = run("issues", "retitle", slug, "x" * 201, "--as", "ana")
    assert too_long.exit_code == 2
    assert "le titre du numéro est trop long : 201 caractères, 200 au plus" in too_long.output
    viewer = run("issues", "retitle", slug, "T", "--as", "vic")
    assert viewer.exit_code == 2
    assert "Traceback" not in too_long.output + viewer.output
    log = run("issues", "log", slug).output
    assert "titre du numéro modifié" in log


# -- the issue page (in-process; tests/journeys/test_journey_retitle.py posts it in Chromium) ---------------


def test_the_issue_page_form(store):
    issue_id = make_issue(store)
    app = create_app(Settings(secret_key="issue-title-tests-secret-0123456789"), store)
    carla = signed_in(app, "carla")  # an approver, reading French
    page = carla.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'id="issue-title"' in page
    assert 'maxlength="200"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = carla.post(
        f"/issues/{issue_id}/title", data={"title": "y" * 201, "lang": "fr", "csrf_token": token}
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("#retitle")
    page = html.unescape(carla.get(answer.headers["Location"]).get_data(as_text=True))
    assert "Le titre du numéro est trop long : 201 caractères, 200 au plus" in page
    assert store.find_issue(issue_id).title != "y" * 201
    # a viewer sees no form, and posting anyway is refused
    vic = signed_in(app, "vic")
    page = vic.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'id="issue-title"' not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert vic.post(f"/issues/{issue_id}/title", data={"title": "T", "csrf_token": token}).status_code == 403
    # once approved, the form is gone
    actions.submit(store, issue_id, acting_user(store, "ana"))
    for lang in store.issue_content(issue_id).issue.languages:
        actions.approve(store, issue_id, lang, acting_user(store, "bruno"), SETTINGS)
    assert 'id="issue-title"' not in carla.get(f"/issues/{issue_id}").get_data(as_text=True)
