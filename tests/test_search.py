"""The watch's full-text search on SQLite (FTS5) and PostgreSQL (tsvector): the same answers on both.

The module fills one database per backend with tests/search_samples.py; every query of the table below
must give exactly the listed articles on each backend, so the two backends agree with each other.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from search_samples import NOW, PENDING_TITLE, STORY, fill

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.store import open_store
from mediawatch.store.articles import _merge as merge
from mediawatch.store.search import RelevanceState, SearchFilters
from mediawatch.textsearch import ANALYZER
from mediawatch.watch.service import make_filters, search_stories


@pytest.fixture(scope="module")
def corpus(module_db_url):
    store = open_store(module_db_url)
    ids = fill(store)
    yield store, ids
    store.close()


def matched(corpus, text: str, **filters: object) -> list[str]:
    store, ids = corpus
    names = {v: k for k, v in ids.items()}
    page = search_stories(store, text, make_filters(names=taxonomy_names(), **filters), limit=100)  # type: ignore[arg-type]
    return sorted(names[a.id] for s in page.stories for a in s.articles if a.matched)


# (query, filters, the articles that match): run on both backends.
CASES = [
    # stemming per language: plural and singular find each other, in the article's own language
    ("sols", {}, ["fr1", "fr2"]),
    ("sol", {}, ["fr1", "fr2"]),
    ("suelo", {}, ["es1", "es2"]),
    ("suelos", {}, ["es1", "es2"]),
    ("soils", {}, ["en1", "en2"]),
    ("soil", {}, ["en1", "en2"]),
    # case and accents
    ("SOL", {}, ["fr1", "fr2"]),
    ("sequestration", {}, ["en1", "fr1"]),
    ("séquestration", {}, ["en1", "fr1"]),
    ("materia organica", {}, ["es1"]),
    ("Böden", {}, ["de1"]),  # a language without a stemmer: folded words, unstemmed
    ("boden", {}, ["de1"]),
    # phrases: adjacent words in order, never across the title/lead boundary
    ('"carbone du sol"', {}, ["fr1"]),
    ('"sol du carbone"', {}, []),
    ('"soil organic carbon"', {}, ["en1"]),
    ("« carbone bleu »", {}, ["fr3"]),
    ('"soil health"', {}, []),  # en2's title ends with "soil", its lead starts with "Health"
    ("soil health", {}, ["en2"]),
    ("l'agroforesterie", {}, ["fr1"]),  # an elision is a phrase of its parts
    # AND, OR (tighter than AND), exclusions
    ("carbon", {}, ["en1", "en3", "es1", "es2", "es3", "fr1", "fr3"]),
    ("carbon -ocean", {}, ["en1", "es1", "es2", "es3", "fr1"]),
    ("carbon -(ocean OR oceano)", {}, ["en1", "es1", "es2", "fr1"]),
    ('carbon -"carbone bleu" -"blue carbon"', {}, ["en1", "es1", "es2", "es3", "fr1"]),
    ("suelo OR soil", {}, ["en1", "en2", "es1", "es2"]),
    ("carbon suelo OR soil", {}, ["en1", "es1", "es2"]),
    ("(suelo OR soil) -carbon", {}, ["en2"]),
    # prefixes (stemmed the same way: polic* finds "policies", whose English stem is "polici")
    ("agri*", {}, ["en1", "es1", "fr1"]),
    ("agrofor*", {}, ["es1", "fr1"]),
    ("polic*", {}, ["en2"]),
    # outlet and author are searchable
    ("guardian", {}, ["en1"]),
    ("dupont", {}, ["fr2"]),
    # the document is cut where PostgreSQL would drop positions: the same cut on both backends
    ("humus", {}, ["long"]),
    ("azote", {}, []),
    ('"terre azote"', {}, []),  # past the 256th "terre": PostgreSQL alone would miss it if it were indexed
    # a pending article (not fetched yet) is never found
    ("jamais", {}, []),
    # filters
    ("carbon", {"language": "fr"}, ["fr1", "fr3"]),
    ("carbon", {"language": "es"}, ["es1", "es2", "es3"]),
    ("carbon", {"states": ["unsure"]}, ["es2"]),
    ("carbon", {"states": ["relevant"]}, ["en1", "es1", "fr1"]),
    ("carbon", {"states": ["not_relevant"]}, ["en3", "es3", "fr3"]),
    ("carbon", {"states": ["relevant", "unsure"]}, ["en1", "es1", "es2", "fr1"]),
    ("carbon", {"theme": "policy"}, ["es2"]),
    ("carbon", {"region": "latin_america"}, ["es1", "es2"]),
    ("carbon OR soil", {"source": "agri"}, ["en2", "es2"]),
    ("carbon", {"since": NOW - timedelta(days=3, hours=1)}, ["en1", "es1", "fr1", "fr3"]),
    ("carbon", {"until": NOW - timedelta(days=3, hours=1)}, ["en3", "es2", "es3"]),
    ("carbon", {"language": "fr", "since": NOW - timedelta(days=2)}, ["fr1"]),
    ("carbon", {"objective": "b2"}, ["es2"]),
    ("carbon", {"outlet_type": "press"}, ["en1", "en3", "es1", "es3", "fr1", "fr3"]),
    ("soil", {"submitted": False}, ["en1"]),
    ("carbon", {"used": False}, ["en3", "es2", "es3", "fr3"]),
    # no query: the stream, every fetched article, narrowed by the filters alone
    ("", {}, ["de1", "en1", "en2", "en3", "es1", "es2", "es3", "fr1", "fr2", "fr3", "long"]),
    ("  ", {"language": "fr"}, ["fr1", "fr2", "fr3", "long"]),
    ("", {"states": ["unsure"]}, ["en2", "es2", "fr2"]),
    ("", {"theme": "policy", "region": "latin_america"}, ["es2"]),
    ("", {"since": NOW - timedelta(days=3, hours=1)}, ["en1", "es1", "fr1", "fr2", "fr3"]),
    (
        "",
        {"since": NOW - timedelta(days=6, hours=1), "until": NOW - timedelta(days=3, hours=1)},
        ["en2", "en3", "es2"],
    ),
    ("", {"source": "agri"}, ["en2", "es2", "fr2"]),
    ("", {"objective": "A5"}, ["fr1"]),
    ("", {"outlet_type": "blog"}, ["en2", "es2", "fr2"]),
    ("", {"submitted": True}, ["en2"]),
    ("", {"used": True}, ["en1", "es1", "fr1"]),
    ("", {"used": True, "language": "es"}, ["es1"]),
]


@pytest.mark.parametrize(("text", "filters", "expected"), CASES, ids=[f"{c[0]}|{c[1]}" for c in CASES])
def test_the_query_table_gives_the_same_articles_on_both_backends(corpus, text, filters, expected):
    assert matched(corpus, text, **filters) == expected


def test_stories_come_whole_newest_first_with_matching_members_marked(corpus):
    store, ids = corpus
    page = search_stories(store, "sols OR suelo")
    # fr1 (the three-language story, a day old), then es2 (six days old; fr2 is two days old)
    assert [s.id for s in page.stories] == [ids["fr1"], ids["fr2"], ids["es2"]]
    story = page.stories[0]
    assert {a.id for a in story.articles} == {ids[k] for k in STORY}
    assert {a.id: a.matched for a in story.articles} == {
        ids["fr1"]: True,
        ids["en1"]: False,
        ids["es1"]: True,
    }
    assert [a.matched for a in story.articles] == [True, True, False]  # matching members first
    assert {a.language for a in story.articles} == {"fr", "en", "es"}
    first = next(a for a in story.articles if a.id == ids["fr1"])
    assert (first.outlet, first.state, first.url) == ("Le Monde", RelevanceState.RELEVANT, first.url)
    assert story.latest == NOW - timedelta(days=1)


EVERY_ARTICLE = "carbon OR soil OR boden OR humus OR sol OR suelo"  # finds all eleven fetched articles


def test_the_stream_walked_in_small_steps_gives_the_order_of_the_full_search(corpus, monkeypatch):
    """The stream walks the newest articles k at a time: a walk cut among articles of one date (fr1, en1
    and es1 share theirs) must still give the stories in the order of a search grouping everything."""
    store, ids = corpus
    expected = [s.id for s in search_stories(store, EVERY_ARTICLE, limit=50).stories]
    assert len(expected) == 9
    stream = search_stories(store, "", limit=50)
    assert [s.id for s in stream.stories] == expected
    assert stream.stories[0].latest == NOW - timedelta(days=1)
    monkeypatch.setattr("mediawatch.store.search.STREAM_FIRST_WALK", 1)
    monkeypatch.setattr("mediawatch.store.search.STREAM_PER_STORY", 0)  # a first walk of one article
    walked = []
    for offset in range(len(expected) + 1):
        page = search_stories(store, "", limit=1, offset=offset)
        walked += [s.id for s in page.stories]
        assert page.more == (offset < len(expected) - 1)
    assert walked == expected


def test_an_undated_article_counts_from_its_discovery_in_the_stream_as_in_a_search(db_url, monkeypatch):
    store = open_store(db_url)
    try:
        ids = fill(store)
        with store._tx() as conn:  # a page that gave no date: it was discovered NOW, after every other
            conn.execute(sa.text("UPDATE articles SET published = NULL WHERE id = :i"), {"i": ids["es3"]})
        expected = [s.id for s in search_stories(store, EVERY_ARTICLE, limit=50).stories]
        assert expected[0] == ids["es3"]
        monkeypatch.setattr("mediawatch.store.search.STREAM_FIRST_WALK", 1)
        monkeypatch.setattr("mediawatch.store.search.STREAM_PER_STORY", 0)
        for limit in (1, 2, 50):
            walked = []
            for offset in range(0, len(expected), limit):
                walked += [s.id for s in search_stories(store, "", limit=limit, offset=offset).stories]
            assert walked == expected
        since = make_filters(names=taxonomy_names(), since=NOW - timedelta(hours=1))
        assert [s.id for s in search_stories(store, "", since).stories] == [ids["es3"]]
    finally:
        store.close()


def test_the_stream_marks_the_members_the_filters_hold_for(corpus):
    store, ids = corpus
    page = search_stories(store, "", make_filters(names=taxonomy_names(), language="es"), limit=50)
    story = next(s for s in page.stories if s.id == ids["fr1"])
    assert {a.id: a.matched for a in story.articles} == {
        ids["es1"]: True,
        ids["fr1"]: False,
        ids["en1"]: False,
    }
    assert story.latest == NOW - timedelta(days=1)


def test_pages_with_limit_and_offset(corpus):
    store, ids = corpus
    first = search_stories(store, "carbon", limit=2)
    second = search_stories(store, "carbon", limit=2, offset=2)
    last = search_stories(store, "carbon", limit=50, offset=4)
    everything = search_stories(store, "carbon", limit=50)
    assert (first.more, second.more, last.more, everything.more) == (True, True, False, False)
    ordered = [s.id for s in everything.stories]
    assert [s.id for s in first.stories + second.stories + last.stories] == ordered
    assert len(ordered) == 5  # fr1/en1/es1 are one story; fr3, en3, es2, es3


def test_the_index_is_current_after_a_language_change_and_idempotent(db_url):
    store = open_store(db_url)
    try:
        ids = fill(store)
        assert store.reindex_pending() == 0  # nothing left to do
        # the classifier now says fr2 is Spanish: its words are restemmed as Spanish on the next pass
        from search_samples import SAMPLES, _classification

        sample = next(s for s in SAMPLES if s.key == "fr2")
        changed = _classification(ids["fr2"], sample)
        store.save_classifications([type(changed)(**{**_fields(changed), "language": "es"})])
        spanish_only = SearchFilters(language="es")
        assert ids["fr2"] not in _found(store, "sol", spanish_only)  # stale until reindexed
        assert store.reindex_pending() == 1
        assert ids["fr2"] in _found(store, "sol", spanish_only)
        assert store.reindex_pending() == 0
        assert PENDING_TITLE  # the pending article stayed out of the index
        with store._tx() as conn:
            marks = conn.execute(sa.text("SELECT count(*), min(analyzer) FROM search_marks")).one()
        assert tuple(marks) == (len(ids), ANALYZER)
    finally:
        store.close()


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


def _found(store, text: str, filters: SearchFilters) -> set[int]:
    from mediawatch.watch.query import parse

    page = store.search_stories(parse(text), filters)
    return {a.id for s in page.stories for a in s.articles if a.matched}


def test_a_merged_away_article_leaves_the_index(db_url):
    store = open_store(db_url)
    try:
        ids = fill(store)
        with store._tx() as conn:  # what the article repository's merge does to the loser of a URL merge
            merge(conn, ids["fr2"], ids["fr3"])
        assert "fr2" not in matched((store, ids), "sols")
        store.reindex_pending()
        with store._tx() as conn:
            if store.dialect == "sqlite":
                left = conn.execute(
                    sa.text("SELECT count(*) FROM search_documents WHERE rowid = :i"), {"i": ids["fr2"]}
                )
            else:
                left = conn.execute(
                    sa.text("SELECT count(*) FROM search_documents WHERE article_id = :i"), {"i": ids["fr2"]}
                )
            assert left.scalar() == 0
    finally:
        store.close()


def test_classify_indexes_what_it_classified(db_url):
    """The classify stage calls reindex_pending: a freshly classified article is searchable at once."""
    from mediawatch.classify.pipeline import classify_stored, load_classifier
    from mediawatch.config import Settings

    store = open_store(db_url)
    try:
        ids = fill(store)
        with store._tx() as conn:  # as if those articles had just been collected
            conn.execute(sa.text("DELETE FROM search_marks"))
            conn.execute(sa.text("DELETE FROM search_documents"))
            conn.execute(sa.text("DELETE FROM classifications"))
        assert matched((store, ids), "suelo") == []
        classify_stored(store, load_classifier(Settings()))
        assert matched((store, ids), "suelo") == ["es1", "es2"]
    finally:
        store.close()


# Operators of FTS5 and tsquery, SQL, column filters: plain words to the watch's syntax, never a
# database error on either backend (each becomes words or a phrase of its letters).
HOSTILE = [
    "NEAR(sol carbone)",
    "sol AND carbone",
    "sol NOT carbone",
    "title:carbone",
    "{title lead}: carbone",
    "^carbone",
    "carbone:*",
    "a & b | !c <-> d",
    "'; DROP TABLE articles; --",
    "carbone\\",
    '"sol\\" carbone',
    "l'ʼagroforesterie",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_query_operators_of_the_backends_are_plain_text(corpus, text):
    store, ids = corpus
    search_stories(store, text)  # no StorageError
    assert matched(corpus, "sols") == ["fr1", "fr2"]  # and the articles are all still there
