"""The collector under measurement, in a child process of its own.

``python -m bench.collect_bench`` (started by :func:`run_pipeline`) opens a fresh SQLite database, runs
:func:`mediawatch.collect.pipeline.collect` on the benchmark feeds, then immediately runs it again on the
same database, and writes what it measured about itself to a JSON file:

* wall time of each ``collect()`` call (run lock, store, fetching, extraction; not interpreter start-up);
* CPU of each call, for the collector process (``getrusage(RUSAGE_SELF)``) and for its whole process
  tree: every live descendant's user + system time plus the ``children_*`` times of every process in the
  tree (the CPU of children it has reaped). That counts extraction workers whether the pool forks them
  directly or through a forkserver process that outlives the run and reaps them itself;
* the collector process's peak resident memory (``VmHWM``; not ``ru_maxrss``, which Linux carries over
  from the parent across fork + exec and so reports the harness's own peak when that is larger).

The parent samples the resident memory of the whole process tree every ~50 ms with psutil (the sum of
RSS, which counts pages shared between processes more than once, and the sum of PSS, which does not),
the CPU the server and the rest of the machine used meanwhile, and knows which run is going on from the
``PHASE`` lines the child prints.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PHASES = ("startup", "run1", "run2", "done")


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def vm_hwm(pid: int | str = "self") -> int:
    """Peak resident set size of a process in bytes (``VmHWM``), 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _tree_cpu(root: Any) -> float:
    """CPU seconds of ``root`` (a psutil.Process), its descendants and every child any of them reaped."""
    import psutil

    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def _child_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.collect_bench")
    parser.add_argument("--db", required=True)
    parser.add_argument("--feeds-json", required=True, help="JSON list of feed URLs")
    parser.add_argument("--result", required=True)
    parser.add_argument("--per-host-delay", type=float, required=True)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--extract-workers", type=int, default=None)
    parser.add_argument(
        "--profile", default=None, help="write cProfile stats (CPU time) of run 1 (main process) here"
    )
    args = parser.parse_args(argv)

    import psutil

    from mediawatch.collect.pipeline import collect
    from mediawatch.config import Settings
    from mediawatch.store import open_store
    from mediawatch.types import Source, SourceKind

    settings = Settings(db=args.db, allow_private_addresses=True).with_overrides(
        per_host_delay=args.per_host_delay, concurrency=args.concurrency, extract_workers=args.extract_workers
    )
    urls = json.loads(Path(args.feeds_json).read_text())
    sources = [
        Source(id=f"bench-{k:05d}", name=f"Benchmark feed {k}", url=url, kind=SourceKind.RSS, language="en")
        for k, url in enumerate(urls)
    ]
    store = open_store(f"sqlite:///{args.db}")
    me = psutil.Process()
    runs: list[dict[str, Any]] = []
    for number in (1, 2):
        print(f"PHASE run{number}", flush=True)
        # CPU time, not wall time: the question is where the collector's own CPU goes
        profiler = cProfile.Profile(time.process_time) if args.profile and number == 1 else None
        self0, tree0 = resource.getrusage(resource.RUSAGE_SELF), _tree_cpu(me)
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        report = collect(store, sources, settings)
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - started
        self1, tree1 = resource.getrusage(resource.RUSAGE_SELF), _tree_cpu(me)
        if profiler is not None:
            profiler.dump_stats(args.profile)
        runs.append(
            {
                "wall_s": wall,
                "cpu_main_s": _cpu(self1) - _cpu(self0),
                # psutil reads clock ticks (10 ms), getrusage microseconds: clamp the rounding
                "cpu_workers_s": max(0.0, (tree1 - tree0) - (_cpu(self1) - _cpu(self0))),
                "hwm_main_bytes": vm_hwm(),
                "report": report.as_dict(),
                "articles_by_state": store.count_articles(),
            }
        )
    print("PHASE done", flush=True)
    store.close()
    total_cpu = _tree_cpu(me)
    settings_used = {
        "per_host_delay": settings.per_host_delay,
        "concurrency": settings.concurrency,
        "extract_workers": settings.extract_workers,
        "respect_robots": settings.respect_robots,
    }
    result = {"runs": runs, "settings": settings_used, "total_cpu_s": total_cpu}
    Path(args.result).write_text(json.dumps(result, indent=1))
    return 0


# ---------------------------------------------------------------------------------------------------
# Parent side


@dataclass
class PhaseSample:
    peak_rss_sum: int = 0  # bytes, collector + workers (+ forkserver, if any)
    peak_pss_sum: int = 0
    peak_rss_main: int = 0  # the collector process
    peak_rss_other: int = 0  # the largest other process of the tree (an extraction worker)
    hwm_by_pid: dict[int, int] = field(default_factory=dict)  # exact per-process peaks (VmHWM)
    role_by_pid: dict[int, str] = field(default_factory=dict)  # collector, worker, forkserver, ...
    peak_processes: int = 0
    server_cpu_s: float = 0.0  # CPU the server process used during the phase
    harness_cpu_s: float = 0.0  # CPU of the harness process (this sampler)
    machine_busy_s: float = 0.0  # CPU every process of the machine used during the phase
    wall_s: float = 0.0  # as seen by the parent (includes start-up for "startup")


@dataclass
class PipelineResult:
    runs: list[dict[str, Any]]
    settings: dict[str, Any]
    phases: dict[str, PhaseSample] = field(default_factory=dict)
    child_total_cpu_s: float = 0.0  # the whole child tree, interpreter start-up and imports included
    child_total_wall_s: float = 0.0
    samples: int = 0


class _Watcher:
    """Follows the child's PHASE lines and samples memory of its process tree."""

    def __init__(self, proc: subprocess.Popen[str], server_pid: int | None, interval: float) -> None:
        import psutil

        self._psutil = psutil
        self.proc = proc
        self.root = psutil.Process(proc.pid)
        self.server = psutil.Process(server_pid) if server_pid else None
        self.me = psutil.Process()
        self.interval = interval
        self.phase = "startup"
        self.phases: dict[str, PhaseSample] = {p: PhaseSample() for p in PHASES}
        self._phase_started = time.perf_counter()
        self._counters0 = self._counters()
        self._lock = threading.Lock()
        self.samples = 0
        self.roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._sample, daemon=True),
        ]

    def _role(self, proc: Any) -> str:
        if proc.pid == self.root.pid:
            return "collector"
        try:
            if proc.ppid() != self.root.pid:
                return "worker"  # forked by the forkserver (its command line is the forkserver's)
            command = " ".join(proc.cmdline())
        except self._psutil.Error:
            return "?"
        for role in ("forkserver", "resource_tracker"):
            if role in command:
                return role
        return "worker"

    def _counters(self) -> tuple[float, float, float]:
        """CPU seconds so far of the server, of this process and of the whole machine."""
        server = 0.0
        if self.server is not None:
            times = self.server.cpu_times()
            server = times.user + times.system
        mine = self.me.cpu_times()
        machine = self._psutil.cpu_times()
        busy = machine.user + machine.nice + machine.system + machine.irq + machine.softirq
        return server, mine.user + mine.system, busy

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._switch("done")

    def _switch(self, phase: str) -> None:
        with self._lock:
            if phase == self.phase:
                return
            now, counters = time.perf_counter(), self._counters()
            sample = self.phases[self.phase]
            sample.wall_s += now - self._phase_started
            sample.server_cpu_s += counters[0] - self._counters0[0]
            sample.harness_cpu_s += counters[1] - self._counters0[1]
            sample.machine_busy_s += counters[2] - self._counters0[2]
            self.phase, self._phase_started, self._counters0 = phase, now, counters

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("PHASE "):
                phase = line.split()[1]
                if phase in self.phases:
                    self._switch(phase)
            else:
                sys.stderr.write(line)

    def _sample(self) -> None:
        psutil = self._psutil
        tick = 0
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            rss = pss = main = other = 0
            hwms: dict[int, int] = {}
            with_pss = tick % 5 == 0  # reading smaps_rollup costs more than statm: every ~250 ms
            for proc in procs:
                try:
                    if with_pss:
                        info = proc.memory_full_info()
                        one = info.rss
                        pss += info.pss
                    else:
                        one = proc.memory_info().rss
                except psutil.Error:
                    continue
                rss += one
                hwm = vm_hwm(proc.pid)
                if hwm:
                    hwms[proc.pid] = hwm
                if proc.pid not in self.roles:
                    self.roles[proc.pid] = self._role(proc)
                if proc.pid == self.root.pid:
                    main = one
                else:
                    other = max(other, one)
            with self._lock:
                sample = self.phases[self.phase]
                sample.peak_rss_sum = max(sample.peak_rss_sum, rss)
                sample.peak_pss_sum = max(sample.peak_pss_sum, pss)
                sample.peak_rss_main = max(sample.peak_rss_main, main)
                sample.peak_rss_other = max(sample.peak_rss_other, other)
                for pid, hwm in hwms.items():
                    sample.hwm_by_pid[pid] = max(sample.hwm_by_pid.get(pid, 0), hwm)
                    sample.role_by_pid[pid] = self.roles.get(pid, "?")
                sample.peak_processes = max(sample.peak_processes, len(procs))
                self.samples += 1
            tick += 1
            self._stop.wait(self.interval)


def run_pipeline(
    feed_urls: list[str],
    workdir: Path,
    *,
    per_host_delay: float,
    concurrency: int | None = None,
    extract_workers: int | None = None,
    server_pid: int | None = None,
    profile: Path | None = None,
    sample_interval: float = 0.05,
) -> PipelineResult:
    """Run the collector twice on a fresh database in a child process and measure it."""
    feeds_json, result_json, db = workdir / "feeds.json", workdir / "result.json", workdir / "bench.sqlite3"
    feeds_json.write_text(json.dumps(feed_urls))
    cmd = [
        sys.executable,
        "-m",
        "bench.collect_bench",
        "--db",
        str(db),
        "--feeds-json",
        str(feeds_json),
        "--result",
        str(result_json),
        "--per-host-delay",
        str(per_host_delay),
    ]
    if concurrency is not None:
        cmd += ["--concurrency", str(concurrency)]
    if extract_workers is not None:
        cmd += ["--extract-workers", str(extract_workers)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    watcher = _Watcher(proc, server_pid, sample_interval)
    watcher.start()
    code = proc.wait()
    wall = time.perf_counter() - started
    watcher.stop()
    if code != 0:
        raise RuntimeError(f"collector child exited with status {code}: {' '.join(cmd)}")
    data = json.loads(result_json.read_text())
    return PipelineResult(
        runs=data["runs"],
        settings=data["settings"],
        phases=watcher.phases,
        child_total_cpu_s=data["total_cpu_s"],
        child_total_wall_s=wall,
        samples=watcher.samples,
    )


if __name__ == "__main__":
    sys.exit(_child_main())
