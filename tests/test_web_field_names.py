"""The web pages name a field at fault by the label a person sees, never by the library's name for it (its
lower-case key, a command's option such as --as or --email, a code such as "daily"): the queue's reason
box, the add forms' "added by" (the signed-in person), the saved watch's form. Flask's client over the
real app and store (SQLite; the browser journeys post the same forms)."""

from __future__ import annotations

import html
import re

import pytest
from review_samples import add_team, signed_in
from test_correspondents_web import PASSWORD, login, post, text_of

from mediawatch.config import Settings
from mediawatch.errors import FieldError
from mediawatch.i18n import LANGUAGES, number, t, use_language
from mediawatch.review.users import add_user
from mediawatch.store import open_store
from mediawatch.types import Role
from mediawatch.watch.add_fields import FIELD_KEYS, check_adder, relabelled
from mediawatch.watch.submissions import MAX_REASON
from mediawatch.web.app import create_app
from mediawatch.web.correspondents import LABEL_KEYS
from mediawatch.web.watch_page import ADD_LABEL_KEYS


@pytest.fixture(autouse=True)
def _language_of_the_test():
    """The app sets the language of each request in the test's own context: it must not stay."""
    yield
    use_language(None)


@pytest.fixture
def web(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    add_user(store, "ines", Role.CORRESPONDENT, PASSWORD, "es")
    add_user(store, "ana", Role.EDITOR, PASSWORD, "en")
    yield create_app(Settings(secret_key="k" * 32), store), store, None
    store.close()


def words(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_a_reason_too_long_in_the_queue_is_named_by_its_box(web):
    app, store, _settings = web
    ines, _ = login(app, "ines")
    post(ines, "/submit", "/submit", title="Sequía", text="Los suelos del Sahel.", language="es")
    (item,) = store.list_submissions()
    ana, _ = login(app, "ana")  # reads English
    answer = post(ana, f"/queue/{item.id}/dismiss", "/queue", reason="x" * (MAX_REASON + 1))
    assert answer.status_code == 303
    page = words(text_of(ana.get(answer.headers["Location"])))
    too_long = t("add.too_long", "en", limit=number(MAX_REASON, "en"))
    label = t("correspondents.field.reason", "en")
    assert t("add.field_problem", "en", field=label, problem=too_long) in page
    assert f"reason: {too_long}" not in page
    assert store.submission(item.id).status.value != "dismissed"  # nothing was set aside


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_the_add_forms_can_refuse_has_a_label_on_the_web(web, lang):
    """ "added by (--as)" is the command's option: on the web the person is the one signed in, and a
    refusal of them (an account disabled or its role changed while the page was open) names them as the
    form does."""
    _app, store, _settings = web
    assert set(FIELD_KEYS) <= set(ADD_LABEL_KEYS)
    assert "as" in LABEL_KEYS  # the correspondent signed in
    for labels in (ADD_LABEL_KEYS, LABEL_KEYS):
        said = {name: t(key, lang) for name, key in labels.items()}
        assert not [label for label in said.values() if "--" in label]
        with pytest.raises(FieldError) as refused:
            check_adder(store, "ghost", lang)
        named = relabelled(refused.value, lang, said).problems["as"]
        assert named.startswith(said["as"]), named
        assert "--as" not in named


@pytest.fixture
def team_app(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    add_team(store)  # ana (English) and carla (French) have no address on file
    yield create_app(Settings(secret_key="web-field-names-secret-0123456789"), store), store
    store.close()


def _saved_watch_post(client, **changes: str):
    page = client.get("/watches/new").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"name": "Sols", "q": "sols", "every": "weekly", "owner": "me", "email": "", "csrf_token": csrf}
    answer = client.post("/watches", data={**form, **changes})
    assert answer.status_code == 400
    text = html.unescape(answer.get_data(as_text=True))
    return dict(re.findall(r'id="problem-w-(\w+)"[^>]*>([^<]+)<', text))


@pytest.mark.parametrize(
    ("who", "lang", "owner"), [("ana", "en", "me"), ("carla", "fr", "me"), ("carla", "fr", "team")]
)
def test_a_saved_watch_without_an_address_is_told_to_type_one_in_the_form(team_app, who, lang, owner):
    app, store = team_app
    problems = _saved_watch_post(signed_in(app, who), owner=owner)
    said = problems["email"]
    assert said.startswith(t("watches.web.email", lang)), said
    assert "--email" not in said
    assert "mediawatch users" not in said
    assert store.list_watches() == []


def test_a_frequency_the_form_does_not_offer_is_said_in_words(team_app):
    app, _store = team_app
    problems = _saved_watch_post(signed_in(app, "carla"), every="hourly", email="carla@example.org")
    said = problems["every"]
    assert said.startswith(t("watches.web.every", "fr")), said
    assert t("watches.every.daily", "fr") in said
    assert "daily" not in said
