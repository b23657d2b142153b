"""How `mediawatch submissions list` shows items on a terminal: a table in the reader's language."""

from __future__ import annotations

from collections.abc import Sequence

import click

from mediawatch.cli.review_views import _console, _row, _table, _when
from mediawatch.i18n import t, tn
from mediawatch.i18n.regions import region_name
from mediawatch.store.submissions import Submission

# Literal keys (the i18n scans read them).
STATUS_KEYS = {
    "received": "correspondents.status.received",
    "added": "correspondents.status.added",
    "failed": "correspondents.status.failed",
    "dismissed": "correspondents.status.dismissed",
}


def print_submissions(items: Sequence[Submission], lang: str) -> None:
    if not items:
        click.echo(t("correspondents.cli.none", lang))
        return
    table = _table(
        tn("correspondents.cli.title", len(items), lang),
        [
            t("correspondents.cli.col_id", lang),
            t("correspondents.col.when", lang),
            t("correspondents.col.from", lang),
            t("correspondents.col.item", lang),
            t("correspondents.col.region", lang),
            t("correspondents.col.status", lang),
            t("correspondents.cli.col_reviewed", lang),
        ],
    )
    for item in items:
        what = item.article_title or item.title or item.url
        status = t(STATUS_KEYS[item.status.value], lang)
        if item.detail:
            status = f"{status}: {item.detail}"
        reviewed = f"{item.reviewed_by} {_when(item.reviewed_at, lang)}" if item.reviewed_at else "-"
        region = region_name(item.region, lang) if item.region else "-"
        _row(table, item.id, _when(item.submitted_at, lang), item.author, what, region, status, reviewed)
    _console().print(table)
    click.echo(t("review.cli.times_utc", lang))
