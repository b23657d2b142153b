"""The source repository: the registry's mirror, what the collector remembers of each feed between runs,
its recent fetch events and its health."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.store import schema as t
from mediawatch.store.articles import NewEntry, PendingArticle, article_for, insert_pending, link_source
from mediawatch.store.core import Database, utcnow
from mediawatch.store.rows import from_row
from mediawatch.types import FetchEvent, FetchStatus, HealthNote, Source, SourceHealth, SourceState

EVENTS_KEPT = 30


class SourceRecords(Database):
    """Sources, their collector state and fetch events."""

    def sync_sources(self, sources: Sequence[Source]) -> None:
        """Mirror the registry: new sources inserted, changed ones updated, missing ones flagged."""
        now = utcnow()
        with self._tx() as conn:
            known = set(conn.execute(sa.select(t.sources.c.id)).scalars())
            ids = set()
            for s in sources:
                ids.add(s.id)
                values = {
                    "name": s.name,
                    "url": s.url,
                    "kind": s.kind.value,
                    "language": s.language,
                    "country": s.country,
                    "region": s.region.value,
                    "outlet_type": s.outlet_type.value,
                    "tags": json.dumps(list(s.tags)),
                    "enabled": s.enabled,
                    "in_registry": True,
                }
                if s.id in known:
                    conn.execute(sa.update(t.sources).where(t.sources.c.id == s.id).values(**values))
                else:
                    conn.execute(sa.insert(t.sources).values(id=s.id, first_seen=now, **values))
            gone = known - ids
            if gone:
                conn.execute(sa.update(t.sources).where(t.sources.c.id.in_(gone)).values(in_registry=False))

    def source_state(self, source_id: str) -> SourceState:
        with self._tx() as conn:
            row = conn.execute(sa.select(t.sources).where(t.sources.c.id == source_id)).one_or_none()
        return SourceState() if row is None else _state_from_row(row)

    def save_feed_poll(
        self,
        source_id: str,
        state: SourceState,
        event: FetchEvent,
        entries: Sequence[NewEntry] = (),
        *,
        unless_polled_since: datetime | None = None,
    ) -> list[PendingArticle]:
        """Record one poll of a feed and its new entries atomically; returns the new articles.

        The feed's new validators and hash are saved in the same transaction as its entries: a crash
        before commit means the next run polls again and finds the same entries, never skips them.
        With ``unless_polled_since``, nothing is recorded (and nothing returned) when a poll of the source
        was recorded at or after that time (see :func:`_claim_poll`).
        """

        def body(conn: Connection) -> list[PendingArticle]:
            new: list[PendingArticle] = []
            if not _claim_poll(conn, source_id, event.at, unless_polled_since):
                return new
            for entry in entries:
                article_id = article_for(conn, (entry.url, entry.raw_url))
                if article_id is None:
                    pending = insert_pending(conn, entry, event.at)
                    new.append(pending)
                    article_id = pending.id
                link_source(conn, article_id, source_id, entry.raw_url, event.at)
            final_event = event if len(new) == event.new_items else replace(event, new_items=len(new))
            _write_state(conn, source_id, state, final_event)
            return new

        # Another worker may store the same entry (met in another feed) at the same moment.
        return self._tx_retrying(body)

    def record_fetch(
        self,
        source_id: str,
        state: SourceState,
        event: FetchEvent,
        *,
        unless_polled_since: datetime | None = None,
    ) -> bool:
        """Record a poll that stored no entries; False when ``unless_polled_since`` says another one was."""
        with self._tx() as conn:
            if not _claim_poll(conn, source_id, event.at, unless_polled_since):
                return False
            _write_state(conn, source_id, state, event)
            return True

    def source_health(self, now: datetime, stale_after_days: int, events: bool = True) -> list[SourceHealth]:
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(t.sources).where(t.sources.c.in_registry.is_(True)).order_by(t.sources.c.id)
            ).all()
            history: dict[str, list[FetchEvent]] = {}
            if events:
                query = sa.select(t.fetch_events).order_by(t.fetch_events.c.id.desc())
                for e in conn.execute(query).mappings():
                    event = from_row(FetchEvent, e, status=FetchStatus(e["status"]))
                    history.setdefault(event.source_id, []).append(event)
        result = []
        for r in rows:
            state = _state_from_row(r)
            result.append(
                from_row(
                    SourceHealth,
                    r._mapping,
                    source_id=r.id,
                    last_status=state.last_status,
                    stale_days=stale_days(state, now),
                    notes=source_notes(state, now, stale_after_days),
                    events=tuple(history.get(r.id, ())),
                )
            )
        return result


# -- the health row's derived columns (pure: tested without a database) ----------------------------
def stale_days(state: SourceState, now: datetime) -> int | None:
    """Whole days since the source last gave a new item; None if it never did."""
    if state.last_new_item is None:
        return None
    return (now - state.last_new_item).days


def source_notes(state: SourceState, now: datetime, stale_after_days: int) -> tuple[HealthNote, ...]:
    """The warnings `sources health` and the web's health page give, as codes (words are theirs)."""
    notes: list[HealthNote] = []
    if not state.validators_trusted:
        notes.append(HealthNote.VALIDATORS_UNRELIABLE)
    if state.consecutive_failures:
        notes.append(HealthNote.FAILING)
    days = stale_days(state, now)
    if days is not None and days >= stale_after_days:
        notes.append(HealthNote.STALE)
    elif state.last_success is not None and state.last_new_item is None:
        notes.append(HealthNote.NEVER_COLLECTED)
    return tuple(notes)


# -- private --------------------------------------------------------------------------------------
# Every field of the collector state is the `sources` column of the same name; the status is stored as text.
_STATE_COLUMNS = tuple(f.name for f in fields(SourceState) if f.name != "last_status")


def _state_from_row(row: Any) -> SourceState:
    return from_row(
        SourceState,
        row._mapping,
        last_detail=row.last_detail or "",
        last_status=FetchStatus(row.last_status) if row.last_status else None,
    )


def _claim_poll(conn: Connection, source_id: str, at: datetime, since: datetime | None) -> bool:
    """True when this transaction may record a poll of the source made at ``at``.

    Two deliveries of one cluster task can poll a source at once (the broker gave a busy worker's task to
    another): both read a source not yet polled in the run, so that check alone lets both record. This
    conditional update is the claim: the first writer wins, and on PostgreSQL the second waits on the
    row's lock and then finds ``last_fetch`` moved past ``since`` (SQLite has one writer at a time). Being
    part of the poll's own transaction, a worker killed before its commit claims nothing, and the
    redelivery polls.
    """
    if since is None:
        return True
    s = t.sources.c
    claimed = conn.execute(
        sa.update(t.sources)
        .where(s.id == source_id, sa.or_(s.last_fetch.is_(None), s.last_fetch < since))
        .values(last_fetch=at)
    )
    return bool(claimed.rowcount)


def _write_state(conn: Connection, source_id: str, state: SourceState, event: FetchEvent) -> None:
    values: dict[str, Any] = {name: getattr(state, name) for name in _STATE_COLUMNS}
    values["last_status"] = state.last_status.value if state.last_status else None
    if event.new_items:
        values["last_new_item"] = event.at
    conn.execute(sa.update(t.sources).where(t.sources.c.id == source_id).values(**values))
    conn.execute(
        sa.insert(t.fetch_events).values(
            source_id=source_id,
            at=event.at,
            status=event.status.value,
            http_status=event.http_status,
            detail=event.detail[:2000],
            new_items=event.new_items,
            duration_ms=event.duration_ms,
        )
    )
    keep = (
        sa.select(t.fetch_events.c.id)
        .where(t.fetch_events.c.source_id == source_id)
        .order_by(t.fetch_events.c.id.desc())
        .limit(EVENTS_KEPT)
    )
    conn.execute(
        sa.delete(t.fetch_events).where(
            t.fetch_events.c.source_id == source_id, t.fetch_events.c.id.not_in(keep.scalar_subquery())
        )
    )
