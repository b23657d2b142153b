"""The storage contract, over every public method of ``Store``, on SQLite and on PostgreSQL.

For each method, a sample call on a seeded database (built through the store itself: sources, articles,
classifications, stories, issues with editions and blocks, users, sessions, subscribers, an outbox):

* it works, and it changes rows exactly when the table below says it writes;
* on a locked database it raises ``StorageError`` naming the database (password masked), and a write
  leaves every table exactly as it was: never a half-written row;
* on a vanished database (SQLite file deleted or replaced by garbage while the store is open, PostgreSQL
  database dropped under it) it raises ``StorageError`` too.

A public method without a sample fails ``test_every_public_method_is_in_the_contract``: a new repository
method joins the contract by getting a line in ``CASES`` (tests/storage_samples.py; docs/design.md, "The
storage contract").
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from pg_server import PgServer, find_bindir
from storage_samples import (
    CASES,
    LOCK_TIMEOUT,
    PASSWORD,
    Case,
    Copy,
    Seeded,
    public_methods,
    seed,
)

from mediawatch.config import masked_url
from mediawatch.errors import LockedError, StorageError
from mediawatch.store import Store


# -- databases: the seeded template, dumps, locks ---------------------------------------------------------
def _with_password(url: str) -> str:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return url
    return parsed.set(password=PASSWORD).render_as_string(hide_password=False)


def open_contract_store(url: str) -> Store:
    return Store(_with_password(url), lock_timeout=LOCK_TIMEOUT)


@pytest.fixture(scope="module")
def seeded(module_db_url: str) -> Seeded:
    """A database holding rows in every table, and the ids of the rows the samples act on."""
    with Store(module_db_url) as store:
        ids = seed(store)
    return module_db_url, ids


def _sqlite_path(url: str) -> str:
    return str(sa.engine.make_url(url).database)


@contextlib.contextmanager
def raw_connection(url: str) -> Iterator[Any]:
    """A driver connection in autocommit mode, outside the store (its own pool and listeners)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(_sqlite_path(url), isolation_level=None, timeout=30)
        try:
            yield conn
        finally:
            conn.close()
        return
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database, autocommit=True
    ) as pg:
        yield pg


def tables(conn: Any) -> list[str]:
    if isinstance(conn, sqlite3.Connection):
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    return sorted(row[0] for row in conn.execute(query).fetchall())


def dump(conn: Any) -> dict[str, list[str]]:
    """Every row of every table, order-free: what "the same rows as before" compares."""
    return {
        name: sorted(repr(tuple(row)) for row in conn.execute(f'SELECT * FROM "{name}"').fetchall())  # noqa: S608
        for name in tables(conn)
    }


@contextlib.contextmanager
def locked(url: str, only: list[str] | None = None) -> Iterator[Any]:
    """Another connection holding the database (or, on PostgreSQL, only the tables ``only``) locked;
    yields that connection, which can still read everything for a dump."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Exclusive locking mode: in WAL mode a plain BEGIN EXCLUSIVE still lets readers in
        conn = sqlite3.connect(_sqlite_path(url), isolation_level=None, timeout=30)
        try:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("SELECT count(*) FROM schema_version").fetchall()
            yield conn
        finally:
            conn.close()  # releases the lock
        return
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    ) as pg:
        names = only if only is not None else tables(pg)
        pg.execute("LOCK TABLE " + ", ".join(f'"{n}"' for n in names) + " IN ACCESS EXCLUSIVE MODE")
        try:
            yield pg
        finally:
            pg.rollback()


def check_storage_error(exc: StorageError, url: str) -> None:
    message = str(exc)
    assert masked_url(_with_password(url)) in message, message
    assert PASSWORD not in message, message


def attempt(name: str, case: Case, store: Store, ids: dict[str, int], url: str) -> str:
    """ "" when the call failed with a proper StorageError, else what went wrong."""
    try:
        case.call(store, ids)
    except StorageError as exc:
        try:
            check_storage_error(exc, url)
        except AssertionError as bad:
            return f"{name}: unreadable StorageError: {bad}"
        return ""
    except Exception as exc:  # noqa: BLE001 -- the contract is about which exception, so any is reported
        return f"{name}: {type(exc).__module__}.{type(exc).__name__} instead of StorageError: {exc}"
    return f"{name}: no error"


# -- the contract ------------------------------------------------------------------------------------------
def test_every_public_method_is_in_the_contract() -> None:
    missing = sorted(public_methods() - set(CASES))
    assert not missing, f"public Store methods without a sample call in CASES: {missing}"
    stale = sorted(set(CASES) - public_methods())
    assert not stale, f"CASES names methods Store no longer has: {stale}"


def test_every_method_works_and_writes_as_declared(seeded: Seeded, copy_database: Copy) -> None:
    template, ids = seeded
    url = copy_database(template)
    problems = []
    with open_contract_store(url) as store, raw_connection(url) as conn:
        for name, case in CASES.items():
            before = dump(conn)
            try:
                case.call(store, ids)
            except Exception as exc:  # noqa: BLE001 -- every failing sample is listed, not only the first
                problems.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            changed = dump(conn) != before
            if changed != case.writes:
                problems.append(
                    f"{name}: declared {'a write' if case.writes else 'a read'}, changed={changed}"
                )
    assert not problems, "\n".join(problems)


def test_locked_database_gives_storage_error_and_no_half_written_row(
    seeded: Seeded, copy_database: Copy
) -> None:
    template, ids = seeded
    url = copy_database(template)
    problems = []
    with open_contract_store(url) as store:
        store.engine.dispose()  # the locker needs every other connection gone to lock SQLite exclusively
        with locked(url) as locker:
            before = dump(locker)
            for name, case in CASES.items():
                problem = attempt(name, case, store, ids, url)
                if problem:
                    problems.append(problem)
                if case.writes and dump(locker) != before:
                    problems.append(f"{name}: rows changed although the call failed")
        assert store.schema_version() >= 1, "the store works again once the lock is gone"
        with raw_connection(url) as conn:
            assert dump(conn) == before
    assert not problems, "\n".join(problems)


def test_each_write_is_one_transaction(module_db_backend: str, seeded: Seeded, copy_database: Copy) -> None:
    """A write blocked on any one of the tables it changes leaves the others untouched too.

    PostgreSQL locks single tables: each write runs once with each table it changes locked (found by a
    first run on another copy), which catches a method committing one table before failing on the next.
    """
    if module_db_backend != "postgresql":
        pytest.skip("SQLite locks the whole file: table by table is PostgreSQL's")
    template, ids = seeded
    reference, url = copy_database(template), copy_database(template)
    changed: dict[str, list[str]] = {}
    with open_contract_store(reference) as store, raw_connection(reference) as conn:
        for name, case in CASES.items():
            before = dump(conn)
            case.call(store, ids)
            after = dump(conn)
            changed[name] = [table for table in after if after[table] != before[table]]
    problems = []
    with open_contract_store(url) as store, raw_connection(url) as conn:
        for name, case in CASES.items():
            for table in changed[name]:
                before = dump(conn)
                with locked(url, only=[table]):
                    problem = attempt(name, case, store, ids, url)
                if problem:
                    problems.append(f"{problem} (table {table} locked)")
                if dump(conn) != before:
                    problems.append(f"{name}: rows changed although the call failed on {table}")
            case.call(store, ids)  # then as in the reference run, so the next sample finds the same rows
    assert not problems, "\n".join(problems)


def _vanish(url: str, how: str, request: pytest.FixtureRequest) -> None:
    if how == "dropped":
        server: PgServer = request.getfixturevalue("pg_server")
        server.drop_database(str(sa.engine.make_url(url).database))
        return
    path = Path(_sqlite_path(url))
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    if how == "deleted":
        path.unlink()
    else:  # replaced (a new file at the path, as a restore or a careless copy would leave)
        garbage = path.with_name("garbage")
        garbage.write_bytes(b"this is not an SQLite database\n" * 200)
        os.replace(garbage, path)


@pytest.mark.parametrize("how", ["deleted", "replaced", "dropped"])
def test_vanished_database_gives_storage_error(
    seeded: Seeded, copy_database: Copy, how: str, request: pytest.FixtureRequest
) -> None:
    template, ids = seeded
    backend = sa.engine.make_url(template).get_backend_name()
    if (how == "dropped") != (backend == "postgresql"):
        pytest.skip(f"{how!r} is how a {'PostgreSQL' if how == 'dropped' else 'SQLite'} database vanishes")
    url = copy_database(template)
    with open_contract_store(url) as store:
        assert store.list_issues(), "the store was in use (its pool holds connections) when it vanished"
        _vanish(url, how, request)
        problems = [p for name, case in CASES.items() if (p := attempt(name, case, store, ids, url))]
    assert not problems, "\n".join(problems)
    if how == "deleted":
        assert not Path(_sqlite_path(url)).exists(), "no empty database was created in its place"


def test_stopped_server_gives_storage_error(db_backend: str) -> None:
    """The PostgreSQL server itself going away (its own throwaway server, the shared one stays up)."""
    if db_backend != "postgresql":
        pytest.skip("a server is PostgreSQL's")
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found")
    server = PgServer(bindir).start()
    try:
        url = server.create_database()
        with open_contract_store(url) as store:
            ids = seed(store)
            server.stop()
            problems = [p for name, case in CASES.items() if (p := attempt(name, case, store, ids, url))]
    finally:
        server.stop()
    assert not problems, "\n".join(problems)


def test_opening_a_locked_or_garbage_database_gives_storage_error(
    seeded: Seeded, copy_database: Copy
) -> None:
    template, _ids = seeded
    url = copy_database(template)
    with locked(url), pytest.raises(StorageError) as caught:
        open_contract_store(url)
    check_storage_error(caught.value, url)
    if sa.engine.make_url(url).get_backend_name() == "sqlite":
        Path(_sqlite_path(url)).write_bytes(b"garbage " * 100)
        with pytest.raises(StorageError) as caught:
            open_contract_store(url)
        check_storage_error(caught.value, url)


def test_run_lock_maps_its_own_errors_only(seeded: Seeded, copy_database: Copy) -> None:
    """Taking the run lock fails as a StorageError (LockedError when held); the run's own errors pass
    through as they are."""
    template, _ids = seeded
    url = copy_database(template)
    with open_contract_store(url) as store, open_contract_store(url) as other:
        with store.run_lock("contract"), pytest.raises(LockedError):  # noqa: SIM117 -- the order matters
            with other.run_lock("contract"):
                pass
        with pytest.raises(sa.exc.OperationalError), store.run_lock("contract"):
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("the run's own"))
        with other.run_lock("contract"):  # released after the failed run
            pass
        with store.run_lock("contract"), other.run_lock("send", resource="send-1"):  # a lock of its own
            pass
