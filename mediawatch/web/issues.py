"""Issues list, the issue editor page, the workflow buttons (submit, approve, reject, schedule, cancel)
and the audit log.

Every POST ends in a redirect back to the page (303) at the anchor of what was acted on, with what
happened or why not in a flash message tied to that anchor: the page draws it there, where the browser
scrolls, not at the top of a page thousands of pixels long.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from mediawatch.compose.issues import own_title
from mediawatch.errors import MediawatchError, Refused
from mediawatch.i18n import LANGUAGES, language_name, number, tn
from mediawatch.i18n.dates import format_datetime
from mediawatch.i18n.publications import publication_name
from mediawatch.render.model import BLOCK_KEYS, section_title
from mediawatch.review import actions, audit, editing
from mediawatch.review.links import create_share_link
from mediawatch.review.workflow import (
    RETITLABLE,
    SENDABLE_STATES,
    Permission,
    Reason,
    localized,
)
from mediawatch.types import (
    BlockKind,
    Comment,
    Edition,
    EditionState,
    Issue,
    IssueContent,
    IssueItem,
    IssueState,
    Publication,
    User,
)
from mediawatch.web import new_issue
from mediawatch.web.base import (
    acting_user,
    current_user,
    home_page,
    issue_name,
    login_required,
    permission_required,
    tr,
    ui_lang,
    web_settings,
    web_store,
    words_list,
)
from mediawatch.web.preview import render_refusal

bp = Blueprint("review", __name__)

EDITED_AFTER_APPROVAL = "edited after approval: "  # the store's note when an edit reopens an edition


@dataclass(frozen=True, slots=True)
class SectionBlock:
    name: str
    title: str
    items: tuple[IssueItem, ...]


def _issue_or_404(issue_id: int) -> IssueContent:
    try:
        return web_store().issue_content(issue_id)
    except MediawatchError:
        abort(404)


def _edition_lang(content: IssueContent, wanted: str | None) -> str:
    languages = content.issue.languages
    if wanted in languages:
        return str(wanted)
    if ui_lang() in languages:
        return ui_lang()
    if not languages:
        abort(404)
    return languages[0]


def back(issue_id: int, lang: str, anchor: str = "") -> Response:
    target = url_for("review.issue", issue_id=issue_id, lang=lang)
    return redirect(f"{target}#{anchor}" if anchor else target, code=303)


# Marks a message that says a time: written in UTC, which the page then says once at its foot.
TIMED = "+utc"


def say(kind: str, message: str, anchor: str = "", *, timed: bool = False) -> None:
    """A message for the next page, drawn next to ``anchor`` (``kind``: ok, warn, error or link)."""
    category = kind + TIMED if timed else kind
    flash(message, f"{category}@{anchor}" if anchor else category)


def report(done: str | None = None, error: BaseException | None = None, *, anchor: str = "") -> None:
    if error is not None:
        say("error", localized(error, ui_lang()), anchor)
    elif done:
        say("ok", done, anchor)


def approved_languages(issue_id: int) -> set[str]:
    content = web_store().issue_content(issue_id)
    return {e.language for e in content.editions if e.state is EditionState.APPROVED}


def report_withdrawn(issue_id: int, before: set[str], anchor: str) -> None:
    """After an edit: say which approvals it withdrew (the store reopens approved editions it changes)."""
    gone = sorted(before - approved_languages(issue_id))
    if gone:
        names = words_list([language_name(code, ui_lang()) for code in gone], ui_lang())
        say("warn", tn("editor.done.withdrawn", len(gone), ui_lang(), languages=names), anchor)


def placed_messages(anchors: set[str]) -> dict[str, list[tuple[str, str]]]:
    """This request's flash messages by the anchor they belong to ("" : the top of the page)."""
    placed: dict[str, list[tuple[str, str]]] = {}
    flashed: list[tuple[str, str]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
    for category, message in flashed:
        kind, _, anchor = category.partition("@")
        if kind.endswith(TIMED):
            kind = kind.removesuffix(TIMED)
            g.times_in_utc = True
        placed.setdefault(anchor if anchor in anchors else "", []).append((kind, message))
    g.flashes_placed = True  # base.html leaves them to this page
    return placed


def edition_note(edition: Edition) -> str:
    """The edition's note in the reader's language (coded notes; older "edited after approval" ones)."""
    note = edition.note
    if note.startswith(EDITED_AFTER_APPROVAL):
        return tr("web.edition.reopened", why=note[len(EDITED_AFTER_APPROVAL) :])
    return audit.note_text(note, ui_lang())


def _reasons(found: list[Reason]) -> list[str]:
    return [r.text(ui_lang()) for r in found]


# -- pages --------------------------------------------------------------------------------------------
@bp.get("/")
@login_required
def home() -> Response:
    return redirect(home_page(acting_user()))


@bp.get("/issues")
@login_required
def issues() -> str:
    settings = web_settings()
    return issues_page(new_issue.blank(settings, new_issue.team_today(settings, datetime.now(UTC))))


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    """The count of editions waiting for the reader's approval, asked only when a page draws it."""

    def approvals_waiting() -> int:
        user = current_user()
        return sum(len(langs) for langs in _awaiting_approval(user).values()) if user else 0

    return {"approvals_waiting": approvals_waiting}


def _awaiting_approval(user: User, statuses: list[actions.IssueStatus] | None = None) -> dict[int, list[str]]:
    """:func:`actions.awaiting_approval`, read once a request: the issues list and its navigation both ask,
    and the list gives the statuses it shows, so that both say the same (and nothing renders twice)."""
    if "awaiting_approval" not in g:
        g.awaiting_approval = actions.awaiting_approval(web_store(), user, web_settings(), statuses)
    found: dict[int, list[str]] = g.awaiting_approval
    return found


def issues_page(form: new_issue.NewIssueForm) -> str:
    store = web_store()
    statuses = actions.issue_statuses(store, store.list_issues(), web_settings())
    mine = _awaiting_approval(acting_user(), statuses)
    rows = []
    for status in statuses:
        issue = status.issue
        langs = [language_name(code, ui_lang()) for code in mine.get(issue.id, [])]
        for_you = tr("web.issues.for_you", languages=words_list(langs, ui_lang())) if langs else ""
        rows.append((status, _reasons(status.waiting), for_you))
    # What waits for her comes first: the rest stays newest first (a stable sort).
    rows.sort(key=lambda row: not row[2])
    return render_template(
        "issues.html",
        rows=rows,
        publication_label=_publication_label,
        new_issue=form,
        publications=[(p.value, publication_name(p, ui_lang())) for p in Publication],
        edition_languages=[(code, language_name(code, ui_lang())) for code in LANGUAGES],
    )


@bp.post("/issues/new")
@permission_required(Permission.EDIT)
def compose() -> Response | tuple[str, int]:
    """The new-issue form: composes as `mediawatch compose` does, then the new draft's page."""
    form = new_issue.read(request.form)
    outcome = new_issue.compose_from(
        web_store(),
        web_settings(),
        form,
        actor=acting_user().name,
        lang=ui_lang(),
        today=new_issue.team_today(web_settings(), datetime.now(UTC)),
    )
    if isinstance(outcome, new_issue.NewIssueForm):
        return issues_page(outcome), 422
    items = tn("compose.items", outcome.items, ui_lang())
    candidates = tn("compose.candidates", outcome.candidates, ui_lang())
    say("ok", tr("web.new_issue.done", items=items, candidates=candidates))
    return redirect(url_for("review.issue", issue_id=outcome.issue_id), code=303)


def _publication_label(issue: Issue) -> str:
    return publication_name(issue.publication, ui_lang())


@bp.get("/issues/<int:issue_id>")
@login_required
def issue(issue_id: int) -> str:
    return issue_page(issue_id, request.args.get("lang"))


def refused_with_text(
    issue_id: int, lang: str, anchor: str, fields: tuple[str, ...], problem: tuple[str, str] | None = None
) -> Response:
    """A refused edit answers with the issue page itself (422), its form holding what was typed;
    ``problem`` (field, message): the refusal, said beside that field rather than atop the form.

    A redirect would draw the stored text again and lose the typing; the session cookie is too small
    (4 KB) to carry a block's 20,000 characters across one.
    """
    kept = {"anchor": anchor} | {name: request.form.get(name, "") for name in fields}
    if problem is not None:
        kept |= {"problem_field": problem[0], "problem": problem[1]}
    return make_response(issue_page(issue_id, lang, kept=kept), 422)


def issue_page(issue_id: int, wanted_lang: str | None, kept: dict[str, str] | None = None) -> str:
    store, settings = web_store(), web_settings()
    content = _issue_or_404(issue_id)
    lang = _edition_lang(content, wanted_lang)
    review = actions.review_editions(store, issue_id, settings, [lang])[0]
    status = actions.issue_status(store, issue_id, settings)
    blockers: list[str] = []
    if content.issue.state in SENDABLE_STATES:
        blockers = _reasons(actions.sendable_blockers(store, issue_id, settings))
    comments: dict[int, list[Comment]] = {}
    for c in store.comments(issue_id):
        comments.setdefault(c.item_id, []).append(c)
    sections = tuple(
        SectionBlock(
            name, section_title(name, ui_lang()), tuple(i for i in content.items if i.section == name)
        )
        for name in (
            *content.issue.sections,
            *sorted({i.section for i in content.items} - set(content.issue.sections)),
        )
    )
    blocks = content.blocks_for(lang)
    anchors = {"actions", "retitle", "edition", "render-error", "blocks", "new-block"}
    anchors |= {f"item-{i.id}" for i in content.items}
    anchors |= {f"block-{b.id}" for b in blocks}
    approved = [e.language for e in content.editions if status.edition_state(e) is EditionState.APPROVED]
    return render_template(
        "issue.html",
        placed=placed_messages(anchors),
        approved_names=words_list([language_name(code, ui_lang()) for code in sorted(approved)], ui_lang()),
        approved_count=len(approved),
        content=content,
        issue=content.issue,
        lang=lang,
        review=review,
        status=status,
        blockers=blockers,
        waiting=_reasons(status.waiting),
        sections=sections,
        comments=comments,
        blocks=blocks,
        block_kinds=[(k.value, tr(BLOCK_KEYS[k])) for k in BlockKind],
        block_label=lambda kind: tr(BLOCK_KEYS[BlockKind(kind)]),
        section_choices=[(s.name, s.title) for s in sections],
        edition_note=edition_note,
        editable=content.issue.state in (IssueState.DRAFT, IssueState.IN_REVIEW, IssueState.APPROVED),
        publication=_publication_label(content.issue),
        retitlable=status.state in RETITLABLE,  # a stale approval is in review: retitle() says so too
        own_title=own_title(content.issue),
        max_issue_title=editing.MAX_ISSUE_TITLE,
        # Said beside the boxes, which have no maxlength: a browser cuts a longer paste short without a word.
        note_limit=number(actions.MAX_NOTE, ui_lang()),
        comment_limit=number(editing.MAX_COMMENT, ui_lang()),
        default_name=issue_name(replace(content.issue, title="")),
        now=datetime.now(UTC),
        kept=kept or {},
        render_refusal=render_refusal(review.render_error) if review.render_error is not None else "",
        # Said before she clicks: an approver among the authors of unapproved changes would only be refused.
        own_changes=settings.four_eyes and acting_user().name in review.pending_authors,
    )


@bp.get("/issues/<int:issue_id>/log")
@login_required
def audit_log(issue_id: int) -> str:
    content = _issue_or_404(issue_id)
    entries = list(reversed(web_store().audit(issue_id)))
    lang = ui_lang()
    return render_template(
        "audit.html",
        issue=content.issue,
        entries=entries,
        action_label=lambda action: audit.action_label(action, lang),
        target_label=lambda target: audit.target_label(target, lang),
        value_label=lambda action, value: audit.value_label(action, value, lang),
        note_text=lambda raw: audit.note_text(raw, lang),
    )


# -- workflow -----------------------------------------------------------------------------------------
@bp.post("/issues/<int:issue_id>/submit")
@permission_required(Permission.SUBMIT)
def submit(issue_id: int) -> Response:
    lang = request.form.get("lang", "")
    try:
        actions.submit(web_store(), issue_id, acting_user(), note=request.form.get("note", ""))
        report(tr("web.done.submitted"), anchor="actions")
    except MediawatchError as exc:
        report(error=exc, anchor="actions")
    return back(issue_id, lang, "actions")


# A note over its limit: the page comes back with the note whole, said too long beside its box.
NOTE_TOO_LONG = "review.refused.note_too_long"


def _note_refused(issue_id: int, lang: str, form: str, exc: Refused) -> Response:
    return refused_with_text(issue_id, lang, form, ("note",), ("note", localized(exc, ui_lang())))


@bp.post("/issues/<int:issue_id>/editions/<lang>/approve")
@permission_required(Permission.APPROVE)
def approve(issue_id: int, lang: str) -> Response:
    seen = request.form.get("fingerprint", "").strip()
    try:
        actions.approve(
            web_store(),
            issue_id,
            lang,
            acting_user(),
            web_settings(),
            note=request.form.get("note", ""),
            # The page always sends what it showed; an empty value is a page that showed nothing approvable.
            seen_fingerprint=seen,
        )
        report(tr("web.done.approved", language=language_name(lang, ui_lang())), anchor="edition")
    except Refused as exc:
        if exc.reason.key == NOTE_TOO_LONG:
            return _note_refused(issue_id, lang, "approve-form", exc)
        # Refused because the edition cannot be rendered: said where the page says so itself, instead of
        # its own note, or she would read the reason twice.
        anchor = "render-error" if exc.reason.key in actions.RENDER_BLOCKERS else "edition"
        report(error=exc, anchor=anchor)
    except MediawatchError as exc:
        report(error=exc, anchor="edition")
    return back(issue_id, lang, "edition")


@bp.post("/issues/<int:issue_id>/editions/<lang>/reject")
@permission_required(Permission.APPROVE)
def reject(issue_id: int, lang: str) -> Response:
    try:
        actions.reject(web_store(), issue_id, lang, acting_user(), note=request.form.get("note", ""))
        report(tr("web.done.rejected", language=language_name(lang, ui_lang())), anchor="edition")
    except Refused as exc:
        if exc.reason.key == NOTE_TOO_LONG:
            return _note_refused(issue_id, lang, "reject-form", exc)
        report(error=exc, anchor="edition")
    except MediawatchError as exc:
        report(error=exc, anchor="edition")
    return back(issue_id, lang, "edition")


@bp.post("/issues/<int:issue_id>/schedule")
@permission_required(Permission.SCHEDULE)
def schedule(issue_id: int) -> Response:
    lang = request.form.get("lang", "")
    raw = request.form.get("when", "").strip()
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        problem = tr("web.error.bad_when", value=raw[:40]) if raw else tr("web.error.empty_when")
        say("error", problem, "actions")
        return back(issue_id, lang, "actions")
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    try:
        actions.schedule(web_store(), issue_id, acting_user(), when, web_settings())
        say("ok", tr("web.done.scheduled", when=format_datetime(when, ui_lang())), "actions", timed=True)
    except MediawatchError as exc:
        report(error=exc, anchor="actions")
    return back(issue_id, lang, "actions")


@bp.post("/issues/<int:issue_id>/cancel")
@permission_required(Permission.SCHEDULE)
def cancel(issue_id: int) -> Response:
    lang = request.form.get("lang", "")
    try:
        actions.cancel(web_store(), issue_id, acting_user(), note=request.form.get("note", ""))
        report(tr("web.done.cancelled"), anchor="actions")
    except MediawatchError as exc:
        report(error=exc, anchor="actions")
    return back(issue_id, lang, "actions")


@bp.post("/issues/<int:issue_id>/editions/<lang>/link")
@permission_required(Permission.EDIT)
def share(issue_id: int, lang: str) -> Response:
    content = _issue_or_404(issue_id)
    if lang not in content.issue.languages:
        abort(404)
    url, link = create_share_link(web_store(), web_settings(), issue_id, lang, acting_user().name)
    say("ok", tr("web.done.link", when=format_datetime(link.expires, ui_lang())), "edition", timed=True)
    say("link", url, "edition")  # on base_url, never on the host this request used
    return back(issue_id, lang, "edition")
