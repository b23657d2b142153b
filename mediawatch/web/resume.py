"""A form posted after the session ended is kept, not lost: sign in again on the spot and it goes through.

Without this, a POST whose session had expired (12 hours, a logout in another tab, a new password) was
redirected to the login page, the browser then asked for the POST-only URL with GET, and the editor got
"405 Method Not Allowed" with their text gone. Now :func:`base.login_required` answers such a POST with
this page (401): what was typed, in fields the user can still correct, and a sign-in. That form posts back
to the same URL; the credentials are checked there, a new session opens, and the original view runs on
the same request, so the save (or the refusal, with its reason) happens exactly as it would have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from werkzeug.wrappers import Response

from mediawatch.errors import Forbidden
from mediawatch.review.users import authenticate
from mediawatch.review.workflow import localized
from mediawatch.web.base import CSRF_FIELD, open_session, ui_lang, web_store

NAME_FIELD = "reauth_name"
PASSWORD_FIELD = "reauth_password"  # noqa: S105 - a form field's name

# Fields a person typed, shown as editable text on the page; every other field rides along hidden.
# Literal keys (the template key test reads them).
TEXT_FIELDS = {
    "title": "editor.field.title",
    "summary": "editor.field.summary",
    "body": "editor.field.body",
    "link": "editor.field.link",
    "note": "editor.field.note",
    "when": "editor.field.when",
}


def _kept_fields() -> list[tuple[str, str]]:
    skip = {CSRF_FIELD, NAME_FIELD, PASSWORD_FIELD}
    return [(k, v) for k, values in request.form.lists() if k not in skip for v in values]


def _page(error: str) -> Response:
    from flask import current_app

    fields = _kept_fields()
    body = render_template(
        "resume.html",
        action=request.full_path.rstrip("?"),
        texts=[(k, v, TEXT_FIELDS[k]) for k, v in fields if k in TEXT_FIELDS],
        hidden=[(k, v) for k, v in fields if k not in TEXT_FIELDS],
        name_field=NAME_FIELD,
        password_field=PASSWORD_FIELD,
        error=error,
    )
    return current_app.make_response((body, 401))


def signed_out_post(view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """A state-changing request without a live session: keep the form and offer to sign in again."""
    name = request.form.get(NAME_FIELD)
    if name is None:
        return _page("")
    try:
        user = authenticate(
            web_store(), name, request.form.get(PASSWORD_FIELD, ""), request.remote_addr or ""
        )
    except Forbidden as exc:
        return _page(localized(exc, ui_lang()))
    open_session(user)
    return view(*args, **kwargs)
