"""What the collector and the classifier tell the team: source health, and items the classifier was
unsure about (an editor's verdict there is a decision the classifier learns from)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from mediawatch.review.workflow import Permission
from mediawatch.types import SourceHealth
from mediawatch.web.base import acting_user, login_required, permission_required, tr, web_settings, web_store

bp = Blueprint("watch", __name__)


def health_notes(row: SourceHealth, stale_after: int) -> list[str]:
    """The collector's warnings about a source, in the reader's language."""
    notes = []
    if not row.validators_trusted:
        notes.append(tr("web.health.validators"))
    if row.consecutive_failures:
        notes.append(
            tr("web.health.failing", count=row.consecutive_failures, status=str(row.last_status or "-"))
        )
    if row.stale_days is not None and row.stale_days >= stale_after:
        notes.append(tr("web.health.stale", days=row.stale_days))
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
    return render_template("health.html", rows=annotated)


@bp.get("/unsure")
@login_required
def unsure() -> str:
    return render_template("unsure.html", items=web_store().unsure_items())


@bp.post("/unsure/<int:article_id>")
@permission_required(Permission.EDIT)
def decide(article_id: int) -> Response:
    choice = request.form.get("relevant")
    if choice not in ("0", "1"):
        abort(400)
    if web_store().classification_of(article_id) is None:
        abort(404)
    web_store().record_decision(article_id, choice == "1", acting_user().name, context="unsure")
    flash(tr("web.done.decided"), "ok")
    return redirect(f"{url_for('watch.unsure')}#article-{article_id}", code=303)
