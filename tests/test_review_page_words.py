"""What the approver's and the editor's issue page say, in each language: why an edition cannot be rendered
said once, dates as the reader's language writes them, the limits of the note and comment boxes held by the
server, and the navigation's count of what waits for an approver agreeing with the issues list. The browser
walks are in tests/journeys/test_journey_review_page.py."""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from review_samples import (
    make_issue,
    signed_in,
    team_store_fixture,  # noqa: F401 (the store fixture)
    text_of,
)

from mediawatch.config import Settings
from mediawatch.errors import Refused
from mediawatch.review import actions
from mediawatch.review.users import acting_user
from mediawatch.review.workflow import waiting_for
from mediawatch.types import Edition, EditionState, Issue, IssueState, Publication
from mediawatch.web.app import create_app

I18N = Path(__file__).resolve().parents[1] / "mediawatch" / "i18n"
SECRET = "review-page-words-secret-0123456789"
CANNOT = {"en": "cannot be rendered", "fr": "ne peut pas être mise en page", "es": "no se puede maquetar"}
TEMPLATES_IN = {
    "en": "the templates are written in French, English and Spanish",
    "fr": "les gabarits existent en français, anglais et espagnol",
    "es": "las plantillas existen en francés, inglés y español",
}


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_an_edition_without_templates_is_said_to_be_unrenderable_once(store, lang):
    """Review wrapped render's "cannot render an edition in German: ..." in its own "the German edition
    cannot be rendered: ...": the reader was told twice."""
    issue_id = make_issue(store, languages=("fr", "de"))
    actions.submit(store, issue_id, acting_user(store, "ana"))
    with pytest.raises(Refused) as refused:
        actions.approve(store, issue_id, "de", acting_user(store, "bruno"), Settings())
    said = refused.value.translated(lang)
    assert said.count(CANNOT[lang]) == 1, said
    assert said.count({"en": "German", "fr": "allemand", "es": "alemán"}[lang]) == 1, said
    assert said.endswith(TEMPLATES_IN[lang]), said
    assert "render" not in said.replace(CANNOT["en"], "")  # no second "cannot render"
    blockers = [b.text(lang) for b in actions.sendable_blockers(store, issue_id, Settings())]
    assert said in blockers


def test_spanish_says_an_edition_cannot_be_laid_out_in_one_wording():
    for path in I18N.glob("*.es.toml"):
        assert "maquetarse" not in path.read_text(encoding="utf-8"), path
    review = tomllib.loads((I18N / "review.es.toml").read_text(encoding="utf-8"))["review"]["blocker"]
    assert all(CANNOT["es"] in review[key] for key in ("render", "render_checks", "render_templates"))


def test_an_approval_refused_for_a_render_fault_says_why_once_on_the_page(store):
    """The refusal's message and the page's own "this edition cannot be rendered" said it one after the
    other."""
    issue_id = make_issue(store, languages=("fr", "de"))
    actions.submit(store, issue_id, acting_user(store, "ana"))
    app = create_app(Settings(secret_key=SECRET), store)
    carla = signed_in(app, "carla")  # reads French
    page = carla.get(f"/issues/{issue_id}?lang=de").get_data(as_text=True)
    assert text_of(page).count(CANNOT["fr"]) == 1  # the page says it, once
    answer = carla.post(
        f"/issues/{issue_id}/editions/de/approve", data={"fingerprint": "0" * 64, "csrf_token": token(page)}
    )
    assert answer.status_code == 303
    page = carla.get(answer.headers["Location"]).get_data(as_text=True)
    words = text_of(page)
    assert words.count(CANNOT["fr"]) == 1, words
    assert "L'édition en allemand ne peut pas être mise en page : " + TEMPLATES_IN["fr"] in words
    assert 'role="alert"' in page.split('id="edition"', 1)[1]
    # the preview under the page's heading: why alone, not "cannot render" again
    preview = carla.get(f"/issues/{issue_id}/editions/de/preview")
    assert preview.status_code == 422
    words = text_of(preview.get_data(as_text=True))
    assert words.count(CANNOT["fr"]) == 2, words  # the title and the heading
    assert "Les gabarits existent en français, anglais et espagnol." in words
    assert "impossible" not in words


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "sending on 8 Dec 2026, 7:05"),
        ("fr", "envoi le 8 déc. 2026, 7\u00a0h\u00a005"),
        ("es", "envío el 8 dic. 2026, 7:05"),
    ],
)
def test_a_scheduled_issue_waits_for_its_sending_said_as_the_readers_language_writes_dates(lang, words):
    when = datetime(2026, 12, 8, 7, 5, tzinfo=UTC)
    issue = Issue(
        id=1,
        slug="newsletter-2026-w49",
        publication=Publication.NEWSLETTER,
        title="",
        period_from=datetime(2026, 11, 30, tzinfo=UTC),
        period_to=datetime(2026, 12, 7, tzinfo=UTC),
        languages=("fr",),
        state=IssueState.SCHEDULED,
        created_at=when,
        created_by="ana",
        scheduled_for=when,
    )
    edition = Edition(issue_id=1, language="fr", state=EditionState.APPROVED)
    [sending] = waiting_for(issue, [edition])
    assert sending.text(lang) == words


def test_the_issue_pages_scheduled_and_link_messages_say_dates_in_words_and_utc_once(store):
    issue_id = make_issue(store)
    ana, bruno = acting_user(store, "ana"), acting_user(store, "bruno")
    actions.submit(store, issue_id, ana)
    for lang in ("fr", "en", "es"):
        actions.approve(store, issue_id, lang, bruno, Settings())
    app = create_app(Settings(secret_key=SECRET), store)
    client = signed_in(app, "carla")  # reads French
    page = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "UTC" not in text_of(page).replace("(UTC)", "")
    answer = client.post(
        f"/issues/{issue_id}/schedule",
        data={"when": "2099-01-01T08:30", "lang": "fr", "csrf_token": token(page)},
    )
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Programmé pour le 1er janv. 2099, 8\u00a0h\u00a030." in text_of(page)
    assert "2099-01-01" not in page.replace('datetime="2099-01-01', "").replace('value="2099-01-01', "")
    assert 'id="times-utc"' in page
    # the waiting reason, on the page and the issues list
    assert "envoi le 1er janv. 2099, 8\u00a0h\u00a030" in text_of(page)
    listed = client.get("/issues").get_data(as_text=True)
    assert "envoi le 1er janv. 2099, 8\u00a0h\u00a030" in text_of(listed)
    assert "UTC" not in text_of(listed).replace("(UTC)", "")

    # a preview link says until when it is valid; the foot says the zone, even on a page with no other time
    draft = make_issue(store)
    page = client.get(f"/issues/{draft}").get_data(as_text=True)
    assert 'id="times-utc"' not in page
    answer = client.post(f"/issues/{draft}/editions/fr/link", data={"csrf_token": token(page)})
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    said = re.search(r"Lien d'aperçu créé, valable jusqu'au ([^.<]+\.[^.<]*)\.", text_of(page))
    assert said, text_of(page)
    assert re.fullmatch(r"(\d{1,2}|1er) [a-zéû]+\.? \d{4}, \d{1,2}\u00a0h\u00a0\d{2}", said.group(1)), said
    assert "UTC" not in said.group(0)
    assert 'id="times-utc"' in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "the note is too long: 2,001 characters, at most 2,000"),
        ("fr", "la note est trop longue : 2\u202f001 caractères, 2\u202f000 au plus"),
        ("es", "la nota es demasiado larga: 2001 caracteres, 2000 como máximo"),
    ],
)
def test_a_note_over_its_limit_is_refused_whole_naming_the_limit(store, lang, words):
    """The page's maxlength cut a longer note short without a word; a script sent any length."""
    issue_id = make_issue(store)
    actions.submit(store, issue_id, acting_user(store, "ana"))
    bruno = acting_user(store, "bruno")
    long_note = "n" * (actions.MAX_NOTE + 1)
    for act in (
        lambda: actions.approve(store, issue_id, "fr", bruno, Settings(), note=long_note),
        lambda: actions.reject(store, issue_id, "fr", bruno, note=long_note),
    ):
        with pytest.raises(Refused) as refused:
            act()
        assert refused.value.translated(lang) == words
    assert all(e.state is EditionState.IN_REVIEW for e in store.issue_content(issue_id).editions)
    # at the limit, it is taken
    actions.approve(store, issue_id, "fr", bruno, Settings(), note="n" * actions.MAX_NOTE)


def test_a_comment_over_its_limit_says_the_limit_as_the_language_writes_numbers(store):
    from mediawatch.review import editing

    issue_id = make_issue(store)
    item = store.issue_content(issue_id).items[0].id
    with pytest.raises(Refused) as refused:
        editing.comment(store, item, acting_user(store, "ana"), "c" * (editing.MAX_COMMENT + 1))
    assert refused.value.translated("fr") == (
        "le commentaire est trop long : 2\u202f001 caractères, 2\u202f000 au plus"
    )


def field(page: str, field_id: str) -> str:
    found = re.search(rf'<input id="{field_id}"[^>]*>', page)
    assert found, field_id
    return found.group(0)


def test_the_note_and_comment_boxes_say_their_limit_and_give_a_refused_text_back_whole(store):
    issue_id = make_issue(store)
    actions.submit(store, issue_id, acting_user(store, "ana"))
    item = store.issue_content(issue_id).items[0].id
    app = create_app(Settings(secret_key=SECRET), store)
    carla = signed_in(app, "carla")  # reads French
    page = carla.get(f"/issues/{issue_id}?lang=fr").get_data(as_text=True)
    for box in ("approve-note", "reject-note", f"comment-{item}"):
        shown = field(page, box)
        assert "maxlength" not in shown  # a browser would cut a longer paste short without a word
        assert f'aria-describedby="{box}-limit"' in shown
        assert re.search(rf'<small id="{box}-limit">2\u202f000 caractères au plus</small>', page)
    long_note = "Les titres sont à revoir. " * 80
    assert len(long_note) > actions.MAX_NOTE
    for form, box, url, data in (
        ("approve", "approve-note", f"/issues/{issue_id}/editions/fr/approve", {"note": long_note}),
        ("reject", "reject-note", f"/issues/{issue_id}/editions/fr/reject", {"note": long_note}),
        ("comment", f"comment-{item}", f"/items/{item}/comments", {"body": long_note, "lang": "fr"}),
    ):
        fingerprint = re.search(r'name="fingerprint" value="([^"]*)"', page)
        assert fingerprint
        sent = {**data, "fingerprint": fingerprint.group(1), "csrf_token": token(page)}
        answer = carla.post(url, data=sent)
        assert answer.status_code == 422, form
        page = answer.get_data(as_text=True)
        shown = field(page, box)
        assert html.unescape(re.search(r'value="([^"]*)"', shown).group(1)) == long_note, form  # whole
        assert 'aria-invalid="true"' in shown
        assert "autofocus" in shown
        assert f'aria-describedby="{box}-problem {box}-limit"' in shown
        note = re.search(rf'<p class="flash error problem" id="{box}-problem" role="alert">([^<]*)</p>', page)
        assert note, form
        assert f"{len(long_note):,}".replace(",", "\u202f") in note.group(1)
        assert "2\u202f000 au plus" in note.group(1)
        assert page.count("autofocus") == 1, form
    assert all(e.state is EditionState.IN_REVIEW for e in store.issue_content(issue_id).editions)
    assert store.comments(issue_id) == []


def test_the_navigations_count_and_the_issues_list_agree_on_a_stale_approval(store):
    """An approval gone stale after a change of what renders waits again on the issues list; the count
    read the stored states and did not count it."""
    issue_id = make_issue(store, languages=("fr", "en"))
    actions.submit(store, issue_id, acting_user(store, "ana"))
    before = Settings(secret_key=SECRET)
    for lang in ("fr", "en"):
        actions.approve(store, issue_id, lang, acting_user(store, "bruno"), before)
    carla = acting_user(store, "carla")
    assert actions.awaiting_approval(store, carla, before) == {}
    after = replace(before, organisation="Autre Org")  # the newsletter's name in every edition changes
    assert actions.awaiting_approval(store, carla, after) == {issue_id: ["fr", "en"]}
    statuses = [actions.issue_status(store, issue_id, after)]
    assert actions.awaiting_approval(store, carla, after, statuses) == {issue_id: ["fr", "en"]}

    client = signed_in(create_app(after, store), "carla")
    listed = client.get("/issues").get_data(as_text=True)
    assert re.search(r'id="approvals-count"[^>]*>2<', listed), listed
    assert "À valider par vous : français et anglais" in text_of(listed)
    shown = client.get(f"/issues/{issue_id}/log").get_data(as_text=True)  # a page without the list
    assert re.search(r'id="approvals-count"[^>]*>2<', shown), shown

    # approved again as it renders now: nothing waits, in the count as in the list
    for lang in ("fr", "en"):
        actions.approve(store, issue_id, lang, acting_user(store, "bruno"), after)
    assert actions.awaiting_approval(store, carla, after) == {}
    listed = client.get("/issues").get_data(as_text=True)
    assert 'id="approvals-count"' not in listed
    assert "À valider par vous" not in text_of(listed)
