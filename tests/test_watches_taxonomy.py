"""A saved watch outlives an edit of the team's taxonomy: a theme or objective it names that the taxonomy
no longer has matches nothing (its feed answers, empty; its digest closes its period without mail) and the
watch's filters say so in the reader's language, so its owner can replace it. On SQLite and PostgreSQL,
with an injected clock. The browser side: tests/journeys/test_journey_team_taxonomy.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import feedparser
import pytest
from click.testing import CliRunner
from taxonomy_samples import team_taxonomy
from test_deliver import cli_env
from watch_samples import T0, add_article, clock_at, watch_team

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.cli import cli
from mediawatch.deliver.watch_mail import run_watches
from mediawatch.i18n import t
from mediawatch.i18n.themes import objective_name, theme_name
from mediawatch.types import Theme
from mediawatch.watch.watches import add_watch, filter_words, gone_filters
from mediawatch.web.app import create_app

DAY = timedelta(days=1)


@pytest.fixture
def team(tmp_path, db_url):
    with watch_team(tmp_path, db_url) as found:
        yield found


def _saved(store, settings, name, filters):
    return add_watch(
        store, name=name, query="", filters=filters, every="daily", owner="carla", settings=settings,
        actor="carla", clock=clock_at(T0),
    )  # fmt: skip


def _events_and_e2(store, title):
    """An article the packaged taxonomy filed under the "events" theme and objective E2."""
    article = add_article(store, title, found=T0 + timedelta(hours=1))
    verdict = store.classification_of(article)
    store.save_classifications([replace(verdict, themes=(Theme.EVENTS,), objectives=("E2",))])
    store.reindex_pending()
    return article


def test_a_watch_on_a_code_the_team_removed_keeps_answering_and_matches_nothing(team, tmp_path):
    store, settings, recorder = team
    _events_and_e2(store, "Journée mondiale des sols")
    by_theme = _saved(store, settings, "Événements", {"theme": "events"})  # packaged taxonomy: both known
    by_objective = _saved(store, settings, "Objectif E2", {"objective": "E2"})
    client = create_app(settings, store).test_client()
    before = feedparser.parse(client.get(f"/w/{by_theme.feed_key}.atom").data)
    assert [e.title for e in before.entries] == ["Journée mondiale des sols"]

    # The team now reads its own taxonomy: no "events" theme, Z9 in place of E2.
    edited = settings.with_overrides(taxonomy_dir=str(team_taxonomy(tmp_path)))
    client = create_app(edited, store).test_client()
    for watch in (by_theme, by_objective):
        response = client.get(f"/w/{watch.feed_key}.atom")
        assert response.status_code == 200, response.data[:300]
        feed = feedparser.parse(response.data)
        assert not feed.bozo
        assert feed.entries == []  # matches nothing, though the old article still carries the code
    run = run_watches(store, edited, clock=clock_at(T0 + DAY + timedelta(hours=3)))
    assert sorted(run.empty) == ["Objectif E2", "Événements"]
    assert run.digests == []
    assert recorder.snapshot() == []
    assert store.watch("Événements").last_digest_at == T0 + DAY - timedelta(hours=9)  # the period closed

    # `watches list` says it beside the filter, in the reader's language
    env = cli_env(edited, MEDIAWATCH_TAXONOMY_DIR=edited.taxonomy_dir)
    listed = CliRunner().invoke(cli, ["--lang", "es", "watches", "list"], env=env, catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    assert t("watches.filter.gone", "es", value=theme_name("events", "es")) in listed.output
    assert t("watches.filter.gone", "es", value=objective_name("E2", "es")) in listed.output


@pytest.mark.parametrize(
    ("lang", "gone"),
    [
        ("fr", "n'est plus dans la taxonomie : la veille ne trouve plus rien"),
        ("en", "no longer in the taxonomy: the watch finds nothing"),
        ("es", "ya no está en la taxonomía: la vigilancia no encuentra nada"),
    ],
)
def test_a_removed_code_is_said_beside_the_filter(tmp_path, lang, gone):
    names = taxonomy_names(team_taxonomy(tmp_path))
    raw = {"theme": "events", "objective": "E2", "language": "fr"}
    assert gone_filters(raw, names) == ["theme", "objective"]
    assert gone_filters({"theme": "policy", "objective": "Z9"}, names) == []
    theme_line, objective_line = filter_words(raw, lang, names=names)[1:]
    for line, name in (
        (theme_line, theme_name("events", lang)),
        (objective_line, objective_name("E2", lang)),
    ):
        assert name in line
        assert gone in line
    assert gone not in filter_words({"theme": "policy"}, lang, names=names)[0]
    assert t("watches.filter.gone", lang, value="X").startswith("X")
