"""How `mediawatch users` and `mediawatch issues` show things: rich tables, or JSON lines for scripts.

Headers and messages come from the review catalogues; JSON keys and values (states, fingerprints) are
never translated.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mediawatch.compose.issues import issue_title
from mediawatch.config import Settings, parse_timezone
from mediawatch.i18n import language_name, t, tn
from mediawatch.i18n.dates import format_datetime, format_half_open
from mediawatch.i18n.publications import publication_name
from mediawatch.render.model import section_title
from mediawatch.review import audit
from mediawatch.review.actions import IssueStatus
from mediawatch.review.workflow import ROLE_KEYS, edition_state_label, state_label
from mediawatch.store import Store
from mediawatch.store.issues import AuditEntry
from mediawatch.types import Issue, ItemStatus, User


def _console() -> Console:
    return Console() if sys.stdout.isatty() else Console(width=150)


def _when(value: datetime | None, lang: str) -> str:
    # As the staff pages write a time; the table says its zone once under it, as a page does at its foot.
    return format_datetime(value, lang) if value else "-"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _emit(record: dict[str, Any]) -> None:
    click.echo(json.dumps(record, ensure_ascii=False))


# The issue page's words for an item's status (web/base.py), so the CLI and the page say it alike.
_ITEM_STATUS_KEYS = {
    ItemStatus.PROPOSED: "web.status.proposed",
    ItemStatus.ACCEPTED: "web.status.accepted",
    ItemStatus.REJECTED: "web.status.rejected",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _cell(value: object) -> Text:
    """Data as plain text: a feed title like "[red]..." is not rich markup, and no control character
    (a terminal escape sequence from a hostile page) reaches the terminal."""
    return Text(_CONTROL.sub("", str(value)))


def _table(title: str, headers: Sequence[str]) -> Table:
    table = Table(title=title)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def _row(table: Table, *values: object) -> None:
    table.add_row(*(_cell(v) for v in values))


def print_users(users: Sequence[User], as_json: bool, lang: str) -> None:
    if as_json:
        for u in users:
            _emit(
                {
                    "name": u.name,
                    "role": u.role.value,
                    "language": u.language,
                    "active": u.active,
                    "email": u.email,
                    "created_at": _iso(u.created_at),
                }
            )
        return
    if not users:
        click.echo(t("review.cli.no_users", lang))
        return
    table = _table(
        tn("review.cli.users_title", len(users), lang),
        [
            t("review.col.name", lang),
            t("review.col.role", lang),
            t("review.col.language", lang),
            t("review.col.active", lang),
            t("review.col.created", lang),
        ],
    )
    for u in users:
        active = t("common.yes", lang) if u.active else t("common.no", lang)
        role = t(ROLE_KEYS[u.role], lang)
        _row(table, u.name, role, language_name(u.language, lang), active, _when(u.created_at, lang))
    _console().print(table)
    click.echo(t("review.cli.times_utc", lang))


def _edition_state(language: str, state: str, lang: str) -> str:
    return t(
        "review.cli.edition_state",
        lang,
        language=language_name(language, lang),
        state=edition_state_label(state, lang),
    )


def print_issues(
    statuses: Sequence[IssueStatus], as_json: bool, lang: str, zone: tzinfo | None = None
) -> None:
    """Each issue as people see it: an edition whose approval no longer matches what it renders now
    (``IssueStatus.stale``) is in review, and so is its approved issue."""
    rows = [(s, s.waiting) for s in statuses]
    if as_json:
        for status, waiting in rows:
            issue = status.issue
            _emit(
                {
                    "id": issue.id,
                    "slug": issue.slug,
                    "publication": issue.publication.value,
                    "title": issue.title,
                    "state": status.state.value,
                    "editions": {e.language: status.edition_state(e).value for e in status.editions},
                    "stale": sorted(status.stale),
                    "scheduled_for": _iso(issue.scheduled_for),
                    "waiting_for": [w.text("en") for w in waiting],
                }
            )
        return
    if not rows:
        click.echo(t("review.cli.no_issues", lang))
        return
    table = _table(
        tn("review.cli.issues_title", len(rows), lang),
        [
            t("review.col.id", lang),
            t("review.col.title", lang),
            t("review.col.slug", lang),
            t("review.col.publication", lang),
            t("review.col.state", lang),
            t("review.col.editions", lang),
            t("review.col.waiting", lang),
        ],
    )
    for status, waiting in rows:
        issue = status.issue
        _row(
            table,
            str(issue.id),
            issue_title(issue, lang, zone),
            issue.slug,
            publication_name(issue.publication, lang),
            state_label(status.state, lang),
            ", ".join(_edition_state(e.language, status.edition_state(e), lang) for e in status.editions),
            "; ".join(w.text(lang) for w in waiting) or "-",
        )
    _console().print(table)
    if any(w.key == "review.waiting.send" for _, waiting in rows for w in waiting):
        click.echo(t("review.cli.times_utc", lang))  # "sending on …" says a time, as the staff pages do


def print_issue(store: Store, settings: Settings, issue_id: int, as_json: bool, lang: str) -> None:
    from mediawatch.review.actions import review_editions, sendable_blockers
    from mediawatch.review.workflow import shown_issue_state

    content = store.issue_content(issue_id)
    issue = content.issue
    reviews = review_editions(store, issue_id, settings)
    blockers = sendable_blockers(store, issue_id, settings)
    stale = frozenset(r.edition.language for r in reviews if r.stale)
    state = shown_issue_state(issue, stale)
    if as_json:
        _emit(
            {
                "id": issue.id,
                "slug": issue.slug,
                "publication": issue.publication.value,
                "title": issue.title,
                "state": state.value,
                "period_from": _iso(issue.period_from),
                "period_to": _iso(issue.period_to),
                "scheduled_for": _iso(issue.scheduled_for),
                "warnings": list(issue.warnings),
                "editions": [
                    {
                        "language": r.edition.language,
                        "state": r.state.value,
                        "approved_by": r.edition.approved_by,
                        "approved_at": _iso(r.edition.approved_at),
                        "approved_fingerprint": r.edition.approved_fingerprint,
                        "fingerprint": r.fingerprint,
                        "stale": r.stale,
                        "render_error": r.render_error_text("en"),
                        "last_author": r.last_author,
                        "note": r.edition.note,
                    }
                    for r in reviews
                ],
                "items": [
                    {
                        "id": i.id,
                        "section": i.section,
                        "position": i.position,
                        "status": i.status.value,
                        "url": i.url,
                        "outlet": i.outlet,
                        "texts": {x.language: {"title": x.title, "origin": x.origin.value} for x in i.texts},
                    }
                    for i in content.items
                ],
                "blocks": len(content.blocks),
                "sendable": not blockers,
                "blockers": [b.text("en") for b in blockers],
            }
        )
        return
    zone = parse_timezone(settings.nightly_timezone)  # the days of the team's periods, as compose named it
    click.echo(_CONTROL.sub("", f"{issue_title(issue, lang, zone)} ({issue.slug}, #{issue.id})"))
    click.echo(
        t(
            "review.cli.show_state",
            lang,
            state=state_label(state, lang),
            publication=publication_name(issue.publication, lang),
            period=format_half_open(issue.period_from, issue.period_to, lang, zone),
        )
    )
    for warning in issue.warnings:
        click.echo("  ! " + _CONTROL.sub("", warning))
    table = _table(
        t("review.cli.editions_title", lang),
        [
            t("review.col.language", lang),
            t("review.col.state", lang),
            t("review.col.approved_by", lang),
            t("review.col.fingerprint", lang),
            t("review.col.last_author", lang),
            t("review.col.note", lang),
        ],
    )
    for r in reviews:
        fp = r.render_error_text(lang) or r.fingerprint[:12]
        if r.stale:
            fp += " " + t("review.cli.stale_mark", lang, approved=r.edition.approved_fingerprint[:12])
        _row(
            table,
            language_name(r.edition.language, lang),
            edition_state_label(r.state, lang),
            r.edition.approved_by or "-",
            fp,
            r.last_author or "-",
            r.edition.note or "-",
        )
    _console().print(table)
    items = _table(
        tn("review.cli.items_title", len(content.items), lang),
        [
            t("review.col.id", lang),
            t("review.col.section", lang),
            t("review.col.status", lang),
            t("review.col.title", lang),
            t("review.col.outlet", lang),
        ],
    )
    first = issue.languages[0] if issue.languages else ""
    for item in content.items:
        text = item.text(first)
        _row(
            items,
            str(item.id),
            f"{section_title(item.section, lang)} {item.position + 1}",  # positions are stored from 0
            t(_ITEM_STATUS_KEYS[item.status], lang),
            text.title if text else "-",
            item.outlet,
        )
    _console().print(items)
    if blockers:
        click.echo(t("review.cli.not_sendable", lang))
        for b in blockers:
            click.echo("  - " + b.text(lang))
    else:
        click.echo(t("review.cli.sendable", lang))


def print_audit(issue: Issue, entries: Sequence[AuditEntry], as_json: bool, lang: str) -> None:
    if as_json:
        for e in entries:
            _emit(
                {
                    "id": e.id,
                    "at": _iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "language": e.language,
                    "target": e.target,
                    "before": e.before,
                    "after": e.after,
                    "detail": e.detail,
                }
            )
        return
    table = _table(
        tn("review.cli.log_title", len(entries), lang, slug=issue.slug),
        [
            t("review.col.when", lang),
            t("review.col.who", lang),
            t("review.col.action", lang),
            t("review.col.language", lang),
            t("review.col.target", lang),
            t("review.col.change", lang),
        ],
    )
    for e in entries:
        detail = audit.note_text(e.detail, lang)
        change = detail
        if e.before is not None or e.after is not None:
            before = audit.value_label(e.action, e.before, lang) or ""
            after = audit.value_label(e.action, e.after, lang) or ""
            change = f"{before} -> {after}" + (f" ({detail})" if detail else "")
        _row(
            table,
            _when(e.at, lang),
            e.actor,
            audit.action_label(e.action, lang),
            language_name(e.language, lang) if e.language else "-",
            audit.target_label(e.target, lang) if e.target else "-",
            change or "-",
        )
    _console().print(table)
    if entries:
        click.echo(t("review.cli.times_utc", lang))
