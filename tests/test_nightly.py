"""`mediawatch nightly` end to end: the demo sources served on 127.0.0.1, a real SMTP server (aiosmtpd)
receiving the editors' email, real subprocesses killed with SIGKILL and run again.

The pure parts (cadences, due periods, log lines, the email's words) are in tests/test_nightly_parts.py.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import tomlkit
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from pg_server import secret_key_for

from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.demo.server import DemoServer, demo_sources
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES
from mediawatch.nightly import ANNOUNCED, run_nightly
from mediawatch.nightly.cadence import WEEKDAYS
from mediawatch.store import open_store
from mediawatch.types import ArticleState, FetchStatus, Publication

TODAY = datetime.now(UTC).date()
AT = f"{TODAY.isoformat()}T12:00:00+00:00"  # every run decides what is due at this moment
EDITORS = ("editor@example.org", "chief@example.org")
# Bounds that only catch a hang: a whole night run on a loaded machine can take minutes, and a test here
# may run several of them (the 300 s of pyproject.toml is for one ordinary test).
RUN_BOUND_S = 900
pytestmark = pytest.mark.timeout(4 * RUN_BOUND_S)


# -- a real SMTP server ---------------------------------------------------------------------------------
class Inbox:
    """aiosmtpd handler: keeps what it accepts; ``stall`` holds the reply to DATA until it is set."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.stall: threading.Event | None = None
        self.data_started = threading.Event()
        self.url = ""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.data_started.set()
        if self.stall is not None:
            while not self.stall.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.url = f"smtp://127.0.0.1:{port}"
    yield handler
    if handler.stall is not None:
        handler.stall.set()
    controller.stop()


# -- a workspace: demo site, registry, config ------------------------------------------------------------
class Workspace:
    def __init__(self, root: Path, smtp_url: str, db_url: str) -> None:
        self.root = root
        self.db = db_url  # the db_url fixture: SQLite, then PostgreSQL
        self.feeds = root / "feeds"
        self.config = root / "config.toml"
        self.log = root / "logs" / "nightly.jsonl"
        self.drafts = root / "drafts"
        self.issues = root / "issues"
        self.smtp_url = smtp_url

    def write_config(self, **nightly: object) -> None:
        doc = {
            "collect": {
                "allow_private_addresses": True,
                "per_host_delay": 0.02,
                "extract_workers": 1,
                # patient: on a loaded machine a demo page may take long to come, and a page that
                # timed out would change what the run collected and composed
                "connect_timeout": 120,
                "read_timeout": 120,
                "total_timeout": 300,
            },
            "classify": {"model_path": str(self.root / "model.npz")},
            "render": {"issues_dir": str(self.issues)},
            "review": {"base_url": "http://127.0.0.1:8000"},
            "deliver": {"smtp_url": self.smtp_url, "mail_from": "watch@example.org"},
            "nightly": {
                "nightly_press_review": f"weekly:{WEEKDAYS[TODAY.weekday()]}",
                "nightly_newsletter": "off",
                "nightly_editors": ", ".join(EDITORS),
                "nightly_editors_lang": "fr",
                "nightly_drafts_dir": str(self.drafts),
                "log_file": str(self.log),
                **nightly,
            },
        }
        self.config.write_text(tomlkit.dumps(doc), encoding="utf-8")

    def command(self, *args: str) -> list[str]:
        return [
            # the console script's entry point (`mediawatch = mediawatch.cli:main`), as cron runs it
            sys.executable, "-c", "from mediawatch.cli import main; main()", "--db", str(self.db),
            "--feeds", str(self.feeds),
            "--config", str(self.config), "nightly", *args,
        ]  # fmt: skip

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWATCH_")}
        env.update(MEDIAWATCH_LANG="en", MEDIAWATCH_I18N_STRICT="1")
        if secret_key_for(self.db):
            env["MEDIAWATCH_SECRET_KEY"] = secret_key_for(self.db)
        return env

    def run(self, *args: str, at: str = AT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command("--at", at, *args), env=self.env, capture_output=True, text=True, timeout=RUN_BOUND_S
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command("--at", AT, *args),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def events(self) -> list[dict[str, object]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]  # every line is one JSON object

    def names(self) -> list[str]:
        return [str(e["event"]) for e in self.events()]


def write_registry(folder: Path, entries: list[dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    doc = tomlkit.document()
    tables = tomlkit.aot()
    for entry in entries:
        tables.append(tomlkit.item(entry))
    doc.add("source", tables)
    (folder / "sources.toml").write_text(tomlkit.dumps(doc), encoding="utf-8")


@pytest.fixture
def ws(tmp_path, inbox, db_url):
    with DemoServer(today=TODAY) as server:
        workspace = Workspace(tmp_path, inbox.url, db_url)
        write_registry(workspace.feeds, demo_sources(server.base_url))
        workspace.write_config()
        yield workspace


def due_bounds(at: date) -> tuple[datetime, datetime]:
    end = datetime.combine(at, datetime.min.time(), UTC)
    return end - timedelta(days=7), end


# -- end to end --------------------------------------------------------------------------------------------
def test_nightly_end_to_end_then_idempotent(ws, inbox):
    first = ws.run()
    assert first.returncode == 4, first.stderr  # the demo's two broken sources fail, on purpose
    assert first.stdout.startswith("nightly exit=4 ")
    assert "Traceback" not in first.stderr
    names = ws.names()
    for event in ("nightly.start", "collect.done", "sources.health", "classify.done", "stories.done",
                  "compose.done", "render.done", "notify.sent", "nightly.done"):  # fmt: skip
        assert event in names, names
    # the store may log its schema migration when it is opened, before the run (and its id) exists
    start = next(e for e in ws.events() if e["event"] == "nightly.start")
    assert {e["run"] for e in ws.events() if e["event"] != "log"} == {start["run"]}

    with open_store(ws.db) as store:
        issues = store.list_issues()
        assert len(issues) == 1
        issue = issues[0]
        assert issue.publication is Publication.PRESS_REVIEW
        assert (issue.period_from, issue.period_to) == due_bounds(TODAY)
        assert issue.created_by == "nightly"
        assert len(store.issue_content(issue.id).visible_items()) > 0
        assert [e.action for e in store.audit(issue.id)].count(ANNOUNCED) == 1
    folder = ws.drafts / str(TODAY.year) / issue.slug
    assert all((folder / f"{lang}.html").is_file() for lang in LANGUAGES)
    assert not ws.issues.exists()  # drafts never land in the public archive

    # one email per editor, to the editors only, in French (nightly_editors_lang)
    assert sorted(rcpt for _, rcpts, _ in inbox.messages for rcpt in rcpts) == sorted(EDITORS)
    sender, _, message = inbox.messages[0]
    assert sender == "watch@example.org"
    assert message["Subject"] == "Veille 4 pour 1000 : brouillons à relire (1)"  # the French name
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"http://127.0.0.1:8000/issues/{issue.id}" in text
    assert f'href="http://127.0.0.1:8000/issues/{issue.id}"' in html
    assert "Revue de presse, du " in text  # the period as the editions say it (i18n.dates)
    assert "Sources en échec" in text
    assert "Agri-Climat Hebdo (demo-agri-climat-hebdo)" in text  # the truncated feed
    # each failing source's outcome in words, its English diagnostic left out (the log keeps it)
    failing = text.replace("\r\n", "\n").split("Sources en échec", 1)[1].split("\n\n", 1)[0]
    lines = failing.splitlines()
    assert "- Agri-Climat Hebdo (demo-agri-climat-hebdo) : flux illisible, 1 échec consécutif" in lines
    assert "(demo-chambre-agriculture) : pas un flux, 1 échec consécutif" in failing, failing
    assert not any(status.value in failing for status in FetchStatus), failing
    assert "feed" not in failing.replace("flux", ""), failing
    assert "nouveaux articles collectés" in text

    # the same night again: nothing composed twice, nobody told twice; the failing sources still count
    again = ws.run()
    assert again.returncode == 4, again.stderr
    assert "composed=- already_composed=" + issue.slug in again.stdout
    assert len(inbox.messages) == 2
    last_run = [e for e in ws.events() if e.get("run") == ws.events()[-1]["run"]]
    assert "compose.already_done" in [e["event"] for e in last_run]
    assert "notify.nothing_new" in [e["event"] for e in last_run]
    with open_store(ws.db) as store:
        assert len(store.list_issues()) == 1

    # a day still to come is refused: its period has not ended, a draft of it would be empty (or miss its
    # news) and would stop the real run of that day from composing it
    later = ws.run("--no-collect", at=f"{(TODAY + timedelta(days=7)).isoformat()}T06:00:00+00:00")
    assert later.returncode == 2, later.stderr
    assert "is a day still to come" in later.stderr
    assert "Traceback" not in later.stderr
    with open_store(ws.db) as store:
        assert [(i.period_from, i.period_to) for i in store.list_issues()] == [due_bounds(TODAY)]
    assert len(inbox.messages) == 2


def test_exit_code_when_another_run_is_active(ws):
    with open_store(ws.db) as store, store.run_lock("collect"):
        result = ws.run()
    assert result.returncode == 3
    assert "another collect run is active" in result.stderr
    assert "Traceback" not in result.stderr
    assert ws.names()[-1] == "nightly.locked"


def test_exit_code_when_nothing_can_be_done(ws, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/feed.xml"  # nobody listens there
    write_registry(
        ws.feeds,
        [{"id": "gone", "name": "Gone", "url": dead, "kind": "rss", "language": "fr"}],
    )
    result = ws.run("--no-notify")
    assert result.returncode == 5, result.stderr
    assert "Traceback" not in result.stderr
    # an unusable database: the same exit code, a one-line reason
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_text("this is not SQLite", encoding="utf-8")
    command = ws.command("--no-notify")
    command[command.index("--db") + 1] = str(bad)
    result = subprocess.run(command, env=ws.env, capture_output=True, text=True, timeout=RUN_BOUND_S)
    assert result.returncode == 5
    assert "nothing could be done" in result.stderr
    assert "Traceback" not in result.stderr


def test_killed_runs_leave_nothing_half_done(ws, inbox, rng):
    # 1. killed while the editors' email is in flight: everything before is done and kept
    inbox.stall = threading.Event()
    proc = ws.start()
    assert inbox.data_started.wait(RUN_BOUND_S), "the run should reach the editors' email"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    inbox.stall.set()
    with open_store(ws.db) as store:
        issues = store.list_issues()
        assert len(issues) == 1  # composed whole, in one transaction
        assert ANNOUNCED not in [e.action for e in store.audit(issues[0].id)]
        assert store.recent_runs("nightly")[0].status == "running"  # it could not record its end
    assert inbox.messages == []

    # 2. more kills at random moments, then a run to the end
    inbox.stall = None
    for _ in range(3):
        proc = ws.start()
        try:
            proc.wait(timeout=rng.uniform(0.5, 3.0))
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    final = ws.run()
    assert final.returncode == 4, final.stderr
    assert "run.interrupted" in ws.names()

    with open_store(ws.db) as store:
        issues = store.list_issues()
        assert len(issues) == 1, [i.slug for i in issues]  # never composed twice
        assert ANNOUNCED in [e.action for e in store.audit(issues[0].id)]
        articles = store.list_articles(include_duplicates=True)
        assert len({a.url for a in articles}) == len(articles)
        assert all(a.state is not ArticleState.PENDING for a in articles)
        assert all(r.status != "running" for r in store.recent_runs("nightly"))
    # told at least once (a kill between the server's OK and our record may repeat one email)
    told = [rcpt for _, rcpts, _ in inbox.messages for rcpt in rcpts]
    assert set(told) == set(EDITORS)
    assert len(inbox.messages) <= 2 * 4


def test_a_refused_editor_is_retried_alone(tmp_path, db_url):
    """One editor's address refused (451, then 550) by the fault-injecting SMTP server: each run writes
    only to that editor again; the other one got the email once and is not written to again."""
    from smtp_faults import FaultServer

    editor, chief = EDITORS
    with FaultServer() as faults, DemoServer(today=TODAY) as server:
        ws = Workspace(tmp_path, faults.url, db_url)
        write_registry(ws.feeds, demo_sources(server.base_url))
        ws.write_config()
        faults.plan("rcpt", "451 4.2.1 mailbox busy, try later", recipient=chief)
        first = ws.run()
        assert first.returncode == 1, first.stderr  # the notify stage failed for one editor
        assert faults.per_recipient() == {editor: 1}
        with open_store(ws.db) as store:
            (issue,) = store.list_issues()
            actions = [e.action for e in store.audit(issue.id)]
            assert ANNOUNCED not in actions  # not every editor has it yet

        faults.plan("rcpt", "550 5.1.1 no such user", recipient=chief)
        second = ws.run("--no-collect")
        assert second.returncode == 1, second.stderr
        assert faults.per_recipient() == {editor: 1}  # nobody else written to again
        assert [step for step, *_ in faults.applied] == ["rcpt", "rcpt"]

        third = ws.run("--no-collect")  # the address works again
        assert third.returncode == 4, third.stderr
        assert faults.per_recipient() == {editor: 1, chief: 1}
        (mail,) = [m for m in faults.messages if m.rcpt_tos == [chief]]
        assert f"/issues/{issue.id}".encode() in mail.data
        with open_store(ws.db) as store:
            assert [e.action for e in store.audit(issue.id)].count(ANNOUNCED) == 1

        fourth = ws.run("--no-collect")
        assert fourth.returncode == 4, fourth.stderr
        assert faults.per_recipient() == {editor: 1, chief: 1}


def test_the_nightly_run_sends_scheduled_issues_when_due(ws, inbox):
    """`send --due` inside the nightly run: by the real clock, never by --at."""
    from deliver_samples import approved_issue
    from test_deliver import add

    from mediawatch.config import load_settings
    from mediawatch.review.actions import schedule
    from mediawatch.review.users import acting_user
    from mediawatch.types import IssueState

    ws.write_config(allow_private_links=True, site_url="http://127.0.0.1:8000/archive")
    settings = load_settings(str(ws.config), env={})
    with open_store(ws.db) as store:
        due_id = approved_issue(store, settings)
        later_id = approved_issue(store, settings)
        add(store, "reader@example.org", "es")
        soon = datetime.now(UTC) + timedelta(days=1)
        for issue_id in (due_id, later_id):
            schedule(store, issue_id, acting_user(store, "bruno"), soon, settings)
        # time passes for one of them (the schedule moves, the clock does not)
        store.set_issue_state(
            due_id,
            IssueState.SCHEDULED,
            actor="test",
            scheduled_for=datetime.now(UTC) - timedelta(minutes=1),
            expect=[IssueState.SCHEDULED],
        )
    # --at (here a catch-up run for a past day) decides what is composed; sending goes by the real clock
    past = f"{(TODAY - timedelta(days=30)).isoformat()}T06:00:00+00:00"
    result = ws.run("--no-collect", at=past)
    assert "Traceback" not in result.stderr
    readers = [m for m in inbox.messages if m[1] == ["reader@example.org"]]
    assert len(readers) == 1
    assert readers[0][2]["Content-Language"] == "es"
    with open_store(ws.db) as store:
        assert store.find_issue(due_id).state is IssueState.SENT
        assert store.find_issue(later_id).state is IssueState.SCHEDULED
        slug = store.find_issue(due_id).slug
    assert f"sent={slug} " in result.stdout
    assert "send.done" in ws.names()
    again = ws.run("--no-collect")
    assert "Traceback" not in again.stderr
    assert len([m for m in inbox.messages if m[1] == ["reader@example.org"]]) == 1


@pytest.mark.parametrize(
    ("variable", "value", "lang", "expected"),
    [
        (
            "MEDIAWATCH_NIGHTLY_PRESS_REVIEW",
            "hourly",
            "en",
            "nightly_press_review: “hourly” is not a cadence",
        ),
        (
            "MEDIAWATCH_NIGHTLY_NEWSLETTER",
            "monthly:31",
            "fr",
            "nightly_newsletter : «\u00a0monthly:31\u00a0» n’est pas une cadence",
        ),
        (
            "MEDIAWATCH_NIGHTLY_TIMEZONE",
            "Mars/Base",
            "en",
            "nightly_timezone: “Mars/Base” is not a time zone",
        ),
        ("MEDIAWATCH_NIGHTLY_TIMEZONE", "Europe", "es", "nightly_timezone: «Europe» no es una zona horaria"),
        ("MEDIAWATCH_NIGHTLY_RETRAIN_AFTER", "-1", "en", "nightly_retrain_after must be 0"),
        (
            "MEDIAWATCH_NIGHTLY_COLLECT_WAIT_SECONDS",
            "-5",
            "en",
            "nightly_collect_wait_seconds must be 0 or more",
        ),
        (
            "MEDIAWATCH_NIGHTLY_EDITORS",
            "ana@example.org, bruno",
            "en",
            "nightly_editors: “bruno” is not an email",
        ),
        (
            "MEDIAWATCH_NIGHTLY_EDITORS_LANG",
            "de",
            "en",
            "nightly_editors_lang: “de” is not one of French (fr), English (en), Spanish (es)",
        ),
        (
            "MEDIAWATCH_NIGHTLY_EDITORS_LANG",
            "de",
            "fr",
            "nightly_editors_lang : «\u00a0de\u00a0» n’est pas l’une des langues possibles (français (fr), "
            "anglais (en), espagnol (es))",
        ),
        (
            "MEDIAWATCH_NIGHTLY_EDITORS_LANG",
            "de",
            "es",
            "nightly_editors_lang: «de» no es uno de los idiomas posibles (francés (fr), inglés (en), "
            "español (es))",
        ),
    ],
)
def test_a_malformed_nightly_setting_stops_the_run_before_any_stage(
    tmp_path, monkeypatch, variable, value, lang, expected
):
    """docs/operations.md: exit 2, "bad usage or configuration ... nothing was done"; one line naming the
    setting, and no stage ran (no database, no log line of a stage)."""
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.setenv("MEDIAWATCH_LOG_FILE", str(tmp_path / "nightly.jsonl"))
    monkeypatch.setenv(variable, value)
    db = tmp_path / "db.sqlite3"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "--lang", lang, "nightly", "--no-collect"], catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert expected in line
    assert not db.exists()
    log = tmp_path / "nightly.jsonl"
    assert not log.exists() or log.read_text(encoding="utf-8") == ""


def test_run_nightly_checks_its_settings_before_it_records_a_run(db_url, tmp_path):
    settings = Settings(db=db_url, nightly_timezone="Mars/Base", model_path=str(tmp_path / "model.npz"))
    with open_store(db_url) as store:
        with pytest.raises(ConfigError, match="nightly_timezone"):
            run_nightly(store, settings, collect=False, notify=False)
        assert store.recent_runs("nightly") == []


def test_stage_errors_are_said_in_the_readers_language(ws, inbox):
    """A stage's error in the editors' mail (nightly_editors_lang) and on stderr (the command's language),
    worded by the error's own catalogue key; the run's record and --json keep the English line."""
    drafted = ws.run("--no-notify")  # a draft the editors were not told about yet
    assert drafted.returncode == 4, drafted.stderr
    (ws.feeds / "sources.toml").write_text("[[source]]\nid = \n", encoding="utf-8")  # unreadable registry
    env = ws.env | {"MEDIAWATCH_LANG": "es"}
    run = subprocess.run(
        ws.command("--at", AT, "--no-collect"), env=env, capture_output=True, text=True, timeout=RUN_BOUND_S
    )
    assert run.returncode == 1, run.stderr
    with open_store(ws.db) as store:
        [last, *_] = store.recent_runs("nightly")
    [english] = last.summary["errors"]  # the record's format is unchanged: English lines
    assert english.startswith("registry: "), english
    assert ", line 2: " in english, english
    assert "registro de fuentes: " in run.stderr, run.stderr
    assert ", línea 2: " in run.stderr, run.stderr
    assert english not in run.stderr
    [(_, _, first), (_, _, second)] = inbox.messages
    for mail in (first, second):
        text = mail.get_body(("plain",)).get_content()
        assert "problème : registre des sources : " in text, text
        assert ", ligne 2 : " in text, text
        assert english not in text


def test_a_refused_draft_is_said_in_the_editors_language(ws, inbox):
    """A draft whose rendering breaks a check (a template's image without alt text): the editors' mail
    says why in nightly_editors_lang; the log keeps the English."""
    import shutil

    from mediawatch.render.environment import SHIPPED_TEMPLATES

    templates = ws.root / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, templates)
    header = templates / "partials" / "header.mjml.j2"
    source = header.read_text(encoding="utf-8")
    header.write_text(
        source.replace("<mj-column>", '<mj-column><mj-image src="https://x.example/logo.png" />', 1),
        encoding="utf-8",
    )
    doc = tomlkit.parse(ws.config.read_text(encoding="utf-8"))
    doc["render"]["templates_dir"] = str(templates)  # type: ignore[index]
    ws.config.write_text(tomlkit.dumps(doc), encoding="utf-8")
    run = ws.run()
    assert run.returncode == 4, run.stderr
    [refused] = [e for e in ws.events() if e["event"] == "render.refused"]
    assert str(refused["slug"]).startswith("press-review-")
    assert str(refused["error"]) == (
        "the French edition cannot be rendered because 1 check fails: an image has no alt text: "
        "“https://x.example/logo.png”"
    )
    text = inbox.messages[0][2].get_body(("plain",)).get_content()
    # The issue named once, by the line; the refusal said once, with its count in words.
    line = next(x for x in text.splitlines() if "l'édition en français" in x)
    assert line.count("press-review-") == 1, line
    assert line.endswith(
        " : l'édition en français ne peut pas être mise en page, car 1 contrôle échoue : une image n'a pas "
        "de texte alternatif : «\u00a0https://x.example/logo.png\u00a0»"
    ), line
    assert "check" not in text
