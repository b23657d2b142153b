"""The run lock: at most one collect (or nightly) run at a time per database.

SQLite: an flock on a file beside the database, released by the kernel when the process dies (kill -9
included), so a crash never leaves a stale lock. PostgreSQL: a session advisory lock, same property.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from mediawatch.errors import LockedError


@contextlib.contextmanager
def file_lock(path: Path, name: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode("utf-8", "replace")
            try:
                info = json.loads(holder)
                who = f"pid {info['pid']}, started {info['started']}"
            except (ValueError, KeyError, TypeError):
                who = "unknown holder"
            raise LockedError(f"another {name} run is active ({who}); lock file {path}") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "started": datetime.now(UTC).isoformat()}).encode())
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def advisory_lock(engine: sa.Engine, name: str) -> Iterator[None]:
    key = zlib.crc32(f"mediawatch:{name}".encode())
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        # The lock belongs to the session, not the transaction: end the transaction at once, or the
        # connection would sit "idle in transaction" for the whole run (and a server's
        # idle_in_transaction_session_timeout would end it, silently dropping the lock).
        conn.commit()
        if not got:
            holder = conn.execute(
                sa.text(
                    "SELECT a.pid, a.backend_start, a.client_addr FROM pg_locks l"
                    " JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :k LIMIT 1"
                ),
                {"k": key},
            ).first()
            who = (
                f"PostgreSQL session {holder.pid} from {holder.client_addr or 'a local socket'}, "
                f"connected {holder.backend_start.astimezone(UTC).isoformat(timespec='seconds')}"
                if holder is not None
                else "unknown holder"
            )
            raise LockedError(f"another {name} run is active ({who}); advisory lock {key}")
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
