"""Rough edges a tester found running every README command: each case runs the CLI as a user does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.errors import NothingToCollect

DISABLED = (
    '[[source]]\nid = "quiet"\nname = "Quiet"\nurl = "https://quiet.example/feed"\nkind = "rss"\n'
    'language = "fr"\nenabled = false\n'
)


@pytest.fixture
def run(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    for name in ("MEDIAWATCH_DB", "MEDIAWATCH_LANG", "MEDIAWATCH_BASE_URL", "MEDIAWATCH_USER"):
        monkeypatch.delenv(name, raising=False)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        argv = ["--db", str(tmp_path / "db.sqlite3"), "--feeds", str(feeds), *args]
        return runner.invoke(cli, argv, env=env, input=input, catch_exceptions=False)

    invoke.feeds = feeds
    invoke.root = tmp_path
    return invoke


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_collect_and_nightly_agree_when_no_source_is_enabled(run, lang):
    (run.feeds / "local.toml").write_text(DISABLED, encoding="utf-8")
    collect = run("--lang", lang, "collect")
    nightly = run("--lang", lang, "nightly", "--no-notify")
    assert collect.exit_code == nightly.exit_code == NothingToCollect.exit_code == 5, collect.output
    (line,) = collect.stderr.splitlines()
    assert "mediawatch sources enable" in line
    assert "mediawatch sources import-opml" in line
    assert str(run.feeds) in line
    assert {"en": "no enabled source", "fr": "aucune source activée", "es": "ninguna fuente activada"}[
        lang
    ] in line


def _failing_source_in_the_database(root: Path, *, enabled: bool) -> None:
    from datetime import UTC, datetime

    from mediawatch.store import open_store
    from mediawatch.types import FetchEvent, FetchStatus, Source, SourceKind, SourceState

    store = open_store(f"sqlite:///{root / 'db.sqlite3'}")
    try:
        source = Source("quiet", "Quiet", "https://quiet.example/feed", SourceKind.RSS, "fr", enabled=enabled)
        store.sync_sources([source])
        at = datetime(2026, 11, 20, tzinfo=UTC)
        state = SourceState(consecutive_failures=2, last_status=FetchStatus.PARSE_ERROR, last_fetch=at)
        store.save_feed_poll("quiet", state, FetchEvent("quiet", at, FetchStatus.PARSE_ERROR, 200, "x", 0, 0))
    finally:
        store.close()


def test_nightly_without_collect_reads_the_enabled_flags_of_the_registry(run):
    """A source disabled in feeds/ since the last collection no longer counts as failing; one enabled
    there since counts again: the same registry `collect` reads, not the last copy in the database."""
    _failing_source_in_the_database(run.root, enabled=True)
    (run.feeds / "local.toml").write_text(DISABLED, encoding="utf-8")
    night = run("nightly", "--no-collect", "--no-notify", "--json")
    result = json.loads(night.stdout)
    assert result["sources_failed"] == [], night.output
    assert night.exit_code == 0
    (run.feeds / "local.toml").write_text(DISABLED.replace("enabled = false", "enabled = true"))
    night = run("nightly", "--no-collect", "--no-notify", "--json")
    assert json.loads(night.stdout)["sources_failed"] == ["quiet"], night.output
    assert night.exit_code == 4


def test_nightly_without_collect_says_an_unreadable_registry_and_goes_on(run):
    # A folder that is there but cannot be read fails the stage; no folder at all is only a note
    # (tests/test_nightly_no_collect.py).
    (run.feeds / "broken.toml").write_text("[[source]\nid = ", encoding="utf-8")
    night = run("nightly", "--no-collect", "--no-notify", "--json")
    result = json.loads(night.stdout)
    assert night.exit_code == 1
    assert [e.split(":")[0] for e in result["errors"]] == ["registry"], result["errors"]


BAD_ADDRESS = {
    "en": "must be an absolute http(s) address",
    "fr": "adresse http(s) complète",
    "es": "dirección http(s) completa",
}
BAD_HOST = {
    "en": "names no valid host",
    "fr": "ne nomme pas un hôte valide",
    "es": "no nombra un host válido",
}


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("base_url", "notaurl", BAD_ADDRESS),
        ("base_url", "https://watch..example.org", BAD_HOST),
        ("site_url", "/archive", BAD_ADDRESS),
        ("smtp_url", "smtp://mail..example.org", BAD_HOST),
    ],
)
def test_a_malformed_address_setting_is_refused_when_settings_are_read(run, lang, name, value, words):
    """Anything that builds public links (here `issues preview-link`) or connects later never starts."""
    variable = f"MEDIAWATCH_{name.upper()}"
    said = run(
        "--lang", lang, "issues", "preview-link", "1", "--lang", "fr", "--as", "ana", env={variable: value}
    )
    assert said.exit_code == 2, said.output
    (line,) = said.stderr.splitlines()
    assert variable in line
    assert name in line
    assert words[lang] in line
    (run.root / "bad.toml").write_text(f'{name} = "{value}"\n', encoding="utf-8")
    from_file = run("--config", str(run.root / "bad.toml"), "--lang", lang, "sources", "list")
    assert from_file.exit_code == 2, from_file.output
    assert str(run.root / "bad.toml") in from_file.stderr
    assert words[lang] in from_file.stderr


def test_well_formed_addresses_pass(run):
    env = {
        "MEDIAWATCH_BASE_URL": "http://127.0.0.1:8000",
        "MEDIAWATCH_SITE_URL": "https://watch.example.org/archive",
        "MEDIAWATCH_SMTP_URL": "smtp://user:pw@[::1]:25",
    }
    (run.feeds / "local.toml").write_text(DISABLED, encoding="utf-8")
    assert run("sources", "list", env=env).exit_code == 0


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["line 2: not valid JSON", "line 3: missing 'id'"]),
        ("fr", ["ligne 2 : ce n'est pas du JSON valide", "ligne 3 : il manque 'id'"]),
        ("es", ["línea 2: no es JSON válido", "línea 3: falta 'id'"]),
    ],
)
def test_classify_jsonl_reports_each_bad_line_on_stderr_and_exits_4(run, lang, words):
    lines = [
        json.dumps({"id": "a", "title": "Soil organic carbon under cover crops"}),
        "{broken",
        json.dumps({"title": "no id"}),
        json.dumps({"id": "b", "title": "Biochar and soil carbon in Kenya"}),
    ]
    result = run("--lang", lang, "classify", "--jsonl", input="\n".join(lines) + "\n")
    assert result.exit_code == 4, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, None, "b"]  # good lines' results, in place
    assert [o.get("line") for o in out] == [None, 2, 3, None]
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    for text, line in zip(words, errors, strict=True):
        assert text in line
    good = run("classify", "--jsonl", input=lines[0] + "\n")
    assert good.exit_code == 0
    assert good.stderr == ""


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "--wait waits for the workers of a broker, and none is configured"),
        ("fr", "--wait attend les travailleurs d’un courtier, et aucun n’est configuré"),
        ("es", "--wait espera a los trabajadores de un intermediario"),
    ],
)
def test_collect_wait_without_a_broker_is_refused_and_collects_nothing(run, lang, words):
    (run.feeds / "local.toml").write_text(DISABLED.replace("enabled = false", "enabled = true"))
    result = run("--lang", lang, "collect", "--wait")
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert "--wait" in result.stderr
    assert result.stdout == ""
    assert not (run.root / "db.sqlite3").exists()  # nothing was collected here


OPML = """<?xml version="1.0"?>
<opml version="2.0">
<head><title>t</title></head>
<body>
<outline text="Folder">
<outline type="rss" text="Good" xmlUrl="https://good.example/rss"/>
<outline type="rss" text="Lost address"/>
<outline text="Empty address" xmlUrl=""/>
</outline>
<outline text="a plain link" type="link" url="https://example.org/"/>
<outline text="Empty folder"/>
</body>
</opml>
"""


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "no feed address: its xmlUrl attribute is missing or empty"),
        ("fr", "pas d'adresse de flux : son attribut xmlUrl est absent ou vide"),
        ("es", "sin dirección de fuente: su atributo xmlUrl falta o está vacío"),
    ],
)
def test_an_opml_feed_without_xmlurl_is_reported_folders_and_links_are_not(run, lang, words):
    (run.root / "subs.opml").write_text(OPML, encoding="utf-8")
    result = run("--lang", lang, "sources", "import-opml", str(run.root / "subs.opml"))
    assert result.exit_code == 4, result.output
    reported = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert len(reported) == 2, result.stderr
    assert reported[0].endswith(
        f"7{' :' if lang == 'fr' else ':'} Lost address{' :' if lang == 'fr' else ':'} {words}"
    )
    assert "Empty address" in reported[1]
    assert "good.example" in (run.feeds / "imported.toml").read_text(encoding="utf-8")


def _editor(root: Path) -> None:
    from mediawatch.store import open_store
    from mediawatch.types import Role

    with open_store(f"sqlite:///{root / 'db.sqlite3'}") as store:
        store.add_user("ana", Role.EDITOR, "not-a-hash", "fr")


def _manual(run, lang: str, day: str, *extra: str):
    item = ("--title", "Journal de 8 h", "--outlet", "RFI", "--date", day, "--language", "fr")
    return run("--lang", lang, "articles", "add", "--manual", *item, "--as", "ana", *extra)


@pytest.mark.parametrize(
    ("lang", "old", "future"),
    [
        (
            "en",
            "--date: “1850-03-01” is before 1900-01-01: check the year",
            "--date: “2999-01-01” is in the future",
        ),
        (
            "fr",
            "--date : «\u00a01850-03-01\u00a0» est avant le 1900-01-01 : vérifiez l'année",
            "--date : «\u00a02999-01-01\u00a0» est dans le futur",
        ),
        (
            "es",
            "--date: «1850-03-01» es anterior al 1900-01-01: compruebe el año",
            "--date: «2999-01-01» está en el futuro",
        ),
    ],
)
def test_a_manual_item_dated_too_long_ago_or_in_the_future_is_refused_naming_the_date(run, lang, old, future):
    _editor(run.root)
    too_old = _manual(run, lang, "1850-03-01")
    assert too_old.exit_code == 2, too_old.output
    assert old in too_old.stderr
    later = _manual(run, lang, "2999-01-01")
    assert later.exit_code == 2, later.output
    assert future in later.stderr
    assert _manual(run, lang, "1999-12-31").exit_code == 0  # an old item, but a real date


def test_articles_add_json_gives_bad_fields_as_json(run):
    _editor(run.root)
    args = ("articles", "add", "--manual", "--title", " ", "--outlet", "RFI", "--date", "1850-03-01")
    result = run("--lang", "fr", *args, "--language", "fr", "--as", "ana", "--json")
    assert result.exit_code == 2, result.output
    assert result.stderr == ""
    answer = json.loads(result.stdout)
    assert answer["status"] == "error"
    assert [e["field"] for e in answer["errors"]] == ["title", "date"]
    assert answer["errors"][1]["message"].startswith("--date : «\u00a01850-03-01\u00a0» est avant le")
    nobody = run(*args, "--language", "fr", "--as", "bob", "--json")
    assert "as" in [e["field"] for e in json.loads(nobody.stdout)["errors"]]
    neither = run("articles", "add", "--as", "ana", "--json")
    assert neither.exit_code == 2
    [error] = json.loads(neither.stdout)["errors"]
    assert error["field"] is None
    assert "give either a URL, or --manual" in error["message"]
    plain = run(*args, "--language", "fr", "--as", "ana")
    assert plain.exit_code == 2
    assert not plain.stdout.startswith("{")  # without --json, one line for a person, as before
