"""Address policy: which hosts the collector may connect to.

Feeds, redirects and article links come from the web, so a URL may point at the machine running
mediawatch (``http://127.0.0.1:5432/``), at the local network, or at a cloud metadata service
(``http://169.254.169.254/``).  Unless ``Settings.allow_private_addresses`` is set, only globally
routable unicast addresses are allowed.

The policy is enforced in two places, both at connection time, so neither DNS rebinding (a name that
resolves to a public address when checked and a private one when used) nor a redirect can get around it:

* :func:`check_url_allowed` refuses bad schemes, malformed host names (an empty or over-long label,
  which would make the lookup itself raise), ``localhost`` names and literal IP hosts (including
  legacy numeric IPv4 forms such as ``http://2130706433/``).  The fetcher calls it before every hop.
  It never resolves names.
* :class:`GuardedResolver` is the aiohttp resolver of the fetcher's connector: it drops every
  resolved address the policy refuses and fails when none is left, so a name is checked on each
  lookup, right before the socket is opened to the address it produced.

Embedded IPv4 addresses are unwrapped before judging (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
``64:ff9b::a.b.c.d``, 6to4 ``2002:AABB:CCDD::``), so ``::ffff:127.0.0.1`` counts as loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Final

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from mediawatch.errors import FetchError
from mediawatch.identity import host_problem
from mediawatch.types import FetchStatus

AddressPolicy = Callable[[str], bool]
"""Takes a numeric IP address (as text) and answers whether connecting to it is allowed."""

ALLOWED_SCHEMES: Final = frozenset({"http", "https"})

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Special-purpose ranges (IANA registries), with the reason shown to the user.
_V4_BLOCKED: Final[tuple[tuple[_V4, str], ...]] = (
    (_V4("0.0.0.0/8"), "'this network' address (unspecified)"),
    (_V4("10.0.0.0/8"), "private address"),
    (_V4("100.64.0.0/10"), "shared address space (carrier-grade NAT)"),
    (_V4("127.0.0.0/8"), "loopback address"),
    (_V4("169.254.0.0/16"), "link-local address"),
    (_V4("172.16.0.0/12"), "private address"),
    (_V4("192.0.0.0/24"), "IETF protocol assignment"),
    (_V4("192.0.2.0/24"), "documentation address"),
    (_V4("192.88.99.0/24"), "6to4 relay anycast address"),
    (_V4("192.168.0.0/16"), "private address"),
    (_V4("198.18.0.0/15"), "benchmarking address"),
    (_V4("198.51.100.0/24"), "documentation address"),
    (_V4("203.0.113.0/24"), "documentation address"),
    (_V4("224.0.0.0/4"), "multicast address"),
    (_V4("240.0.0.0/4"), "reserved address"),
)

_V6_GLOBAL_UNICAST: Final = _V6("2000::/3")
_V6_MAPPED: Final = _V6("::ffff:0:0/96")
_V6_NAT64: Final = _V6("64:ff9b::/96")
_V6_6TO4: Final = _V6("2002::/16")
_V6_BLOCKED: Final[tuple[tuple[_V6, str], ...]] = (
    (_V6("::/128"), "unspecified address"),
    (_V6("::1/128"), "loopback address"),
    (_V6("64:ff9b:1::/48"), "local-use NAT64 address"),
    (_V6("100::/64"), "discard-only address"),
    (_V6("2001::/23"), "IETF protocol assignment (Teredo, ORCHID, ...)"),
    (_V6("2001:db8::/32"), "documentation address"),
    (_V6("3fff::/20"), "documentation address"),
    (_V6("5f00::/16"), "segment-routing address"),
    (_V6("fc00::/7"), "unique local (private) address"),
    (_V6("fe80::/10"), "link-local address"),
    (_V6("fec0::/10"), "site-local address"),
    (_V6("ff00::/8"), "multicast address"),
)

_LOCALHOST_NAMES: Final = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


# Not in errors.py: it must be an OSError for aiohttp's resolver path; the fetcher turns it into a FetchError.
class AddressRefused(OSError):
    """Every address a name resolved to is refused by the policy.

    An ``OSError`` on purpose: aiohttp treats resolver failures that way and keeps the original
    exception as the cause, where the fetcher finds it.
    """

    def __init__(self, host: str, addresses: list[str], reason: str) -> None:
        self.host = host
        self.addresses = addresses
        self.reason = reason
        super().__init__(f"{host} resolves only to refused addresses: {reason}")


def _parse(ip: str) -> _IPAddress | None:
    text = ip.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _v4_problem(addr: ipaddress.IPv4Address) -> str | None:
    for network, reason in _V4_BLOCKED:
        if addr in network:
            return reason
    if not addr.is_global:  # the standard library may know newer ranges than the table above
        return "address that is not globally routable"
    return None


def _v6_problem(addr: ipaddress.IPv6Address) -> str | None:
    if addr.scope_id:
        return "scoped (link-local) address"
    embedded: ipaddress.IPv4Address | None = None
    kind = ""
    if addr in _V6_MAPPED:
        embedded, kind = addr.ipv4_mapped, "IPv4-mapped"
    elif addr in _V6_NAT64:
        embedded, kind = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF), "NAT64"
    elif addr in _V6_6TO4:
        embedded, kind = addr.sixtofour, "6to4"
    if embedded is not None:
        problem = _v4_problem(embedded)
        return f"{kind} {problem} ({embedded})" if problem else None
    for network, reason in _V6_BLOCKED:
        if addr in network:
            return reason
    if addr not in _V6_GLOBAL_UNICAST:
        return "reserved address"
    if not addr.is_global:
        return "address that is not globally routable"
    return None


def address_problem(ip: str) -> str | None:
    """Why ``ip`` may not be contacted ("loopback address", ...), or None when it is public."""
    addr = _parse(ip)
    if addr is None:
        return "not a numeric IP address"
    if isinstance(addr, ipaddress.IPv4Address):
        return _v4_problem(addr)
    return _v6_problem(addr)


def is_public_address(ip: str) -> bool:
    """True when ``ip`` (numeric IPv4 or IPv6 text) is a globally routable unicast address."""
    return address_problem(ip) is None


def policy_for(allow_private: bool) -> AddressPolicy:
    """The address policy matching ``Settings.allow_private_addresses``."""
    if allow_private:
        return _allow_all
    return is_public_address


def _allow_all(ip: str) -> bool:
    return True


def _describe_refusal(ip: str) -> str:
    return address_problem(ip) or "refused by the address policy"


def literal_address(host: str) -> str | None:
    """The numeric address a URL host denotes without DNS, or None for a name."""
    parsed = _parse(host)
    if parsed is not None:
        return str(parsed)
    # Legacy IPv4 spellings that socket functions accept: 2130706433, 0x7f.1, 127.1, 0177.0.0.1 ...
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and host[0].isdigit():
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _is_localhost_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name in _LOCALHOST_NAMES or name.endswith(".localhost")


def check_url(url: str, policy: AddressPolicy) -> None:
    """Raise :class:`FetchError` unless ``url`` is http(s) with a host the policy may accept.

    Bad URLs, schemes and host names give ``FetchStatus.CONNECTION``; refused hosts give
    ``FetchStatus.PRIVATE_ADDRESS``.  Names other than ``localhost`` pass: they are checked when
    resolved, by :class:`GuardedResolver`.
    """
    try:
        parsed = URL(url)
        host = parsed.host
    except (ValueError, TypeError) as exc:
        raise FetchError(url, FetchStatus.CONNECTION, f"invalid URL: {exc}") from None
    scheme = parsed.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        what = f"unsupported URL scheme {scheme!r}" if scheme else "URL without a scheme"
        raise FetchError(url, FetchStatus.CONNECTION, f"{what}: only http and https are fetched")
    if not host:
        raise FetchError(url, FetchStatus.CONNECTION, "invalid URL: it has no host")
    bad_host = host_problem(host)
    if bad_host:
        raise FetchError(url, FetchStatus.CONNECTION, f"invalid URL: host {host[:80]!r}: {bad_host}")
    if policy is _allow_all:
        return
    literal = literal_address(host)
    if literal is not None:
        if not policy(literal):
            raise FetchError(
                url,
                FetchStatus.PRIVATE_ADDRESS,
                f"will not connect to {literal}: {_describe_refusal(literal)}"
                " (allow_private_addresses is off)",
            )
    elif _is_localhost_name(host) and not policy("127.0.0.1"):
        raise FetchError(
            url,
            FetchStatus.PRIVATE_ADDRESS,
            f"will not connect to {host!r}: it names the local machine (allow_private_addresses is off)",
        )


def check_url_allowed(url: str, allow_private: bool) -> None:
    """:func:`check_url` with the policy of ``Settings.allow_private_addresses``."""
    check_url(url, policy_for(allow_private))


class GuardedResolver(AbstractResolver):
    """Wraps a resolver and drops the addresses ``policy`` refuses; fails when none is left.

    ``inner`` defaults to aiohttp's default resolver, created on first use (it needs a running loop).
    """

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner
        self.addresses: dict[str, tuple[str, ...]] = {}  # name -> addresses last kept, for the pacer

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            self._inner = DefaultResolver()
        try:
            results = await self._inner.resolve(host, port, family)
        except UnicodeError as exc:
            # getaddrinfo's IDNA encoding failed (check_url refuses such names first; this is the last
            # line): a name that cannot be looked up, which aiohttp reports as a DNS failure.
            why = host_problem(host) or str(exc)
            raise socket.gaierror(socket.EAI_NONAME, f"not a valid host name: {why}") from exc
        kept = [result for result in results if self._policy is _allow_all or self._policy(result["host"])]
        if not kept:
            addresses = [result["host"] for result in results]
            if addresses:
                reason = ", ".join(f"{a} ({_describe_refusal(a)})" for a in addresses)
            else:
                reason = "no address at all"
            raise AddressRefused(host, addresses, reason)
        if len(self.addresses) < 100_000:
            self.addresses[host.lower()] = tuple(sorted({str(result["host"]) for result in kept}))
        return kept

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
