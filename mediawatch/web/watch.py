"""What the collector and the classifier tell the team: source health, and items the classifier was
unsure about (an editor's verdict there is a decision the classifier learns from)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediawatch.review.workflow import Permission
from mediawatch.sources.health import fetch_label, health_notes
from mediawatch.web.base import (
    acting_user,
    login_required,
    permission_required,
    tr,
    ui_lang,
    web_settings,
    web_store,
)
from mediawatch.web.issues import placed_messages, say

bp = Blueprint("watch", __name__)


@bp.get("/health")
@login_required
def health() -> str:
    settings = web_settings()
    rows = web_store().source_health(datetime.now(UTC), settings.stale_days, events=False)
    lang = ui_lang()
    annotated = [(row, health_notes(row, lang)) for row in rows]
    annotated.sort(key=lambda pair: (not pair[1], pair[0].source_id))  # problems first
    return render_template("health.html", rows=annotated, fetch_label=lambda s: fetch_label(s, lang))


@bp.get("/unsure")
@login_required
def unsure() -> str:
    items = web_store().unsure_items()
    placed = placed_messages({f"article-{a.article_id}" for a in items})
    return render_template("unsure.html", items=items, placed=placed)


@bp.post("/unsure/<int:article_id>")
@permission_required(Permission.EDIT)
def decide(article_id: int) -> Response:
    choice = request.form.get("relevant")
    if choice not in ("0", "1"):
        abort(400)
    if web_store().classification_of(article_id) is None:
        abort(404)
    web_store().record_decision(article_id, choice == "1", acting_user().name, context="unsure")
    say("ok", tr("web.done.decided"), f"article-{article_id}")  # drawn on the row the page jumps to
    return redirect(f"{url_for('watch.unsure')}#article-{article_id}", code=303)
