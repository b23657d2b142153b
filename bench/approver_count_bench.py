"""Approver's navigation count: ``python -m bench.approver_count_bench`` (docs/benchmarks.md, "The
approver's navigation count").

Every staff page an approver opens carries the count of editions waiting for her, and that count decides
whether an approval went stale by what each approved, unsent edition renders now. This harness stores N
approved editions (three-language newsletters, approved and not sent) in a fresh SQLite database and asks
the web app, through Flask's test client and signed in through the login form, for one issue's log page:
a light staff page whose cost beside the count is small.

The baseline, measured in the same run on the same page and database, is an editor (whose count is never
asked); the figure of interest is what the approver's page costs above it, per approved edition, warm (the
worker has answered before) and cold (the first page a fresh worker answers). Timing is information only:
the exit status says whether the harness worked.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

from mediawatch.config import Settings
from mediawatch.review import actions
from mediawatch.review.users import acting_user, add_user
from mediawatch.store import NewEntry, Store, open_store
from mediawatch.store.issues import NewItem
from mediawatch.types import (
    FetchEvent,
    FetchStatus,
    IssueState,
    ItemText,
    Publication,
    Role,
    Source,
    SourceKind,
    SourceState,
    TextOrigin,
)

PASSWORD = "bench password, long enough"
LANGUAGES = ("fr", "en", "es")
ITEMS = 12


def _log(message: str) -> None:
    print(f"[approver-count-bench] {message}", file=sys.stderr, flush=True)


def _articles(store: Store, batch: int) -> list[int]:
    urls = [f"https://news.example.org/{batch}/{n}" for n in range(ITEMS)]
    entries = [
        NewEntry(url=u, raw_url=u, title=u, summary="", author="", published=None, feed_language="en")
        for u in urls
    ]
    event = FetchEvent("bench", datetime.now(UTC), FetchStatus.OK, 200, "", ITEMS, 1)
    found = {p.url: p.id for p in store.save_feed_poll("bench", SourceState(), event, entries)}
    return [found[u] for u in urls]


def approved_issue(store: Store, batch: int, settings: Settings) -> int:
    """A 12-item newsletter in fr/en/es, submitted and every edition approved (state approved)."""
    ids = _articles(store, batch)
    items = [
        NewItem(
            story_id=100_000 * batch + n,
            article_id=ids[n],
            section=("science", "policy", "practice")[n % 3],
            position=n,
            score=0.9,
            url=f"https://news.example.org/story/{batch}/{n}",
            outlet=f"Outlet {n}",
            published=datetime(2026, 11, 18, tzinfo=UTC),
            language="en",
            regions=("global",),
            also_in=(),
            texts=tuple(
                ItemText(
                    lang,
                    f"Soil carbon story {batch}-{n} [{lang}]",
                    f"What the study {n} found about soil carbon, in a few lines ({lang}).",
                    TextOrigin.ORIGINAL if lang == "en" else TextOrigin.MACHINE,
                    "en",
                )
                for lang in LANGUAGES
            ),
        )
        for n in range(ITEMS)
    ]
    issue_id = store.create_issue(
        slug=f"newsletter-bench-{batch}",
        publication=Publication.NEWSLETTER,
        title="Soil news of the week",
        period_from=datetime(2026, 11, 17, tzinfo=UTC),
        period_to=datetime(2026, 11, 24, tzinfo=UTC),
        languages=LANGUAGES,
        sections=("science", "policy", "practice"),
        items=items,
        actor="compose",
    )
    actions.submit(store, issue_id, acting_user(store, "editor"))
    for lang in LANGUAGES:
        actions.approve(store, issue_id, lang, acting_user(store, "approver"), settings)
    assert store.issue_content(issue_id).issue.state is IssueState.APPROVED
    return issue_id


def signed_in(app: Any, name: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the login page"
    done = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)})
    assert done.status_code == 303, done.status_code
    return client


def _forget_renders() -> None:
    """Empty the worker's memory of renders, when it has one: the next page is a fresh worker's first."""
    try:
        from mediawatch.render.memo import forget
    except ImportError:  # the code before the memo: nothing to forget
        return
    forget()


def _get(client: Any, url: str) -> float:
    t0 = time.perf_counter()
    answer = client.get(url)
    answer.get_data()
    elapsed = (time.perf_counter() - t0) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"{url} answered {answer.status_code}")
    return elapsed


def measure(sizes: list[int], pages: int) -> list[dict[str, Any]]:
    from mediawatch.web.app import create_app

    results = []
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            db=f"sqlite:///{folder}/bench.sqlite3", secret_key="approver-count-bench-0123456789"
        )
        with open_store(settings.db) as store:
            store.sync_sources(
                [Source("bench", "Bench", "https://feed.example.org/rss", SourceKind.RSS, "en")]
            )
            add_user(store, "editor", Role.EDITOR, PASSWORD, "en")
            add_user(store, "approver", Role.APPROVER, PASSWORD, "en")
            app = create_app(settings, store)
            editor, approver = signed_in(app, "editor"), signed_in(app, "approver")
            issues: list[int] = []
            for size in sizes:
                while len(issues) * len(LANGUAGES) < size:
                    issues.append(approved_issue(store, len(issues) + 1, settings))
                url = f"/issues/{issues[0]}/log" if issues else "/watch"
                count = re.search(
                    r'id="approvals-count"[^>]*>(\d+)<', approver.get(url).get_data(as_text=True)
                )
                assert count is None, f"an approved edition counted as waiting: {count.group(1)}"
                _forget_renders()
                cold = _get(approver, url)
                for client in (editor, approver):  # warm-up, not counted
                    _get(client, url)
                base = sorted(_get(editor, url) for _ in range(pages))
                warm = sorted(_get(approver, url) for _ in range(pages))
                _log(f"{size} approved editions: done")
                results.append(
                    {
                        "approved_editions": len(issues) * len(LANGUAGES),
                        "editor_p50_ms": round(statistics.median(base), 2),
                        "approver_p50_ms": round(statistics.median(warm), 2),
                        "approver_p95_ms": round(warm[min(len(warm) - 1, int(len(warm) * 0.95))], 2),
                        "approver_cold_ms": round(cold, 2),
                    }
                )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="0,15,45", help="approved editions, comma-separated (multiples of 3)"
    )
    parser.add_argument("--pages", type=int, default=40, help="pages asked per size and person")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args(argv)
    results = measure([int(x) for x in args.sizes.split(",")], args.pages)
    if args.json:
        print(json.dumps({"results": results}, indent=2))
        return 0
    print("approver's navigation count: one issue's log page (Flask test client, signed in)")
    for r in results:
        extra = r["approver_p50_ms"] - r["editor_p50_ms"]
        size = r["approved_editions"]
        per = f", {extra / size:.2f} ms per approved edition" if size else ""
        print(f"  {size} approved editions, p50 of warm pages:")
        print(f"    editor (the baseline, no count)  {r['editor_p50_ms']:>8.2f} ms")
        print(
            f"    approver                         {r['approver_p50_ms']:>8.2f} ms (p95 "
            f"{r['approver_p95_ms']:.2f}): {r['approver_p50_ms'] / r['editor_p50_ms']:.1f}x the baseline, "
            f"+{extra:.2f} ms{per}"
        )
        print(f"    approver, a fresh worker's first {r['approver_cold_ms']:>8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
