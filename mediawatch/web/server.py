"""``mediawatch serve``: the web app on gunicorn, the production WSGI server (docs/design.md).

Each worker process opens its own database connections (a connection pool must not cross a fork) and
builds the app; the master only checks, before forking, that the app can be built at all, so a bad
setting is one clear message instead of workers dying in a loop.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from mediawatch.config import Settings, base_url_unset, database_url
from mediawatch.errors import ConfigError
from mediawatch.i18n import t, ui_language
from mediawatch.store import open_store
from mediawatch.web.app import create_app

WORKER_TIMEOUT = 120  # seconds: rendering a preview or hashing a password never comes near


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        self.listening = ""  # set once bound (when_ready), before the workers fork and load the app
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        store = open_store(database_url(self.settings.db))
        return create_app(self.settings, store, listening=self.listening)


def listening_url(address: str, port: int) -> str:
    """The URL of a server bound to ``address``:``port``, as a link: a wildcard address (every
    interface) is given as the loopback one, the only address sure to reach it."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(address, address)  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _check_address(host: str, port: int) -> None:
    """One translated message when the address cannot be listened on (gunicorn would retry for 5 s, then
    log in English). The socket is closed again: gunicorn binds its own."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _name, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError) as exc:  # UnicodeError: a host name the IDNA codec cannot encode
        raise ConfigError(
            t(
                "web.serve.cannot_listen",
                ui_language(),
                address=f"{host}:{port}",
                error=getattr(exc, "strerror", None) or str(exc),
            )
        ) from None


def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    workers: int,
    threads: int,
    on_ready: Callable[[str, str], None],
) -> None:
    """Serve until SIGINT/SIGTERM (gunicorn's graceful stop). ``on_ready`` gets the URL once listening,
    and the base URL of the app's links (``base_url``, or that address while it is unset)."""
    _check_address(host, port)
    store = open_store(database_url(settings.db))  # applies migrations once, before any worker starts
    try:
        create_app(settings, store)  # a missing secret key or a bad trusted_proxies fails here, once
    finally:
        store.close()

    def when_ready(server: Any) -> None:
        bound = server.LISTENERS[0].sock.getsockname()
        address = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        # Known only now (--port 0 picks one), and still before the workers fork: they inherit it.
        application.listening = listening_url(bound[0], bound[1])
        links = application.listening if base_url_unset(settings.base_url) else settings.base_url.strip()
        on_ready(f"http://{address}:{bound[1]}/", links)

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": [bind],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": 20,
        "loglevel": "warning",  # the serving line is ours; gunicorn speaks up on worker trouble only
        "accesslog": None,
        "errorlog": "-",
        "when_ready": when_ready,
        # The app decides which proxy to believe ([web] trusted_proxies); gunicorn believes none.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "proc_name": "mediawatch-serve",
    }
    application = _Gunicorn(settings, options)
    application.run()
