"""Log in, log out, and the interface language of the signed-in user."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from mediawatch.errors import Forbidden
from mediawatch.i18n import LANGUAGES
from mediawatch.review.users import authenticate
from mediawatch.review.workflow import Permission, localized, may
from mediawatch.web.base import (
    acting_user,
    any_role,
    current_user,
    home_page,
    login_required,
    open_session,
    safe_path,
    token_hash,
    ui_lang,
    web_store,
)

bp = Blueprint("auth", __name__)
CORRESPONDENT_PATHS = ("/submit", "/submissions")  # the pages a correspondent may be sent back to


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never //evil.example, /%09/evil.example or a line break) to go to next."""
    user = current_user()
    home = home_page(user) if user is not None else url_for("review.issues")
    path = safe_path(target)
    if user is not None and not may(user.role, Permission.VIEW) and not path.startswith(CORRESPONDENT_PATHS):
        return home  # a correspondent asked to sign in on an editors' page lands on their own
    return path or home


@bp.get("/login")
def login() -> str | Response:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return redirect(url_for("auth.login", next=request.args.get("next")))
    return render_template("login.html", next=request.args.get("next", ""), error="")


@bp.post("/login")
def login_post() -> tuple[str, int] | Response:
    name = request.form.get("name", "")
    password = request.form.get("password", "")
    remote = request.remote_addr or ""
    store = web_store()
    try:
        user = authenticate(store, name, password, remote)
    except Forbidden as exc:
        limited = exc.reason.key in ("review.login.rate_limited", "review.login.account_slowed")
        status = 429 if limited else 401
        page = render_template(
            "login.html", next=request.form.get("next", ""), error=localized(exc, ui_lang())
        )
        return page, status
    open_session(user)
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.post("/logout")
def logout() -> Response:
    sid = session.get("sid")
    if isinstance(sid, str):
        web_store().delete_session(token_hash(sid))
    session.clear()
    return redirect(url_for("auth.login"), code=303)


@bp.post("/me/language")
@login_required
@any_role
def set_language() -> Response:
    user = acting_user()
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        web_store().update_user(user.name, language=chosen)
    return redirect(_safe_next(request.form.get("next")), code=303)
