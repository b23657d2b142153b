"""A saved watch keeps every filter of the watch page: the /watches/new form is opened from /watch's "save
this search" link and posted as a browser would post it, then the watch's feed, digest and spike alert
hold exactly the stories /watch shows for the same link (objective, outlet type, sent in, used, period,
...), on SQLite and PostgreSQL. The same for `mediawatch watches add` against `articles search`.

The corpus is tests/search_samples.py; every article is made found on one day (``FOUND``) so that one
digest and one day's spike alert cover them all. (The browser journey:
tests/journeys/test_journey_watches.py.)
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import feedparser
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from review_samples import add_team, signed_in
from search_samples import NOW, STORY, fill
from werkzeug.datastructures import MultiDict

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.deliver.watch_mail import DIGEST, SPIKE, WatchRun, build_digest, check_spikes
from mediawatch.errors import InvalidInput
from mediawatch.i18n import t
from mediawatch.store import open_store, schema
from mediawatch.store import schema_watch as tw
from mediawatch.watch.service import make_filters
from mediawatch.watch.watches import filter_words, filters_of, filters_record
from mediawatch.web.app import create_app
from mediawatch.web.watch_page import PARAMS
from mediawatch.web.watches import FIELDS

FOUND = NOW + timedelta(hours=6)  # when the collector found every article, for the digest and the spike
Q = "carbone OR carbon OR carbono OR sol OR soil OR suelo OR suelos OR land"

FR = {"lang": "fr"}
# Links of the watch page, each with the filters a saved watch used to lose (and the others).
LINKS = {
    "qa-report": {"q": "sols", "objective": "A5", "used": "no", "sent": "no", "outlet_type": "press", **FR},
    "qa-used": {"q": "sols", "objective": "A5", "used": "yes", "sent": "no", "outlet_type": "press", **FR},
    "unused": {"q": Q, "used": "no"},
    "used": {"q": Q, "used": "yes"},
    "sent-in": {"q": Q, "sent": "yes"},
    "blogs-not-sent": {"q": Q, "sent": "no", "outlet_type": "blog"},
    "objective": {"q": Q, "objective": "B2"},
    "press-unused": {"q": Q, "outlet_type": "press", "used": "no", "sent": "no"},
    "period": {"q": Q, "since": "2026-02-25", "until": "2026-02-27"},  # the last day included
    "states": {"q": Q, "state": ["unsure", "not_relevant"], "theme": "policy", "source": "agri"},
}  # fmt: skip


class FormFields(HTMLParser):
    """The pairs a browser submits for the form ``form_id``: text inputs, checked boxes and radios, the
    selected option of each select (else its first)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select, self.options = a.get("name"), []
        elif tag == "option" and self.select is not None:
            self.options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = [v for v, s in self.options if s] or [v for v, _ in self.options[:1]]
            self.pairs += [(self.select, v) for v in chosen[:1]]
            self.select = None


def form_fields(page: str, form_id: str = "watch-form") -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(page)
    return parser.pairs


ROW = re.compile(r'<tr id="story-(\d+)" class="story-row">')
SAVE = re.compile(r'<a href="([^"]+)" id="watch-save">')


@pytest.fixture(scope="module")
def site(module_db_url: str) -> Iterator[tuple[Any, Any, dict[str, int]]]:
    store = open_store(module_db_url)
    ids = fill(store)
    add_team(store)
    store.update_user("ana", email="ana@example.org")
    with store.engine.begin() as conn:
        conn.execute(sa.update(schema.articles).values(discovered=FOUND))
    settings = Settings(
        db=module_db_url,
        secret_key="watch-filter-tests-secret-0123456789",
        base_url="https://watch.example.org",
        watch_spike_minimum=1,
    )
    yield create_app(settings, store), store, ids, settings
    store.close()


def story_of(ids: dict[str, int], url: str) -> int:
    key = url.rsplit("/", 1)[1]
    return ids[STORY[0]] if key in STORY else ids[key]


def made_found_before(store: Any, name: str) -> Any:
    """The watch, its digest cut-off moved before ``FOUND`` (it was saved with the real clock)."""
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(tw.watches)
            .where(tw.watches.c.name == name)
            .values(last_digest_at=FOUND - timedelta(days=1))
        )
    return store.watch(name)


def what_the_watch_holds(store: Any, settings: Settings, client: Any, ids: dict[str, int], name: str) -> dict:
    """The stories of the watch's feed, its digest and its spike alert (sets of story ids)."""
    watch = made_found_before(store, name)
    feed = feedparser.parse(client.get(f"/w/{watch.feed_key}.atom").get_data())
    assert not feed.bozo
    run = WatchRun()
    build_digest(store, settings, watch, FOUND + timedelta(days=1), "example.org", run)
    check_spikes(store, settings, watch, FOUND + timedelta(days=1, hours=1), "example.org", run)
    assert not run.no_address
    digest = store.watch_mail(watch.id, kind=DIGEST)
    spike = store.watch_mail(watch.id, kind=SPIKE)
    return {
        "feed": {story_of(ids, e.link) for e in feed.entries},
        "digest": set(digest[0].stories) if digest else set(),
        "spike": set(spike[0].stories) if spike else set(),
    }


@pytest.mark.parametrize("case", sorted(LINKS))
def test_a_watch_saved_from_a_search_link_holds_what_the_watch_page_shows(site, case):
    app, store, ids, settings = site
    ana = signed_in(app, "ana")
    link = urlencode(LINKS[case], doseq=True)
    page = ana.get(f"/watch?{link}").get_data(as_text=True)
    shown = [int(i) for i in ROW.findall(page)]
    assert 'id="watch-problems"' not in page
    unfiltered = ROW.findall(ana.get(f"/watch?{urlencode({'q': LINKS[case]['q']})}").get_data(as_text=True))
    assert shown != [int(i) for i in unfiltered], "the corpus must make the filters matter"

    form_page = ana.get(html.unescape(SAVE.search(page).group(1))).get_data(as_text=True)  # type: ignore[union-attr]
    fields = [(k, v) for k, v in form_fields(form_page) if k != "name"]
    saved = ana.post("/watches", data=MultiDict([*fields, ("name", case)]))
    assert saved.status_code == 303, html.unescape(saved.get_data(as_text=True))

    held = what_the_watch_holds(store, settings, ana, ids, case)
    assert held == {"feed": set(shown), "digest": set(shown), "spike": set(shown)}

    listing = ana.get("/watches").get_data(as_text=True)
    row = html.unescape(listing[listing.index(f'data-watch="{case}"') :].split("</tr>", 1)[0])
    words = filter_words(store.watch(case).filters, "en", store.source_names())
    assert len(words) == len(set(LINKS[case]) - {"q"})
    for line in words:
        assert line in row


def test_the_cli_saves_the_same_filters_as_articles_search(site):
    _app, store, ids, settings = site
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        result = runner.invoke(cli, ["--db", settings.db, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    options = ["--objective", "A5", "--outlet-type", "press", "--not-sent-in", "--used", "--lang", "fr"]
    searched = invoke("articles", "search", "sols", *options, "--json")
    found = {json.loads(line)["story_id"] for line in searched.output.splitlines()}
    assert found == {ids["fr1"]}
    invoke("watches", "add", "cli", "--query", "sols", *options, "--every", "daily", "--owner", "ana")
    watch = store.watch("cli")
    assert watch.filters == {
        "language": "fr", "objective": "A5", "outlet_type": "press", "submitted": False, "used": True,
    }  # fmt: skip
    read = filters_of(watch.filters, taxonomy_names())
    assert (read.objective, read.outlet_type, read.submitted, read.used) == ("A5", "press", False, True)
    listed = invoke("watches", "list").output.splitlines()
    after = listed[next(i for i, line in enumerate(listed) if line.startswith("cli [ana]")) + 1 :]
    own = list(itertools.takewhile(lambda line: line.startswith("    "), after))
    assert own == [
        "    Language of the articles: French",
        "    Strategic objective: A5 – Carbon markets for farmers",
        "    Outlet type: press",
        "    Sent in by a correspondent: no",
        "    Used in an issue: yes",
    ]
    held = what_the_watch_holds(store, settings, _app.test_client(), ids, "cli")
    assert held == {"feed": found, "digest": found, "spike": found}


def test_every_parameter_of_the_watch_page_is_a_field_of_the_form():
    assert set(PARAMS) - {"q", "state"} <= set(FIELDS)


def test_the_stored_filters_read_back_as_the_same_search():
    since = datetime(2026, 2, 25, tzinfo=UTC)
    every = make_filters(
        names=taxonomy_names(), since=since, until=since + timedelta(days=3), language="FR", theme="policy",
        region="africa", source="agri", states=["unsure", "relevant"], objective="b2", outlet_type="blog",
        submitted=False, used=True,
    )  # fmt: skip
    record = filters_record(every, taxonomy_names())
    assert record["submitted"] is False  # "not sent in" is a filter, not an empty one
    assert json.loads(json.dumps(record)) == record
    assert filters_of(record, taxonomy_names()) == every
    assert filters_record(make_filters(names=taxonomy_names()), taxonomy_names()) == {}
    with pytest.raises(InvalidInput, match="true or false"):
        filters_of({"used": "no"}, taxonomy_names())
    words = filter_words(record, "fr", {"agri": "Agri Blog"})
    assert words == [
        "Publiés depuis : 2026-02-25",
        "Publiés jusqu'au (inclus) : 2026-02-27",
        "Langue des articles : français",
        "Thème : Politiques publiques",
        "Région : Afrique",
        "Objectif stratégique : B2 – Surveillance des sols",
        "Source : Agri Blog",
        "Type de média : blog",
        "Pertinence : incertain, pertinent",
        "Envoyé par un correspondant : non",
        "Repris dans un numéro : oui",
    ]


def test_what_a_link_holds_that_the_form_cannot_take_is_said_beside_each_field(site):
    app, _store, _ids, _settings = site
    carla = signed_in(app, "carla")  # reads French
    link = {
        "q": "sols",
        "since": "31/01/2026",
        "lang": "xx",
        "theme": "nowhere",
        "region": "atlantis",
        "objective": "Z9",
        "sent": "maybe",
        "outlet_type": "press",
        "sort": "x",
    }
    page = carla.get(f"/watches/new?{urlencode(link)}").get_data(as_text=True)
    assert t("watches.web.link_fix", "fr") in html.unescape(page)
    for field, value in (
        ("since", "31/01/2026"), ("lang", "xx"), ("theme", "nowhere"), ("region", "atlantis"),
        ("objective", "Z9"), ("sent", "maybe"),
    ):  # fmt: skip
        control = re.search(rf'<(?:input|select) id="w-{field}"[^>]*>', page)
        assert control is not None, field
        assert f'aria-describedby="problem-w-{field}"' in control.group(0), field
        assert 'aria-invalid="true"' in control.group(0), field
        assert ("autofocus" in control.group(0)) == (field == "since"), field  # the first one at fault
        note = re.search(rf'<span class="problem" id="problem-w-{field}"[^>]*>(.*?)</span>', page, re.S)
        assert note is not None, field
        assert value in html.unescape(note.group(1)), field
    for field in ("q", "until", "outlet_type", "used"):  # what is right is not flagged
        assert f'id="problem-w-{field}"' not in page
    assert t("watches.web.unknown_params", "fr", names="sort") in html.unescape(page)
    assert ("outlet_type", "press") in form_fields(page)  # what it can take, it takes
    assert ("since", "31/01/2026") in form_fields(page)  # and a wrong date is kept to be fixed
