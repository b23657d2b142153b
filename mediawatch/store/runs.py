"""The run repository's writes: a run (collect, nightly...) is recorded when it starts and when it ends.

Reading runs back (the latest ones, those a killed process left "running") belongs to the reporting
repository, which shows them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from mediawatch.store import schema as t
from mediawatch.store.core import Database, inserted_id, utcnow


class RunRecords(Database):
    """The start and end of each run."""

    def start_run(self, kind: str) -> int:
        with self._tx() as conn:
            result = conn.execute(sa.insert(t.runs).values(kind=kind, started=utcnow(), status="running"))
            return inserted_id(result)

    def resume_run(self, kind: str, summary: dict[str, object]) -> tuple[int, datetime]:
        """(id, start) of the latest run of ``kind`` still marked running with this ``summary`` (one
        killed before its end, or at work in another process), else of a new one recorded with it: a
        run that goes by its start time takes up a killed one's where it stopped."""
        r = t.runs
        recorded = json.dumps(summary, sort_keys=True, default=str)
        with self._tx() as conn:
            row = conn.execute(
                sa.select(r.c.id, r.c.started)
                .where(r.c.kind == kind, r.c.status == "running", r.c.summary == recorded)
                .order_by(r.c.id.desc())
                .limit(1)
            ).first()
            if row is not None:
                return row.id, row.started
            started = utcnow()
            values = {"kind": kind, "started": started, "status": "running", "summary": recorded}
            return inserted_id(conn.execute(sa.insert(r).values(**values))), started

    def finish_run(self, run_id: int, status: str, summary: dict[str, object]) -> bool:
        """Record the end of a running run; False (nothing written) when it had already ended.

        A run spread over workers may be closed by two of them, or again by one that died before telling
        the others it had closed it: the first end recorded stands, and so does "interrupted".
        """
        with self._tx() as conn:
            ended = conn.execute(
                sa.update(t.runs)
                .where(t.runs.c.id == run_id, t.runs.c.status == "running")
                .values(finished=utcnow(), status=status, summary=json.dumps(summary, default=str))
            )
            return bool(ended.rowcount)

    def collect_tally(self, since: datetime, source_ids: Sequence[str]) -> dict[str, object]:
        """What a collect run spread over workers did, read back from what they stored since it began.

        ``polls``: one ``[source id, status, detail, new items]`` per recorded poll of these sources;
        ``pages``: how many articles were completed, by ``state`` or ``state:partial_reason``.
        """
        e, a = t.fetch_events, t.articles
        polls: list[list[object]] = []
        pages: dict[str, int] = {}
        with self._tx() as conn:
            for start in range(0, len(source_ids), 500):
                chunk = list(source_ids[start : start + 500])
                query = (
                    sa.select(e.c.source_id, e.c.status, e.c.detail, e.c.new_items)
                    .where(e.c.at >= since, e.c.source_id.in_(chunk))
                    .order_by(e.c.id)
                )
                polls.extend([r.source_id, r.status, r.detail, r.new_items] for r in conn.execute(query))
            query = (
                sa.select(a.c.state, a.c.partial_reason, sa.func.count())
                .where(a.c.fetched_at >= since)
                .group_by(a.c.state, a.c.partial_reason)
            )
            for row in conn.execute(query):
                state, reason, count = row[0], row[1], row[2]
                key = f"{state}:{reason}" if reason else str(state)
                pages[key] = pages.get(key, 0) + int(count)
        return {"polls": polls, "pages": pages}
