"""The delivery stage's tables as queries see them (subscribers, consent, outbox, attempts, suppression,
bounces); created by migration 5, ``migrations/v0005_delivery.py``.

The outbox holds one row per (issue, subscriber), unique twice over: per (issue, edition language,
subscriber), the key the issue asks for, and per (issue, subscriber), so a subscriber can never be queued
two editions of one issue. Its ``status`` walks ``queued -> data_sent -> sent | queued (4xx) | failed``,
or ``queued -> skipped``; ``data_sent`` is committed just before the end-of-data dot goes to the SMTP
server (see docs/deliver.md, "Exactly once").
"""

from __future__ import annotations

import sqlalchemy as sa

from mediawatch.store.schema import UTC_DATETIME, metadata

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False, unique=True),  # lower-cased: the identity
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("fallback", sa.String(60), nullable=False, server_default=""),  # "en,fr": after language
    sa.Column("status", sa.String(20), nullable=False, index=True),
    # Random, part of every signed link: a subscriber deleted and added again gets links the old ones
    # cannot open.
    sa.Column("link_key", sa.String(32), nullable=False),
    sa.Column("created_at", UTC_DATETIME, nullable=False),
    sa.Column("updated_at", UTC_DATETIME, nullable=False),
    sa.Column("confirmed_at", UTC_DATETIME),
    sa.Column("unsubscribed_at", UTC_DATETIME),
    sa.Column("confirmation_sent_at", UTC_DATETIME),
    sqlite_autoincrement=True,  # ids are never reused: links and outbox rows name them
)

subscriber_publications = sa.Table(
    "subscriber_publications",
    metadata,
    sa.Column(
        "subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("publication", sa.String(30), primary_key=True),
)

# Proof of consent and of its withdrawal: who agreed to what, when, how, on which form and wording.
consent_records = sa.Table(
    "consent_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "subscriber_id",
        sa.Integer,
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("at", UTC_DATETIME, nullable=False),
    sa.Column("action", sa.String(30), nullable=False),  # subscribe, confirm, change, unsubscribe, ...
    sa.Column("method", sa.String(30), nullable=False),  # web-form, csv-import, cli, one-click, ...
    sa.Column("form", sa.String(80), nullable=False, server_default=""),
    sa.Column("wording_version", sa.String(40), nullable=False, server_default=""),
    sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

# One row per issue whose outbox was built: building happens once, in one transaction.
issue_sends = sa.Table(
    "issue_sends",
    metadata,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("built_at", UTC_DATETIME, nullable=False),
    sa.Column("built_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("finished_at", UTC_DATETIME),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("language", sa.String(12), nullable=False),
    # NULL once the subscriber deleted their data (the row stays as anonymous history)
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="SET NULL")),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("message_id", sa.String(255), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
    sa.Column("attempt_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("data_sent_at", UTC_DATETIME),
    sa.Column("sent_at", UTC_DATETIME),
    sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.false()),  # 250 reply seen
    sa.Column("last_code", sa.Integer),
    sa.Column("last_response", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("issue_id", "language", "subscriber_id", name="uq_outbox_issue_language_subscriber"),
    sa.UniqueConstraint("issue_id", "subscriber_id", name="uq_outbox_issue_subscriber"),
)

sa.Index("ix_outbox_issue_status", outbox.c.issue_id, outbox.c.status, outbox.c.id)
sa.Index("ix_outbox_subscriber", outbox.c.subscriber_id)

delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "outbox_id", sa.Integer, sa.ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("attempt_id", sa.String(32), nullable=False),
    sa.Column("at", UTC_DATETIME, nullable=False),
    sa.Column("outcome", sa.String(30), nullable=False),  # sent, deferred, failed, interrupted, skipped
    sa.Column("code", sa.Integer),
    sa.Column("response", sa.Text, nullable=False, server_default=""),
)

# Addresses never written to again (hard bounces, complaints). Only a SHA-256 of the lower-cased address
# is kept, so it survives a subscriber's "delete my data" without keeping the address itself.
suppressions = sa.Table(
    "suppressions",
    metadata,
    sa.Column("email_hash", sa.String(64), primary_key=True),
    sa.Column("reason", sa.String(20), nullable=False),  # hard-bounce, complaint, manual
    sa.Column("at", UTC_DATETIME, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

# Each bounce/complaint report read once, whatever the number of imports of the same mailbox.
bounce_reports = sa.Table(
    "bounce_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_key", sa.String(64), nullable=False, unique=True),
    sa.Column("at", UTC_DATETIME, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # hard, soft, complaint, unsubscribe, unknown
    sa.Column("email_hash", sa.String(64), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)
