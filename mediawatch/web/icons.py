"""The site's icon, for every page of the app (staff and public) and for clients that ask for
``/favicon.ico`` without reading a page: without it every page load logged a 404.

Served here rather than by the static route: its type is set explicitly (Python's ``mimetypes`` does not
know ``.svg`` on every system) and it may be cached for a week, unlike ``app.css`` and ``app.js`` whose
address does not change when they do.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from werkzeug.wrappers import Response

bp = Blueprint("icons", __name__)

STATIC = Path(__file__).resolve().parent / "static"
MAX_AGE = 7 * 24 * 3600


def _icon(name: str, mimetype: str) -> Response:
    response = Response((STATIC / name).read_bytes(), mimetype=mimetype)
    # Set before the app's after-request hook, which marks a signed-in user's answers no-store
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@bp.get("/favicon.ico")
def ico() -> Response:
    return _icon("favicon.ico", "image/x-icon")


@bp.get("/favicon.svg")
def svg() -> Response:
    return _icon("favicon.svg", "image/svg+xml")
