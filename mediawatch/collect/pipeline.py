"""The collector: poll due sources, store new entries, fetch and extract their pages.

Feeds and pages share one fetcher, one global concurrency limit and one per-host pacer. Pages are queued
per host and each host is drained by one task, so a slow or rate-limited host never holds up the others.
Every state change is committed as it happens: a run killed at any point is resumed by the next one
(pending articles are picked up again; a feed whose entries were not committed is simply polled again).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from mediawatch.collect import decide
from mediawatch.collect.dates import DateChoice, reconcile_dates
from mediawatch.collect.discover import discover_links
from mediawatch.collect.http import Fetcher, FetchResult
from mediawatch.collect.netguard import AddressPolicy, check_url, policy_for
from mediawatch.collect.politeness import HostPacer, host_of
from mediawatch.collect.progress import NullProgress, ProgressSink
from mediawatch.collect.publisher import credited
from mediawatch.collect.report import CollectReport
from mediawatch.collect.robots import RobotsCache
from mediawatch.collect.urls import date_from_url, resolve_redirect_link
from mediawatch.collect.workers import ExtractionPool, extract_in_worker, parse_in_worker
from mediawatch.config import Settings
from mediawatch.errors import ExtractError, FetchError, ParseError
from mediawatch.identity import canonical_url
from mediawatch.store import NewEntry, PageOutcome, PendingArticle
from mediawatch.store.protocols import CollectorStore, CollectRunStore
from mediawatch.types import (
    Extracted,
    FetchEvent,
    FetchStatus,
    PartialReason,
    Source,
    SourceKind,
    SourceState,
)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

_PAGE_FAILURE_REASON = {
    FetchStatus.BLOCKED_BY_BOT_PROTECTION: PartialReason.BLOCKED,
    FetchStatus.PRIVATE_ADDRESS: PartialReason.PRIVATE_ADDRESS,
    FetchStatus.ROBOTS_DISALLOWED: PartialReason.ROBOTS,
}


EXTRACT_BACKLOG_PER_WORKER = 4


def consistent_canonical(final_url: str, declared: str) -> str:
    """Trust rel=canonical / og:url only when it stays on the same site and is not the home page."""
    if not declared:
        return ""
    a, b = urlsplit(final_url), urlsplit(declared)
    same_site = (a.hostname or "").removeprefix("www.") == (b.hostname or "").removeprefix("www.")
    if not same_site or b.path in ("", "/") or b.scheme not in ("http", "https"):
        return ""
    return canonical_url(declared)


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _page_refused(url: str, fallback: DateChoice, exc: FetchError) -> PageOutcome:
    """A page that will never be fetched (its address or URL is refused): final, with the feed's facts."""
    return PageOutcome(
        final=True,
        final_url=canonical_url(url),
        published=fallback.published,
        date_source=fallback.source,
        partial_reason=_PAGE_FAILURE_REASON.get(exc.status, PartialReason.FETCH_FAILED),
        partial_detail=f"{exc.status.value}: {exc.detail}",
    )


def _robots_unavailable(url: str, fallback: DateChoice, exc: FetchError, attempt: int) -> PageOutcome:
    """robots.txt did not answer (5xx, 429, timeout, no connection): not now, but not for ever either.

    Each run counts an attempt, as a failed page does: a host whose robots.txt hangs or is gone kept its
    pages pending, retried every night with no reason shown; after the last attempt the article keeps
    the feed's facts, with the reason.
    """
    final = attempt >= decide.MAX_PAGE_ATTEMPTS
    return PageOutcome(
        final=final,
        final_url=canonical_url(url) if final else "",
        published=fallback.published,
        date_source=fallback.source,
        partial_reason=PartialReason.FETCH_FAILED,
        partial_detail=f"robots.txt unavailable, page not asked for ({exc.status.value}: {exc.detail})",
    )


def _now() -> datetime:
    return datetime.now(UTC)


class Collector:
    def __init__(
        self,
        store: CollectorStore,
        settings: Settings,
        progress: ProgressSink | None = None,
        *,
        address_policy: AddressPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._clock = clock  # for the time budgets; injected by tests
        self._address_policy = address_policy  # None: derived from settings.allow_private_addresses
        self.settings = settings
        self.progress: ProgressSink = progress or NullProgress()
        self.pacer = HostPacer(
            settings.per_host_delay, max_wait=settings.max_retry_after, addresses_of=self._addresses_of
        )
        self._run_started = clock()
        self.report = CollectReport(started=_now())
        self._host_queues: dict[str, deque[PendingArticle]] = {}
        self._host_tasks: dict[str, asyncio.Task[None]] = {}
        self._semaphore = asyncio.Semaphore(max(1, settings.concurrency))
        self._pool: ExtractionPool | None = None
        # Without worker processes, parsing and extraction still leave the event loop: one thread, so
        # the libraries never run concurrently with themselves.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediawatch-parse")
        self._extract_slots = asyncio.Semaphore(1)
        self._fetcher: Fetcher | None = None
        self._robots: RobotsCache | None = None
        self._window = timedelta(hours=settings.title_dup_window_hours)
        # Set when a poll may be delivered twice (a cluster task): only the first to store it records it.
        self.unless_polled_since: datetime | None = None

    # -- entry point ------------------------------------------------------------------------------
    async def run(self, sources: Sequence[Source], *, force: bool = False) -> CollectReport:
        self.store.sync_sources(sources)
        enabled = [s for s in sources if s.enabled]
        self.report.sources_total = len(enabled)
        self.progress.feeds_total(len(enabled))
        workers = self.settings.extract_workers or (os.cpu_count() or 1)
        if workers > 1:
            self._pool = ExtractionPool(workers, timeout=self.settings.extract_timeout)
        # Pages fetched but not yet extracted are held in memory: keep only a few per worker waiting.
        self._extract_slots = asyncio.Semaphore(EXTRACT_BACKLOG_PER_WORKER * workers)
        try:
            self._run_started = self._clock()
            fetcher_ = Fetcher(self.settings, address_policy=self._address_policy, pace=self._hop_turn)
            async with fetcher_ as fetcher:
                self._fetcher = fetcher
                self._robots = self._robots_cache()
                # from an interrupted run, or deferred by a rate-limited host
                leftovers = self.store.pending_articles() if self.settings.fetch_pages else []
                self.progress.pages_added(len(leftovers))
                for item in leftovers:
                    self._enqueue(item)
                await asyncio.gather(*(self._poll(source, force) for source in enabled))
                while self._host_tasks:
                    await asyncio.gather(*list(self._host_tasks.values()))
        finally:
            if self._pool is not None:
                self.report.workers_replaced = self._pool.replaced
                self._pool.shutdown()
            self._thread.shutdown(wait=True, cancel_futures=True)
        self.report.finished = _now()
        return self.report

    # -- one unit of work at a time (a cluster worker's task) -------------------------------------
    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        """The fetcher and robots rules for `poll_source` and `fetch_page` outside `run`.

        Parsing and extraction run on this collector's own thread: a cluster worker's parallelism is its
        processes and threads, not a pool of its own.
        """
        try:
            fetcher_ = Fetcher(self.settings, address_policy=self._address_policy, pace=self._hop_turn)
            async with fetcher_ as fetcher:
                self._fetcher = fetcher
                self._robots = self._robots_cache()
                self._run_started = self._clock()
                yield
        finally:
            self._fetcher = None
            self._thread.shutdown(wait=True, cancel_futures=True)

    async def poll_source(self, source: Source, force: bool) -> None:
        """Poll one source (when due): its new entries are stored and handed to `_enqueue`."""
        await self._poll(source, force)

    async def fetch_page(self, item: PendingArticle) -> PageOutcome | None:
        """Fetch, extract and store one pending article; None when it waits for a later run untouched."""
        outcome = await self._page(item)
        if outcome is not None:
            self.store.complete_article(item.id, outcome, _now(), self._window)
        return outcome

    def _robots_cache(self) -> RobotsCache:
        return RobotsCache(self._robots_get, self.settings.user_agent)

    # -- feeds ------------------------------------------------------------------------------------
    async def _poll(self, source: Source, force: bool) -> None:
        now = _now()
        state = self.store.source_state(source.id)
        if not decide.is_due(state, now, force=force) or self.pacer.skipped(source.url):
            self.report.skipped += 1
            self.report.statuses[FetchStatus.SKIPPED_BACKOFF.value] += 1
            self.progress.feed_done(source.id, FetchStatus.SKIPPED_BACKOFF.value)
            return
        etag, last_modified = decide.conditional_validators(state, self.settings.unconditional_every)
        probe = decide.probe_validator(state, etag, last_modified)
        started = time.monotonic()
        caught = ""
        try:
            result = await self._get(
                source.url,
                self.settings.max_feed_bytes,
                FEED_ACCEPT,
                etag=probe or etag,
                last_modified=last_modified,
            )
            if probe and result.status == 304:
                caught = (
                    "validators unreliable: answered 304 to an entity tag no content has; "
                    "now polled unconditionally"
                )
                state = replace(state, validators_trusted=False)
                etag = last_modified = None
                result = await self._get(source.url, self.settings.max_feed_bytes, FEED_ACCEPT)
        except FetchError as exc:
            self._fail(source, state, now, exc.status, exc.detail, exc.http_status, started, exc.retry_after)
            return
        self.report.polled += 1
        if result.status == 304:
            state = decide.after_not_modified(state, now, FetchStatus.NOT_MODIFIED)
            self._record(source, state, now, FetchStatus.NOT_MODIFIED, 304, "", started)
            return
        content_hash = _sha256(result.body)
        conditional = etag is not None or last_modified is not None
        new_etag, new_lm = result.headers.get("etag"), result.headers.get("last-modified")
        lied = decide.validators_lied(state, new_etag, new_lm, content_hash)
        detail = caught or (
            "validators unreliable: same validators, different content; now polled unconditionally"
            if lied
            else ""
        )
        unchanged = content_hash == state.content_hash
        entries: list[NewEntry] = []
        warnings: list[str] = []
        if not unchanged:
            try:
                entries, warnings = await self._entries(source, result)
            except ParseError as exc:
                self._fail(source, state, now, exc.status, exc.detail, result.status, started, None)
                return
        status = FetchStatus.NOT_MODIFIED if unchanged else (FetchStatus.OK if entries else FetchStatus.EMPTY)
        state = decide.after_content(
            state,
            now,
            etag=new_etag,
            last_modified=new_lm,
            content_hash=content_hash,
            conditional=conditional,
            new_items=0,
            status=status,
            detail=detail,
        )
        if unchanged:
            self._record(source, state, now, status, result.status, detail or "unchanged content", started)
            return
        event = FetchEvent(
            source.id,
            now,
            status,
            result.status,
            "; ".join(([detail] if detail else []) + ([] if entries else ["no usable entries"]) + warnings),
            0,
            int((time.monotonic() - started) * 1000),
        )
        new_items = self.store.save_feed_poll(
            source.id, state, event, entries, unless_polled_since=self.unless_polled_since
        )
        self.report.statuses[status.value] += 1
        self.report.new_articles += len(new_items)
        self.progress.feed_done(source.id, status.value)
        self.progress.pages_added(len(new_items))
        for item in new_items:
            self._enqueue(item)

    async def _entries(self, source: Source, result: FetchResult) -> tuple[list[NewEntry], list[str]]:
        """New entries and the parser's warnings (kept in the fetch event, for `sources health`).

        Parsing runs off the event loop, in a worker under a CPU budget when there are workers: a
        300k-item feed must not starve the other sources' requests.
        """
        limit = self.settings.max_new_items_per_feed
        ctype = result.headers.get("content-type", "")
        warnings: list[str] = []
        loop = asyncio.get_running_loop()
        if source.kind is SourceKind.HTML:
            found = await loop.run_in_executor(
                self._thread, discover_links, result.body, result.final_url, limit
            )
            language = source.language
        else:
            args = (result.body, result.final_url, ctype, limit, self.settings.parse_cpu_seconds)
            if self._pool is None:
                parsed = await loop.run_in_executor(self._thread, parse_in_worker, *args)
            else:
                try:
                    parsed = await self._pool.run(parse_in_worker, *args)
                except ExtractError as exc:
                    raise ParseError(result.final_url, FetchStatus.PARSE_ERROR, str(exc)) from None
            found = list(parsed.entries)
            warnings = list(parsed.warnings)
            language = parsed.language[:2].lower() if parsed.language else source.language
        news_search = source.kind is SourceKind.NEWS_SEARCH
        entries = []
        for e in found:
            title, summary, publisher = credited(e, news_search)
            entries.append(
                NewEntry(
                    url=e.url,
                    raw_url=e.raw_url,
                    title=title,
                    summary=summary,
                    author=e.author,
                    published=e.published,
                    feed_language=language or source.language,
                    sitename=publisher,
                )
            )
        return entries, warnings

    def _fail(
        self,
        source: Source,
        state: SourceState,
        now: datetime,
        status: FetchStatus,
        detail: str,
        http_status: int | None,
        started: float,
        retry_after: float | None,
    ) -> None:
        self._penalize(source.url, status, retry_after)
        state = decide.after_failure(
            state,
            now,
            status,
            detail,
            base_hours=self.settings.backoff_base_hours,
            max_hours=self.settings.backoff_max_hours,
            retry_after=retry_after,
        )
        self.report.failed += 1
        self.report.failures.append((source.id, status.value, detail))
        self._record(source, state, now, status, http_status, detail, started)

    def _record(
        self,
        source: Source,
        state: SourceState,
        now: datetime,
        status: FetchStatus,
        http_status: int | None,
        detail: str,
        started: float,
    ) -> None:
        if status is FetchStatus.NOT_MODIFIED:
            self.report.not_modified += 1
        event = FetchEvent(
            source.id, now, status, http_status, detail, 0, int((time.monotonic() - started) * 1000)
        )
        self.store.record_fetch(source.id, state, event, unless_polled_since=self.unless_polled_since)
        self.report.statuses[status.value] += 1
        self.progress.feed_done(source.id, status.value)

    def _penalize(self, url: str, status: FetchStatus, retry_after: float | None) -> None:
        if retry_after is not None:
            self.pacer.penalize(url, retry_after)
        elif status in (FetchStatus.RATE_LIMITED, FetchStatus.HTTP_5XX):
            self.pacer.penalize(url, self.settings.penalty_delay)

    # -- pages ------------------------------------------------------------------------------------
    def _enqueue(self, item: PendingArticle) -> None:
        if not self.settings.fetch_pages:
            return
        target = resolve_redirect_link(item.url)
        host = host_of(target)
        self._host_queues.setdefault(host, deque()).append(item)
        if host not in self._host_tasks:
            self._host_tasks[host] = asyncio.ensure_future(self._drain(host))

    def _budget_left(self, host_started: float) -> str:
        """The setting whose time budget is spent (this host's or the run's), or "" while time is left."""
        now = self._clock()
        if now - self._run_started > self.settings.run_budget_seconds:
            return "run_budget_seconds"
        if now - host_started > self.settings.host_budget_seconds:
            return "host_budget_seconds"
        return ""

    async def _drain(self, host: str) -> None:
        queue = self._host_queues[host]
        started = self._clock()
        try:
            while queue:
                if why := self._budget_left(started):
                    # Still pending in the store: the next run takes them first. Not an attempt.
                    self.report.pages_deferred += len(queue)
                    self.report.budget_deferred[host] = self.report.budget_deferred.get(host, 0) + len(queue)
                    self.report.budget_reasons[host] = why
                    self.progress.pages_added(-len(queue))
                    queue.clear()
                    break
                item = queue.popleft()
                outcome = await self.fetch_page(item)
                if outcome is None:  # deferred without touching the article
                    self.report.pages_deferred += 1
                    self.progress.page_done()
                    continue
                if not outcome.final:
                    self.report.pages_deferred += 1
                elif outcome.partial_reason or (outcome.extracted and outcome.extracted.partial_reason):
                    self.report.pages_partial += 1
                else:
                    self.report.pages_fetched += 1
                self.progress.page_done()
        finally:
            del self._host_tasks[host]

    async def _page(self, item: PendingArticle) -> PageOutcome | None:
        url = resolve_redirect_link(item.url)
        now = _now()
        fallback = reconcile_dates(item.feed_published, None, date_from_url(url), now)
        if self.pacer.skipped(url):
            return PageOutcome(final=False, partial_detail="host asked us to wait; deferred to a later run")
        try:
            # The page's own reason first: robots.txt of a refused or unusable URL would only hide it.
            check_url(url, self._address_policy or policy_for(self.settings.allow_private_addresses))
        except FetchError as exc:
            return _page_refused(url, fallback, exc)
        if self.settings.respect_robots and self._robots is not None:
            try:
                allowed = await self._robots.allowed(url)
            except FetchError as exc:
                # A refused address or a URL the HTTP client rejects is the page's own problem, final;
                # an unavailable robots.txt (5xx, 429, timeout) only means "not now".
                if exc.status is FetchStatus.PRIVATE_ADDRESS or exc.detail.startswith("invalid URL"):
                    return _page_refused(url, fallback, exc)
                return _robots_unavailable(url, fallback, exc, item.attempts + 1)
            if not allowed:
                return PageOutcome(
                    final=True,
                    final_url=canonical_url(url),
                    published=fallback.published,
                    date_source=fallback.source,
                    partial_reason=PartialReason.ROBOTS,
                    partial_detail="robots.txt disallows this page",
                )
        async with self._extract_slots:
            return await self._fetch_and_extract(item, url, fallback, now)

    async def _fetch_and_extract(
        self, item: PendingArticle, url: str, fallback: DateChoice, now: datetime
    ) -> PageOutcome:
        try:
            result = await self._get(url, self.settings.max_page_bytes, PAGE_ACCEPT)
        except FetchError as exc:
            self._penalize(url, exc.status, exc.retry_after)
            final = decide.page_failure_is_final(exc.status, item.attempts + 1)
            return PageOutcome(
                final=final,
                published=fallback.published,
                date_source=fallback.source,
                partial_reason=_PAGE_FAILURE_REASON.get(exc.status, PartialReason.FETCH_FAILED),
                partial_detail=f"{exc.status.value}: {exc.detail}",
            )
        try:
            extracted = await self._extract(result)
        except ExtractError as exc:
            self.report.pages_failed += 1
            return PageOutcome(
                final=True,
                final_url=canonical_url(result.final_url),
                published=fallback.published,
                date_source=fallback.source,
                partial_reason=PartialReason.EXTRACTION_FAILED,
                partial_detail=f"{PartialReason.EXTRACTION_FAILED.value}: {exc}",
            )
        final_url = canonical_url(result.final_url)
        canonical = consistent_canonical(final_url, extracted.canonical_url)
        choice = reconcile_dates(
            item.feed_published, extracted.date, date_from_url(canonical or final_url), now
        )
        detail = ""
        if extracted.partial_reason is not None:
            detail = f"{extracted.partial_reason.value}: kept the feed summary"
        return PageOutcome(
            final=True,
            final_url=final_url,
            canonical_url=canonical,
            extracted=extracted,
            published=choice.published,
            date_source=choice.source,
            partial_detail=detail,
        )

    async def _extract(self, result: FetchResult) -> Extracted:
        ctype = result.headers.get("content-type", "")
        args = (result.body, result.final_url, ctype, self.settings.extract_cpu_seconds)
        if self._pool is None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._thread, extract_in_worker, *args)
        return await self._pool.run(extract_in_worker, *args)

    # -- shared fetching --------------------------------------------------------------------------
    async def _get(
        self,
        url: str,
        max_bytes: int,
        accept: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        assert self._fetcher is not None
        await self.pacer.turn(url)
        async with self._semaphore:
            return await self._fetcher.get(
                url, max_bytes=max_bytes, etag=etag, last_modified=last_modified, accept=accept
            )

    async def _hop_turn(self, url: str) -> None:
        """A redirect hop takes its turn like any request, but does not sit out a host's penalty inside
        the fetch's total_timeout: it is deferred instead."""
        await self.pacer.turn(url, max_wait=self.settings.per_host_delay)

    def _addresses_of(self, name: str) -> tuple[str, ...]:
        return self._fetcher.addresses_of(name) if self._fetcher is not None else ()

    async def _robots_get(self, url: str) -> tuple[int, bytes]:
        try:
            result = await self._get(url, 512 * 1024, "text/plain")
        except FetchError as exc:
            self._penalize(url, exc.status, exc.retry_after)  # a 429 on robots.txt is the host's too
            raise
        return result.status, result.body


def collect(
    store: CollectRunStore,
    sources: Sequence[Source],
    settings: Settings,
    *,
    force: bool = False,
    progress: ProgressSink | None = None,
) -> CollectReport:
    """Run one collection under the run lock and record it in the runs table.

    A run still marked ``running`` once we hold the lock was killed before it could record its end (the
    kernel released its lock): it is marked ``interrupted``.  This run's row is closed whatever happens.
    """
    with store.run_lock("collect"):
        interrupted = store.mark_interrupted_runs(["collect"])
        run_id = store.start_run("collect")
        collector = Collector(store, settings, progress)
        collector.report.interrupted_runs = [r.id for r in interrupted]
        try:
            report = asyncio.run(collector.run(sources, force=force))
        except BaseException as exc:
            status = "interrupted" if isinstance(exc, KeyboardInterrupt | SystemExit) else "failed"
            summary = collector.report.as_dict()
            summary["error"] = f"{type(exc).__name__}: {exc}"
            store.finish_run(run_id, status, summary)
            raise
        store.finish_run(run_id, "failed-sources" if report.failed else "ok", report.as_dict())
        return report
