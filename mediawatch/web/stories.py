"""The story page (``/stories/<id>``): every article of a story and why it was judged relevant, and the
editors' curation of it: relevant or not, corrections, pins for the next issue, adding it to a draft now,
ready-to-post social texts.

Each POST is one small route that ends in a redirect back to the page (303) at the anchor of what was
acted on, with what happened or why not in a flash message drawn there.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediawatch.classify.pipeline import load_classifier
from mediawatch.compose.issues import own_title
from mediawatch.compose.pinned import add_story_to_issue
from mediawatch.errors import MediawatchError
from mediawatch.i18n import language_name
from mediawatch.i18n.publications import publication_name
from mediawatch.i18n.regions import region_name
from mediawatch.i18n.themes import theme_name
from mediawatch.review.workflow import Permission, localized
from mediawatch.types import IssueState, Publication, Region, row_id
from mediawatch.watch import curation
from mediawatch.watch.add_fields import ADDABLE_LANGUAGES
from mediawatch.watch.social import posts_for
from mediawatch.watch.story import StoryView, state_label, story_view
from mediawatch.web.base import (
    acting_user,
    issue_name,
    login_required,
    permission_required,
    tr,
    ui_lang,
    web_settings,
    web_store,
)
from mediawatch.web.issues import placed_messages, say
from mediawatch.web.watch_page import readable_names, taxonomy_problem

bp = Blueprint("stories", __name__)

MAX_FIELD = 200  # a form value longer than any valid one is refused before it is read


def _view_or_404(story_id: int) -> StoryView:
    try:
        return story_view(web_store(), story_id)
    except MediawatchError:
        abort(404)


def _back(story_id: int, anchor: str = "") -> Response:
    target = url_for("stories.story", story_id=story_id)
    return redirect(f"{target}#{anchor}" if anchor else target, code=303)


def _articles(view: StoryView) -> tuple[list[int], str]:
    """The articles a form names (``article``: one id of the story, or ``all``) and the page anchor."""
    raw = request.form.get("article", "all")[:MAX_FIELD]
    if raw == "all":
        return [a.id for a in view.articles], "curate"
    chosen = row_id(raw)
    if chosen is None or chosen not in {a.id for a in view.articles}:
        abort(400)
    return [chosen], f"article-{chosen}"


def _unclassifiable(story_id: int) -> Response:
    """A verdict or a correction posted while the taxonomy cannot be read (from a page opened before):
    both classify the articles again, so nothing is saved, said at the top under the page's banner
    (the form's own place is not drawn then)."""
    say("error", tr("story.page.taxonomy_unreadable"), "")
    return _back(story_id)


def _report(error: MediawatchError | None, done: str, anchor: str) -> None:
    if error is not None:
        say("error", localized(error, ui_lang()), anchor)
    else:
        say("ok", done, anchor)


@bp.get("/stories/<int:story_id>")
@login_required
def story(story_id: int) -> str:
    store = web_store()
    view = _view_or_404(story_id)
    # Unreadable, the taxonomy leaves the page without its theme and objective choices, nor the
    # verdicts and corrections (each classifies again through it), under the watch pages' banner.
    lang, names, problem = ui_lang(), readable_names(), taxonomy_problem("story.page.taxonomy_problem")
    anchors = {"curate", "pins", "social"} | {f"article-{a.id}" for a in view.articles}
    issues = {i.id: i for i in store.list_issues()}
    used = {u.issue_id for u in view.uses}
    drafts = [i for i in issues.values() if i.state is IssueState.DRAFT and i.id not in used]
    return render_template(
        "story.html",
        view=view,
        taxonomy_problem=problem,
        placed=placed_messages(anchors),
        drafts=drafts,
        issues=issues,  # named by their titles, as everywhere else (issue_heading), not their slugs
        own_title=own_title,
        posts=posts_for(store, view),
        publications=list(Publication),
        publication_label=lambda p: publication_name(p, ui_lang()),
        verdict_label=lambda state: state_label(state, lang),
        theme_name=lambda name: theme_name(name, lang),
        region_name=lambda name: region_name(name, lang),
        objective_name=lambda code: names.objective_name(code, lang),
        themes=list(names.themes),
        regions=[x.value for x in Region],
        objectives=list(names.objectives),
        correctable_languages=[(code, language_name(code, lang)) for code in ADDABLE_LANGUAGES],
        pinned_for={p.publication.value for p in view.waiting_pins},
    )


@bp.post("/stories/<int:story_id>/relevance")
@permission_required(Permission.EDIT)
def relevance(story_id: int) -> Response:
    view = _view_or_404(story_id)
    ids, anchor = _articles(view)
    choice = request.form.get("relevant", "")
    if choice not in ("0", "1"):
        abort(400)
    change = curation.Change("relevant", choice == "1")
    # classified again: an article now relevant gets the themes and objectives the classifier keeps for those
    if taxonomy_problem():
        return _unclassifiable(story_id)
    classifier = load_classifier(web_settings())
    curation.correct(
        web_store(), ids, change, acting_user().name, classifier=classifier, context=f"story:{story_id}"
    )
    done = tr("story.page.done.relevant") if change.value else tr("story.page.done.not_relevant")
    say("ok", done, anchor)
    return _back(story_id, anchor)


@bp.post("/stories/<int:story_id>/correct")
@permission_required(Permission.EDIT)
def correct(story_id: int) -> Response:
    view = _view_or_404(story_id)
    ids, anchor = _articles(view)
    field = request.form.get("field", "")[:MAX_FIELD]
    values = [v[:MAX_FIELD] for v in request.form.getlist("value")][:50]
    if taxonomy_problem():
        return _unclassifiable(story_id)
    error: MediawatchError | None = None
    try:
        change = curation.parse_correction(field, values, readable_names())
        classifier = load_classifier(web_settings())
        curation.correct(web_store(), ids, change, acting_user().name, classifier=classifier)
    except MediawatchError as exc:
        error = exc
    _report(error, tr("story.page.done.corrected"), anchor)
    return _back(story_id, anchor)


def _publication() -> Publication:
    try:
        return curation.parse_publication(request.form.get("publication", "")[:MAX_FIELD])
    except MediawatchError:
        abort(400)


@bp.post("/stories/<int:story_id>/pin")
@permission_required(Permission.EDIT)
def pin(story_id: int) -> Response:
    _view_or_404(story_id)
    publication = _publication()
    curation.pin(web_store(), story_id, publication, acting_user().name)
    say("ok", tr("story.page.done.pinned", publication=publication_name(publication, ui_lang())), "pins")
    return _back(story_id, "pins")


@bp.post("/stories/<int:story_id>/unpin")
@permission_required(Permission.EDIT)
def unpin(story_id: int) -> Response:
    _view_or_404(story_id)
    publication = _publication()
    error: MediawatchError | None = None
    try:
        curation.unpin(web_store(), story_id, publication)
    except MediawatchError as exc:
        error = exc
    done = tr("story.page.done.unpinned", publication=publication_name(publication, ui_lang()))
    _report(error, done, "pins")
    return _back(story_id, "pins")


@bp.post("/stories/<int:story_id>/add")
@permission_required(Permission.EDIT)
def add_to_issue(story_id: int) -> Response:
    _view_or_404(story_id)
    raw = request.form.get("issue", "")[:MAX_FIELD]
    issue_id = row_id(raw)
    if issue_id is None:
        abort(400)
    error: MediawatchError | None = None
    try:
        add_story_to_issue(web_store(), web_settings(), issue_id, story_id, acting_user().name)
    except MediawatchError as exc:
        error = exc
    issue = web_store().find_issue(issue_id)
    _report(error, tr("story.page.done.added", issue=issue_name(issue) if issue else raw), "pins")
    return _back(story_id, "pins")
