"""The run repository's writes: a run (collect, nightly...) is recorded when it starts and when it ends.

Reading runs back (the latest ones, those a killed process left "running") belongs to the reporting
repository, which shows them.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from mediawatch.store import schema as t
from mediawatch.store.core import Database, inserted_id, utcnow


class RunRecords(Database):
    """The start and end of each run."""

    def start_run(self, kind: str) -> int:
        with self._tx() as conn:
            result = conn.execute(sa.insert(t.runs).values(kind=kind, started=utcnow(), status="running"))
            return inserted_id(result)

    def finish_run(self, run_id: int, status: str, summary: dict[str, object]) -> None:
        with self._tx() as conn:
            conn.execute(
                sa.update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(finished=utcnow(), status=status, summary=json.dumps(summary, default=str))
            )
