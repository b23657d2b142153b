"""The review web app: ``create_app(settings, store)`` builds it; ``mediawatch serve`` runs it.

Server-rendered pages (Flask + jinja2, autoescaped), a little CSS and no script of consequence. Security
choices (docs/review.md): argon2id passwords, server-side sessions behind an HttpOnly SameSite=Lax
cookie (Secure over TLS), a CSRF token on every form, a login rate limit, strict CSP, sandboxed previews,
and the client's address and scheme taken from ``X-Forwarded-*`` only behind a trusted proxy.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Flask, current_app, request
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.wrappers import Response

from mediawatch.config import Settings, base_url_unset
from mediawatch.errors import ConfigError
from mediawatch.review.links import secret_key
from mediawatch.store import Store
from mediawatch.web import (
    auth,
    base,
    correspondents,
    dashboard,
    icons,
    issues,
    items,
    preview,
    public,
    stories,
    watch,
    watch_feeds,
    watch_page,
    watches,
)
from mediawatch.web.proxy import TrustedProxies, parse_networks

MAX_FORM_BYTES = 1024 * 1024  # a summary is a few hundred characters; nothing legitimate comes near


def create_app(settings: Settings, store: Store, *, listening: str = "") -> Flask:
    """The app on ``store``. ``listening`` is the address `serve` listens on (``http://127.0.0.1:8611``):
    while ``base_url`` is unset, the links the app makes (preview links, watches' feeds) point there."""
    trial = base_url_unset(settings.base_url)
    if trial and listening:
        settings = replace(settings, base_url=listening)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="mediawatch_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure when the public URL is https; base.py also marks it Secure on any request that came over TLS.
        SESSION_COOKIE_SECURE=settings.base_url.lower().startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=base.SESSION_HOURS),
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["mediawatch"] = base.WebContext(settings=settings, store=store, trial=trial)
    base.install(app)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(400, lambda _e: _error(400, "web.error.bad_request"))
    app.register_error_handler(413, lambda _e: _error(413, "web.error.too_large"))
    app.register_error_handler(405, _method_not_allowed)
    app.register_error_handler(401, lambda _e: _error(401, "editor.error.signed_out"))
    app.register_error_handler(500, lambda _e: _error(500, "editor.error.internal"))
    app.register_error_handler(ConfigError, _config_error)

    # -- blueprints: each stage's pages; add one line per blueprint here ---------------------------------
    app.register_blueprint(auth.bp)
    app.register_blueprint(issues.bp)
    app.register_blueprint(items.bp)
    app.register_blueprint(preview.bp)
    app.register_blueprint(watch.bp)
    app.register_blueprint(watch_page.bp)  # the editors' home: the stream, search and filters; adding
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(watches.bp)  # saved watches: /watches, /watches/new
    app.register_blueprint(watch_feeds.bp)  # their Atom feeds at a secret address: /w/<key>.atom
    app.register_blueprint(correspondents.bp)  # correspondents' items (/submit, /submissions) and the queue
    app.register_blueprint(stories.bp)  # /stories/<id>: a story, its curation, pins and social posts
    app.register_blueprint(public.bp)  # subscribers' pages: subscribe, confirm, preferences, unsubscribe
    app.register_blueprint(icons.bp)  # /favicon.ico and /favicon.svg, for every page
    # -- end of blueprints ---------------------------------------------------------------------------------
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_networks(settings.trusted_proxies))  # type: ignore[method-assign]
    return app


def _error(status: int, key: str) -> Response:
    return base.error_page(status, base.tr(key))


def _not_found(_exc: Exception) -> Response:
    if public.is_public_path(request.path):
        return public.not_found()
    return _error(404, "web.error.not_found")


def _config_error(exc: ConfigError) -> Response:
    # A setting or a file the team edits (their taxonomy) is wrong: only the staff can fix it, so they are
    # told what, in their words; a visitor of the public pages gets the plain internal error, without paths.
    current_app.logger.error("configuration error on %s: %s", request.path, exc)
    if public.is_public_path(request.path) or base.current_user() is None:
        return _error(500, "editor.error.internal")
    return base.error_page(500, base.tr("editor.error.config", problem=exc.translated(base.ui_lang())))


def _method_not_allowed(exc: MethodNotAllowed) -> Response:
    response = _error(405, "editor.error.method")
    response.headers["Allow"] = ", ".join(exc.valid_methods or ())
    return response
