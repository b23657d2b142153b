"""`mediawatch worker`: Dramatiq worker processes running the collect and classify tasks.

One process per ``--processes`` (a supervisor starts them again if one dies), each with ``--threads``
threads. Extraction is CPU work under the GIL, so processes give parallelism and threads hide network
waits. SIGTERM or SIGINT stops taking tasks, lets the running ones finish, and exits.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from types import FrameType

from dramatiq import Broker, Worker

from mediawatch.config import Settings, database_url

log = logging.getLogger(__name__)

# How long a stopping worker waits for its running tasks before leaving them to be delivered again.
STOP_TIMEOUT_MS = 60_000
_RESTART_PAUSE_S = 1.0


def run_worker(settings: Settings, *, processes: int = 1, threads: int = 2) -> None:
    """Run worker processes until SIGTERM or SIGINT."""
    if processes <= 1:
        _serve(settings, threads)
        return
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = [context.Process(target=_serve, args=(settings, threads)) for _ in range(processes)]
    for child in children:
        child.start()
    while not stopping.wait(_RESTART_PAUSE_S):
        for i, child in enumerate(children):
            if not child.is_alive():  # killed (OOM): its tasks go to the others; a new one takes its place
                log.warning("worker process %s exited with %s; starting another", child.pid, child.exitcode)
                children[i] = context.Process(target=_serve, args=(settings, threads))
                children[i].start()
    for child in children:
        child.terminate()  # SIGTERM: each finishes its running tasks
    for child in children:
        child.join()


def _serve(settings: Settings, threads: int) -> None:
    from mediawatch.cluster.tasks import Handlers
    from mediawatch.store import open_store

    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    store = open_store(database_url(settings.db))
    handlers = Handlers(store, settings)
    # Loaded before taking any task. Dramatiq has no heartbeat thread: the consumer threads' calls to
    # Redis are the heartbeat, and a loaded machine starved them through a 10-27 s load inside a task, so
    # the broker judged the live worker dead and gave its messages to others (they ran twice at once).
    handlers.classifier()
    worker = build_worker(handlers.cluster.broker, threads)
    worker.start()
    log.info("worker ready: %d threads", threads)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        worker.stop(timeout=STOP_TIMEOUT_MS)
        handlers.cluster.broker.close()
        store.close()


def build_worker(broker: Broker, threads: int) -> Worker:
    """A Dramatiq worker of ``threads`` threads that holds no more messages than it has threads.

    Dramatiq's default prefetch is twice the threads: a thread stuck on a slow page then also holds a
    queued task no other worker can take until this one finishes or dies.
    """
    worker = Worker(broker, worker_threads=max(1, threads), worker_timeout=200)
    worker.queue_prefetch = max(1, threads)
    return worker
