"""Previews of an edition exactly as it will be emailed: for signed-in users, and by signed link.

The email's HTML is served on its own URL with a ``sandbox`` Content-Security-Policy and shown in a
sandboxed iframe: no script runs, it has no access to the app's origin or cookies, it cannot submit a
form. Article titles and summaries come from the web and are hostile; rendering escapes them, and the
sandbox is the second wall.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from mediawatch.errors import Forbidden, MediawatchError, Refused, RenderError
from mediawatch.i18n import language_name
from mediawatch.render.edition import failed_checks
from mediawatch.review.actions import render_now, template_languages
from mediawatch.review.links import open_shared, revoke_share_link, share_links
from mediawatch.review.workflow import Permission, localized
from mediawatch.web.base import (
    IFRAME_SANDBOX,
    acting_user,
    error_page,
    login_required,
    permission_required,
    tr,
    ui_lang,
    web_settings,
    web_store,
    words_list,
)

bp = Blueprint("preview", __name__)

EMAIL_CSP = (
    f"sandbox {IFRAME_SANDBOX}; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
    "font-src https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _email_response(issue_id: int, lang: str) -> Response:
    store, settings = web_store(), web_settings()
    try:
        content = store.issue_content(issue_id)
    except MediawatchError:
        abort(404)
    if lang not in content.issue.languages:
        abort(404)
    try:
        rendered, _fingerprint = render_now(content, lang, settings)
        body, status = rendered.html, 200
    except RenderError as exc:
        # Under the page's "This edition cannot be rendered", a refusal by the checks gives its clause
        # alone ("2 checks fail: ..."): its whole sentence would say it again.
        failed, known = failed_checks(exc), template_languages(exc)
        if failed is not None:
            why = failed.text(ui_lang())
        elif known is not None:
            why = tr("web.preview.templates_in", known=words_list(_names(known), ui_lang()))
        else:
            why = exc.translated(ui_lang())
        body, status = render_template("render_error.html", error=why), 422
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = EMAIL_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/issues/<int:issue_id>/editions/<lang>/preview")
@login_required
def edition(issue_id: int, lang: str) -> Response:
    return _email_response(issue_id, lang)


def _shared_headers(response: Response) -> Response:
    """A shared link is a secret: the page is never stored by a cache, indexed, or named in a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/p/<token>")
def public(token: str) -> Response:
    """A read-only page for someone without an account, while the signed link is valid and not revoked."""
    try:
        grant = open_shared(web_store(), web_settings(), token)
        issue = web_store().issue_content(grant.issue_id).issue
    except Forbidden as exc:
        return _shared_headers(error_page(403, localized(exc, ui_lang())))
    except MediawatchError:
        abort(404)
    page = render_template(
        "shared_preview.html", issue=issue, grant=grant, token=token, sandbox=IFRAME_SANDBOX
    )
    return _shared_headers(Response(page, content_type="text/html; charset=utf-8"))


@bp.get("/p/<token>/html")
def public_html(token: str) -> Response:
    try:
        grant = open_shared(web_store(), web_settings(), token)
    except Forbidden as exc:
        return _shared_headers(error_page(403, localized(exc, ui_lang())))
    return _shared_headers(_email_response(grant.issue_id, grant.language))


# -- the links of an issue: list and revoke --------------------------------------------------------------
@bp.get("/issues/<int:issue_id>/links")
@permission_required(Permission.EDIT)
def links(issue_id: int) -> str:
    try:
        issue = web_store().issue_content(issue_id).issue
    except MediawatchError:
        abort(404)
    return render_template(
        "shared_links.html",
        issue=issue,
        links=share_links(web_store(), issue_id),
        now=datetime.now(UTC),
    )


@bp.post("/issues/<int:issue_id>/links/<link_id>/revoke")
@permission_required(Permission.EDIT)
def revoke(issue_id: int, link_id: str) -> Response:
    try:
        web_store().issue_content(issue_id)
    except MediawatchError:
        abort(404)
    try:
        revoke_share_link(web_store(), issue_id, link_id, acting_user().name)
    except Refused as exc:
        flash(localized(exc, ui_lang()), "error")
    else:
        flash(tr("web.links.revoked"), "ok")
    return redirect(url_for("preview.links", issue_id=issue_id), code=303)


def render_refusal(error: RenderError) -> str:
    """Why an edition cannot be rendered, as the issue page says it: "This edition cannot be rendered
    because 2 checks fail: ...", or "This edition cannot be rendered: " before any other refusal."""
    failed, known = failed_checks(error), template_languages(error)
    if failed is not None:
        return tr("web.preview.cannot_render_checks", failed=failed.text(ui_lang()))
    if known is not None:  # render's own sentence would say "cannot render" again
        return tr("web.preview.cannot_render_templates", known=words_list(_names(known), ui_lang()))
    return f"{tr('web.text.colon', label=tr('web.preview.cannot_render'))} {error.translated(ui_lang())}"


def _names(codes: tuple[str, ...]) -> list[str]:
    return [language_name(code, ui_lang()) for code in codes]
