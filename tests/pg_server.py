"""A throwaway PostgreSQL server for the tests, from Debian's ``postgresql-15`` package.

How to use it in a test (the fixtures live in ``tests/conftest.py``):

* ``db_url`` -- an SQLAlchemy URL of an empty, migrated database, once per backend: the test runs twice,
  ``[sqlite]`` and ``[postgresql]``. Open it with ``open_store(db_url)``, put it in
  ``Settings(db=db_url, secret_key=...)`` or pass it to ``--db`` / ``MEDIAWATCH_DB``.
  ``module_db_url`` is the same for a module-scoped fixture (one database per module and backend).
* ``empty_db_url`` -- a database without any table (not migrated), for migration tests.
* ``copy_database(url)`` -- a copy of a prepared database for one test (a module-scoped fixture fills
  ``module_db_url`` once, closes it, and each test works on its own copy; see tests/test_compose.py).
* ``db_backend`` / ``module_db_backend`` -- just "sqlite" or "postgresql", for a fixture that builds its
  own URL.
* ``pg_server`` -- the :class:`PgServer` itself (session-scoped), for a test that needs an empty database
  (``pg_server.create_database()``) or the admin connection.
* The ``[postgresql]`` cases carry the ``postgresql`` marker: ``pytest -m "not postgresql"`` runs SQLite
  only. When the PostgreSQL binaries are absent they are skipped, with the reason; with ``CI=true`` or
  ``MEDIAWATCH_REQUIRE_PG=1`` they fail instead, so CI never passes by skipping them.
* A PostgreSQL database has no file beside it for a generated secret key: give
  ``Settings(secret_key=secret_key_for(db_url))`` ("" on SQLite, so the key file is still exercised there).
  ``db_url`` also exports ``MEDIAWATCH_SECRET_KEY`` for the test's CLI runs and subprocesses;
  ``module_db_url`` does not (it would leak into the module's other tests).

Converting a test: take ``db_url`` instead of building ``sqlite:///{tmp_path}/...``; give ``store.url``
(never ``store.engine.url.database``, a bare name on PostgreSQL) to ``--db``; a test that reads no
database (a pure function, a template) stays unparametrised, so the suite's PostgreSQL runs stay few.

How the server runs: ``initdb`` in a temporary folder (as the ``postgres`` system user when the tests run
as root, since PostgreSQL refuses to run as root; as the current user otherwise), then ``postgres`` in the
foreground on 127.0.0.1 with a free port, durability off (fsync, synchronous_commit, full_page_writes) since
the data is thrown away. One server per pytest process: under pytest-xdist each worker has its own. Each
test gets a database copied once from a migrated template (``CREATE DATABASE ... TEMPLATE``, about a
second), then emptied (every row deleted, sequences restarted: milliseconds) and reused by the next test;
a test that changed the schema gets its database dropped instead. The server stops at the end of the
session, at interpreter exit (atexit) and, through the parent-death signal, even when the pytest process
is killed with SIGKILL.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

PG_BIN_ENV = "MEDIAWATCH_PG_BIN"
TEST_SECRET_KEY = "tests-only-secret-key-0123456789"
DEFAULT_BINDIRS = ("/usr/lib/postgresql/15/bin",)
SUPERUSER = "mediawatch"
START_TIMEOUT = 60.0
_PR_SET_PDEATHSIG = 1


def secret_key_for(db_url: str) -> str:
    """``Settings.secret_key`` for a test database: "" (a generated file beside it) for SQLite, a fixed
    key for PostgreSQL, where there is no file to keep one in."""
    return "" if db_url.startswith("sqlite") else TEST_SECRET_KEY


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``postgres``: $MEDIAWATCH_PG_BIN when set (and then only it),
    else Debian's postgresql-15, else any other Debian version."""
    if os.environ.get(PG_BIN_ENV):
        candidates = [os.environ[PG_BIN_ENV]]
    else:
        candidates = list(DEFAULT_BINDIRS)
        candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for folder in candidates:
        path = Path(folder)
        if (path / "initdb").is_file() and (path / "postgres").is_file():
            return path
    return None


def pg_required() -> bool:
    """CI must run the PostgreSQL cases, never skip them."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("MEDIAWATCH_REQUIRE_PG") == "1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    # Runs in the child after the uid switch (which would clear it): SIGQUIT is PostgreSQL's immediate
    # shutdown, so a pytest killed with SIGKILL never leaves a server behind.
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT)


class PgServer:
    """One postgres process over a temporary data folder; see the module docstring."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="mw-pg-"))
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._counter = 0
        self._free: list[str] = []
        self.template = ""
        self._template_shape: tuple[object, ...] = ()
        self._seeded = False
        self._run_as: dict[str, Any] = {}
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: initdb and the server run as an unprivileged account
            account = _unprivileged_account()
            self._run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> PgServer:
        atexit.register(self.stop)
        self._run(
            self.bindir / "initdb",
            "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
            # ICU en-US collation, as a production server usually has: ORDER BY on text then differs
            # from SQLite's byte order, and a test that relies on that order shows it
            "--locale=C", "--locale-provider=icu", "--icu-locale=en-US", "--no-sync", "--no-instructions",
        )  # fmt: skip
        for _attempt in range(5):
            self.port = _free_port()
            if self._launch():
                return self
        raise RuntimeError(f"PostgreSQL did not start; its log:\n{self._log_tail()}")

    def _launch(self) -> bool:
        """Start postgres on self.port; False when the port was taken meanwhile (try another)."""
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
            "log_min_messages": "warning",
            "timezone": "UTC",
        }
        args = [str(self.bindir / "postgres"), "-D", str(self.data)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        log = open(self.log, "ab")  # noqa: SIM115 -- closed in stop()
        self.process = subprocess.Popen(  # noqa: S603
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 -- no threads yet in the pytest process
            **self._run_as,
        )
        self._logfile = log
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "could not bind" in self._log_tail() or "already in use" in self._log_tail():
                    return False
                raise RuntimeError(f"PostgreSQL exited at start; its log:\n{self._log_tail()}")
            try:
                with self.connect():
                    return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"PostgreSQL was not ready after {START_TIMEOUT:.0f} s; its log:\n{self._log_tail()}"
        )

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then SIGKILL if it hangs; the temporary folder is removed."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if getattr(self, "_logfile", None) is not None:
            self._logfile.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, *args: object) -> None:
        result = subprocess.run(  # noqa: S603
            [str(a) for a in args], capture_output=True, text=True, check=False, **self._run_as
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    # -- databases ------------------------------------------------------------------------------
    def url(self, database: str, *, password: str = "") -> str:
        """The SQLAlchemy URL of a database of this server (psycopg 3 driver)."""
        auth = f"{SUPERUSER}:{password}" if password else SUPERUSER
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    @contextlib.contextmanager
    def connect(self, database: str = "postgres") -> Iterator[psycopg.Connection[Any]]:
        """An autocommit admin connection (CREATE/DROP DATABASE cannot run in a transaction)."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database, autocommit=True,
            connect_timeout=5,
        ) as conn:  # fmt: skip
            yield conn

    def create_database(self, template: str = "template0", name: str = "") -> str:
        """A new database (a copy of ``template``); returns its URL."""
        if not name:
            self._counter += 1
            name = f"mw_test_{self._counter}"
        with self.connect() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending sessions a test left open (a web app's pool, a killed child...)."""
        if self.process is None:
            return
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    # -- the pool of migrated test databases -----------------------------------------------------
    # CREATE DATABASE costs about a second (it copies the catalogs) while emptying the tables of a used
    # database costs milliseconds: a test's database is emptied and handed to the next test.
    def set_template(self, name: str) -> None:
        """``name`` holds the migrated, empty schema every pooled database starts from."""
        self.template = name
        self._template_shape = self._shape(name)
        with self.connect(name) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename <> 'schema_version'"
            )]  # fmt: skip
            # a migration that seeds rows: emptying a used database would lose them, so never reuse one
            self._seeded = any(
                conn.execute(
                    sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(t))
                ).fetchone()[0]
                for t in tables
            )

    def acquire(self) -> str:
        """The URL of an empty, migrated database for one test; give it back with :meth:`release`."""
        if self._free:
            return self.url(self._free.pop())
        return self.create_database(template=self.template)

    def release(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        if self.process is None:
            return
        if not self._empty(name):  # a test changed the schema: never hand that to another test
            self.drop_database(name)
            return
        self._free.append(name)

    def _shape(self, name: str, conn: psycopg.Connection[Any] | None = None) -> tuple[object, ...]:
        if conn is None:
            with self.connect(name) as own:
                return self._shape(name, own)
        columns = conn.execute(
            "SELECT c.relname, a.attname, a.atttypid, a.attnotnull FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2"
        ).fetchall()
        versions = conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        return (tuple(columns), tuple(versions))

    def _empty(self, name: str) -> bool:
        """End the test's sessions, then delete every row but the schema version and restart the id
        sequences; False when the schema is not the template's (or anything fails)."""
        try:
            with self.connect(name) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
                if self._seeded or self._shape(name, conn) != self._template_shape:
                    return False
                tables = [r[0] for r in conn.execute(
                    "SELECT tablename FROM pg_tables"
                    " WHERE schemaname = 'public' AND tablename <> 'schema_version'"
                )]  # fmt: skip
                sequences = [r[0] for r in conn.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                )]  # fmt: skip
                with conn.transaction():
                    # replica role: foreign keys are not checked, so the tables can be emptied in any order
                    conn.execute("SET LOCAL session_replication_role = replica")
                    for table in tables:
                        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
                    for sequence in sequences:
                        conn.execute(
                            "SELECT setval(%s::regclass, 1, false)",
                            (sql.Identifier(sequence).as_string(conn),),
                        )
        except psycopg.Error:
            return False
        return True


def _unprivileged_account() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' account exists")
