"""Version 7 (released with the watch): editors' corrections, pinned stories, correspondents' items, saved
watches and the mail they send, and an address for each user.

Frozen: never edit it, add the next number (see the package docstring).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION = 7

metadata = sa.MetaData()
DATETIME = sa.DateTime(timezone=True)

# Referenced only (created by versions 1 and 3).
sa.Table("articles", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("issues", metadata, sa.Column("id", sa.Integer, primary_key=True))

article_corrections = sa.Table(
    "article_corrections",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("field", sa.String(20), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("at", DATETIME, nullable=False),
)

story_pins = sa.Table(
    "story_pins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("story_id", sa.Integer, nullable=False),
    sa.Column("publication", sa.String(20), nullable=False),
    sa.Column("pinned_by", sa.String(120), nullable=False),
    sa.Column("pinned_at", DATETIME, nullable=False),
    sa.Column("used_issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="SET NULL")),
    sa.Column("used_at", DATETIME),
    sa.UniqueConstraint("story_id", "publication", name="uq_story_pins_story_publication"),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("author", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False, server_default=""),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("language", sa.String(12), nullable=False, server_default=""),
    sa.Column("region", sa.String(60), nullable=False, server_default=""),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL"), index=True),
    sa.Column("submitted_at", DATETIME, nullable=False),
    sa.Column("reviewed_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("reviewed_at", DATETIME),
)

watches = sa.Table(
    "watches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("filters", sa.Text, nullable=False, server_default="{}"),
    sa.Column("every", sa.String(10), nullable=False),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, server_default=""),
    sa.Column("feed_key", sa.String(64), nullable=False, unique=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", DATETIME, nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("last_digest_at", DATETIME),
)

watch_mail = sa.Table(
    "watch_mail",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("period_end", DATETIME, nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body_text", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text, nullable=False, server_default=""),
    sa.Column("stories", sa.Text, nullable=False, server_default="[]"),
    sa.Column("message_id", sa.String(255), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", DATETIME, nullable=False),
    sa.Column("attempt_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("data_sent_at", DATETIME),
    sa.Column("sent_at", DATETIME),
    sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_code", sa.Integer),
    sa.Column("last_response", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", DATETIME, nullable=False),
    sa.UniqueConstraint("watch_id", "kind", "period_end", name="uq_watch_mail_watch_kind_period"),
)

sa.Index("ix_story_pins_open", story_pins.c.publication, story_pins.c.used_issue_id)

TABLES = [article_corrections, story_pins, submissions, watches, watch_mail]


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=TABLES)
    conn.exec_driver_sql("ALTER TABLE users ADD COLUMN email VARCHAR(320) NOT NULL DEFAULT ''")
