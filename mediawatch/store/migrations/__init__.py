"""Numbered, frozen migrations: the DDL of every schema version, applied in order when a database is opened.

Each ``vNNNN_<what>.py`` module holds one version: ``VERSION``, its own ``sa.MetaData()`` with the tables
and indexes *as they were when that version was released*, and ``upgrade(conn)``. :func:`upgrade` applies
the versions a database lacks, each in one transaction together with its ``schema_version`` row, so a run
killed halfway leaves the database at the previous version, never between two (PostgreSQL and SQLite both
have transactional DDL; on SQLite the transaction is opened with ``BEGIN IMMEDIATE`` because the driver
would otherwise run DDL outside any transaction). A database whose version is newer than :data:`LATEST` is
refused with a `StorageError`: this code does not know its tables.

The query side (``store/schema.py``, ``schema_review.py``, ``schema_deliver.py``) is the one description
of the tables that queries use; these modules never import it (``make lint`` checks), and it never imports
them. ``tests/test_migrations.py`` ties the two: a database upgraded from every older version has exactly
the schema of a fresh one, and a fresh one has exactly the schema that the query tables describe, on
SQLite and PostgreSQL.

Rules
-----
- **Never edit a released migration; add the next number.** A released module may only gain comments.
  An old database has run the old text, so a change there would make it differ from a fresh one. The
  statements each version runs are recorded in ``tests/data/migrations/<module>.<backend>.sql`` when it
  is released, and the tests fail if it ever runs anything else.
- A migration copies the table definitions it needs; it does not share types or tables with the query
  side or with another migration (a foreign key to an older table names a stub ``sa.Table`` holding only
  the referenced column, as in ``v0002_classification.py``).
- A change to a released table is a new migration that alters it, written for both backends, and the
  same change in the query-side table, in one commit.

Adding version 6 (the full-text index of "search", say)
---------------------------------------------------------
1. Write ``v0006_search.py`` with ``VERSION = 6`` and ``upgrade(conn)``. Dialect-specific DDL is allowed
   there; branch on ``conn.dialect.name``::

       def upgrade(conn: Connection) -> None:
           if conn.dialect.name == "sqlite":
               conn.exec_driver_sql("CREATE VIRTUAL TABLE articles_fts USING fts5(...)")
           else:  # postgresql
               conn.exec_driver_sql(
                   "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (...) STORED"
               )
               conn.exec_driver_sql("CREATE INDEX ix_articles_search ON articles USING gin (search)")

   Fill what the new objects need from existing rows in the same ``upgrade`` (it runs once per database).
   Adding a plain column to an existing table: ``ALTER TABLE t ADD COLUMN c <type> [NOT NULL DEFAULT x]``
   works on both; SQLite cannot alter or drop a constraint, so such a change is done there by creating
   the new table, copying the rows and renaming (https://www.sqlite.org/lang_altertable.html).
2. Import it below and append it to :data:`MIGRATIONS` (the numbers must run 1, 2, 3, ... without gaps).
3. Make the same change in the query-side tables. An object that the query metadata cannot describe (an
   FTS5 virtual table and its shadow tables, a tsvector column used only through SQL text) is named in
   :data:`UNMODELLED` (``"table"``, ``"table.column"`` or an index name; shell wildcards allowed, as in
   ``{"articles_fts*", "articles.search", "ix_articles_search"}``), so the fresh-versus-query-tables
   check leaves it out; upgraded-versus-fresh still compares it (``sa.inspect`` reflects FTS5 tables).
4. Run ``tests/test_migrations.py`` once with ``MEDIAWATCH_REGENERATE_GOLDEN=1`` (both backends): it
   records the new version's statements (an existing record is never rewritten); commit the two files.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.config import masked_url
from mediawatch.errors import StorageError
from mediawatch.i18n import t as translate
from mediawatch.store.migrations import (
    v0001_sources,
    v0002_classification,
    v0003_issues,
    v0004_review,
    v0005_delivery,
    v0006_search,
    v0007_watch,
    v0008_added_outlets,
)

__all__ = ["LATEST", "MIGRATIONS", "UNMODELLED", "Migration", "applied_versions", "upgrade"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


def _listed(*modules: ModuleType) -> tuple[Migration, ...]:
    found = tuple(Migration(m.VERSION, m.__name__.rpartition(".")[2], m.upgrade) for m in modules)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1, 2, 3... in order: {[m.name for m in found]}")
    return found


MIGRATIONS = _listed(
    v0001_sources,
    v0002_classification,
    v0003_issues,
    v0004_review,
    v0005_delivery,
    v0006_search,
    v0007_watch,
    v0008_added_outlets,
)
LATEST = MIGRATIONS[-1].version

# The full-text index (v0006): an FTS5 table and its shadow tables on SQLite, a tsvector under GIN on
# PostgreSQL, reached only through SQL text in store/search.py.
UNMODELLED: frozenset[str] = frozenset({"search_documents*", "ix_search_documents_document"})
"""Objects created by a migration that the query-side metadata does not describe (see step 3 above)."""

# The bookkeeping table, created before version 1 (frozen like the rest).
schema_version = sa.Table(
    "schema_version",
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

# Transaction-scoped advisory lock: two processes opening one new PostgreSQL database migrate in turn.
_PG_LOCK_KEY = zlib.crc32(b"mediawatch:migrations")

Begin = Callable[[], AbstractContextManager[Connection]]


def upgrade(begin: Begin, *, target: int | None = None) -> list[int]:
    """Apply the missing migrations up to ``target`` (default: all), one transaction each; return their
    versions. ``begin()`` opens a transaction (``engine.begin``, or the store's own, which maps driver
    errors to `StorageError`)."""
    goal = LATEST if target is None else target
    # A current database (the usual case) is only read: no write lock taken on every open.
    with begin() as conn:
        if not _pending(conn, goal):
            return []
    applied: list[int] = []
    while True:
        with begin() as conn:
            _serialize(conn)
            schema_version.create(conn, checkfirst=True)
            pending = _pending(conn, goal)  # again, under the lock: another process may have done it
            if not pending:
                return applied
            step = pending[0]
            step.upgrade(conn)
            conn.execute(sa.insert(schema_version).values(version=step.version, applied_at=datetime.now(UTC)))
        applied.append(step.version)


def applied_versions(conn: Connection) -> set[int]:
    if not sa.inspect(conn).has_table(schema_version.name):
        return set()
    return set(conn.execute(sa.select(schema_version.c.version)).scalars())


def _pending(conn: Connection, goal: int) -> Sequence[Migration]:
    done = applied_versions(conn)
    newest = max(done, default=0)
    if newest > LATEST:
        url = masked_url(conn.engine.url.render_as_string(hide_password=False))
        raise StorageError(translate("store.schema_too_new", url=url, found=newest, known=LATEST))
    return [m for m in MIGRATIONS if m.version <= goal and m.version not in done]


def _serialize(conn: Connection) -> None:
    """Make this transaction the only migrating one, and on SQLite make its DDL transactional at all."""
    if conn.dialect.name == "sqlite":
        # pysqlite opens a transaction only before INSERT/UPDATE/DELETE: without this BEGIN, a CREATE TABLE
        # would be committed at once and a failure later in the version would leave it behind.
        if not getattr(conn.connection.dbapi_connection, "in_transaction", False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
