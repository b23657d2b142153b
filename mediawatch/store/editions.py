"""The storage of what editions show: items' texts, statuses and places, editor blocks, machine
translations, and the translation cache.

Every change is one transaction that appends to the audit log and, when it changes what an edition shows,
sends an approved edition back to review (:func:`~mediawatch.store.issues.content_changed`): no code path
can edit approved content silently. The rules of who may edit what, and which texts are acceptable, are
the review stage's (:mod:`mediawatch.review.editing`); here a write refuses with
:class:`~mediawatch.errors.ConflictError` only what it cannot do safely: rows that are gone, and an issue
whose content froze between the stage's check and the write.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.errors import ConflictError
from mediawatch.i18n import language_names, said
from mediawatch.store import schema as t
from mediawatch.store.contents import block_from_row, text_from_row
from mediawatch.store.core import Database, inserted_id, utcnow
from mediawatch.store.issues import (
    EDITABLE_STATES,
    audit_line,
    content_changed,
    editable_issue,
    why,
)
from mediawatch.types import Block, BlockKind, ItemStatus, ItemText, TextOrigin


class EditionRecords(Database):
    """Items, texts and blocks of an issue's editions; mixed into :class:`mediawatch.store.Store`."""

    # -- reading by parts -------------------------------------------------------------------------
    def item_issue_id(self, item_id: int) -> int | None:
        """The issue an item belongs to; None when there is no such item."""
        with self._tx() as conn:
            return _item_issue(conn, item_id)

    def block(self, block_id: int) -> Block | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(t.issue_blocks).where(t.issue_blocks.c.id == block_id)).first()
        return None if row is None else block_from_row(row)

    # -- items ------------------------------------------------------------------------------------
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
        """An editor's change to a title and/or summary (stripped); ``origin`` says what the text is now
        (the review stage keeps UNTRANSLATED for words touched up but still in another language)."""
        tt = t.issue_item_texts
        with self._tx() as conn:
            issue_id = _editable_item(conn, item_id)
            row = conn.execute(
                sa.select(tt).where(tt.c.item_id == item_id, tt.c.language == language)
            ).first()
            if row is None:
                raise said(
                    ConflictError,
                    "store.conflict.item_no_edition",
                    id=item_id,
                    language=language_names(language),
                )
            changes: dict[str, Any] = {}
            for field, value in (("title", title), ("summary", summary)):
                if value is None or value.strip() == getattr(row, field):
                    continue
                changes[field] = value.strip()
                audit_line(
                    conn,
                    issue_id,
                    actor,
                    f"item.{field}",
                    language=language,
                    target=f"item:{item_id}/{field}",
                    before=getattr(row, field),
                    after=changes[field],
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
            content_changed(
                conn,
                issue_id,
                (language,),
                why(f"item {item_id} {edited} edited", "editor.audit.why.text", item=item_id),
            )

    def set_item_status(self, item_id: int, status: ItemStatus, *, actor: str, note: str = "") -> None:
        with self._tx() as conn:
            issue_id = _editable_item(conn, item_id)
            it = t.issue_items
            before = conn.execute(sa.select(it.c.status).where(it.c.id == item_id)).scalar_one()
            if before == status.value:
                return
            conn.execute(sa.update(it).where(it.c.id == item_id).values(status=status.value))
            audit_line(
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
                content_changed(
                    conn,
                    issue_id,
                    None,
                    why(
                        f"item {item_id} {status.value}",
                        "editor.audit.why.restored" if restored else "editor.audit.why.rejected",
                        item=item_id,
                    ),
                )

    def move_item(self, item_id: int, *, position: int, section: str | None = None, actor: str) -> None:
        """Put an item at ``position`` (0-based, clamped) of ``section`` (default: its own); ConflictError
        for a section the issue does not have."""
        with self._tx() as conn:
            issue = editable_issue(conn, _editable_item(conn, item_id))
            it = t.issue_items
            row = conn.execute(sa.select(it).where(it.c.id == item_id)).one()
            target = section or row.section
            if target not in issue.sections:
                raise said(ConflictError, "store.conflict.no_section", issue=issue.slug, section=target)
            ids = list(
                conn.execute(
                    sa.select(it.c.id)
                    .where(it.c.issue_id == issue.id, it.c.section == target, it.c.id != item_id)
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
                    .where(it.c.issue_id == issue.id, it.c.section == row.section)
                    .order_by(it.c.position, it.c.id)
                ).scalars()
                for index, other in enumerate(rest):
                    conn.execute(sa.update(it).where(it.c.id == other).values(position=index))
            before = f"{row.section}#{row.position}"
            after = f"{target}#{position}"
            if before == after:
                return
            audit_line(
                conn, issue.id, actor, "item.move", target=f"item:{item_id}", before=before, after=after
            )
            content_changed(
                conn, issue.id, None, why(f"item {item_id} moved", "editor.audit.why.moved", item=item_id)
            )

    # -- blocks -----------------------------------------------------------------------------------
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
        """A new block (its texts stripped); ConflictError for a language the issue has no edition in."""
        with self._tx() as conn:
            issue = editable_issue(conn, issue_id)
            if language not in issue.languages:
                raise said(
                    ConflictError,
                    "store.conflict.no_edition",
                    issue=issue.slug,
                    language=language_names(language),
                )
            b = t.issue_blocks
            count = conn.execute(
                sa.select(sa.func.count()).where(b.c.issue_id == issue_id, b.c.language == language)
            ).scalar_one()
            block_id = inserted_id(
                conn.execute(
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
                )
            )
            audit_line(
                conn,
                issue_id,
                actor,
                "block.add",
                language=language,
                target=f"block:{block_id}",
                after=_block_text(title, body, link),
                detail=kind.value,
            )
            content_changed(
                conn,
                issue_id,
                (language,),
                why(f"{kind.value} block added", "editor.audit.why.block", kind=kind.value),
            )
            return block_id

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
            row = _editable_block(conn, block_id)
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
            audit_line(
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
            content_changed(
                conn,
                row.issue_id,
                (row.language,),
                why(f"{row.kind} block edited", "editor.audit.why.block", kind=row.kind),
            )

    def delete_block(self, block_id: int, *, actor: str) -> None:
        b = t.issue_blocks
        with self._tx() as conn:
            row = _editable_block(conn, block_id)
            conn.execute(sa.delete(b).where(b.c.id == block_id))
            audit_line(
                conn,
                row.issue_id,
                actor,
                "block.delete",
                language=row.language,
                target=f"block:{block_id}",
                before=_block_text(row.title, row.body, row.link),
                detail=row.kind,
            )
            content_changed(
                conn,
                row.issue_id,
                (row.language,),
                why(f"{row.kind} block deleted", "editor.audit.why.block", kind=row.kind),
            )

    # -- machine translation of the texts -----------------------------------------------------------
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
            return [(r.item_id, r.article_language, text_from_row(r), r.slug) for r in conn.execute(query)]

    def fill_translation(
        self, item_id: int, language: str, *, title: str, summary: str, provider: str, actor: str
    ) -> bool:
        """Store a machine translation for a text still untranslated; False if an editor got there first
        (or the item is gone)."""
        tt = t.issue_item_texts
        with self._tx() as conn:
            issue_id = _item_issue(conn, item_id)
            if issue_id is None:
                return False
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
            audit_line(
                conn,
                issue_id,
                actor,
                "item.translate",
                language=language,
                target=f"item:{item_id}",
                after=f"{title}\n\n{summary}",
                detail=provider,
            )
            content_changed(
                conn,
                issue_id,
                (language,),
                why(f"item {item_id} translated", "editor.audit.why.translated", item=item_id),
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


class TranslationCacheRecords(Database):
    """Machine translations already paid for, by text key; mixed into :class:`mediawatch.store.Store`."""

    def cached_translation(self, source: str, target: str, key: str) -> str | None:
        tr = t.translations
        with self._tx() as conn:
            value = conn.execute(
                sa.select(tr.c.text).where(
                    tr.c.key == key, tr.c.source_language == source, tr.c.target_language == target
                )
            ).scalar()
        return None if value is None else str(value)

    def cache_translation(self, source: str, target: str, key: str, text: str, provider: str = "") -> None:
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


def _block_text(title: str, body: str, link: str) -> str:
    return "\n\n".join(part for part in (title.strip(), body.strip(), link.strip()) if part)


def _item_issue(conn: Connection, item_id: int) -> int | None:
    issue_id = conn.execute(sa.select(t.issue_items.c.issue_id).where(t.issue_items.c.id == item_id)).scalar()
    return None if issue_id is None else int(issue_id)


def _editable_item(conn: Connection, item_id: int) -> int:
    """The issue of an item whose content may still change (ConflictError otherwise)."""
    issue_id = _item_issue(conn, item_id)
    if issue_id is None:
        raise said(ConflictError, "store.conflict.no_item", id=item_id)
    editable_issue(conn, issue_id)
    return issue_id


def _editable_block(conn: Connection, block_id: int) -> Any:
    row = conn.execute(sa.select(t.issue_blocks).where(t.issue_blocks.c.id == block_id)).first()
    if row is None:
        raise said(ConflictError, "store.conflict.no_block", id=block_id)
    editable_issue(conn, row.issue_id)
    return row
