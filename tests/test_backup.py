"""`mediawatch backup` / `mediawatch restore`: every kept row comes back, across SQLite and PostgreSQL,
the restored database works (search, new ids), and a bad file or a used database changes nothing."""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from storage_samples import _new_issue, seed

from mediawatch.cli import cli
from mediawatch.store import open_store
from mediawatch.store.backup import SKIPPED, _tables
from mediawatch.watch.query import parse as parse_query

LOCALE_VARS = (
    "MEDIAWATCH_LANG",
    "LC_ALL",
    "LC_MESSAGES",
    "LANG",
    "MEDIAWATCH_CONFIG",
    "MEDIAWATCH_SECRET_KEY",
)
PAIRS = [
    ("sqlite", "sqlite"),
    pytest.param("sqlite", "postgresql", marks=pytest.mark.postgresql),
    pytest.param("postgresql", "sqlite", marks=pytest.mark.postgresql),
    pytest.param("postgresql", "postgresql", marks=pytest.mark.postgresql),
]


@pytest.fixture
def new_db(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``new_db(backend)``: the URL of a new, empty database of that backend."""
    made: Iterator[int] = iter(range(1000))

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'db{next(made)}.sqlite3'}"
        server = request.getfixturevalue("pg_server")
        url = str(server.acquire())
        request.addfinalizer(lambda: server.release(url))
        return url

    return make


def run(*args: str, lang: str = "en", db: str, stdin: bytes | None = None):
    env: dict[str, str | None] = {name: None for name in LOCALE_VARS} | {"MEDIAWATCH_DB": db}
    return CliRunner().invoke(cli, ["--lang", lang, *args], env=env, input=stdin, catch_exceptions=False)


def rows_of(url: str) -> dict[str, list[tuple[object, ...]]]:
    store = open_store(url)
    try:
        with store.engine.connect() as conn:
            return {
                table.name: sorted(
                    (tuple(row) for row in conn.execute(sa.select(table))), key=lambda row: repr(row)
                )
                for table in _tables()
            }
    finally:
        store.close()


def seeded(url: str) -> str:
    store = open_store(url)
    try:
        seed(store)
        store.reindex_pending()  # an index in the source: the restore must rebuild its own
    finally:
        store.close()
    return url


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_row_comes_back_on_either_backend(
    source: str, target: str, new_db: Callable[[str], str], tmp_path: Path
) -> None:
    origin = seeded(new_db(source))
    file = tmp_path / "watch.mwbackup"
    made = run("backup", str(file), db=origin)
    assert made.exit_code == 0, made.output
    assert "Backup written to" in made.output
    assert file.stat().st_mode & 0o777 == 0o600  # subscribers' addresses and password hashes inside

    restored_url = new_db(target)
    back = run("restore", str(file), db=restored_url)
    assert back.exit_code == 0, back.output
    before, after = rows_of(origin), rows_of(restored_url)
    kept = [name for name, rows in before.items() if rows]
    assert len(kept) >= 25  # the seeded database fills most tables: the comparison means something
    assert after == before

    store = open_store(restored_url)
    try:
        # the search index was rebuilt from the restored articles
        found = store.search_stories(parse_query("soil carbon"))
        assert found, "search finds nothing after a restore"
        # new rows get new ids (PostgreSQL's counters were moved past the restored ones)
        highest = max(row[0] for row in before["issues"])
        assert _new_issue(store, "after-restore", []) > highest
    finally:
        store.close()


def test_a_backup_through_a_pipe(new_db: Callable[[str], str]) -> None:
    origin = seeded(new_db("sqlite"))
    made = run("backup", "-", db=origin)
    assert made.exit_code == 0
    assert made.stdout_bytes[:2] == b"\x1f\x8b"  # gzip, nothing else on stdout
    restored = new_db("sqlite")
    back = run("restore", "-", db=restored, stdin=made.stdout_bytes)
    assert back.exit_code == 0, back.output
    assert rows_of(restored) == rows_of(origin)


def test_a_backup_while_another_connection_writes(new_db: Callable[[str], str], tmp_path: Path) -> None:
    origin = seeded(new_db("sqlite"))
    writer = sqlite3.connect(sa.engine.make_url(origin).database or "")
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE sources SET name = 'half-written' WHERE id = 'alpha'")
        made = run("backup", str(tmp_path / "b.gz"), db=origin)
    finally:
        writer.rollback()
        writer.close()
    assert made.exit_code == 0, made.output
    restored = new_db("sqlite")
    assert run("restore", str(tmp_path / "b.gz"), db=restored).exit_code == 0
    names = [row[1] for row in rows_of(restored)["sources"]]
    assert "half-written" not in names  # what was committed, not what was being written


def test_nothing_is_restored_into_a_database_in_use(new_db: Callable[[str], str], tmp_path: Path) -> None:
    origin = seeded(new_db("sqlite"))
    file = tmp_path / "b.gz"
    assert run("backup", str(file), db=origin).exit_code == 0
    used = seeded(new_db("sqlite"))
    before = rows_of(used)
    refused = run("restore", str(file), db=used, lang="fr")
    assert refused.exit_code == 2
    assert "n’est pas vide" in refused.output
    assert "table" in refused.output
    assert rows_of(used) == before


@pytest.mark.parametrize("damage", ["cut", "edited_count", "not_gzip", "other_json", "other_version"])
def test_a_damaged_or_foreign_file_restores_nothing(
    damage: str, new_db: Callable[[str], str], tmp_path: Path
) -> None:
    origin = seeded(new_db("sqlite"))
    file = tmp_path / "b.gz"
    assert run("backup", str(file), db=origin).exit_code == 0
    lines = gzip.decompress(file.read_bytes()).splitlines(keepends=True)
    if damage == "cut":
        file.write_bytes(gzip.compress(b"".join(lines[: len(lines) // 2])))
    elif damage == "edited_count":
        file.write_bytes(gzip.compress(b"".join(lines[:5] + lines[6:])))  # one row gone, trailer unchanged
    elif damage == "not_gzip":
        file.write_text("name,email\nA,a@example.org\n", encoding="utf-8")
    elif damage == "other_json":
        file.write_bytes(gzip.compress(b'{"hello": "world"}\n'))
    else:
        header = json.loads(lines[0]) | {"schema_version": 3}
        file.write_bytes(gzip.compress(json.dumps(header).encode() + b"\n" + b"".join(lines[1:])))
    target = new_db("sqlite")
    said = {"cut": "cut short", "edited_count": "inconsistent", "not_gzip": "not a mediawatch backup"}
    said |= {"other_json": "not a mediawatch backup", "other_version": "schema version 3"}
    for lang, words in (("en", said[damage]), ("es", "copia de seguridad")):
        refused = run("restore", str(file), db=target, lang=lang)
        assert refused.exit_code == 2, refused.output
        assert words in refused.output
        assert "Traceback" not in refused.output
    assert not any(rows_of(target).values())


def test_an_existing_file_is_kept_without_force(new_db: Callable[[str], str], tmp_path: Path) -> None:
    origin = seeded(new_db("sqlite"))
    file = tmp_path / "b.gz"
    file.write_bytes(b"yesterday's backup")
    refused = run("backup", str(file), db=origin, lang="es")
    assert refused.exit_code == 2
    assert "--force" in refused.output
    assert "ya existe" in refused.output
    assert file.read_bytes() == b"yesterday's backup"
    assert run("backup", str(file), "--force", db=origin).exit_code == 0
    assert file.read_bytes()[:2] == b"\x1f\x8b"


def test_the_secret_key_is_named_after_a_backup(new_db: Callable[[str], str], tmp_path: Path) -> None:
    origin = seeded(new_db("sqlite"))
    quiet = run("backup", str(tmp_path / "a.gz"), db=origin, lang="fr")
    assert "clé secrète" not in quiet.stderr  # no key yet: no link was ever signed
    (tmp_path / "db0.sqlite3.secret-key").write_text("k" * 32, encoding="utf-8")
    made = run("backup", str(tmp_path / "b.gz"), db=origin, lang="fr")
    assert made.exit_code == 0
    assert "db0.sqlite3.secret-key" in made.stderr
    assert "clé secrète" in made.stderr


def test_what_is_left_out() -> None:
    kept = {table.name for table in _tables()}
    assert not kept & SKIPPED
    assert {"articles", "subscribers", "consent_records", "audit_log", "outbox"} <= kept


def test_a_missing_file_is_named_as_missing(new_db: Callable[[str], str], tmp_path: Path) -> None:
    refused = run("restore", str(tmp_path / "nope.mwbackup"), db=new_db("sqlite"), lang="fr")
    assert refused.exit_code == 2
    assert "nope.mwbackup" in refused.output
    assert "n'existe pas" in refused.output
    assert "dossier" not in refused.output  # the folder is there; the file is not
