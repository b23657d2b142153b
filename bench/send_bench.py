"""Delivery benchmark: send one approved newsletter to N subscribers through a local SMTP server.

    python -m bench.send_bench                          # 5,000 then 10,000 then 20,000 subscribers
    python -m bench.send_bench --sizes 20000 --json     # one size, figures as JSON on stdout

The SMTP server (aiosmtpd, counting and discarding) runs in its own process, so its CPU is not the
sender's. Each size runs in a fresh child process on a fresh SQLite database: ``send_issue`` does
everything a real ``mediawatch send`` does (check_sendable with its renders, the outbox built in one
transaction, the two commits per message around the end-of-data dot, personal links, MIME, SMTP over
one reused connection), with ``send_rate = 0`` (no pacing: the production default of 50/s is a
politeness limit, not a speed). Reported: messages/s over the whole command, the peak RSS of the sender
(``ru_maxrss``) and its RSS sampled as messages go out: flat memory means the same figures whatever N.
Target (issue 6): >= 300 messages/s. Timing is information only; the exit status says whether the harness
worked.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

TARGET_RATE = 300.0
MIB = 1024 * 1024


# -- the SMTP server process ----------------------------------------------------------------------------
class _Counting:
    def __init__(self, counter: Synchronized[int]) -> None:
        self.counter = counter

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd name
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 2.0.0 accepted"


def _serve(port: int, counter: Synchronized[int], ready: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Counting(counter), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- one run (child process) ----------------------------------------------------------------------------
def _issue(store: Any, settings: Any) -> int:
    """A newsletter of 12 items in three sections, fr/en/es, approved (render fingerprints bound)."""
    from mediawatch.render import fingerprint, render_edition
    from mediawatch.store import NewEntry
    from mediawatch.store.issues import NewItem
    from mediawatch.types import (
        AlsoIn,
        EditionState,
        FetchEvent,
        FetchStatus,
        IssueState,
        ItemText,
        Publication,
        Source,
        SourceKind,
        SourceState,
        TextOrigin,
    )

    store.sync_sources([Source("bench", "Bench", "https://feed.example.org/rss", SourceKind.RSS, "en")])
    urls = [f"https://news.example.org/soil/{n}" for n in range(12)]
    entries = [NewEntry(u, u, u, "", "", None, "en") for u in urls]
    event = FetchEvent("bench", datetime.now(UTC), FetchStatus.OK, 200, "", len(urls), 1)
    ids = {p.url: p.id for p in store.save_feed_poll("bench", SourceState(), event, entries)}
    sections = ("science", "policy", "practices")
    summary = (
        "A long-term field study across {n} farms measures how cover crops, reduced tillage and compost "
        "raise soil organic carbon, with figures per region and a discussion of what it means for yields."
    )
    items = [
        NewItem(
            story_id=n + 1,
            article_id=ids[url],
            section=sections[n % 3],
            position=n // 3,
            score=0.9,
            url=url,
            outlet=f"Outlet {n}",
            published=datetime(2026, 11, 18, tzinfo=UTC),
            language="en",
            regions=("global",),
            also_in=(AlsoIn("Le Journal des Sols", f"https://sols.example.fr/{n}", "fr"),),
            texts=tuple(
                ItemText(
                    lang,
                    f"Soil carbon item {n} [{lang}]",
                    summary.format(n=n + 10) + f" ({lang})",
                    TextOrigin.ORIGINAL if lang == "en" else TextOrigin.HUMAN,
                    "en",
                )
                for lang in ("fr", "en", "es")
            ),
        )
        for n, url in enumerate(urls)
    ]
    now = datetime.now(UTC)
    issue_id = int(
        store.create_issue(
            slug="bench-newsletter",
            publication=Publication.NEWSLETTER,
            title="Bench newsletter",
            period_from=now - timedelta(days=7),
            period_to=now,
            languages=("fr", "en", "es"),
            sections=sections,
            items=items,
            actor="compose",
        )
    )
    store.set_issue_state(issue_id, IssueState.IN_REVIEW, actor="bench")
    content = store.issue_content(issue_id)
    for lang in ("fr", "en", "es"):
        fp = fingerprint(render_edition(content, lang, settings))
        store.set_edition_state(issue_id, lang, EditionState.APPROVED, actor="bench", fingerprint=fp)
    store.set_issue_state(issue_id, IssueState.APPROVED, actor="bench")
    return issue_id


def _subscribers(store: Any, count: int) -> None:
    """Bench set-up only: bulk rows straight into the tables (the product adds them one by one)."""
    import secrets

    import sqlalchemy as sa

    from mediawatch.store import schema_deliver as d

    now = datetime.now(UTC)
    langs = ("fr", "en", "es")
    with store.engine.begin() as conn:
        for start in range(0, count, 2000):
            rows = [
                {
                    "id": n + 1,
                    "email": f"reader{n:06d}@example.org",
                    "email_key": f"reader{n:06d}@example.org",
                    "language": langs[n % 3],
                    "fallback": "",
                    "status": "active",
                    "link_key": secrets.token_urlsafe(12),
                    "created_at": now,
                    "updated_at": now,
                    "confirmed_at": now,
                }
                for n in range(start, min(start + 2000, count))
            ]
            conn.execute(sa.insert(d.subscribers), rows)
            conn.execute(
                sa.insert(d.subscriber_publications),
                [{"subscriber_id": r["id"], "publication": "newsletter"} for r in rows],
            )


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def _run(size: int, port: int, counter: Synchronized[int], out: Any) -> None:
    from mediawatch.config import Settings
    from mediawatch.deliver.send import send_issue
    from mediawatch.store import Store

    with tempfile.TemporaryDirectory(prefix="mw-send-bench-") as tmp:
        db = Path(tmp) / "bench.sqlite3"
        settings = Settings(
            db=str(db),
            smtp_url=f"smtp://127.0.0.1:{port}",
            mail_from="4 per 1000 <news@example.org>",
            base_url="https://news.example.org",
            secret_key="bench-secret-key-0123456789",
            send_rate=0.0,
        )
        store = Store(f"sqlite:///{db}")
        issue_id = _issue(store, settings)
        _subscribers(store, size)
        rss_before = _rss()
        start_count = counter.value
        samples: list[tuple[int, int]] = []
        stop = threading.Event()
        marks = [size * q // 4 for q in (1, 2, 3)]

        def sample() -> None:
            while not stop.is_set():
                done = counter.value - start_count
                while marks and done >= marks[0]:
                    samples.append((marks.pop(0), _rss()))
                time.sleep(0.01)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        started = time.perf_counter()
        report = send_issue(store, settings, issue_id)
        seconds = time.perf_counter() - started
        stop.set()
        thread.join()
        samples.append((size, _rss()))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        out.put(
            {
                "subscribers": size,
                "sent": report.counts.by_status.get("sent", 0),
                "received": counter.value - start_count,
                "seconds": round(seconds, 2),
                "messages_per_s": round(size / seconds, 1),
                "connections": report.connections,
                "rss_before_mb": round(rss_before / MIB, 1),
                "rss_samples_mb": [(n, round(r / MIB, 1)) for n, r in samples],
                "peak_rss_mb": round(peak / MIB, 1),
                "cpu_s": round(cpu.ru_utime + cpu.ru_stime, 1),
            }
        )
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,10000,20000", help="Subscriber counts, comma-separated.")
    parser.add_argument("--json", action="store_true", help="Figures as JSON on stdout.")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    ctx = multiprocessing.get_context("spawn")
    counter = ctx.Value("q", 0)
    ready = ctx.Event()
    port = _free_port()
    server = ctx.Process(target=_serve, args=(port, counter, ready), daemon=True)
    server.start()
    if not ready.wait(30):
        print("bench broken: the SMTP server did not start", file=sys.stderr)
        return 1
    results = []
    try:
        for size in sizes:
            print(f"[send-bench] {size} subscribers...", file=sys.stderr, flush=True)
            queue = ctx.Queue()
            child = ctx.Process(target=_run, args=(size, port, counter, queue))
            child.start()
            result = queue.get(timeout=3600)
            child.join()
            if result["sent"] != size or result["received"] != size:
                print(f"bench broken: {result}", file=sys.stderr)
                return 1
            results.append(result)
    finally:
        server.terminate()
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    head = f"{'subscribers':>11} {'seconds':>8} {'msg/s':>7} {'target':>7} {'peak RSS':>9}"
    print(f"{head}  RSS (MB) before sending, then after N messages")
    for r in results:
        verdict = "PASS" if r["messages_per_s"] >= TARGET_RATE else "MISS"
        samples = "  ".join(f"{n}:{mb}" for n, mb in r["rss_samples_mb"])
        print(
            f"{r['subscribers']:>11} {r['seconds']:>8} {r['messages_per_s']:>7} {verdict:>7} "
            f"{r['peak_rss_mb']:>7} MB  before:{r['rss_before_mb']}  {samples}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
