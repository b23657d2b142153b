"""The run lock: at most one collect (or nightly) run at a time per database; and the waiting locks
(one story grouping at a time), which wait for the holder instead of refusing.

SQLite: an flock on a file beside the database, released by the kernel when the process dies (kill -9
included), so a crash never leaves a stale lock. PostgreSQL: a session advisory lock, same property.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from mediawatch.errors import LockedError
from mediawatch.i18n import Message, said

log = logging.getLogger("mediawatch.store")

# A waiting file lock tries again after this long at first, doubling up to the longest.
_FIRST_RETRY_S, _LONGEST_RETRY_S = 0.01, 0.25


def _file_holder(fd: int) -> Message:
    os.lseek(fd, 0, os.SEEK_SET)
    holder = os.read(fd, 4096).decode("utf-8", "replace")
    try:
        info = json.loads(holder)
        return Message("store.lock.holder_pid", pid=info["pid"], started=info["started"])
    except (ValueError, KeyError, TypeError):
        return Message("store.lock.holder_unknown")


_SEND_RE = re.compile(r"send of issue (\d+)")
# Literal keys (the i18n scans read them): the runs a lock keeps to one at a time.
_RUN_NAMES = {
    "collect": "store.lock.run.collect",
    "watches": "store.lock.run.watches",
    "story grouping": "store.lock.run.story_grouping",
}


def _run(name: str) -> Message | str:
    """The run a lock guards, in the reader's words (a name no catalogue knows is shown as it is)."""
    if name in _RUN_NAMES:
        return Message(_RUN_NAMES[name])
    send = _SEND_RE.fullmatch(name)
    return Message("store.lock.run.send", issue=send.group(1)) if send else name


def _locked(message: str, name: str, holder: Message, /, **fields: object) -> LockedError:
    return said(LockedError, message, run=_run(name), holder=holder, **fields)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def file_lock(path: Path, name: str, *, wait: float | None = None) -> Iterator[None]:
    """Exclusive while held; a second taker is refused at once, or with ``wait`` (seconds) waits for the
    holder that long (LockedError past it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_flock(fd):
            who = _file_holder(fd)
            if wait is None:
                raise _locked("store.lock.active_file", name, who, path=path)
            if wait > 0:
                log.info(
                    "waiting up to %g s for another %s (%s); lock file %s", wait, name, who.text("en"), path
                )
            # Tried again and again rather than a blocking flock: a blocking flock cannot be bounded from
            # a worker's thread (an alarm signal interrupts only the main thread).
            deadline, retry = time.monotonic() + wait, _FIRST_RETRY_S
            while not _try_flock(fd):
                left = deadline - time.monotonic()
                if left <= 0:
                    holder = _file_holder(fd)
                    raise _locked("store.lock.still_file", name, holder, seconds=f"{wait:g}", path=path)
                time.sleep(min(retry, left))
                retry = min(retry * 2, _LONGEST_RETRY_S)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps({"pid": os.getpid(), "started": datetime.now(UTC).isoformat()}).encode())
        yield
    finally:
        os.close(fd)


def _advisory_holder(conn: sa.Connection, key: int) -> Message:
    holder = conn.execute(
        sa.text(
            "SELECT a.pid, a.backend_start, a.client_addr FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :k LIMIT 1"
        ),
        {"k": key},
    ).first()
    conn.commit()
    if holder is None:
        return Message("store.lock.holder_unknown")
    since = holder.backend_start.astimezone(UTC).isoformat(timespec="seconds")
    if holder.client_addr:
        return Message("store.lock.holder_session", pid=holder.pid, address=holder.client_addr, since=since)
    return Message("store.lock.holder_local_session", pid=holder.pid, since=since)


# PostgreSQL's lock_not_available: the statement waited lock_timeout for the lock.
_LOCK_NOT_AVAILABLE = "55P03"


def _wait_advisory(conn: sa.Connection, key: int, name: str, wait: float) -> None:
    """Block on the lock, at most ``wait`` seconds (the server's lock_timeout, for this transaction only)."""
    if wait > 0:
        who = _advisory_holder(conn, key)
        log.info("waiting up to %g s for another %s (%s); advisory lock %d", wait, name, who.text("en"), key)
        try:
            timeout = f"{max(1, round(wait * 1000))}ms"
            conn.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": timeout})
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()  # as when taken at once: the lock is the session's, no transaction stays open
            return
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            conn.rollback()
    holder = _advisory_holder(conn, key)
    raise _locked("store.lock.still_advisory", name, holder, seconds=f"{wait:g}", key=key)


@contextlib.contextmanager
def advisory_lock(
    engine: sa.Engine, name: str, *, resource: str = "", wait: float | None = None
) -> Iterator[None]:
    """Exclusive while held (one lock per ``resource``, else per ``name``); a second taker is refused at
    once, or with ``wait`` (seconds) waits for the holder that long (LockedError past it)."""
    key = zlib.crc32(f"mediawatch:{resource or name}".encode())
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        # The lock belongs to the session, not the transaction: end the transaction at once, or the
        # connection would sit "idle in transaction" for the whole run (and a server's
        # idle_in_transaction_session_timeout would end it, silently dropping the lock).
        conn.commit()
        if not got:
            if wait is None:
                who = _advisory_holder(conn, key)
                raise _locked("store.lock.active_advisory", name, who, key=key)
            _wait_advisory(conn, key, name, wait)
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
