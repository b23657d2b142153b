"""The storage of the review stage's conversation: comments on items, and the articles the classifier
was unsure about.

Mixed into :class:`mediawatch.store.Store`; users and sessions are :mod:`mediawatch.store.users`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from mediawatch.store import schema as t
from mediawatch.store import schema_review as r
from mediawatch.store.core import Database, inserted_id, utcnow
from mediawatch.store.issues import audit_line
from mediawatch.store.rows import from_row
from mediawatch.types import Comment


@dataclass(frozen=True, slots=True)
class UnsureItem:
    """An article the classifier was unsure about, with what an editor needs to decide."""

    article_id: int
    title: str
    url: str
    language: str
    relevance: float
    relevant: bool
    published: datetime | None
    decided: bool | None  # the latest editor decision, None when nobody decided yet


class ReviewRecords(Database):
    """Comments on items and the classifier's unsure articles."""

    # -- comments ---------------------------------------------------------------------------------
    def add_comment(self, item_id: int, author: str, body: str) -> Comment | None:
        """A comment (stripped) on an item, also a line in the issue's audit log; None when there is no
        such item."""
        text = body.strip()
        now = utcnow()
        with self._tx() as conn:
            issue_id = conn.execute(
                sa.select(t.issue_items.c.issue_id).where(t.issue_items.c.id == item_id)
            ).scalar()
            if issue_id is None:
                return None
            comment_id = inserted_id(
                conn.execute(
                    sa.insert(r.item_comments).values(
                        issue_id=issue_id, item_id=item_id, author=author, body=text, at=now
                    )
                )
            )
            audit_line(conn, issue_id, author, "item.comment", target=f"item:{item_id}", after=text)
        return Comment(
            id=comment_id, issue_id=int(issue_id), item_id=item_id, author=author, body=text, at=now
        )

    def comments(self, issue_id: int) -> list[Comment]:
        c = r.item_comments
        with self._tx() as conn:
            query = sa.select(c).where(c.c.issue_id == issue_id).order_by(c.c.id)
            return [from_row(Comment, row) for row in conn.execute(query).mappings()]

    # -- what the classifier was unsure about -----------------------------------------------------
    def unsure_items(self, *, limit: int = 200) -> list[UnsureItem]:
        """Articles classified ``uncertain``, newest first, with the latest editor decision if any."""
        a, c, d = t.articles, t.classifications, t.editor_decisions
        latest = (
            sa.select(d.c.accepted)
            .where(d.c.article_id == a.c.id)
            .order_by(d.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            sa.select(
                a.c.id,
                a.c.title,
                a.c.url,
                a.c.published,
                c.c.language,
                c.c.relevance,
                c.c.relevant,
                latest.label("decided"),
            )
            .join(c, c.c.article_id == a.c.id)
            .where(c.c.uncertain.is_(True), a.c.duplicate_of.is_(None))
            .order_by(sa.func.coalesce(a.c.published, a.c.discovered).desc(), a.c.id.desc())
            .limit(limit)
        )
        with self._tx() as conn:
            return [
                from_row(
                    UnsureItem,
                    row._mapping,
                    article_id=row.id,
                    relevance=float(row.relevance),
                    relevant=bool(row.relevant),
                    decided=None if row.decided is None else bool(row.decided),
                )
                for row in conn.execute(query)
            ]
