"""The /watches page over HTTP: who may see it, the form filled from a search link, what a bad field says,
who may remove which watch, and hostile names shown as text. (The browser journey posts the same forms:
tests/journeys/test_journey_watches.py.)"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator

import pytest
from pg_server import secret_key_for
from review_samples import add_team, open_store
from test_review_web import App, csrf_of, http_login
from werkzeug.serving import make_server

from mediawatch.config import Settings
from mediawatch.i18n import t
from mediawatch.web.app import create_app


@pytest.fixture
def app(db_url) -> Iterator[App]:
    store = open_store(db_url)
    add_team(store)
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{server.server_port}"
    settings = Settings(db=db_url, secret_key=secret_key_for(db_url), base_url=url)
    server.app = create_app(settings, store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield App(url, store)
    server.shutdown()
    thread.join(timeout=10)
    store.close()


def _post(session, app, path, **data):
    token = csrf_of(session, f"{app.url}/watches/new")
    return session.post(
        f"{app.url}{path}", data={**data, "csrf_token": token}, allow_redirects=False, timeout=30
    )


def _form(**changes):
    form = {"name": "Sols", "q": "sols carbone", "lang": "fr", "every": "weekly", "owner": "me", "email": ""}
    form.update(changes)
    return form


def test_the_form_is_filled_from_a_search_link_and_says_what_is_wrong(app):
    ana, _ = http_login(app, "ana")
    page = ana.get(
        f"{app.url}/watches/new",
        params={"q": 'sols "carbone"', "lang": "fr", "theme": "science", "state": ["relevant", "unsure"]},
        timeout=10,
    ).text
    assert 'value="sols &#34;carbone&#34;"' in page
    assert re.search(r'<option value="fr" selected>', page)
    assert re.search(r'<option value="science" selected>', page)
    assert 'value="relevant" checked' in page
    assert 'value="unsure" checked' in page
    assert 'value="not_relevant" checked' not in page

    refused = _post(ana, app, "/watches", **_form())  # ana has no address on file and typed none
    assert refused.status_code == 400
    said = t("watches.web.no_email", "en", field=t("watches.web.email", "en"))
    assert said in html.unescape(refused.text)  # the field by its label, not the command's --email
    assert 'value="sols carbone"' in refused.text  # what she typed is kept
    bad_query = _post(ana, app, "/watches", **_form(q="(sols", email="ana@example.org"))
    assert bad_query.status_code == 400
    assert "parenthesis" in bad_query.text
    assert app.store.list_watches() == []

    saved = _post(ana, app, "/watches", **_form(email="ana@example.org", state="relevant"))
    assert saved.status_code == 303
    watch = app.store.watch("Sols")
    assert (watch.owner, watch.language, watch.email, watch.every) == (
        "ana",
        "en",
        "ana@example.org",
        "weekly",
    )
    assert watch.filters == {"language": "fr", "states": ["relevant"]}
    listing = ana.get(f"{app.url}/watches", timeout=10).text
    assert f"/w/{watch.feed_key}.atom" in listing
    assert "Language of the articles: French" in listing  # in words, not codes
    assert "Relevance: relevant" in listing


def test_who_may_see_and_remove_which_watch_and_names_are_text(app):
    ana, _ = http_login(app, "ana")
    hostile = '<script>alert("w")</script>'
    assert _post(ana, app, "/watches", **_form(name=hostile, email="ana@example.org")).status_code == 303
    assert (
        _post(ana, app, "/watches", **_form(name="Desk", owner="team", email="desk@example.org")).status_code
        == 303
    )
    team_watch = app.store.watch("Desk")
    assert (team_watch.owner, team_watch.language) == ("team", "en")
    page = ana.get(f"{app.url}/watches", timeout=10).text
    assert hostile not in page
    assert html.escape(hostile, quote=False).replace('"', "&#34;") in page

    vic, _ = http_login(app, "vic")  # a viewer
    assert vic.get(f"{app.url}/watches", timeout=10).status_code == 403

    bruno, _ = http_login(app, "bruno")
    own = app.store.watch(hostile)
    page = bruno.get(f"{app.url}/watches", timeout=10).text
    assert "alert(" not in page  # he sees the team's watches, not ana's own
    assert "Desk" in page
    refused = _post(bruno, app, f"/watches/{own.id}/remove", confirm="yes")
    assert refused.status_code == 303
    assert app.store.watch(hostile) is not None
    # Unconfirmed (a post from elsewhere than the question), the removal is asked, not done.
    asked = _post(bruno, app, f"/watches/{team_watch.id}/remove")
    assert (asked.status_code, asked.headers["Location"]) == (303, f"/watches/{team_watch.id}/remove")
    assert app.store.watch("Desk") is not None
    assert _post(bruno, app, f"/watches/{team_watch.id}/remove", confirm="yes").status_code == 303
    assert app.store.watch("Desk") is None
    root, _ = http_login(app, "root")
    assert _post(root, app, f"/watches/{own.id}/remove", confirm="yes").status_code == 303
    assert app.store.list_watches() == []
    assert _post(root, app, f"/watches/{own.id}/remove", confirm="yes").status_code == 404
    assert root.get(f"{app.url}/watches/{own.id}/remove", timeout=10).status_code == 404


def test_a_watch_on_filters_alone_is_saved_and_one_on_nothing_is_refused_beside_the_search(app):
    ana, _ = http_login(app, "ana")
    nothing = _post(ana, app, "/watches", **_form(q="", lang="", email="ana@example.org"))
    assert nothing.status_code == 400
    assert 'id="w-q" name="q" value="" maxlength="500" size="60" aria-invalid="true"' in nothing.text
    assert "at least one filter" in nothing.text
    assert app.store.list_watches() == []
    saved = _post(ana, app, "/watches", **_form(q="  ", region="africa", email="ana@example.org"))
    assert saved.status_code == 303
    watch = app.store.watch("Sols")
    assert (watch.query, watch.filters) == ("", {"language": "fr", "region": "africa"})
    listing = ana.get(f"{app.url}/watches", timeout=10).text
    assert "no words, filters only" in listing
