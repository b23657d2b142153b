"""Version 1 (released with the collector): sources, fetch events, articles, their sources and URL aliases,
runs. Frozen: never edit it, add the next number (see the package docstring)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION = 1

metadata = sa.MetaData()
# DDL only: the query side's UTCDateTime type renders the same column, but is not imported, so a change to
# it can never change what this version creates.
DATETIME = sa.DateTime(timezone=True)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.String(120), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("country", sa.String(8), nullable=False, server_default=""),
    sa.Column("region", sa.String(20), nullable=False, server_default="global"),
    sa.Column("outlet_type", sa.String(20), nullable=False, server_default="press"),
    sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("in_registry", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("polls_since_unconditional", sa.Integer, nullable=False, server_default="0"),
    sa.Column("validators_trusted", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_status", sa.String(40)),
    sa.Column("last_detail", sa.Text),
    sa.Column("last_fetch", DATETIME),
    sa.Column("last_success", DATETIME),
    sa.Column("last_new_item", DATETIME),
    sa.Column("next_due", DATETIME),
    sa.Column("first_seen", DATETIME),
)

fetch_events = sa.Table(
    "fetch_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.String(120), sa.ForeignKey("sources.id"), nullable=False, index=True),
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("http_status", sa.Integer),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("new_items", sa.Integer, nullable=False, server_default="0"),
    sa.Column("duration_ms", sa.Integer, nullable=False, server_default="0"),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("title_key", sa.Text, nullable=False, server_default="", index=True),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("summary", sa.Text, nullable=False, server_default=""),
    sa.Column("author", sa.Text, nullable=False, server_default=""),
    sa.Column("sitename", sa.Text, nullable=False, server_default=""),
    sa.Column("language", sa.String(12), nullable=False, server_default=""),
    sa.Column("feed_language", sa.String(12), nullable=False, server_default=""),
    sa.Column("published", DATETIME),
    sa.Column("feed_published", DATETIME),
    sa.Column("date_source", sa.String(10), nullable=False, server_default=""),
    sa.Column("discovered", DATETIME, nullable=False),
    sa.Column("fetched_at", DATETIME),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("partial_reason", sa.String(40)),
    sa.Column("partial_detail", sa.Text),
    sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("articles.id")),
)

article_sources = sa.Table(
    "article_sources",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), primary_key=True),
    sa.Column("source_id", sa.String(120), sa.ForeignKey("sources.id"), primary_key=True),
    sa.Column("entry_url", sa.Text, nullable=False),
    sa.Column("discovered", DATETIME, nullable=False),
)

url_aliases = sa.Table(
    "url_aliases",
    metadata,
    sa.Column("url_key", sa.Text, primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id"), nullable=False, index=True),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("started", DATETIME, nullable=False),
    sa.Column("finished", DATETIME),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, server_default="{}"),
)

sa.Index("ix_articles_published", articles.c.published)
sa.Index("ix_articles_duplicate_of", articles.c.duplicate_of)
sa.Index("ix_fetch_events_source_at", fetch_events.c.source_id, fetch_events.c.at)

TABLES = [sources, fetch_events, articles, article_sources, url_aliases, runs]


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=TABLES)
