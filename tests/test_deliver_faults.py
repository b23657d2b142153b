"""The SMTP client against a misbehaving server (tests/smtp_faults.py): refusals at connect, 421/451/550 at
each step, FIN and RST before DATA, in the middle of DATA, before and after the dot, stalls, a period of
dropped connections. After the fault clears and `send` runs again, each subscriber has exactly one copy,
except the messages whose dot was written and never answered: those are counted (``unconfirmed``) and
shown by `send --status`. 5xx answers to a recipient are that message's permanent failure, by design.

In-process sends wait, just before writing the dot, until a planned close before the dot has happened
(``FaultServer.wait_settled``): which side of the dot a fault lands on is then fixed, not a race.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from deliver_samples import approved_issue, make_settings, open_store, wait_for
from smtp_faults import FaultServer
from test_deliver import add, run

from mediawatch.deliver.identity import smtp_config
from mediawatch.deliver.send import send_issue
from mediawatch.errors import DeliveryError
from mediawatch.store.outbox import OutboxSession
from mediawatch.types import IssueState, OutboxStatus

pytestmark = pytest.mark.slow

READERS = 4


@pytest.fixture
def faults():
    with FaultServer() as server:
        yield server


@pytest.fixture
def settled(monkeypatch, faults):
    """Just before the dot, wait until the server did what was planned before it."""
    mark = OutboxSession.mark_data_sent

    def marked(self, outbox_id, attempt_id):
        mark(self, outbox_id, attempt_id)
        faults.wait_settled()

    monkeypatch.setattr(OutboxSession, "mark_data_sent", marked)
    return faults


# A test that plans no stall waits patiently, so a loaded machine's slow answer is never taken for a
# fault. A stall never ends by itself: STALL_TIMEOUT ends it while a healthy answer from 127.0.0.1 still
# comes far within it.
PATIENT = 120.0
STALL_TIMEOUT = 5.0


def _setup(tmp_path, faults, readers=READERS, timeout=PATIENT):
    # the same value for commands and for the wait after the dot
    settings = make_settings(tmp_path, f"{faults.url}?timeout={timeout}", smtp_end_timeout=timeout)
    store = open_store(settings)
    issue_id = approved_issue(store, settings)
    emails = [add(store, f"reader{n}@example.org", ("fr", "en", "es")[n % 3]).email for n in range(readers)]
    return settings, store, issue_id, emails


def _send_until_done(store, settings, issue_id, runs=8):
    for _ in range(runs):
        try:
            report = send_issue(store, settings, issue_id)
        except DeliveryError:
            continue
        if report.issue.state is IssueState.SENT:
            return report
    raise AssertionError(f"not sent after {runs} runs: {store.outbox_counts(issue_id)}")


def _rows(store, issue_id):
    import sqlalchemy as sa

    from mediawatch.store import schema_deliver as d

    with store.engine.connect() as conn:
        return {
            r.recipient: r for r in conn.execute(sa.select(d.outbox).where(d.outbox.c.issue_id == issue_id))
        }


REPLIES = ("421 4.3.2 shutting down", "451 4.3.0 try again later", "550 5.7.1 refused")
CLOSES = ("fin", "rst", "stall")
MATRIX = (
    [("connect", a) for a in ("421 4.3.2 busy", "554 5.3.2 no service", *CLOSES)]
    + [(step, a) for step in ("ehlo", "mail", "rcpt", "data", "end") for a in (*REPLIES, *CLOSES)]
    + [(step, a) for step in ("mid_data", "before_dot") for a in CLOSES]
)


@pytest.mark.parametrize(("step", "action"), MATRIX, ids=[f"{s}-{a.split()[0]}" for s, a in MATRIX])
def test_every_fault_then_a_rerun_gives_each_subscriber_one_copy(tmp_path, settled, step, action):
    faults = settled
    settings, store, issue_id, emails = _setup(
        tmp_path, faults, timeout=STALL_TIMEOUT if action == "stall" else PATIENT
    )
    faults.plan(step, action, times=2)
    report = _send_until_done(store, settings, issue_id)
    assert len(faults.applied) == 2, faults.applied  # both planned faults happened

    copies = faults.per_recipient()
    rows = _rows(store, issue_id)
    assert not {e: n for e, n in copies.items() if n > 1}, "duplicates"
    permanent = action.startswith("5") and step in ("rcpt", "data", "end")
    # the dot went out and no reply came back: after it, or a server that stopped reading in the middle
    # of DATA while our whole message still fitted in the sockets' buffers (no way to tell them apart)
    unanswered = (
        (step == "end" and action in CLOSES) or action == "stall" and step in ("mid_data", "before_dot")
    )
    failed = [e for e in emails if rows[e].status == OutboxStatus.FAILED]
    unconfirmed = [e for e in emails if rows[e].status == OutboxStatus.SENT and not rows[e].confirmed]
    assert len(failed) == (2 if permanent else 0)
    assert len(unconfirmed) == (2 if unanswered else 0)
    assert report.counts.unconfirmed == len(unconfirmed)
    for e in emails:
        if e in failed:
            assert copies[e] == 0
        elif e in unconfirmed:
            assert copies[e] == (1 if step == "end" else 0)
        else:
            assert copies[e] == 1, (e, rows[e].status, rows[e].last_response)
    assert report.counts.total == READERS
    store.close()


def test_a_period_of_dropped_connections_loses_nothing_and_send_says_so(tmp_path, settled):
    """The issue's case: a server drops connections in the middle of DATA for a while (FIN and RST), and
    refuses them for a while; `send` exits 1 and keeps the issue "sending" until every message went."""
    faults = settled
    settings, store, issue_id, emails = _setup(tmp_path, faults, readers=30)
    for n in range(6):
        faults.plan("mid_data" if n % 2 else "before_dot", "fin" if n % 3 else "rst", times=2)
    faults.plan("data", "rst", times=3)
    slug = store.find_issue(issue_id).slug

    first = run(settings, "send", slug)
    assert first.exit_code == 1, first.output  # 6 failures in a row: the run stops, messages queued
    assert store.find_issue(issue_id).state is IssueState.SENDING
    faults.refuse()
    refused = run(settings, "send", slug)
    assert refused.exit_code == 1, refused.output
    assert store.find_issue(issue_id).state is IssueState.SENDING
    faults.accept()
    for _ in range(6):
        result = run(settings, "send", slug)
        if result.exit_code == 0:
            break
        assert result.exit_code == 1, result.output
    assert result.exit_code == 0, result.output
    assert store.find_issue(issue_id).state is IssueState.SENT
    assert faults.per_recipient() == {e.lower(): 1 for e in emails}
    status = json.loads(run(settings, "send", "--status", "--json", slug).output)
    assert status["unconfirmed"] == 0
    assert status["by_status"] == {"sent": 30}
    store.close()


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_status_counts_and_names_the_unanswered_messages(tmp_path, settled, lang):
    faults = settled
    settings, store, issue_id, emails = _setup(tmp_path, faults)
    faults.plan("end", "fin", recipient=emails[1])
    report = _send_until_done(store, settings, issue_id)
    assert report.counts.unconfirmed == 1
    slug = store.find_issue(issue_id).slug

    data = json.loads(run(settings, "send", "--status", "--json", slug).output)
    assert data["unconfirmed"] == 1
    assert [m["recipient"] for m in data["unconfirmed_messages"]] == [emails[1]]
    text = run(settings, "--lang", lang, "send", "--status", slug, MEDIAWATCH_I18N_STRICT="1").output
    words = {
        "fr": "sans réponse du serveur : 1",
        "en": "without the server's reply: 1",
        "es": "sin respuesta del servidor: 1",
    }[lang]
    assert words in text
    assert emails[1] in text
    store.close()


def test_the_reply_after_the_dot_is_awaited_longer_than_a_command(tmp_path, faults):
    """RFC 5321: 10 minutes for the reply to the dot (a server may scan the message first), not the
    command timeout. The server answers twice the command timeout after the dot has arrived; the other
    commands, answered at once, come far within it even on a loaded machine."""
    assert smtp_config(make_settings(tmp_path, faults.url)).end_timeout == 600
    command_timeout = 5.0
    settings = make_settings(tmp_path, f"{faults.url}?timeout={command_timeout}", smtp_end_timeout=600)
    store = open_store(settings)
    issue_id = approved_issue(store, settings)
    add(store, "slow@example.org")
    faults.plan("end", "wait")

    def answer_later():
        # counted from the dot's arrival (the fault is applied then), not from the start of the send
        assert wait_for(lambda: bool(faults.applied), timeout=600)
        time.sleep(2 * command_timeout)
        faults.release()

    threading.Thread(target=answer_later, daemon=True).start()
    report = send_issue(store, settings, issue_id)
    assert faults.per_recipient() == {"slow@example.org": 1}
    assert report.issue.state is IssueState.SENT
    assert report.counts.unconfirmed == 0  # the 250 was awaited and seen
    assert _rows(store, issue_id)["slow@example.org"].confirmed
    store.close()
