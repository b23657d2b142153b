"""Talking to the SMTP server: the URL, one reused connection, one transaction per message, a steady pace.

``smtp://user:pass@host:port`` (``?starttls=1`` to upgrade), ``smtps://`` for implicit TLS; further query
parameters: ``timeout`` (seconds), ``cafile`` (a private CA), ``helo`` (the name we greet with).

A transaction is MAIL, RCPT, DATA, the message, and the end-of-data dot. :meth:`SmtpSession.transaction`
calls ``before_end`` between the message and the dot: the caller commits "handed over" there, so a stop
at any instant leaves a record that says truthfully which side of the dot it happened on (docs/deliver.md).

Only the wait for the reply after the dot is ambiguous. Just before writing the dot the session looks
whether the server already closed the connection or spoke (a 421 in the middle of DATA): a server that
closes before it has the dot discards the message (RFC 5321 section 4.1.1.4), so that is a failed attempt,
raised as :class:`EndNotSent` for the caller to undo its mark and retry. The reply after the dot is waited
for ``end_timeout`` seconds (RFC 5321 section 4.5.3.2.6: 10 minutes), not the shorter command timeout.
"""

from __future__ import annotations

import ipaddress
import re
import select
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from mediawatch.errors import ConfigError, DeliveryError, EndNotSent, SenderRefused, SmtpUnavailable
from mediawatch.i18n import said

_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)
E = TypeVar("E", bound=DeliveryError)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    cafile: str = ""
    helo: str = ""
    end_timeout: float = 600.0  # the wait for the reply after the dot (RFC 5321: 10 minutes)

    def describe(self) -> str:
        """Where we send, without the password."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        tls = "?starttls=1" if self.starttls else ""
        return f"{scheme}://{user}{self.host}:{self.port}{tls}"


def _truthy(values: dict[str, list[str]], name: str) -> bool:
    raw = (values.get(name) or [""])[-1].strip().lower()
    return raw in {"1", "true", "yes", "on"}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str, end_timeout: float = 600.0) -> SmtpConfig:
    """Settings' ``smtp_url`` as a :class:`SmtpConfig`; ConfigError naming the problem."""
    if not url:
        raise said(ConfigError, "mailing.smtp_url.missing")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        if not scheme:
            raise said(ConfigError, "mailing.smtp_url.no_scheme")
        raise said(ConfigError, "mailing.smtp_url.scheme", scheme=scheme)
    if not parts.hostname:
        raise said(ConfigError, "mailing.smtp_url.no_host")
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"starttls", "timeout", "cafile", "helo"})
    if unknown:
        raise said(ConfigError, "mailing.smtp_url.unknown", names=", ".join(unknown))
    implicit = scheme == "smtps"
    starttls = _truthy(query, "starttls")
    if implicit and starttls:
        raise said(ConfigError, "mailing.smtp_url.tls_twice")
    try:
        port = parts.port or (465 if implicit else 587 if starttls else 25)
    except ValueError:
        raise said(ConfigError, "mailing.smtp_url.port") from None
    raw_timeout = (query.get("timeout") or ["30"])[-1]
    try:
        timeout = float(raw_timeout)
    except ValueError:
        raise said(ConfigError, "mailing.smtp_url.timeout", value=raw_timeout) from None
    config = SmtpConfig(
        host=parts.hostname,
        port=port,
        implicit_tls=implicit,
        starttls=starttls,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        timeout=timeout,
        cafile=(query.get("cafile") or [""])[-1],
        helo=(query.get("helo") or [""])[-1],
        end_timeout=end_timeout if end_timeout > 0 else 600.0,
    )
    if config.username and not (implicit or starttls) and not _is_loopback(config.host):
        raise said(ConfigError, "mailing.smtp_url.cleartext", user=config.username, host=config.host)
    return config


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one transaction.

    ``kind``: ``sent`` (250 after the dot), ``deferred`` (4xx: try again later), ``failed`` (5xx: never),
    ``unknown`` (the dot was written but no reply came: the connection broke or timed out).
    """

    kind: str
    stage: str  # mail, rcpt, data, end
    code: int | None
    text: str


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class SmtpSession:
    """One connection, opened on first use, reused for every message, reopened when it breaks."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._dirty = False  # a transaction ended early: RSET before the next MAIL
        self.connections = 0  # how many times we connected (connection reuse shows in this)
        self._poller = select.poll()

    # -- connection -------------------------------------------------------------------------------
    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.config.cafile or None)
        return context

    def connect(self) -> None:
        cfg = self.config
        helo = cfg.helo or None
        try:
            if cfg.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, local_hostname=helo, timeout=cfg.timeout, context=self._tls_context()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, local_hostname=helo, timeout=cfg.timeout)
            # The end-of-data dot goes out on its own, right after the message: without TCP_NODELAY,
            # Nagle's algorithm holds it until the server's delayed ACK (~40 ms a message).
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._greet(smtp)
            if cfg.starttls:
                smtp.starttls(context=self._tls_context())
                self._greet(smtp)
            if cfg.username:
                smtp.login(cfg.username, cfg.password)
        except smtplib.SMTPAuthenticationError as exc:
            reply = _reply_text(exc.smtp_error)
            raise said(
                SenderRefused,
                "mailing.smtp.login_refused",
                server=cfg.describe(),
                code=exc.smtp_code,
                reply=reply,
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise said(
                SenderRefused, "mailing.smtp.unsupported", server=cfg.describe(), detail=str(exc)
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise said(
                SmtpUnavailable, "mailing.smtp.cannot_connect", server=cfg.describe(), detail=str(exc)
            ) from None
        self._smtp = smtp
        self._dirty = False
        self.connections += 1
        # Made once per connection: the look before each dot must cost as little as possible, since a
        # kill between the "data_sent" commit and the dot is the one window that can lose a message.
        self._poller = select.poll()
        if smtp.sock is not None:
            self._poller.register(smtp.sock.fileno(), select.POLLIN | select.POLLPRI)

    def _greet(self, smtp: smtplib.SMTP) -> None:
        """EHLO (HELO when EHLO is not understood). 4xx or a closed connection: SmtpUnavailable, try
        again later; a refusal of both: SenderRefused (the server will not talk to us)."""
        code, reply = smtp.ehlo()
        if code == 250:
            return
        if 400 <= code < 500 or code == -1:
            smtp.close()
            raise self._said(SmtpUnavailable, "mailing.smtp.greeting", command="EHLO", code=code, reply=reply)
        code, reply = smtp.helo()
        if code != 250:
            smtp.close()
            if 400 <= code < 500 or code == -1:
                raise self._said(
                    SmtpUnavailable, "mailing.smtp.greeting", command="HELO", code=code, reply=reply
                )
            raise self._said(SenderRefused, "mailing.smtp.refuses_us", code=code, reply=reply)

    def _said(self, kind: type[E], key: str, /, **fields: object) -> E:
        """An error about this server: ``{server}`` filled in, a server's reply as text."""
        reply = fields.get("reply")
        if isinstance(reply, bytes):
            fields["reply"] = _reply_text(reply)
        return said(kind, key, server=self.config.describe(), **fields)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _broken(self, what: str, exc: BaseException) -> SmtpUnavailable:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None
        return self._said(SmtpUnavailable, "mailing.smtp.lost_during", command=what.upper(), detail=str(exc))

    # -- one message ------------------------------------------------------------------------------
    def transaction(
        self, sender: str, recipient: str, message: bytes, before_end: Callable[[], None]
    ) -> Outcome:
        """Send one message. Raises SmtpUnavailable (nothing was handed over: the message may be retried
        at once on a new connection) or SenderRefused (stop everything)."""
        if self._smtp is None:
            self.connect()
        smtp = self._smtp
        assert smtp is not None
        stage = "mail"
        try:
            if self._dirty:
                smtp.rset()
                self._dirty = False
            code, reply = smtp.mail(sender)
            if code != 250:
                self._dirty = True
                if code == 421:
                    self.close()
                if 500 <= code < 600:
                    raise self._said(
                        SenderRefused, "mailing.smtp.refuses_sender", sender=sender, code=code, reply=reply
                    )
                return Outcome("deferred", stage, code, _reply_text(reply))
            stage = "rcpt"
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._early_end(stage, code, reply)
            stage = "data"
            smtp.putcmd("data")
            code, reply = smtp.getreply()
            if code != 354:
                return self._early_end(stage, code, reply)
            body = _LEADING_DOT.sub(b"..", message)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            smtp.send(body)
        except smtplib.SMTPServerDisconnected as exc:
            raise self._broken(stage, exc) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._broken(stage, exc) from None
        # Past this line the server may have the whole message: from here on a failure is not "retry".
        before_end()
        stage = "end"
        if _stirred(smtp, self._poller):
            # The server closed or spoke before our dot: it discards the transaction, nothing was delivered.
            try:
                code, reply = smtp.getreply()
            except (OSError, smtplib.SMTPException) as exc:
                self._forget(smtp)
                raise self._said(EndNotSent, "mailing.smtp.lost_before_end", detail=str(exc)) from None
            self._forget(smtp)
            if 400 <= code < 600:
                return self._early_end("data", code, reply)
            raise self._said(EndNotSent, "mailing.smtp.reply_before_end", code=code, reply=reply)
        try:
            smtp.send(b".\r\n")
        except (OSError, smtplib.SMTPException) as exc:
            self._forget(smtp)
            raise self._said(EndNotSent, "mailing.smtp.lost_before_end", detail=str(exc)) from None
        try:
            if smtp.sock is not None:
                smtp.sock.settimeout(self.config.end_timeout)
            code, reply = smtp.getreply()
            if smtp.sock is not None:
                smtp.sock.settimeout(self.config.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            self._forget(smtp)
            return Outcome("unknown", stage, None, f"no reply after the end of data: {exc}")
        if code == 250:
            return Outcome("sent", stage, code, _reply_text(reply))
        return self._early_end(stage, code, reply)

    def _forget(self, smtp: smtplib.SMTP) -> None:
        """Drop a connection whose state we no longer know (no QUIT: it may be dead or mid-message)."""
        smtp.close()
        self._smtp = None

    def _early_end(self, stage: str, code: int, reply: bytes) -> Outcome:
        self._dirty = True
        if code == 421 or code == -1:  # the server is closing the connection
            if self._smtp is not None:
                self._smtp.close()
            self._smtp = None
        kind = "failed" if 500 <= code < 600 else "deferred"
        return Outcome(kind, stage, code, _reply_text(reply))


def _stirred(smtp: smtplib.SMTP, poller: select.poll) -> bool:
    """Has the server sent anything (a reply, FIN, RST) that we have not read? Looked at without waiting.

    In the middle of DATA a server says nothing unless it is giving up, so any of these means the
    transaction is over on its side."""
    sock = smtp.sock
    if sock is None:
        return True
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    return bool(poller.poll(0))


class Pace:
    """A steady rate: one message every 1/rate seconds, no bursts to catch up after a pause."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self._clock()
        if now < self._next:
            time.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


def local_hostname() -> str:
    return socket.getfqdn()
