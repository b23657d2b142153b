"""The review stage's tables as queries see them (users, web sessions, comments on items, login attempts);
created by migration 4, ``migrations/v0004_review.py``."""

from __future__ import annotations

import sqlalchemy as sa

from mediawatch.store.schema import UTC_DATETIME, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id, PHC string with its parameters
    sa.Column("language", sa.String(12), nullable=False, server_default="en"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTC_DATETIME, nullable=False),
    sa.Column("updated_at", UTC_DATETIME, nullable=False),
    sa.Column("email", sa.String(320), nullable=False, server_default=""),  # migration 7: watch digests
)

# Server-side half of a web session: the cookie holds a random token, only its SHA-256 is kept here, so
# logging out (or a password change) really ends a session and a database leak gives no usable cookie.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("created_at", UTC_DATETIME, nullable=False),
    sa.Column("expires_at", UTC_DATETIME, nullable=False),
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
    sa.Column("at", UTC_DATETIME, nullable=False),
)

# Every login attempt, for the rate limit (failures per name and per address in a recent window).
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("remote", sa.String(64), nullable=False, server_default=""),
    sa.Column("at", UTC_DATETIME, nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
)

sa.Index("ix_login_attempts_name_at", login_attempts.c.name, login_attempts.c.at)
sa.Index("ix_login_attempts_remote_at", login_attempts.c.remote, login_attempts.c.at)
