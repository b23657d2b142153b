"""Database URLs: postgresql:// means psycopg 3, and no message ever shows the password."""

import socket
import subprocess
import sys
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.config import database_url, masked_url, scrub_password
from mediawatch.errors import StorageError
from mediawatch.store import open_store

PASSWORD = "S3cr3t-pw"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def no_config(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)


def test_postgresql_urls_use_psycopg_3():
    assert database_url("postgresql://mw@db.example/news") == "postgresql+psycopg://mw@db.example/news"
    assert (
        database_url("postgres://mw:pw@db.example:5433/news")
        == "postgresql+psycopg://mw:pw@db.example:5433/news"
    )
    # an explicit driver is the user's choice
    assert database_url("postgresql+psycopg2://mw@h/db") == "postgresql+psycopg2://mw@h/db"
    assert masked_url(f"postgres://mw:{PASSWORD}@h/db") == "postgres://mw:***@h/db"
    assert masked_url(f"postgresql://mw:{PASSWORD}@h:notaport/db") == "postgresql://mw:***@h:notaport/db"


def test_a_missing_driver_names_the_extra_and_hides_the_password(monkeypatch, no_config):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if `mediawatch[postgresql]` was not installed
    url = f"postgresql://mw:{PASSWORD}@127.0.0.1:{_closed_port()}/news"
    with pytest.raises(StorageError) as caught:
        open_store(database_url(url))
    assert "pip install 'mediawatch[postgresql]'" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert "mw:***@127.0.0.1" in str(caught.value)

    for command in (["sources", "health"], ["nightly", "--no-collect", "--no-notify"]):
        result = CliRunner().invoke(cli, ["--db", url, *command])
        assert result.exit_code != 0
        assert "mediawatch[postgresql]" in result.output, result.output
        assert PASSWORD not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.postgresql
def test_server_errors_hide_the_password(pg_server, no_config, tmp_path, monkeypatch):
    missing_database = pg_server.url("no_such_database", password=PASSWORD)
    refused = f"postgresql://mw:{PASSWORD}@127.0.0.1:{_closed_port()}/news"
    for url in (missing_database, refused):
        with pytest.raises(StorageError) as caught:
            open_store(database_url(url))
        assert PASSWORD not in str(caught.value)
        assert ":***@127.0.0.1" in str(caught.value)
        monkeypatch.setenv("MEDIAWATCH_LOG_FILE", str(tmp_path / "nightly.jsonl"))
        for command in (["sources", "health"], ["nightly", "--no-collect", "--no-notify"]):
            result = CliRunner().invoke(cli, ["--db", url, *command])
            assert result.exit_code != 0
            assert "***@127.0.0.1" in result.output, result.output
            assert PASSWORD not in result.output
        assert PASSWORD not in (tmp_path / "nightly.jsonl").read_text(encoding="utf-8")
    # and through a real process, with MEDIAWATCH_DB, as cron runs it
    result = subprocess.run(
        [sys.executable, "-c", "from mediawatch.cli import main; main()", "sources", "health"],
        env={**__import__("os").environ, "MEDIAWATCH_DB": missing_database},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "no_such_database" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgresql
def test_a_postgres_url_opens_the_server_with_psycopg_3(pg_server, no_config):
    db_url = pg_server.acquire()
    plain = db_url.replace("postgresql+psycopg://", "postgres://", 1)
    result = CliRunner().invoke(cli, ["--db", plain, "sources", "health"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with open_store(database_url(plain)) as store:
        assert store.engine.dialect.driver == "psycopg"
        assert store.schema_version() >= 5
    pg_server.release(db_url)


@pytest.mark.postgresql
def test_serve_on_postgresql_without_a_secret_key_says_what_to_set(pg_server, no_config, monkeypatch):
    monkeypatch.delenv("MEDIAWATCH_SECRET_KEY", raising=False)
    url = pg_server.acquire()
    try:
        with_password = url.replace("mediawatch@", f"mediawatch:{PASSWORD}@")
        result = CliRunner().invoke(cli, ["--db", with_password, "serve", "--port", "0"])
        assert result.exit_code == 2, result.output
        assert "set secret_key in the [web] section" in result.output
        assert PASSWORD not in result.output
    finally:
        pg_server.release(url)


@pytest.mark.parametrize(
    ("password", "message", "shown"),
    [
        # a one-letter password is masked where it stands alone, never inside the words around it
        ("p", "connection to server at 127.0.0.1 port 1 failed: password=p", "port 1 failed: password=***"),
        ("p", "could not connect: user:p@localhost", "user:***@localhost"),
        ("s3cret", "bad password s3cret for user bob", "bad password *** for user bob"),
        ("s3cret", "dsn: password='s3cret' host=x", "password='***' host=x"),
        # URL-quoted as it appears in a URL; a longer password is masked even inside a word
        ("p@ss w", "invalid dsn: p%40ss%20w near host", "invalid dsn: *** near host"),
        ("abc!", "token xabc! rejected", "token x*** rejected"),
        ("ab", "tab ab: grab", "tab ***: grab"),
    ],
)
def test_a_password_is_masked_without_garbling_the_message(password, message, shown):
    url = f"postgresql+psycopg://bob:{quote(password, safe='')}@localhost/mediawatch"
    scrubbed = scrub_password(message, url)
    assert shown in scrubbed
    if len(password) >= 4:
        assert password not in scrubbed


@pytest.mark.parametrize("given", ["{tmp}/nonexist/dir/x.sqlite3", "sqlite:///{tmp}/nonexist/x.sqlite3"])
def test_a_database_path_whose_folder_does_not_exist_is_refused_and_nothing_is_created(
    tmp_path, no_config, given
):
    db = given.format(tmp=tmp_path)
    result = CliRunner().invoke(cli, ["--lang", "es", "--db", db, "sources", "health"])
    assert result.exit_code == StorageError.exit_code, result.output
    assert f"la carpeta {tmp_path / 'nonexist'}" in result.output
    assert not (tmp_path / "nonexist").exists()
    # a new database in an existing folder is the documented first run
    fresh = CliRunner().invoke(cli, ["--db", str(tmp_path / "new.sqlite3"), "sources", "health"])
    assert fresh.exit_code == 0, fresh.output
    assert (tmp_path / "new.sqlite3").is_file()


@pytest.mark.parametrize(
    "given", ["sqlite:///", "sqlite://", "sqlite:///:memory:", "sqlite+pysqlite:///:memory:"]
)
def test_an_in_memory_database_is_refused_for_the_command_line(no_config, given):
    result = CliRunner().invoke(
        cli, ["--db", given, "users", "add", "ana", "--role", "editor"], input="a-long-password\n" * 2
    )
    assert result.exit_code == StorageError.exit_code, result.output
    assert "an in-memory SQLite database is gone when the command ends" in result.output
    assert "added" not in result.output
    with pytest.raises(StorageError):
        database_url(given)
