"""Version 4 (released with the review stage): users, web sessions, comments on items, login attempts.
Frozen: never edit it, add the next number (see the package docstring)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION = 4

metadata = sa.MetaData()
DATETIME = sa.DateTime(timezone=True)

# Referenced only (created by version 3).
sa.Table("issues", metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("issue_items", metadata, sa.Column("id", sa.Integer, primary_key=True))

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("language", sa.String(12), nullable=False, server_default="en"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", DATETIME, nullable=False),
    sa.Column("updated_at", DATETIME, nullable=False),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("created_at", DATETIME, nullable=False),
    sa.Column("expires_at", DATETIME, nullable=False),
)

item_comments = sa.Table(
    "item_comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("issue_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author", sa.String(120), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("at", DATETIME, nullable=False),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("remote", sa.String(64), nullable=False, server_default=""),
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
)

sa.Index("ix_login_attempts_name_at", login_attempts.c.name, login_attempts.c.at)
sa.Index("ix_login_attempts_remote_at", login_attempts.c.remote, login_attempts.c.at)

TABLES = [users, web_sessions, item_comments, login_attempts]


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=TABLES)
