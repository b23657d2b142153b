"""Editors' changes from the issue page: item texts, accept/reject, order, section, comments, blocks.

Each answer is drawn next to the item or block acted on; a change that withdrew an approval says so.
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from mediawatch.errors import MediawatchError, Refused
from mediawatch.review import editing
from mediawatch.review.workflow import Permission, localized
from mediawatch.types import BlockKind
from mediawatch.web.base import acting_user, permission_required, tr, ui_lang, web_settings, web_store
from mediawatch.web.issues import approved_languages, back, refused_with_text, report, report_withdrawn

bp = Blueprint("items", __name__)

# A block's refusals that are about one of its fields, said beside it (the others atop the block's form).
BLOCK_FIELD_OF = {
    "review.refused.block_no_text": "body",
    "review.refused.block_body_too_long": "body",
    "review.refused.block_title_too_long": "title",
    "review.refused.bad_link": "link",
    "review.refused.malformed_link": "link",
    "review.refused.link_too_long": "link",
}


def _refused_block(
    issue_id: int, lang: str, anchor: str, fields: tuple[str, ...], exc: Exception
) -> Response:
    field = BLOCK_FIELD_OF.get(getattr(getattr(exc, "reason", None), "key", ""))
    if field is None:
        report(error=exc, anchor=anchor)
        return refused_with_text(issue_id, lang, anchor, fields)
    return refused_with_text(issue_id, lang, anchor, fields, (field, localized(exc, ui_lang())))


def _issue_of_item(item_id: int) -> int:
    issue_id = web_store().item_issue_id(item_id)
    if issue_id is None:
        abort(404)
    return issue_id


def _issue_of_block(block_id: int) -> tuple[int, str]:
    block = web_store().block(block_id)
    if block is None:
        abort(404)
    return block.issue_id, block.language


def _lang() -> str:
    return request.form.get("lang", "")


@bp.post("/items/<int:item_id>/text")
@permission_required(Permission.EDIT)
def text(item_id: int) -> Response:
    issue_id = _issue_of_item(item_id)
    anchor, approved = f"item-{item_id}", approved_languages(issue_id)
    try:
        editing.edit_text(
            web_store(),
            item_id,
            _lang(),
            acting_user(),
            title=request.form.get("title"),
            summary=request.form.get("summary"),
            # ticked: "now in this edition's language"; absent: the words' language decides
            translated=True if request.form.get("translated") == "1" else None,
        )
        report(tr("web.done.saved"), anchor=anchor)
        report_withdrawn(issue_id, approved, anchor)
    except MediawatchError as exc:
        report(error=exc, anchor=anchor)
        return refused_with_text(issue_id, _lang(), anchor, ("title", "summary"))
    return back(issue_id, _lang(), anchor)


@bp.post("/items/<int:item_id>/status")
@permission_required(Permission.EDIT)
def status(item_id: int) -> Response:
    issue_id = _issue_of_item(item_id)
    accepted = request.form.get("accepted") == "1"
    anchor, approved = f"item-{item_id}", approved_languages(issue_id)
    try:
        editing.decide_item(web_store(), item_id, accepted, acting_user())
        report(tr("web.done.accepted") if accepted else tr("web.done.rejected_item"), anchor=anchor)
        report_withdrawn(issue_id, approved, anchor)
    except MediawatchError as exc:
        report(error=exc, anchor=anchor)
    return back(issue_id, _lang(), anchor)


@bp.post("/items/<int:item_id>/shift")
@permission_required(Permission.EDIT)
def shift(item_id: int) -> Response:
    issue_id = _issue_of_item(item_id)
    step = -1 if request.form.get("step") == "up" else 1
    anchor, approved = f"item-{item_id}", approved_languages(issue_id)
    try:
        editing.shift_item(web_store(), item_id, acting_user(), step)
        report_withdrawn(issue_id, approved, anchor)
    except MediawatchError as exc:
        report(error=exc, anchor=anchor)
    return back(issue_id, _lang(), anchor)


@bp.post("/items/<int:item_id>/section")
@permission_required(Permission.EDIT)
def section(item_id: int) -> Response:
    issue_id = _issue_of_item(item_id)
    anchor, approved = f"item-{item_id}", approved_languages(issue_id)
    try:
        editing.move_item(
            web_store(), item_id, acting_user(), position=10**6, section=request.form.get("section")
        )
        report(tr("web.done.moved"), anchor=anchor)
        report_withdrawn(issue_id, approved, anchor)
    except MediawatchError as exc:
        report(error=exc, anchor=anchor)
    return back(issue_id, _lang(), anchor)


@bp.post("/items/<int:item_id>/comments")
@permission_required(Permission.EDIT)
def comment(item_id: int) -> Response:
    issue_id = _issue_of_item(item_id)
    try:
        editing.comment(web_store(), item_id, acting_user(), request.form.get("body", ""))
        report(tr("web.done.commented"), anchor=f"item-{item_id}")
    except MediawatchError as exc:
        if isinstance(exc, Refused) and exc.reason.key == "review.refused.comment_too_long":
            # kept whole beside its box, to be shortened
            problem = ("body", localized(exc, ui_lang()))
            return refused_with_text(issue_id, _lang(), f"comment-{item_id}", ("body",), problem)
        report(error=exc, anchor=f"item-{item_id}")
    return back(issue_id, _lang(), f"item-{item_id}")


@bp.post("/issues/<int:issue_id>/title")
@permission_required(Permission.EDIT)
def retitle(issue_id: int) -> Response:
    try:
        title = request.form.get("title", "")
        changed = editing.retitle(web_store(), issue_id, acting_user(), title, settings=web_settings())
        if changed:
            report(tr("editor.retitle.done"), anchor="retitle")
    except MediawatchError as exc:
        report(error=exc, anchor="retitle")
    return back(issue_id, _lang(), "retitle")


@bp.post("/issues/<int:issue_id>/blocks")
@permission_required(Permission.EDIT)
def add_block(issue_id: int) -> Response:
    try:
        kind = BlockKind(request.form.get("kind", ""))
    except ValueError:
        abort(400)
    approved = approved_languages(issue_id)
    try:
        block_id = editing.add_block(
            web_store(),
            issue_id,
            _lang(),
            kind,
            acting_user(),
            title=request.form.get("title", ""),
            body=request.form.get("body", ""),
            link=request.form.get("link", ""),
        )
        report(tr("web.done.block_added"), anchor=f"block-{block_id}")
        report_withdrawn(issue_id, approved, f"block-{block_id}")
        return back(issue_id, _lang(), f"block-{block_id}")
    except MediawatchError as exc:
        return _refused_block(issue_id, _lang(), "new-block", ("kind", "title", "body", "link"), exc)


@bp.post("/blocks/<int:block_id>")
@permission_required(Permission.EDIT)
def edit_block(block_id: int) -> Response:
    issue_id, lang = _issue_of_block(block_id)
    anchor, approved = f"block-{block_id}", approved_languages(issue_id)
    try:
        editing.update_block(
            web_store(),
            block_id,
            acting_user(),
            title=request.form.get("title", ""),
            body=request.form.get("body", ""),
            link=request.form.get("link", ""),
        )
        report(tr("web.done.saved"), anchor=anchor)
        report_withdrawn(issue_id, approved, anchor)
    except MediawatchError as exc:
        return _refused_block(issue_id, lang, anchor, ("title", "body", "link"), exc)
    return back(issue_id, lang, anchor)


@bp.post("/blocks/<int:block_id>/delete")
@permission_required(Permission.EDIT)
def delete_block(block_id: int) -> Response:
    issue_id, lang = _issue_of_block(block_id)
    approved = approved_languages(issue_id)
    try:
        editing.delete_block(web_store(), block_id, acting_user())
        report(tr("web.done.block_deleted"), anchor="blocks")
        report_withdrawn(issue_id, approved, "blocks")
    except MediawatchError as exc:
        report(error=exc, anchor="blocks")
    return back(issue_id, lang, "blocks")
