"""Every message the command line gives speaks the user's language: library errors (which carry a catalogue
key, not English text), click's own usage errors, and the names in its tables.

Each case runs a command three times: in English, the fragment that says what went wrong is there (so the
case tests a real message); in French and in Spanish it is not, and the translated words are.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from review_samples import add_team, make_issue

import mediawatch.cli.usage as usage
from mediawatch.cli import EXIT_LOCKED, cli
from mediawatch.i18n import LANGUAGES, catalogue, t
from mediawatch.store import open_store
from mediawatch.types import FetchEvent, FetchStatus, Source, SourceKind, SourceState

LOCALE_VARS = ("MEDIAWATCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


@dataclass(frozen=True)
class World:
    root: Path
    slug: str

    def run(self, lang: str, *args: str, config: str = "empty.toml"):
        env: dict[str, str | None] = {name: None for name in LOCALE_VARS}
        env |= {"MEDIAWATCH_CONFIG": str(self.root / config), "MEDIAWATCH_DB": str(self.root / "db.sqlite3")}
        argv = ["--lang", lang, "--feeds", str(self.root / "feeds"), *args]
        return CliRunner().invoke(cli, argv, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    root = tmp_path_factory.mktemp("i18n-cli")
    (root / "empty.toml").write_text("", encoding="utf-8")
    (root / "many.toml").write_text('concurrency = "many"\n', encoding="utf-8")
    feeds = root / "feeds"
    feeds.mkdir()
    (feeds / "local.toml").write_text(
        '[[source]]\nid = "agro-blog"\nname = "Agro blog"\nurl = "https://agro.example/feed.xml"\n'
        'kind = "rss"\nlanguage = "fr"\n',
        encoding="utf-8",
    )
    bad = root / "bad-feeds"
    bad.mkdir()
    (bad / "x.toml").write_text(
        '[[source]]\nid = "x"\nname = "X"\nurl = "ftp://x.example/f"\nkind = "rss"\nlanguage = "fr"\n',
        encoding="utf-8",
    )
    unknown = root / "unknown-feeds"
    unknown.mkdir()
    (unknown / "y.toml").write_text(
        '[[source]]\nid = "y"\nname = "Y"\nurl = "https://y.example/f"\nkind = "rss"\n'
        'language = "fr"\nfoo = 1\n',
        encoding="utf-8",
    )
    (root / "one-bad.opml").write_text(
        '<?xml version="1.0"?>\n<opml version="2.0">\n<head><title>t</title></head>\n<body>\n'
        '<outline text="Bad url" xmlUrl="ftp://bad.example/rss"/>\n</body>\n</opml>\n',
        encoding="utf-8",
    )
    (root / "broken.opml").write_text("<opml><body><outline></body></opml>", encoding="utf-8")
    (root / "a-folder").mkdir()
    store = open_store(f"sqlite:///{root / 'db.sqlite3'}")
    try:
        add_team(store)
        issue = store.find_issue(make_issue(store))
        assert issue is not None
        failing = Source("failing", "Failing", "https://failing.example/rss", SourceKind.RSS, "fr")
        store.sync_sources([failing])
        at = datetime(2026, 11, 20, tzinfo=UTC)
        state = SourceState(consecutive_failures=1, last_status=FetchStatus.PARSE_ERROR, last_fetch=at)
        event = FetchEvent("failing", at, FetchStatus.PARSE_ERROR, 200, "bad XML", 0, 0)
        store.save_feed_poll("failing", state, event, [])
    finally:
        store.close()
    return World(root, issue.slug)


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    english: tuple[str, ...]  # in the English output: the message is really this one
    config: str = "empty.toml"
    error: bool = True  # one error, said after the error prefix (else a table or a report of problems)


def cases(world: World) -> dict[str, Case]:
    root = str(world.root)
    return {
        "render no issue": Case(("render", "999"), ("no issue “999”",)),
        "issues show": Case(("issues", "show", "999"), ("no issue “999”",)),
        "issues log": Case(("issues", "log", "999"), ("no issue “999”",)),
        "block list": Case(("issues", "block", "list", "999"), ("no issue “999”",)),
        "no edition": Case(("render", world.slug, "--lang", "de"), ("has no edition in German",)),
        "health": Case(("sources", "health"), ("failing: 1 time in a row (unreadable feed)",), error=False),
        "no source": Case(("sources", "disable", "nope"), ("no source with id “nope” in the registry",)),
        "bad url": Case(("--feeds", f"{root}/bad-feeds", "sources", "list"), ("url must be an http(s) URL",)),
        "unknown key": Case(("--feeds", f"{root}/unknown-feeds", "sources", "list"), ("unknown key “foo”",)),
        "bad outline": Case(
            ("sources", "import-opml", f"{root}/one-bad.opml"), ("url must be an http(s)",), error=False
        ),
        "broken opml": Case(("sources", "import-opml", f"{root}/broken.opml"), ("malformed OPML",)),
        "empty period": Case(("report", "--from", "2026-12-07", "--to", "2026-11-01"), ("period is empty",)),
        "retrain": Case(("retrain", "--no-labelled"), ("cannot train: need both",)),
        "password file": Case(
            ("users", "add", "zed", "--role", "editor", "--password-file", f"{root}/nofile"),
            ("there is no such file",),
        ),
        "config kind": Case(("sources", "list"), ("must be a whole number",), config="many.toml"),
        "out of range": Case(("articles", "search", "soil", "--limit", "501"), ("is not in the range",)),
        "bad choice": Case(("users", "add", "zed", "--role", "boss"), ("Invalid value for '--role'",)),
        "missing option": Case(
            ("issues", "approve", "1", "--lang", "fr"), ("Missing option '--as'", "Usage:")
        ),
        "missing argument": Case(("render",), ("Missing argument 'ISSUE'",)),
        "is a folder": Case(
            ("sources", "export-opml", "-o", f"{root}/a-folder"), ("is a folder, not a file", "Try “")
        ),
        "not a date": Case(("articles", "list", "--since", "7x"), ("Invalid value", "is not a date")),
        "no such option": Case(("issues", "list", "--bogus"), ("No such option",)),
        "no such command": Case(("nosuch",), ("No such command",)),
    }


CASES = sorted(cases(World(Path("/x"), "s")))


@pytest.mark.parametrize("name", CASES)
def test_an_error_speaks_the_chosen_language(world, name):
    case = cases(world)[name]
    english = world.run("en", *case.args, config=case.config)
    assert english.exit_code != 0 or not case.error, english.output
    for fragment in case.english:
        assert fragment in english.output, (name, english.output)
    for lang in ("fr", "es"):
        said = world.run(lang, *case.args, config=case.config)
        assert said.exit_code == english.exit_code, said.output
        for fragment in case.english:
            assert fragment not in said.output, (name, lang, said.output)
        if case.error:
            prefix = t("error.prefix", lang, message="")
            assert prefix in said.output, (name, lang, said.output)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            ["Utilisation : cli issues approve [OPTIONS] ISSUE", "il manque l'option '--as'", "erreur : "],
        ),
        ("es", ["Uso: cli issues approve [OPTIONS] ISSUE", "falta la opción '--as'", "error: "]),
    ],
)
def test_click_usage_errors_keep_their_usage_block_in_the_language(world, lang, words):
    result = world.run(lang, "issues", "approve", "1", "--lang", "fr")
    assert result.exit_code == 2
    for text in words:
        assert text in result.output, result.output


def test_languages_are_named_and_dates_shown_as_given(world):
    result = world.run("fr", "render", world.slug, "--lang", "de")
    assert "pas d'édition en allemand (ses éditions : français, anglais et espagnol)" in result.output
    result = world.run("es", "report", "--from", "2026-12-07", "--to", "2026-11-01")
    assert "(2026-12-07)" in result.output
    assert "(2026-11-01)" in result.output
    assert "2026-11-02" not in result.output  # the end the library uses, not the day the user gave
    result = world.run("en", "report", "--from", "2026-12-07", "--to", "2026-11-01")
    assert "2026-11-02" not in result.output


def test_health_says_statuses_in_words_and_json_keeps_codes(world):
    result = world.run("fr", "sources", "health")
    assert "flux illisible" in result.output
    assert "en échec : 1 fois d'affilée" in result.output
    assert "parse-error" not in result.output
    machine = world.run("fr", "sources", "health", "--json")
    assert '"last_status": "parse-error"' in machine.output
    assert '"notes": ["failing"]' in machine.output


def test_tables_name_roles_publications_and_languages(world):
    users = world.run("fr", "users", "list")
    assert "valideur" in users.output
    assert "approver" not in users.output
    assert "espagnol" in users.output  # vic's interface language
    issues = world.run("es", "issues", "list")
    assert "Boletín" in issues.output, issues.output
    assert "newsletter" not in re.sub(r"newsletter-test-\d+", "", issues.output)
    machine = world.run("fr", "users", "list", "--json")
    assert '"role": "approver"' in machine.output


def test_a_default_title_reads_in_the_language():
    from mediawatch.compose.issues import default_title, issue_title
    from mediawatch.types import Issue, IssueState, Publication

    start, end = datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC)
    issue = Issue(
        id=1,
        slug="press-review-2026-12-07",
        publication=Publication.PRESS_REVIEW,
        title=default_title(Publication.PRESS_REVIEW, start, end),
        period_from=start,
        period_to=end,
        languages=LANGUAGES,
        state=IssueState.DRAFT,
        created_at=end,
        created_by="compose",
    )
    assert issue.title == "press-review 2026-11-30 – 2026-12-07"  # stored as data, the same for everyone
    assert issue_title(issue, "fr") == "Revue de presse du 30 nov. au 6 déc. 2026"  # the 7th is excluded
    assert issue_title(issue, "es") == "Revista de prensa del 30 de nov. al 6 de dic. de 2026"
    assert issue_title(replace(issue, title="Soils in December"), "fr") == "Soils in December"


def test_a_held_lock_is_said_in_the_language(world, tmp_path):
    db = tmp_path / "locked.sqlite3"
    open_store(f"sqlite:///{db}").close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import time; from mediawatch.store import open_store\ns = open_store('sqlite:///{db}')\n"
            "with s.run_lock('collect'):\n print('ok', flush=True); time.sleep(3600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        holder.stdout.readline()
        env = {name: None for name in LOCALE_VARS} | {"MEDIAWATCH_CONFIG": str(world.root / "empty.toml")}
        args = ["--db", str(db), "--feeds", str(world.root / "feeds"), "collect"]
        french = CliRunner().invoke(cli, ["--lang", "fr", *args], env=env, catch_exceptions=False)
        assert french.exit_code == EXIT_LOCKED
        assert "une autre exécution (collecte) est en cours (pid" in french.output, french.output
        english = CliRunner().invoke(cli, ["--lang", "en", *args], env=env, catch_exceptions=False)
        assert "another collect run is active (pid" in english.output
    finally:
        holder.kill()
        holder.wait()


def test_every_click_message_we_translate_is_one_click_has():
    """A click release that rewords a message must fail here, not leave users with English."""
    source = "".join(
        Path(module.__file__).read_text(encoding="utf-8")
        for module in (click.core, click.exceptions, click.parser, click.termui, click.types)
    )
    for message in [*usage.CLICK_KEYS, *usage.CLICK_PLURALS.values()]:
        assert repr(message)[1:-1] in source or message in source, message
    for key in usage.CLICK_KEYS.values():
        for lang in LANGUAGES:
            forms = [key] if key in catalogue(lang) else [f"{key}.one", f"{key}.other"]
            assert all(form in catalogue(lang) for form in forms), (lang, key)
