"""Shared pieces of the deployed-web-app tests: `mediawatch serve` started as a real process, stopped
cleanly, and small readers of its pages and mails."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from deliver_samples import FROM, SECRET, SmtpServer, free_port

from mediawatch.config import Settings
from mediawatch.store import Store

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CONFIRM_LINK = re.compile(r"https?://\S+/s/confirm/[A-Za-z0-9_.\-]+")
MEDIAWATCH = str(Path(sys.executable).with_name("mediawatch"))  # the installed console script


@dataclass
class Server:
    url: str
    settings: Settings
    store: Store
    smtp: SmtpServer
    proc: subprocess.Popen[str]


def start_server(
    tmp: Path, smtp: SmtpServer, *args: str, port: int = 0, base_url: str = "", **env_extra: str
) -> tuple[subprocess.Popen[str], str]:
    """`mediawatch serve` on a free port of 127.0.0.1 (base_url: that address unless given); waits until it
    answers."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    (tmp / "empty.toml").write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "MEDIAWATCH_CONFIG": str(tmp / "empty.toml"),
        "MEDIAWATCH_LANG": "en",
        "MEDIAWATCH_I18N_STRICT": "1",
        "MEDIAWATCH_BASE_URL": base_url or url,
        "MEDIAWATCH_SECRET_KEY": SECRET,
        "MEDIAWATCH_SMTP_URL": smtp.url,
        "MEDIAWATCH_MAIL_FROM": FROM,
        # the links of confirmation mails point at this server on 127.0.0.1, over http
        "MEDIAWATCH_ALLOW_PRIVATE_LINKS": "1",
        **env_extra,
    }
    command = [MEDIAWATCH, "--db", str(tmp / "deliver.sqlite3"), "serve", "--port", str(port), *args]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    # Ceilings that only catch a hang: a loaded machine may take long to boot gunicorn's workers, and a
    # first answer slower than a short read timeout is not a failure to start.
    deadline = time.monotonic() + 300
    while True:
        try:
            if requests.get(f"{url}/subscribe", timeout=120).status_code == 200:
                return proc, url
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(
                f"mediawatch serve did not start: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def mails_to(smtp: SmtpServer, address: str) -> list:
    return [m for m in smtp.recorder.snapshot() if address in m.rcpt_tos]


def wait_for_mail(smtp: SmtpServer, address: str, count: int = 1) -> list:
    deadline = time.monotonic() + 300  # only catches a mail that never comes
    while len(mails_to(smtp, address)) < count:
        assert time.monotonic() < deadline, f"no mail arrived for {address}"
        time.sleep(0.1)
    return mails_to(smtp, address)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:400]
    return found.group(1)
