"""The storage contract of the outbox: built once per issue, each row walked to a final status.

Mixed into :class:`mediawatch.store.Store`. The sender's per-message writes go through
:class:`OutboxSession`, one short transaction each, committed around the end-of-data dot
(docs/deliver.md, "Exactly once").
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.store import schema_deliver as d
from mediawatch.store.core import Database, utcnow
from mediawatch.store.rows import from_row
from mediawatch.store.schema import UTC_DATETIME
from mediawatch.store.subscribers import (
    BATCH,
    email_hash,
    message_from_row,
    publications_of,
    subscriber_from_row,
)
from mediawatch.types import (
    FINAL_OUTBOX_STATUSES,
    OutboxMessage,
    OutboxStatus,
    Publication,
    Subscriber,
    SubscriberStatus,
)


@dataclass(frozen=True, slots=True)
class SendRecord:
    """An issue whose outbox was built."""

    issue_id: int
    built_at: datetime
    built_by: str
    total: int
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class DueMessage:
    """An outbox row ready to go, with what the sender needs from its subscriber (None: deleted)."""

    message: OutboxMessage
    subscriber: Subscriber | None


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    total: int
    by_status: dict[str, int]
    by_language: dict[str, dict[str, int]]
    unconfirmed: int  # counted as sent without the server's reply seen (a process stopped in between)
    next_attempt_at: datetime | None  # earliest retry among queued messages

    @property
    def final(self) -> bool:
        return self.total > 0 and sum(self.by_status.get(s.value, 0) for s in FINAL_OUTBOX_STATUSES) == (
            self.total
        )


class OutboxRecords(Database):
    """Mixed into :class:`mediawatch.store.Store`."""

    def send_record(self, issue_id: int) -> SendRecord | None:
        sends = d.issue_sends
        with self._tx() as conn:
            row = conn.execute(sa.select(sends).where(sends.c.issue_id == issue_id)).first()
        return None if row is None else from_row(SendRecord, row._mapping)

    def build_outbox(
        self,
        issue_id: int,
        *,
        publication: Publication,
        languages: Sequence[str],
        message_id: Callable[[int, str], str],
        actor: str,
    ) -> SendRecord:
        """One outbox row per active, unsuppressed subscriber of ``publication``, in one transaction.

        Idempotent: an issue whose outbox exists keeps it (the unique keys would refuse a second copy
        anyway). ``message_id(subscriber_id, language)`` gives each row its Message-ID, kept for every
        attempt so a message is the same message however many times it is tried.
        """
        s, sp, o, sup, sends = (
            d.subscribers,
            d.subscriber_publications,
            d.outbox,
            d.suppressions,
            d.issue_sends,
        )
        now = utcnow()
        with self._tx() as conn:
            existing = conn.execute(sa.select(sends).where(sends.c.issue_id == issue_id)).first()
            if existing is not None:
                return from_row(SendRecord, existing._mapping)
            conn.execute(sa.insert(sends).values(issue_id=issue_id, built_at=now, built_by=actor, total=0))
            total, last = 0, 0
            wanted = sa.select(sp.c.subscriber_id).where(sp.c.publication == publication.value)
            while True:
                rows = list(
                    conn.execute(
                        sa.select(s)
                        .where(
                            s.c.id > last,
                            s.c.status == SubscriberStatus.ACTIVE.value,
                            s.c.id.in_(wanted),
                        )
                        .order_by(s.c.id)
                        .limit(BATCH)
                    )
                )
                if not rows:
                    break
                last = rows[-1].id
                hashes = {email_hash(r.email): r.id for r in rows}
                suppressed = {
                    hashes[h]
                    for h in conn.execute(
                        sa.select(sup.c.email_hash).where(sup.c.email_hash.in_(list(hashes)))
                    ).scalars()
                }
                batch = []
                for row in rows:
                    if row.id in suppressed:
                        continue
                    lang = subscriber_from_row(row, ()).edition_language(tuple(languages))
                    if lang is None:
                        continue
                    batch.append(
                        {
                            "issue_id": issue_id,
                            "language": lang,
                            "subscriber_id": row.id,
                            "recipient": row.email,
                            "message_id": message_id(row.id, lang),
                            "status": OutboxStatus.QUEUED.value,
                            "attempts": 0,
                            "next_attempt_at": now,
                        }
                    )
                if batch:
                    conn.execute(sa.insert(o), batch)
                    total += len(batch)
            conn.execute(sa.update(sends).where(sends.c.issue_id == issue_id).values(total=total))
            return SendRecord(issue_id, now, actor, total, None)

    def due_messages(self, issue_id: int, now: datetime, after_id: int = 0) -> list[DueMessage]:
        """Up to BATCH queued messages whose time has come, id order, with their subscribers."""
        o, s = d.outbox, d.subscribers
        with self._tx() as conn:
            rows = list(
                conn.execute(
                    sa.select(o)
                    .where(
                        o.c.issue_id == issue_id,
                        o.c.status == OutboxStatus.QUEUED.value,
                        o.c.next_attempt_at <= now,
                        o.c.id > after_id,
                    )
                    .order_by(o.c.id)
                    .limit(BATCH)
                )
            )
            ids = [r.subscriber_id for r in rows if r.subscriber_id is not None]
            subs: dict[int, Subscriber] = {}
            if ids:
                found = list(conn.execute(sa.select(s).where(s.c.id.in_(ids))))
                pubs = publications_of(conn, [r.id for r in found])
                subs = {r.id: subscriber_from_row(r, pubs[r.id]) for r in found}
        return [
            DueMessage(
                message_from_row(r), subs.get(r.subscriber_id) if r.subscriber_id is not None else None
            )
            for r in rows
        ]

    def outbox_counts(self, issue_id: int) -> OutboxCounts:
        o = d.outbox
        with self._tx() as conn:
            rows = list(
                conn.execute(
                    sa.select(o.c.language, o.c.status, sa.func.count())
                    .where(o.c.issue_id == issue_id)
                    .group_by(o.c.language, o.c.status)
                )
            )
            unconfirmed = conn.execute(
                sa.select(sa.func.count()).where(
                    o.c.issue_id == issue_id, o.c.status == OutboxStatus.SENT.value, o.c.confirmed.is_(False)
                )
            ).scalar_one()
            wake = conn.execute(
                sa.select(sa.func.min(o.c.next_attempt_at)).where(
                    o.c.issue_id == issue_id, o.c.status == OutboxStatus.QUEUED.value
                )
            ).scalar()
        by_status: dict[str, int] = {}
        by_language: dict[str, dict[str, int]] = {}
        for lang, status, n in rows:
            by_status[status] = by_status.get(status, 0) + int(n)
            by_language.setdefault(lang, {})[status] = int(n)
        if isinstance(wake, datetime) and wake.tzinfo is None:  # min() bypasses the column type
            wake = wake.replace(tzinfo=UTC)
        elif isinstance(wake, str):
            wake = datetime.fromisoformat(wake).replace(tzinfo=UTC)
        return OutboxCounts(
            total=sum(by_status.values()),
            by_status=by_status,
            by_language=by_language,
            unconfirmed=int(unconfirmed),
            next_attempt_at=wake,
        )

    def outbox_problems(self, issue_id: int, limit: int = 50) -> list[OutboxMessage]:
        """Failed messages, then those waiting for a retry, with the server's last answer."""
        o = d.outbox
        failed = o.c.status == OutboxStatus.FAILED.value
        retried = sa.and_(o.c.status == OutboxStatus.QUEUED.value, o.c.attempts > 0)
        return self._messages(issue_id, sa.or_(failed, retried), limit, o.c.status)

    def outbox_unconfirmed(self, issue_id: int, limit: int = 50) -> list[OutboxMessage]:
        """Messages counted as sent without the server's 250: the end-of-data dot was written (or the
        sender stopped right around it) and no reply was read. Never resent; listed for the operator."""
        o = d.outbox
        unconfirmed = sa.and_(o.c.status == OutboxStatus.SENT.value, o.c.confirmed.is_(False))
        return self._messages(issue_id, unconfirmed, limit)

    def _messages(self, issue_id: int, where: Any, limit: int, *order: Any) -> list[OutboxMessage]:
        o = d.outbox
        query = sa.select(o).where(o.c.issue_id == issue_id, where).order_by(*order, o.c.id).limit(limit)
        with self._tx() as conn:
            return [message_from_row(r) for r in conn.execute(query)]

    def outbox_message(self, message_id: str) -> OutboxMessage | None:
        """The outbox row of a Message-ID (with or without angle brackets): how bounces find their sender."""
        o = d.outbox
        mid = message_id.strip()
        if not mid.startswith("<"):
            mid = f"<{mid}>"
        with self._tx() as conn:
            row = conn.execute(sa.select(o).where(o.c.message_id == mid)).first()
        return None if row is None else message_from_row(row)

    def recover_outbox(self, issue_id: int) -> int:
        """Settle messages a stopped sender left in ``data_sent``: count them sent, unconfirmed.

        The end-of-data dot was written (or was about to be, a few microseconds later) when the process
        stopped; the server had the whole message, so resending would be the duplicate. See
        docs/deliver.md for the remaining window.
        """
        o, a = d.outbox, d.delivery_attempts
        now = utcnow()
        with self._tx() as conn:
            rows = list(
                conn.execute(
                    sa.select(o.c.id, o.c.attempt_id, o.c.data_sent_at).where(
                        o.c.issue_id == issue_id, o.c.status == OutboxStatus.DATA_SENT.value
                    )
                )
            )
            for row in rows:
                conn.execute(
                    sa.update(o)
                    .where(o.c.id == row.id)
                    .values(
                        status=OutboxStatus.SENT.value,
                        sent_at=row.data_sent_at or now,
                        confirmed=False,
                        last_response="sender stopped after the end of data; counted as delivered",
                    )
                )
                conn.execute(
                    sa.insert(a).values(
                        outbox_id=row.id,
                        attempt_id=row.attempt_id,
                        at=now,
                        outcome="interrupted",
                        code=None,
                        response="process stopped after the end of data, before the reply was recorded",
                    )
                )
            return len(rows)

    def finish_send(self, issue_id: int) -> None:
        sends = d.issue_sends
        with self._tx() as conn:
            conn.execute(
                sa.update(sends)
                .where(sends.c.issue_id == issue_id, sends.c.finished_at.is_(None))
                .values(finished_at=utcnow())
            )

    @contextlib.contextmanager
    def outbox_session(self) -> Iterator[OutboxSession]:
        """One connection for a sender's many small writes (each still its own transaction)."""
        with self._driver_errors(), self.engine.connect() as conn:  # a lost link, a DataError...
            yield OutboxSession(conn)


class OutboxSession:
    """The sender's writes, each committed before the next step on the wire.

    The statements are built once: at hundreds of messages a second, building them per call cost more
    than running them.
    """

    _o = d.outbox
    _MARK = (
        sa.update(_o)
        .where(_o.c.id == sa.bindparam("oid"))
        .values(
            status=OutboxStatus.DATA_SENT.value,
            attempt_id=sa.bindparam("attempt"),
            data_sent_at=sa.bindparam("at"),
        )
    )
    _FINISH = (
        sa.update(_o)
        .where(_o.c.id == sa.bindparam("oid"))
        .values(
            status=sa.bindparam("status"),
            attempt_id=sa.bindparam("attempt"),
            last_code=sa.bindparam("code"),
            last_response=sa.bindparam("response"),
            attempts=_o.c.attempts + sa.bindparam("increment", type_=sa.Integer),
            sent_at=sa.bindparam("sent_at"),
            confirmed=sa.bindparam("confirmed"),
            next_attempt_at=sa.func.coalesce(
                sa.bindparam("next_at", type_=UTC_DATETIME), _o.c.next_attempt_at
            ),
        )
    )
    _ATTEMPT = sa.insert(d.delivery_attempts)
    _s, _sp = d.subscribers, d.subscriber_publications
    _NOW = (
        sa.select(
            _o.c.status,
            _s.c.status.label("subscriber_status"),
            sa.exists()
            .where(_sp.c.subscriber_id == _s.c.id, _sp.c.publication == sa.bindparam("publication"))
            .label("wants"),
        )
        .select_from(_o.outerjoin(_s, _s.c.id == _o.c.subscriber_id))
        .where(_o.c.id == sa.bindparam("oid"))
    )

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def still_due(self, outbox_id: int, publication: str) -> str:
        """Why a message must not go now ("" : it may): read just before sending it, so an unsubscribe,
        an erasure or a change of publications takes effect from the very next message."""
        row = self._conn.execute(self._NOW, {"oid": outbox_id, "publication": publication}).first()
        self._conn.rollback()  # no snapshot held while talking to the SMTP server
        if row is None or row.status != OutboxStatus.QUEUED.value:
            return "no longer queued"
        if row.subscriber_status is None:
            return "subscriber deleted their data"
        if row.subscriber_status != SubscriberStatus.ACTIVE.value:
            return f"subscriber is {row.subscriber_status}"
        if not row.wants:
            return f"subscriber no longer wants {publication}"
        return ""

    def mark_data_sent(self, outbox_id: int, attempt_id: str) -> None:
        """Committed just before the end-of-data dot: after this, the message counts as handed over."""
        self._conn.execute(self._MARK, {"oid": outbox_id, "attempt": attempt_id, "at": utcnow()})
        self._conn.commit()

    def finish(
        self,
        outbox_id: int,
        attempt_id: str,
        *,
        status: OutboxStatus,
        outcome: str,
        code: int | None,
        response: str,
        next_attempt_at: datetime | None = None,
        counts_as_attempt: bool = True,
        confirmed: bool = True,
    ) -> None:
        """Record one attempt's outcome and the row's new status, in one transaction."""
        now = utcnow()
        sent = status is OutboxStatus.SENT
        self._conn.execute(
            self._FINISH,
            {
                "oid": outbox_id,
                "status": status.value,
                "attempt": attempt_id,
                "code": code,
                "response": response[:2000],
                "increment": 1 if counts_as_attempt else 0,
                "sent_at": now if sent else None,
                "confirmed": confirmed if sent else False,
                "next_at": next_attempt_at,
            },
        )
        self._conn.execute(
            self._ATTEMPT,
            {
                "outbox_id": outbox_id,
                "attempt_id": attempt_id,
                "at": now,
                "outcome": outcome,
                "code": code,
                "response": response[:2000],
            },
        )
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()
