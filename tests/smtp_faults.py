"""A fault-injecting SMTP server for the delivery tests: raw asyncio on 127.0.0.1, in a thread.

It speaks just enough SMTP for our client (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), records each
message it accepts, and misbehaves on demand at a chosen step of chosen transactions:

    server.plan("rcpt", "451 4.3.0 try later", times=3)     # answer the next 3 RCPTs with 451
    server.plan("mid_data", "rst")                          # RST after the first bytes of the message
    server.plan("before_dot", "fin", recipient="a@x.org")   # FIN once the message is complete, no dot yet
    server.plan("end", "stall")                             # take the message, never answer the dot
    server.refuse() ... server.accept()                     # connection refused for a while

Steps: ``connect`` (before the greeting), ``ehlo``, ``mail``, ``rcpt``, ``data`` (the DATA command),
``mid_data`` (after 354 and the first bytes of the message), ``before_dot`` (the last line of the
message is in, the dot is not), ``end`` (after the dot). Actions: a reply line (``421 ...`` also closes
the connection), ``fin`` (shutdown(SHUT_WR): a FIN, then whatever the client writes is read and
ignored), ``rst`` (SO_LINGER 0 then close: an RST), ``stall`` (no answer and nothing read until
:meth:`release`, then the connection is dropped), ``wait`` (no answer until :meth:`release`, then the
normal one: a slow server). At ``end`` a close or a stall keeps the message: the
server has it, only the reply is lost (the one truly ambiguous case for the client).

A period of faults is a number of transactions (``times``), never a duration, so no test depends on
the machine's speed. :meth:`wait_settled` lets an in-process test wait, just before its client writes the
dot, until a planned ``mid_data``/``before_dot`` close has happened: the interleaving is then fixed.
"""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

_CLOSING_BOUNDARY = re.compile(rb"^--=_[^\r\n]*--\r\n$")  # deliver/mime.py's boundaries start with =_
STEPS = ("connect", "ehlo", "mail", "rcpt", "data", "mid_data", "before_dot", "end")


@dataclass
class Fault:
    step: str
    action: str  # "NNN text", "fin", "rst" or "stall"
    times: int
    recipient: str = ""  # only transactions to this recipient ("" : any)


@dataclass
class Accepted:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    mail_from: str = ""
    rcpts: list[str] = field(default_factory=list)


class _Closed(Exception):
    """The fault ended the connection."""


class FaultServer:
    def __init__(self) -> None:
        self.messages: list[Accepted] = []
        self.faults: list[Fault] = []
        self.applied: list[tuple[str, str, str]] = []  # (step, action, recipient) of each fault used
        self.transactions = 0  # MAIL commands accepted
        self.connections = 0
        self._lock = threading.Lock()
        self._pre_dot_pending = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._release: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])

    # -- life -------------------------------------------------------------------------------------
    def __enter__(self) -> FaultServer:
        self._thread.start()
        self._call(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def _call(self, coro: object) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)  # type: ignore[arg-type]

    async def _start(self) -> None:
        self._release = self._release or asyncio.Event()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()

    # -- what tests call --------------------------------------------------------------------------
    def plan(self, step: str, action: str, *, times: int = 1, recipient: str = "") -> None:
        assert step in STEPS, step
        with self._lock:
            self.faults.append(Fault(step, action, times, recipient.lower()))

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def refuse(self) -> None:
        """Stop listening: connections are refused until :meth:`accept`."""

        async def stop_listening() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
                self._server = None

        self._call(stop_listening())

    def accept(self) -> None:
        if self._server is None:
            self._call(self._start())

    def release(self) -> None:
        """End every stall (the stalled connections are then dropped)."""
        if self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    def wait_settled(self, timeout: float = 300.0) -> None:
        """Return once no planned close before the dot is still to happen (see the module docstring)."""
        end = time.monotonic() + timeout
        while self._pre_dot_pending and time.monotonic() < end:
            time.sleep(0.001)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def per_recipient(self) -> Counter[str]:
        with self._lock:
            return Counter(r.lower() for m in self.messages for r in m.rcpt_tos)

    # -- the protocol -----------------------------------------------------------------------------
    def _take(self, step: str, recipient: str = "") -> str:
        with self._lock:
            for fault in self.faults:
                if fault.step == step and fault.times > 0 and fault.recipient in ("", recipient.lower()):
                    fault.times -= 1
                    self.applied.append((step, fault.action, recipient.lower()))
                    return fault.action
        return ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        self.connections += 1
        conn = _Conn(reader, writer)
        try:
            await self._session(conn)
        except (_Closed, ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._pre_dot_pending = False
            writer.transport.abort()
            self._tasks.discard(task)  # type: ignore[arg-type]

    async def _session(self, conn: _Conn) -> None:
        if await self._refused(conn, "connect"):
            raise _Closed  # a refusal instead of the greeting (421, 554): nothing more to say
        await self._say(conn, "220 faults.test ESMTP")
        while True:
            line = await conn.reader.readline()
            if not line:
                return
            verb, _, arg = line.decode("ascii", "replace").strip().partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                if await self._refused(conn, "ehlo"):
                    continue
                await self._say(conn, "250-faults.test" if verb == "EHLO" else "250 faults.test")
                if verb == "EHLO":
                    await self._say(conn, "250 8BITMIME")
            elif verb == "MAIL":
                if await self._refused(conn, "mail"):
                    continue
                conn.mail_from, conn.rcpts = arg.partition(":")[2].strip().strip("<>"), []
                with self._lock:
                    self.transactions += 1
                await self._say(conn, "250 2.1.0 OK")
            elif verb == "RCPT":
                address = arg.partition(":")[2].strip().strip("<>")
                if await self._refused(conn, "rcpt", address):
                    continue
                conn.rcpts.append(address)
                await self._say(conn, "250 2.1.5 OK")
            elif verb == "DATA":
                await self._data(conn)
            elif verb == "RSET":
                conn.mail_from, conn.rcpts = "", []
                await self._say(conn, "250 2.0.0 OK")
            elif verb == "NOOP":
                await self._say(conn, "250 2.0.0 OK")
            elif verb == "QUIT":
                await self._say(conn, "221 2.0.0 bye")
                return
            else:
                await self._say(conn, "502 5.5.2 not implemented")

    async def _data(self, conn: _Conn) -> None:
        rcpt = conn.rcpts[0] if conn.rcpts else ""
        if await self._refused(conn, "data", rcpt):
            return
        # Decided before the 354, so a test waiting in wait_settled() cannot miss it.
        mid = self._take("mid_data", rcpt)
        before = "" if mid else self._take("before_dot", rcpt)
        self._pre_dot_pending = bool(mid or before)
        await self._say(conn, "354 End data with <CR><LF>.<CR><LF>")
        lines: list[bytes] = []
        if mid:
            await conn.reader.read(1)
            await self._act(conn, mid)
        while True:
            line = await conn.reader.readline()
            if not line:
                raise _Closed
            if line == b".\r\n":
                break
            lines.append(line[1:] if line.startswith(b".") else line)
            if before and _CLOSING_BOUNDARY.match(line):
                await self._act(conn, before)
        data = b"".join(lines)
        action = self._take("end", rcpt)
        if action and action[:1].isdigit():
            await self._reply_fault(conn, action)
            return
        with self._lock:
            self.messages.append(Accepted(conn.mail_from, list(conn.rcpts), data))
        conn.mail_from, conn.rcpts = "", []
        if action == "wait":
            assert self._release is not None
            await self._release.wait()
        elif action:
            await self._act(conn, action)
        await self._say(conn, "250 2.0.0 queued")

    async def _refused(self, conn: _Conn, step: str, recipient: str = "") -> bool:
        """Apply a fault planned for this step: True when a reply refused the command."""
        action = self._take(step, recipient)
        if action == "wait":
            assert self._release is not None
            await self._release.wait()
            return False
        if not action:
            return False
        if action[:1].isdigit():
            await self._reply_fault(conn, action)
            return True
        await self._act(conn, action)
        return True

    async def _reply_fault(self, conn: _Conn, reply: str) -> None:
        await self._say(conn, reply)
        if reply.startswith("421"):
            raise _Closed

    async def _act(self, conn: _Conn, action: str) -> None:
        """A close or a stall: never returns normally."""
        sock = conn.writer.get_extra_info("socket")
        try:
            if action == "rst":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.writer.transport.abort()
                # abort() closes the socket on a later turn of the loop: only then has the RST left, and
                # only then may a test waiting in wait_settled() let its client go on to the dot
                for _ in range(100):
                    if sock.fileno() == -1:
                        break
                    await asyncio.sleep(0)
            elif action == "fin":
                sock.shutdown(socket.SHUT_WR)
                self._pre_dot_pending = False
                while await conn.reader.read(65536):
                    pass  # whatever the client still writes is ignored
            elif action == "stall":
                # A stall is no close: the client cannot see it before the dot, whatever it waits for.
                self._pre_dot_pending = False
                assert self._release is not None
                await self._release.wait()
            else:
                raise AssertionError(f"unknown fault action {action!r}")
        finally:
            self._pre_dot_pending = False
        raise _Closed

    async def _say(self, conn: _Conn, line: str) -> None:
        conn.writer.write(line.encode("ascii") + b"\r\n")
        await conn.writer.drain()
