"""What a worker does with each task: poll a source, fetch and extract a page, classify.

Every handler commits its work before it returns; Dramatiq acknowledges the message only then, so a
worker killed mid-task leaves the message to be delivered again, and each handler can run twice:

- a poll whose source was already polled in this run records nothing new (one health update per poll),
  even when two deliveries poll at once: the store records the poll only for the first to claim it;
- a page already completed is left as it is (``complete_article`` only completes a pending article);
- classification only classifies what has no classification yet.

Each stored page gets a classification task of its own; the run's last task classifies what is left
(an article merged into another) and brings the search index up to date, alone. A worker keeps its
classifier between tasks and loads the model again when the model file changed: a model retrained by
`mediawatch retrain` or by the nightly job (which does it after its collect run) is used from the next
classification task on, without restarting the workers.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mediawatch.classify.pipeline import Classifier
from mediawatch.cluster import runs
from mediawatch.cluster.broker import MAX_RETRIES, Cluster, connect, current_retries
from mediawatch.cluster.shared import RedisPacer, SharedRobots
from mediawatch.collect.pipeline import Collector
from mediawatch.collect.robots import RobotsCache
from mediawatch.config import Settings
from mediawatch.errors import FetchError
from mediawatch.store import PageOutcome, PendingArticle, Store
from mediawatch.types import OutletType, Region, Source, SourceKind

log = logging.getLogger(__name__)

# robots.txt answers are shared this long (an unavailable one for less: pages wait for a later run).
ROBOTS_TTL_S = 3600.0
ROBOTS_RETRY_TTL_S = 300.0


class ClusterCollector(Collector):
    """The collector's own rules for one task, with the pacing and robots.txt of every worker."""

    def __init__(self, store: Store, settings: Settings, cluster: Cluster, run_id: int, pages: bool) -> None:
        super().__init__(store, settings)
        self.cluster = cluster
        self.run_id = run_id
        self.pages = pages
        self.pacer = RedisPacer(
            cluster.redis,
            settings.per_host_delay,
            max_wait=settings.max_retry_after,
            addresses_of=self._addresses_of,
        )
        self._shared_robots = SharedRobots(cluster.redis, ROBOTS_TTL_S, ROBOTS_RETRY_TTL_S)

    def _enqueue(self, item: PendingArticle) -> None:
        if self.pages:
            runs.issue(self.cluster, self.run_id, f"page:{item.id}", "page", runs.article_message(item))

    def _robots_cache(self) -> RobotsCache:
        return RobotsCache(self._shared_robots_get, self.settings.user_agent)

    async def _shared_robots_get(self, url: str) -> tuple[int, bytes]:
        known = await asyncio.to_thread(self._shared_robots.get, url)
        if isinstance(known, FetchError):
            raise known
        if known is not None:
            return known
        try:
            answer = await self._robots_get(url)
        except FetchError as exc:
            await asyncio.to_thread(self._shared_robots.put, url, exc)
            raise
        await asyncio.to_thread(self._shared_robots.put, url, answer)
        return answer


def source_from_message(data: dict[str, Any]) -> Source:
    return Source(
        **{
            **data,
            "kind": SourceKind(data["kind"]),
            "region": Region(data["region"]),
            "outlet_type": OutletType(data["outlet_type"]),
            "tags": tuple(data.get("tags", ())),
        }
    )


class Handlers:
    """The actors' bodies in one worker process: one store and one broker connection, shared by threads."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._classifier: Classifier | None = None
        self._model_stamp: tuple[str, int, int] | None = None
        self._classifier_lock = threading.Lock()
        self.cluster = connect(
            settings,
            {
                "classify_article": self._guard(self.classify_article),
                "poll": self._guard(self.poll),
                "page": self._guard(self.page),
                "classify": self._guard(self.classify),
            },
        )

    def _guard(self, body: Callable[..., str]) -> Callable[..., None]:
        """Run a task; mark it done once its work is stored, or once it has failed on every delivery."""

        def task(run_id: int, *args: Any) -> None:
            try:
                name = body(run_id, *args)
            except Exception:
                if current_retries() < MAX_RETRIES:
                    raise  # Dramatiq tries it again later
                log.exception("task given up after %d tries (run %d)", MAX_RETRIES + 1, run_id)
                name = _task_name(body.__name__, args)
            runs.done(self.cluster, self.store, run_id, name)

        task.__name__ = body.__name__
        return task

    def poll(self, run_id: int, source_data: dict[str, Any], force: bool) -> str:
        source = source_from_message(source_data)
        meta = runs.run_meta(self.cluster, run_id)
        started = datetime.fromisoformat(meta["started"])
        state = self.store.source_state(source.id)
        # Saves the fetch when an earlier delivery got as far as its commit and was killed afterwards.
        if state.last_fetch is None or state.last_fetch < started:
            collector = ClusterCollector(
                self.store, self.settings, self.cluster, run_id, bool(meta.get("fetch_pages"))
            )
            # The check above is not a claim: a delivery running at the same moment passes it too.
            collector.unless_polled_since = started
            asyncio.run(_poll(collector, source, force))
        return f"poll:{source.id}"

    def page(self, run_id: int, item_data: dict[str, Any]) -> str:
        item = runs.article_from_message(item_data)
        collector = ClusterCollector(self.store, self.settings, self.cluster, run_id, True)
        outcome = asyncio.run(_page(collector, item))
        if outcome is not None and outcome.final:
            runs.issue(self.cluster, run_id, f"classify:{item.id}", "classify_article", item.id)
        return f"page:{item.id}"

    def classify_article(self, run_id: int, article_id: int) -> str:
        """Classify one stored article (nothing when it was merged into another: the run's last task
        classifies whatever is left)."""
        classifier = self.classifier()
        for batch in self.store.articles_for_classification(ids=[article_id]):
            self.store.save_classifications([classifier.classify(item) for item in batch])
        return f"classify:{article_id}"

    def classify(self, run_id: int) -> str:
        """The run's last task: what no page task classified, the search index, then the stories (one
        place and one order for the grouping, as `mediawatch classify` does; a retry only groups what is
        still ungrouped)."""
        from mediawatch.classify.grouping import group_stories
        from mediawatch.classify.pipeline import classify_stored

        report = classify_stored(self.store, self.classifier())
        log.info("%s run=%d", report.summary_line(), run_id)
        grouping = group_stories(self.store, self.settings)
        log.info(
            "stories grouped=%d stories_touched=%d run=%d", grouping.grouped, grouping.stories_touched, run_id
        )
        return "classify"

    def classifier(self) -> Classifier:
        """The taxonomy and model, loaded once per process (seconds of start-up, not per task); the model
        again when its file changed (`mediawatch retrain`, or the nightly job's learn stage, replaced it),
        which a file's path, modification time and size tell (one ``stat`` per task, a fraction of a
        second to read a changed model; the taxonomy is kept)."""
        from mediawatch.classify.pipeline import load_classifier, model_stamp

        with self._classifier_lock:
            stamp = model_stamp(self.settings)  # before loading: a file replaced meanwhile is read next time
            if self._classifier is None or stamp != self._model_stamp:
                kept = self._classifier.taxonomy if self._classifier is not None else None
                self._classifier = load_classifier(self.settings, taxonomy=kept)
                self._model_stamp = stamp
            return self._classifier


def _task_name(handler: str, args: tuple[Any, ...]) -> str:
    if handler == "poll":
        return f"poll:{args[0]['id']}"
    if handler == "page":
        return f"page:{args[0]['id']}"
    if handler == "classify_article":
        return f"classify:{args[0]}"
    return handler


async def _poll(collector: ClusterCollector, source: Source, force: bool) -> None:
    async with collector.session():
        await collector.poll_source(source, force)


async def _page(collector: ClusterCollector, item: PendingArticle) -> PageOutcome | None:
    async with collector.session():
        return await collector.fetch_page(item)
