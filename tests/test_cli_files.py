"""Commands that write a file the user names: a bad path is a clear message in the user's language (the
path and why), a non-zero exit and nothing written, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from render_samples import small_issue

from mediawatch.cli import cli
from mediawatch.errors import FileAccessError
from mediawatch.files import writing
from mediawatch.store import Store


@pytest.fixture
def run(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "a.toml").write_text(
        '[[source]]\nid = "a"\nname = "A"\nurl = "https://a.example.org/rss"\n'
        'kind = "rss"\nlanguage = "fr"\n',
        encoding="utf-8",
    )
    (tmp_path / "somefile.txt").write_text("not a folder\n", encoding="utf-8")
    db = tmp_path / "db.sqlite3"

    def invoke(*args: str):
        # catch_exceptions=False: a traceback fails the test instead of hiding in result.exception
        return CliRunner().invoke(
            cli, ["--db", str(db), "--feeds", str(feeds), *args], catch_exceptions=False
        )

    return invoke


UNDER_A_FILE = [
    ("sources", "export-opml", "-o"),
    ("subscribers", "export-csv", "-o"),
    ("report", "--out"),
]


@pytest.mark.parametrize("command", UNDER_A_FILE, ids=lambda c: " ".join(c[:-1]))
def test_output_under_a_file_is_a_clear_error(run, tmp_path, command):
    result = run(*command, "somefile.txt/out.x")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "cannot write somefile.txt/out.x: somefile.txt is a file, not a folder" in result.output
    assert (tmp_path / "somefile.txt").read_text(encoding="utf-8") == "not a folder\n"


@pytest.mark.parametrize("command", UNDER_A_FILE, ids=lambda c: " ".join(c[:-1]))
def test_output_into_a_missing_folder_names_the_folder(run, tmp_path, command):
    result = run(*command, str(tmp_path / "missing" / "deeper" / "out.x"))
    assert result.exit_code != 0
    assert f"the folder {tmp_path / 'missing'} does not exist" in result.output
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "impossible d'écrire nope/r.html : le dossier nope n'existe pas"),
        ("es", "no se puede escribir nope/r.html: la carpeta nope no existe"),
        ("en", "cannot write nope/r.html: the folder nope does not exist"),
    ],
)
def test_report_into_a_missing_folder_speaks_the_users_language(run, lang, expected):
    result = run("--lang", lang, "report", "--out", "nope/r.html")
    assert result.exit_code != 0
    assert expected in result.output


def test_render_out_under_a_file_is_a_clear_error(run, tmp_path):
    with Store(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        small_issue(store, slug="week-47")
    result = run("--lang", "fr", "render", "week-47", "--out", "somefile.txt/archive")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "somefile.txt est un fichier, pas un dossier" in result.output


@pytest.mark.parametrize(
    ("command", "lang", "expected"),
    [
        (
            ("render", "week-47", "--out", "newdir/sub"),
            "en",
            "cannot write newdir/sub: the folder newdir does not exist",
        ),
        (
            ("render", "week-47", "--out", "newdir"),
            "fr",
            "impossible d'écrire newdir : le dossier newdir n'existe pas",
        ),
        (
            ("send", "--dry-run", "--out", "eml", "week-47"),
            "en",
            "cannot write eml: the folder eml does not exist",
        ),
        (("send", "--dry-run", "--out", "newdir/eml", "week-47"), "es", "la carpeta newdir no existe"),
        (
            ("send", "--dry-run", "--out", "somefile.txt", "week-47"),
            "en",
            "somefile.txt is a file, not a folder",
        ),
    ],
    ids=["render-deep", "render", "dry-run", "dry-run-deep", "dry-run-file"],
)
def test_an_out_folder_that_does_not_exist_is_refused_and_not_created(run, tmp_path, command, lang, expected):
    """README: a folder that does not exist gives one line and exit 2, nothing created."""
    with Store(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        small_issue(store, slug="week-47")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("--lang", lang, *command)
    assert result.exit_code == 2, result.output
    assert len(result.output.splitlines()) == 1, result.output
    assert expected in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_render_out_into_an_existing_folder_writes_there(run, tmp_path):
    with Store(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        small_issue(store, slug="week-47")
    (tmp_path / "archive").mkdir()
    result = run("render", "week-47", "--out", "archive")
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "archive").rglob("*.html"))


def test_an_unexpected_file_error_is_a_message_not_a_traceback(run, tmp_path):
    # The safety net of every command: an OSError no code path turned into a message still becomes one.
    result = run("subscribers", "import-csv", str(Path("somefile.txt") / "x.csv"))
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "somefile.txt" in result.output


def test_a_database_or_log_file_under_a_file_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    (tmp_path / "somefile.txt").write_text("x", encoding="utf-8")
    runner = CliRunner()
    db = runner.invoke(cli, ["--db", str(tmp_path / "somefile.txt" / "x.sqlite3"), "sources", "health"])
    assert db.exit_code != 0
    assert f"{tmp_path / 'somefile.txt'} is a file, not a folder" in db.output
    monkeypatch.setenv("MEDIAWATCH_LOG_FILE", str(tmp_path / "somefile.txt" / "nightly.log"))
    log = runner.invoke(cli, ["--db", str(tmp_path / "db.sqlite3"), "nightly", "--no-collect", "--no-notify"])
    assert log.exit_code == 2
    assert f"log_file: cannot write {tmp_path / 'somefile.txt' / 'nightly.log'}" in log.output
    assert "is a file, not a folder" in log.output
    assert "File exists" not in db.output + log.output  # the operating system's words said nothing useful


def test_a_folder_to_create_where_a_file_stands(tmp_path):
    # send --dry-run --out FILE: the folder of messages cannot be made where a file is
    target = tmp_path / "somefile.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(FileAccessError, match="somefile.txt is a file, not a folder"), writing(target, "en"):
        target.mkdir(parents=True, exist_ok=True)
