"""Reading issues whole: the issue, its editions' states, its items with their texts and credits, its
blocks. One issue or many cost the same six statements, each reading its table for all of them at once:
the approver's navigation count reads every issue open to approval on every page she opens.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.store import schema as t
from mediawatch.store.rows import from_row
from mediawatch.store.submissions import credits
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
    TextOrigin,
)


def json_tuple(raw: str) -> tuple[Any, ...]:
    return tuple(json.loads(raw))


def issue_from_row(row: Any) -> Issue:
    return from_row(
        Issue,
        row._mapping,
        publication=Publication(row.publication),
        languages=json_tuple(row.languages),
        state=IssueState(row.state),
        warnings=json_tuple(row.warnings),
        sections=json_tuple(row.sections),
    )


def text_from_row(row: Any) -> ItemText:
    return from_row(ItemText, row._mapping, origin=TextOrigin(row.origin))


def block_from_row(row: Any) -> Block:
    return from_row(Block, row._mapping, kind=BlockKind(row.kind))


def _also_in(raw: str) -> tuple[AlsoIn, ...]:
    return tuple(AlsoIn(**a) for a in json.loads(raw))


def read_contents(conn: Connection, *where: sa.ColumnElement[bool]) -> list[IssueContent]:
    """The contents of the issues ``where`` says, newest first. The later statements name the issues by
    the ids the first one found, not by ``where`` again: an issue changing state meanwhile (PostgreSQL
    reads each statement afresh) keeps its editions and items."""
    issues = [
        issue_from_row(r)
        for r in conn.execute(
            sa.select(t.issues).where(*where).order_by(t.issues.c.created_at.desc(), t.issues.c.id.desc())
        )
    ]
    if not issues:
        return []
    ids = [issue.id for issue in issues]
    editions: dict[int, list[Edition]] = {}
    e = t.issue_editions
    for r in conn.execute(sa.select(e).where(e.c.issue_id.in_(ids))):
        editions.setdefault(r.issue_id, []).append(from_row(Edition, r._mapping, state=EditionState(r.state)))
    it, tt = t.issue_items, t.issue_item_texts
    texts: dict[int, list[ItemText]] = {}
    for r in conn.execute(sa.select(tt).join(it, it.c.id == tt.c.item_id).where(it.c.issue_id.in_(ids))):
        texts.setdefault(r.item_id, []).append(text_from_row(r))
    items: dict[int, list[Any]] = {}
    for r in conn.execute(sa.select(it).where(it.c.issue_id.in_(ids))):
        items.setdefault(r.issue_id, []).append(r)
    sent_in_by = credits(conn, [r.article_id for rows in items.values() for r in rows])
    blocks: dict[int, list[Block]] = {}
    b = t.issue_blocks
    for r in conn.execute(
        sa.select(b).where(b.c.issue_id.in_(ids)).order_by(b.c.language, b.c.position, b.c.id)
    ):
        blocks.setdefault(r.issue_id, []).append(block_from_row(r))
    return [
        _content(issue, editions.get(issue.id, []), items.get(issue.id, []), texts, sent_in_by, blocks)
        for issue in issues
    ]


def _content(
    issue: Issue,
    editions: list[Edition],
    rows: list[Any],
    texts: dict[int, list[ItemText]],
    sent_in_by: dict[int, str],
    blocks: dict[int, list[Block]],
) -> IssueContent:
    order = {lang: n for n, lang in enumerate(issue.languages)}
    section_rank = {s: n for n, s in enumerate(issue.sections)}
    items = [
        from_row(
            IssueItem,
            r._mapping,
            status=ItemStatus(r.status),
            regions=json_tuple(r.regions),
            also_in=_also_in(r.also_in),
            texts=tuple(sorted(texts.get(r.id, []), key=lambda x: order.get(x.language, 99))),
            sent_in_by=sent_in_by.get(r.article_id, ""),
        )
        for r in rows
    ]
    items.sort(key=lambda x: (section_rank.get(x.section, 99), x.position, x.id))
    return IssueContent(
        issue=issue,
        editions=tuple(sorted(editions, key=lambda e: order.get(e.language, 99))),
        items=tuple(items),
        blocks=tuple(blocks.get(issue.id, [])),
    )
