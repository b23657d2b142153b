"""What the collector and the classifier tell the team: source health, and items the classifier was
unsure about (an editor's verdict there is a decision the classifier learns from)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediawatch.collect import labels as collect_labels
from mediawatch.i18n import tn
from mediawatch.review.workflow import Permission
from mediawatch.types import SourceHealth
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


def fetch_label(status: object) -> str:
    """A fetch outcome in the reader's words ("-" when there was none yet)."""
    return collect_labels.fetch_label(status, ui_lang())


def health_notes(row: SourceHealth, stale_after: int) -> list[str]:
    """The collector's warnings about a source, in the reader's language."""
    lang = ui_lang()
    notes = []
    if not row.validators_trusted:
        notes.append(tr("web.health.validators"))
    if row.consecutive_failures:
        notes.append(
            tn("web.health.failing", row.consecutive_failures, lang, status=fetch_label(row.last_status))
        )
    if row.stale_days is not None and row.stale_days >= stale_after:
        notes.append(tn("web.health.stale", row.stale_days, lang))
    elif row.last_success is not None and row.last_new_item is None:
        notes.append(tr("web.health.never"))
    return notes


@bp.get("/health")
@login_required
def health() -> str:
    settings = web_settings()
    rows = web_store().source_health(datetime.now(UTC), settings.stale_days, events=False)
    annotated = [(row, health_notes(row, settings.stale_days)) for row in rows]
    annotated.sort(key=lambda pair: (not pair[1], pair[0].source_id))  # problems first
    return render_template("health.html", rows=annotated, fetch_label=fetch_label)


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
