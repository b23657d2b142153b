"""Compose + render the three editions of a 40-item press review with a warm translation cache.

    python -m bench.compose_render_bench [--items 40] [--rounds 5]

Articles come from the labelled set (tests/data/classify/test.jsonl: real-looking FR/EN/ES items),
stored through the collector's storage calls, classified and grouped by the real stages. Translation
goes to a LibreTranslate-protocol endpoint on 127.0.0.1 (no live service is reachable here); the
first, cold round fills the cache and is the baseline the warm rounds are compared with.
Target (issue 4): compose + render of the three editions under 200 ms with a warm cache.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mediawatch.classify.grouping import group_stories
from mediawatch.classify.pipeline import classify_stored, load_classifier
from mediawatch.compose import compose_issue
from mediawatch.config import Settings
from mediawatch.render import render_edition
from mediawatch.store import NewEntry, PageOutcome, Store, open_store
from mediawatch.types import (
    Extracted,
    FetchEvent,
    FetchStatus,
    IssueState,
    Publication,
    Region,
    Source,
    SourceKind,
    SourceState,
)

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "classify" / "test.jsonl"
TARGET_MS = 200.0


class _Libre(BaseHTTPRequestHandler):
    """Answers LibreTranslate's POST /translate with the text tagged by its target language."""

    calls = 0

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        # deep-translator sends q/source/target in the query string, one text per request
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        params = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        q, target = params.get("q", ""), params.get("target", "")
        _Libre.calls += 1
        answer = [f"({target}) {x}" for x in q] if isinstance(q, list) else f"({target}) {q}"
        body = json.dumps({"translatedText": answer}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def libre_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Libre)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def load_articles(store: Store, count: int, now: datetime) -> int:
    """Store ``count`` relevant labelled items as collected articles, spread over the last 6 days."""
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("relevant")][:count]
    sources = [
        Source(
            f"bench-{lang}-{n}",
            f"Bench {lang.upper()} outlet {n}",
            f"https://bench.example/{lang}/{n}.xml",
            SourceKind.RSS,
            lang,
            region=Region.GLOBAL,
        )
        for lang in ("fr", "en", "es")
        for n in range(4)
    ]
    store.sync_sources(sources)
    for n, row in enumerate(rows):
        lang = str(row["id"]).split("-", 1)[0]
        source = sources[[s.language for s in sources].index(lang) + n % 4]
        published = now - timedelta(hours=3 + (n * 140) % (6 * 24))
        url = f"https://bench.example/{lang}/article-{n}"
        entry = NewEntry(
            url=url,
            raw_url=url,
            title=row["title"],
            summary=row.get("summary", ""),
            author="",
            published=published,
            feed_language=lang,
        )
        event = FetchEvent(source.id, now, FetchStatus.OK, 200, "", 1, 10)
        for pending in store.save_feed_poll(source.id, SourceState(), event, [entry]):
            extracted = Extracted(
                title=row["title"],
                text=row.get("text", ""),
                author="",
                date=published,
                sitename=source.name,
                language=lang,
                canonical_url="",
            )
            store.complete_article(
                pending.id,
                PageOutcome(
                    final=True, final_url=url, extracted=extracted, published=published, date_source="page"
                ),
                now,
                timedelta(hours=72),
            )
    return len(rows)


def one_round(store: Store, settings: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    result = compose_issue(store, settings, Publication.PRESS_REVIEW)
    composed = time.perf_counter()
    content = store.issue_content(result.issue_id)
    per_edition: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for lang in content.issue.languages:
        t0 = time.perf_counter()
        rendered = render_edition(content, lang, settings)
        per_edition[lang] = (time.perf_counter() - t0) * 1000
        sizes[lang] = rendered.size_bytes
    total = (time.perf_counter() - started) * 1000
    # free the stories for the next round: a cancelled issue does not count as published
    store.set_issue_state(result.issue_id, IssueState.CANCELLED, actor="bench")
    return {
        "items": result.items,
        "compose_ms": (composed - started) * 1000,
        "render_ms": per_edition,
        "bytes": sizes,
        "total_ms": total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder, libre_server() as url:
        settings = Settings(
            db=f"{folder}/bench.sqlite3",
            model_path=f"{folder}/none.npz",
            translate_provider="libretranslate",
            translate_url=url,
            compose_press_review_max_items=args.items,
            compose_press_review_per_section=args.items,
            issues_dir=f"{folder}/issues",
        )
        with open_store(f"sqlite:///{folder}/bench.sqlite3") as store:
            stored = load_articles(store, args.items + 20, now)
            classify_stored(store, load_classifier(settings))
            group_stories(store, settings)
            cold = one_round(store, settings)
            calls_cold = _Libre.calls
            warm = [one_round(store, settings) for _ in range(args.rounds)]
            calls_warm = _Libre.calls - calls_cold
    total = statistics.median(w["total_ms"] for w in warm)
    compose_ms = statistics.median(w["compose_ms"] for w in warm)
    print(
        f"compose+render bench: {stored} articles stored, {warm[0]['items']} items per issue, "
        f"{args.rounds} warm rounds (median)"
    )
    print(f"  cold (baseline, cache empty, {calls_cold} provider calls): {cold['total_ms']:.0f} ms")
    print(f"  warm ({calls_warm} provider calls): compose {compose_ms:.0f} ms")
    for lang in warm[0]["render_ms"]:
        ms = statistics.median(w["render_ms"][lang] for w in warm)
        print(f"    render {lang}: {ms:.1f} ms, HTML {warm[-1]['bytes'][lang] / 1024:.1f} KB")
    verdict = "PASS" if total < TARGET_MS else "MISS"
    print(
        f"  warm total, three editions: {total:.0f} ms (target < {TARGET_MS:.0f} ms: {verdict}); "
        f"{cold['total_ms'] / total:.1f}x faster than the cold baseline"
    )


if __name__ == "__main__":
    main()
