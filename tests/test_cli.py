"""The command line as a user runs it: help everywhere, clear errors, exit codes, JSON output."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mediawatch.cli import EXIT_LOCKED, EXIT_SOURCES_FAILED, cli
from mediawatch.demo.__main__ import write_registry
from mediawatch.demo.server import DemoServer
from mediawatch.store import open_store
from mediawatch.types import Role

ROOT = Path(__file__).resolve().parents[1]


def all_commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}".strip()
        found.append((path, command))
        if isinstance(command, click.Group):
            found += all_commands(command, path)
    return found


@pytest.fixture
def run(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_DB", raising=False)
    runner = CliRunner()
    db = tmp_path / "db.sqlite3"

    def invoke(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(cli, ["--db", str(db), *args], env=env, catch_exceptions=False)

    invoke.db = db
    return invoke


@pytest.fixture
def run_db(run, db_url):
    """``run`` on the ``db_url`` database: the command runs on SQLite, then on PostgreSQL."""

    def invoke(*args: str, env: dict[str, str] | None = None):
        return run("--db", db_url, *args, env=env)

    return invoke


@pytest.mark.parametrize(("path", "command"), all_commands(cli))
def test_every_command_has_help_and_is_in_the_readme(path, command):
    assert command.help or command.short_help, f"`mediawatch {path}` has no help text"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"mediawatch {path}" in readme, f"README.md does not document `mediawatch {path}`"


def test_every_as_option_reads_mediawatch_user():
    """README: "`--as NAME` (or `MEDIAWATCH_USER`)", for every command that acts as a user."""
    options = [
        (path, param)
        for path, command in all_commands(cli)
        for param in command.params
        if "--as" in getattr(param, "opts", ())
    ]
    assert len(options) >= 14
    wrong = [path for path, param in options if param.envvar != "MEDIAWATCH_USER"]
    assert wrong == []


def test_a_required_as_given_neither_way_is_a_usage_error(run):
    """Without --as and without MEDIAWATCH_USER, a command that must act as someone says so (it once ran
    with no user and ended in a traceback)."""
    required = [
        path
        for path, command in all_commands(cli)
        for param in command.params
        if "--as" in getattr(param, "opts", ()) and param.required
    ]
    assert "issues approve" in required
    result = run("issues", "approve", "1", "--lang", "fr", env={"MEDIAWATCH_USER": ""})
    assert result.exit_code == 2, result.output
    assert "Missing option '--as'" in result.output
    assert "Traceback" not in result.output


def test_mediawatch_user_names_who_acts_when_as_is_not_given(run):
    with open_store(f"sqlite:///{run.db}") as store:
        store.add_user("viv", Role.VIEWER, "x", "fr")
    for args in (
        ("stories", "pin", "1", "--publication", "newsletter"),
        ("stories", "unpin", "1", "--publication", "newsletter"),
        ("issues", "block", "add", "x", "--lang", "fr", "--kind", "editorial", "--body", "Edito"),
        ("issues", "block", "edit", "1", "--body", "Edito"),
        ("issues", "block", "delete", "1"),
        ("compose", "newsletter"),
        ("translate", "--retry"),
    ):
        result = run(*args, env={"MEDIAWATCH_USER": "viv"})
        assert result.exit_code == 2, (args, result.output)
        assert "viv is viewer: that role does not allow edit" in result.output, args


def test_unknown_language_codes_are_refused_with_the_languages_named(run, tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for args, field in (
        (("articles", "list", "--lang", "xx"), "--lang"),
        (("articles", "search", "sol", "--lang", "xx"), ""),
        (("watches", "add", "W", "--query", "sol", "--lang", "xx", "--every", "daily", "--owner", "team",
          "--email", "desk@example.org"), ""),
        (("--feeds", str(feeds), "sources", "add", "--id", "b", "--name", "B", "--url",
          "https://example.org/feed", "--language", "xx"), "--language"),
    ):  # fmt: skip
        result = run("--lang", "fr", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "«\u00a0xx\u00a0» n'est pas une langue connue de mediawatch" in result.output, result.output
        assert "français (fr), anglais (en), espagnol (es)" in result.output
        assert field in result.output
    assert list(feeds.iterdir()) == []
    assert run("articles", "list", "--lang", "FR").exit_code == 0


def test_a_mediawatch_lang_naming_no_interface_language_is_said_once_not_ignored(run):
    result = run("sources", "list", env={"MEDIAWATCH_LANG": "de"})
    assert result.exit_code == 0  # not fatal: a cron job still runs, in English
    assert (
        result.output.count("MEDIAWATCH_LANG: “de” is not an interface language: messages are in English")
        == 1
    )
    assert run("--lang", "de", "sources", "list").exit_code == 2
    lenient = run("sources", "list", env={"MEDIAWATCH_LANG": "fr_FR.UTF-8"})
    assert lenient.exit_code == 0, lenient.output
    assert "MEDIAWATCH_LANG" not in lenient.output


def test_help_runs_for_every_command(run):
    for path, _ in all_commands(cli):
        result = run(*path.split(), "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.output


def test_malformed_registry_names_file_and_line(run, tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "bad.toml").write_text(
        '[[source]]\nid = "x"\nname = "X"\nurl = "https://x.example/f"\nkind = rss\n'
    )
    result = run("--feeds", str(feeds), "sources", "list")
    assert result.exit_code == 2
    assert "bad.toml" in result.output
    assert "line 5" in result.output
    assert "Traceback" not in result.output


def test_add_disable_list_round_trip(run, tmp_path):
    feeds = tmp_path / "feeds"
    result = run(
        "--feeds",
        str(feeds),
        "sources",
        "add",
        "--id",
        "agro-blog",
        "--name",
        "Agro blog",
        "--url",
        "https://agro.example/feed.xml",
        "--language",
        "fr",
        "--region",
        "europe",
    )
    assert result.exit_code == 0, result.output
    duplicate = run(
        "--feeds",
        str(feeds),
        "sources",
        "add",
        "--id",
        "agro-blog",
        "--name",
        "Again",
        "--url",
        "https://other.example/feed.xml",
        "--language",
        "fr",
    )
    assert duplicate.exit_code == 2
    assert "agro-blog" in duplicate.output
    assert run("--feeds", str(feeds), "sources", "disable", "agro-blog").exit_code == 0
    listed = run("--feeds", str(feeds), "sources", "list", "--json", "--disabled")
    [row] = [json.loads(line) for line in listed.output.splitlines()]
    assert row["id"] == "agro-blog"
    assert row["enabled"] is False
    assert run("--feeds", str(feeds), "sources", "list", "--json").output == ""


def test_bad_option_value_is_a_clear_message(run):
    result = run("articles", "list", "--since", "last tuesday")
    assert result.exit_code == 2
    assert "“last tuesday” is not a date" in result.output


def test_opml_export_import_through_the_cli(run, tmp_path):
    out = tmp_path / "sources.opml"
    assert run("--feeds", str(ROOT / "feeds"), "sources", "export-opml", "-o", str(out)).exit_code == 0
    target = tmp_path / "imported"
    result = run("--feeds", str(target), "sources", "import-opml", str(out))
    assert result.exit_code == 0, result.output
    again = run("--feeds", str(target), "sources", "import-opml", str(out))
    assert "imported 0 sources" in again.output
    original = run(
        "--feeds", str(ROOT / "feeds"), "sources", "list", "--json", "--disabled"
    ).output.splitlines()
    copied = run("--feeds", str(target), "sources", "list", "--json", "--disabled").output.splitlines()
    strip = lambda rows: sorted(  # noqa: E731
        json.dumps({k: v for k, v in json.loads(r).items() if k != "file"}, sort_keys=True) for r in rows
    )
    assert strip(original) == strip(copied)


def test_collect_health_and_articles_on_the_demo_sites(run_db, tmp_path):
    with DemoServer() as server:
        feeds = tmp_path / "feeds"
        write_registry(server.base_url, feeds)
        env = {
            "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1",
            "MEDIAWATCH_PER_HOST_DELAY": "0",
            "MEDIAWATCH_EXTRACT_WORKERS": "1",
        }
        result = run_db("--feeds", str(feeds), "collect", env=env)
    assert result.exit_code == EXIT_SOURCES_FAILED  # the demo has a broken feed and a non-feed on purpose
    assert "new_articles=" in result.output
    health = [json.loads(line) for line in run_db("sources", "health", "--json").output.splitlines()]
    assert len(health) == 7
    assert all(len(h["events"]) == 1 for h in health)
    failing = run_db("sources", "health", "--failing").output
    assert "not a feed" in failing  # the status in words (--json keeps not-a-feed)
    rows = [
        json.loads(line) for line in run_db("articles", "list", "--json", "--lang", "es").output.splitlines()
    ]
    assert rows
    assert {r["language"] for r in rows} == {"es"}
    assert all(r["text"] or r["partial_reason"] for r in rows)


def test_production_mode_refuses_the_local_demo(run, tmp_path):
    with DemoServer() as server:
        feeds = tmp_path / "feeds"
        write_registry(server.base_url, feeds)
        result = run(
            "--feeds",
            str(feeds),
            "collect",
            "--source",
            "demo-terres-vivantes",
            env={"MEDIAWATCH_EXTRACT_WORKERS": "1"},
        )
    assert result.exit_code == EXIT_SOURCES_FAILED
    assert "private-address" in result.output


def test_second_concurrent_run_exits_3_and_says_why(run, db_url):
    open_store(db_url).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import time; from mediawatch.store import open_store\ns = open_store({db_url!r})\n"
            "with s.run_lock('collect'):\n print('ok', flush=True); time.sleep(3600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        holder.stdout.readline()
        result = run("--db", db_url, "--feeds", str(ROOT / "feeds"), "collect")
        assert result.exit_code == EXIT_LOCKED
        assert "another collect run is active" in result.output
    finally:
        holder.kill()
        holder.wait()


def test_unknown_source_id_is_named(run):
    result = run("--feeds", str(ROOT / "feeds"), "collect", "--source", "no-such-source")
    assert result.exit_code == 2
    assert "no-such-source" in result.output


def test_extract_prints_one_json_line_per_input(run, tmp_path):
    page = (
        "<html lang='es'><head><title>Carbono del suelo</title><meta name='author' content='Ana Pérez'>"
        "</head><body><article><h1>Carbono del suelo en los Andes</h1>"
        + "".join(
            f"<p>En la parcela {i}, los agricultores andinos miden el carbono orgánico del suelo "
            f"cada año desde {2010 + i}.</p>"
            for i in range(12)
        )
        + "</article></body></html>"
    )
    gz = tmp_path / "page.html.gz"
    gz.write_bytes(gzip.compress(page.encode()))
    result = run("extract", str(gz), str(tmp_path / "missing.html"), "--url", "https://andes.example/nota")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0]["language"] == "es"
    assert "carbono orgánico" in lines[0]["text"]
    assert lines[0]["partial"] is False
    assert lines[0]["url"] == "https://andes.example/nota"
    assert "cannot read" in lines[1]["error"]
    assert result.exit_code == 1


def test_missing_config_file_is_a_clear_error(run, tmp_path):
    result = run("--config", str(tmp_path / "nope.toml"), "sources", "list")
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_bad_setting_in_environment_is_named(run):
    result = run("sources", "health", env={"MEDIAWATCH_CONCURRENCY": "many"})
    assert result.exit_code == 2
    assert "MEDIAWATCH_CONCURRENCY" in result.output


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "mediawatch"
    result = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert "mediawatch" in result.stdout


def test_sources_check_verifies_and_marks_working_sources(run, tmp_path):
    with DemoServer() as server:
        feeds = tmp_path / "feeds"
        write_registry(server.base_url, feeds)
        env = {"MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1", "MEDIAWATCH_PER_HOST_DELAY": "0"}
        result = run("--feeds", str(feeds), "sources", "check", "--json", "--mark-verified", env=env)
    assert result.exit_code == EXIT_SOURCES_FAILED
    rows = {r["source_id"]: r for r in map(json.loads, result.output.splitlines())}
    assert len(rows) == 7
    failed = {k for k, r in rows.items() if not r["ok"]}
    assert len(failed) == 2
    assert {rows[k]["status"] for k in failed} == {"parse-error", "not-a-feed"}
    listed = {
        r["id"]: r["verified"]
        for r in map(json.loads, run("--feeds", str(feeds), "sources", "list", "--json").output.splitlines())
    }
    assert {k for k, v in listed.items() if v} == set(rows) - failed


def test_health_says_what_to_do_on_an_empty_database_and_when_all_is_well(run_db, tmp_path):
    assert "run `mediawatch collect` first" in run_db("sources", "health").output
    with DemoServer() as server:
        feeds = tmp_path / "feeds"
        write_registry(server.base_url, feeds)
        env = {
            "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1",
            "MEDIAWATCH_PER_HOST_DELAY": "0",
            "MEDIAWATCH_EXTRACT_WORKERS": "1",
        }
        run_db("--feeds", str(feeds), "collect", "--feeds-only", "--source", "demo-terres-vivantes", env=env)
    assert "Every source is working" in run_db("sources", "health", "--failing").output
