"""Frozen migrations, on SQLite and PostgreSQL: a database upgraded from any older version has exactly the
schema of a fresh one and keeps its rows; a fresh one has exactly the schema the query tables describe; an
interrupted version leaves nothing behind; a database newer than the code is refused."""

import fnmatch
import importlib
import logging
import os
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mediawatch.errors import StorageError
from mediawatch.store import migrations, open_store
from mediawatch.store import schema as query_schema
from mediawatch.store import schema_deliver as _schema_deliver  # noqa: F401  (adds its tables)
from mediawatch.store import schema_review as _schema_review  # noqa: F401  (adds its tables)
from mediawatch.store import schema_watch as _schema_watch  # noqa: F401  (adds its tables)

# The tables each version creates through its own frozen metadata (a version made only of dialect-specific
# DDL has none), in the order they are created: parents first.
FROZEN: dict[int, list[sa.Table]] = {
    m.version: list(getattr(importlib.import_module(f"{migrations.__name__}.{m.name}"), "TABLES", []))
    for m in migrations.MIGRATIONS
}
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def new_empty_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[], str]:
    """More empty databases of the test's backend (``empty_db_url`` gives one)."""
    count = iter(range(1_000))

    def new() -> str:
        if db_backend == "sqlite":
            return f"sqlite:///{tmp_path / f'extra-{next(count)}.sqlite3'}"
        server = request.getfixturevalue("pg_server")
        url = server.create_database()
        request.addfinalizer(lambda: server.drop_database(str(sa.engine.make_url(url).database)))
        return str(url)

    return new


@pytest.fixture
def engine_for() -> Iterator[Callable[[str], sa.Engine]]:
    engines: list[sa.Engine] = []

    def make(url: str) -> sa.Engine:
        engines.append(sa.create_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


# -- the schema of a database, as sa.inspect sees it, in terms both backends share ----------------------
def describe(url: str, *, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables = {
                name: _table(conn, inspector, name, leave_out)
                for name in inspector.get_table_names()
                if not _left_out(name, leave_out)
            }
    finally:
        engine.dispose()
    return tables


def _table(conn: sa.Connection, inspector: Any, name: str, leave_out: frozenset[str]) -> dict[str, Any]:
    columns = {
        c["name"]: (_affinity(c["type"]), bool(c["nullable"]), _default(c.get("default")))
        for c in inspector.get_columns(name)
        if not _left_out(f"{name}.{c['name']}", leave_out)
    }
    # ids that are never reused (subscribers): SQLite says so only in the table's SQL
    keyword = None
    if conn.dialect.name == "sqlite":
        sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": name}).scalar()
        keyword = "AUTOINCREMENT" in str(sql).upper()
    return {
        # column order is left out on purpose: ALTER TABLE appends, and queries name their columns
        "columns": columns,
        "primary_key": tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
        "foreign_keys": sorted(
            (
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                _action((fk.get("options") or {}).get("ondelete")),
            )
            for fk in inspector.get_foreign_keys(name)
        ),
        "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
        "indexes": sorted(
            (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
            for ix in inspector.get_indexes(name)
            if not ix.get("duplicates_constraint") and not _left_out(ix["name"], leave_out)
        ),
        "autoincrement_keyword": keyword,
    }


def _left_out(name: str, patterns: frozenset[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _affinity(kind: sa.types.TypeEngine[Any]) -> str:
    if isinstance(kind, sa.Boolean):
        return "boolean"
    if isinstance(kind, sa.BigInteger):
        return "bigint"
    if isinstance(kind, sa.Integer):
        return "integer"
    if isinstance(kind, sa.Float | sa.Numeric):
        return "float"
    if isinstance(kind, sa.DateTime):
        return "timestamptz" if getattr(kind, "timezone", False) else "timestamp"
    if isinstance(kind, sa.LargeBinary):
        return "binary"
    if isinstance(kind, sa.Text):
        return "text"
    if isinstance(kind, sa.String):
        return f"varchar({kind.length})" if kind.length else "text"
    return type(kind).__name__.lower()


def _default(text: object) -> str | None:
    if text is None:
        return None
    value = str(text).strip()
    while value.startswith("(") and value.endswith(")"):
        value = value[1:-1].strip()
    if value.startswith("nextval("):
        return "<sequence>"
    value = re.sub(r"::[a-z ]+$", "", value)  # PostgreSQL's '[]'::text, ''::character varying
    value = value.strip("'")
    return {"true": "1", "false": "0"}.get(value.lower(), value)


def _action(value: object) -> str | None:
    text = str(value).upper() if value else None
    return None if text in {None, "NO ACTION"} else text


def test_describe_sees_what_the_comparison_relies_on(db_url):
    open_store(db_url).close()
    schema = describe(db_url)
    outbox = schema["outbox"]
    assert outbox["columns"]["confirmed"] == ("boolean", False, "0")
    assert outbox["columns"]["recipient"] == ("varchar(320)", False, None)
    assert outbox["columns"]["subscriber_id"][1] is True
    assert (("subscriber_id",), "subscribers", ("id",), "SET NULL") in outbox["foreign_keys"]
    assert ("issue_id", "subscriber_id") in outbox["unique"]
    assert ("ix_outbox_issue_status", ("issue_id", "status", "id"), False) in outbox["indexes"]
    assert schema["sources"]["columns"]["enabled"] == ("boolean", False, "1")
    assert schema["sources"]["columns"]["tags"] == ("text", False, "[]")
    assert schema["issues"]["unique"] == [("slug",)]
    assert schema["article_sources"]["primary_key"] == ("article_id", "source_id")
    if db_url.startswith("sqlite"):
        assert schema["subscribers"]["autoincrement_keyword"] is True
        assert schema["articles"]["autoincrement_keyword"] is False


# -- rows of every frozen table, as an old database would hold them -------------------------------------
def _sample(column: sa.Column[Any]) -> Any:
    for fk in column.foreign_keys:
        return _sample(fk.column)
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.Float):
        return 0.5
    if isinstance(kind, sa.DateTime):
        return WHEN
    if isinstance(kind, sa.LargeBinary):
        return b"\x00\x01\xff"
    text = f"{column.table.name}.{column.name} é"
    length = getattr(kind, "length", None)
    return text[:length] if length else text


def _rows_up_to(version: int) -> dict[str, dict[str, Any]]:
    return {
        table.name: {c.name: _sample(c) for c in table.columns}
        for v in range(1, version + 1)
        for table in FROZEN[v]
    }


def _build(url: str, version: int) -> dict[str, dict[str, Any]]:
    """A database as released at ``version``, one row in each of its tables; returns the rows."""
    engine = sa.create_engine(url)
    try:
        assert migrations.upgrade(engine.begin, target=version) == list(range(1, version + 1))
        rows = _rows_up_to(version)
        with engine.begin() as conn:
            for v in range(1, version + 1):
                for table in FROZEN[v]:  # listed parents first
                    conn.execute(sa.insert(table).values(rows[table.name]))
    finally:
        engine.dispose()
    return rows


def _rows_as_the_store_reads_them(url: str, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    engine = sa.create_engine(url)
    found = {}
    try:
        with engine.connect() as conn:
            for name in names:
                table = query_schema.metadata.tables[name]
                found[name] = [dict(r._mapping) for r in conn.execute(sa.select(table))]
    finally:
        engine.dispose()
    return found


def _fresh(new_empty_url: Callable[[], str]) -> str:
    url = new_empty_url()
    open_store(url).close()
    return url


# -- (a) upgraded == fresh, (c) rows kept ----------------------------------------------------------------
# Versions that rewrite rows and change no table: a database before them already has the fresh schema.
DATA_ONLY = {8}  # v0008_added_outlets


@pytest.mark.parametrize("start", range(1, migrations.LATEST))
def test_a_database_upgraded_from_an_older_version_is_a_fresh_one_with_its_rows(
    start, empty_db_url, new_empty_url
):
    rows = _build(empty_db_url, start)
    if set(range(start + 1, migrations.LATEST + 1)) - DATA_ONLY:  # there is something to upgrade
        assert describe(empty_db_url) != describe(_fresh(new_empty_url))

    with open_store(empty_db_url) as store:
        assert store.schema_version() == migrations.LATEST

    assert describe(empty_db_url) == describe(_fresh(new_empty_url))
    kept = _rows_as_the_store_reads_them(empty_db_url, list(rows))
    for name, row in rows.items():
        stored = kept[name]
        assert len(stored) == 1, name
        # the row as written, plus the columns later versions added with their defaults
        assert {k: stored[0][k] for k in row} == row, name


# -- (b) the query tables are what the migrations build -------------------------------------------------
def test_the_query_tables_describe_exactly_a_fresh_database(new_empty_url):
    fresh = _fresh(new_empty_url)
    modelled = new_empty_url()
    engine = sa.create_engine(modelled)
    try:
        with engine.begin() as conn:
            query_schema.metadata.create_all(conn)
    finally:
        engine.dispose()

    expected = describe(fresh, leave_out=migrations.UNMODELLED)
    assert describe(modelled, leave_out=migrations.UNMODELLED) == expected
    assert "subscribers" in expected
    assert "login_attempts" in expected  # the review and delivery tables are part of the comparison


# -- (d) an up-to-date database is only read ------------------------------------------------------------
def test_opening_a_current_database_applies_nothing(db_url, engine_for, caplog):
    open_store(db_url).close()
    engine = engine_for(db_url)
    with engine.connect() as conn:
        before = conn.execute(sa.select(migrations.schema_version)).all()
    assert [r.version for r in before] == [m.version for m in migrations.MIGRATIONS]

    caplog.set_level(logging.INFO, logger="mediawatch.store")
    open_store(db_url).close()
    assert "migrated" not in caplog.text

    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert migrations.upgrade(engine.begin) == []
    assert statements, "the version table was read"
    assert not [s for s in statements if not re.match(r"\s*(SELECT|PRAGMA)", s, re.IGNORECASE)]
    with engine.connect() as conn:
        assert conn.execute(sa.select(migrations.schema_version)).all() == before


def test_an_sqlite_database_busy_writing_still_opens(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    open_store(url).close()
    writer = sa.create_engine(url)
    try:
        with writer.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # another process in the middle of a write
            with open_store(url) as store:
                assert store.schema_version() == migrations.LATEST
            conn.rollback()
    finally:
        writer.dispose()


# -- (e) a database newer than the code ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            "its schema is at version {found}, newer than this version of mediawatch knows (up to {known})",
        ),
        ("fr", "son schéma est en version {found}, plus récente que celles que connaît cette version"),
        ("es", "su esquema está en la versión {found}, más reciente que las que conoce esta versión"),
    ],
)
def test_a_database_newer_than_the_code_is_refused(lang, words, db_url, engine_for, monkeypatch):
    open_store(db_url).close()
    newer = migrations.LATEST + 1
    engine = engine_for(db_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(migrations.schema_version).values(version=newer, applied_at=WHEN))
    before = describe(db_url)

    monkeypatch.setenv("MEDIAWATCH_LANG", lang)
    with pytest.raises(StorageError) as raised:
        open_store(db_url)
    message = str(raised.value)
    assert words.format(found=newer, known=migrations.LATEST) in message
    assert str(sa.engine.make_url(db_url).database) in message  # which database
    assert describe(db_url) == before  # untouched


# -- one version, one transaction ---------------------------------------------------------------------------
def _fail_at(statement: str, action: Callable[[], None]) -> Callable[..., None]:
    def listener(conn: Any, cursor: Any, sql: str, *rest: Any) -> None:
        if sql.strip().startswith(statement):
            action()

    return listener


def test_a_version_failing_halfway_is_rolled_back_and_the_versions_before_it_kept(
    empty_db_url, new_empty_url, engine_for
):
    rows = _build(empty_db_url, 1)
    engine = engine_for(empty_db_url)

    def boom() -> None:
        raise RuntimeError("injected failure")

    # version 3 creates issues, its index, then issue_editions: fail there, version 2 already committed
    sa.event.listen(engine, "before_cursor_execute", _fail_at("CREATE TABLE issue_editions", boom))
    with pytest.raises(RuntimeError, match="injected failure"):
        migrations.upgrade(engine.begin)
    _assert_left_at(empty_db_url, 2, "issues", rows, new_empty_url)


def test_a_process_killed_halfway_through_a_version_leaves_the_previous_version(empty_db_url, new_empty_url):
    rows = _build(empty_db_url, 1)
    script = textwrap.dedent(
        """
        import os, signal, sys
        import sqlalchemy as sa
        from mediawatch.store import migrations

        engine = sa.create_engine(sys.argv[1])

        @sa.event.listens_for(engine, "before_cursor_execute")
        def die(conn, cursor, sql, *rest):
            if sql.strip().startswith("CREATE TABLE story_members"):
                os.kill(os.getpid(), signal.SIGKILL)

        migrations.upgrade(engine.begin)
        """
    )
    done = subprocess.run([sys.executable, "-c", script, empty_db_url], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()
    _assert_left_at(empty_db_url, 1, "classifications", rows, new_empty_url)


@pytest.mark.postgresql
@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_two_processes_opening_one_database_migrate_in_turn(empty_db_url, new_empty_url, engine_for):
    """The second one waits for the first one's version, then finds it done, instead of failing on a
    table the first one is creating."""
    _build(empty_db_url, 1)
    paused, go = threading.Event(), threading.Event()

    def hold() -> None:
        paused.set()
        assert go.wait(120)

    first = engine_for(empty_db_url)
    sa.event.listen(first, "before_cursor_execute", _fail_at("CREATE TABLE story_members", hold))
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> threading.Thread:
        def body() -> None:
            try:
                action()
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        thread = threading.Thread(target=body)
        thread.start()
        return thread

    threads = [run(lambda: migrations.upgrade(first.begin))]
    try:
        _second_opener_waits(empty_db_url, paused, threads, run, engine_for(empty_db_url))
    finally:
        go.set()
        for thread in threads:
            thread.join(120)
    assert errors == []
    with first.connect() as conn:
        assert migrations.applied_versions(conn) == set(range(1, migrations.LATEST + 1))
    assert describe(empty_db_url) == describe(_fresh(new_empty_url))


def _second_opener_waits(
    url: str,
    paused: threading.Event,
    threads: list[threading.Thread],
    run: Callable[[Callable[[], object]], threading.Thread],
    watcher: sa.Engine,
) -> None:
    assert paused.wait(120)
    threads.append(run(lambda: open_store(url).close()))
    database = sa.engine.make_url(url).database
    for _ in range(600):  # the second one is blocked on a lock held by the first one's transaction
        with watcher.connect() as conn:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"
                ),
                {"db": database},
            ).scalar()
        if waiting:
            return
        threading.Event().wait(0.2)
    pytest.fail("the second opener never waited for the first one")


def _assert_left_at(
    url: str, version: int, rolled_back: str, rows: dict[str, Any], new_empty_url: Callable[[], str]
) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert migrations.applied_versions(conn) == set(range(1, version + 1))
            inspector = sa.inspect(conn)
            assert not inspector.has_table(rolled_back)  # created before the failure, then rolled back
            assert all(inspector.has_table(t.name) for t in FROZEN[version])
    finally:
        engine.dispose()
    with open_store(url) as store:
        assert store.schema_version() == migrations.LATEST
    assert describe(url) == describe(_fresh(new_empty_url))
    assert _rows_as_the_store_reads_them(url, ["sources"])["sources"][0]["name"] == rows["sources"]["name"]


# -- released migrations stay as released ----------------------------------------------------------------
RELEASED_DDL = Path(__file__).parent / "data" / "migrations"


def test_a_released_migration_runs_the_ddl_it_was_released_with(empty_db_url, engine_for, db_backend):
    """The statements each version runs, against the record made when it was released: editing a released
    migration fails here (SQLite and PostgreSQL, dialect-specific DDL included)."""
    engine = engine_for(empty_db_url)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for step in migrations.MIGRATIONS:
        statements.clear()
        assert migrations.upgrade(engine.begin, target=step.version) == [step.version]
        # sorted: SQLAlchemy creates a table's indexes in no fixed order
        ddl = "".join(
            sorted(
                "\n".join(line.rstrip() for line in s.strip().splitlines()) + ";\n\n"
                for s in statements
                if not re.match(r"\s*(SELECT|PRAGMA|BEGIN)\b", s, re.IGNORECASE)
            )
        )
        path = RELEASED_DDL / f"{step.name}.{db_backend}.sql"
        if not path.exists() and os.environ.get("MEDIAWATCH_REGENERATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(ddl, encoding="utf-8")  # a new version is recorded once, never rewritten
        assert path.exists(), f"{path} missing: record a new version with MEDIAWATCH_REGENERATE_GOLDEN=1"
        assert ddl == path.read_text(encoding="utf-8"), (
            f"{step.name} no longer runs the DDL it was released with ({path}): restore it and add the"
            " next migration instead"
        )


def test_migrations_are_numbered_in_order_and_the_store_opens_at_the_latest(db_url):
    assert [m.version for m in migrations.MIGRATIONS] == list(range(1, migrations.LATEST + 1))
    assert [m.name for m in migrations.MIGRATIONS][0] == "v0001_sources"
    with open_store(db_url) as store:
        assert store.schema_version() == migrations.LATEST
