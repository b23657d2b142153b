"""A classification killed midway is taken up where it stopped: nothing lost, nothing classified twice, the
same verdicts as a run that was never interrupted.  SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mediawatch.classify.pipeline import CLASSIFY_BATCH, Classifier, classify_stored, load_classifier
from mediawatch.config import Settings
from mediawatch.store import NewEntry, PageOutcome, open_store
from mediawatch.types import FetchEvent, FetchStatus, PartialReason, Source, SourceKind, SourceState

GOLD = Path(__file__).parent / "data" / "classify" / "dev.jsonl"
ARTICLES = 350
CRASH_AFTER = 140  # 40 % of the run, inside its second batch
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[1]


class Killed(BaseException):
    """What a kill -9 leaves: no exception handler and no cleanup of the run's own runs."""


class CrashingClassifier:
    """The real classifier, until it has classified ``after`` articles: then the process "dies"."""

    def __init__(self, inner: Classifier, after: int) -> None:
        self.inner, self.left, self.version = inner, after, inner.version

    def classify(self, item, **kwargs):
        if self.left == 0:
            raise Killed
        self.left -= 1
        return self.inner.classify(item, **kwargs)


@pytest.fixture(scope="module")
def seeded(module_db_url):
    """Articles made of the labelled set's items (feed summary kept, page paywalled), none classified."""
    items = [json.loads(line) for line in GOLD.open(encoding="utf-8")]
    entries = []
    for n in range(ARTICLES):
        item = items[n % len(items)]
        url = f"https://news.example/{n}"
        summary = f"{item.get('summary', '')} {item.get('text', '')}"[:500]
        when = NOW - timedelta(hours=n)
        entries.append(NewEntry(url, url, f"{item['title']} ({n})", summary, "", when, ""))
    source = Source(id="wire", name="Wire", url="https://news.example/feed", kind=SourceKind.RSS, language="")
    event = FetchEvent("wire", NOW, FetchStatus.OK, 200, "", ARTICLES, 10)
    with open_store(module_db_url) as store:
        store.sync_sources([source])
        pending = store.save_feed_poll("wire", SourceState(content_hash="h"), event, entries)
        paywalled = PageOutcome(final=True, partial_reason=PartialReason.PAYWALL)
        for article in pending:
            store.complete_article(article.id, paywalled, NOW, timedelta(hours=72))
    return module_db_url


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    return load_classifier(Settings(model_path=str(tmp_path_factory.mktemp("m") / "model.npz")))


@pytest.fixture
def store(seeded, copy_database):
    s = open_store(copy_database(seeded))
    yield s
    s.close()


def _expected(store, classifier):
    """What one uninterrupted run gives, worked out without writing anything."""
    return {
        item.id: classifier.classify(item)
        for batch in store.articles_for_classification(everything=True)
        for item in batch
    }


def test_a_run_killed_at_40_percent_is_taken_up_where_it_stopped(store, classifier):
    expected = _expected(store, classifier)
    with pytest.raises(Killed):
        classify_stored(store, CrashingClassifier(classifier, CRASH_AFTER))
    kept = len(store.classifications())
    assert kept == CRASH_AFTER - CRASH_AFTER % CLASSIFY_BATCH > 0  # each batch committed as it ended
    resumed = classify_stored(store, classifier)
    assert resumed.classified == ARTICLES - kept
    assert {c.id: c for c in store.classifications()} == expected


def test_a_reclassification_killed_midway_goes_on_and_a_new_one_starts_over(store, classifier):
    classify_stored(store, classifier)
    with pytest.raises(Killed):
        classify_stored(store, CrashingClassifier(classifier, CRASH_AFTER), everything=True)
    resumed = classify_stored(store, classifier, everything=True)
    assert resumed.classified == ARTICLES - (CRASH_AFTER - CRASH_AFTER % CLASSIFY_BATCH)
    assert {c.id: c for c in store.classifications()} == _expected(store, classifier)
    # That reclassification is over: the next one does everything again.
    assert classify_stored(store, classifier, everything=True).classified == ARTICLES


def test_a_reclassification_with_another_taxonomy_or_model_does_not_take_up_a_killed_one(store, classifier):
    with pytest.raises(Killed):
        classify_stored(store, CrashingClassifier(classifier, CRASH_AFTER), everything=True)
    taxonomy_alone = Classifier(classifier.taxonomy)
    assert taxonomy_alone.version != classifier.version
    assert classify_stored(store, taxonomy_alone, everything=True).classified == ARTICLES
    assert {c.version for c in store.classifications()} == {taxonomy_alone.version}


KILLER = """
import os, signal, sys
from mediawatch.classify import pipeline
from mediawatch.config import Settings
from mediawatch.store import open_store

classify = pipeline.Classifier.classify
left = [int(sys.argv[2])]

def classify_then_die(self, item, **kwargs):
    if left[0] == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    left[0] -= 1
    return classify(self, item, **kwargs)

pipeline.Classifier.classify = classify_then_die
store = open_store(sys.argv[1])
pipeline.classify_stored(store, pipeline.load_classifier(Settings(model_path=sys.argv[3])), everything=True)
"""


@pytest.mark.slow
def test_kill_9_in_a_reclassification_then_the_rest(store, classifier, tmp_path):
    classify_stored(store, classifier)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONSAFEPATH": "1"}
    args = [sys.executable, "-c", KILLER, store.url, str(CRASH_AFTER), str(tmp_path / "model.npz")]
    process = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert process.returncode == -signal.SIGKILL, process.stderr
    resumed = classify_stored(store, classifier, everything=True)
    assert resumed.classified == ARTICLES - (CRASH_AFTER - CRASH_AFTER % CLASSIFY_BATCH)
    assert {c.id: c for c in store.classifications()} == _expected(store, classifier)
