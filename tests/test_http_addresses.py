"""The fetcher's address policy: private, loopback and reserved addresses refused by default, end to end
against real local servers and at the unit level.

127.0.0.1 plays the public internet (policy ``only_127_0_0_1``); 127.0.0.2 and every private range stay
refused; names are resolved by a static resolver so that no DNS query leaves the machine.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from hostile_server import HostileServer
from http_helpers import StaticResolver, get_error, only_127_0_0_1, run_get

from mediawatch.collect.netguard import (
    AddressRefused,
    GuardedResolver,
    address_problem,
    check_url_allowed,
    is_public_address,
    policy_for,
)
from mediawatch.config import Settings
from mediawatch.errors import FetchError
from mediawatch.types import FetchStatus


@pytest.fixture
def second_server(hostile_server: HostileServer) -> Iterator[HostileServer]:
    """A server on 127.0.0.2 with the same port as ``hostile_server``: a refused "internal" host."""
    with HostileServer(host="127.0.0.2", port=hostile_server.port) as server:
        yield server


# ---------------------------------------------------------------------------------------------------
# address policy, end to end


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433", "127.1", "0.0.0.0", "foo.localhost"],
)
def test_loopback_is_refused_by_default(hostile_server: HostileServer, host: str) -> None:
    error = get_error(f"http://{host}:{hostile_server.port}/feed.xml", Settings())
    assert error.status is FetchStatus.PRIVATE_ADDRESS
    assert "allow_private_addresses" in error.detail
    assert hostile_server.requests == []


def test_name_resolving_to_private_address_is_refused_at_connection_time(
    hostile_server: HostileServer,
) -> None:
    resolver = StaticResolver({"intranet.example": ["10.1.2.3", "192.168.0.7"]})
    error = get_error(f"http://intranet.example:{hostile_server.port}/", Settings(), resolver=resolver)
    assert error.status is FetchStatus.PRIVATE_ADDRESS
    assert "10.1.2.3" in error.detail
    assert "private address" in error.detail
    assert resolver.lookups == ["intranet.example"]


def test_redirect_to_refused_literal_address_never_connects(
    hostile_server: HostileServer, second_server: HostileServer
) -> None:
    target = second_server.url("/feed.xml")
    error = get_error(hostile_server.url(f"/redirect-to?url={target}"), Settings(), policy=only_127_0_0_1)
    assert error.status is FetchStatus.PRIVATE_ADDRESS
    assert error.http_status == 302
    assert "redirect" in error.detail
    assert "127.0.0.2" in error.detail
    assert error.url == hostile_server.url(f"/redirect-to?url={target}")
    assert second_server.requests == []
    assert run_get(target, Settings(), policy=lambda ip: True).status == 200  # it was reachable


def test_builtin_private_redirect_is_refused(hostile_server: HostileServer) -> None:
    error = get_error(hostile_server.url("/redirect-private"), Settings(), policy=only_127_0_0_1)
    assert error.status is FetchStatus.PRIVATE_ADDRESS
    assert "127.0.0.9" in error.detail


def test_redirect_to_name_resolving_to_refused_address_never_connects(
    hostile_server: HostileServer, second_server: HostileServer
) -> None:
    resolver = StaticResolver({"internal.example": ["127.0.0.2"]})
    target = f"http://internal.example:{second_server.port}/feed.xml"
    error = get_error(
        hostile_server.url(f"/redirect-to?url={target}"), Settings(), resolver=resolver, policy=only_127_0_0_1
    )
    assert error.status is FetchStatus.PRIVATE_ADDRESS
    assert "internal.example" in error.detail
    assert resolver.lookups == ["internal.example"]
    assert second_server.requests == []


def test_refused_addresses_are_dropped_from_a_mixed_answer(
    hostile_server: HostileServer, second_server: HostileServer
) -> None:
    resolver = StaticResolver({"mixed.example": ["127.0.0.2", "127.0.0.1"]})
    result = run_get(
        f"http://mixed.example:{hostile_server.port}/feed.xml",
        Settings(),
        resolver=resolver,
        policy=only_127_0_0_1,
    )
    assert result.status == 200
    assert len(hostile_server.requests) == 1
    assert second_server.requests == []


def test_dns_rebinding_is_caught_on_the_next_lookup(
    hostile_server: HostileServer, second_server: HostileServer
) -> None:
    resolver = StaticResolver({"rebind.example": [["127.0.0.1"], ["127.0.0.2"]]})
    url = f"http://rebind.example:{hostile_server.port}/feed.xml"
    assert run_get(url, Settings(), resolver=resolver, policy=only_127_0_0_1).status == 200
    error = get_error(url, Settings(), resolver=resolver, policy=only_127_0_0_1)
    assert error.status is FetchStatus.PRIVATE_ADDRESS
    assert resolver.lookups == ["rebind.example", "rebind.example"]
    assert second_server.requests == []


# ---------------------------------------------------------------------------------------------------
# address policy, unit level


@pytest.mark.parametrize(
    "ip",
    ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4007:80f::200e",
     "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"],
)  # fmt: skip
def test_public_addresses(ip: str) -> None:
    assert is_public_address(ip)
    assert address_problem(ip) is None


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("10.1.2.3", "private"),
        ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"), ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"), ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"), ("255.255.255.255", "reserved"), ("240.0.0.1", "reserved"),
        ("192.0.2.1", "documentation"), ("198.18.0.1", "benchmarking"), ("192.0.0.8", "IETF"),
        ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("fe80::1%eth0", "scoped"),
        ("fc00::1", "unique local"), ("fd12:3456::1", "unique local"), ("ff02::1", "multicast"),
        ("fec0::1", "site-local"), ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:10.0.0.1", "IPv4-mapped private"), ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
        ("64:ff9b::a00:1", "NAT64 private"), ("2002:a00:1::", "6to4 private"),
        ("2001:db8::1", "documentation"), ("2001::1", "IETF"), ("::7f00:1", "reserved"),
        ("not-an-ip", "not a numeric IP"), ("", "not a numeric"),
    ],
)  # fmt: skip
def test_non_public_addresses(ip: str, reason: str) -> None:
    assert not is_public_address(ip)
    problem = address_problem(ip)
    assert problem is not None
    assert reason in problem


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://[::1]:8080/", "http://2130706433/", "http://0x7f000001/", "http://127.1/",
     "http://0177.0.0.1/", "http://[::ffff:7f00:1]/", "https://169.254.169.254/latest/meta-data/",
     "http://LOCALHOST./", "http://a.b.localhost/", "http://0/", "http://[fe80::1%25eth0]/"],
)  # fmt: skip
def test_check_url_refuses_private_hosts(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        check_url_allowed(url, allow_private=False)
    assert caught.value.status is FetchStatus.PRIVATE_ADDRESS
    check_url_allowed(url, allow_private=True)  # allowed on request


@pytest.mark.parametrize("url", ["http://example.org/feed", "https://8.8.8.8/", "HTTPS://Example.ORG:8443/x"])
def test_check_url_accepts_public_hosts_and_names(url: str) -> None:
    check_url_allowed(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["ftp://example.org/", "file:///etc/passwd", "gopher://x/", "http:///nohost", "//x/"]
)
def test_check_url_refuses_other_schemes_even_when_private_is_allowed(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        check_url_allowed(url, allow_private=True)
    assert caught.value.status is FetchStatus.CONNECTION


def test_guarded_resolver_filters_and_refuses() -> None:
    table = {
        "mixed.example": ["10.0.0.5", "93.184.216.34", "::1", "2606:4700::1"],
        "inside.example": ["10.0.0.5", "fd00::5"],
        "empty.example": [],
    }

    async def go() -> None:
        guard = GuardedResolver(policy_for(False), StaticResolver(dict(table)))
        kept = await guard.resolve("mixed.example", 443)
        assert [r["host"] for r in kept] == ["93.184.216.34", "2606:4700::1"]
        assert all(r["port"] == 443 for r in kept)
        with pytest.raises(AddressRefused) as caught:
            await guard.resolve("inside.example", 80)
        assert caught.value.addresses == ["10.0.0.5", "fd00::5"]
        assert "private address" in caught.value.reason
        assert "unique local" in caught.value.reason
        with pytest.raises(AddressRefused, match="no address"):
            await guard.resolve("empty.example", 80)
        with pytest.raises(socket.gaierror):
            await guard.resolve("unknown.example", 80)

        permissive = GuardedResolver(policy_for(True), StaticResolver(dict(table)))
        assert len(await permissive.resolve("inside.example", 80)) == 2

    asyncio.run(go())


# ---------------------------------------------------------------------------------------------------
# malformed host names: a refusal with the reason, never the resolver's UnicodeError

MALFORMED_HOSTS = [
    ("https://www..lemonde.fr/planete/article.html", "empty label"),
    ("https://www..elpais.com/a", "empty label"),
    ("https://.example.org/", "empty label"),
    ("https://example.org../", "empty label"),
    ("https://" + "a" * 70 + ".org/", "longer than 63"),
    ("https://" + "abc." * 70 + "org/", "longer than 253"),
]


@pytest.mark.parametrize(("url", "why"), MALFORMED_HOSTS)
@pytest.mark.parametrize("allow_private", [False, True])
def test_check_url_refuses_malformed_host_names(url: str, why: str, allow_private: bool) -> None:
    with pytest.raises(FetchError) as caught:
        check_url_allowed(url, allow_private=allow_private)
    assert caught.value.status is FetchStatus.CONNECTION
    assert caught.value.detail.startswith("invalid URL: host ")
    assert why in caught.value.detail


@pytest.mark.parametrize(
    "url",
    ["https://example.org./", "https://bücher.de/", "https://" + "a" * 63 + ".org/", "https://xn--bcher-kva.de/",
     "http://under_score.example/", "http://[2606:4700::1]/"],
)  # fmt: skip
def test_well_formed_host_names_pass(url: str) -> None:
    check_url_allowed(url, allow_private=False)


@pytest.mark.parametrize(("url", "why"), MALFORMED_HOSTS[:2] + MALFORMED_HOSTS[4:5])
def test_the_fetcher_refuses_a_malformed_host_without_a_lookup(url: str, why: str) -> None:
    resolver = StaticResolver({})
    error = get_error(url, Settings(), resolver=resolver)
    assert error.status is FetchStatus.CONNECTION
    assert why in error.detail
    assert resolver.lookups == []


def test_a_lookup_that_cannot_encode_the_name_is_a_dns_failure() -> None:
    """Behind check_url, the last line: the resolver's UnicodeError (getaddrinfo's IDNA step) becomes the
    lookup failure aiohttp expects, so the fetcher records it instead of raising it."""
    idna_failure = UnicodeError("encoding with 'idna' codec failed (UnicodeError: label empty or too long)")
    resolver = StaticResolver({"www..example.org": idna_failure})

    async def go() -> None:
        guard = GuardedResolver(policy_for(False), resolver)
        with pytest.raises(socket.gaierror, match="not a valid host name: it has an empty label"):
            await guard.resolve("www..example.org", 443)

    asyncio.run(go())
