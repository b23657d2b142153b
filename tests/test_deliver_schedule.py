"""Scheduling for real (`send` refuses a scheduled issue before its time, `--now` overrides and is
audited, `send --due` sends what is due, once, even run twice at once) and the links a mail may carry
(absolute, public, https for one-click unsubscribe; `allow_private_links` for tests and the demo).

Times come from an injected clock in library calls; CLI runs use schedules placed well in the past or
the future of the real clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from deliver_samples import SmtpServer, approved_issue, make_settings, open_store
from test_deliver import add, cli_env, run

from mediawatch.deliver.links import check_mail_links, link_problem
from mediawatch.deliver.send import send_due, send_issue
from mediawatch.errors import NotYetDue, UnsafeLink
from mediawatch.i18n import t
from mediawatch.i18n.dates import format_datetime, format_datetime_utc
from mediawatch.review import audit
from mediawatch.review.actions import schedule
from mediawatch.review.users import acting_user
from mediawatch.types import IssueState

T0 = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def server():
    with SmtpServer() as srv:
        yield srv


@pytest.fixture
def setup(tmp_path, server):
    settings = make_settings(tmp_path, server.url)
    store = open_store(settings)
    yield settings, store
    store.close()


def _scheduled(store, settings, when, readers=3):
    issue_id = approved_issue(store, settings)
    for n in range(readers):
        add(store, f"reader{n}@example.org", ("fr", "en", "es")[n % 3])
    schedule(store, issue_id, acting_user(store, "bruno"), when, settings)
    return issue_id


def _move_schedule(store, issue_id, when):
    """Time passing, for CLI runs that use the real clock: the schedule moves, not the clock."""
    assert store.set_issue_state(
        issue_id, IssueState.SCHEDULED, actor="test", scheduled_for=when, expect=[IssueState.SCHEDULED]
    )


# -- scheduling -------------------------------------------------------------------------------------------
def test_a_scheduled_issue_waits_for_its_time(setup, server):
    settings, store = setup
    issue_id = _scheduled(store, settings, T0)
    with pytest.raises(NotYetDue) as refused:
        send_issue(store, settings, issue_id, clock=lambda: T0 - timedelta(minutes=1))
    assert refused.value.when == T0
    assert server.recorder.count == 0
    assert store.find_issue(issue_id).state is IssueState.SCHEDULED
    assert send_due(store, settings, clock=lambda: T0 - timedelta(seconds=1)) == []

    (result,) = send_due(store, settings, clock=lambda: T0)
    assert result.outcome == "sent"
    assert server.recorder.per_recipient() == {f"reader{n}@example.org": 1 for n in range(3)}
    assert store.find_issue(issue_id).state is IssueState.SENT
    assert send_due(store, settings, clock=lambda: T0 + timedelta(days=1)) == []  # once
    assert server.recorder.count == 3


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_cli_refuses_before_the_time_and_now_overrides_with_an_audit_entry(setup, server, lang):
    settings, store = setup
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    issue_id = _scheduled(store, settings, later)
    slug = store.find_issue(issue_id).slug

    refused = run(settings, "--lang", lang, "send", slug, MEDIAWATCH_I18N_STRICT="1")
    assert refused.exit_code == 2
    assert format_datetime_utc(later, lang) in refused.output  # "2 déc. 2026, 7 h 00 UTC": words, zone said
    assert "--now" in refused.output
    assert server.recorder.count == 0
    assert store.send_record(issue_id) is None  # nothing was built

    sent = run(settings, "--lang", lang, "send", slug, "--now", MEDIAWATCH_I18N_STRICT="1")
    assert sent.exit_code == 0, sent.output
    assert server.recorder.count == 3
    (entry,) = [e for e in store.audit(issue_id) if e.action == "send.now"]
    assert entry.actor.startswith("cli:")
    assert entry.before == later.isoformat()
    # the log says the planned time in the reader's words (it was "scheduled for 2026-12-02 07:00 UTC")
    assert audit.note_text(entry.detail, lang) == t(
        "editor.audit.note.sent_early", lang, when=format_datetime(later, lang)
    )
    assert audit.value_label(entry.action, entry.before, lang) == format_datetime(later, lang)


def test_cli_send_due(setup, server):
    settings, store = setup
    future = datetime.now(UTC) + timedelta(days=3)
    issue_id = _scheduled(store, settings, future)
    result = run(settings, "send", "--due")
    assert result.exit_code == 0, result.output
    assert "No issue is due" in result.output
    assert server.recorder.count == 0

    _move_schedule(store, issue_id, datetime.now(UTC) - timedelta(minutes=5))
    result = run(settings, "send", "--due")
    assert result.exit_code == 0, result.output
    assert server.recorder.count == 3
    assert store.find_issue(issue_id).state is IssueState.SENT
    again = run(settings, "send", "--due")
    assert again.exit_code == 0
    assert "No issue is due" in again.output
    assert server.recorder.count == 3

    for bad in (["send"], ["send", "--due", "x"], ["send", "--due", "--now"]):
        refused = run(settings, *bad)
        assert refused.exit_code == 2
        assert "--due" in refused.output


def test_send_due_twice_at_once_sends_each_message_once(setup, server):
    settings, store = setup
    issue_id = _scheduled(store, settings, datetime.now(UTC) + timedelta(days=1), readers=40)
    _move_schedule(store, issue_id, datetime.now(UTC) - timedelta(minutes=1))
    env = {**os.environ, **cli_env(settings, MEDIAWATCH_SEND_RATE="200")}
    code = "from mediawatch.cli import main; main()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, "send", "--due"], env=env, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    for proc in procs:
        proc.communicate(timeout=120)
        assert proc.returncode == 0
    assert server.recorder.per_recipient() == {f"reader{n}@example.org": 1 for n in range(40)}
    assert store.find_issue(issue_id).state is IssueState.SENT


# -- links --------------------------------------------------------------------------------------------------
def test_which_links_may_go_in_a_mail():
    ok = ["https://news.example.org", "https://203.0.113.9.nip.io/x", "http://news.example.org/a"]
    for url in ok:
        assert link_problem(url) == "", url
    assert link_problem("http://news.example.org", https=True) == "not_https"
    for url in (
        "",
        "/s/x",
        "news.example.org/x",
        "ftp://news.example.org",
        "../../index.fr.html",
        "http://[::1",
    ):
        assert link_problem(url) == "relative", url
    for url in ("https://www..example.org", "https://" + "a" * 70 + ".org/", "https://.example.org/"):
        assert link_problem(url) == "bad_host", url  # the resolver could not even look it up
    for url in (
        "http://127.0.0.1:8000",
        "https://localhost/x",
        "https://10.1.2.3",
        "https://192.168.1.10",
        "https://172.16.0.1",
        "https://[::1]/",
        "https://[fd00::1]/",
        "https://169.254.1.1",
        "https://intranet",
        "https://news.local",
        "https://app.internal/",
    ):
        assert link_problem(url) == "private", url


@pytest.mark.parametrize(
    ("changes", "setting", "words"),
    [
        ({"base_url": "http://127.0.0.1:8000"}, "base_url", "local or private"),
        ({"base_url": "http://news.example.org"}, "base_url", "https://"),
        ({"site_url": ""}, "site_url", "absolute public address"),
        ({"site_url": "http://localhost:8000/archive"}, "site_url", "local or private"),
        ({"base_url": "https://news..example.org"}, "base_url", "names no valid host"),
    ],
)
def test_send_refuses_mail_with_links_that_lead_nowhere(tmp_path, server, changes, setting, words):
    settings = make_settings(tmp_path, server.url, **changes)
    store = open_store(settings)
    issue_id = approved_issue(store, settings)
    add(store, "reader@example.org")
    result = run(settings, "send", str(issue_id), MEDIAWATCH_SITE_URL=settings.site_url)
    assert result.exit_code == 2
    assert setting in result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert server.recorder.count == 0
    assert store.find_issue(issue_id).state is IssueState.APPROVED  # nothing started
    assert store.send_record(issue_id) is None
    es = run(settings, "--lang", "es", "send", str(issue_id), MEDIAWATCH_I18N_STRICT="1")
    assert es.exit_code == 2
    assert setting in es.output
    assert any(word in es.output for word in ("prueba", "Configure", "Indique"))  # Spanish, not English

    # the escape hatch for tests and the demo: loopback and http pass, a relative link or a malformed
    # host never does
    hatch = run(settings, "send", str(issue_id), MEDIAWATCH_ALLOW_PRIVATE_LINKS="1")
    if settings.site_url and words != "names no valid host":
        assert hatch.exit_code == 0, hatch.output
        assert server.recorder.per_recipient() == {"reader@example.org": 1}
    else:
        assert hatch.exit_code == 2
        assert server.recorder.count == 0
    store.close()


def test_confirmation_mail_is_not_sent_with_a_private_base_url(tmp_path, server):
    settings = make_settings(tmp_path, server.url, base_url="http://127.0.0.1:8000")
    with pytest.raises(UnsafeLink, match="base_url"):
        check_mail_links(settings, archive=False)
    result = run(
        settings, "subscribers", "add", "new@example.org", "--language", "fr", "--publication", "newsletter"
    )
    assert result.exit_code == 1  # recorded, the mail not sent
    assert server.recorder.count == 0
    ok = run(
        settings,
        "subscribers", "add", "other@example.org", "--language", "fr", "--publication", "newsletter",
        MEDIAWATCH_ALLOW_PRIVATE_LINKS="1",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    (mail,) = server.recorder.snapshot()
    assert "http://127.0.0.1:8000/s/confirm/" in mail.message().get_body(("plain",)).get_content()


def test_send_due_reports_a_due_issue_it_cannot_send(setup, server):
    settings, store = setup
    issue_id = _scheduled(store, settings, datetime.now(UTC) + timedelta(days=1))
    _move_schedule(store, issue_id, datetime.now(UTC) - timedelta(minutes=1))
    slug = store.find_issue(issue_id).slug
    result = run(
        settings, "--lang", "fr", "send", "--due",
        MEDIAWATCH_BASE_URL="http://127.0.0.1:8000", MEDIAWATCH_I18N_STRICT="1",
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"Le numéro {slug} est à envoyer" in result.output
    assert "base_url" in result.output
    assert server.recorder.count == 0
    assert store.find_issue(issue_id).state is IssueState.SCHEDULED  # the next run tries again
