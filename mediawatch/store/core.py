"""The database core every repository stands on: the engine, transactions, run locks, ids, and the one
place where a driver error becomes a `StorageError`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.config import masked_url, scrub_password
from mediawatch.errors import StorageError
from mediawatch.i18n import t as translate
from mediawatch.store import schema as t
from mediawatch.store.lock import advisory_lock, file_lock


class Database:
    """One database (SQLite file or PostgreSQL): repositories are mixins over this core."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = sa.create_engine(url)
        except ModuleNotFoundError as exc:
            # the driver of this kind of URL is not installed (psycopg without the `postgresql` extra)
            key = "store.pg_driver_missing" if _backend(url) == "postgresql" else "store.driver_missing"
            raise StorageError(translate(key, url=masked_url(url), module=exc.name or "?")) from None
        except (sa.exc.ArgumentError, ValueError, ImportError) as exc:
            raise StorageError(
                f"cannot open database {masked_url(url)}: {scrub_password(str(exc), url)}"
            ) from None
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        sa.event.listen(self.engine, "before_cursor_execute", _without_nul, retval=True)
        self._migrate()

    # -- lifecycle --------------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            # "file is not a database", a vanished server, a locked file: a readable error, not a traceback.
            cause = scrub_password(str(exc.orig), self.url)
            raise StorageError(f"database error on {masked_url(self.url)}: {cause}") from exc

    def _migrate(self) -> None:
        with self._tx() as conn:
            t.metadata.create_all(conn, tables=[t.schema_version])
            done = set(conn.execute(sa.select(t.schema_version.c.version)).scalars())
            for version, step in t.MIGRATIONS:
                if version in done:
                    continue
                step(conn)
                conn.execute(sa.insert(t.schema_version).values(version=version, applied_at=utcnow()))

    def schema_version(self) -> int:
        with self._tx() as conn:
            return int(conn.execute(sa.select(sa.func.max(t.schema_version.c.version))).scalar() or 0)

    @contextlib.contextmanager
    def run_lock(self, name: str, *, resource: str = "") -> Iterator[None]:
        """Refuse a second concurrent run; released even when the process is killed.

        ``name`` says what runs (in the refusal's message). Runs without a ``resource`` (collect, nightly)
        exclude each other; a ``resource`` ("send-12") is a lock of its own, held beside them (a nightly
        run holds "collect" while it sends).
        """
        if self.dialect == "sqlite":
            database = self.engine.url.database
            if database and database != ":memory:":
                suffix = f".{resource}.lock" if resource else ".lock"
                with file_lock(Path(database + suffix), name):
                    yield
                return
            yield
            return
        with advisory_lock(self.engine, resource or name):
            yield


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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def utcnow() -> datetime:
    """The one clock of the store: timezone-aware UTC."""
    return datetime.now(UTC)
