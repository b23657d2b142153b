"""A watch's digest arrives exactly once when `mediawatch watches run` is killed with SIGKILL mid-send and
started again: once in the server's answer delay (the message is whole at the server, the 250 not yet
read: the restart must count it sent, not send it again), once while the server holds RCPT (nothing was
handed over: the restart must send it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from deliver_samples import Recorder, SmtpServer, make_settings, open_store, wait_for
from review_samples import add_team
from smtp_faults import FaultServer
from test_deliver import cli_env
from watch_samples import add_article, clock_at

from mediawatch.types import OutboxStatus
from mediawatch.watch.watches import add_watch


def _prepare(settings):
    store = open_store(settings)
    add_team(store)
    store.update_user("carla", email="carla@example.org")
    # the run below uses the real clock (a digest "up to now"): the watch and its match are in the past
    now = datetime.now(UTC)
    add_watch(
        store, name="Sols", query="sols carbone", filters={}, every="daily", owner="carla", settings=settings,
        actor="carla", clock=clock_at(now - timedelta(hours=2)),
    )  # fmt: skip
    add_article(store, "Les sols vivants et le carbone", found=now - timedelta(hours=1))
    return store


def _start(settings):
    env = {**os.environ, **cli_env(settings)}
    code = "from mediawatch.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "watches", "run", "Sols"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_killed_after_the_end_of_data_the_digest_is_not_sent_again(tmp_path, db_url):
    recorder = Recorder(data_delay=30.0)  # whole message in, no 250 until long after the kill
    with SmtpServer(recorder) as server:
        settings = make_settings(tmp_path, server.url, db=db_url)
        store = _prepare(settings)
        proc = _start(settings)
        assert wait_for(lambda: recorder.count >= 1 or proc.poll() is not None, timeout=120)
        _kill(proc)
        [mail] = store.watch_mail()
        assert mail.status is OutboxStatus.DATA_SENT
        recorder.data_delay = 0.0
        again = _start(settings)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        assert "counted as sent" in out
        assert recorder.per_recipient() == {"carla@example.org": 1}
        [mail] = store.watch_mail()
        assert (mail.status, mail.confirmed) == (OutboxStatus.SENT, False)
        store.close()


@pytest.mark.slow
def test_killed_before_the_message_was_handed_over_the_restart_sends_it_once(tmp_path, db_url):
    with FaultServer() as server:
        settings = make_settings(tmp_path, server.url, db=db_url)
        store = _prepare(settings)
        server.plan("rcpt", "stall")
        proc = _start(settings)
        assert wait_for(lambda: bool(server.applied) or proc.poll() is not None, timeout=120)
        assert proc.poll() is None  # held at RCPT
        _kill(proc)
        server.release()
        [mail] = store.watch_mail()
        assert mail.status is OutboxStatus.QUEUED
        again = _start(settings)
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        assert server.per_recipient() == {"carla@example.org": 1}
        assert store.watch_mail()[0].status is OutboxStatus.SENT
        # a third run finds nothing to do
        third = _start(settings)
        third.communicate(timeout=120)
        assert server.per_recipient() == {"carla@example.org": 1}
        store.close()
