"""What the approver's and the editor's issue page say, in each language: why an edition cannot be rendered
said once, dates as the reader's language writes them, the limits of the note and comment boxes held by the
server, and the navigation's count of what waits for an approver agreeing with the issues list. The browser
walks are in tests/journeys/test_journey_review_page.py."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import pytest
from review_samples import add_team, make_issue, open_store, signed_in

from mediawatch.config import Settings
from mediawatch.errors import Refused
from mediawatch.review import actions
from mediawatch.review.users import acting_user
from mediawatch.web.app import create_app

I18N = Path(__file__).resolve().parents[1] / "mediawatch" / "i18n"
SECRET = "review-page-words-secret-0123456789"
CANNOT = {"en": "cannot be rendered", "fr": "ne peut pas être mise en page", "es": "no se puede maquetar"}
TEMPLATES_IN = {
    "en": "the templates are written in French, English, Spanish",
    "fr": "les gabarits existent en français, anglais, espagnol",
    "es": "las plantillas existen en francés, inglés, español",
}


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    add_team(s)
    yield s
    s.close()


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def text_of(page: str) -> str:
    """The words of a page, tags out, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


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
