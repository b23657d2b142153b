"""Search benchmark: ``python -m bench.search_bench`` (see docs/benchmarks.md, "The search benchmark").

Builds N articles (100,000 by default) from real corpus text, stores them in a fresh SQLite database and a
fresh PostgreSQL database (a throwaway server, as the tests start one: tests/pg_server.py), builds the
search index with ``reindex_pending`` (timed), then runs the same queries on both through
``mediawatch.watch.service.search_stories`` (parse, SQL, stories with their articles: what the CLI and
the watch page pay) and prints p50/p95 per query shape and backend. It also checks that both backends
returned the same stories for every query.

The articles: the sentences of ``../shared/corpus`` (pulled out with trafilatura by bench.stories_bench,
cached), sorted into French, English and Spanish by function words; each article is 8-16 sentences of one
language with a quarter of the words swapped for words of the same language (bench.stories_bench's
generator), spread over 90 days, 40 % French, 35 % English, 25 % Spanish; one in ten joins the previous
article's story; classifications drawn at random (30 % relevant, 10 % unsure).

The headline figure (the issue's goal: p95 < 100 ms) is a two-word query with a language filter: two words
of that language of middling frequency (ranks 100-3,000 in the pool), a fresh random pair each time.
Timing is information only: the exit status says whether the harness worked.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.stories_bench import Generator, sentence_pool
from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.store import Store, open_store
from mediawatch.store import schema as t
from mediawatch.textsearch import words
from mediawatch.watch.service import make_filters, search_stories

TESTS = Path(__file__).resolve().parents[1] / "tests"
TARGET_P95_MS = 100.0
SHARES = (("fr", 0.40), ("en", 0.35), ("es", 0.25))
FUNCTION_WORDS = {
    "fr": set("le la les des du une est et dans pour qui sur au avec pas".split()),
    "en": set("the of and to is in that for with was on are by this it".split()),
    "es": set("el los las del y en que por para con una es se al como".split()),
}
START = datetime(2025, 1, 1, tzinfo=UTC)
CHUNK = 5_000


def _log(message: str) -> None:
    print(f"[search-bench] {message}", file=sys.stderr, flush=True)


def pools() -> dict[str, list[str]]:
    """The corpus sentences of each language (by a clear majority of its function words)."""
    by_lang: dict[str, list[str]] = {lang: [] for lang in FUNCTION_WORDS}
    for sentence in sentence_pool():
        tokens = sentence.lower().split()
        counts = sorted(
            ((sum(w in fw for w in tokens), lang) for lang, fw in FUNCTION_WORDS.items()), reverse=True
        )
        (best, lang), (second, _) = counts[0], counts[1]
        if best >= 2 and best >= 2 * second:
            by_lang[lang].append(sentence)
    return by_lang


def articles(n: int, by_lang: dict[str, list[str]], seed: int) -> Iterator[dict[str, Any]]:
    """The same ``n`` article rows for a given seed (generated twice rather than held in memory)."""
    rng = random.Random(seed)
    generators = {lang: Generator(pool, seed) for lang, pool in by_lang.items()}
    languages = [lang for lang, _ in SHARES]
    weights = [share for _, share in SHARES]
    minutes = 90 * 24 * 60
    for i in range(1, n + 1):
        lang = rng.choices(languages, weights)[0]
        title, sentences = generators[lang].article()
        yield {
            "id": i,
            "url": f"https://bench.example/{i}",
            "state": "fetched",
            "title": title,
            "summary": sentences[0],
            "text": " ".join(sentences[1:]),
            "sitename": f"Outlet {rng.randrange(300)}",
            "language": lang,
            "feed_language": lang,
            "published": START + timedelta(minutes=rng.randrange(minutes)),
            "discovered": START,
            "relevant": rng.random() < 0.3,
            "uncertain": rng.random() < 0.1,
            "story": i - 1 if i > 1 and rng.random() < 0.1 else i,
        }


def load(store: Store, n: int, by_lang: dict[str, list[str]], seed: int) -> float:
    """Store the articles with classifications and stories; the seconds it took."""
    t0 = time.perf_counter()
    batch: list[dict[str, Any]] = []
    story_of: dict[int, int] = {}

    def flush() -> None:
        article_rows = [
            {k: v for k, v in r.items() if k not in ("relevant", "uncertain", "story")} for r in batch
        ]
        classification_rows = [
            {
                "article_id": r["id"],
                "language": r["language"],
                "language_confidence": 0.9,
                "relevant": r["relevant"],
                "relevance": 0.5,
                "uncertain": r["uncertain"],
                "matched_terms": "[]",
                "themes": '["science"]' if r["relevant"] else "[]",
                "regions": '["global"]',
                "objectives": "[]",
                "version": "bench",
                "classified_at": START,
            }
            for r in batch
        ]
        members = []
        for r in batch:
            story = story_of.get(r["story"], r["story"])
            story_of[r["id"]] = story
            members.append({"article_id": r["id"], "story_id": story, "signature": b"bench"})
        with store._tx() as conn:
            conn.execute(sa.insert(t.articles), article_rows)
            conn.execute(sa.insert(t.classifications), classification_rows)
            conn.execute(sa.insert(t.story_members), members)
        batch.clear()

    for row in articles(n, by_lang, seed):
        batch.append(row)
        if len(batch) >= CHUNK:
            flush()
    if batch:
        flush()
    if store.dialect == "postgresql":
        with store._tx() as conn:  # a sequence behind explicit ids would collide with the next article
            conn.execute(sa.text("SELECT setval('articles_id_seq', (SELECT max(id) FROM articles))"))
    return time.perf_counter() - t0


def queries(by_lang: dict[str, list[str]], count: int, seed: int) -> dict[str, list[tuple[str, str | None]]]:
    """Query text and language filter, per shape."""
    rng = random.Random(seed)
    vocab: dict[str, list[str]] = {}
    for lang, pool in by_lang.items():
        freq = Counter(w for s in pool for w in words(s) if len(w) >= 4 and w.isalpha())
        vocab[lang] = [w for w, _ in freq.most_common(3000)[100:]]
    langs = [lang for lang, _ in SHARES]
    shapes: dict[str, list[tuple[str, str | None]]] = {
        "two words + language": [],
        "two words, no filter": [],
        "phrase + language": [],
        "prefix + language": [],
        "a OR b, -c + language": [],
    }
    for _ in range(count):
        lang = rng.choice(langs)
        a, b, c = rng.sample(vocab[lang], 3)
        shapes["two words + language"].append((f"{a} {b}", lang))
        shapes["two words, no filter"].append((f"{a} {b}", None))
        sentence = words(rng.choice(by_lang[lang]))
        k = rng.randrange(max(1, len(sentence) - 1))
        shapes["phrase + language"].append(('"' + " ".join(sentence[k : k + 2]) + '"', lang))
        shapes["prefix + language"].append((f"{a[:4]}* {b}", lang))
        shapes["a OR b, -c + language"].append((f"{a} OR {b} -{c}", lang))
    return shapes


def measure(
    store: Store, shapes: dict[str, list[tuple[str, str | None]]]
) -> tuple[dict[str, Any], list[Any]]:
    figures: dict[str, Any] = {}
    answers: list[Any] = []
    for text, lang in shapes["two words + language"][:10]:  # warm the caches, not counted
        search_stories(store, text, make_filters(names=taxonomy_names(), language=lang))
    for shape, items in shapes.items():
        times = []
        for text, lang in items:
            t0 = time.perf_counter()
            page = search_stories(store, text, make_filters(names=taxonomy_names(), language=lang), limit=50)
            times.append((time.perf_counter() - t0) * 1000)
            answers.append([(s.id, tuple(a.id for a in s.articles if a.matched)) for s in page.stories])
        times.sort()
        figures[shape] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
            "max_ms": round(times[-1], 1),
            "queries": len(times),
        }
    return figures, answers


def run_backend(name: str, url: str, n: int, by_lang: dict[str, list[str]], shapes: Any) -> dict[str, Any]:
    store = open_store(url)
    try:
        _log(f"{name}: storing {n:,} articles")
        load_s = load(store, n, by_lang, seed=7)
        _log(f"{name}: indexing")
        t0 = time.perf_counter()
        indexed = store.reindex_pending(batch=2000)
        index_s = time.perf_counter() - t0
        with store._tx() as conn:
            conn.execute(sa.text("ANALYZE"))
        _log(f"{name}: {indexed:,} articles indexed in {index_s:.0f} s; querying")
        figures, answers = measure(store, shapes)
        return {
            "backend": name,
            "articles": n,
            "load_s": round(load_s, 1),
            "index_s": round(index_s, 1),
            "indexed_per_s": round(indexed / index_s) if index_s else None,
            "shapes": figures,
            "_answers": answers,
        }
    finally:
        store.close()


def backend_urls(backends: str, prefix: str) -> Iterator[tuple[str, str]]:
    """(name, database URL) for each of the comma-separated ``backends``: a fresh SQLite file, or a database
    on a throwaway PostgreSQL server (the one the storage tests run on), stopped after its turn."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for backend in backends.split(","):
            if backend == "sqlite":
                yield "sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            elif backend == "postgresql":
                sys.path.insert(0, str(TESTS))
                from pg_server import PgServer, find_bindir

                bindir = find_bindir()
                if bindir is None:
                    _log("postgresql skipped: server binaries not found (Debian's postgresql-15)")
                    continue
                server = PgServer(bindir).start()
                try:
                    yield "postgresql", server.create_database()
                finally:
                    server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="per query shape and backend")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    by_lang = pools()
    _log("pool: " + ", ".join(f"{lang} {len(p):,} sentences" for lang, p in by_lang.items()))
    shapes = queries(by_lang, args.queries, seed=11)
    results = []
    for backend, url in backend_urls(args.backends, "mw-search-bench-"):
        results.append(run_backend(backend, url, args.articles, by_lang, shapes))
    same = None
    if len(results) == 2:
        pairs = zip(results[0]["_answers"], results[1]["_answers"], strict=True)
        same = sum(a == b for a, b in pairs), len(results[0]["_answers"])
    for r in results:
        r.pop("_answers")
    if args.json:
        print(json.dumps({"results": results, "same_answers": same}, indent=2))
        return 0
    for r in results:
        print(
            f"{r['backend']}: {r['articles']:,} articles, stored in {r['load_s']} s, "
            f"indexed in {r['index_s']} s ({r['indexed_per_s']:,}/s)"
        )
        for shape, f in r["shapes"].items():
            verdict = ""
            if shape == "two words + language":
                verdict = "  PASS" if f["p95_ms"] < TARGET_P95_MS else "  MISS"
                verdict += f" (target p95 < {TARGET_P95_MS:.0f} ms)"
            print(
                f"  {shape:<24} p50 {f['p50_ms']:>7.1f} ms  p95 {f['p95_ms']:>7.1f} ms"
                f"  max {f['max_ms']:>7.1f} ms{verdict}"
            )
    if same is not None:
        print(f"same stories on both backends: {same[0]} of {same[1]} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
