"""The watch page (/watch) and the add-an-article form (/watch/add), through the app on both backends.

The corpus is tests/search_samples.py (FR/EN/ES stories, relevance states, a correspondent's item, a story
used in an issue); the readers are the review samples' team (ana edits in English, carla approves in
French, vic views in Spanish). The browser journeys (tests/journeys/test_journey_watchpage.py) drive the
same pages through the deployed stack.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from markupsafe import escape
from review_samples import PASSWORD, add_team, add_user, signed_in
from search_samples import STORY, SUBMITTED, fill

from mediawatch.config import Settings
from mediawatch.i18n import t
from mediawatch.store import open_store
from mediawatch.types import Region, Role
from mediawatch.watch.service import search_stories
from mediawatch.web.app import create_app


def esc(text: str) -> str:
    """As the templates escape it."""
    return str(escape(text))


ROW = re.compile(r'<tr id="story-(\d+)" class="story-row">')


@pytest.fixture(scope="module")
def site(module_db_url: str) -> Iterator[tuple[Any, Any, dict[str, int]]]:
    store = open_store(module_db_url)
    ids = fill(store)
    add_team(store)
    settings = Settings(secret_key="watch-page-tests-secret-0123456789", extract_workers=1)
    app = create_app(settings, store)
    yield app, store, ids
    store.close()


def csrf(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def rows(client: Any, query: str = "") -> tuple[list[int], str]:
    answer = client.get(f"/watch?{query}")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    return [int(i) for i in ROW.findall(text)], text


def test_home_is_the_watch_for_a_signed_in_editor(site):
    app, _store, _ids = site
    ana = signed_in(app, "ana")
    assert ana.get("/").headers["Location"] == "/watch"
    assert 'id="nav-watch"' in ana.get("/issues").get_data(as_text=True)
    assert app.test_client().get("/watch").status_code == 302  # signed out: to the login page


def test_the_stream_shows_each_story_once_newest_first_with_outlets_and_language_names(site):
    app, _store, ids = site
    found, text = rows(signed_in(app, "ana"))
    assert found[:2] == [ids["fr1"], ids["fr2"]]  # the three-language story (a day old), then fr2
    assert len(found) == 9 == len(set(found))  # eleven articles, one story of three
    row = text[text.index(f'id="story-{ids["fr1"]}"') :].split("</tr>", 1)[0]
    assert f'href="/stories/{ids["fr1"]}"' in row
    for outlet in ("Le Monde", "The Guardian", "El País"):
        assert esc(outlet) in row
    languages = re.search(r'<td class="languages">([^<]*)</td>', row).group(1)  # type: ignore[union-attr]
    assert sorted(languages.split(", ")) == ["English", "French", "Spanish"]
    assert t("watchpage.articles.other", "en", count=3) in row


def test_filters_and_phrases_narrow_the_stream_and_make_a_link(site):
    app, _store, ids = site
    ana = signed_in(app, "ana")
    assert rows(ana, "lang=fr")[0] == [ids["fr1"], ids["fr2"], ids["fr3"], ids["long"]]
    assert rows(ana, "q=sols")[0] == [ids["fr1"], ids["fr2"]]
    assert rows(ana, "q=%22carbone+du+sol%22")[0] == [ids["fr1"]]
    assert rows(ana, "state=unsure&state=not_relevant&lang=es")[0] == [ids["es2"], ids["es3"]]
    assert rows(ana, f"sent=yes&since=2026-02-20&until={'2026-02-25'}")[0] == [ids[SUBMITTED]]
    assert rows(ana, "used=yes")[0] == [ids[STORY[0]]]
    assert rows(ana, "used=no&outlet_type=blog&theme=policy")[0] == [ids["en2"], ids["es2"]]
    assert rows(ana, "objective=A5&region=europe&source=presse")[0] == [ids["fr1"]]
    found, text = rows(ana, "q=carbon&lang=es&state=relevant")
    assert found == [ids["fr1"]]
    assert 'href="/watches/new?q=carbon&amp;lang=es&amp;state=relevant"' in text


def test_paging_goes_through_the_whole_stream(site, monkeypatch):
    app, _store, _ids = site
    ana = signed_in(app, "ana")
    everything = rows(ana)[0]
    monkeypatch.setattr("mediawatch.web.watch_page.PAGE_SIZE", 4)
    first, text = rows(ana, "lang=&page=1")
    assert 'id="watch-previous"' not in text
    assert 'href="/watch?page=2"' in text
    second = rows(ana, "page=2")[0]
    third, text = rows(ana, "page=3")
    assert 'id="watch-next"' not in text
    assert 'href="/watch?page=2"' in text
    assert first + second + third == everything


def test_a_syntax_error_is_said_in_the_readers_language_never_a_500(site):
    app, _store, _ids = site
    carla = signed_in(app, "carla")  # French
    found, text = rows(carla, "q=%22carbone+du+sol")
    assert found == []
    why = t("search.query.unbalanced_quote", "fr", fragment='"carbone du sol')
    assert esc(t("watchpage.error.query", "fr", why=why)) in text
    assert 'value="&#34;carbone du sol"' in text  # kept, to be fixed
    vic = signed_in(app, "vic")  # Spanish, a viewer
    found, text = rows(vic, "q=-ocean&since=ayer&lang=xx&sent=maybe&theme=weather")
    assert found == []
    assert esc(t("watchpage.error.bad_date", "es", field="Desde", value="ayer")) in text
    for value in ("xx", "maybe", "weather"):
        assert value in text


def test_hostile_parameters_are_escaped(site):
    app, _store, _ids = site
    ana = signed_in(app, "ana")
    hostile = '"><script id="injected">alert(1)</script>'
    for name in ("q", "since", "lang", "source", "theme"):
        answer = ana.get("/watch", query_string={name: hostile})
        assert answer.status_code == 200
        assert '<script id="injected">' not in answer.get_data(as_text=True)


def test_adding_by_hand_goes_to_the_story_and_the_stream_escapes_what_was_typed(site):
    app, store, _ids = site
    ana = signed_in(app, "ana")
    title = '<img src=x onerror="alert(1)" id="injected"> Sols vivants à la radio'
    answer = ana.post(
        "/watch/add",
        data={
            "csrf_token": csrf(ana, "/watch/add"),
            "mode": "manual",
            "title": title,
            "outlet": "<b>Radio</b> Terre",
            "date": "2026-02-28",
            "language": "fr",
            "summary": "Une émission sur les sols.",
        },
    )
    assert answer.status_code == 303
    story = int(answer.headers["Location"].rsplit("/", 1)[1])
    found, text = rows(ana, "q=radio")
    assert found == [story]
    assert 'id="injected"' not in text
    assert esc(title) in text
    assert "&lt;b&gt;Radio&lt;/b&gt; Terre" in text
    added = search_stories(store, "radio").stories[0].articles[0]
    addition = store.addition_of(added.id)
    assert addition is not None
    assert addition.added_by == "ana"
    assert added.state is not None  # classified on the way in


def test_field_errors_stand_next_to_their_fields_in_the_readers_language(site):
    app, _store, _ids = site
    carla = signed_in(app, "carla")
    answer = carla.post(
        "/watch/add",
        data={
            "csrf_token": csrf(carla, "/watch/add"),
            "mode": "manual",
            "title": "",
            "outlet": "France Inter",
            "date": "hier",
            "language": "fr",
        },
    )
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    title_problem = re.search(r'id="problem-manual-title"[^>]*>([^<]*)<', text).group(1)  # type: ignore[union-attr]
    date_problem = re.search(r'id="problem-manual-date"[^>]*>([^<]*)<', text).group(1)  # type: ignore[union-attr]
    # each named as its label does, what was typed quoted as French quotes it
    assert html.unescape(title_problem) == f"{t('watchpage.add.field.title', 'fr')} : {t('add.empty', 'fr')}"
    assert html.unescape(date_problem).startswith("Date : «\u00a0hier\u00a0» n'est pas une date")
    assert 'id="problem-manual-outlet"' not in text
    assert 'value="France Inter"' in text  # what was typed is kept


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Region: “mars” is not a region; use one of: Africa (africa), Asia (asia)"),
        ("fr", "Région : «\u00a0mars\u00a0» n'est pas une région ; choisissez parmi : Afrique (africa)"),
        ("es", "Región: «mars» no es una región; elija entre: África (africa), Asia (asia)"),
    ],
)
def test_an_item_added_by_hand_takes_the_region_chosen_and_an_unknown_one_is_said_beside_it(
    site, lang, expected
):
    app, store, _ids = site
    add_user(store, f"editor-{lang}", Role.EDITOR, PASSWORD, lang)
    ana = signed_in(app, f"editor-{lang}")
    form = ana.get("/watch/add").get_data(as_text=True)
    assert 'id="add-region"' in form
    item = {"mode": "manual", "title": f"Les sols du Sénégal ({lang})", "outlet": "RFI", "date": "2026-02-28"}

    def post(region: str) -> Any:
        data = {"csrf_token": csrf(ana, "/watch/add"), **item, "language": "fr", "region": region}
        return ana.post("/watch/add", data=data)

    wrong = post("mars")
    assert wrong.status_code == 422
    said = re.search(r'id="problem-manual-region"[^>]*>([^<]*)<', wrong.get_data(as_text=True))
    assert said is not None
    assert html.unescape(said.group(1)).startswith(expected)
    added = post("oceania")
    assert added.status_code == 303, added.get_data(as_text=True)
    [article] = [a for a in store.list_articles() if a.title == item["title"]]
    assert store.classification_of(article.id).regions == (Region.OCEANIA,)
    assert store.addition_of(article.id).corrections == {"language": "fr", "region": "oceania"}


def test_a_refused_url_is_said_and_a_viewer_may_not_add(site):
    app, _store, _ids = site
    ana = signed_in(app, "ana")
    answer = ana.post(
        "/watch/add",
        data={"csrf_token": csrf(ana, "/watch/add"), "mode": "url", "url": "http://127.0.0.1:9/private"},
    )
    assert answer.status_code == 422
    why = t("add.reason.private-address", "en")
    assert esc(why) in answer.get_data(as_text=True)
    vic = signed_in(app, "vic")
    assert vic.get("/watch/add").status_code == 403
    assert 'id="watch-add"' not in vic.get("/watch").get_data(as_text=True)
