"""`mediawatch extract`: files or URLs in, one JSON record per input out."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mediawatch.collect.extract import extract_page
from mediawatch.collect.http import Fetcher
from mediawatch.config import Settings
from mediawatch.errors import FetchError
from mediawatch.types import Extracted


def _record(source: str, url: str, ex: Extracted) -> dict[str, Any]:
    return {
        "input": source,
        "url": url,
        "title": ex.title,
        "text": ex.text,
        "author": ex.author,
        "date": ex.date.isoformat() if ex.date else None,
        "sitename": ex.sitename,
        "language": ex.language or None,
        "canonical_url": ex.canonical_url or None,
        "partial": ex.partial_reason is not None,
        "partial_reason": ex.partial_reason.value if ex.partial_reason else None,
    }


async def _fetch(url: str, settings: Settings) -> tuple[bytes, str, str]:
    async with Fetcher(settings) as fetcher:
        result = await fetcher.get(url, max_bytes=settings.max_page_bytes)
        return result.body, result.final_url, result.headers.get("content-type", "")


def extract_inputs(
    inputs: Sequence[str], settings: Settings, base_url: str | None = None
) -> Iterator[dict[str, Any]]:
    for item in inputs:
        if item.startswith(("http://", "https://")):
            try:
                body, final_url, ctype = asyncio.run(_fetch(item, settings))
            except FetchError as exc:
                yield {"input": item, "error": f"{exc.status.value}: {exc.detail}"}
                continue
            yield _record(item, final_url, extract_page(body, final_url, ctype))
            continue
        path = Path(item)
        try:
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield {"input": item, "error": f"cannot read {item}: {exc}"}
            continue
        url = base_url or path.resolve().as_uri()
        yield _record(item, url, extract_page(data, url, ""))
