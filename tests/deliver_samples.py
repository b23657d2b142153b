"""What the delivery tests share: a real SMTP server on 127.0.0.1 that records every message and can be
told to answer 4xx/5xx, an approved issue reached through the real review workflow, and settings."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from review_samples import add_team, make_issue

from mediawatch.config import Settings, database_url
from mediawatch.review.actions import approve, submit
from mediawatch.review.users import acting_user
from mediawatch.store import Store

SECRET = "test-secret-key-0123456789abcdef"
FROM = "4 per 1000 <news@example.org>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """The aiosmtpd handler: records each message when its data is complete, then (maybe slowly) answers.

    ``rcpt_replies[address]`` / ``data_replies[address]`` are lists of replies used up one per attempt
    (e.g. ["451 4.3.0 try later"]); once empty, the address is accepted.
    """

    messages: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    data_replies: dict[str, list[str]] = field(default_factory=dict)
    data_delay: float = 0.0  # seconds between having a message and answering 250
    discard: bool = False  # count only (the benchmark)
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.lock:
            scripted = self.rcpt_replies.get(address.lower())
            if scripted:
                return scripted.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0].lower() if envelope.rcpt_tos else ""
        with self.lock:
            scripted = self.data_replies.get(rcpt)
            if scripted:
                return scripted.pop(0)
            self.count += 1
            if not self.discard:
                self.messages.append(
                    Received(
                        envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content), time.monotonic()
                    )
                )
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 2.0.0 Message accepted"

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(r.lower() for m in self.messages for r in m.rcpt_tos)

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.messages)


class SmtpServer:
    """A started aiosmtpd server on 127.0.0.1 (a free port), recording into ``recorder``."""

    def __init__(self, recorder: Recorder | None = None, **kwargs: Any) -> None:
        self.recorder = recorder or Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def make_settings(tmp_path: Path, smtp_url: str = "", **changes: Any) -> Settings:
    base = Settings(
        db=str(tmp_path / "deliver.sqlite3"),
        smtp_url=smtp_url,
        mail_from=FROM,
        reply_to="Team 4p1000 <team@example.org>",
        base_url="https://news.example.org",
        site_url="https://news.example.org/archive",
        secret_key=SECRET,
        send_rate=0.0,
        send_retry_base=0.05,
        four_eyes=True,
    )
    return base.with_overrides(**changes)


def open_store(settings: Settings) -> Store:
    """The store of ``settings.db``: a file path or a URL (``make_settings(..., db=db_url)``)."""
    return Store(database_url(settings.db))


def approved_issue(store: Store, settings: Settings, **kwargs: Any) -> int:
    """A newsletter with fr/en/es editions, submitted by an editor and approved by an approver."""
    if not _has_team(store):
        add_team(store)
    issue_id = make_issue(store, **kwargs)
    submit(store, issue_id, acting_user(store, "ana"))
    for lang in store.find_issue(issue_id).languages:
        approve(store, issue_id, lang, acting_user(store, "bruno"), settings)
    return issue_id


def _has_team(store: Store) -> bool:
    try:
        acting_user(store, "ana")
    except Exception:
        return False
    return True


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0, step: float = 0.001) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
