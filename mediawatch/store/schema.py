"""The tables as queries see them: the one description the repositories use.

``schema_review`` and ``schema_deliver`` add the review and delivery tables to this ``metadata`` (they
import this module, never the other way round). What creates the tables in a database is the numbered,
frozen migrations of ``store/migrations/``; a change here needs the next migration as well, and
``tests/test_migrations.py`` fails until both agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the backend keeps (SQLite drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; mediawatch uses aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UTC_DATETIME = UTCDateTime()


def fit(column: sa.Column[Any], value: str) -> str:
    """``value`` cut to the column's length: PostgreSQL refuses a longer VARCHAR value where SQLite would
    keep it whole, so free text bound for a bounded column (a file name, a form name) is cut the same way
    on both."""
    length = getattr(column.type, "length", None)
    return value[:length] if length else value


schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", UTC_DATETIME, nullable=False),
)

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
    # collection state
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("polls_since_unconditional", sa.Integer, nullable=False, server_default="0"),
    sa.Column("validators_trusted", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_status", sa.String(40)),
    sa.Column("last_detail", sa.Text),
    sa.Column("last_fetch", UTC_DATETIME),
    sa.Column("last_success", UTC_DATETIME),
    sa.Column("last_new_item", UTC_DATETIME),
    sa.Column("next_due", UTC_DATETIME),
    sa.Column("first_seen", UTC_DATETIME),
)

fetch_events = sa.Table(
    "fetch_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.String(120), sa.ForeignKey("sources.id"), nullable=False, index=True),
    sa.Column("at", UTC_DATETIME, nullable=False),
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
    sa.Column("published", UTC_DATETIME),
    sa.Column("feed_published", UTC_DATETIME),
    sa.Column("date_source", sa.String(10), nullable=False, server_default=""),
    sa.Column("discovered", UTC_DATETIME, nullable=False),
    sa.Column("fetched_at", UTC_DATETIME),
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
    sa.Column("discovered", UTC_DATETIME, nullable=False),
)

# Every URL form under which an article was met (feed link, redirect target, canonical):
# the identity key is unique, so one article is stored once however it is reached.
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
    sa.Column("started", UTC_DATETIME, nullable=False),
    sa.Column("finished", UTC_DATETIME),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, server_default="{}"),
)

classifications = sa.Table(
    "classifications",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("language_confidence", sa.Float, nullable=False),
    sa.Column("relevant", sa.Boolean, nullable=False, index=True),
    sa.Column("relevance", sa.Float, nullable=False),
    sa.Column("uncertain", sa.Boolean, nullable=False),
    sa.Column("matched_terms", sa.Text, nullable=False),  # JSON list of TermMatch
    sa.Column("themes", sa.Text, nullable=False),  # JSON list
    sa.Column("regions", sa.Text, nullable=False),
    sa.Column("objectives", sa.Text, nullable=False),
    sa.Column("version", sa.String(64), nullable=False, index=True),
    sa.Column("classified_at", UTCDateTime(), nullable=False),
)

# Near-duplicate grouping: one row per classified article; story_id is the id of the story's first article.
story_members = sa.Table(
    "story_members",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("story_id", sa.Integer, nullable=False, index=True),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)

# What editors decided about an article in review: training data for the learned relevance model.
editor_decisions = sa.Table(
    "editor_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("context", sa.Text, nullable=False, server_default=""),
)

# -- issues (migration 3) ------------------------------------------------------------------------------
issues = sa.Table(
    "issues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(120), nullable=False, unique=True),
    sa.Column("publication", sa.String(20), nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("period_from", UTC_DATETIME, nullable=False),
    sa.Column("period_to", UTC_DATETIME, nullable=False),
    sa.Column("languages", sa.Text, nullable=False),  # JSON list
    sa.Column("sections", sa.Text, nullable=False, server_default="[]"),  # JSON list
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("warnings", sa.Text, nullable=False, server_default="[]"),  # JSON list
    sa.Column("created_at", UTC_DATETIME, nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("scheduled_for", UTC_DATETIME),
)

issue_editions = sa.Table(
    "issue_editions",
    metadata,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("language", sa.String(12), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("approved_fingerprint", sa.String(64), nullable=False, server_default=""),
    sa.Column("approved_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("approved_at", UTC_DATETIME),
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
    sa.Column("published", UTC_DATETIME),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("regions", sa.Text, nullable=False, server_default="[]"),  # JSON list
    sa.Column("also_in", sa.Text, nullable=False, server_default="[]"),  # JSON list of {outlet,url,language}
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
    sa.Column("updated_at", UTC_DATETIME),
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
    sa.Column("updated_at", UTC_DATETIME),
    sa.Column("updated_by", sa.String(120), nullable=False, server_default=""),
)

# Machine translations, keyed by text and language pair, never by provider: never paid twice.
translations = sa.Table(
    "translations",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("source_language", sa.String(12), nullable=False),
    sa.Column("target_language", sa.String(12), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("provider", sa.String(40), nullable=False, server_default=""),
    sa.Column("created_at", UTC_DATETIME, nullable=False),
)

# Append-only: who did what to an issue, when, with the before and after of every text change.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), index=True),
    sa.Column("at", UTC_DATETIME, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("language", sa.String(12), nullable=False, server_default=""),
    sa.Column("target", sa.Text, nullable=False, server_default=""),  # e.g. "item:12/title", "block:3"
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

sa.Index("ix_articles_published", articles.c.published)
sa.Index("ix_articles_duplicate_of", articles.c.duplicate_of)
sa.Index("ix_fetch_events_source_at", fetch_events.c.source_id, fetch_events.c.at)

# The watch's full-text search (migration 6): which articles are in the index, analysed how. The index
# itself (search_documents) is dialect-specific and reached through SQL text in store/search.py.
search_marks = sa.Table(
    "search_marks",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("analyzer", sa.String(60), nullable=False),
    sa.Column("indexed_at", UTC_DATETIME, nullable=False),
)


def first_source(column: sa.Column[Any]) -> sa.ScalarSelect[Any]:
    """``column`` of the source that first brought the article in the enclosing query (its outlet, its
    region): an article met in several feeds is credited to the first."""
    return (
        sa.select(column)
        .join(article_sources, article_sources.c.source_id == sources.c.id)
        .where(article_sources.c.article_id == articles.c.id)
        .order_by(article_sources.c.discovered)
        .limit(1)
        .scalar_subquery()
    )
