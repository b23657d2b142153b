"""The client's address and scheme, believed from a reverse proxy only when the proxy is trusted.

Behind nginx every connection comes from the proxy; the client's address is in ``X-Forwarded-For`` and the
scheme in ``X-Forwarded-Proto``. Anyone can send those headers, so werkzeug's ``ProxyFix`` is applied to a
request only when its immediate peer is in ``[web] trusted_proxies``; otherwise the headers are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

from mediawatch.errors import ConfigError
from mediawatch.i18n import t, ui_language

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"127.0.0.1, ::1, 10.0.0.0/8"`` -> networks; a clear error naming the bad entry."""
    networks: list[Network] = []
    for entry in (part.strip() for part in text.replace(";", ",").split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(t("web.proxy.bad_entry", ui_language(), entry=entry)) from None
    return tuple(networks)


def is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


class TrustedProxies:
    """WSGI middleware: ``ProxyFix`` (one hop: ``X-Forwarded-For`` and ``-Proto``) for trusted peers only."""

    def __init__(self, app: WSGIApplication, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        peer: Any = environ.get("REMOTE_ADDR", "")
        if self.networks and isinstance(peer, str) and is_trusted(peer, self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
