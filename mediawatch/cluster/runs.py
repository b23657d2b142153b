"""A collect run spread over workers: enqueue it, track which tasks are done, close it, wait for it.

The run is a row of the database's ``runs`` table, opened by ``mediawatch collect`` and closed by the
worker that completes its last task. Which tasks a run issued and which are done are two Redis sets:
adding a member is idempotent, so a task delivered twice counts once, and a task issues its follow-ups
before it is marked done, so "every issued task is done" is never true early. When it is, a first pass
sweeps up articles a killed task stored without issuing their page task and issues the classification;
the last pass counts what the run did from the database and closes the row, then flags it closed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from mediawatch.cluster.broker import UNREACHABLE, Cluster, unreachable
from mediawatch.collect.report import CollectReport
from mediawatch.config import Settings
from mediawatch.errors import LockedError
from mediawatch.i18n import said
from mediawatch.store import PendingArticle, Store
from mediawatch.types import FetchStatus, PartialReason, Source

log = logging.getLogger(__name__)

_KEY = "mediawatch:run:{run}:{part}"
# Run state on the broker is kept this long after the run's last task: long enough to watch it.
_RUN_TTL_S = 7 * 24 * 3600
# `collect --wait` says that no worker seems to be at work after this long without a finished task.
IDLE_AFTER_S = 60.0
_SETTLED = {FetchStatus.OK.value, FetchStatus.EMPTY.value, FetchStatus.NOT_MODIFIED.value}


def _key(run_id: int, part: str) -> str:
    return _KEY.format(run=run_id, part=part)


# -- messages: plain JSON, so that a worker of a later version still reads them ---------------------
def source_message(source: Source) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(source), default=str))
    return data


def article_message(item: PendingArticle) -> dict[str, Any]:
    data = dataclasses.asdict(item)
    data["feed_published"] = item.feed_published.isoformat() if item.feed_published else None
    return data


def article_from_message(data: dict[str, Any]) -> PendingArticle:
    published = data.get("feed_published")
    return PendingArticle(
        **{**data, "feed_published": datetime.fromisoformat(published) if published else None}
    )


# -- issuing and completing tasks -------------------------------------------------------------------
def issue(cluster: Cluster, run_id: int, task: str, actor: str, *args: Any) -> bool:
    """Send ``actor`` for ``task`` unless this run issued it already; True when this call sent it.

    The message is sent before the task joins the issued set: a process killed in between leaves a
    message that will run (and adds itself to both sets when done), never a task counted as issued that
    nothing will ever do. Two processes issuing one task at once may both send it: tasks run twice safely.
    """
    issued = _key(run_id, "issued")
    if cluster.redis.sismember(issued, task):
        return False
    cluster.send(actor, run_id, *args)
    cluster.redis.sadd(issued, task)
    cluster.redis.expire(issued, _RUN_TTL_S)
    return True


def done(cluster: Cluster, store: Store, run_id: int, task: str) -> None:
    """Mark ``task`` done (after its work is committed); the worker that finishes the run closes it.

    When every issued task is done: first the page tasks a killed poll stored but never sent, then the
    last classification, then the run is closed (see :func:`settle`).
    """
    done_key = _key(run_id, "done")
    with cluster.redis.pipeline() as both:  # MULTI: issued too, in case its issuer died before adding it
        both.sadd(_key(run_id, "issued"), task)
        both.sadd(done_key, task)
        both.expire(done_key, _RUN_TTL_S)
        both.execute()
    settle(cluster, store, run_id)


def settle(cluster: Cluster, store: Store, run_id: int) -> None:
    """Take the run's next step once every issued task is done: sweep, classify, or close.

    Safe to call again at any time: after the last task's redelivery, or from the next `collect` when the
    process that should have closed the run died with no message to bring it back.
    """
    if not _all_done(cluster, run_id):
        return
    if run_meta(cluster, run_id).get("fetch_pages"):
        swept = [
            issue(cluster, run_id, f"page:{item.id}", "page", article_message(item))
            for item in store.pending_articles()
            if not cluster.redis.sismember(_key(run_id, "issued"), f"page:{item.id}")
        ]
        if any(swept):
            return
    # The last task is issued like any other, so a settler killed before sending it leaves it unissued for
    # the next one (a flag set before the send let that one close the run unclassified). Two settlers may
    # both send it: classification only takes what has none, and checking the sets again below keeps the
    # others from closing early.
    if issue(cluster, run_id, "classify", "classify"):
        return
    if _all_done(cluster, run_id) and not cluster.redis.exists(_key(run_id, "closed")):
        close_run(cluster, store, run_id)


def _members(cluster: Cluster, key: str) -> set[str]:
    return {m.decode() if isinstance(m, bytes) else m for m in cluster.redis.smembers(key)}


def _all_done(cluster: Cluster, run_id: int) -> bool:
    # Both counts in one MULTI/EXEC. Read one after the other, a task could issue its follow-up and be
    # marked done in between, and the run would look finished with the follow-up still to run.
    with cluster.redis.pipeline(transaction=True) as both:
        both.scard(_key(run_id, "issued"))
        both.scard(_key(run_id, "done"))
        issued, finished = both.execute()
    return bool(issued) and issued == finished


def run_meta(cluster: Cluster, run_id: int) -> dict[str, Any]:
    raw = cluster.redis.get(_key(run_id, "meta"))
    return json.loads(raw) if raw else {}


def is_open(cluster: Cluster, run_id: int) -> bool:
    """True while a run enqueued on this broker has tasks left (its row says ``running``).

    A run whose enqueueing never finished is not open: its `collect` died holding the run lock, which
    the caller now holds; the run is marked interrupted and its articles are taken by the next run.
    """
    return (
        cluster.redis.exists(_key(run_id, "meta")) == 1
        and not cluster.redis.exists(_key(run_id, "closed"))
        and bool(cluster.redis.sismember(_key(run_id, "done"), "enqueue"))
    )


# -- the coordinator's side: `mediawatch collect` ---------------------------------------------------
def enqueue_run(
    cluster: Cluster, store: Store, sources: Sequence[Source], settings: Settings, *, force: bool
) -> int:
    """Open a collect run and enqueue its tasks (`mediawatch collect`): :func:`enqueue_locked` under the
    collect run lock. Refused while another collect or nightly run holds the lock or a run is still open."""
    with store.run_lock("collect"):
        return enqueue_locked(cluster, store, sources, settings, force=force)


def enqueue_locked(
    cluster: Cluster, store: Store, sources: Sequence[Source], settings: Settings, *, force: bool
) -> int:
    """See :func:`_enqueue`; a broker that stops answering meanwhile is :class:`BrokerUnavailable`, and
    the run opened for it is closed as failed (left ``running``, it looked in progress to everyone)."""
    opened: list[int] = []
    try:
        return _enqueue(cluster, store, sources, settings, force=force, opened=opened)
    except UNREACHABLE as exc:
        for run_id in opened:
            store.finish_run(run_id, "failed", {"error": "the broker stopped answering while enqueueing"})
        raise unreachable(settings, exc) from None


def _enqueue(
    cluster: Cluster,
    store: Store,
    sources: Sequence[Source],
    settings: Settings,
    *,
    force: bool,
    opened: list[int],
) -> int:
    """Open a collect run and enqueue its tasks: one poll per enabled source, one page per article left
    pending by an earlier run. Refused (LockedError) while an earlier run is still open on the broker.

    The caller holds ``store.run_lock("collect")``: :func:`enqueue_run` takes it for this call alone, the
    nightly job holds it for its whole length. The lock is not re-entrant (a second flock on the lock file,
    a second PostgreSQL session), so it is never taken here: the nightly would refuse itself. Only the
    enqueueing needs it; workers never take it (a run still open on the broker keeps the next one out).
    """
    for run in store.recent_runs("collect", limit=5):
        if run.status == "running" and is_open(cluster, run.id):
            settle(cluster, store, run.id)  # its closer may have died where no redelivery brings it back
            if is_open(cluster, run.id):
                raise said(LockedError, "cluster.run_open", run=run.id)
    interrupted = store.mark_interrupted_runs(["collect"])
    store.sync_sources(sources)
    enabled = [s for s in sources if s.enabled]
    run_id = store.start_run("collect")
    opened.append(run_id)
    meta = {
        "started": datetime.now(UTC).isoformat(),
        "sources": [s.id for s in enabled],
        "fetch_pages": settings.fetch_pages,
        "interrupted_runs": [r.id for r in interrupted],
    }
    cluster.redis.set(_key(run_id, "meta"), json.dumps(meta), ex=_RUN_TTL_S)
    # "enqueue" is done last: until then the run cannot look finished, however fast the workers are.
    cluster.redis.sadd(_key(run_id, "issued"), "enqueue")
    for source in enabled:
        issue(cluster, run_id, f"poll:{source.id}", "poll", source_message(source), force)
    if settings.fetch_pages:
        for item in store.pending_articles():
            issue(cluster, run_id, f"page:{item.id}", "page", article_message(item))
    done(cluster, store, run_id, "enqueue")
    return run_id


def wait_for_run(
    store: Store,
    run_id: int,
    *,
    poll_seconds: float = 0.5,
    cluster: Cluster | None = None,
    on_idle: Callable[[int], None] | None = None,
    idle_after: float = IDLE_AFTER_S,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CollectReport | None:
    """Wait until a worker closes the run, then its report (as `collect` prints it); None when
    ``timeout`` seconds pass first (the run goes on without the one waiting).

    With ``cluster`` and ``on_idle``: when no task of the run has been done for ``idle_after`` seconds
    (no worker running, or all of them stuck), ``on_idle(run_id)`` is called once, so a person waiting
    is told why nothing happens; the wait goes on (a worker started later does the run)."""
    done_key = _key(run_id, "done")
    started = clock()
    last_done, since, told = -1, started, False
    while True:
        run = next((r for r in store.recent_runs("collect", limit=50) if r.id == run_id), None)
        if run is not None and run.status != "running":
            return report_from_summary(run.summary)
        if timeout is not None and clock() - started >= timeout:
            return None
        if cluster is not None and on_idle is not None and not told:
            now_done = int(cluster.redis.scard(done_key))
            if now_done != last_done:
                last_done, since = now_done, clock()
            elif clock() - since >= idle_after:
                on_idle(run_id)
                told = True
        time.sleep(poll_seconds)


def close_run(cluster: Cluster, store: Store, run_id: int) -> None:
    """End the run's row, then flag it closed on the broker.

    In this order, a closer killed in between leaves the flag unset, so the next one to settle the run
    closes it again (the store keeps the first end recorded). Flagged first, a closer killed in between
    left the run looking closed to everyone with its row "running": `collect --wait` waited forever.
    """
    meta = run_meta(cluster, run_id)
    report = tally(store, run_id, meta, cluster)
    if store.finish_run(run_id, "failed-sources" if report.failed else "ok", report.as_dict()):
        log.info("%s run=%d", report.summary_line(), run_id)
    cluster.redis.set(_key(run_id, "closed"), "1", ex=_RUN_TTL_S)


def tally(store: Store, run_id: int, meta: dict[str, Any], cluster: Cluster) -> CollectReport:
    """The run's report, counted from what the workers stored since it began."""
    started = datetime.fromisoformat(meta["started"])
    sources: list[str] = meta["sources"]
    counts: dict[str, Any] = store.collect_tally(started, sources)
    report = CollectReport(started=started, finished=datetime.now(UTC))
    report.sources_total = len(sources)
    report.interrupted_runs = list(meta.get("interrupted_runs", []))
    polled = set()
    for source_id, status, detail, new_items in counts["polls"]:
        polled.add(source_id)
        report.statuses[status] += 1
        report.new_articles += int(new_items)
        if status == FetchStatus.NOT_MODIFIED.value:
            report.not_modified += 1
        if status not in _SETTLED:
            report.failed += 1
            report.failures.append((source_id, status, detail))
    report.polled = len(polled)
    report.skipped = len(sources) - len(polled)
    if report.skipped:
        report.statuses[FetchStatus.SKIPPED_BACKOFF.value] += report.skipped
    pages: dict[str, int] = counts["pages"]
    for key, count in pages.items():
        if key == "fetched":
            report.pages_fetched += count
        elif key.endswith(f":{PartialReason.EXTRACTION_FAILED.value}"):
            report.pages_failed += count
        else:
            report.pages_partial += count
    issued = _members(cluster, _key(run_id, "issued"))
    report.pages_deferred = sum(1 for item in store.pending_articles() if f"page:{item.id}" in issued)
    return report


def report_from_summary(summary: dict[str, Any]) -> CollectReport:
    """A report back from the summary stored with the run."""
    report = CollectReport(
        started=datetime.fromisoformat(summary["started"]),
        finished=datetime.fromisoformat(summary["finished"]) if summary.get("finished") else None,
    )
    for name in (
        "sources_total", "polled", "skipped", "not_modified", "failed", "new_articles", "pages_fetched",
        "pages_partial", "pages_deferred", "pages_failed", "workers_replaced",
    ):  # fmt: skip
        setattr(report, name, int(summary.get(name, 0)))
    report.statuses = Counter(summary.get("statuses", {}))
    report.failures = [(f["source"], f["status"], f["detail"]) for f in summary.get("failures", [])]
    report.interrupted_runs = list(summary.get("interrupted_runs", []))
    return report
