"""Per-host politeness and robots.txt rules shared by every worker through Redis.

The pacer keeps one key per host (and per address the host's name resolved to, as ``HostPacer`` does)
holding the earliest time of its next request, on the Redis server's clock so that machines whose clocks
differ still agree. A turn is claimed by one atomic script (check the host is free, mark it busy for
``delay``), so no worker holds a lock while it waits and a dead worker holds nothing.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Iterable
from typing import Any

import redis

from mediawatch.collect.politeness import HostPacer, host_of
from mediawatch.errors import FetchError
from mediawatch.types import FetchStatus

_PREFIX = "mediawatch:pace:"
# How long a host's pace is remembered after its last request: longer than any delay or Retry-After.
_PACE_TTL_S = 24 * 3600
# Spreads the wake-ups of workers waiting for one host, so they do not all ask Redis at the same instant.
_JITTER_S = 0.01

# KEYS: the host's keys. ARGV: delay, longest acceptable wait, 1 to claim a free turn (0: only look), TTL.
# Returns {1, 0} when the turn is free (and claimed), {2, wait} when the host is busy for ``wait`` more
# seconds, {0, wait} when that is longer than acceptable. The wait is a string: Lua numbers would be
# truncated to integers on the way out.
_TURN = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local next_at = 0
for _, key in ipairs(KEYS) do
  local at = tonumber(redis.call('GET', key) or '0')
  if at > next_at then next_at = at end
end
if next_at > t then
  local wait = next_at - t
  if wait > tonumber(ARGV[2]) then return {0, tostring(wait)} end
  return {2, tostring(wait)}
end
if ARGV[3] == '1' then
  for _, key in ipairs(KEYS) do
    redis.call('SET', key, tostring(t + tonumber(ARGV[1])), 'EX', tonumber(ARGV[4]))
  end
end
return {1, '0'}
"""

# KEYS: the host's keys. ARGV: seconds of penalty, TTL. Pushes each key's next slot back, never forward.
_PENALIZE = """
local now = redis.call('TIME')
local until_ = tonumber(now[1]) + tonumber(now[2]) / 1000000 + tonumber(ARGV[1])
for _, key in ipairs(KEYS) do
  local next_at = tonumber(redis.call('GET', key) or '0')
  if until_ > next_at then redis.call('SET', key, tostring(until_), 'EX', tonumber(ARGV[2])) end
end
return 1
"""


class RedisPacer(HostPacer):
    """``HostPacer``'s rules, with the hosts' next slots kept in Redis for every worker on every machine."""

    def __init__(
        self,
        client: redis.Redis,
        delay: float,
        *,
        max_wait: float = 600.0,
        addresses_of: Callable[[str], Iterable[str]] | None = None,
    ) -> None:
        if addresses_of is None:
            super().__init__(delay, max_wait=max_wait)
        else:
            super().__init__(delay, max_wait=max_wait, addresses_of=addresses_of)
        self._turn = client.register_script(_TURN)
        self._penalize = client.register_script(_PENALIZE)

    def _redis_keys(self, url: str) -> list[str]:
        return [_PREFIX + key for key in self._keys(url)]

    def _ask(self, url: str, limit: float, claim: bool) -> tuple[int, float]:
        """(1: the turn is ours / 2: busy / 0: busy too long, seconds until the host is free)."""
        args = [self.delay, limit, "1" if claim else "0", _PACE_TTL_S]
        answer, wait = self._turn(keys=self._redis_keys(url), args=args)
        return int(answer), float(wait.decode() if isinstance(wait, bytes) else wait)

    def wait_needed(self, url: str) -> float:
        return self._ask(url, 1e18, claim=False)[1]

    async def turn(self, url: str, *, max_wait: float | None = None) -> None:
        """Wait until the host is free and claim it, measured on the Redis server's clock.

        A turn is claimed only when it is free, never booked ahead: a worker that wakes late (a busy
        machine) then delays the next one instead of two requests going out together.
        """
        limit = self.max_wait if max_wait is None else max_wait
        while True:
            answer, wait = await asyncio.to_thread(self._ask, url, limit, True)
            if answer == 1:
                return
            if answer == 0:
                raise FetchError(
                    url,
                    FetchStatus.RATE_LIMITED,
                    f"{host_of(url)} asked to wait {wait:.0f} s more (Retry-After or a penalty), "
                    f"longer than this request may wait ({limit:g} s): deferred to a later run",
                )
            # Another worker may claim the turn first: then we wait for the one after it.
            await asyncio.sleep(wait + random.uniform(0, _JITTER_S))

    def penalize(self, url: str, seconds: float) -> None:
        self._penalize(keys=self._redis_keys(url), args=[seconds, _PACE_TTL_S])


_ROBOTS_PREFIX = "mediawatch:robots:"


class SharedRobots:
    """robots.txt answers cached in Redis for ``ttl`` seconds, so all workers fetch it once per host.

    An unavailable robots.txt is cached too (as its error), for a shorter time: the pages wait for a later
    run, as in one process.
    """

    def __init__(self, client: redis.Redis, ttl: float, retry_ttl: float) -> None:
        self._client = client
        self._ttl = max(1, int(ttl))
        self._retry_ttl = max(1, int(retry_ttl))

    def get(self, url: str) -> tuple[int, bytes] | FetchError | None:
        raw = self._client.get(_ROBOTS_PREFIX + url)
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)
        if "error" in data:
            return FetchError(url, FetchStatus(data["error"]), data["detail"])
        return int(data["status"]), bytes.fromhex(data["body"])

    def put(self, url: str, answer: tuple[int, bytes] | FetchError) -> None:
        if isinstance(answer, FetchError):
            data: dict[str, object] = {"error": answer.status.value, "detail": answer.detail}
            self._client.set(_ROBOTS_PREFIX + url, json.dumps(data), ex=self._retry_ttl)
        else:
            data = {"status": answer[0], "body": answer[1].hex()}
            self._client.set(_ROBOTS_PREFIX + url, json.dumps(data), ex=self._ttl)
