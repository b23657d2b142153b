"""The storage of issues: the issue, its editions' states, the audit log.

Every mutation is one transaction that also appends to the audit log. The store stores: which state may
follow which, who may approve, what may be edited are the review stage's rules
(:mod:`mediawatch.review.workflow`). What must hold under concurrency is a conditional write here
(``set_issue_state(expect=...)`` returns False when the issue moved meanwhile).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.errors import ConflictError
from mediawatch.i18n import Message, language_names, said
from mediawatch.i18n.states import ISSUE_STATE_KEYS
from mediawatch.store import schema as t
from mediawatch.store import schema_watch as w
from mediawatch.store.contents import issue_from_row, read_contents
from mediawatch.store.core import Database, inserted_id, utcnow
from mediawatch.store.rows import from_row
from mediawatch.types import (
    AlsoIn,
    EditionState,
    Issue,
    IssueContent,
    IssueState,
    ItemStatus,
    ItemText,
    Publication,
    SourceKind,
    row_id,
)


def coded_note(text: str, key: str, **fields: object) -> str:
    """A note stored so that each reader gets it in their language (mediawatch.review.audit reads it):
    English ``text`` for anyone reading the raw column, the catalogue ``key`` and its ``fields`` (a field
    may be another coded note, as a dict)."""
    return json.dumps({"text": text, "key": key, "fields": fields}, ensure_ascii=False, default=str)


def why(text: str, key: str, **fields: object) -> dict[str, object]:
    """What a change that reopens an approved edition was (a coded note's fields, as a dict)."""
    return {"text": text, "key": key, "fields": fields}


# States in which the content may still change; later states are the record of what was scheduled or sent
# and are frozen (an edit arriving after the issue left these states is refused as a conflict).
EDITABLE_STATES = frozenset({IssueState.DRAFT, IssueState.IN_REVIEW, IssueState.APPROVED})
# An issue's own title changes until it is approved (mediawatch.review.workflow.RETITLABLE).
RETITLABLE_STATES = frozenset({IssueState.DRAFT, IssueState.IN_REVIEW})


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item on its way into a new issue, with its text in every edition language."""

    story_id: int
    article_id: int
    section: str
    position: int
    score: float
    url: str
    outlet: str
    published: datetime | None
    language: str
    regions: tuple[str, ...]
    also_in: tuple[AlsoIn, ...]
    texts: tuple[ItemText, ...]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    issue_id: int | None
    at: datetime
    actor: str
    action: str
    language: str
    target: str
    before: str | None
    after: str | None
    detail: str


def text_values(text: ItemText) -> dict[str, Any]:
    return {
        "language": text.language,
        "title": text.title,
        "summary": text.summary,
        "origin": text.origin.value,
        "source_language": text.source_language,
        "provider": text.provider,
        "error": text.error,
        "updated_at": text.updated_at,
        "updated_by": text.updated_by,
    }


class IssueRecords(Database):
    """Issues, their editions' states and the audit log; mixed into :class:`mediawatch.store.Store`."""

    # -- reading ----------------------------------------------------------------------------------
    def list_issues(self, *, state: IssueState | None = None) -> list[Issue]:
        query = sa.select(t.issues).order_by(t.issues.c.created_at.desc(), t.issues.c.id.desc())
        if state is not None:
            query = query.where(t.issues.c.state == state.value)
        with self._tx() as conn:
            return [issue_from_row(r) for r in conn.execute(query)]

    def find_issue(self, ref: str | int) -> Issue | None:
        """An issue by id or slug; None when there is none."""
        text = str(ref).strip()
        column: sa.Column[Any]
        value: int | str
        if text.isdigit():  # an id; one out of range names no issue (slugs never are all digits)
            number = row_id(text)
            if number is None:
                return None
            column, value = t.issues.c.id, number
        else:
            column, value = t.issues.c.slug, text
        with self._tx() as conn:
            row = conn.execute(sa.select(t.issues).where(column == value)).first()
        return None if row is None else issue_from_row(row)

    def source_names(self) -> dict[str, str]:
        """source id -> display name (sources dropped from the registry included)."""
        with self._tx() as conn:
            return {r.id: r.name for r in conn.execute(sa.select(t.sources.c.id, t.sources.c.name))}

    def news_search_sources(self) -> set[str]:
        """Ids of the news-search sources: their items are other outlets' articles, credited to the
        publisher each item names (``articles.sitename``), not to the search."""
        query = sa.select(t.sources.c.id).where(t.sources.c.kind == SourceKind.NEWS_SEARCH.value)
        with self._tx() as conn:
            return set(conn.execute(query).scalars())

    def stories_already_published(self, publication: Publication) -> set[int]:
        """Stories carried by an earlier issue of this publication (rejected items and cancelled issues
        excepted): a story is told once."""
        it, i = t.issue_items, t.issues
        query = (
            sa.select(it.c.story_id)
            .join(i, i.c.id == it.c.issue_id)
            .where(
                i.c.publication == publication.value,
                i.c.state != IssueState.CANCELLED.value,
                it.c.status != ItemStatus.REJECTED.value,
            )
        )
        with self._tx() as conn:
            return set(conn.execute(query).scalars())

    def slug_taken(self, slug: str) -> bool:
        with self._tx() as conn:
            return conn.execute(sa.select(t.issues.c.id).where(t.issues.c.slug == slug)).first() is not None

    def issue_content(self, issue_id: int) -> IssueContent:
        """Everything an issue holds; ConflictError when there is no such issue (ids come from a lookup)."""
        with self._tx() as conn:
            found = read_contents(conn, t.issues.c.id == issue_id)
        if not found:
            raise said(ConflictError, "store.conflict.no_issue", issue=issue_id)
        return found[0]

    def issue_contents(self, *, states: Collection[IssueState]) -> list[IssueContent]:
        """Every issue in one of ``states`` with everything it holds (as :meth:`issue_content`), newest
        first, read in as many statements as one issue takes, however many there are."""
        with self._tx() as conn:
            return read_contents(conn, t.issues.c.state.in_(sorted(state.value for state in states)))

    def audit(self, issue_id: int | None = None) -> list[AuditEntry]:
        query = sa.select(t.audit_log).order_by(t.audit_log.c.id)
        if issue_id is not None:
            query = query.where(t.audit_log.c.issue_id == issue_id)
        with self._tx() as conn:
            return [from_row(AuditEntry, r) for r in conn.execute(query).mappings()]

    def audits(self, issue_ids: Collection[int]) -> dict[int, list[AuditEntry]]:
        """:meth:`audit` of each of these issues in one statement, by issue id (none logged: [])."""
        found: dict[int, list[AuditEntry]] = {issue_id: [] for issue_id in issue_ids}
        if not found:
            return found
        query = (
            sa.select(t.audit_log).where(t.audit_log.c.issue_id.in_(sorted(found))).order_by(t.audit_log.c.id)
        )
        with self._tx() as conn:
            for r in conn.execute(query).mappings():
                found[r["issue_id"]].append(from_row(AuditEntry, r))
        return found

    # -- creating ---------------------------------------------------------------------------------
    def create_issue(
        self,
        *,
        slug: str,
        publication: Publication,
        title: str,
        period_from: datetime,
        period_to: datetime,
        languages: Sequence[str],
        sections: Sequence[str],
        items: Sequence[NewItem],
        warnings: Sequence[str] = (),
        actor: str = "",
        pins: Sequence[int] = (),
    ) -> int:
        """A draft issue with its items; ``pins``: the story pins it takes in (marked used by it in the
        same transaction, so a pinned story goes into one issue, once)."""
        now = utcnow()
        with self._tx() as conn:
            issue_id = inserted_id(
                conn.execute(
                    sa.insert(t.issues).values(
                        slug=slug,
                        publication=publication.value,
                        title=title,
                        period_from=period_from,
                        period_to=period_to,
                        languages=json.dumps(list(languages)),
                        sections=json.dumps(list(sections)),
                        state=IssueState.DRAFT.value,
                        warnings=json.dumps(list(warnings), ensure_ascii=False),
                        created_at=now,
                        created_by=actor,
                    )
                )
            )
            for lang in languages:
                conn.execute(
                    sa.insert(t.issue_editions).values(
                        issue_id=issue_id, language=lang, state=EditionState.DRAFT.value
                    )
                )
            for item in items:
                insert_item(conn, issue_id, item)
            use_pins(conn, pins, issue_id)
            audit_line(
                conn,
                issue_id,
                actor,
                "issue.create",
                detail=coded_note(
                    f"{publication.value} {slug}: {len(items)} items, editions {','.join(languages)}",
                    "editor.audit.note.created",
                    publication=publication.value,
                    slug=slug,
                    count=len(items),
                    languages=",".join(languages),
                ),
            )
            return issue_id

    def add_issue_warning(self, issue_id: int, warning: str) -> None:
        with self._tx() as conn:
            raw = conn.execute(sa.select(t.issues.c.warnings).where(t.issues.c.id == issue_id)).scalar_one()
            warnings = json.loads(raw)
            if warning not in warnings:
                warnings.append(warning)
                conn.execute(
                    sa.update(t.issues)
                    .where(t.issues.c.id == issue_id)
                    .values(warnings=json.dumps(warnings, ensure_ascii=False))
                )

    def set_issue_warnings(self, issue_id: int, warnings: Sequence[str]) -> None:
        with self._tx() as conn:
            conn.execute(
                sa.update(t.issues)
                .where(t.issues.c.id == issue_id)
                .values(warnings=json.dumps(list(warnings), ensure_ascii=False))
            )

    def set_issue_title(self, issue_id: int, title: str, *, actor: str) -> bool:
        """An editor's title for the issue (the review stage checks it first), logged with the one it
        replaces; False when it was already that. ConflictError when the issue is gone or past review:
        no edition renders the title, so no approval is withdrawn and nobody becomes an edition's author."""
        title = title.strip()
        with self._tx() as conn:
            issue = editable_issue(conn, issue_id)
            if issue.state not in RETITLABLE_STATES:
                raise said(
                    ConflictError,
                    "store.conflict.title_frozen",
                    issue=issue.slug,
                    state=Message(ISSUE_STATE_KEYS[issue.state]),
                )
            if issue.title == title:
                return False
            conn.execute(sa.update(t.issues).where(t.issues.c.id == issue_id).values(title=title))
            audit_line(conn, issue_id, actor, "issue.title", before=issue.title, after=title)
            return True

    # -- states (the review stage decides which move is allowed) --------------------------------------
    def set_edition_state(
        self,
        issue_id: int,
        language: str,
        state: EditionState,
        *,
        actor: str,
        note: str = "",
        fingerprint: str = "",
    ) -> None:
        """Record an edition's new state (an approval with the fingerprint it is bound to); ConflictError
        when the issue has no such edition."""
        e = t.issue_editions
        with self._tx() as conn:
            row = conn.execute(sa.select(e).where(e.c.issue_id == issue_id, e.c.language == language)).first()
            if row is None:
                raise said(
                    ConflictError,
                    "store.conflict.no_edition",
                    issue=issue_id,
                    language=language_names(language),
                )
            values: dict[str, Any] = {"state": state.value, "note": note}
            if state is EditionState.APPROVED:
                values.update(approved_fingerprint=fingerprint, approved_by=actor, approved_at=utcnow())
            else:
                values.update(approved_fingerprint="", approved_by="", approved_at=None)
            conn.execute(
                sa.update(e).where(e.c.issue_id == issue_id, e.c.language == language).values(values)
            )
            audit_line(
                conn,
                issue_id,
                actor,
                f"edition.{state.value}",
                language=language,
                before=row.state,
                after=state.value,
                detail=note if not fingerprint else f"{note} fingerprint={fingerprint}".strip(),
            )

    def set_issue_state(
        self,
        issue_id: int,
        state: IssueState,
        *,
        actor: str,
        note: str = "",
        scheduled_for: datetime | None = None,
        expect: Sequence[IssueState] | None = None,
    ) -> bool:
        """Move the issue to ``state``; with ``expect``, only from one of those states (False otherwise)."""
        i = t.issues
        with self._tx() as conn:
            query = sa.update(i).where(i.c.id == issue_id)
            if expect is not None:
                query = query.where(i.c.state.in_([s.value for s in expect]))
            before = conn.execute(sa.select(i.c.state).where(i.c.id == issue_id)).scalar()
            values: dict[str, Any] = {"state": state.value}
            if state is IssueState.SCHEDULED:
                values["scheduled_for"] = scheduled_for
            if not conn.execute(query.values(values)).rowcount:
                return False
            audit_line(
                conn, issue_id, actor, f"issue.{state.value}", before=before, after=state.value, detail=note
            )
            return True

    def log_event(
        self,
        issue_id: int | None,
        actor: str,
        action: str,
        *,
        language: str = "",
        target: str = "",
        before: str | None = None,
        after: str | None = None,
        detail: str = "",
    ) -> None:
        """Append one line to the audit log (comments, previews, sends: anything not a content change)."""
        with self._tx() as conn:
            audit_line(
                conn,
                issue_id,
                actor,
                action,
                language=language,
                target=target,
                before=before,
                after=after,
                detail=detail,
            )


# -- helpers inside a transaction (also used by the editions' repository) ----------------------------------
def audit_line(
    conn: Connection,
    issue_id: int | None,
    actor: str,
    action: str,
    *,
    language: str = "",
    target: str = "",
    before: str | None = None,
    after: str | None = None,
    detail: str = "",
) -> None:
    conn.execute(
        sa.insert(t.audit_log).values(
            issue_id=issue_id,
            at=utcnow(),
            actor=actor or "system",
            action=action,
            language=language,
            target=target,
            before=before,
            after=after,
            detail=detail,
        )
    )


def editable_issue(conn: Connection, issue_id: int) -> Issue:
    """The issue, read in the writing transaction; ConflictError when it is gone or its content frozen (it
    left the editable states after the stage checked)."""
    row = conn.execute(sa.select(t.issues).where(t.issues.c.id == issue_id)).first()
    if row is None:
        raise said(ConflictError, "store.conflict.no_issue", issue=issue_id)
    issue = issue_from_row(row)
    if issue.state not in EDITABLE_STATES:
        raise said(
            ConflictError,
            "store.conflict.frozen",
            issue=issue.slug,
            state=Message(ISSUE_STATE_KEYS[issue.state]),
        )
    return issue


def content_changed(
    conn: Connection, issue_id: int, languages: Sequence[str] | None, cause: dict[str, object]
) -> None:
    """An approval is bound to the content approved: a change sends approved editions back to review."""
    e = t.issue_editions
    query = sa.select(e.c.language).where(e.c.issue_id == issue_id, e.c.state == EditionState.APPROVED.value)
    if languages is not None:
        query = query.where(e.c.language.in_(list(languages)))
    reopened = list(conn.execute(query).scalars())
    note = coded_note(f"edited after approval: {cause['text']}", "editor.audit.note.reopened", why=cause)
    for lang in reopened:
        conn.execute(
            sa.update(e)
            .where(e.c.issue_id == issue_id, e.c.language == lang)
            .values(
                state=EditionState.IN_REVIEW.value,
                note=note,
                approved_fingerprint="",
                approved_by="",
                approved_at=None,
            )
        )
        audit_line(
            conn,
            issue_id,
            "system",
            "edition.reopened",
            language=lang,
            before="approved",
            after="in_review",
            detail=note,
        )
    if reopened:
        conn.execute(
            sa.update(t.issues)
            .where(t.issues.c.id == issue_id, t.issues.c.state == IssueState.APPROVED.value)
            .values(state=IssueState.IN_REVIEW.value)
        )


def use_pins(conn: Connection, pin_ids: Sequence[int], issue_id: int) -> None:
    """Mark these pins used by the issue being created, in its transaction: a pin another issue took
    meanwhile is a ConflictError, and the whole issue is rolled back (a pinned story goes in once)."""
    if not pin_ids:
        return
    p = w.story_pins
    result = conn.execute(
        sa.update(p)
        .where(p.c.id.in_(list(pin_ids)), p.c.used_at.is_(None))
        .values(used_issue_id=issue_id, used_at=utcnow())
    )
    if result.rowcount != len(set(pin_ids)):
        raise said(ConflictError, "store.conflict.pin_taken")


def insert_item(conn: Connection, issue_id: int, item: NewItem, *, position: int | None = None) -> int:
    """One item of an issue and its texts, at ``position`` (default: the item's own)."""
    item_id = inserted_id(
        conn.execute(
            sa.insert(t.issue_items).values(
                issue_id=issue_id,
                story_id=item.story_id,
                article_id=item.article_id,
                section=item.section,
                position=item.position if position is None else position,
                status=ItemStatus.PROPOSED.value,
                score=item.score,
                url=item.url,
                outlet=item.outlet,
                published=item.published,
                language=item.language,
                regions=json.dumps(list(item.regions)),
                also_in=json.dumps(
                    [{"outlet": a.outlet, "url": a.url, "language": a.language} for a in item.also_in],
                    ensure_ascii=False,
                ),
            )
        )
    )
    for text in item.texts:
        conn.execute(sa.insert(t.issue_item_texts).values(item_id=item_id, **text_values(text)))
    return item_id
