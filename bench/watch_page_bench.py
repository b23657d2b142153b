"""Watch page benchmark: ``python -m bench.watch_page_bench`` (see docs/benchmarks.md, "The watch page").

Builds the search benchmark's database (bench.search_bench: N articles, 100,000 by default, from real
corpus text, classified, grouped and indexed) on SQLite and on PostgreSQL (a throwaway server), then asks
the web app for ``/watch`` as a signed-in editor through Flask's test client: the whole request (session,
parsing the search, the SQL, the template, the answer's bytes), without a network in between. Per page
shape and backend it prints p50/p95/max against the issue's goal (the page served in < 300 ms):

- the stream, unfiltered (the editors' home), first page and a deeper page (page 5);
- a two-word query with a language filter (the search benchmark's headline shape, fresh words each time);
- a filter-only page: one language, the relevant articles, a theme.

Timing is information only: the exit status says whether the harness worked.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from bench.search_bench import backend_urls, load, pools, queries
from mediawatch.config import Settings
from mediawatch.review.users import add_user
from mediawatch.store import Store, open_store
from mediawatch.types import Role

TARGET_P95_MS = 300.0
PASSWORD = "bench password, long enough"
LANGUAGES = ("fr", "en", "es")


def _log(message: str) -> None:
    print(f"[watch-page-bench] {message}", file=sys.stderr, flush=True)


def shapes(by_lang: dict[str, list[str]], count: int, seed: int) -> dict[str, list[str]]:
    """The query strings of each page shape."""
    rng = random.Random(seed)
    two_words = queries(by_lang, count, seed)["two words + language"]
    out: dict[str, list[str]] = {
        "stream, first page": ["" for _ in range(count)],
        "stream, page 5": [urlencode({"page": 5}) for _ in range(count)],
        "two words + language": [urlencode({"q": text, "lang": lang}) for text, lang in two_words],
        "filters only": [],
    }
    for _ in range(count):
        lang = rng.choice(LANGUAGES)
        out["filters only"].append(urlencode({"lang": lang, "state": "relevant", "theme": "science"}))
    return out


def signed_in(app: Any) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the login page"
    done = client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token.group(1)})
    assert done.status_code == 303, done.status_code
    return client


def measure(store: Store, url: str, pages: dict[str, list[str]]) -> dict[str, Any]:
    from mediawatch.web.app import create_app

    settings = Settings(db=url, secret_key="watch-page-bench-secret-0123456789")
    add_user(store, "bench", Role.EDITOR, PASSWORD, "en")
    client = signed_in(create_app(settings, store))
    for query in pages["two words + language"][:10] + pages["stream, first page"][:3]:  # warm up, not counted
        client.get(f"/watch?{query}")
    figures: dict[str, Any] = {}
    for shape, items in pages.items():
        times, rows = [], []
        for query in items:
            t0 = time.perf_counter()
            answer = client.get(f"/watch?{query}")
            body = answer.get_data()
            times.append((time.perf_counter() - t0) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"/watch?{query} answered {answer.status_code}")
            rows.append(body.count(b'class="story-row"'))
        times.sort()
        figures[shape] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
            "max_ms": round(times[-1], 1),
            "pages": len(times),
            "rows_mean": round(statistics.mean(rows), 1),
        }
    return figures


def run_backend(name: str, url: str, n: int, by_lang: dict[str, list[str]], pages: Any) -> dict[str, Any]:
    store = open_store(url)
    try:
        _log(f"{name}: storing {n:,} articles")
        load(store, n, by_lang, seed=7)
        _log(f"{name}: indexing")
        store.reindex_pending(batch=2000)
        with store._tx() as conn:
            conn.execute(sa.text("ANALYZE"))
        _log(f"{name}: asking for the watch page")
        return {"backend": name, "articles": n, "shapes": measure(store, url, pages)}
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=100, help="per page shape and backend")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    by_lang = pools()
    pages = shapes(by_lang, args.pages, seed=13)
    results = []
    for backend, url in backend_urls(args.backends, "mw-watch-page-bench-"):
        results.append(run_backend(backend, url, args.articles, by_lang, pages))
    if args.json:
        print(json.dumps({"results": results}, indent=2))
        return 0
    for r in results:
        print(f"{r['backend']}: /watch over {r['articles']:,} articles (Flask test client, signed in)")
        for shape, f in r["shapes"].items():
            verdict = "PASS" if f["p95_ms"] < TARGET_P95_MS else "MISS"
            print(
                f"  {shape:<22} p50 {f['p50_ms']:>7.1f} ms  p95 {f['p95_ms']:>7.1f} ms"
                f"  max {f['max_ms']:>7.1f} ms  {f['rows_mean']:>5.1f} rows"
                f"  {verdict} (target p95 < {TARGET_P95_MS:.0f} ms)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
