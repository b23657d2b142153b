"""The nightly's collect stage: in this process, or with a broker enqueued for the cluster's workers and
waited for (bounded); then the sources' health, which says whether anything new could come in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mediawatch.errors import InvalidInput, MediawatchError
from mediawatch.i18n import Message
from mediawatch.nightly.job import NightlyRun
from mediawatch.nightly.outcome import problem
from mediawatch.types import Source

if TYPE_CHECKING:
    from mediawatch.collect.report import CollectReport


def collect(job: NightlyRun, *, force: bool) -> None:
    from mediawatch.collect.pipeline import Collector
    from mediawatch.sources.registry import collectable_registry

    s = job.state
    try:
        sources = collectable_registry(job.settings.feeds_dir)
    except MediawatchError:
        s.collect_failed = True
        raise
    s.sources_total = sum(1 for x in sources if x.enabled)
    job.log.info("collect.start", sources=s.sources_total)
    report: CollectReport | None
    if job.settings.broker_url:
        report = _collect_on_workers(job, sources, force=force)
        if report is None:
            return
    else:
        run_id = job.store.start_run("collect")
        try:
            report = asyncio.run(Collector(job.store, job.settings).run(sources, force=force))
        except BaseException:
            summary: dict[str, object] = {"error": "the collection stopped; see the nightly log"}
            job.store.finish_run(run_id, "failed", summary)
            s.collect_failed = True
            raise
        job.store.finish_run(run_id, "failed-sources" if report.failed else "ok", report.as_dict())
    s.failures, s.new_articles = report.failures, report.new_articles
    for source_id, status, detail in report.failures:
        job.log.warning("source.failed", source=source_id, status=status, detail=detail[:500])
    job.log.info("collect.done", **{k: v for k, v in report.as_dict().items() if k != "failures"})


def _collect_on_workers(job: NightlyRun, sources: list[Source], *, force: bool) -> CollectReport | None:
    """With a broker: enqueue the collect run for `mediawatch worker` processes, under the lock this
    run holds, and wait for its report; None when ``nightly_collect_wait_seconds`` run out first
    (logged; the workers go on with the run, the other stages with what was collected so far)."""
    from mediawatch.cluster.broker import broker_errors, connect
    from mediawatch.cluster.runs import IDLE_AFTER_S, enqueue_locked, run_meta, wait_for_run

    wait = job.settings.nightly_collect_wait_seconds
    if wait < 0:
        raise InvalidInput(Message("nightly.setting.bad_collect_wait", value=f"{wait:g}"))
    cluster = connect(job.settings)
    try:
        run_id = enqueue_locked(cluster, job.store, sources, job.settings, force=force)
        for old in run_meta(cluster, run_id).get("interrupted_runs", []):
            job.log.warning("run.interrupted", id=old, kind="collect")
        job.log.info("collect.enqueued", collect_run=run_id, wait_s=wait)

        def idle(run: int) -> None:  # once: no task of the run done for a while
            job.log.warning("collect.no_worker", collect_run=run, idle_s=IDLE_AFTER_S)

        with broker_errors(job.settings):
            report = wait_for_run(job.store, run_id, cluster=cluster, on_idle=idle, timeout=wait)
    finally:
        cluster.broker.close()
        cluster.redis.close()
    if report is None:
        job.state.collect_open = run_id
        job.log.warning("collect.still_running", collect_run=run_id, waited_s=wait)
    return report


def mirror_registry(job: NightlyRun) -> None:
    """Without collecting (``--no-collect``): copy the registry into the database as a collection does
    first, so that the health stage judges the sources enabled in feeds/ now, not those of the last
    collection. A run that collects nothing needs no registry: without a feeds/ folder (a machine that
    only composes, renders and sends) the sources the database knows are kept as they are, and the run
    says so in one line instead of failing."""
    from mediawatch.sources.registry import load_registry

    folder = Path(job.settings.feeds_dir)
    if not folder.exists():
        # Not an empty registry: mirroring "nothing" would flag every stored source as removed.
        job.state.notes.append(
            problem(f"no sources folder {folder}", "nightly.cli.no_feeds", folder=str(folder))
        )
        job.log.info("registry.skipped", reason="no sources folder", folder=str(folder))
        return
    job.store.sync_sources(load_registry(folder))


def health(job: NightlyRun) -> None:
    """Sources failing now: this run's failures and those still in back-off from earlier runs."""
    rows = job.store.source_health(datetime.now(UTC), job.settings.stale_days, events=False)
    enabled = [h for h in rows if h.enabled]
    job.state.failing = [h.source_id for h in enabled if h.consecutive_failures]
    job.state.sources_total = job.state.sources_total or len(enabled)
    if enabled and len(job.state.failing) == len(enabled):
        job.state.collect_failed = True  # every source fails: nothing new can come in
    job.log.info("sources.health", enabled=len(enabled), failing=job.state.failing)
