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
    def __init__(self, get: Getter, user_agent: str) -> None:
        self._get = get
        self._agent = user_agent.split("/")[0]
        self._rules: dict[str, RobotFileParser] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            rules = self._rules.get(origin)
            if rules is None:
                rules = self._rules[origin] = await self._load(origin)
        return rules.can_fetch(self._agent, url)

    async def _load(self, origin: str) -> RobotFileParser:
        robots_url = urlunsplit((*urlsplit(origin)[:2], "/robots.txt", "", ""))
        parser = RobotFileParser(robots_url)
        try:
            status, body = await self._get(robots_url)
        except FetchError as exc:
            if exc.status is FetchStatus.PRIVATE_ADDRESS:
                raise  # the page itself is refused for the same reason; say that, not "robots"
            # Unreachable robots.txt (5xx, network): RFC 9309 says assume everything is disallowed;
            # a plain 4xx means there are no rules.
            if exc.status is FetchStatus.HTTP_4XX:
                parser.parse([])
            else:
                parser.parse(["User-agent: *", "Disallow: /"])
            return parser
        if status >= 400:
            parser.parse([])
            return parser
        parser.parse(body.decode("utf-8", "replace").splitlines())
        return parser
