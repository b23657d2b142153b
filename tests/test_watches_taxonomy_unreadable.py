"""A team's taxonomy folder that cannot be read at all (the folder missing, a file that cannot be read, a file
that is not TOML) is a configuration problem, said where it is met. Only the saved watches that need it (a
theme or objective filter) wait: their Atom feeds answer 503 with a short text in the reader's language
(logged once, with the cause, for the administrator), their digests and spike alerts wait with their
periods still open, while the mail already queued goes; the other watches go on as before. The staff pages
of the watches stay usable, with a banner saying what is wrong and without theme and objective filters; the
nightly run records it in words and goes on. On SQLite and PostgreSQL, with an injected clock and a real
SMTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import re
import shutil
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from review_samples import signed_in
from test_deliver import cli_env
from watch_samples import T0, add_article, clock_at, watch_team

from mediawatch.classify.taxonomy import DEFAULT_DIR
from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.cli import cli
from mediawatch.deliver.watch_mail import WatchRun, build_digest, run_watches
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES, t
from mediawatch.nightly.outcome import EXIT_ERROR
from mediawatch.watch.watches import add_watch
from mediawatch.web.app import create_app

DAY = timedelta(days=1)
BREAKS = ("missing", "unreadable", "not_toml")


def unreadable_taxonomy(folder: Path, how: str) -> Path:
    """The team's taxonomy folder, broken as ``how`` says."""
    own = folder / "taxonomy"
    if how == "missing":
        return own
    shutil.copytree(DEFAULT_DIR, own)
    if how == "unreadable":  # as root every file can be read: a folder in a file's place cannot
        (own / "regions.toml").unlink()
        (own / "regions.toml").mkdir()
    else:
        themes = own / "themes.toml"
        themes.write_text("[[[\n" + themes.read_text(encoding="utf-8"), encoding="utf-8")
    return own


@pytest.fixture
def team(tmp_path, db_url):
    with watch_team(tmp_path, db_url) as found:
        yield found


def _watch(store, settings, name="Sols", **filters):
    """A watch on French articles, with ``filters`` too (a theme: one that needs the taxonomy)."""
    return add_watch(
        store, name=name, query="sols carbone", filters={"language": "fr", **filters}, every="daily",
        owner="carla", settings=settings, actor="carla", clock=clock_at(T0),
    )  # fmt: skip


@pytest.mark.parametrize("how", BREAKS)
def test_the_feed_answers_503_in_the_readers_language_and_the_cause_is_logged_once(
    team, tmp_path, how, caplog
):
    store, settings, _ = team
    watch = _watch(store, settings, theme="science")
    folder = unreadable_taxonomy(tmp_path, how)
    client = create_app(settings.with_overrides(taxonomy_dir=str(folder)), store).test_client()
    address = f"/w/{watch.feed_key}.atom"
    with caplog.at_level(logging.INFO):
        for lang in LANGUAGES:
            for _ in range(2):  # a feed reader asks again and again
                response = client.get(address, headers={"Accept-Language": f"{lang};q=0.9"})
                assert response.status_code == 503, response.data[:300]
                assert response.mimetype == "text/plain"
                assert response.get_data(as_text=True).strip() == t("watches.feed.unavailable", lang)
                assert response.headers["Retry-After"].isdigit()
                assert str(folder) not in response.get_data(as_text=True)  # the server's paths stay there
        # no Accept-Language: the language the watch's owner chose for it
        bare = client.get(address).get_data(as_text=True).strip()
        assert bare == t("watches.feed.unavailable", watch.language)
    told = [r for r in caplog.records if str(folder) in r.getMessage()]
    assert len(told) == 1, [r.getMessage() for r in caplog.records]
    assert "taxonomy" in told[0].getMessage()
    assert told[0].levelno == logging.ERROR
    assert told[0].exc_info is None  # a configuration problem, not a bug: no traceback

    # Once the folder is fixed, the same address answers its feed again.
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(DEFAULT_DIR, folder)
    fixed = client.get(address)
    assert fixed.status_code == 200
    assert not feedparser.parse(fixed.data).bozo


@pytest.mark.parametrize("how", BREAKS)
def test_a_watch_without_theme_or_objective_keeps_its_feed(team, tmp_path, how):
    """Its search names nothing of the taxonomy: there is nothing to wait for."""
    store, settings, _ = team
    watch = _watch(store, settings)
    add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1))
    folder = unreadable_taxonomy(tmp_path, how)
    client = create_app(settings.with_overrides(taxonomy_dir=str(folder)), store).test_client()
    answer = client.get(f"/w/{watch.feed_key}.atom")
    assert answer.status_code == 200, answer.data[:300]
    parsed = feedparser.parse(answer.data)
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == ["Les sols vivants et le carbone"]


BANNER = {
    "fr": "La liste des thèmes et des objectifs de l'équipe ne peut pas être lue",
    "en": "The team's list of themes and objectives cannot be read",
    "es": "La lista de temas y objetivos del equipo no se puede leer",
}


@pytest.mark.parametrize("how", BREAKS)
@pytest.mark.parametrize("page", ["/watch", "/watches", "/watches/new", "/watch?q=sols"])
def test_the_staff_pages_of_the_watches_work_and_say_what_is_wrong(team, tmp_path, how, page):
    store, settings, _ = team
    _watch(store, settings, theme="science")
    folder = unreadable_taxonomy(tmp_path, how)
    client = signed_in(create_app(settings.with_overrides(taxonomy_dir=str(folder)), store), "carla")
    response = client.get(page)
    text = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200, text[:2000]
    assert BANNER["fr"] in text  # carla reads French
    assert str(folder) in text  # which folder or file, for the staff who must fix it
    assert "Traceback" not in text
    assert 'name="theme"' not in text  # no choice it could not judge
    assert 'name="objective"' not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_banner_speaks_the_readers_language_and_a_saved_theme_is_not_said_gone(team, tmp_path, lang):
    store, settings, _ = team
    _watch(store, settings, theme="science")
    store.update_user("carla", language=lang)
    folder = unreadable_taxonomy(tmp_path, "not_toml")
    client = signed_in(create_app(settings.with_overrides(taxonomy_dir=str(folder)), store), "carla")
    text = client.get("/watches").get_data(as_text=True).replace("&#39;", "'")
    assert BANNER[lang] in text
    assert t("watches.filter.gone", lang, value="").strip(" ()") not in text  # unknown, not removed


@pytest.mark.parametrize("field", ["theme", "objective"])
def test_a_search_on_a_theme_says_why_it_cannot_be_judged_beside_the_field(team, tmp_path, field):
    store, settings, _ = team
    folder = unreadable_taxonomy(tmp_path, "missing")
    client = signed_in(create_app(settings.with_overrides(taxonomy_dir=str(folder)), store), "carla")
    value = "science" if field == "theme" else "A5"
    for page in (f"/watch?{field}={value}", f"/watches/new?q=sols&{field}={value}"):
        response = client.get(page)
        text = response.get_data(as_text=True).replace("&#39;", "'")
        assert response.status_code == 200
        label = {"theme": "Thème", "objective": "Objectif stratégique"}[field]
        assert f"{label} : ne peut pas être jugé tant que la taxonomie ne peut pas être lue" in text, text
    # saving such a watch is refused beside the field; one without is saved
    page = client.get("/watches/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"name": "Sols", "q": "sols", "every": "daily", "owner": "me", "csrf_token": token}
    refused = client.post("/watches", data={**form, field: value})
    assert refused.status_code == 400
    assert store.watch("Sols") is None
    saved = client.post("/watches", data=form)
    assert saved.status_code == 303, re.findall(r'class="problem"[^>]*>([^<]+)', saved.get_data(as_text=True))
    assert store.watch("Sols") is not None


@pytest.mark.parametrize("how", BREAKS)
def test_the_digests_wait_for_the_taxonomy_and_the_queued_mail_still_goes(team, tmp_path, how):
    store, settings, recorder = team
    _watch(store, settings, theme="science")
    _watch(store, settings, name="Sols encore", objective="A5")
    anywhere = _watch(store, settings, name="Sols partout")  # names no theme: it goes on
    add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1))
    # A digest a run built but could not send (the SMTP server was away): it waits in the queue.
    build_digest(store, settings, anywhere, T0 + timedelta(hours=2), "example.org", WatchRun())
    assert store.watch("Sols partout").last_digest_at == T0 + timedelta(hours=2)
    add_article(store, "Le carbone des sols agricoles", found=T0 + DAY)

    broken = settings.with_overrides(taxonomy_dir=str(unreadable_taxonomy(tmp_path, how)))
    at = T0 + 2 * DAY + timedelta(hours=3)
    run = run_watches(store, broken, clock=clock_at(at))

    assert isinstance(run.unreadable, ConfigError)
    assert run.waiting_for_taxonomy == ["Sols", "Sols encore"]
    assert "(Sols et Sols encore)" in run.unreadable.translated("fr")  # a list in a sentence
    assert "(Sols and Sols encore)" in run.unreadable.translated("en")
    assert "(Sols y Sols encore)" in run.unreadable.translated("es")
    assert run.digests == ["Sols partout"]
    assert run.empty == run.spikes == []
    assert run.sent == 2  # the digest queued before, and the new one
    assert len(recorder.snapshot()) == 2
    # the periods of the watches on a theme or an objective stay open: nothing found meanwhile is lost
    assert store.watch("Sols").last_digest_at == T0  # when it was saved
    assert store.watch("Sols encore").last_digest_at == T0

    fixed = run_watches(store, settings, clock=clock_at(at))
    assert fixed.unreadable is None
    assert fixed.digests == []  # the articles have no theme nor objective
    assert fixed.empty == ["Sols", "Sols encore"]


def test_nothing_waits_and_nothing_is_said_when_no_watch_needs_the_taxonomy(team, tmp_path):
    store, settings, recorder = team
    _watch(store, settings)
    add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1))
    broken = settings.with_overrides(taxonomy_dir=str(unreadable_taxonomy(tmp_path, "missing")))
    run = run_watches(store, broken, clock=clock_at(T0 + DAY + timedelta(hours=3)))
    assert run.unreadable is None
    assert run.waiting_for_taxonomy == []
    assert run.digests == ["Sols"]
    assert len(recorder.snapshot()) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_watches_run_says_why_the_digests_wait_and_exits_2(team, tmp_path, lang):
    store, settings, _ = team
    _watch(store, settings, theme="science")
    folder = unreadable_taxonomy(tmp_path, "missing")
    broken = settings.with_overrides(taxonomy_dir=str(folder))
    env = cli_env(broken, MEDIAWATCH_TAXONOMY_DIR=str(folder))
    with pytest.raises(ConfigError) as cause:
        taxonomy_names(folder)
    done = CliRunner().invoke(cli, ["--lang", lang, "watches", "run"], env=env)
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    said = t("watches.run.taxonomy_unreadable", lang, names="Sols", problem=cause.value.translated(lang))
    assert said in done.output, done.output
    assert str(folder) in done.output
    assert store.watch("Sols").last_digest_at == T0


def test_the_nightly_run_records_the_problem_in_words_and_goes_on(team, tmp_path):
    from mediawatch.nightly.run import run_nightly

    store, settings, _ = team
    _watch(store, settings, theme="science")
    add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1))
    folder = unreadable_taxonomy(tmp_path, "not_toml")
    broken = settings.with_overrides(taxonomy_dir=str(folder))
    at = T0 + DAY + timedelta(hours=1)
    result = run_nightly(store, broken, collect=False, notify=False, now=at, clock=clock_at(at))

    assert result.exit_code == EXIT_ERROR
    by_stage = {p.english.split(":")[0]: p for p in result.problems}
    assert {"classify", "watches"} <= set(by_stage), result.errors
    for stage in ("classify", "watches"):
        said = by_stage[stage]
        assert "themes.toml" in said.english, said.english
        assert "unexpected" not in said.english  # a readable error of the tree, not a crash
        assert "themes.toml" in said.text("fr")
        assert said.text("fr") != said.english
    assert "taxonom" in by_stage["watches"].text("es")
    assert store.watch("Sols").last_digest_at == T0  # the digest waits for the fix
