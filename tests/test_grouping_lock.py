"""Two story groupings at once (the nightly's and a cluster worker's, two `mediawatch classify` runs), on
SQLite and PostgreSQL.

Grouping reads the ungrouped articles and the stored stories, decides in memory, then saves: two groupings
interleaved would each save what they decided from a state the other one was changing. The interleavings
are staged with events and a store that pauses on a call, never hoped for with sleeps: no assertion
depends on timing (the waits' bounds only turn a hang into a failure).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pg_server import PgServer

from mediawatch.classify.grouping import GroupingReport, group_stories
from mediawatch.config import Settings
from mediawatch.errors import LockedError
from mediawatch.store import NewEntry, PageOutcome, Store, open_store
from mediawatch.types import (
    Classification,
    Extracted,
    FetchEvent,
    FetchStatus,
    Region,
    Role,
    Source,
    SourceKind,
    SourceState,
    TermMatch,
    Theme,
)

WAIT_S = 120.0  # a bound on every wait for an event: reached only when something hangs
ARTICLES = {
    a["key"]: a
    for a in json.loads((Path(__file__).parent / "data/stories/articles.json").read_text(encoding="utf-8"))
}
T0 = datetime(2025, 3, 4, 8, tzinfo=UTC)
# Two outlets' copies of one wire story (tests/test_stories.py groups them): the later one is collected
# and classified first; the earlier one, whose id names the story once both are grouped, arrives after.
LATER, EARLIER = "en-kenya-b", "en-kenya-a"
WHEN = {EARLIER: T0, LATER: T0 + timedelta(hours=5)}
SETTINGS = Settings()


# -- the database: two collected copies of one story, the later one classified --------------------------
def _collected(store: Store, key: str) -> int:
    item, when = ARTICLES[key], WHEN[key]
    url = f"https://{key}.example/news"
    event = FetchEvent("wire", when, FetchStatus.OK, 200, "", 1, 5)
    entry = NewEntry(url, url, item["title"], "", "", when, "en")
    (pending,) = store.save_feed_poll("wire", SourceState(), event, [entry])
    page = Extracted(item["title"], item["text"], "", when, item["outlet"], "en", "")
    outcome = PageOutcome(final=True, final_url=url, extracted=page, published=when, date_source="page")
    return store.complete_article(pending.id, outcome, when, timedelta(hours=72))


def _classify(store: Store, article_id: int) -> None:
    verdict = Classification(
        id=str(article_id),
        language="en",
        language_confidence=0.99,
        relevant=True,
        relevance=0.9,
        uncertain=False,
        matched_terms=(TermMatch("soil carbon", "soil_carbon", "title", 2.0),),
        themes=(Theme.SCIENCE,),
        regions=(Region.AFRICA,),
        objectives=(),
        version="test",
    )
    store.save_classifications([verdict])


def _prepared(url: str) -> dict[str, int]:
    """Both copies collected, only the later one classified; their ids by key."""
    with open_store(url) as store:
        store.sync_sources([Source("wire", "Wire", "https://wire.example/feed.xml", SourceKind.RSS, "en")])
        ids = {key: _collected(store, key) for key in (LATER, EARLIER)}
        _classify(store, ids[LATER])
    return ids


def _stories(url: str, ids: dict[str, int]) -> set[frozenset[str]]:
    """The stored stories as sets of article keys, named by their first article's key."""
    key_of = {i: k for k, i in ids.items()}
    with open_store(url) as store:
        return {frozenset(key_of[i] for i in members) for members in store.story_groups().values()}


def _story_of(url: str, article_id: int) -> int | None:
    with open_store(url) as store:
        return store.story_of(article_id)


def _another_database(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second empty database beside ``db_url``, for the reference run."""
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'reference.sqlite3'}"
    server: PgServer = request.getfixturevalue("pg_server")
    url = server.acquire()
    request.addfinalizer(lambda: server.release(url))
    return url


# -- a store that stops where a test says ---------------------------------------------------------------
class Staged:
    """A store whose calls go through unchanged, except that ``save_story_members`` waits for ``release``
    (having set ``at_save``), and every call is logged in ``calls`` as ``who.method``."""

    def __init__(self, store: Store, who: str, calls: list[str], *, hold_save: bool = False) -> None:
        self._store, self._who, self._calls, self._hold = store, who, calls, hold_save
        self.at_save, self.release = threading.Event(), threading.Event()
        self.at_lock = threading.Event()  # it asked for the grouping lock
        self.halted = threading.Event()  # it asked for the grouping lock, or its grouping returned

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if not callable(method):
            return method

        def logged(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(f"{self._who}.{name}")
            return method(*args, **kwargs)

        return logged

    def grouping_lock(self, **kwargs: Any) -> Any:
        self._calls.append(f"{self._who}.grouping_lock")
        self.at_lock.set()
        self.halted.set()
        return self._store.grouping_lock(**kwargs)

    def save_story_members(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        if self._hold:
            self.at_save.set()
            assert self.release.wait(WAIT_S), "never released"
        self._calls.append(f"{self._who}.save_story_members")
        self._store.save_story_members(rows)


class Grouping(threading.Thread):
    """``group_stories`` on its own store, in a thread; ``done`` is set when it returned or failed."""

    def __init__(self, staged: Staged, store: Store) -> None:
        super().__init__(daemon=True)
        self.staged, self.store = staged, store
        self.done = threading.Event()
        self.report: GroupingReport | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.report = group_stories(self.staged, SETTINGS)  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 -- re-raised by finish() in the test's thread
            self.error = exc
        finally:
            self.done.set()
            self.staged.halted.set()

    def finish(self) -> GroupingReport:
        self.join(WAIT_S)
        assert not self.is_alive(), "the grouping hangs"
        self.store.close()
        if self.error is not None:
            raise self.error
        assert self.report is not None
        return self.report


def _start(url: str, who: str, calls: list[str], *, hold_save: bool = False) -> Grouping:
    store = open_store(url)
    thread = Grouping(Staged(store, who, calls, hold_save=hold_save), store)
    thread.start()
    return thread


# -- the interleaving ------------------------------------------------------------------------------------
def test_two_interleaved_groupings_give_what_one_after_the_other_gives(db_backend, db_url, tmp_path, request):
    """A reads the later copy as the only new article and decides it is a story of its own; before it
    saves, the earlier copy is classified and B groups both (one story, named by the earlier copy); then A
    saves. Without a lock A's stale decision overwrote B's, leaving the two copies apart (and the later
    copy's story id rewritten from A's older view). With it, B waits for A: the result is the sequential
    one."""
    reference = _another_database(db_backend, tmp_path, request)
    ids = _prepared(reference)
    with open_store(reference) as store:
        group_stories(store, SETTINGS)  # A
        _classify(store, ids[EARLIER])
        group_stories(store, SETTINGS)  # then B
    sequential = _stories(reference, ids)
    assert sequential == {frozenset({LATER, EARLIER})}

    assert _prepared(db_url) == ids
    calls: list[str] = []
    first = _start(db_url, "A", calls, hold_save=True)
    assert first.staged.at_save.wait(WAIT_S), "A never reached its save"  # A has read and decided
    with open_store(db_url) as store:
        _classify(store, ids[EARLIER])
    second = _start(db_url, "B", calls)
    assert second.staged.halted.wait(WAIT_S)  # B ran whole (without a lock), or it stands at A's lock
    first.staged.release.set()
    first.finish()
    second.finish()

    assert _stories(db_url, ids) == sequential, calls
    assert _story_of(db_url, ids[LATER]) == _story_of(reference, ids[LATER]) == ids[EARLIER]


# -- the lock: a second grouping waits; bounded; released by a killed holder -----------------------------
class Seen(logging.Handler):
    """Sets ``event`` when the store logs a line containing ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.INFO)
        self.text, self.event = text, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


@pytest.fixture
def lock_waits() -> Iterator[threading.Event]:
    """Set when a grouping finds the lock held and starts waiting (the store's log line says so)."""
    logger = logging.getLogger("mediawatch.store")
    seen, level = Seen("waiting up to"), logger.level
    logger.addHandler(seen)
    logger.setLevel(logging.INFO)
    try:
        yield seen.event
    finally:
        logger.removeHandler(seen)
        logger.setLevel(level)


def test_a_second_grouping_waits_for_the_first_then_groups_from_what_it_saved(db_url, lock_waits):
    ids = _prepared(db_url)
    calls: list[str] = []
    first = _start(db_url, "A", calls, hold_save=True)
    assert first.staged.at_save.wait(WAIT_S)
    with open_store(db_url) as store:
        _classify(store, ids[EARLIER])
    second = _start(db_url, "B", calls)
    assert lock_waits.wait(WAIT_S), "B did not wait for the lock A holds"
    # B is inside the lock's wait: it has read nothing, and stays there while A is held at its save
    assert calls == ["A.grouping_lock", "A.ungrouped_articles", "A.story_rows", "B.grouping_lock"]
    assert not second.done.is_set()

    first.staged.release.set()
    assert first.finish().grouped == 1
    report = second.finish()
    # B read once A had saved: only the article A had not grouped was new to it, and it joined A's story
    assert calls[4:] == [
        "A.save_story_members",
        "B.ungrouped_articles",
        "B.story_rows",
        "B.save_story_members",
    ]
    assert (report.grouped, report.stories_touched) == (1, 1)
    assert _stories(db_url, ids) == {frozenset({LATER, EARLIER})}


def test_the_wait_is_bounded_and_says_who_holds_the_lock(db_backend, db_url):
    holder_is = f"pid {os.getpid()}, started " if db_backend == "sqlite" else "PostgreSQL session "
    with open_store(db_url) as holder, open_store(db_url) as other:
        with holder.grouping_lock():
            for wait in (0, 0.05):  # refused at once; refused after waiting (the lock is held throughout)
                with pytest.raises(LockedError) as caught, other.grouping_lock(wait=wait):
                    pytest.fail("the lock was taken twice")
                message = str(caught.value)
                assert f"another story grouping still held the lock after {wait:g} s" in message
                assert holder_is in message, message
        with other.grouping_lock(wait=0):  # released: free at once
            pass


HOLDER = """
import sys
from mediawatch.store import open_store

store = open_store(sys.argv[1])
lock = store.grouping_lock()  # kept: a lock dropped by the collector would be released
lock.__enter__()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_killed_groupings_lock_is_released(db_url):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with open_store(db_url) as store:
            with pytest.raises(LockedError), store.grouping_lock(wait=0):
                pytest.fail("the lock was taken twice")
            holder.send_signal(signal.SIGKILL)
            holder.wait(WAIT_S)
            # SQLite: the kernel dropped the flock with the process; PostgreSQL: the server ends the dead
            # client's session (and its lock) as soon as it sees the connection closed, which is waited for
            with store.grouping_lock(wait=WAIT_S):
                pass
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(WAIT_S)


def test_an_article_added_by_hand_during_a_grouping_is_kept_and_placed_by_the_next_one(db_url, monkeypatch):
    """A person adding an article does not wait out a long grouping (the web server ends a request after
    120 s): after a short wait the article is stored, classified and searchable without a story yet, the
    message says so, and the next grouping places it."""
    from mediawatch.watch import add, add_classify

    # refused at once: the lock is held throughout
    monkeypatch.setattr(add_classify, "ADD_GROUPING_WAIT_S", 0)
    item = add.ManualItem(
        "Kenyan farmers store carbon in their soils", "Radio Citizen", "2025-03-04", "en", "A radio report."
    )
    with open_store(db_url) as holder, open_store(db_url) as store:
        store.add_user("ana", Role.EDITOR, "not-a-hash", "en")
        with holder.grouping_lock():
            result = add.add_manual(store, SETTINGS, item, added_by="ana")
        assert (result.status, result.story_id, result.grouping_pending) == (add.AddStatus.ADDED, None, True)
        assert result.article_id is not None
        assert result.as_dict()["grouping_pending"] is True
        assert store.classification_of(result.article_id) is not None
        assert store.story_of(result.article_id) is None
        expected = {
            "en": "Another story grouping was under way",
            "fr": "Un autre regroupement des sujets était en cours",
            "es": "Había otra agrupación de noticias en curso",
        }
        for lang, words in expected.items():
            message = result.message(lang)
            assert words in message
            assert item.title in message
            assert str(result.article_id) in message

        assert group_stories(store, SETTINGS).grouped == 1
        assert store.story_of(result.article_id) is not None
