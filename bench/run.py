"""Collector benchmark: ``python -m bench.run`` (what ``make bench`` runs). See docs/benchmarks.md.

In one run, against a local server on many loopback hosts with an artificial per-response latency:

1. the floor: CPU per page of pure extraction (``extract_page``, and plain trafilatura for reference) on the
   very pages that will be served, in this process, before the server starts; and the same extraction on
   all cores at once, to show what CPU per page costs when every core is busy;
2. the pipeline: ``collect()`` on a fresh SQLite database in a child process, then immediately again on
   the same database (nothing changed) - throughput, CPU per article, peak memory, second-run time;
3. the baseline: a sequential feedparser + urllib + trafilatura loop on a subset of the same articles.

The targets are printed beside the figures with PASS/MISS. They inform; they never fail the command:
the exit status is non-zero only when the harness itself broke.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.collect_bench import PipelineResult, run_pipeline
from bench.server import BasePage, Layout, ServerProcess, base_index, corpus_missing, load_base_pages

MIB = 1024 * 1024
TARGET_OVERHEAD = 0.25  # pipeline CPU per article at most 25 % above pure extraction
TARGET_SECOND_RUN = 0.03  # an unchanged second run under 3 % of the first
TARGET_SPEEDUP = 10.0  # at least 10x the sequential baseline's articles/s
TARGET_RSS_MB = 400.0  # for 10,000 articles
TARGET_RSS_ARTICLES = 10_000
DEFAULT_PER_HOST_DELAY = 0.2
PRESET_ITEMS = 50


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _machine_busy() -> float:
    import psutil

    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + t.irq + t.softirq)


def wait_for_quiet(max_wait: float, threshold: float = 0.2, window: float = 3.0) -> float:
    """Wait (at most ``max_wait`` s) until other processes use under ``threshold`` cores; return their load.

    A shared machine makes every figure here noisy; the load seen is printed with the results.
    """
    deadline = time.monotonic() + max_wait
    while True:
        before = _machine_busy()
        time.sleep(window)
        load = (_machine_busy() - before) / window
        if load < threshold or time.monotonic() >= deadline:
            return load
        _log(f"machine busy with other work ({load:.2f} cores); waiting for it to calm down")


# ---------------------------------------------------------------------------------------------------
# The floor: pure extraction on the served pages


def _weights(pages: int, articles: int) -> list[int]:
    """How many of the served articles show each corpus page (articles cycle through the pages)."""
    counts = [0] * pages
    for n in range(articles):
        counts[base_index(n, pages)] += 1
    return counts


def _page_url(n: int) -> str:
    return f"http://127.0.0.2:8000/a/{n}.html"


def _extract_cpu(pages: list[BasePage], indices: list[int], kind: str) -> dict[int, float]:
    """CPU seconds (process_time) of one extraction of each page, in order."""
    import trafilatura

    from mediawatch.collect.extract import extract_page

    def one(b: int) -> None:
        html = pages[b].render(b)
        if kind == "extract_page":
            extract_page(html, _page_url(b), "text/html")
        else:
            trafilatura.bare_extraction(html, url=_page_url(b), with_metadata=True)

    cpu: dict[int, float] = {}
    for b in indices:
        started = time.process_time()
        one(b)
        cpu[b] = time.process_time() - started
    return cpu


_WORKER_PAGES: list[BasePage] = []


def _parallel_chunk(indices: list[int], start_at: float) -> dict[int, float]:
    while time.time() < start_at:  # start every worker at the same moment
        time.sleep(0.005)
    return _extract_cpu(_WORKER_PAGES, indices, "extract_page")


@dataclass
class Floor:
    distinct_pages: int
    extract_page_cpu: float  # seconds per served article, weighted as served; warm process
    extract_page_cold_cpu: float  # the first pass, which pays one-time lazy initialisation
    bare_extraction_cpu: float
    extract_page_parallel_cpu: float | None  # the same, with every core extracting at once
    parallel_workers: int
    slowest_pages: list[tuple[str, float]]


def measure_floor(pages: list[BasePage], articles: int, parallel_workers: int) -> Floor:
    used = list(range(min(len(pages), articles)))
    weights = _weights(len(pages), articles)

    def weighted(cpu: dict[int, float]) -> float:
        return sum(cpu[b] * weights[b] for b in used) / sum(weights[b] for b in used)

    _log(f"floor: extract_page on {len(used)} distinct pages, one core: a cold pass, then a measured one")
    cold = _extract_cpu(pages, used, "extract_page")
    own = _extract_cpu(pages, used, "extract_page")
    _log("floor: trafilatura.bare_extraction(with_metadata=True) on the same pages")
    bare = _extract_cpu(pages, used, "bare")
    parallel: float | None = None
    if parallel_workers > 1:
        _log(f"floor: extract_page in {parallel_workers} processes at once")
        global _WORKER_PAGES
        _WORKER_PAGES = pages  # inherited by the forked workers
        chunks = [used[i::parallel_workers] for i in range(parallel_workers)]
        fork = multiprocessing.get_context("fork")  # the workers inherit the pages and the warm state
        with ProcessPoolExecutor(max_workers=parallel_workers, mp_context=fork) as pool:
            start_at = time.time() + 1.0
            merged: dict[int, float] = {}
            for part in pool.map(_parallel_chunk, chunks, [start_at] * parallel_workers):
                merged.update(part)
        parallel = weighted(merged)
    slowest = sorted(used, key=lambda b: own[b], reverse=True)[:5]
    return Floor(
        distinct_pages=len(used),
        extract_page_cpu=weighted(own),
        extract_page_cold_cpu=weighted(cold),
        bare_extraction_cpu=weighted(bare),
        extract_page_parallel_cpu=parallel,
        parallel_workers=parallel_workers,
        slowest_pages=[(pages[b].name, own[b]) for b in slowest],
    )


# ---------------------------------------------------------------------------------------------------
# The baseline: a sequential feedparser + trafilatura loop


@dataclass
class Baseline:
    articles: int
    feeds: int
    wall_s: float
    cpu_s: float
    failures: int

    @property
    def rate(self) -> float:
        return self.articles / self.wall_s if self.wall_s else 0.0


def run_baseline(feed_urls: list[str], limit: int) -> Baseline:
    import feedparser
    import trafilatura

    def get(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=30) as response:
            return bytes(response.read())

    done = failures = feeds = 0
    started, cpu0 = time.perf_counter(), time.process_time()
    for feed_url in feed_urls:
        if done >= limit:
            break
        feeds += 1
        parsed = feedparser.parse(get(feed_url))
        for entry in parsed.entries:
            if done >= limit:
                break
            try:
                trafilatura.bare_extraction(get(entry.link), url=entry.link, with_metadata=True)
            except OSError:
                failures += 1
            done += 1
    return Baseline(done, feeds, time.perf_counter() - started, time.process_time() - cpu0, failures)


# ---------------------------------------------------------------------------------------------------
# Figures


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def figures(
    layout: Layout,
    latency: float,
    floor: Floor | None,
    pipe: PipelineResult,
    baseline: Baseline | None,
    server_counts: dict[str, int],
) -> dict[str, Any]:
    first, second = pipe.runs
    report = first["report"]
    articles = int(report["pages_fetched"]) + int(report["pages_partial"])
    cpu1 = first["cpu_main_s"] + first["cpu_workers_s"]
    per_article = cpu1 / articles if articles else math.nan
    rate = articles / first["wall_s"] if first["wall_s"] else 0.0
    run1, run2 = pipe.phases["run1"], pipe.phases["run2"]
    out: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "workload": {
            "feeds": layout.feeds,
            "items_per_feed": layout.items,
            "hosts": layout.hosts,
            "articles_served": layout.articles,
            "latency_s": latency,
            **{f"setting_{k}": v for k, v in pipe.settings.items()},
        },
        "run1": {
            "articles": articles,
            "articles_by_state": first["articles_by_state"],
            "pages_deferred": report["pages_deferred"],
            "failed_sources": report["failed"],
            "wall_s": first["wall_s"],
            "articles_per_s": rate,
            "cpu_main_s": first["cpu_main_s"],
            "cpu_workers_s": first["cpu_workers_s"],
            "cpu_per_article_s": per_article,
            "cpu_main_per_article_s": first["cpu_main_s"] / articles if articles else math.nan,
            "cpu_workers_per_article_s": first["cpu_workers_s"] / articles if articles else math.nan,
            "server_cpu_s": run1.server_cpu_s,
            "peak_rss_sum_mb": run1.peak_rss_sum / MIB,
            "peak_pss_sum_mb": run1.peak_pss_sum / MIB,
            "peak_processes": run1.peak_processes,
            "peak_rss_main_mb": run1.peak_rss_main / MIB,
            "peak_rss_largest_other_mb": run1.peak_rss_other / MIB,
            "hwm_main_mb": first["hwm_main_bytes"] / MIB,
            # upper bound: every process's own peak (VmHWM), added up although they need not coincide
            "hwm_sum_mb": sum(run1.hwm_by_pid.values()) / MIB,
            "hwm_by_process_mb": sorted(
                ((run1.role_by_pid.get(pid, "?"), round(hwm / MIB)) for pid, hwm in run1.hwm_by_pid.items()),
                key=lambda item: -item[1],
            ),
            # everything else the machine ran meanwhile (other users' jobs): it competes for the cores
            "other_load_cpu_s": max(0.0, run1.machine_busy_s - cpu1 - run1.server_cpu_s - run1.harness_cpu_s),
            "harness_cpu_s": run1.harness_cpu_s,
        },
        "run2": {
            "wall_s": second["wall_s"],
            "cpu_s": second["cpu_main_s"] + second["cpu_workers_s"],
            "new_articles": second["report"]["new_articles"],
            "not_modified": second["report"]["not_modified"],
            "polled": second["report"]["polled"],
            "ratio_to_run1": second["wall_s"] / first["wall_s"] if first["wall_s"] else math.nan,
            "peak_rss_sum_mb": run2.peak_rss_sum / MIB,
        },
        "child_process": {"total_cpu_s": pipe.child_total_cpu_s, "total_wall_s": pipe.child_total_wall_s},
        "server_requests": server_counts,
    }
    cores = os.cpu_count() or 1
    server_per_article = run1.server_cpu_s / articles if articles else 0.0
    out["ceilings"] = {
        # every core busy with this pipeline's CPU plus the server's, nothing else
        "cpu_bound_articles_per_s": cores / (per_article + server_per_article) if articles else math.nan,
        # each host drained one request per per_host_delay: feed + robots.txt + items
        "politeness_bound_s": (layout.items + 1) * pipe.settings["per_host_delay"] + latency,
    }
    targets: dict[str, Any] = {}
    if floor is not None:
        out["floor"] = {
            "distinct_pages": floor.distinct_pages,
            "extract_page_cpu_per_page_s": floor.extract_page_cpu,
            "extract_page_cold_cpu_per_page_s": floor.extract_page_cold_cpu,
            "bare_extraction_cpu_per_page_s": floor.bare_extraction_cpu,
            "extract_page_parallel_cpu_per_page_s": floor.extract_page_parallel_cpu,
            "parallel_workers": floor.parallel_workers,
            "slowest_pages": floor.slowest_pages,
        }
        overhead = per_article / floor.extract_page_cpu - 1
        targets["cpu_overhead"] = {
            "value": overhead,
            "target": f"< {TARGET_OVERHEAD:.0%}",
            "ok": overhead < TARGET_OVERHEAD,
        }
        if floor.extract_page_parallel_cpu:
            out["floor"]["overhead_vs_parallel_floor"] = per_article / floor.extract_page_parallel_cpu - 1
    ratio = out["run2"]["ratio_to_run1"]
    targets["second_run"] = {
        "value": ratio,
        "target": f"< {TARGET_SECOND_RUN:.0%}",
        "ok": ratio < TARGET_SECOND_RUN,
    }
    if baseline is not None:
        speedup = rate / baseline.rate if baseline.rate else math.nan
        out["baseline"] = {
            "articles": baseline.articles,
            "feeds": baseline.feeds,
            "wall_s": baseline.wall_s,
            "articles_per_s": baseline.rate,
            "cpu_per_article_s": baseline.cpu_s / baseline.articles if baseline.articles else math.nan,
            "failures": baseline.failures,
        }
        targets["throughput_vs_baseline"] = {
            "value": speedup,
            "target": f">= {TARGET_SPEEDUP:g}x",
            "ok": speedup >= TARGET_SPEEDUP,
        }
    rss = out["run1"]["peak_rss_sum_mb"]
    targets["peak_rss"] = {
        "value": rss,
        "target": f"< {TARGET_RSS_MB:g} MB at {TARGET_RSS_ARTICLES:,} articles",
        "ok": rss < TARGET_RSS_MB,
        "indicative": articles < TARGET_RSS_ARTICLES,
    }
    out["targets"] = targets
    return out


def render_table(f: dict[str, Any]) -> str:
    w, r1, r2 = f["workload"], f["run1"], f["run2"]
    lines = [
        f"mediawatch collector benchmark - {f['machine']['cpus']} CPUs, Python {f['machine']['python']}",
        f"workload: {w['feeds']} feeds x {w['items_per_feed']} items = {w['articles_served']} articles on "
        f"{w['hosts']} loopback hosts, {w['latency_s'] * 1000:g} ms latency per response; "
        f"per_host_delay={w['setting_per_host_delay']:g} s, concurrency={w['setting_concurrency']}, "
        f"extract_workers={w['setting_extract_workers'] or 'one per core'}",
        "",
    ]
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, value: str, target: str = "", verdict: str = "") -> None:
        rows.append((name, value, target, verdict))

    t = f["targets"]
    row("articles stored (run 1)", f"{r1['articles']}  {r1['articles_by_state']}")
    row("run 1 wall time", f"{r1['wall_s']:.2f} s")
    row("throughput", f"{r1['articles_per_s']:.1f} articles/s")
    if "floor" in f:
        fl = f["floor"]
        row(
            "floor: extract_page CPU/page",
            f"{fl['extract_page_cpu_per_page_s'] * 1000:.1f} ms",
            f"({fl['distinct_pages']} distinct pages, warm process, other core idle)",
        )
        row(
            "  extract_page CPU/page, first pass",
            f"{fl['extract_page_cold_cpu_per_page_s'] * 1000:.1f} ms",
            "(reference: includes one-time lazy initialisation)",
        )
        row(
            "  trafilatura bare_extraction CPU/page",
            f"{fl['bare_extraction_cpu_per_page_s'] * 1000:.1f} ms",
            "(reference)",
        )
        if fl["extract_page_parallel_cpu_per_page_s"]:
            row(
                f"  extract_page CPU/page, {fl['parallel_workers']} cores busy",
                f"{fl['extract_page_parallel_cpu_per_page_s'] * 1000:.1f} ms",
                "(reference)",
            )
    row(
        "pipeline CPU/article",
        f"{r1['cpu_per_article_s'] * 1000:.1f} ms",
        f"main {r1['cpu_main_per_article_s'] * 1000:.1f}"
        f" + workers {r1['cpu_workers_per_article_s'] * 1000:.1f}",
    )
    if "cpu_overhead" in t:
        o = t["cpu_overhead"]
        row("CPU overhead over extraction", f"{o['value']:+.1%}", o["target"], _verdict(o["ok"]))
        if "overhead_vs_parallel_floor" in f["floor"]:
            row(
                "  vs the all-cores-busy floor",
                f"{f['floor']['overhead_vs_parallel_floor']:+.1%}",
                "(reference)",
            )
    s = t["second_run"]
    row(
        "second run (nothing changed)",
        f"{r2['wall_s']:.3f} s = {s['value']:.2%} of run 1",
        s["target"],
        _verdict(s["ok"]),
    )
    row(
        "  second run detail",
        f"{r2['polled']} polled, {r2['not_modified']} not modified",
        f"({r2['new_articles']} new articles, {r2['cpu_s']:.2f} s CPU)",
    )
    if "baseline" in f:
        b = f["baseline"]
        row(
            "baseline (sequential loop)",
            f"{b['articles_per_s']:.2f} articles/s",
            f"({b['articles']} articles from {b['feeds']} feeds, {b['wall_s']:.1f} s)",
        )
        row("  baseline CPU/article", f"{b['cpu_per_article_s'] * 1000:.1f} ms")
        sp = t["throughput_vs_baseline"]
        row("throughput vs baseline", f"{sp['value']:.1f}x", sp["target"], _verdict(sp["ok"]))
    m = t["peak_rss"]
    row(
        "peak RSS, collector + workers",
        f"{m['value']:.0f} MB",
        m["target"],
        _verdict(m["ok"]) + (f" (at {r1['articles']:,})" if m["indicative"] else ""),
    )
    row("  peak PSS (shared pages once)", f"{r1['peak_pss_sum_mb']:.0f} MB")
    row(
        "  peak RSS collector / largest worker",
        f"{r1['peak_rss_main_mb']:.0f} / {r1['peak_rss_largest_other_mb']:.0f} MB",
        f"(collector VmHWM {r1['hwm_main_mb']:.0f} MB)",
    )
    row(
        "  sum of per-process peaks (VmHWM)",
        f"{r1['hwm_sum_mb']:.0f} MB",
        "(upper bound: the peaks need not coincide)",
    )
    c = f["ceilings"]
    row("server CPU during run 1", f"{r1['server_cpu_s']:.2f} s", "(not counted above; shares the cores)")
    row(
        "other load on the machine",
        f"{r1['other_load_cpu_s']:.1f} CPU-s = {r1['other_load_cpu_s'] / r1['wall_s']:.2f} cores",
        "(during run 1, processes outside this benchmark; should be ~0)",
    )
    row(
        "CPU-bound ceiling",
        f"{c['cpu_bound_articles_per_s']:.1f} articles/s",
        "(cores / (pipeline + server CPU per article))",
    )
    row("politeness floor per host", f"{c['politeness_bound_s']:.1f} s", "((items + 1) x per_host_delay)")
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines.append(f"{'figure':<{widths[0]}}  {'measured':<{widths[1]}}  verdict / note")
    lines.append("-" * (sum(widths) + 40))
    for name, value, target, verdict in rows:
        third = f"{verdict}  (target {target})" if verdict else target
        lines.append(f"{name:<{widths[0]}}  {value:<{widths[1]}}  {third}".rstrip())
    lines.append("")
    lines.append(
        "per-process peak RSS (VmHWM): "
        + ", ".join(f"{role} {mb}" for role, mb in r1["hwm_by_process_mb"])
        + " MB"
    )
    lines.append(f"server requests: {f['server_requests']}")
    if "baseline" in f:
        lines.append(
            f"baseline measured on the first {f['baseline']['articles']} articles only "
            "(--baseline-articles); its rate does not depend on the run's size."
        )
    lines.append("Targets inform; they never fail this command.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=None, help="feeds (default 40)")
    parser.add_argument(
        "--items", type=int, default=None, help="items per feed (default 25; 50 with --articles)"
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=None,
        help=f"preset: about this many articles, {PRESET_ITEMS} per feed (e.g. 10000)",
    )
    parser.add_argument("--hosts", type=int, default=None, help="loopback hosts (default: one per feed)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before every response (0.1)")
    parser.add_argument(
        "--per-host-delay",
        type=float,
        default=DEFAULT_PER_HOST_DELAY,
        help=f"Settings.per_host_delay for the run ({DEFAULT_PER_HOST_DELAY})",
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="Settings.concurrency (default: its default)"
    )
    parser.add_argument(
        "--extract-workers",
        type=int,
        default=None,
        help="Settings.extract_workers (default: its default, one per core)",
    )
    parser.add_argument(
        "--baseline-articles", type=int, default=200, help="baseline subset (200; 0 skips it)"
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the extraction floor")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="first wait up to this many seconds for other processes to leave the CPUs idle (0: no wait)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write cProfile stats of the collector's main process (run 1) to this file",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args(argv)
    if args.articles is not None:
        args.items = args.items or min(PRESET_ITEMS, args.articles)
        args.feeds = args.feeds or math.ceil(args.articles / args.items)
    args.feeds = args.feeds or 40
    args.items = args.items or 25
    args.hosts = args.hosts or args.feeds
    if args.feeds < 1 or not 1 <= args.items <= 200:
        parser.error("need --feeds >= 1 and 1 <= --items <= 200 (the collector keeps 200 items per feed)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if reason := corpus_missing():
        print(f"bench skipped: {reason}")
        return 0
    layout = Layout(args.feeds, args.items, args.hosts)
    pages = load_base_pages()
    load_before = wait_for_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
    floor = None
    if not args.no_floor:
        floor = measure_floor(pages, layout.articles, os.cpu_count() or 1)
    _log(
        f"server: {layout.feeds} feeds x {layout.items} items on {min(layout.hosts, layout.feeds)} hosts, "
        f"{args.latency * 1000:g} ms latency"
    )
    with ServerProcess(layout.feeds, layout.items, layout.hosts, args.latency) as server:
        _log("pipeline: run 1 on a fresh database, then run 2 on the same one (child process)")
        with tempfile.TemporaryDirectory(prefix="mediawatch-bench-") as tmp:
            pipe = run_pipeline(
                server.feed_urls,
                Path(tmp),
                per_host_delay=args.per_host_delay,
                concurrency=args.concurrency,
                extract_workers=args.extract_workers,
                server_pid=server.pid,
                profile=args.profile,
            )
        counts = server.stats()
        baseline = None
        if args.baseline_articles > 0:
            _log(f"baseline: sequential loop over the first {args.baseline_articles} articles")
            baseline = run_baseline(server.feed_urls, args.baseline_articles)
    result = figures(layout, args.latency, floor, pipe, baseline, counts)
    result["machine"]["other_load_before_cores"] = load_before
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    else:
        print(render_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
