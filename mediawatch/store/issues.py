"""The storage contract for issues: items, texts per edition, editor blocks, translations, audit log.

Every mutation is one transaction that also appends to the audit log and, when it changes what an
edition shows, sends an approved edition back to review: no code path can edit approved content
silently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.errors import WorkflowError
from mediawatch.store import schema as t
from mediawatch.store.core import Database, utcnow
from mediawatch.types import (
    AlsoIn,
    Block,
    BlockKind,
    Edition,
    EditionState,
    Issue,
    IssueContent,
    IssueItem,
    IssueState,
    ItemStatus,
    ItemText,
    Publication,
    SourceKind,
    TextOrigin,
)


def coded_note(text: str, key: str, **fields: object) -> str:
    """A note stored so that each reader gets it in their language (mediawatch.review.audit reads it):
    English ``text`` for anyone reading the raw column, the catalogue ``key`` and its ``fields`` (a field
    may be another coded note, as a dict)."""
    return json.dumps({"text": text, "key": key, "fields": fields}, ensure_ascii=False, default=str)


def _why(text: str, key: str, **fields: object) -> dict[str, object]:
    return {"text": text, "key": key, "fields": fields}


# States in which the content may still change; later states are frozen.
EDITABLE_STATES = frozenset({IssueState.DRAFT, IssueState.IN_REVIEW, IssueState.APPROVED})


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






def _issue_from_row(row: Any) -> Issue:
    return Issue(
        id=row.id,
        slug=row.slug,
        publication=Publication(row.publication),
        title=row.title,
        period_from=row.period_from,
        period_to=row.period_to,
        languages=tuple(json.loads(row.languages)),
        state=IssueState(row.state),
        created_at=row.created_at,
        created_by=row.created_by,
        warnings=tuple(json.loads(row.warnings)),
        sections=tuple(json.loads(row.sections)),
        scheduled_for=row.scheduled_for,
    )


def _text_from_row(row: Any) -> ItemText:
    return ItemText(
        language=row.language,
        title=row.title,
        summary=row.summary,
        origin=TextOrigin(row.origin),
        source_language=row.source_language,
        provider=row.provider,
        error=row.error,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _block_from_row(row: Any) -> Block:
    return Block(
        id=row.id,
        issue_id=row.issue_id,
        language=row.language,
        kind=BlockKind(row.kind),
        position=row.position,
        title=row.title,
        body=row.body,
        link=row.link,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _edition_from_row(row: Any) -> Edition:
    return Edition(
        issue_id=row.issue_id,
        language=row.language,
        state=EditionState(row.state),
        approved_fingerprint=row.approved_fingerprint,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        note=row.note,
    )


def _text_values(text: ItemText) -> dict[str, Any]:
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
    """Mixed into :class:`mediawatch.store.Store`."""

    # -- reading ----------------------------------------------------------------------------------
    def list_issues(self, *, state: IssueState | None = None) -> list[Issue]:
        query = sa.select(t.issues).order_by(t.issues.c.created_at.desc(), t.issues.c.id.desc())
        if state is not None:
            query = query.where(t.issues.c.state == state.value)
        with self._tx() as conn:
            return [_issue_from_row(r) for r in conn.execute(query)]

    def find_issue(self, ref: str | int) -> Issue:
        """An issue by id or slug; WorkflowError naming ``ref`` when there is none."""
        text = str(ref).strip()
        column = t.issues.c.id if text.isdigit() else t.issues.c.slug
        value: int | str = int(text) if text.isdigit() else text
        with self._tx() as conn:
            row = conn.execute(sa.select(t.issues).where(column == value)).first()
        if row is None:
            raise WorkflowError(f"no issue {text!r} (give an issue id or slug; `mediawatch issues list`)")
        return _issue_from_row(row)

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
        with self._tx() as conn:
            return _content(conn, issue_id)

    def audit(self, issue_id: int | None = None) -> list[AuditEntry]:
        query = sa.select(t.audit_log).order_by(t.audit_log.c.id)
        if issue_id is not None:
            query = query.where(t.audit_log.c.issue_id == issue_id)
        with self._tx() as conn:
            return [
                AuditEntry(
                    id=r.id,
                    issue_id=r.issue_id,
                    at=r.at,
                    actor=r.actor,
                    action=r.action,
                    language=r.language,
                    target=r.target,
                    before=r.before,
                    after=r.after,
                    detail=r.detail,
                )
                for r in conn.execute(query)
            ]

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
    ) -> int:
        now = utcnow()
        with self._tx() as conn:
            issue_id = conn.execute(
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
            ).inserted_primary_key[0]  # type: ignore[index]
            for lang in languages:
                conn.execute(
                    sa.insert(t.issue_editions).values(
                        issue_id=issue_id, language=lang, state=EditionState.DRAFT.value
                    )
                )
            for item in items:
                item_id = conn.execute(
                    sa.insert(t.issue_items).values(
                        issue_id=issue_id,
                        story_id=item.story_id,
                        article_id=item.article_id,
                        section=item.section,
                        position=item.position,
                        status=ItemStatus.PROPOSED.value,
                        score=item.score,
                        url=item.url,
                        outlet=item.outlet,
                        published=item.published,
                        language=item.language,
                        regions=json.dumps(list(item.regions)),
                        also_in=json.dumps(
                            [
                                {"outlet": a.outlet, "url": a.url, "language": a.language}
                                for a in item.also_in
                            ],
                            ensure_ascii=False,
                        ),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
                for text in item.texts:
                    conn.execute(sa.insert(t.issue_item_texts).values(item_id=item_id, **_text_values(text)))
            _log(
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
            return int(issue_id)

    # -- editing ----------------------------------------------------------------------------------
    def set_item_text(
        self,
        item_id: int,
        language: str,
        *,
        title: str | None = None,
        summary: str | None = None,
        actor: str,
        origin: TextOrigin = TextOrigin.HUMAN,
    ) -> None:
        """An editor's change to a title and/or summary; ``origin`` says what the text is now (the review
        stage keeps UNTRANSLATED for words touched up but still in another language)."""
        with self._tx() as conn:
            issue_id = _item_issue(conn, item_id)
            _require_editable(conn, issue_id)
            tt = t.issue_item_texts
            row = conn.execute(
                sa.select(tt).where(tt.c.item_id == item_id, tt.c.language == language)
            ).first()
            if row is None:
                raise WorkflowError(f"item {item_id} has no {language!r} edition")
            changes: dict[str, Any] = {}
            for field, value in (("title", title), ("summary", summary)):
                if value is None:
                    continue
                value = value.strip()
                if field == "title" and not value:
                    raise WorkflowError("a title cannot be empty")
                if value != getattr(row, field):
                    changes[field] = value
                    _log(
                        conn,
                        issue_id,
                        actor,
                        f"item.{field}",
                        language=language,
                        target=f"item:{item_id}/{field}",
                        before=getattr(row, field),
                        after=value,
                    )
            if not changes:
                return
            edited = "/".join(sorted(changes))
            changes.update(origin=origin.value, updated_at=utcnow(), updated_by=actor)
            if origin is not TextOrigin.UNTRANSLATED:
                changes["error"] = ""
            conn.execute(
                sa.update(tt).where(tt.c.item_id == item_id, tt.c.language == language).values(changes)
            )
            _content_changed(
                conn,
                issue_id,
                (language,),
                _why(f"item {item_id} {edited} edited", "editor.audit.why.text", item=item_id),
            )

    def set_item_status(
        self, item_id: int, status: ItemStatus, *, actor: str, note: str = ""
    ) -> None:
        with self._tx() as conn:
            issue_id = _item_issue(conn, item_id)
            _require_editable(conn, issue_id)
            it = t.issue_items
            before = conn.execute(sa.select(it.c.status).where(it.c.id == item_id)).scalar_one()
            if before == status.value:
                return
            conn.execute(sa.update(it).where(it.c.id == item_id).values(status=status.value))
            _log(
                conn,
                issue_id,
                actor,
                f"item.{status.value}",
                target=f"item:{item_id}",
                before=before,
                after=status.value,
                detail=note,
            )
            if ItemStatus.REJECTED.value in (before, status.value):
                restored = status is not ItemStatus.REJECTED
                _content_changed(
                    conn,
                    issue_id,
                    None,
                    _why(
                        f"item {item_id} {status.value}",
                        "editor.audit.why.restored" if restored else "editor.audit.why.rejected",
                        item=item_id,
                    ),
                )

    def move_item(
        self, item_id: int, *, position: int, section: str | None = None, actor: str
    ) -> None:
        """Put an item at ``position`` (0-based, clamped) of ``section`` (default: its own)."""
        with self._tx() as conn:
            issue_id = _item_issue(conn, item_id)
            _require_editable(conn, issue_id)
            it = t.issue_items
            row = conn.execute(sa.select(it).where(it.c.id == item_id)).one()
            target = section or row.section
            issue = _issue_from_row(conn.execute(sa.select(t.issues).where(t.issues.c.id == issue_id)).one())
            if target not in issue.sections:
                raise WorkflowError(
                    f"no section {target!r} in this issue (sections: {', '.join(issue.sections)})"
                )
            ids = list(
                conn.execute(
                    sa.select(it.c.id)
                    .where(it.c.issue_id == issue_id, it.c.section == target, it.c.id != item_id)
                    .order_by(it.c.position, it.c.id)
                ).scalars()
            )
            position = max(0, min(position, len(ids)))
            ids.insert(position, item_id)
            for index, other in enumerate(ids):
                values: dict[str, Any] = {"position": index}
                if other == item_id:
                    values["section"] = target
                conn.execute(sa.update(it).where(it.c.id == other).values(values))
            if target != row.section:  # close the gap left in the old section
                rest = conn.execute(
                    sa.select(it.c.id)
                    .where(it.c.issue_id == issue_id, it.c.section == row.section)
                    .order_by(it.c.position, it.c.id)
                ).scalars()
                for index, other in enumerate(rest):
                    conn.execute(sa.update(it).where(it.c.id == other).values(position=index))
            before = f"{row.section}#{row.position}"
            after = f"{target}#{position}"
            if before == after:
                return
            _log(conn, issue_id, actor, "item.move", target=f"item:{item_id}", before=before, after=after)
            _content_changed(
                conn, issue_id, None, _why(f"item {item_id} moved", "editor.audit.why.moved", item=item_id)
            )

    def add_block(
        self,
        issue_id: int,
        language: str,
        kind: BlockKind,
        *,
        title: str,
        body: str,
        link: str = "",
        actor: str,
        position: int | None = None,
    ) -> int:
        with self._tx() as conn:
            issue = _require_editable(conn, issue_id)
            if language not in issue.languages:
                raise WorkflowError(
                    f"issue {issue.slug} has no {language!r} edition (editions: {', '.join(issue.languages)})"
                )
            b = t.issue_blocks
            count = conn.execute(
                sa.select(sa.func.count()).where(b.c.issue_id == issue_id, b.c.language == language)
            ).scalar_one()
            block_id = conn.execute(
                sa.insert(b).values(
                    issue_id=issue_id,
                    language=language,
                    kind=kind.value,
                    position=count if position is None else position,
                    title=title.strip(),
                    body=body.strip(),
                    link=link.strip(),
                    updated_at=utcnow(),
                    updated_by=actor,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            _log(
                conn,
                issue_id,
                actor,
                "block.add",
                language=language,
                target=f"block:{block_id}",
                after=_block_text(title, body, link),
                detail=kind.value,
            )
            _content_changed(
                conn,
                issue_id,
                (language,),
                _why(f"{kind.value} block added", "editor.audit.why.block", kind=kind.value),
            )
            return int(block_id)

    def update_block(
        self,
        block_id: int,
        *,
        actor: str,
        title: str | None = None,
        body: str | None = None,
        link: str | None = None,
        position: int | None = None,
    ) -> None:
        b = t.issue_blocks
        with self._tx() as conn:
            row = conn.execute(sa.select(b).where(b.c.id == block_id)).first()
            if row is None:
                raise WorkflowError(f"no block {block_id}")
            _require_editable(conn, row.issue_id)
            changes: dict[str, Any] = {}
            for field, value in (("title", title), ("body", body), ("link", link)):
                if value is not None and value.strip() != getattr(row, field):
                    changes[field] = value.strip()
            if position is not None and position != row.position:
                changes["position"] = position
            if not changes:
                return
            changes.update(updated_at=utcnow(), updated_by=actor)
            conn.execute(sa.update(b).where(b.c.id == block_id).values(changes))
            _log(
                conn,
                row.issue_id,
                actor,
                "block.edit",
                language=row.language,
                target=f"block:{block_id}",
                before=_block_text(row.title, row.body, row.link),
                after=_block_text(
                    changes.get("title", row.title),
                    changes.get("body", row.body),
                    changes.get("link", row.link),
                ),
                detail=row.kind,
            )
            _content_changed(
                conn,
                row.issue_id,
                (row.language,),
                _why(f"{row.kind} block edited", "editor.audit.why.block", kind=row.kind),
            )

    def delete_block(self, block_id: int, *, actor: str) -> None:
        b = t.issue_blocks
        with self._tx() as conn:
            row = conn.execute(sa.select(b).where(b.c.id == block_id)).first()
            if row is None:
                raise WorkflowError(f"no block {block_id}")
            _require_editable(conn, row.issue_id)
            conn.execute(sa.delete(b).where(b.c.id == block_id))
            _log(
                conn,
                row.issue_id,
                actor,
                "block.delete",
                language=row.language,
                target=f"block:{block_id}",
                before=_block_text(row.title, row.body, row.link),
                detail=row.kind,
            )
            _content_changed(
                conn,
                row.issue_id,
                (row.language,),
                _why(f"{row.kind} block deleted", "editor.audit.why.block", kind=row.kind),
            )

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

    # -- translation ------------------------------------------------------------------------------
    def untranslated_texts(self, issue_id: int | None = None) -> list[tuple[int, str, ItemText, str]]:
        """(item id, article language, text, issue slug) of texts a translation could still fill.

        Only issues whose content may still change, and only texts nobody edited.
        """
        it, tt, i = t.issue_items, t.issue_item_texts, t.issues
        query = (
            sa.select(tt, it.c.language.label("article_language"), i.c.slug)
            .join(it, it.c.id == tt.c.item_id)
            .join(i, i.c.id == it.c.issue_id)
            .where(
                tt.c.origin == TextOrigin.UNTRANSLATED.value,
                i.c.state.in_([s.value for s in EDITABLE_STATES]),
            )
            .order_by(tt.c.item_id, tt.c.language)
        )
        if issue_id is not None:
            query = query.where(it.c.issue_id == issue_id)
        with self._tx() as conn:
            return [(r.item_id, r.article_language, _text_from_row(r), r.slug) for r in conn.execute(query)]

    def fill_translation(
        self, item_id: int, language: str, *, title: str, summary: str, provider: str, actor: str
    ) -> bool:
        """Store a machine translation for a text still untranslated; False if an editor got there first."""
        tt = t.issue_item_texts
        with self._tx() as conn:
            issue_id = _item_issue(conn, item_id)
            done = conn.execute(
                sa.update(tt)
                .where(
                    tt.c.item_id == item_id,
                    tt.c.language == language,
                    tt.c.origin == TextOrigin.UNTRANSLATED.value,
                )
                .values(
                    title=title,
                    summary=summary,
                    origin=TextOrigin.MACHINE.value,
                    provider=provider,
                    error="",
                    updated_at=utcnow(),
                    updated_by="",
                )
            ).rowcount
            if not done:
                return False
            _log(
                conn,
                issue_id,
                actor,
                "item.translate",
                language=language,
                target=f"item:{item_id}",
                after=f"{title}\n\n{summary}",
                detail=provider,
            )
            _content_changed(
                conn,
                issue_id,
                (language,),
                _why(f"item {item_id} translated", "editor.audit.why.translated", item=item_id),
            )
            return True

    def mark_translation_failed(self, item_id: int, language: str, error: str) -> None:
        tt = t.issue_item_texts
        with self._tx() as conn:
            conn.execute(
                sa.update(tt)
                .where(
                    tt.c.item_id == item_id,
                    tt.c.language == language,
                    tt.c.origin == TextOrigin.UNTRANSLATED.value,
                )
                .values(error=error)
            )

    def cached_translation(self, source: str, target: str, key: str) -> str | None:
        tr = t.translations
        with self._tx() as conn:
            value = conn.execute(
                sa.select(tr.c.text).where(
                    tr.c.key == key, tr.c.source_language == source, tr.c.target_language == target
                )
            ).scalar()
        return None if value is None else str(value)

    def cache_translation(
        self, source: str, target: str, key: str, text: str, provider: str = ""
    ) -> None:
        tr = t.translations
        with self._tx() as conn:
            exists = conn.execute(sa.select(tr.c.key).where(tr.c.key == key)).first()
            if exists is None:
                conn.execute(
                    sa.insert(tr).values(
                        key=key,
                        source_language=source,
                        target_language=target,
                        text=text,
                        provider=provider,
                        created_at=utcnow(),
                    )
                )

    # -- workflow primitives (the review stage decides when to call them) ---------------------------
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
        e = t.issue_editions
        with self._tx() as conn:
            row = conn.execute(sa.select(e).where(e.c.issue_id == issue_id, e.c.language == language)).first()
            if row is None:
                raise WorkflowError(f"issue {issue_id} has no {language!r} edition")
            values: dict[str, Any] = {"state": state.value, "note": note}
            if state is EditionState.APPROVED:
                values.update(approved_fingerprint=fingerprint, approved_by=actor, approved_at=utcnow())
            else:
                values.update(approved_fingerprint="", approved_by="", approved_at=None)
            conn.execute(
                sa.update(e).where(e.c.issue_id == issue_id, e.c.language == language).values(values)
            )
            _log(
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
            _log(conn, issue_id, actor, f"issue.{state.value}", before=before, after=state.value, detail=note)
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
            _log(
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


# -- helpers inside a transaction -------------------------------------------------------------------------
def _log(
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


def _block_text(title: str, body: str, link: str) -> str:
    return "\n\n".join(part for part in (title.strip(), body.strip(), link.strip()) if part)


def _item_issue(conn: Connection, item_id: int) -> int:
    issue_id = conn.execute(sa.select(t.issue_items.c.issue_id).where(t.issue_items.c.id == item_id)).scalar()
    if issue_id is None:
        raise WorkflowError(f"no item {item_id}")
    return int(issue_id)


def _require_editable(conn: Connection, issue_id: int) -> Issue:
    row = conn.execute(sa.select(t.issues).where(t.issues.c.id == issue_id)).first()
    if row is None:
        raise WorkflowError(f"no issue {issue_id}")
    issue = _issue_from_row(row)
    if issue.state not in EDITABLE_STATES:
        raise WorkflowError(f"issue {issue.slug} is {issue.state.value}: its content can no longer change")
    return issue


def _content_changed(
    conn: Connection, issue_id: int, languages: Sequence[str] | None, why: dict[str, object]
) -> None:
    """An approval is bound to the content approved: a change sends approved editions back to review."""
    e = t.issue_editions
    query = sa.select(e.c.language).where(e.c.issue_id == issue_id, e.c.state == EditionState.APPROVED.value)
    if languages is not None:
        query = query.where(e.c.language.in_(list(languages)))
    reopened = list(conn.execute(query).scalars())
    note = coded_note(f"edited after approval: {why['text']}", "editor.audit.note.reopened", why=why)
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
        _log(
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


def _content(conn: Connection, issue_id: int) -> IssueContent:
    row = conn.execute(sa.select(t.issues).where(t.issues.c.id == issue_id)).first()
    if row is None:
        raise WorkflowError(f"no issue {issue_id}")
    issue = _issue_from_row(row)
    editions = tuple(
        _edition_from_row(r)
        for r in conn.execute(sa.select(t.issue_editions).where(t.issue_editions.c.issue_id == issue_id))
    )
    order = {lang: n for n, lang in enumerate(issue.languages)}
    editions = tuple(sorted(editions, key=lambda e: order.get(e.language, 99)))
    it, tt = t.issue_items, t.issue_item_texts
    texts: dict[int, list[ItemText]] = {}
    for r in conn.execute(sa.select(tt).join(it, it.c.id == tt.c.item_id).where(it.c.issue_id == issue_id)):
        texts.setdefault(r.item_id, []).append(_text_from_row(r))
    section_rank = {s: n for n, s in enumerate(issue.sections)}
    items = [
        IssueItem(
            id=r.id,
            issue_id=r.issue_id,
            story_id=r.story_id,
            article_id=r.article_id,
            section=r.section,
            position=r.position,
            status=ItemStatus(r.status),
            score=r.score,
            url=r.url,
            outlet=r.outlet,
            published=r.published,
            language=r.language,
            regions=tuple(json.loads(r.regions)),
            also_in=tuple(AlsoIn(**a) for a in json.loads(r.also_in)),
            texts=tuple(sorted(texts.get(r.id, []), key=lambda x: order.get(x.language, 99))),
        )
        for r in conn.execute(sa.select(it).where(it.c.issue_id == issue_id))
    ]
    items.sort(key=lambda x: (section_rank.get(x.section, 99), x.position, x.id))
    blocks = tuple(
        _block_from_row(r)
        for r in conn.execute(
            sa.select(t.issue_blocks)
            .where(t.issue_blocks.c.issue_id == issue_id)
            .order_by(t.issue_blocks.c.language, t.issue_blocks.c.position, t.issue_blocks.c.id)
        )
    )
    return IssueContent(issue=issue, editions=editions, items=tuple(items), blocks=blocks)
