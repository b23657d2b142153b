"""Review rules: pure decisions, the workflow on a real store with real rendering, users, links (the
commands: tests/test_review_cli.py)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from pg_server import secret_key_for
from review_samples import LANGS, PASSWORD, add_team, make_issue, open_store

from mediawatch.config import Settings, secret_key_file
from mediawatch.errors import Forbidden, Refused
from mediawatch.i18n import number
from mediawatch.review import actions, editing
from mediawatch.review.links import preview_token, read_preview_token, secret_key
from mediawatch.review.users import acting_user, add_user, authenticate
from mediawatch.review.workflow import (
    ISSUE_TRANSITIONS,
    Permission,
    approve_refusal,
    is_content_change,
    last_content_author,
    may,
    reason,
    sendable_reasons,
    transition_refusal,
    unapproved_authors,
    waiting_for,
)
from mediawatch.types import (
    BlockKind,
    Edition,
    EditionState,
    Issue,
    IssueState,
    ItemStatus,
    Publication,
    Role,
)


# -- pure rules -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    actor: str
    action: str
    language: str = ""
    before: str | None = None
    after: str | None = None


def _issue(state: IssueState, languages: tuple[str, ...] = ("fr", "en")) -> Issue:
    at = datetime(2026, 11, 24, tzinfo=UTC)
    return Issue(1, "n-1", Publication.NEWSLETTER, "N", at, at, languages, state, at, "compose")


def _edition(lang: str, state: EditionState, fp: str = "") -> Edition:
    return Edition(1, lang, state, approved_fingerprint=fp, approved_by="bruno" if fp else "")


def test_transitions_follow_the_workflow():
    path = [IssueState.DRAFT, IssueState.IN_REVIEW, IssueState.APPROVED, IssueState.SCHEDULED]
    path += [IssueState.SENDING, IssueState.SENT]
    for current, target in zip(path, path[1:], strict=False):
        assert transition_refusal(current, target) is None, (current, target)
    for state in (IssueState.DRAFT, IssueState.IN_REVIEW, IssueState.APPROVED, IssueState.SCHEDULED):
        assert transition_refusal(state, IssueState.CANCELLED) is None
    assert ISSUE_TRANSITIONS[IssueState.SENT] == frozenset()
    assert ISSUE_TRANSITIONS[IssueState.CANCELLED] == frozenset()
    refused = transition_refusal(IssueState.SENDING, IssueState.CANCELLED)
    assert refused is not None
    assert refused.text("en") == "an issue cannot go from sending to cancelled"
    assert (
        refused.text("fr")
        == "un numéro ne peut pas passer de l'état «\u00a0en cours d'envoi\u00a0» à «\u00a0annulé\u00a0»"
    )
    assert transition_refusal(IssueState.DRAFT, IssueState.APPROVED) is not None


def test_roles():
    assert not may(Role.VIEWER, Permission.EDIT)
    assert may(Role.VIEWER, Permission.VIEW)
    assert may(Role.EDITOR, Permission.EDIT)
    assert may(Role.EDITOR, Permission.SUBMIT)
    assert not may(Role.EDITOR, Permission.APPROVE)
    assert may(Role.APPROVER, Permission.APPROVE)
    assert may(Role.APPROVER, Permission.SCHEDULE)
    assert not may(Role.APPROVER, Permission.MANAGE_USERS)
    assert all(may(Role.ADMIN, p) for p in Permission)


def test_last_content_author_skips_the_system_and_what_does_not_change_content():
    lines = [
        Line("compose", "issue.create"),
        Line("ana", "item.summary", "fr"),
        Line("translate", "item.translate", "fr"),  # a machine change: Ana's edit still needs other eyes
        Line("bruno", "item.comment"),
        Line("bruno", "item.accepted", before="proposed", after="accepted"),  # shown either way
        Line("carla", "item.title", "en"),
        Line("system", "edition.reopened", "fr"),
    ]
    assert last_content_author(lines, "fr") == "ana"
    assert last_content_author(lines, "en") == "carla"
    assert last_content_author(lines, "es") == ""
    lines.append(Line("bruno", "item.rejected", before="accepted", after="rejected"))  # every edition
    assert last_content_author(lines, "fr") == last_content_author(lines, "es") == "bruno"
    assert is_content_change(Line("x", "block.add", "fr"))
    assert is_content_change(Line("x", "item.move"))
    assert not is_content_change(Line("x", "preview.link", "fr"))


def test_unapproved_authors_are_everyone_since_the_standing_approval():
    def approved(lang: str) -> Line:
        return Line("carla", "edition.approved", lang, "in_review", "approved")

    lines = [
        Line("compose", "issue.create"),
        Line("bruno", "item.summary", "fr"),  # Bruno rewrites...
        Line("ana", "item.move"),  # ...Ana moves an item down...
        Line("ana", "item.move"),  # ...and up again: Bruno is still an author of what awaits approval
        Line("translate", "item.translate", "fr"),
        Line("vic", "item.comment"),
    ]
    assert unapproved_authors(lines, "fr") == {"bruno", "ana"}
    assert unapproved_authors(lines, "en") == {"ana"}  # moves change every edition
    lines.append(approved("fr"))
    assert unapproved_authors(lines, "fr") == set()  # Carla's approval covers both
    lines.append(Line("system", "edition.reopened", "fr", "approved", "in_review"))
    lines.append(Line("ana", "item.title", "fr"))
    assert unapproved_authors(lines, "fr") == {"ana"}  # the approval stands for what it saw
    lines.append(approved("fr"))
    lines.append(Line("carla", "edition.draft", "fr", "approved", "draft"))  # rejected: withdrawn
    assert unapproved_authors(lines, "fr") == {"ana"}
    lines.append(Line("bruno", "block.add", "fr"))
    assert unapproved_authors(lines, "fr") == {"ana", "bruno"}
    # an approval voided because the content moved under it covers nothing
    lines += [approved("fr"), Line("system", "edition.in_review", "fr", "approved", "in_review")]
    assert unapproved_authors(lines, "fr") == {"ana", "bruno"}


def test_approve_refusals():
    issue = _issue(IssueState.IN_REVIEW)
    edition = _edition("fr", EditionState.IN_REVIEW)

    def refusal(**changes):
        args = {
            "actor": "bruno",
            "role": Role.APPROVER,
            "authors": {"ana"},
            "four_eyes": True,
            "current_fingerprint": "f1",
            "seen_fingerprint": None,
        }
        args.update(changes)
        found = approve_refusal(changes.pop("issue", issue), changes.pop("edition", edition), **args)
        return found.key if found else None

    assert refusal() is None
    assert refusal(role=Role.EDITOR) == "review.refused.role"
    assert refusal(role=Role.VIEWER) == "review.refused.role"
    assert refusal(authors={"bruno"}) == "review.refused.four_eyes"
    assert refusal(authors={"ana", "bruno"}) == "review.refused.four_eyes"  # not only the last one
    assert refusal(authors={"bruno"}, four_eyes=False) is None
    assert refusal(seen_fingerprint="f0") == "review.refused.stale_view"
    assert refusal(seen_fingerprint="f1") is None
    assert approve_refusal(
        _issue(IssueState.DRAFT),
        edition,
        actor="b",
        role=Role.ADMIN,
        authors=(),
        four_eyes=True,
        current_fingerprint="f",
    ) == reason("review.refused.not_submitted")
    approved = _edition("fr", EditionState.APPROVED, "f1")
    found = approve_refusal(
        issue, approved, actor="b", role=Role.ADMIN, authors=(), four_eyes=True, current_fingerprint="f1"
    )
    assert found is not None
    assert found.key == "review.refused.already_approved"


def test_sendable_needs_every_edition_approved_as_rendered_now():
    issue = _issue(IssueState.APPROVED)
    editions = [_edition("fr", EditionState.APPROVED, "a"), _edition("en", EditionState.APPROVED, "b")]
    assert sendable_reasons(issue, editions, {"fr": "a", "en": "b"}, {}) == []
    stale = sendable_reasons(issue, editions, {"fr": "a", "en": "c"}, {})
    assert [r.key for r in stale] == ["review.blocker.stale"]
    assert "the English edition changed" in stale[0].text("en")
    assert "l'édition en anglais a changé" in stale[0].text("fr")
    broken = sendable_reasons(issue, editions, {"fr": "a"}, {"en": "too big"})
    assert [r.key for r in broken] == ["review.blocker.render"]
    half = [editions[0], _edition("en", EditionState.IN_REVIEW)]
    assert [r.key for r in sendable_reasons(issue, half, {"fr": "a", "en": "b"}, {})] == [
        "review.blocker.not_approved"
    ]
    missing = sendable_reasons(issue, editions[:1], {"fr": "a"}, {})
    assert [r.key for r in missing] == ["review.blocker.no_edition"]
    draft = sendable_reasons(replace(issue, state=IssueState.DRAFT), editions, {"fr": "a", "en": "b"}, {})
    assert [r.key for r in draft] == ["review.blocker.state"]
    assert [w.key for w in waiting_for(replace(issue, state=IssueState.IN_REVIEW), half)] == [
        "review.waiting.approval"
    ]


# -- the workflow on a real store ---------------------------------------------------------------------
@pytest.fixture
def env(db_url):
    store = open_store(db_url)
    add_team(store)
    settings = Settings(db=db_url, secret_key=secret_key_for(db_url))
    yield store, settings
    store.close()


def _user(store, name):
    return acting_user(store, name)


def test_full_workflow_to_sent(env):
    store, settings = env
    issue_id = make_issue(store)
    ana, bruno = _user(store, "ana"), _user(store, "bruno")
    assert actions.check_sendable(store, issue_id, settings)
    with pytest.raises(Refused, match="still a draft"):
        actions.approve(store, issue_id, "fr", bruno, settings)
    actions.submit(store, issue_id, ana, note="ready")
    assert {e.state for e in store.issue_content(issue_id).editions} == {EditionState.IN_REVIEW}
    for lang in LANGS:
        edition = actions.approve(store, issue_id, lang, bruno, settings, note="fine")
        assert edition.state is EditionState.APPROVED
        assert (
            edition.approved_fingerprint
            == actions.render_now(store.issue_content(issue_id), lang, settings)[1]
        )
    assert store.find_issue(issue_id).state is IssueState.APPROVED
    assert actions.check_sendable(store, issue_id, settings) == []
    with pytest.raises(Refused, match="in the past"):
        actions.schedule(store, issue_id, bruno, datetime.now(UTC) - timedelta(hours=1), settings)
    with pytest.raises(Forbidden):
        actions.schedule(store, issue_id, ana, datetime.now(UTC) + timedelta(hours=1), settings)
    when = datetime.now(UTC) + timedelta(days=1)
    assert actions.schedule(store, issue_id, bruno, when, settings).state is IssueState.SCHEDULED
    actions.begin_sending(store, issue_id, settings)
    actions.mark_sent(store, issue_id)
    assert store.find_issue(issue_id).state is IssueState.SENT
    with pytest.raises(Refused):
        actions.cancel(store, issue_id, bruno)
    actions_logged = [e.action for e in store.audit(issue_id)]
    for action in ("issue.in_review", "edition.approved", "issue.approved", "issue.scheduled", "issue.sent"):
        assert action in actions_logged


def test_four_eyes_and_its_switch(env):
    store, settings = env
    issue_id = make_issue(store)
    bruno, carla = _user(store, "bruno"), _user(store, "carla")
    actions.submit(store, issue_id, _user(store, "ana"))
    item = store.issue_content(issue_id).items[0]
    editing.edit_text(store, item.id, "fr", bruno, title=None, summary="Bruno's own words")
    with pytest.raises(Forbidden, match="four-eyes") as caught:
        actions.approve(store, issue_id, "fr", bruno, settings)
    assert "quatre yeux" in caught.value.reason.text("fr")
    actions.approve(store, issue_id, "en", bruno, settings)  # Bruno did not touch English
    actions.approve(store, issue_id, "fr", carla, settings)
    # a team of one switches the rule off
    other = make_issue(store)
    actions.submit(store, other, bruno)
    editing.edit_text(store, store.issue_content(other).items[0].id, "fr", bruno, title="Mine", summary=None)
    actions.approve(store, other, "fr", bruno, replace(settings, four_eyes=False))


@pytest.mark.parametrize(
    ("lang", "never", "since"),
    [
        ("fr", "l'édition en français, qui n'a encore jamais été validée ;", "depuis sa dernière validation"),
        ("en", "the French edition, which has never been approved, so", "since it was last approved"),
        ("es", "la edición en francés, que nunca se ha aprobado, así que", "desde su última aprobación"),
    ],
)
def test_four_eyes_says_whether_the_edition_was_ever_approved(env, lang, never, since):
    """ "since it was last approved" read wrong on an edition that never had an approval."""
    store, settings = env
    issue_id = make_issue(store)
    bruno, carla = _user(store, "bruno"), _user(store, "carla")
    actions.submit(store, issue_id, _user(store, "ana"))
    item = store.issue_content(issue_id).items[0]
    editing.edit_text(store, item.id, "fr", bruno, title=None, summary="Bruno's own words")
    review = actions.review_editions(store, issue_id, settings, ["fr"])[0]
    assert not review.approved_before
    with pytest.raises(Forbidden) as caught:
        actions.approve(store, issue_id, "fr", bruno, settings)
    assert never in caught.value.reason.text(lang)
    assert since not in caught.value.reason.text(lang)

    actions.approve(store, issue_id, "fr", carla, settings)
    editing.edit_text(store, item.id, "fr", bruno, title=None, summary="Bruno again")
    assert actions.review_editions(store, issue_id, settings, ["fr"])[0].approved_before
    with pytest.raises(Forbidden) as caught:
        actions.approve(store, issue_id, "fr", bruno, settings)
    assert since in caught.value.reason.text(lang)


def test_four_eyes_cannot_be_laundered_by_a_later_harmless_change(env):
    store, settings = env
    issue_id = make_issue(store)
    ana, bruno, carla = _user(store, "ana"), _user(store, "bruno"), _user(store, "carla")
    actions.submit(store, issue_id, ana)
    first = store.issue_content(issue_id).items[0]
    editing.edit_text(store, first.id, "fr", bruno, title=None, summary="Bruno's own words")
    editing.shift_item(store, first.id, ana, +1)  # Ana moves it down and up: nothing changed
    editing.shift_item(store, first.id, ana, -1)
    with pytest.raises(Forbidden, match="four-eyes") as caught:
        actions.approve(store, issue_id, "fr", bruno, settings)
    assert "bruno" in str(caught.value)
    actions.approve(store, issue_id, "fr", carla, settings)  # someone who changed nothing
    # after Carla's approval, a new change by Carla needs someone else; Bruno's old rewrite is covered
    editing.edit_text(store, first.id, "fr", carla, title="Carla's title", summary=None)
    with pytest.raises(Forbidden, match="four-eyes"):
        actions.approve(store, issue_id, "fr", carla, settings)
    assert actions.approve(store, issue_id, "fr", bruno, settings).state is EditionState.APPROVED


def test_touching_up_an_untranslated_text_keeps_its_badge_until_it_is_in_the_editions_language(env):
    from mediawatch.render.model import item_view
    from mediawatch.store.issues import NewItem
    from mediawatch.types import ItemText, TextOrigin

    store, _settings = env
    article = store.issue_content(make_issue(store)).items[0].article_id
    french = ItemText(
        "fr", "La loi sur les sols est votée", "Le parlement adopte la loi.", TextOrigin.ORIGINAL, "fr"
    )
    kept = ItemText(
        "es", "La loi sur les sols est votée", "Le parlement adopte la loi.", TextOrigin.UNTRANSLATED, "fr"
    )
    issue_id = store.create_issue(
        slug="untranslated-touch-up",
        publication=Publication.NEWSLETTER,
        title="t",
        period_from=datetime(2026, 11, 17, tzinfo=UTC),
        period_to=datetime(2026, 11, 24, tzinfo=UTC),
        languages=("fr", "es"),
        sections=("policy",),
        items=[
            NewItem(
                1,
                article,
                "policy",
                0,
                0.9,
                "https://x.example/a",
                "Suelo",
                None,
                "fr",
                (),
                (),
                (french, kept),
            )
        ],
    )
    item_id = store.issue_content(issue_id).items[0].id
    ana = _user(store, "ana")

    def es_text():
        item = store.issue_content(issue_id).items[0]
        return item.text("es"), item_view(item, "es").untranslated_from

    # a typo fixed in the French words of the Spanish edition: still French, still marked for readers
    editing.edit_text(
        store, item_id, "es", ana, title="La loi sur les sols est enfin votée au Chili", summary=None
    )
    text, badge = es_text()
    assert text.title == "La loi sur les sols est enfin votée au Chili"
    assert text.origin is TextOrigin.UNTRANSLATED
    assert badge == "fr"
    # translated by the editor: the words are Spanish now, the mark goes
    editing.edit_text(
        store,
        item_id,
        "es",
        ana,
        title="Chile vota por fin la ley de suelos",
        summary="El parlamento adopta la ley sobre el carbono de los suelos agrícolas.",
    )
    text, badge = es_text()
    assert text.origin is TextOrigin.HUMAN
    assert badge == ""


def test_an_edit_after_approval_reopens_and_says_why(env):
    store, settings = env
    issue_id = make_issue(store)
    ana, bruno = _user(store, "ana"), _user(store, "bruno")
    actions.submit(store, issue_id, ana)
    for lang in LANGS:
        actions.approve(store, issue_id, lang, bruno, settings)
    item = store.issue_content(issue_id).items[1]
    editing.edit_text(store, item.id, "es", ana, title=None, summary="Nuevo resumen")
    content = store.issue_content(issue_id)
    es = next(e for e in content.editions if e.language == "es")
    assert es.state is EditionState.IN_REVIEW
    assert "edited after approval" in es.note
    assert content.issue.state is IssueState.IN_REVIEW
    assert [e.state for e in content.editions if e.language != "es"] == [EditionState.APPROVED] * 2
    blockers = actions.check_sendable(store, issue_id, settings)
    assert blockers == [
        "the issue is in review, not approved",
        "the Spanish edition is not approved (in review)",
    ]
    # the approver's page showed the fingerprint of the old text: approving it is refused
    seen = es.approved_fingerprint or "fingerprint-before-the-edit"
    with pytest.raises(Refused, match="changed since you looked"):
        actions.approve(store, issue_id, "es", bruno, settings, seen_fingerprint=seen)
    current = actions.render_now(content, "es", settings)[1]
    actions.approve(store, issue_id, "es", bruno, settings, seen_fingerprint=current)
    assert store.find_issue(issue_id).state is IssueState.APPROVED


def test_an_approval_never_covers_content_it_did_not_see(env):
    """Anything that changes what would be sent (here the organisation's name in the template) voids it."""
    store, settings = env
    issue_id = make_issue(store)
    actions.submit(store, issue_id, _user(store, "ana"))
    for lang in LANGS:
        actions.approve(store, issue_id, lang, _user(store, "bruno"), settings)
    changed = replace(settings, organisation="Another organisation")
    blockers = actions.check_sendable(store, issue_id, changed, lang="es")
    assert len(blockers) == 3
    assert all("cambió desde su aprobación" in b for b in blockers)
    with pytest.raises(Refused, match="changed since it was approved"):
        actions.begin_sending(store, issue_id, changed)
    with pytest.raises(Refused):
        actions.schedule(
            store, issue_id, _user(store, "bruno"), datetime.now(UTC) + timedelta(hours=2), changed
        )
    assert store.find_issue(issue_id).state is IssueState.APPROVED


def test_reject_needs_a_note_and_sends_the_issue_back(env):
    store, settings = env
    issue_id = make_issue(store)
    ana, bruno = _user(store, "ana"), _user(store, "bruno")
    actions.submit(store, issue_id, ana)
    actions.approve(store, issue_id, "fr", bruno, settings)
    with pytest.raises(Refused, match="needs a note"):
        actions.reject(store, issue_id, "en", bruno, note="  ")
    with pytest.raises(Forbidden):
        actions.reject(store, issue_id, "en", ana, note="no")
    edition = actions.reject(store, issue_id, "en", bruno, note="The second title is wrong")
    assert edition.state is EditionState.DRAFT
    assert edition.note == "The second title is wrong"
    assert store.find_issue(issue_id).state is IssueState.DRAFT
    actions.submit(store, issue_id, ana)
    states = {e.language: e.state for e in store.issue_content(issue_id).editions}
    assert states == {"fr": EditionState.APPROVED, "en": EditionState.IN_REVIEW, "es": EditionState.IN_REVIEW}


def test_cancel(env):
    store, settings = env
    issue_id = make_issue(store)
    with pytest.raises(Forbidden):
        actions.cancel(store, issue_id, _user(store, "ana"))
    assert (
        actions.cancel(store, issue_id, _user(store, "root"), note="duplicate").state is IssueState.CANCELLED
    )
    with pytest.raises(Refused):
        actions.submit(store, issue_id, _user(store, "ana"))


def test_editing_checks_roles_and_records_decisions(env):
    store, _settings = env
    issue_id = make_issue(store)
    item = store.issue_content(issue_id).items[2]
    with pytest.raises(Forbidden):
        editing.edit_text(store, item.id, "fr", _user(store, "vic"), title="x", summary=None)
    with pytest.raises(Forbidden):
        editing.comment(store, item.id, _user(store, "vic"), "hello")
    ana = _user(store, "ana")
    editing.decide_item(store, item.id, False, ana)
    assert store.issue_content(issue_id).items[2].status is ItemStatus.REJECTED
    assert (item.article_id, False) in store.decisions()
    editing.comment(store, item.id, ana, "Paywalled, sadly")
    assert [c.body for c in store.comments(issue_id)] == ["Paywalled, sadly"]
    assert store.audit(issue_id)[-1].action == "item.comment"
    with pytest.raises(Refused):
        editing.move_item(store, item.id, ana, position=0, section="sports")
    with pytest.raises(Refused, match="https"):
        editing.add_block(
            store,
            issue_id,
            "fr",
            editing.BlockKind.AGENDA,
            ana,
            title="t",
            body="b",
            link="javascript:alert(1)",
        )
    # A link a reader's mail client could not open is refused too, saying why: no host, a host with an
    # empty label, spaces, an unclosed IPv6 bracket.
    for link in ("https://", "https:///agenda", "https://www..example.org/a", "https://exa mple.org",
                 "http://[::1/agenda"):  # fmt: skip
        with pytest.raises(Refused, match="not a valid web address") as refused:
            editing.add_block(
                store, issue_id, "fr", editing.BlockKind.AGENDA, ana, title="t", body="b", link=link
            )
        assert refused.value.reason.key == "review.refused.malformed_link"
    # A title alone would be sent as a heading over nothing: a block needs its text, on add and on edit.
    for body in ("", "  \n "):
        with pytest.raises(Refused, match="a block needs a text"):
            editing.add_block(
                store, issue_id, "fr", editing.BlockKind.EDITORIAL, ana, title="Édito", body=body, link=""
            )
    block_id = editing.add_block(
        store, issue_id, "fr", editing.BlockKind.EDITORIAL, ana, title="", body="Texte seul", link=""
    )
    with pytest.raises(Refused, match="a block needs a text"):
        editing.update_block(store, block_id, ana, title="Édito", body=" ", link=None)


# -- users, logins, links -------------------------------------------------------------------------------
def test_users_are_listed_by_name_ignoring_case_on_every_database(env):
    store, _settings = env
    for name in ("Zoe", "bea", "Emile", "Ana"):
        add_user(store, name, Role.VIEWER, PASSWORD, "fr")
    names = [u.name for u in store.list_users()]
    assert names == sorted(names, key=str.casefold)
    assert names.index("Ana") < names.index("ana") < names.index("bea") < names.index("Zoe")


def test_users_and_passwords(env):
    store, _settings = env
    with pytest.raises(Refused, match="too short"):
        add_user(store, "dora", Role.EDITOR, "short", "fr")
    with pytest.raises(Refused, match="not a usable user name"):
        add_user(store, "system", Role.EDITOR, PASSWORD, "fr")
    with pytest.raises(Refused, match="already exists"):
        add_user(store, "ana", Role.EDITOR, PASSWORD, "fr")
    with pytest.raises(Refused, match="interface language"):
        add_user(store, "dora", Role.EDITOR, PASSWORD, "de")
    stored = store.user_password_hash("ana")
    assert stored is not None
    assert stored[1].startswith("$argon2id$")
    assert PASSWORD not in stored[1]
    assert authenticate(store, "ana", PASSWORD, "10.0.0.1").name == "ana"
    with pytest.raises(Forbidden, match="wrong user name or password"):
        authenticate(store, "ana", "wrong password!", "10.0.0.1")
    with pytest.raises(Forbidden, match="wrong user name or password"):
        authenticate(store, "nobody", PASSWORD, "10.0.0.1")


def test_login_rate_limit_per_name(env):
    store, _settings = env
    for _ in range(5):
        with pytest.raises(Forbidden, match="wrong"):
            authenticate(store, "bruno", "not the password", "10.0.0.2")
    with pytest.raises(Forbidden, match="too many failed logins"):
        authenticate(store, "bruno", PASSWORD, "10.0.0.2")  # even the right password, from that address
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert authenticate(store, "bruno", PASSWORD, "10.0.0.2", now=later).name == "bruno"


def test_secret_key_file_and_preview_links(tmp_path):
    settings = Settings(db=str(tmp_path / "db.sqlite3"))
    key = secret_key(settings)
    path = secret_key_file(settings)
    assert path is not None
    assert path.exists()
    assert path.parent == tmp_path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_key(settings) == key  # created once
    assert secret_key(replace(settings, secret_key="x" * 32)) == "x" * 32
    token, granted = preview_token(settings, 7, "fr", days=1)
    expires = granted.expires
    grant = read_preview_token(settings, token)
    assert (grant.issue_id, grant.language) == (7, "fr")
    with pytest.raises(Forbidden, match="expired"):
        read_preview_token(settings, token, now=expires + timedelta(seconds=1))
    with pytest.raises(Forbidden, match="not valid"):
        read_preview_token(settings, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(Forbidden, match="not valid"):
        read_preview_token(replace(settings, secret_key="y" * 32), token)


def test_demo_accounts(env):
    from mediawatch.review.demo import DEMO_PASSWORD, demo_instructions, ensure_demo_accounts

    store, _settings = env
    assert [n for n, _ in ensure_demo_accounts(store)] == ["demo-editor", "demo-approver"]
    ensure_demo_accounts(store)  # idempotent
    assert authenticate(store, "demo-approver", DEMO_PASSWORD, "127.0.0.1").role is Role.APPROVER
    assert "demo-editor" in demo_instructions("--config /tmp/demo/config.toml", "es")


def test_texts_past_the_forms_limits_are_refused_naming_the_field(env):
    """The issue page's maxlength was the only limit: a browser without it (or a script) saved 800-character
    titles. The rule is the editor's, for the web and the CLI alike."""
    store, _settings = env
    issue_id = make_issue(store)
    ana = _user(store, "ana")
    item = store.issue_content(issue_id).items[0]
    before = item.text("fr")
    for fields, words in (
        ({"title": "T" * 800, "summary": None}, {"fr": "le titre", "en": "the title", "es": "el título"}),
        ({"title": None, "summary": "S" * 5001}, {"fr": "le résumé", "en": "summary", "es": "el resumen"}),
    ):
        with pytest.raises(Refused) as caught:
            editing.edit_text(store, item.id, "fr", ana, **fields)
        for lang, field in words.items():
            assert field in caught.value.reason.text(lang)
        limit = editing.MAX_TITLE if fields["title"] else editing.MAX_SUMMARY
        assert f"{number(limit, 'fr')} au plus" in caught.value.reason.text("fr")  # grouped: "5 000"
    assert store.issue_content(issue_id).items[0].text("fr") == before  # nothing written
    editing.edit_text(store, item.id, "fr", ana, title="T" * editing.MAX_TITLE, summary=None)  # at the limit
    with pytest.raises(Refused, match="comment"):
        editing.comment(store, item.id, ana, "c" * (editing.MAX_COMMENT + 1))
    with pytest.raises(Refused, match="block"):
        editing.add_block(store, issue_id, "fr", BlockKind.EDITORIAL, ana, title="B" * 501, body="b", link="")
