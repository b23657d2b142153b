"""The saved watches' Atom feeds, public at a secret address: ``/w/<feed_key>.atom``.

No session: a feed reader cannot sign in, so the address is the credential (``secrets.token_urlsafe``,
compared in constant time; ``mediawatch watches feed NAME --rotate`` replaces it). An unknown key is a
plain 404, the same answer as any other missing page.
"""

from __future__ import annotations

from flask import Blueprint, abort
from werkzeug.wrappers import Response

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.watch.feed import watch_atom
from mediawatch.watch.watches import feed_url, latest_stories, watch_for_key
from mediawatch.web.base import web_settings, web_store

bp = Blueprint("watch_feeds", __name__)

MAX_KEY = 64


@bp.get("/w/<key>.atom")
def feed(key: str) -> Response:
    if not key or len(key) > MAX_KEY:
        abort(404)
    store, settings = web_store(), web_settings()
    watch = watch_for_key(store, key)
    if watch is None:
        abort(404)
    found = latest_stories(store, watch, taxonomy_names(settings.taxonomy_dir))
    body = watch_atom(watch, found, settings, feed_url(settings, watch))
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
