"""robots.txt for article pages, fetched once per host per run (RFC 9309 semantics)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from mediawatch.errors import FetchError
from mediawatch.types import FetchStatus

ROBOTS_MAX_BYTES = 512 * 1024

# (url) -> (status code, body); raises FetchError
Getter = Callable[[str], Awaitable[tuple[int, bytes]]]


class RobotsCache:
    """robots.txt rules per origin, loaded once per run.

    ``allowed`` raises the FetchError of an unavailable robots.txt (5xx, 429, timeout, connection):
    the caller defers the page to a later run.  RFC 9309 asks to treat such a host as fully
    disallowed for now, and that is what deferring does; recording the pages as disallowed for good
    would lose their text once the server recovers.  A 4xx means there are no rules.
    """

    def __init__(self, get: Getter, user_agent: str) -> None:
        self._get = get
        self._agent = user_agent.split("/")[0]
        self._rules: dict[str, RobotFileParser] = {}
        self._unavailable: dict[str, FetchError] = {}  # asked once per run, not once per page
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin in self._unavailable:
                raise self._unavailable[origin]
            rules = self._rules.get(origin)
            if rules is None:
                try:
                    rules = self._rules[origin] = await self._load(origin)
                except FetchError as exc:
                    self._unavailable[origin] = exc
                    raise
        return rules.can_fetch(self._agent, url)

    async def _load(self, origin: str) -> RobotFileParser:
        robots_url = urlunsplit((*urlsplit(origin)[:2], "/robots.txt", "", ""))
        parser = RobotFileParser(robots_url)
        try:
            status, body = await self._get(robots_url)
        except FetchError as exc:
            if exc.status is FetchStatus.HTTP_4XX:
                parser.parse([])
                return parser
            raise  # refused address: the page's own reason; unavailable: the page waits
        if status >= 400:
            parser.parse([])
            return parser
        parser.parse(body.decode("utf-8", "replace").splitlines())
        return parser
