"""The saved watches' Atom feeds, public at a secret address: ``/w/<feed_key>.atom``.

No session: a feed reader cannot sign in, so the address is the credential (``secrets.token_urlsafe``,
compared in constant time; ``mediawatch watches feed NAME --rotate`` replaces it). An unknown key is a
plain 404, the same answer as any other missing page.

A team's taxonomy that cannot be read (the ``taxonomy_dir`` setting) leaves the feeds whose filters name a
theme or an objective without them: each answers 503 with one sentence in the reader's language, and the
cause goes to the server's log once, for the administrator who can fix it (docs/design.md). A watch that
names neither keeps its feed.
"""

from __future__ import annotations

import logging
import threading

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from mediawatch.classify.vocabulary import TaxonomyNames
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES, t
from mediawatch.store.watches import Watch
from mediawatch.watch.feed import watch_atom
from mediawatch.watch.watches import feed_url, latest_stories, names_for, watch_for_key
from mediawatch.web.base import web_settings, web_store

bp = Blueprint("watch_feeds", __name__)
log = logging.getLogger("mediawatch.web")

MAX_KEY = 64
RETRY_AFTER = 3600  # seconds: a person must edit the taxonomy first, so an hour is soon enough to ask again

# The causes already logged by this process: a feed reader asks every few minutes, and one line per cause
# says it all; a different cause (a second mistake after the first fix) is logged in its turn.
_told: set[tuple[str, str]] = set()
_told_lock = threading.Lock()


@bp.get("/w/<key>.atom")
def feed(key: str) -> Response:
    if not key or len(key) > MAX_KEY:
        abort(404)
    store, settings = web_store(), web_settings()
    watch = watch_for_key(store, key)
    if watch is None:
        abort(404)
    try:
        names: TaxonomyNames = names_for(watch.filters, settings.taxonomy_dir)
    except ConfigError as exc:
        return _unavailable(watch, exc)
    found = latest_stories(store, watch, names)
    body = watch_atom(watch, found, settings, feed_url(settings, watch))
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def log_once(what: str, exc: ConfigError) -> None:
    """``what`` (a %s for the cause) in the log, once per cause and process: a feed reader asks every few
    minutes and the staff open their pages all day, and one line per cause says it all."""
    cause = str(exc)
    with _told_lock:
        first = (what, cause) not in _told
        _told.add((what, cause))
    if first:
        log.error(what, cause)


def _unavailable(watch: Watch, exc: ConfigError) -> Response:
    """503 in the reader's language (their reader's Accept-Language, else the watch's): it names no path of
    the server, as anyone holding the address reads it; the log has the cause."""
    log_once("saved watches' feeds answer 503: the taxonomy cannot be read: %s", exc)
    lang = request.accept_languages.best_match(LANGUAGES) or watch.language
    response = Response(t("watches.feed.unavailable", lang) + "\n", status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
