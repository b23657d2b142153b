"""The storage of subscribers: their preferences and consent, the suppression list, bounce reports.

Mixed into :class:`mediawatch.store.Store` (the outbox is :mod:`mediawatch.store.outbox`). Every change of
a subscriber's status or preferences is one transaction together with the consent record that explains it.
Which change is allowed when is the deliver stage's rule (:mod:`mediawatch.deliver.subscribers`); what must
hold under concurrency is a conditional write here ("insert unless the address is known": None).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.errors import ConflictError
from mediawatch.i18n import said
from mediawatch.store import schema_deliver as d
from mediawatch.store.core import Database, inserted_id, utcnow
from mediawatch.store.rows import from_row
from mediawatch.store.schema import fit
from mediawatch.types import (
    ConsentRecord,
    OutboxMessage,
    OutboxStatus,
    Publication,
    Subscriber,
    SubscriberStatus,
    row_id,
)

BATCH = 500  # rows per read when walking subscribers or the outbox: memory stays flat


def email_key(email: str) -> str:
    """The identity of an address: lower-cased (nobody relies on case-sensitive local parts)."""
    return email.strip().lower()


def email_hash(email: str) -> str:
    """What the suppression list keeps instead of the address."""
    return hashlib.sha256(email_key(email).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewConsent:
    """The consent record a change is made under."""

    action: str
    method: str
    form: str = ""
    wording_version: str = ""
    ip: str = ""
    user_agent: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Suppression:
    email_hash: str
    reason: str
    at: datetime
    detail: str


def _split(text: str) -> tuple[str, ...]:
    return tuple(x for x in (p.strip() for p in text.split(",")) if x)


def subscriber_from_row(row: Any, publications: Sequence[str]) -> Subscriber:
    pubs = tuple(Publication(p) for p in sorted(publications) if p in set(Publication))
    return from_row(
        Subscriber,
        row._mapping,
        publications=pubs,
        fallback=_split(row.fallback),
        status=SubscriberStatus(row.status),
    )


def message_from_row(row: Any) -> OutboxMessage:
    return from_row(
        OutboxMessage, row._mapping, status=OutboxStatus(row.status), confirmed=bool(row.confirmed)
    )


def publications_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    sp = d.subscriber_publications
    found: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for r in conn.execute(sa.select(sp).where(sp.c.subscriber_id.in_(list(ids)))):
            found[r.subscriber_id].append(r.publication)
    return found


def _load(conn: Connection, where: Any) -> Subscriber | None:
    row = conn.execute(sa.select(d.subscribers).where(where)).first()
    if row is None:
        return None
    return subscriber_from_row(row, publications_of(conn, [row.id])[row.id])


def _consent(conn: Connection, subscriber_id: int, consent: NewConsent, at: datetime) -> None:
    conn.execute(
        sa.insert(d.consent_records).values(
            subscriber_id=subscriber_id,
            at=at,
            action=fit(d.consent_records.c.action, consent.action),
            method=fit(d.consent_records.c.method, consent.method),
            form=fit(d.consent_records.c.form, consent.form),  # an import's file name, "send <slug>"
            wording_version=fit(d.consent_records.c.wording_version, consent.wording_version),
            ip=consent.ip[:64],
            user_agent=consent.user_agent[:1000],
            detail=consent.detail,
        )
    )


def _set_publications(conn: Connection, subscriber_id: int, publications: Sequence[Publication]) -> None:
    sp = d.subscriber_publications
    conn.execute(sa.delete(sp).where(sp.c.subscriber_id == subscriber_id))
    for pub in sorted(set(publications)):
        conn.execute(sa.insert(sp).values(subscriber_id=subscriber_id, publication=pub.value))


def _status_values(status: SubscriberStatus, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"status": status.value}
    if status is SubscriberStatus.ACTIVE:
        values.update(confirmed_at=now, unsubscribed_at=None)
    elif status in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BOUNCED, SubscriberStatus.COMPLAINED):
        values["unsubscribed_at"] = now
    return values


class SubscriberRecords(Database):
    """Subscribers, consent, suppression; mixed into :class:`mediawatch.store.Store`."""

    # -- subscribers ------------------------------------------------------------------------------
    def find_subscriber(self, ref: int | str) -> Subscriber | None:
        """A subscriber by id or by address (any case)."""
        s = d.subscribers
        text = str(ref).strip()
        if text.isdigit():  # an id; one out of range names nobody
            number = row_id(text)
            if number is None:
                return None
            where = s.c.id == number
        else:
            where = s.c.email_key == email_key(text)
        with self._tx() as conn:
            return _load(conn, where)

    def insert_subscriber(
        self,
        *,
        email: str,
        language: str,
        publications: Sequence[Publication],
        status: SubscriberStatus,
        consent: NewConsent,
        fallback: Sequence[str] = (),
    ) -> Subscriber | None:
        """A new subscriber with its first consent record; None (nothing written) if the address is known."""
        s = d.subscribers
        now = utcnow()
        with self._tx() as conn:
            if conn.execute(sa.select(s.c.id).where(s.c.email_key == email_key(email))).first():
                return None
            values = {
                "email": email,
                "email_key": email_key(email),
                "language": language,
                "fallback": ",".join(fallback),
                "link_key": secrets.token_urlsafe(12),
                "created_at": now,
                "updated_at": now,
                **_status_values(status, now),
            }
            if status is not SubscriberStatus.ACTIVE:
                values["confirmed_at"] = None
            new_id = inserted_id(conn.execute(sa.insert(s).values(values)))
            _set_publications(conn, new_id, publications)
            _consent(conn, new_id, consent, now)
            found = _load(conn, s.c.id == new_id)
            assert found is not None
            return found

    def update_subscriber(
        self,
        subscriber_id: int,
        *,
        consent: NewConsent,
        language: str | None = None,
        fallback: Sequence[str] | None = None,
        publications: Sequence[Publication] | None = None,
        status: SubscriberStatus | None = None,
        expect: Sequence[SubscriberStatus] | None = None,
    ) -> Subscriber | None:
        """Change preferences and/or status with the consent record explaining it.

        With ``expect``, only from one of those statuses; returns None (and changes nothing) otherwise,
        so callers can be idempotent. ConflictError when there is no such subscriber (erased meanwhile).
        """
        s = d.subscribers
        now = utcnow()
        with self._tx() as conn:
            current = _load(conn, s.c.id == subscriber_id)
            if current is None:
                raise said(ConflictError, "store.conflict.no_subscriber", id=subscriber_id)
            if expect is not None and current.status not in expect:
                return None
            values: dict[str, Any] = {"updated_at": now}
            if language is not None:
                values["language"] = language
            if fallback is not None:
                values["fallback"] = ",".join(fallback)
            if status is not None and status is not current.status:
                values.update(_status_values(status, now))
            conn.execute(sa.update(s).where(s.c.id == subscriber_id).values(values))
            if publications is not None:
                _set_publications(conn, subscriber_id, publications)
            _consent(conn, subscriber_id, consent, now)
            return _load(conn, s.c.id == subscriber_id)

    def mark_confirmation_sent(self, subscriber_id: int) -> None:
        s = d.subscribers
        with self._tx() as conn:
            conn.execute(sa.update(s).where(s.c.id == subscriber_id).values(confirmation_sent_at=utcnow()))

    def delete_subscriber(self, subscriber_id: int) -> bool:
        """Erase a subscriber: their row, publications and consent records; the outbox keeps anonymous rows.

        Messages still queued for them are dropped. The suppression list (hashes) is not touched.
        """
        s, o = d.subscribers, d.outbox
        with self._tx() as conn:
            if conn.execute(sa.select(s.c.id).where(s.c.id == subscriber_id)).first() is None:
                return False
            conn.execute(
                sa.update(o)
                .where(o.c.subscriber_id == subscriber_id, o.c.status == OutboxStatus.QUEUED.value)
                .values(status=OutboxStatus.SKIPPED.value, last_response="subscriber deleted their data")
            )
            conn.execute(sa.update(o).where(o.c.subscriber_id == subscriber_id).values(recipient=""))
            conn.execute(sa.delete(s).where(s.c.id == subscriber_id))
            return True

    def iter_subscribers(
        self,
        *,
        status: SubscriberStatus | None = None,
        publication: Publication | None = None,
    ) -> Iterator[Subscriber]:
        """Every subscriber in id order, read in batches (flat memory whatever their number)."""
        s, sp = d.subscribers, d.subscriber_publications
        last = 0
        while True:
            query = sa.select(s).where(s.c.id > last).order_by(s.c.id).limit(BATCH)
            if status is not None:
                query = query.where(s.c.status == status.value)
            if publication is not None:
                query = query.where(
                    s.c.id.in_(sa.select(sp.c.subscriber_id).where(sp.c.publication == publication.value))
                )
            with self._tx() as conn:
                rows = list(conn.execute(query))
                pubs = publications_of(conn, [r.id for r in rows])
            if not rows:
                return
            for row in rows:
                yield subscriber_from_row(row, pubs[row.id])
            last = rows[-1].id

    def subscriber_counts(self) -> dict[str, int]:
        s = d.subscribers
        with self._tx() as conn:
            rows = conn.execute(sa.select(s.c.status, sa.func.count()).group_by(s.c.status))
            return {status: int(n) for status, n in rows}

    def consent_count(self, since: datetime, *, ip: str, action: str, method: str) -> int:
        """How many consent records of this action and method came from ``ip`` since ``since``."""
        c = d.consent_records
        with self._tx() as conn:
            found = conn.execute(
                sa.select(sa.func.count()).where(
                    c.c.ip == ip, c.c.action == action, c.c.method == method, c.c.at >= since
                )
            ).scalar_one()
        return int(found)

    def consent_records(self, subscriber_id: int) -> list[ConsentRecord]:
        c = d.consent_records
        with self._tx() as conn:
            rows = conn.execute(sa.select(c).where(c.c.subscriber_id == subscriber_id).order_by(c.c.id))
            return [from_row(ConsentRecord, r._mapping) for r in rows]

    def subscriber_deliveries(self, subscriber_id: int) -> list[tuple[OutboxMessage, str]]:
        """(outbox row, issue slug) for every message built for a subscriber."""
        from mediawatch.store.schema import issues

        o = d.outbox
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(o, issues.c.slug)
                .join(issues, issues.c.id == o.c.issue_id)
                .where(o.c.subscriber_id == subscriber_id)
                .order_by(o.c.id)
            )
            return [(message_from_row(r), r.slug) for r in rows]

    # -- suppression and bounce reports -----------------------------------------------------------
    def suppress(self, email: str, reason: str, detail: str = "") -> bool:
        """Add an address to the suppression list (False if it was there already)."""
        sup = d.suppressions
        key = email_hash(email)
        with self._tx() as conn:
            if conn.execute(sa.select(sup.c.email_hash).where(sup.c.email_hash == key)).first():
                return False
            conn.execute(sa.insert(sup).values(email_hash=key, reason=reason, at=utcnow(), detail=detail))
            return True

    def suppression(self, email: str) -> Suppression | None:
        sup = d.suppressions
        with self._tx() as conn:
            row = conn.execute(sa.select(sup).where(sup.c.email_hash == email_hash(email))).first()
        return None if row is None else from_row(Suppression, row._mapping)

    def record_bounce_report(self, report_key: str, kind: str, email: str, detail: str) -> bool:
        """Remember a report as read; False when it was read before (an import is idempotent)."""
        b = d.bounce_reports
        with self._tx() as conn:
            if conn.execute(sa.select(b.c.id).where(b.c.report_key == report_key)).first():
                return False
            conn.execute(
                sa.insert(b).values(
                    report_key=report_key,
                    at=utcnow(),
                    kind=kind,
                    email_hash=email_hash(email) if email else "",
                    detail=detail,
                )
            )
            return True
