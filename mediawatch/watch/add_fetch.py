"""Fetching the one page a person asked to add, under the collector's rules (address policy, robots.txt,
politeness, size limits, extraction budgets)."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from mediawatch.collect.http import Fetcher, FetchResult
from mediawatch.collect.netguard import AddressPolicy, check_url
from mediawatch.collect.pipeline import PAGE_ACCEPT
from mediawatch.collect.politeness import HostPacer
from mediawatch.collect.robots import RobotsCache
from mediawatch.collect.workers import ExtractionPool, extract_in_worker
from mediawatch.config import Settings
from mediawatch.errors import ExtractError, FetchError
from mediawatch.types import Extracted, FetchStatus, PartialReason

ROBOTS_MAX_BYTES = 512 * 1024


async def fetch_page(settings: Settings, url: str, policy: AddressPolicy) -> tuple[str, Extracted]:
    """The page's final URL and what extraction found, under the collector's rules: the address policy,
    robots.txt, one request at a time per host, the page size limit, the timeouts and the extraction's
    CPU and time budgets. FetchError or ExtractError says why not."""
    check_url(url, policy)
    pacer = HostPacer(settings.per_host_delay, max_wait=settings.max_retry_after)
    async with Fetcher(settings, address_policy=policy, pace=pacer.turn) as fetcher:

        async def get(target: str, max_bytes: int, accept: str) -> FetchResult:
            await pacer.turn(target)
            return await fetcher.get(target, max_bytes=max_bytes, accept=accept)

        if settings.respect_robots:

            async def robots_get(target: str) -> tuple[int, bytes]:
                result = await get(target, ROBOTS_MAX_BYTES, "text/plain")
                return result.status, result.body

            if not await RobotsCache(robots_get, settings.user_agent).allowed(url):
                raise FetchError(url, FetchStatus.ROBOTS_DISALLOWED, "robots.txt disallows this page")
        result = await get(url, settings.max_page_bytes, PAGE_ACCEPT)
    extracted = await _extract(settings, result)
    if extracted.partial_reason is PartialReason.NOT_HTML:
        ctype = result.headers.get("content-type", "") or "?"
        raise ExtractError(f"{PartialReason.NOT_HTML.value}: Content-Type {ctype}")
    if not extracted.title and not extracted.text:
        raise ExtractError(f"{PartialReason.EXTRACTION_FAILED.value}: no title and no text found")
    return result.final_url, extracted


async def _extract(settings: Settings, result: FetchResult) -> Extracted:
    """In a worker process under the CPU and wall-time budgets, as the collector does; in a thread when
    the settings ask for a single worker (tests, small machines), as the collector does too."""
    args = (
        result.body,
        result.final_url,
        result.headers.get("content-type", ""),
        settings.extract_cpu_seconds,
    )
    if (settings.extract_workers or os.cpu_count() or 1) > 1:
        pool = ExtractionPool(1, timeout=settings.extract_timeout)
        try:
            return await pool.run(extract_in_worker, *args)
        finally:
            pool.shutdown()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediawatch-add") as thread:
        return await asyncio.get_running_loop().run_in_executor(thread, extract_in_worker, *args)
