"""The nightly job's learn stage: it retrains the relevance model, as `mediawatch retrain` does, once the
editors made ``nightly_retrain_after`` decisions since the model in use learnt, before collecting.

On SQLite and PostgreSQL, through :func:`run_nightly` in this process (collection off: the articles are
stored here as the collector stores them). The labelled files are cut down to ``dev.jsonl`` so that a
retrain takes a second, not the full set's several: the same code path, fewer examples. Plus a cluster
worker taking up a retrained model without a restart (redis-server and PostgreSQL on loopback).
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from cluster_helpers import redis_server_fixture, redis_url_fixture  # noqa: F401 (fixtures)

from mediawatch.classify import evaluate, learned
from mediawatch.classify.pipeline import decisions_learnt, labelled_files, load_classifier
from mediawatch.cli import cli
from mediawatch.config import Settings, load_settings
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES
from mediawatch.nightly import NightlyResult, json_logging, run_nightly
from mediawatch.nightly.notify import RunNews, editor_message
from mediawatch.nightly.stages import retrain_due
from mediawatch.store import NewEntry, PageOutcome, Store, open_store
from mediawatch.types import Extracted, FetchEvent, FetchStatus, Source, SourceKind, SourceState

pytest.importorskip("sklearn", reason="training needs scikit-learn")

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # the run's --at: no draft is due anyway (cadences off)
AFTER = 6  # nightly_retrain_after in these tests
SUBJECTS = ("Cover crops", "No-till farming", "Compost", "Agroforestry", "Grazing", "Biochar", "Mulching")
PLACES = ("Kenya", "Brittany", "Punjab", "Iowa", "Andalusia", "Senegal", "Colombia", "Java")
OFF_TOPIC = (
    "Stock markets close higher", "Carbon fibre bikes get lighter", "Netflix raises its prices",
    "Football club signs a striker", "Smartphone batteries last longer", "Laminate floors for kitchens",
    "Airline adds routes", "Chess champion keeps the title",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _few_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    """`mediawatch retrain`'s labelled files cut down to dev.jsonl (what the demo trains on)."""
    monkeypatch.setattr(evaluate, "LABELLED_FILES", ("dev.jsonl",))


@pytest.fixture
def store(db_url: str) -> Store:
    with open_store(db_url) as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        db=db_url,
        model_path=str(tmp_path / "model.npz"),
        nightly_press_review="off",
        nightly_newsletter="off",
        nightly_retrain_after=AFTER,
    )


_batches = iter(range(1_000_000))


def collected(store: Store, relevant: int, off_topic: int) -> tuple[list[int], list[int]]:
    """Articles stored as the collector stores them (a feed poll, then each page), not classified yet:
    ``relevant`` about soil carbon, ``off_topic`` about anything else; their ids."""
    batch = next(_batches)
    store.sync_sources([Source("learn", "Learn", "https://feed.example.org/rss", SourceKind.RSS, "en")])
    titles = [
        f"{SUBJECTS[n % len(SUBJECTS)]} raises soil organic carbon in {PLACES[n % len(PLACES)]}, "
        f"trial {batch}-{n}"
        for n in range(relevant)
    ] + [f"{OFF_TOPIC[n % len(OFF_TOPIC)]}, report {batch}-{n}" for n in range(off_topic)]
    urls = [f"https://news.example.org/{batch}/{n}" for n in range(len(titles))]
    entries = [NewEntry(u, u, title, "", "", None, "en") for u, title in zip(urls, titles, strict=True)]
    event = FetchEvent("learn", datetime.now(UTC), FetchStatus.OK, 200, "", len(entries), 1)
    found = {p.url: p.id for p in store.save_feed_poll("learn", SourceState(), event, entries)}
    ids = []
    for url, title in zip(urls, titles, strict=True):
        page = Extracted(title, f"{title}. " * 20, "", None, "", "en", "")
        outcome = PageOutcome(final=True, final_url=url, extracted=page)
        ids.append(store.complete_article(found[url], outcome, datetime.now(UTC), timedelta(hours=72)))
    return ids[:relevant], ids[relevant:]


def decide(store: Store, accepted: list[int], rejected: list[int]) -> None:
    for article_id in accepted:
        store.record_decision(article_id, True, "ana")
    for article_id in rejected:
        store.record_decision(article_id, False, "ana")


def night(store: Store, settings: Settings) -> tuple[NightlyResult, list[dict[str, object]]]:
    lines = io.StringIO()
    with json_logging(settings, lines) as log:
        result = run_nightly(store, settings, log=log, now=AT, collect=False, notify=False)
    return result, [json.loads(line) for line in lines.getvalue().splitlines()]


def named(events: list[dict[str, object]], name: str) -> list[dict[str, object]]:
    return [e for e in events if e["event"] == name]


def versions(store: Store, ids: list[int]) -> set[str]:
    return {c.version for c in store.classifications() if int(c.id) in ids}


def test_the_night_retrains_once_enough_new_decisions_exist_and_classifies_with_the_new_model(
    store, settings
):
    model = Path(settings.model_path)
    relevant, off = collected(store, 6, 6)
    decide(store, relevant[:3], off[:2])  # 5: one short of nightly_retrain_after

    first, events = night(store, settings)
    assert (first.retrained, first.retrain_decisions, first.errors) == (False, 0, ())
    [skipped] = named(events, "learn.skipped")
    assert (skipped["decisions"], skipped["learnt"], skipped["threshold"]) == (5, 0, AFTER)
    assert not model.exists()  # the packaged base model still
    assert " retrained=- " in first.summary_line()
    base = load_classifier(settings).version
    assert "+base-" in base
    assert versions(store, relevant + off) == {base}

    # one more decision, and articles collected since: the same night learns, then classifies them with it
    decide(store, [], off[2:3])
    more_relevant, more_off = collected(store, 3, 3)
    second, events = night(store, settings)
    assert (second.retrained, second.retrain_decisions, second.errors) == (True, AFTER, ())
    assert second.as_dict()["retrained"] is True
    assert second.as_dict()["retrain_decisions"] == AFTER
    assert f" retrained={AFTER} " in second.summary_line()
    [done] = named(events, "learn.done")
    assert (done["decisions"], done["new"], done["path"]) == (AFTER, AFTER, str(model))
    assert done["gold"] == dev_items()
    names = [e["event"] for e in events]
    assert names.index("learn.done") < names.index("classify.done")
    own = load_classifier(settings).version
    assert "+model-" in own
    assert own != base
    [classified] = named(events, "classify.done")
    assert classified["version"] == own
    assert versions(store, more_relevant + more_off) == {own}  # this night's classification: the new model
    assert versions(store, relevant + off) == {base}  # the earlier ones are kept (`classify --all` redoes)
    assert decisions_learnt(settings) == AFTER  # recorded in the model file
    assert learned.Model.load(model).decisions == AFTER

    # no new decision: the model stays as it is
    stamp = (model.stat().st_mtime_ns, model.read_bytes())
    third, events = night(store, settings)
    assert (third.retrained, third.errors) == (False, ())
    [skipped] = named(events, "learn.skipped")
    assert (skipped["decisions"], skipped["learnt"]) == (AFTER, AFTER)
    assert (model.stat().st_mtime_ns, model.read_bytes()) == stamp

    # a changed verdict is not a new decision; new ones below the threshold are not enough either...
    decide(store, off[:1], [])
    decide(store, more_relevant, more_off[:1])  # 4 new
    fourth, _ = night(store, settings)
    assert not fourth.retrained
    assert (model.stat().st_mtime_ns, model.read_bytes()) == stamp
    # ...until they add up to nightly_retrain_after since the last learning
    decide(store, [], more_off[1:3])
    fifth, events = night(store, settings)
    assert (fifth.retrained, fifth.retrain_decisions) == (True, 2 * AFTER)
    assert named(events, "learn.done")[0]["new"] == AFTER
    assert decisions_learnt(settings) == 2 * AFTER
    assert load_classifier(settings).version not in (base, own)


def test_the_night_learns_before_it_collects_so_the_workers_classify_with_the_new_model(
    store, settings, monkeypatch
):
    """With a broker the workers classify each page as they collect it (taking up a replaced model file at
    their next task): the retrain must be done before the collect starts, or it only helps the next night.
    The collect is replaced by one that records the model a worker would load at that moment."""
    from mediawatch.nightly import collecting

    relevant, off = collected(store, 4, 4)
    decide(store, relevant[:3], off[:3])  # AFTER decisions: due
    seen: list[str] = []
    monkeypatch.setattr(
        collecting, "collect", lambda job, force: seen.append(load_classifier(job.settings).version)
    )
    result = run_nightly(store, settings, now=AT, collect=True, notify=False)
    assert result.retrained
    assert seen == [load_classifier(settings).version]
    assert "+model-" in seen[0]  # the retrained model, not the packaged one


def dev_items() -> int:
    return len(evaluate.load_gold(evaluate.GOLD_DIR / "dev.jsonl"))


def test_a_model_file_from_before_counts_as_having_learnt_from_no_decision(store, settings):
    from test_learned import examples, old_format_file

    old_format_file(learned.train(examples()), Path(settings.model_path))
    assert "+model-" in load_classifier(settings).version  # it still loads, and is the one in use
    relevant, off = collected(store, 3, 3)
    decide(store, relevant, off)
    result, events = night(store, settings)
    assert (result.retrained, result.retrain_decisions, result.errors) == (True, AFTER, ())
    assert named(events, "learn.done")[0]["new"] == AFTER
    assert decisions_learnt(settings) == AFTER  # recorded from now on


def test_the_setting_at_zero_never_retrains(store, settings):
    settings = settings.with_overrides(nightly_retrain_after=0)
    relevant, off = collected(store, 8, 8)
    decide(store, relevant, off)  # 16 decisions, of both kinds
    result, events = night(store, settings)
    assert (result.retrained, result.errors) == (False, ())
    assert named(events, "learn.skipped")[0]["reason"] == "nightly_retrain_after is 0"
    assert not named(events, "learn.done")
    assert not Path(settings.model_path).exists()
    assert "+base-" in named(events, "classify.done")[0]["version"]


def test_a_retrain_that_cannot_train_is_a_stage_error_and_the_night_goes_on(
    store, settings, tmp_path, monkeypatch
):
    # an installed package without the labelled files, and editors who only accepted so far
    monkeypatch.setattr(evaluate, "GOLD_DIR", tmp_path / "no-labelled-files")
    assert labelled_files() == []
    relevant, off = collected(store, AFTER, 2)
    decide(store, relevant, [])
    result, events = night(store, settings)
    assert result.exit_code == 1
    assert result.retrained is False
    assert result.errors == (
        f"learn: cannot train: need both accepted and rejected examples (have {AFTER} editor decisions "
        "and 0 labelled items)",
    )
    [failed] = named(events, "learn.failed")
    assert failed["kind"] == "ConfigError"
    assert "need both accepted and rejected examples" in str(failed["error"])
    assert not Path(settings.model_path).exists()  # the model it had: the packaged one
    # the other stages ran, with the model the run had
    assert result.classified == AFTER + 2
    assert "+base-" in named(events, "classify.done")[0]["version"]
    assert [e["event"] for e in events][-1] == "nightly.done"
    [run] = store.recent_runs("nightly")
    assert (run.status, run.summary["errors"]) == ("errors", list(result.errors))
    # a rejection later, and the next night learns
    decide(store, [], off[:1])
    again, _ = night(store, settings)
    assert (again.retrained, again.retrain_decisions, again.errors) == (True, AFTER + 1, ())


def test_a_negative_setting_stops_the_night_before_any_stage(store, settings):
    """A malformed setting is bad configuration (docs/operations.md: exit 2, nothing done), found before
    the first stage rather than as the learn stage's error after the others ran."""
    with pytest.raises(ConfigError) as caught:
        night(store, settings.with_overrides(nightly_retrain_after=-1))
    assert caught.value.translated("fr").startswith("nightly_retrain_after doit être 0 ")
    assert caught.value.translated("fr").endswith(", et non -1")
    assert "nightly_retrain_after must be 0 (the night run never retrains" in str(caught.value)
    assert store.recent_runs("nightly") == []


def test_the_setting_from_the_config_file_and_the_environment(tmp_path):
    assert Settings().nightly_retrain_after == 20
    path = tmp_path / "config.toml"
    path.write_text("[nightly]\nnightly_retrain_after = 50\n", encoding="utf-8")
    assert load_settings(str(path), env={}).nightly_retrain_after == 50
    assert load_settings(str(path), env={"MEDIAWATCH_NIGHTLY_RETRAIN_AFTER": "0"}).nightly_retrain_after == 0
    with pytest.raises(
        ConfigError, match="the setting nightly_retrain_after must be a whole number, got “often”"
    ):
        load_settings(str(path), env={"MEDIAWATCH_NIGHTLY_RETRAIN_AFTER": "often"})


def test_when_a_retrain_is_due():
    assert retrain_due(20, 0, 20)
    assert not retrain_due(19, 0, 20)
    assert retrain_due(45, 25, 20)
    assert not retrain_due(44, 25, 20)
    assert not retrain_due(500, 0, 0)  # off
    assert not retrain_due(3, 30, 1)  # fewer than it learnt from (articles gone): nothing new


def test_mediawatch_retrain_says_what_it_did_as_before_and_the_night_counts_from_it(
    store, settings, tmp_path, monkeypatch, db_url
):
    relevant, off = collected(store, 4, 3)
    decide(store, relevant, off)
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("MEDIAWATCH_MODEL_PATH", settings.model_path)
    result = CliRunner().invoke(cli, ["--db", db_url, "retrain"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path = settings.model_path
    assert result.output == f"trained on 7 editor decisions and {dev_items()} labelled items: {path}\n"
    result = CliRunner().invoke(cli, ["--db", db_url, "--lang", "es", "retrain", "--no-labelled"])
    spanish = "modelo entrenado con 7 decisiones de la redacción y 0 ejemplos etiquetados"
    assert result.output == f"{spanish}: {path}\n"
    # the model retrained by hand learnt from those 7: the night has nothing new to learn from
    assert decisions_learnt(settings) == 7
    night_result, events = night(store, settings)
    assert not night_result.retrained
    assert named(events, "learn.skipped")[0]["learnt"] == 7


def test_the_editors_email_says_the_model_was_retrained_in_every_language():
    news = RunNews(
        at=datetime(2024, 5, 6, 3, 0, tzinfo=UTC),
        drafts=(),
        new_articles=40,
        relevant=11,
        stories=9,
        failing=(),
        stale=(),
        stale_after_days=14,
        previous_interrupted=False,
        problems=(),
        retrained=(34, 1),
    )
    settings = Settings(mail_from="watch@example.org", base_url="https://watch.example.org/")
    expected = {
        "fr": "Le modèle de pertinence a été réentraîné sur 34 décisions de la rédaction et 1 exemple "
        "annoté : les articles classés à partir de maintenant sont évalués avec lui.",
        "en": "The relevance model was retrained on 34 editor decisions and 1 labelled item: the articles "
        "classified from now on are scored with it.",
        "es": "El modelo de pertinencia se volvió a entrenar con 34 decisiones de la redacción y 1 ejemplo "
        "etiquetado: los artículos clasificados a partir de ahora se puntúan con él.",
    }
    for lang in LANGUAGES:
        message = editor_message(news, settings, lang, ["editor@example.org"])
        assert expected[lang] in message.get_body(("plain",)).get_content(), lang
        assert expected[lang] in message.get_body(("html",)).get_content(), lang
    quiet = editor_message(replace(news, retrained=None), settings, "en", ["editor@example.org"])
    assert "relevance model" not in quiet.get_body(("plain",)).get_content()  # only when it was retrained


# -- the cluster's workers ---------------------------------------------------------------------------------
@pytest.mark.postgresql
@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_a_worker_takes_up_a_retrained_model_at_its_next_task_without_a_restart(store, settings, redis_url):
    """A worker keeps its classifier between tasks; a model file replaced by a retrain (the nightly's learn
    stage, or `mediawatch retrain`) is read again before the next classification task."""
    from mediawatch.classify.pipeline import retrain
    from mediawatch.cluster.tasks import Handlers

    relevant, off = collected(store, 4, 4)
    handlers = Handlers(store, settings.with_overrides(broker_url=redis_url))
    try:
        before = handlers.classifier()
        assert "+base-" in before.version
        assert handlers.classifier() is before  # nothing changed: nothing loaded again
        handlers.classify_article(1, relevant[0])
        assert versions(store, relevant[:1]) == {before.version}

        decide(store, relevant[1:], off[1:])
        retrain(store, settings, labelled_files())
        after = handlers.classifier()
        assert after.version == load_classifier(settings).version != before.version
        assert after.taxonomy is before.taxonomy  # only the model is read again
        handlers.classify_article(1, off[0])
        assert versions(store, off[:1]) == {after.version}
    finally:
        handlers.cluster.broker.close()
        handlers.cluster.redis.close()
