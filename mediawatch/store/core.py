"""The database core every repository stands on: the engine, transactions, run and waiting locks, ids,
and the one place where a driver error becomes a `StorageError`."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.config import masked_url, scrub_password
from mediawatch.errors import StorageError
from mediawatch.i18n import said
from mediawatch.i18n import t as translate
from mediawatch.store import migrations
from mediawatch.store import schema as t
from mediawatch.store.lock import advisory_lock, file_lock

log = logging.getLogger("mediawatch.store")

# How long a statement waits for another connection's lock before giving up with a StorageError.
DEFAULT_SQLITE_BUSY_TIMEOUT = 10.0

# Driver-level failures that say "the database cannot be used now" (as opposed to a bug in a statement):
# a driver error, a connection found dead on checkout, a pool that cannot hand out a connection.
_UNAVAILABLE = (sa.exc.DBAPIError, sa.exc.DisconnectionError, sa.exc.TimeoutError)
_RACE_ATTEMPTS = 5
# PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply run again.
_RETRYABLE_SQLSTATES = {"40P01", "40001"}
_T = TypeVar("_T")


def _lost_race(exc: BaseException) -> bool:
    """A failure another transaction caused (a unique key it took first, a deadlock, a busy SQLite file)."""
    if isinstance(exc, sa.exc.IntegrityError):
        return True
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return isinstance(exc, sa.exc.OperationalError) and "database is locked" in str(orig)


class Database:
    """One database (SQLite file or PostgreSQL): repositories are mixins over this core.

    ``lock_timeout`` (seconds) bounds the wait for another connection's lock: SQLite's busy timeout
    (10 s when not given) and, when given, PostgreSQL's ``lock_timeout`` (none by default, as the
    server's). Past it the call fails with a :class:`StorageError`.
    """

    def __init__(self, url: str, *, lock_timeout: float | None = None) -> None:
        self.url = url
        connect_args: dict[str, Any] = {}
        if lock_timeout is not None and _backend(url) == "postgresql":
            connect_args["options"] = f"-c lock_timeout={max(1, round(lock_timeout * 1000))}"
        try:
            self.engine = sa.create_engine(url, connect_args=connect_args)
        except ModuleNotFoundError as exc:
            # the driver of this kind of URL is not installed (psycopg without the `postgresql` extra)
            key = "store.pg_driver_missing" if _backend(url) == "postgresql" else "store.driver_missing"
            raise StorageError(translate(key, url=masked_url(url), module=exc.name or "?")) from None
        except (sa.exc.ArgumentError, ValueError, ImportError) as exc:
            # the library's own words stay as they are, quoted: they name its plugins and parameters
            detail = scrub_password(str(exc), url)
            raise said(StorageError, "store.cannot_open", url=masked_url(url), detail=detail) from None
        self.dialect = self.engine.dialect.name
        guard = None
        if self.dialect == "sqlite":
            path = self.engine.url.database
            if path and path != ":memory:" and not path.startswith("file:"):
                guard = _SqliteFile(url, path)
                sa.event.listen(self.engine, "connect", guard.connected)  # before the pragmas write to it
                sa.event.listen(self.engine, "checkout", guard.checked_out)
            busy = DEFAULT_SQLITE_BUSY_TIMEOUT if lock_timeout is None else lock_timeout
            sa.event.listen(
                self.engine, "connect", functools.partial(_sqlite_pragmas, busy_ms=round(busy * 1000))
            )
        sa.event.listen(self.engine, "before_cursor_execute", _without_nul, retval=True)
        self._migrate()
        if guard is not None:
            guard.created = True

    # -- lifecycle --------------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._driver_errors(), self.engine.begin() as conn:
            yield conn

    def _tx_retrying(self, body: Callable[[Connection], _T]) -> _T:
        """Run ``body`` in a transaction, again from the start when a concurrent writer won a race.

        Worker processes on several machines store articles at once: two of them may insert the same URL
        key (the unique ``url_aliases.url_key`` refuses the second), or deadlock on a merge. The loser's
        transaction is rolled back whole, so running it again sees the winner's rows and takes the path
        for an article already known. The constraint, not luck, keeps an article stored once.
        """
        for attempt in range(_RACE_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    return body(conn)
            except _UNAVAILABLE as exc:
                if attempt + 1 < _RACE_ATTEMPTS and _lost_race(exc):
                    continue
                raise self._storage_error(exc) from exc
        raise AssertionError("unreachable")  # the loop returns or raises

    @contextlib.contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """The one place a driver's failure becomes a StorageError naming the database (password masked).

        "file is not a database", a vanished server, a locked file: a readable error, not a traceback.
        """
        try:
            yield
        except _UNAVAILABLE as exc:
            raise self._storage_error(exc) from exc

    def _storage_error(self, exc: BaseException) -> StorageError:
        """The StorageError for a driver's failure on this database."""
        orig = getattr(exc, "orig", None) or exc
        cause = scrub_password(str(orig).strip() or type(orig).__name__, self.url)
        return StorageError(translate("store.database_error", url=masked_url(self.url), cause=cause))

    def _migrate(self) -> None:
        applied = migrations.upgrade(self._tx)
        if applied:
            log.info("database %s: schema migrated to version %d", masked_url(self.url), applied[-1])

    def schema_version(self) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.select(sa.func.max(t.schema_version.c.version))).scalar() or 0)

    def run_lock(self, name: str, *, resource: str = "") -> contextlib.AbstractContextManager[None]:
        """Refuse a second concurrent run; released even when the process is killed.

        ``name`` says what runs (in the refusal's message). Runs without a ``resource`` (collect, nightly)
        exclude each other; a ``resource`` ("send-12") is a lock of its own, held beside them (a nightly
        run holds "collect" while it sends).

        Taking and releasing the lock fail with a StorageError (LockedError when another run holds it),
        as the database itself would; what the run raises meanwhile passes through untouched.
        """
        return self._holding(self._lock(name, resource))

    def _waiting_lock(self, name: str, resource: str, wait: float) -> contextlib.AbstractContextManager[None]:
        """Like :meth:`run_lock`, but a second taker waits for the holder, up to ``wait`` seconds, instead
        of being refused; past it, LockedError. Released even when the process is killed.

        ``resource`` names the lock (one of its own, beside the run locks); ``name`` says what holds it.
        """
        return self._holding(self._lock(name, resource, wait=wait))

    @contextlib.contextmanager
    def _holding(self, lock: contextlib.AbstractContextManager[None]) -> Iterator[None]:
        with self._tx() as conn:  # a lock beside a vanished database would let a run start for nothing
            conn.execute(sa.select(t.schema_version.c.version).limit(1))
        with self._driver_errors():
            try:
                lock.__enter__()
            except OSError as exc:  # the lock file's folder went away or became unwritable
                raise self._storage_error(exc) from exc
        try:
            yield
        except BaseException as exc:
            # the run's own failure wins; a lock that cannot be released dies with its session or file
            with contextlib.suppress(*_UNAVAILABLE, OSError):
                lock.__exit__(type(exc), exc, exc.__traceback__)
            raise
        with self._driver_errors():
            lock.__exit__(None, None, None)

    def _lock(
        self, name: str, resource: str, *, wait: float | None = None
    ) -> contextlib.AbstractContextManager[None]:
        if self.dialect == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:":
                suffix = f".{resource}.lock" if resource else ".lock"
                return file_lock(Path(database + suffix), name, wait=wait)
            return contextlib.nullcontext()
        return advisory_lock(self.engine, name, resource=resource, wait=wait)


def inserted_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _without_nul(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    """Every text parameter without NUL characters, on every backend.

    PostgreSQL refuses a NUL in text ("cannot contain NUL (0x00) bytes") where SQLite stores it: one title
    from a hostile feed would fail the whole feed's transaction on PostgreSQL only. A NUL means nothing in
    mediawatch's text, so it is dropped for both, here, once, rather than in every repository.
    """
    return statement, _clean(parameters)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    return value


def _backend(url: str) -> str:
    return sa.engine.make_url(url).get_backend_name()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, busy_ms: int) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")  # first: WAL below already waits on a locked file
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class _SqliteFile:
    """Keeps a store on the SQLite file it opened, or fails with a StorageError when that file is gone.

    An open SQLite connection keeps working on a file deleted or replaced under it: every later write
    would go to a file nobody will open again. So each pooled connection is checked, when taken from the
    pool, to be reading the file now at the database's path: a replaced file is reopened (a garbage one
    then fails as "not a database"); a deleted one is a StorageError, and a new connection does not
    leave an empty database behind in its place.
    """

    def __init__(self, url: str, path: str) -> None:
        self.url = url
        self.path = path
        self.created = False  # the database exists (migrated): from now on it must not vanish

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:  # its folder became unreadable
            raise StorageError(
                translate("store.database_error", url=masked_url(self.url), cause=str(exc))
            ) from exc
        return info.st_dev, info.st_ino, info.st_size

    def _vanished(self) -> StorageError:
        return StorageError(translate("store.database_vanished", url=masked_url(self.url)))

    def connected(self, dbapi_conn: Any, record: Any) -> None:
        identity = self._identity()
        if self.created and (identity is None or identity[2] == 0):
            # sqlite3.connect() has just created an empty file where the database was: take it back
            dbapi_conn.close()
            with contextlib.suppress(OSError):
                if os.stat(self.path).st_size == 0:
                    os.unlink(self.path)
            raise self._vanished()
        record.info["mediawatch_file"] = identity[:2] if identity else None

    def checked_out(self, _dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        identity = self._identity()
        if identity is None:
            raise self._vanished()
        if identity[:2] != record.info.get("mediawatch_file"):
            raise sa.exc.DisconnectionError(f"{self.path} was replaced")


def utcnow() -> datetime:
    """The one clock of the store: timezone-aware UTC."""
    return datetime.now(UTC)
