"""The watch's tables as queries see them (editors' corrections, pinned stories, correspondents' items,
saved watches and their mail); created by migration 7, ``migrations/v0007_watch.py``."""

from __future__ import annotations

import sqlalchemy as sa

from mediawatch.store.schema import UTC_DATETIME, metadata

# An editor's correction of what the classifier said about an article; the latest per field wins, and a
# reclassification keeps it. field: relevant, language, themes, regions, objectives; value: JSON.
article_corrections = sa.Table(
    "article_corrections",
    metadata,
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("field", sa.String(20), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("at", UTC_DATETIME, nullable=False),
)

# A story pinned for the next issue of a publication; used_issue_id is set when a draft took it in.
story_pins = sa.Table(
    "story_pins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("story_id", sa.Integer, nullable=False),
    sa.Column("publication", sa.String(20), nullable=False),
    sa.Column("pinned_by", sa.String(120), nullable=False),
    sa.Column("pinned_at", UTC_DATETIME, nullable=False),
    sa.Column("used_issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="SET NULL")),
    sa.Column("used_at", UTC_DATETIME),
    sa.UniqueConstraint("story_id", "publication", name="uq_story_pins_story_publication"),
)

# What a regional correspondent sent in (a URL, or a title and text), and what became of it.
# status: received, added (article_id set), failed (detail says why), dismissed.
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
    sa.Column("submitted_at", UTC_DATETIME, nullable=False),
    sa.Column("reviewed_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("reviewed_at", UTC_DATETIME),
)

# A saved search (the strategic watch). owner: a user's name, or "team". filters: JSON of the search
# filters. feed_key: the secret part of the Atom feed's URL. last_digest_at: the cut-off of the last
# digest built (the next one holds only the matches found after it).
watches = sa.Table(
    "watches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("filters", sa.Text, nullable=False, server_default="{}"),
    sa.Column("every", sa.String(10), nullable=False),  # daily, weekly
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("email", sa.String(320), nullable=False, server_default=""),
    sa.Column("feed_key", sa.String(64), nullable=False, unique=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTC_DATETIME, nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("last_digest_at", UTC_DATETIME),
)

# The watches' own outbox: each digest or spike alert is built once (the unique key), with its rendered
# message, then sent with the same states as the issue outbox (queued, sending, sent, failed, ...).
watch_mail = sa.Table(
    "watch_mail",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("watch_id", sa.Integer, sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # digest, spike
    sa.Column("period_end", UTC_DATETIME, nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("body_text", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text, nullable=False, server_default=""),
    sa.Column("stories", sa.Text, nullable=False, server_default="[]"),  # JSON list of story ids
    sa.Column("message_id", sa.String(255), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
    sa.Column("attempt_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("data_sent_at", UTC_DATETIME),
    sa.Column("sent_at", UTC_DATETIME),
    sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_code", sa.Integer),
    sa.Column("last_response", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTC_DATETIME, nullable=False),
    sa.UniqueConstraint("watch_id", "kind", "period_end", name="uq_watch_mail_watch_kind_period"),
)

sa.Index("ix_story_pins_open", story_pins.c.publication, story_pins.c.used_issue_id)
