"""Version 5 (released with delivery): subscribers, their publications, consent records, issue sends, the
outbox, delivery attempts, suppressions, bounce reports. Frozen: never edit it, add the next number (see
the package docstring)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION = 5

metadata = sa.MetaData()
DATETIME = sa.DateTime(timezone=True)

# Referenced only (created by version 3).
sa.Table("issues", metadata, sa.Column("id", sa.Integer, primary_key=True))

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False, unique=True),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("fallback", sa.String(60), nullable=False, server_default=""),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("link_key", sa.String(32), nullable=False),
    sa.Column("created_at", DATETIME, nullable=False),
    sa.Column("updated_at", DATETIME, nullable=False),
    sa.Column("confirmed_at", DATETIME),
    sa.Column("unsubscribed_at", DATETIME),
    sa.Column("confirmation_sent_at", DATETIME),
    sqlite_autoincrement=True,
)

subscriber_publications = sa.Table(
    "subscriber_publications",
    metadata,
    sa.Column(
        "subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("publication", sa.String(30), primary_key=True),
)

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
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("method", sa.String(30), nullable=False),
    sa.Column("form", sa.String(80), nullable=False, server_default=""),
    sa.Column("wording_version", sa.String(40), nullable=False, server_default=""),
    sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    sa.Column("user_agent", sa.Text, nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

issue_sends = sa.Table(
    "issue_sends",
    metadata,
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("built_at", DATETIME, nullable=False),
    sa.Column("built_by", sa.String(120), nullable=False, server_default=""),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("finished_at", DATETIME),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("issue_id", sa.Integer, sa.ForeignKey("issues.id", ondelete="CASCADE"), nullable=False),
    sa.Column("language", sa.String(12), nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="SET NULL")),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("message_id", sa.String(255), nullable=False, unique=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", DATETIME, nullable=False),
    sa.Column("attempt_id", sa.String(32), nullable=False, server_default=""),
    sa.Column("data_sent_at", DATETIME),
    sa.Column("sent_at", DATETIME),
    sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.false()),
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
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("outcome", sa.String(30), nullable=False),
    sa.Column("code", sa.Integer),
    sa.Column("response", sa.Text, nullable=False, server_default=""),
)

suppressions = sa.Table(
    "suppressions",
    metadata,
    sa.Column("email_hash", sa.String(64), primary_key=True),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

bounce_reports = sa.Table(
    "bounce_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_key", sa.String(64), nullable=False, unique=True),
    sa.Column("at", DATETIME, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("email_hash", sa.String(64), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)

TABLES = [
    subscribers,
    subscriber_publications,
    consent_records,
    issue_sends,
    outbox,
    delivery_attempts,
    suppressions,
    bounce_reports,
]


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=TABLES)
