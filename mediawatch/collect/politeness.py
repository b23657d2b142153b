"""Per-host politeness shared by feed and article requests.

One pacer per run: every request to a host waits its turn, at least ``delay`` seconds after the previous
request to that host started; a 429/503 pushes the host's next turn back by Retry-After (or the penalty
delay), and a host that asks for longer than ``max_wait`` is skipped for the rest of the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")


@dataclass
class _Host:
    next_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    requests: int = 0


class HostPacer:
    def __init__(
        self,
        delay: float,
        *,
        max_wait: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.delay = delay
        self.max_wait = max_wait
        self._clock = clock
        self._hosts: dict[str, _Host] = {}

    def _host(self, url: str) -> _Host:
        key = host_of(url)
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host()
        return host

    def wait_needed(self, url: str) -> float:
        return max(0.0, self._host(url).next_at - self._clock())

    def skipped(self, url: str) -> bool:
        """True when the host asked us to stay away longer than this run should wait."""
        return self.wait_needed(url) > self.max_wait

    async def turn(self, url: str) -> None:
        """Wait for this host's next slot and claim it."""
        host = self._host(url)
        async with host.lock:
            wait = host.next_at - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            host.next_at = self._clock() + self.delay
            host.requests += 1

    def penalize(self, url: str, seconds: float) -> None:
        host = self._host(url)
        host.next_at = max(host.next_at, self._clock() + seconds)

    def request_counts(self) -> dict[str, int]:
        return {name: h.requests for name, h in self._hosts.items()}
