"""Shared pieces of the HTTP fetcher tests: the test settings, one-shot GET helpers and a static resolver
(name resolution injected, so no DNS query leaves the machine)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from mediawatch.collect.http import Fetcher, FetchResult
from mediawatch.collect.netguard import is_public_address
from mediawatch.config import Settings
from mediawatch.errors import FetchError

MiB = 1024 * 1024
LIMIT = MiB

# Patient on purpose: a loaded machine must not turn a local answer into a timeout; the timeout tests set
# their own small deadline against a server that never finishes.
BASE = Settings(
    allow_private_addresses=True,
    connect_timeout=60.0,
    read_timeout=60.0,
    total_timeout=120.0,
    max_redirects=5,
)


def run_get(
    url: str,
    settings: Settings = BASE,
    *,
    resolver: AbstractResolver | None = None,
    policy: Callable[[str], bool] | None = None,
    max_bytes: int = LIMIT,
    **kwargs: Any,
) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings, resolver=resolver, address_policy=policy) as fetcher:
            return await fetcher.get(url, max_bytes=max_bytes, **kwargs)

    return asyncio.run(go())


def get_error(url: str, settings: Settings = BASE, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as caught:
        run_get(url, settings, **kwargs)
    return caught.value


class StaticResolver(AbstractResolver):
    """Answers from a table instead of DNS.  A value is a list of addresses, a list of such lists
    (one per successive lookup: DNS rebinding), or an exception to raise."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.table = table
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        answer = self.table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if isinstance(answer, BaseException):
            raise answer
        if answer and isinstance(answer[0], list):
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        return [
            ResolveResult(
                hostname=host,
                host=ip,
                port=port,
                family=socket.AF_INET6 if ":" in ip else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for ip in answer
        ]

    async def close(self) -> None:
        pass


def only_127_0_0_1(ip: str) -> bool:
    """Test policy: 127.0.0.1 plays the public internet; everything non-public stays refused."""
    return ip == "127.0.0.1" or is_public_address(ip)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
