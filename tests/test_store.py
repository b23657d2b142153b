"""The storage contract, run on SQLite and on the throwaway PostgreSQL server (tests/pg_server.py)."""

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from mediawatch.errors import LockedError, StorageError
from mediawatch.store import NewEntry, PageOutcome, open_store
from mediawatch.types import (
    ArticleState,
    Classification,
    Extracted,
    FetchEvent,
    FetchStatus,
    PartialReason,
    Region,
    Source,
    SourceKind,
    SourceState,
    TermMatch,
    Theme,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=72)


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


def src(i: str) -> Source:
    return Source(id=i, name=i.upper(), url=f"https://{i}.example/feed", kind=SourceKind.RSS, language="fr")


def entry(
    url: str, title: str = "Le carbone du sol au coeur des politiques agricoles", raw: str = ""
) -> NewEntry:
    return NewEntry(
        url=url,
        raw_url=raw or url,
        title=title,
        summary="résumé",
        author="",
        published=NOW - timedelta(hours=2),
        feed_language="fr",
    )


def event(source_id: str, new: int = 0) -> FetchEvent:
    return FetchEvent(source_id, NOW, FetchStatus.OK, 200, "", new, 12)


def extracted(title: str = "Titre de page", canonical: str = "") -> Extracted:
    return Extracted(
        title=title,
        text="Texte intégral " * 50,
        author="A. Auteur",
        date=NOW - timedelta(days=1),
        sitename="Site",
        language="fr",
        canonical_url=canonical,
    )


def test_schema_is_created_and_migrated_on_open(store):
    assert store.schema_version() >= 1
    assert store.list_articles() == []


def test_same_article_from_two_sources_is_stored_once_listing_both(store):
    store.sync_sources([src("a"), src("b")])
    first = store.save_feed_poll(
        "a", SourceState(content_hash="x"), event("a"), [entry("https://news.example/story?id=1")]
    )
    second = store.save_feed_poll(
        "b",
        SourceState(content_hash="y"),
        event("b"),
        [
            entry(
                "http://www.news.example/story/?id=1&utm_source=x", raw="http://www.news.example/story/?id=1"
            )
        ],
    )
    assert len(first) == 1
    assert second == []  # http/www/trailing-slash variant of the same URL
    [article] = store.list_articles()
    assert set(article.source_ids) == {"a", "b"}


def test_page_canonical_merges_articles_met_under_different_urls(store):
    store.sync_sources([src("a"), src("b")])
    [one] = store.save_feed_poll("a", SourceState(), event("a"), [entry("https://site.example/a?ref=feed1")])
    [two] = store.save_feed_poll(
        "b",
        SourceState(),
        event("b"),
        [entry("https://site.example/amp/a", title="Autre titre assez long pour compter")],
    )
    canonical = "https://site.example/a"
    store.complete_article(
        one.id,
        PageOutcome(
            final=True,
            final_url="https://site.example/a?ref=feed1",
            canonical_url=canonical,
            extracted=extracted(canonical=canonical),
            published=NOW,
            date_source="page",
        ),
        NOW,
        WINDOW,
    )
    final_id = store.complete_article(
        two.id,
        PageOutcome(
            final=True,
            final_url="https://site.example/amp/a",
            canonical_url=canonical,
            extracted=extracted(),
            published=NOW,
            date_source="page",
        ),
        NOW,
        WINDOW,
    )
    assert final_id == one.id
    [article] = store.list_articles()
    assert set(article.source_ids) == {"a", "b"}
    assert article.url == canonical
    assert article.state is ArticleState.FETCHED


def test_a_page_naming_a_pending_article_as_canonical_leaves_its_content_to_that_article(store):
    """Whichever of the two pages is fetched first, the canonical article keeps its own page's content."""
    store.sync_sources([src("a")])
    canonical = "https://site.example/c/0"
    [own, twin] = store.save_feed_poll(
        "a",
        SourceState(),
        event("a"),
        [entry(canonical), entry("https://site.example/c/twin", title="Autre titre assez long pour compter")],
    )

    def page(final_url: str, title: str) -> PageOutcome:
        return PageOutcome(
            final=True,
            final_url=final_url,
            canonical_url=canonical,
            extracted=extracted(title=title, canonical=canonical),
            published=NOW,
            date_source="page",
        )

    # The twin comes first: it is merged into the canonical article, which still waits for its page.
    twin_page = page("https://site.example/c/twin", "Twin page")
    assert store.complete_article(twin.id, twin_page, NOW, WINDOW) == own.id
    [waiting] = store.pending_articles()
    assert waiting.id == own.id
    assert store.complete_article(own.id, page(canonical, "Own page"), NOW, WINDOW) == own.id
    [article] = store.list_articles()
    assert (article.url, article.title, article.state) == (canonical, "Own page", ArticleState.FETCHED)
    assert "site.example/c/twin" in store.aliases_of(own.id)


def test_exact_title_duplicates_within_window_are_grouped(store):
    store.sync_sources([src("a"), src("b")])
    title = "La FAO lance un atlas mondial du carbone organique des sols"
    [one] = store.save_feed_poll("a", SourceState(), event("a"), [entry("https://a.example/x", title)])
    [two] = store.save_feed_poll(
        "b", SourceState(), event("b"), [entry("https://b.example/y", title + " - Le Journal")]
    )
    for item in (one, two):
        store.complete_article(
            item.id,
            PageOutcome(
                final=True,
                final_url=item.url,
                extracted=extracted(title=""),
                published=NOW,
                date_source="feed",
            ),
            NOW,
            WINDOW,
        )
    primaries = store.list_articles()
    assert len(primaries) == 1
    everything = store.list_articles(include_duplicates=True)
    assert {a.duplicate_of for a in everything} == {None, one.id}


def test_partial_article_keeps_feed_summary_and_reason(store):
    store.sync_sources([src("a")])
    [item] = store.save_feed_poll("a", SourceState(), event("a"), [entry("https://a.example/paywalled")])
    store.complete_article(
        item.id,
        PageOutcome(final=True, partial_reason=PartialReason.FETCH_FAILED, partial_detail="http-4xx: 404"),
        NOW,
        WINDOW,
    )
    [article] = store.list_articles()
    assert article.state is ArticleState.PARTIAL
    assert article.partial_reason is PartialReason.FETCH_FAILED
    assert article.summary == "résumé"


def test_transient_failure_keeps_article_pending_for_next_run(store):
    store.sync_sources([src("a")])
    [item] = store.save_feed_poll("a", SourceState(), event("a"), [entry("https://a.example/slow")])
    store.complete_article(item.id, PageOutcome(final=False, partial_detail="timeout"), NOW, WINDOW)
    [pending] = store.pending_articles()
    assert pending.id == item.id
    assert pending.attempts == 1


def test_completing_twice_is_harmless(store):
    store.sync_sources([src("a")])
    [item] = store.save_feed_poll("a", SourceState(), event("a"), [entry("https://a.example/1")])
    outcome = PageOutcome(
        final=True, final_url=item.url, extracted=extracted(), published=NOW, date_source="page"
    )
    store.complete_article(item.id, outcome, NOW, WINDOW)
    store.complete_article(item.id, outcome, NOW, WINDOW)
    assert store.count_articles() == {"fetched": 1}


def test_health_keeps_the_last_30_events(store):
    store.sync_sources([src("a")])
    for i in range(40):
        store.record_fetch(
            "a",
            SourceState(consecutive_failures=i, last_status=FetchStatus.TIMEOUT),
            FetchEvent("a", NOW + timedelta(minutes=i), FetchStatus.TIMEOUT, None, f"t{i}", 0, 1),
        )
    [health] = store.source_health(NOW, 14)
    assert len(health.events) == 30
    assert health.events[0].detail == "t39"
    assert health.consecutive_failures == 39


def test_sources_removed_from_registry_leave_health(store):
    store.sync_sources([src("a"), src("b")])
    store.sync_sources([src("a")])
    assert [h.source_id for h in store.source_health(NOW, 14)] == ["a"]


def test_datetimes_come_back_aware_utc(store):
    store.sync_sources([src("a")])
    store.save_feed_poll("a", SourceState(), event("a"), [entry("https://a.example/tz")])
    [article] = store.list_articles()
    assert article.discovered.tzinfo is not None
    assert article.discovered == NOW


def test_second_run_lock_is_refused_with_reason(db_url, db_backend):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from mediawatch.store import open_store\n"
            f"s = open_store({db_url!r})\n"
            "with s.run_lock('collect'):\n print('locked', flush=True); time.sleep(3600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        store = open_store(db_url)
        who = f"pid {holder.pid}" if db_backend == "sqlite" else "PostgreSQL session [0-9]+ from 127.0.0.1"
        with (
            pytest.raises(LockedError, match=f"another collect run is active \\({who}"),
            store.run_lock("collect"),
        ):
            pass
        holder.kill()  # kill -9: the lock is freed (kernel / server), no stale lock blocks the next run
        holder.wait()
        deadline = time.monotonic() + 300  # the server notices the closed connection soon, not at once
        while True:
            try:
                with store.run_lock("collect"):
                    break
            except LockedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        store.close()
    finally:
        holder.kill()


def test_unreachable_database_is_a_storage_error(tmp_path):
    with pytest.raises(StorageError):
        open_store(f"sqlite:///{tmp_path / 'missing-dir' / 'sub' / 'db.sqlite3'}")


def classified(article_id: int, relevant: bool = True, language: str = "fr") -> Classification:
    return Classification(
        id=str(article_id),
        language=language,
        language_confidence=0.93,
        relevant=relevant,
        relevance=0.8,
        uncertain=False,
        matched_terms=(TermMatch("carbone du sol", "soil_carbon", "title", 3.0),),
        themes=(Theme.SCIENCE, Theme.POLICY),
        regions=(Region.EUROPE,),
        objectives=("B2",),
        version="v1",
    )


def fetched(
    store, url: str, source: str = "a", title: str = "Un titre assez long pour être unique ici"
) -> int:
    [item] = store.save_feed_poll(source, SourceState(), event(source), [entry(url, title)])
    store.complete_article(
        item.id,
        PageOutcome(
            final=True, final_url=url, extracted=extracted(title=title), published=NOW, date_source="page"
        ),
        NOW,
        WINDOW,
    )
    return item.id


def test_a_version_1_database_is_migrated_on_open(empty_db_url):
    import sqlalchemy as sa

    from mediawatch.store import migrations

    url = empty_db_url
    engine = sa.create_engine(url)
    migrations.upgrade(engine.begin, target=1)
    engine.dispose()
    with open_store(url) as s:
        assert s.schema_version() == migrations.LATEST
        assert s.classifications() == []


def test_classifications_round_trip_and_only_unclassified_are_offered(store):
    store.sync_sources([src("a")])
    first = fetched(store, "https://a.example/1", title="Premier article sur le carbone des sols agricoles")
    second = fetched(store, "https://a.example/2", title="Second article sur les couverts végétaux en Beauce")
    pending = store.save_feed_poll(
        "a", SourceState(), event("a"), [entry("https://a.example/3", "Pas encore lu")]
    )
    offered = [i for batch in store.articles_for_classification() for i in batch]
    assert [i.id for i in offered] == [str(first), str(second)]  # pending articles wait for their text
    assert offered[0].feed_language == "fr"
    assert pending
    store.save_classifications([classified(first, language="es")])
    assert store.classification_of(first) == classified(first, language="es")
    assert [i.id for b in store.articles_for_classification() for i in b] == [str(second)]
    assert [i.id for b in store.articles_for_classification(everything=True) for i in b] == [
        str(first),
        str(second),
    ]
    assert by_id(store, first).language == "es"  # the detected language replaces the declared one


def by_id(store, article_id):
    return next(a for a in store.list_articles(include_duplicates=True) if a.id == article_id)


def test_story_members_and_decisions(store):
    store.sync_sources([src("a")])
    one = fetched(store, "https://a.example/s1", title="Une histoire reprise par plusieurs journaux")
    two = fetched(store, "https://a.example/s2", title="La même histoire, réécrite par un autre titre")
    store.save_classifications([classified(one), classified(two)])
    assert [a.id for a in store.ungrouped_articles()] == [one, two]
    store.save_story_members([(one, one, b"sig1"), (two, one, b"sig2")])
    assert store.story_groups() == {one: [one, two]}
    assert store.ungrouped_articles() == []
    assert [(r[0], r[1], r[2]) for r in store.story_rows(NOW - timedelta(days=2))] == [
        (one, b"sig1", one),
        (two, b"sig2", one),
    ]
    store.record_decision(one, True, "alice")
    store.record_decision(one, False, "bob")
    store.record_decision(two, True, "alice")
    assert store.decisions() == [(one, False), (two, True)]


def test_a_nul_character_in_collected_text_is_dropped_on_every_database(store):
    """PostgreSQL refuses NUL in text where SQLite keeps it: a hostile feed must not fail a whole poll."""
    store.sync_sources([src("a")])
    [item] = store.save_feed_poll(
        "a", SourceState(), event("a"), [entry("https://news.example/nul", title="Un titre\x00 piégé")]
    )
    store.complete_article(
        item.id,
        PageOutcome(final=True, final_url="https://news.example/nul", extracted=extracted(title="Page\x00")),
        NOW,
        WINDOW,
    )
    [article] = store.list_articles()
    assert article.title == "Page"
    assert "\x00" not in article.text
    [health] = store.source_health(NOW, 14)
    assert health.events[0].new_items == 1


@pytest.mark.postgresql
def test_the_postgresql_run_lock_holds_no_transaction_open(pg_server):
    """A session advisory lock: the run's lock connection waits "idle", never "idle in transaction"
    (which blocks vacuum and which idle_in_transaction_session_timeout would kill, dropping the lock)."""
    url = pg_server.acquire()
    try:
        with open_store(url) as store, store.run_lock("collect"):
            with pg_server.connect() as admin:
                states = admin.execute(
                    "SELECT a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted"
                ).fetchall()
            assert states == [("idle",)]
    finally:
        pg_server.release(url)


def test_a_source_id_longer_than_the_store_keeps_is_refused_by_the_registry(tmp_path):
    """PostgreSQL refuses an id longer than sources.id's 120 characters (SQLite would keep it): the
    registry says so at load, naming the file and line, instead of collect failing on one database."""
    from mediawatch.errors import RegistryError
    from mediawatch.sources.registry import load_registry

    long_id = "a" * 121
    (tmp_path / "s.toml").write_text(
        f'[[source]]\nid = "{long_id}"\nname = "X"\nurl = "https://x.example/feed"\n'
        'kind = "rss"\nlanguage = "fr"\n',
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match="at most 120 characters"):
        load_registry(tmp_path)
    (tmp_path / "s.toml").write_text(
        (tmp_path / "s.toml").read_text(encoding="utf-8").replace(long_id, long_id[:120]), encoding="utf-8"
    )
    assert [s.id for s in load_registry(tmp_path)] == [long_id[:120]]
