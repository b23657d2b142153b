"""Regional correspondents' pages (send an item, see what became of one's items) and the editors' queue
of those items (accept or dismiss), with the count of waiting items in the navigation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediawatch.compose.issues import archive_year
from mediawatch.errors import FieldError, MediawatchError
from mediawatch.i18n import language_name, number
from mediawatch.i18n.regions import region_name
from mediawatch.render.model import edition_path
from mediawatch.review.workflow import Permission, localized, may
from mediawatch.store.submissions import Submission, SubmissionStatus, SubmissionUse
from mediawatch.types import IssueState, Region
from mediawatch.watch.add_fields import ADDABLE_LANGUAGES, relabelled
from mediawatch.watch.submissions import (
    MAX_NOTE,
    MAX_OUTLET,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
    SentItem,
    failure_text,
    review,
    send_item,
)
from mediawatch.web.base import (
    acting_user,
    current_user,
    permission_required,
    tr,
    ui_lang,
    web_settings,
    web_store,
)
from mediawatch.web.issues import placed_messages, say

bp = Blueprint("correspondents", __name__)

# Literal keys (the i18n scans read them): an item's state in words.
STATUS_KEYS = {
    SubmissionStatus.RECEIVED: "correspondents.status.received",
    SubmissionStatus.ADDED: "correspondents.status.added",
    SubmissionStatus.FAILED: "correspondents.status.failed",
    SubmissionStatus.DISMISSED: "correspondents.status.dismissed",
}
FIELDS = ("url", "title", "text", "language", "region", "outlet", "note")
# A problem beside a field names it as its label does (literal keys, so the i18n scans see them).
LABEL_KEYS = {
    "url": "correspondents.field.url",
    "title": "correspondents.field.title",
    "text": "correspondents.field.text",
    "language": "correspondents.field.language",
    "region": "correspondents.field.region",
    "outlet": "correspondents.field.outlet",
    "note": "correspondents.field.note",
    "as": "correspondents.field.as",
}
LIMITS = {"url": MAX_URL, "title": MAX_TITLE, "text": MAX_TEXT, "outlet": MAX_OUTLET, "note": MAX_NOTE}


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    """The queue's count for the navigation, asked only when a page draws it for an editor."""

    def queue_waiting() -> int:
        user = current_user()
        return web_store().waiting_submissions() if user and may(user.role, Permission.VIEW) else 0

    return {"queue_waiting": queue_waiting}


def _region_said(code: str) -> str:
    """A sent item's region in words; "–" when the correspondent did not say one."""
    return region_name(code, ui_lang()) if code else "–"


def _choices(problems: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "language_choices": [(code, language_name(code, ui_lang())) for code in ADDABLE_LANGUAGES],
        "region_choices": [(region.value, region_name(region, ui_lang())) for region in Region],
        "limits": LIMITS,
        "text_limit": number(MAX_TEXT, ui_lang()),
        # The first field at fault in the page's order takes the focus: a keyboard or screen reader user
        # lands on it, hears why, and corrects it without searching the page.
        "first_bad": next((name for name in FIELDS if name in (problems or {})), ""),
    }


# -- a correspondent's pages ------------------------------------------------------------------------
@bp.get("/submit")
@permission_required(Permission.SEND_ITEMS)
def submit() -> str:
    return render_template("submit.html", values={}, problems={}, **_choices())


@bp.post("/submit")
@permission_required(Permission.SEND_ITEMS)
def submit_post() -> Response | tuple[str, int]:
    values = {name: request.form.get(name, "") for name in FIELDS}
    item = SentItem(**values)
    try:
        sent = send_item(web_store(), web_settings(), item, author=acting_user().name, lang=ui_lang())
    except FieldError as exc:
        labels = {name: tr(key) for name, key in LABEL_KEYS.items()}
        problems = relabelled(exc, ui_lang(), labels).problems
        page = render_template("submit.html", values=values, problems=problems, **_choices(problems))
        return page, 400
    if sent.status is SubmissionStatus.FAILED:
        say(
            "error",
            tr("correspondents.done.failed", why=failure_text(sent.detail, ui_lang())),
            f"item-{sent.id}",
        )
    else:
        say("ok", tr("correspondents.done.sent"), f"item-{sent.id}")
    return redirect(f"{url_for('correspondents.mine')}#item-{sent.id}", code=303)


def _use_text(uses: list[SubmissionUse]) -> tuple[str, str]:
    """What an item's article became, in words, and the link to the sent issue's public page ("" if none)."""
    lang = ui_lang()
    sent = [u for u in uses if u.state == IssueState.SENT.value]
    if sent:
        use = sent[-1]
        edition = lang if lang in use.languages else (use.languages[0] if use.languages else lang)
        base = web_settings().site_url.strip().rstrip("/")
        path = edition_path(archive_year(use.slug, use.period_to), use.slug, edition)
        link = f"{base}/{path}" if base else ""
        return tr("correspondents.use.sent", issue=use.slug), link
    if uses:
        return tr("correspondents.use.draft"), ""
    return tr("correspondents.use.none"), ""


def _rows(items: list[Submission]) -> list[dict[str, Any]]:
    uses: dict[int, list[SubmissionUse]] = {}
    for use in web_store().submission_uses([i.article_id for i in items if i.article_id is not None]):
        uses.setdefault(use.article_id, []).append(use)
    rows = []
    for item in items:
        used, link = _use_text(uses.get(item.article_id, [])) if item.article_id is not None else ("", "")
        rows.append(
            {
                "item": item,
                "status": tr(STATUS_KEYS[item.status]),
                "failure": failure_text(item.detail, ui_lang())
                if item.status is SubmissionStatus.FAILED
                else "",
                "used": used,
                "used_link": link,
            }
        )
    return rows


@bp.get("/submissions")
@permission_required(Permission.SEND_ITEMS)
def mine() -> str:
    items = web_store().list_submissions(author=acting_user().name)
    placed = placed_messages({f"item-{i.id}" for i in items})
    return render_template(
        "submissions.html",
        rows=_rows(items),
        placed=placed,
        region_name=_region_said,
    )


# -- the editors' queue -----------------------------------------------------------------------------
@bp.get("/queue")
@permission_required(Permission.VIEW)
def queue() -> str:
    items = web_store().list_submissions(waiting=True)
    placed = placed_messages({f"item-{i.id}" for i in items})
    return render_template("queue.html", rows=_rows(items), placed=placed, region_name=_region_said)


def _reviewed(submission_id: int, accepted: bool) -> Response:
    if web_store().submission(submission_id) is None:
        abort(404)
    reason = request.form.get("reason", "")
    try:
        review(
            web_store(),
            submission_id,
            actor=acting_user().name,
            accepted=accepted,
            reason=reason,
            lang=ui_lang(),
        )
    except FieldError as exc:  # the reason box, named as its label says it
        named = relabelled(exc, ui_lang(), {"reason": tr("correspondents.field.reason")})
        say("error", tr("common.list_separator").join(named.problems.values()), f"item-{submission_id}")
        return redirect(f"{url_for('correspondents.queue')}#item-{submission_id}", code=303)
    except MediawatchError as exc:
        say("error", localized(exc, ui_lang()))
        return redirect(url_for("correspondents.queue"), code=303)
    say("ok", tr("correspondents.done.accepted" if accepted else "correspondents.done.dismissed"))
    return redirect(url_for("correspondents.queue"), code=303)


@bp.post("/queue/<int:submission_id>/accept")
@permission_required(Permission.EDIT)
def accept(submission_id: int) -> Response:
    return _reviewed(submission_id, True)


@bp.post("/queue/<int:submission_id>/dismiss")
@permission_required(Permission.EDIT)
def dismiss(submission_id: int) -> Response:
    return _reviewed(submission_id, False)
