"""The extraction worker pool: processes forked from a warm forkserver, replaced when one dies.

A worker can die under us (the OOM killer, a crash in a C extension, an operator's kill -9): every
extraction then waiting on that pool fails with ``BrokenProcessPool``.  The pool is replaced once per
breakage, each of those pages is tried once more on the new pool, and a page whose second attempt also
loses its worker is recorded as failed: one page can cost a run two workers, never the run.

A page whose extraction runs past ``extract_timeout`` is handled the same way: its worker is killed (a
running process task cannot be cancelled otherwise) and the page is recorded as failed, so one document
of one source never holds up the others' extraction.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar

import mediawatch
from mediawatch.collect.extract import extract_page
from mediawatch.collect.feeds import ParsedFeed, parse_feed
from mediawatch.errors import ExtractError, ParseError
from mediawatch.types import Extracted, FetchStatus

PRELOAD = "mediawatch.collect.extract_worker"
ATTEMPTS = 2  # a page whose worker dies is tried once more, on a fresh pool
T = TypeVar("T")


# Not in errors.py: private control flow inside one worker process, never raised to a caller.
class _OverBudget(BaseException):
    """Raised by the CPU timer inside a worker; a BaseException so that no library's
    ``except Exception`` turns it into an ordinary failure and carries on burning CPU."""


@contextmanager
def cpu_budget(seconds: float, what: str) -> Iterator[None]:
    """Stop the work in this block with ExtractError once it used ``seconds`` of CPU.

    Only where signals can be delivered: the main thread of a process (the workers).  Elsewhere the
    block runs unbounded, and the wall-clock ``extract_timeout`` of the pool is the only bound.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except _OverBudget:
        raise ExtractError(f"{what} used more than {seconds:g} s of CPU") from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def extract_in_worker(body: bytes, url: str, content_type: str, cpu_seconds: float) -> Extracted:
    with cpu_budget(cpu_seconds, "extraction of the page"):
        return extract_page(body, url, content_type)


def parse_in_worker(
    body: bytes, url: str, content_type: str, max_entries: int, cpu_seconds: float
) -> ParsedFeed:
    try:
        with cpu_budget(cpu_seconds, "parsing of the feed"):
            return parse_feed(body, url, content_type, max_entries=max_entries)
    except ExtractError as exc:
        raise ParseError(url, FetchStatus.PARSE_ERROR, str(exc)) from None


def _start_worker(alive: Connection) -> None:
    """Worker start-up: leave when the collector is gone.

    ``alive`` is the read end of a pipe whose only write end the collector holds: the kernel closes it
    when the collector dies, even while the dead collector is an unreaped zombie.  ``kill(pid, 0)``
    still succeeds on a zombie, and ``getppid()`` names the forkserver, which outlives the collector
    as long as its workers do; a supervisor that reads the collector's output before reaping it would
    then wait forever on the pipes the workers inherited.
    """

    def watch() -> None:
        try:
            alive.recv_bytes()
        except (EOFError, OSError):
            pass
        os._exit(0)

    threading.Thread(target=watch, name="collector-watch", daemon=True).start()


def package_root() -> str:
    """The folder holding the ``mediawatch`` package this process runs."""
    return str(Path(mediawatch.__file__).resolve().parent.parent)


@contextmanager
def _forkserver_environment() -> Iterator[None]:
    """Make the forkserver import the same ``mediawatch`` as this process.

    The forkserver is started with ``python -c``, which puts the current folder first on ``sys.path``
    (and Python 3.11 ignores the ``sys_path`` the parent hands over): run from a folder that holds a
    checkout named ``mediawatch``, the workers would import that one.  ``PYTHONSAFEPATH`` drops the
    current folder and ``PYTHONPATH`` names our package's folder first.
    """
    saved = {name: os.environ.get(name) for name in ("PYTHONPATH", "PYTHONSAFEPATH")}
    paths = [package_root()] + [p for p in (saved["PYTHONPATH"] or "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _new_executor(workers: int, alive: Connection) -> ProcessPoolExecutor:
    """forkserver, not fork: forked workers would inherit the run lock's descriptor and keep the lock held
    after the collector itself was killed.  The forkserver preloads trafilatura, so a worker starts warm.
    Workers are not recycled: measured, a recycled worker pays ~1.3 s of lazy initialisation again and
    regrows to ~170 MB within 100 pages anyway.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    with _forkserver_environment():
        multiprocessing.forkserver.ensure_running()
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(alive,)
    )


class ExtractionPool:
    """Runs extraction and feed parsing in worker processes; see the module docstring."""

    def __init__(self, workers: int, *, timeout: float) -> None:
        self.workers = workers
        self.timeout = timeout
        self.replaced = 0  # pools replaced because a worker died or overran
        self._alive, self._alive_w = multiprocessing.Pipe(duplex=False)
        self._executor = _new_executor(workers, self._alive)

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """``function(*args)`` in a worker; ExtractError when it lost its worker twice or overran."""
        loop = asyncio.get_running_loop()
        for _ in range(ATTEMPTS):
            executor = self._executor
            try:
                future = loop.run_in_executor(executor, function, *args)
                return await asyncio.wait_for(future, self.timeout)
            except BrokenProcessPool:
                self._replace(executor)
            except TimeoutError:
                self._replace(executor, kill=True)
                raise ExtractError(
                    f"no result within {self.timeout:g} s (extract_timeout): the worker was stopped"
                ) from None
        raise ExtractError("the worker process died (killed or out of memory) on both attempts")

    def _replace(self, broken: ProcessPoolExecutor, *, kill: bool = False) -> None:
        if broken is not self._executor:
            return  # another page's failure already replaced it
        if kill:
            for process in list(getattr(broken, "_processes", {}).values()):
                if process.pid is not None:
                    try:
                        os.kill(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = _new_executor(self.workers, self._alive)
        self.replaced += 1

    def worker_pids(self) -> list[int]:
        return [p.pid for p in getattr(self._executor, "_processes", {}).values() if p.pid is not None]

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._alive_w.close()
        self._alive.close()
