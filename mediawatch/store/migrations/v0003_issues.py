"""Version 3 (released with issues as data): issues, editions, items, item texts, blocks, translations, the
audit log. Frozen: never edit it, add the next number (see the package docstring)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION = 3

metadata = sa.MetaData()
DATETIME = sa.DateTime(timezone=True)

# Referenced only (created by version 1).
sa.Table("articles", metadata, sa.Column("id", sa.Integer, primary_key=True))

issues = sa.Table(
    "issues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(120), nullable=False, unique=True),
    sa.Column("publication", sa.String(20), nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("period_from", DATETIME, nullable=False),
    sa.Column("period_to", DATETIME, nullable=False),
    sa.Column("languages", sa.Text, nullable=False),
    sa.Column("sections", sa.Text, nullable=False, server_default="[]"),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("warnings", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_at", DATETIME, nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("scheduled_for", DATETIME),
)

issue_editions = sa.Table(
    "issue_editions",
    metadata,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("language", sa.String(12), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("approved_fingerprint", sa.String(64), nullable=False, server_default=""),
    sa.Column("approved_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("approved_at", DATETIME),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)

issue_items = sa.Table(
    "issue_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("story_id", sa.Integer, nullable=False),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False),
    sa.Column("section", sa.String(40), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("score", sa.Float, nullable=False, server_default="0"),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("outlet", sa.Text, nullable=False, server_default=""),
    sa.Column("published", DATETIME),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("regions", sa.Text, nullable=False, server_default="[]"),
    sa.Column("also_in", sa.Text, nullable=False, server_default="[]"),
    sa.UniqueConstraint("issue_id", "story_id", name="uq_issue_items_story"),
)

issue_item_texts = sa.Table(
    "issue_item_texts",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("issue_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("language", sa.String(12), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("origin", sa.String(20), nullable=False),
    sa.Column("source_language", sa.String(12), nullable=False),
    sa.Column("provider", sa.String(40), nullable=False, server_default=""),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("updated_at", DATETIME),
    sa.Column("updated_by", sa.String(120), nullable=False, server_default=""),
)

issue_blocks = sa.Table(
    "issue_blocks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("body", sa.Text, nullable=False, server_default=""),
    sa.Column("link", sa.Text, nullable=False, server_default=""),
    sa.Column("updated_at", DATETIME),
    sa.Column("updated_by", sa.String(120), nullable=False, server_default=""),
)

translations = sa.Table(
    "translations",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("source_language", sa.String(12), nullable=False),
    sa.Column("target_language", sa.String(12), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("provider", sa.String(40), nullable=False, server_default=""),
    sa.Column("created_at", DATETIME, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), index=True),
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("language", sa.String(12), nullable=False, server_default=""),
    sa.Column("target", sa.Text, nullable=False, server_default=""),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

TABLES = [issues, issue_editions, issue_items, issue_item_texts, issue_blocks, translations, audit_log]


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=TABLES)
