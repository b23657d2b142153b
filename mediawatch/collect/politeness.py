"""Per-host politeness shared by feed and article requests.

One pacer per run: every request to a host waits its turn, at least ``delay`` seconds after the previous
request to that host started; a 429/503 pushes the host's next turn back by Retry-After (or the penalty
delay), and a host that asks for longer than ``max_wait`` is skipped for the rest of the run.

A host is known by every name it goes by: an IP literal in any spelling (``127.0.0.28``, ``0x7f00001c``,
``2130706460``) is one key, and once a name has been resolved (``addresses_of``, fed by the fetcher's
resolver) its requests also take turns on each of its addresses, so two names of one server share its
pace.  A Retry-After holds for the whole host until it expires: a request that was already waiting when
the penalty came waits again instead of claiming a slot computed before it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mediawatch.collect.netguard import literal_address
from mediawatch.errors import FetchError
from mediawatch.types import FetchStatus


def _name_and_port(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "", ""
    name = (parts.hostname or "").lower()
    name = literal_address(name) or name
    return (f"[{name}]" if ":" in name else name), (f":{port}" if port else "")


def host_of(url: str) -> str:
    """The pacing key of a URL's host: the canonical address for an IP literal, else the name."""
    name, port = _name_and_port(url)
    return name + port


def _no_addresses(name: str) -> Iterable[str]:
    return ()


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
        addresses_of: Callable[[str], Iterable[str]] = _no_addresses,
    ) -> None:
        self.delay = delay
        self.max_wait = max_wait
        self._clock = clock
        self._addresses_of = addresses_of
        self._hosts: dict[str, _Host] = {}

    def _keys(self, url: str) -> list[str]:
        """The host's own key first, then one per address its name is known to resolve to."""
        name, port = _name_and_port(url)
        extra = {f"[{a}]{port}" if ":" in a else f"{a}{port}" for a in self._addresses_of(name)}
        extra.discard(name + port)
        return [name + port, *sorted(extra)]

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host()
        return host

    def wait_needed(self, url: str) -> float:
        now = self._clock()
        return max(0.0, *(self._host(key).next_at - now for key in self._keys(url)))

    def skipped(self, url: str) -> bool:
        """True when the host asked us to stay away longer than this run should wait."""
        return self.wait_needed(url) > self.max_wait

    async def turn(self, url: str, *, max_wait: float | None = None) -> None:
        """Wait for this host's next slot and claim it.

        Raises FetchError(RATE_LIMITED) when the host asked to be left alone for longer than
        ``max_wait`` (the pacer's own by default): the caller defers the request to a later run.
        """
        limit = self.max_wait if max_wait is None else max_wait
        keys = self._keys(url)
        hosts = [self._host(key) for key in keys]
        for key in sorted(keys):  # one order everywhere, so two turns never hold each other's lock
            await self._host(key).lock.acquire()
        try:
            while (wait := max(h.next_at for h in hosts) - self._clock()) > 0:
                if wait > limit:
                    raise FetchError(
                        url,
                        FetchStatus.RATE_LIMITED,
                        f"{host_of(url)} asked to wait {wait:.0f} s more (Retry-After or a penalty), "
                        f"longer than this request may wait ({limit:g} s): deferred to a later run",
                    )
                await asyncio.sleep(wait)  # a penalty that arrives meanwhile is seen on the next check
            now = self._clock()
            for host in hosts:
                host.next_at = max(host.next_at, now + self.delay)
            hosts[0].requests += 1
        finally:
            for host in reversed(hosts):
                host.lock.release()

    def penalize(self, url: str, seconds: float) -> None:
        until = self._clock() + seconds
        for key in self._keys(url):
            host = self._host(key)
            host.next_at = max(host.next_at, until)

    def request_counts(self) -> dict[str, int]:
        return {name: h.requests for name, h in self._hosts.items() if h.requests}
