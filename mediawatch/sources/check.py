"""`mediawatch sources check`: does each registered source answer with a usable feed or page?"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from mediawatch.collect.discover import discover_links
from mediawatch.collect.feeds import parse_feed
from mediawatch.collect.http import Fetcher
from mediawatch.collect.politeness import HostPacer
from mediawatch.config import Settings
from mediawatch.errors import FetchError, ParseError
from mediawatch.i18n import Message
from mediawatch.sources.registry import load_registry, registry_error, set_verified
from mediawatch.types import FetchStatus, Source, SourceKind


@dataclass(frozen=True, slots=True)
class CheckResult:
    source_id: str
    ok: bool
    status: str
    http_status: int | None
    entries: int
    final_url: str
    detail: str


async def _check_one(fetcher: Fetcher, pacer: HostPacer, source: Source, settings: Settings) -> CheckResult:
    await pacer.turn(source.url)
    try:
        result = await fetcher.get(source.url, max_bytes=settings.max_feed_bytes)
    except FetchError as exc:
        return CheckResult(source.id, False, exc.status.value, exc.http_status, 0, "", exc.detail)
    moved = f"redirected to {result.final_url}" if result.final_url != source.url else ""
    if source.kind is SourceKind.HTML:
        count = len(discover_links(result.body, result.final_url, settings.max_new_items_per_feed))
    else:
        try:
            parsed = parse_feed(result.body, result.final_url, result.headers.get("content-type", ""))
        except ParseError as exc:
            return CheckResult(
                source.id, False, exc.status.value, result.status, 0, result.final_url, exc.detail
            )
        count = len(parsed.entries)
    status = FetchStatus.OK if count else FetchStatus.EMPTY
    return CheckResult(source.id, count > 0, status.value, result.status, count, result.final_url, moved)


async def _check_all(sources: Sequence[Source], settings: Settings) -> list[CheckResult]:
    pacer = HostPacer(settings.per_host_delay)
    async with Fetcher(settings) as fetcher:
        return list(await asyncio.gather(*(_check_one(fetcher, pacer, s, settings) for s in sources)))


def check_sources(
    settings: Settings, only: Sequence[str] = (), *, mark_verified: bool = False
) -> list[CheckResult]:
    sources = load_registry(settings.feeds_dir)
    if only:
        unknown = set(only) - {s.id for s in sources}
        if unknown:
            problem = Message("sources.registry.unknown_ids", ids=", ".join(sorted(unknown)))
            raise registry_error(settings.feeds_dir, problem)
        sources = [s for s in sources if s.id in only]
    results = asyncio.run(_check_all(sources, settings))
    if mark_verified:
        for r in results:
            if r.ok:
                set_verified(settings.feeds_dir, r.source_id, True)
    return results
