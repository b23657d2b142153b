"""A whole database written to one portable file, and read back into an empty one (SQLite or PostgreSQL).

The file is gzip-compressed JSON Lines: a header (format, schema version, the columns of each table), one
line per row, and a trailer with the row count of each table, so a file cut short is refused rather than
half restored. Values are written by column type, not by backend, which is what lets a team move from an
SQLite file to PostgreSQL (or back) with the same two commands it uses for backups.

Left out: what is rebuilt or short-lived (the search index, web sessions, login attempts). A restore runs
in one transaction into a database whose tables are all empty, then indexes the articles for search.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.errors import ConfigError
from mediawatch.i18n import said
from mediawatch.store import schema as t
from mediawatch.store import schema_deliver, schema_review, schema_watch  # noqa: F401  (their tables)
from mediawatch.store.core import Database
from mediawatch.store.migrations import LATEST
from mediawatch.store.store import Store

FORMAT = "mediawatch-backup"
FORMAT_VERSION = 1
# Rebuilt after a restore (the search index) or worth nothing on another machine (sessions, login
# throttling): a backup is also smaller and holds no live session token.
SKIPPED = frozenset({"search_marks", "web_sessions", "login_attempts", "schema_version"})
_BATCH = 500


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds or a restore put back: rows per table, and the schema version."""

    schema_version: int
    rows: dict[str, int] = field(default_factory=dict)
    created: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _tables() -> list[sa.Table]:
    """Every table kept, parents before children (foreign keys)."""
    return [table for table in t.metadata.sorted_tables if table.name not in SKIPPED]


def _encode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decode(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, t.UTCDateTime | sa.DateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(value)
    return value


# -- writing -------------------------------------------------------------------------------------------
def write_backup(db: Database, out: IO[bytes]) -> BackupSummary:
    """Write every kept row of ``db`` to ``out`` (a binary file), from one consistent moment.

    SQLite is first copied with its online backup API (a snapshot while the nightly or the web app write);
    PostgreSQL is read in one repeatable-read transaction.
    """
    with _snapshot(db) as conn:
        version = int(conn.execute(sa.select(sa.func.max(t.schema_version.c.version))).scalar() or 0)
        tables = _tables()
        created = datetime.now(UTC).isoformat()
        header = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": version,
            "created": created,
            "tables": {table.name: [c.name for c in table.columns] for table in tables},
        }
        rows: dict[str, int] = {}
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed:
            packed.write(_line(header))
            for table in tables:
                columns = list(table.columns)
                count = 0
                order = list(table.primary_key.columns)
                for row in conn.execute(sa.select(table).order_by(*order)).yield_per(_BATCH):
                    values = [_encode(c, v) for c, v in zip(columns, row, strict=True)]
                    packed.write(_line({"t": table.name, "r": values}))
                    count += 1
                rows[table.name] = count
            packed.write(_line({"end": rows}))
    return BackupSummary(schema_version=version, rows=rows, created=created)


def _line(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class _snapshot:
    """A connection that sees the database as it was at one moment, closed (and its copy removed) after."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._copy: Path | None = None
        self._engine: sa.Engine | None = None
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        with self.db._driver_errors():
            if self.db.dialect == "sqlite":
                self._engine = self._sqlite_copy()
                self._conn = self._engine.connect()
            else:
                conn = self.db.engine.connect().execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
                conn.begin()
                self._conn = conn
        return self._conn

    def _sqlite_copy(self) -> sa.Engine:
        database = self.db.engine.url.database or ""
        folder = Path(database).parent if database and database != ":memory:" else None
        handle, name = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite3", dir=folder)
        os.close(handle)
        self._copy = Path(name)
        raw = self.db.engine.raw_connection()
        try:
            target = sqlite3.connect(name)
            try:
                raw.driver_connection.backup(target)  # type: ignore[union-attr]
            finally:
                target.close()
        finally:
            raw.close()
        return sa.create_engine(f"sqlite:///{name}")

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._engine is not None:
            self._engine.dispose()
        if self._copy is not None:
            self._copy.unlink(missing_ok=True)


# -- reading -------------------------------------------------------------------------------------------
def read_header(inp: IO[bytes]) -> BackupSummary:
    """The schema version and creation time a backup file says it has, without reading its rows."""
    with gzip.GzipFile(fileobj=inp, mode="rb") as packed:
        header = _header(_lines(packed))
    return BackupSummary(schema_version=int(header["schema_version"]), created=str(header.get("created", "")))


def restore_backup(db: Store, inp: IO[bytes]) -> BackupSummary:
    """Put every row of the backup ``inp`` into ``db``, whose tables must all be empty: all or nothing.

    Refused (ConfigError) for a file that is not a mediawatch backup, was cut short or damaged, or was
    made at another schema version, and when ``db`` already holds data (the database named is the wrong
    one: a store raises no workflow error).
    """
    if db.schema_version() != LATEST:
        raise said(ConfigError, "backup.target_version", found=db.schema_version(), known=LATEST)
    with gzip.GzipFile(fileobj=inp, mode="rb") as packed:
        lines = _lines(packed)
        header = _header(lines)
        version = int(header["schema_version"])
        if version != LATEST:
            raise said(ConfigError, "backup.other_version", found=version, known=LATEST)
        tables = {table.name: table for table in _tables()}
        layout: dict[str, list[sa.Column[Any]]] = {}
        for name, names in dict(header["tables"]).items():
            table = tables.get(name)
            if table is None or any(column not in table.c for column in names):
                raise said(ConfigError, "backup.unknown_table", table=name)
            layout[name] = [table.c[column] for column in names]
        with db._driver_errors(), db.engine.begin() as conn:
            _must_be_empty(conn, tables.values())
            rows = _insert_all(conn, lines, tables, layout)
            _reset_sequences(conn, tables.values())
    # the index is the store's own to build; outside the transaction, as after a collect
    db.reindex_pending()
    return BackupSummary(schema_version=version, rows=rows, created=str(header.get("created", "")))


def check_backup(inp: IO[bytes]) -> None:
    """Refuse (ConfigError, as :func:`restore_backup` would) a file that is not a mediawatch backup, before
    any database is opened: opening one would leave a new empty SQLite file behind. Reads the header only."""
    with gzip.GzipFile(fileobj=inp, mode="rb") as packed:
        _header(_lines(packed))


def _lines(packed: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    number = 0
    try:
        for raw in packed:
            number += 1
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise said(ConfigError, "backup.damaged", line=number)
            yield value
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError, json.JSONDecodeError):
        if number <= 1:  # not even a header: some other file
            raise said(ConfigError, "backup.not_a_backup") from None
        raise said(ConfigError, "backup.damaged", line=number) from None


def _header(lines: Iterator[dict[str, Any]]) -> dict[str, Any]:
    first = next(lines, None)
    if (
        first is None
        or first.get("format") != FORMAT
        or not isinstance(first.get("tables"), dict)
        or not isinstance(first.get("schema_version"), int)
    ):
        raise said(ConfigError, "backup.not_a_backup")
    if first.get("format_version") != FORMAT_VERSION:
        raise said(ConfigError, "backup.other_format", found=first.get("format_version"))
    return first


def _must_be_empty(conn: Connection, tables: Any) -> None:
    for table in tables:
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            raise said(ConfigError, "backup.target_not_empty", table=table.name)


def _insert_all(
    conn: Connection,
    lines: Iterator[dict[str, Any]],
    tables: dict[str, sa.Table],
    layout: dict[str, list[sa.Column[Any]]],
) -> dict[str, int]:
    rows: dict[str, int] = dict.fromkeys(layout, 0)
    pending: list[dict[str, Any]] = []
    current: str | None = None
    # articles point at articles (duplicate_of): written after every article is in
    later: list[tuple[Any, Any]] = []
    for number, line in enumerate(lines, start=2):
        if "end" in line:
            _flush(conn, tables, current, pending)
            if line["end"] != rows:
                raise said(ConfigError, "backup.damaged", line=number)
            try:
                for article_id, duplicate_of in later:
                    conn.execute(
                        sa.update(t.articles)
                        .where(t.articles.c.id == article_id)
                        .values(duplicate_of=duplicate_of)
                    )
            except sa.exc.IntegrityError:
                raise said(ConfigError, "backup.inconsistent", table=t.articles.name) from None
            return rows
        name, values = line.get("t"), line.get("r")
        if not isinstance(name, str) or name not in layout:
            raise said(ConfigError, "backup.damaged", line=number)
        columns = layout[name]
        if not isinstance(values, list) or len(values) != len(columns):
            raise said(ConfigError, "backup.damaged", line=number)
        if name != current:
            _flush(conn, tables, current, pending)
            current = name
        try:
            row = {c.name: _decode(c, v) for c, v in zip(columns, values, strict=True)}
        except (TypeError, ValueError):
            raise said(ConfigError, "backup.damaged", line=number) from None
        if name == t.articles.name and row.get("duplicate_of") is not None:
            later.append((row["id"], row["duplicate_of"]))
            row["duplicate_of"] = None
        pending.append(row)
        rows[name] += 1
        if len(pending) >= _BATCH:
            _flush(conn, tables, current, pending)
    raise said(ConfigError, "backup.cut_short")


def _flush(
    conn: Connection, tables: dict[str, sa.Table], name: str | None, pending: list[dict[str, Any]]
) -> None:
    if name is not None and pending:
        try:
            conn.execute(sa.insert(tables[name]), pending)
        except sa.exc.IntegrityError:
            # a row whose parent is missing, or a key twice: the file was edited, not made by a backup
            raise said(ConfigError, "backup.inconsistent", table=name) from None
    pending.clear()


def _reset_sequences(conn: Connection, tables: Any) -> None:
    """PostgreSQL's serial counters past the restored ids (SQLite's AUTOINCREMENT follows by itself)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, sa.Integer) or key[0].autoincrement is False:
            continue
        sequence = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": key[0].name},
        ).scalar()
        if sequence is None:
            continue
        highest = conn.execute(sa.select(sa.func.max(key[0]))).scalar()
        if highest is not None:
            conn.execute(sa.text("SELECT setval(:seq, :value)"), {"seq": sequence, "value": int(highest)})
