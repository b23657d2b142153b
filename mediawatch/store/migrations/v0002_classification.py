"""Version 2 (released with the classifier): classifications, story members, editor decisions.
Frozen: never edit it, add the next number (see the package docstring)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION = 2

metadata = sa.MetaData()
DATETIME = sa.DateTime(timezone=True)

# Referenced only (created by version 1): the foreign keys below need the column to name.
sa.Table("articles", metadata, sa.Column("id", sa.Integer, primary_key=True))

classifications = sa.Table(
    "classifications",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("language_confidence", sa.Float, nullable=False),
    sa.Column("relevant", sa.Boolean, nullable=False, index=True),
    sa.Column("relevance", sa.Float, nullable=False),
    sa.Column("uncertain", sa.Boolean, nullable=False),
    sa.Column("matched_terms", sa.Text, nullable=False),
    sa.Column("themes", sa.Text, nullable=False),
    sa.Column("regions", sa.Text, nullable=False),
    sa.Column("objectives", sa.Text, nullable=False),
    sa.Column("version", sa.String(64), nullable=False, index=True),
    sa.Column("classified_at", DATETIME, nullable=False),
)

story_members = sa.Table(
    "story_members",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("story_id", sa.Integer, nullable=False, index=True),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)

editor_decisions = sa.Table(
    "editor_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("context", sa.Text, nullable=False, server_default=""),
)

TABLES = [classifications, story_members, editor_decisions]


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=TABLES)
