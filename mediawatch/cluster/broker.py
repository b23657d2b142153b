"""The Redis broker and the Dramatiq actors of the distributed mode, built from the settings.

Actors are declared on a broker made at run time (not at import time) because the broker's address is
a setting: the same code runs the embedded mode, where nothing here is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import CurrentMessage

from mediawatch.config import Settings, masked_url, scrub_password
from mediawatch.errors import BrokerUnavailable, ConfigError
from mediawatch.i18n import said

QUEUE = "mediawatch"
# A task failing for an unexpected reason is tried this many times more, then given up and counted
# (a dead-lettered task must never leave its run open forever).
MAX_RETRIES = 3
RETRY_MIN_BACKOFF_MS = 500
RETRY_MAX_BACKOFF_MS = 10_000
# One task's time limit: far above a page's worst case (fetch total_timeout + extraction budget).
TASK_TIME_LIMIT_MS = 30 * 60 * 1000
# How long connecting to the broker may take before it counts as unreachable (a host that drops packets
# would otherwise hold a command for the system's TCP timeout, minutes).
CONNECT_TIMEOUT_S = 10.0
# What redis-py raises when the server cannot be reached or stops answering.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


@dataclass
class Cluster:
    """The broker, a Redis client for the shared state, and the actors by name."""

    broker: RedisBroker
    redis: redis.Redis
    actors: dict[str, dramatiq.Actor[Any, Any]]

    def send(self, actor: str, *args: Any) -> None:
        self.actors[actor].send(*args)


def connect(settings: Settings, handlers: dict[str, Callable[..., None]] | None = None) -> Cluster:
    """The broker at ``settings.broker_url`` with an actor per handler (workers) or stubs (senders)."""
    if not settings.broker_url.startswith(("redis://", "rediss://", "unix://")):
        raise said(ConfigError, "cluster.bad_broker_url", url=masked_url(settings.broker_url))
    client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=CONNECT_TIMEOUT_S)
    with broker_errors(settings):
        client.ping()  # before anything is opened or enqueued: an unreachable broker is said at once
    broker = RedisBroker(  # type: ignore[no-untyped-call]
        url=settings.broker_url,
        namespace="mediawatch-tasks",
        heartbeat_timeout=int(settings.worker_heartbeat_seconds * 1000),
        maintenance_chance=settings.broker_maintenance_chance,
    )
    broker.add_middleware(CurrentMessage())
    dramatiq.set_broker(broker)
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}
    for name in ("poll", "page", "classify_article", "classify"):
        fn = (handlers or {}).get(name) or _not_here
        declare = dramatiq.actor(
            actor_name=f"mediawatch.{name}",
            queue_name=QUEUE,
            broker=broker,
            max_retries=MAX_RETRIES,
            min_backoff=RETRY_MIN_BACKOFF_MS,
            max_backoff=RETRY_MAX_BACKOFF_MS,
            time_limit=TASK_TIME_LIMIT_MS,
        )
        actors[name] = declare(fn)
    return Cluster(broker, client, actors)


def check_reachable(settings: Settings) -> None:
    """:class:`BrokerUnavailable` unless the broker answers (a worker says so before it starts)."""
    client = redis.Redis.from_url(settings.broker_url, socket_connect_timeout=CONNECT_TIMEOUT_S)
    try:
        with broker_errors(settings):
            client.ping()
    finally:
        client.close()


def unreachable(settings: Settings, exc: BaseException) -> BrokerUnavailable:
    """The error for a broker that does not answer: its URL (password masked) and redis-py's reason."""
    url = settings.broker_url
    reason = scrub_password(str(exc), url) or type(exc).__name__
    return said(BrokerUnavailable, "cluster.broker_unreachable", url=masked_url(url), error=reason)


@contextmanager
def broker_errors(settings: Settings) -> Iterator[None]:
    """redis-py's connection errors inside the block become :class:`BrokerUnavailable`."""
    try:
        yield
    except UNREACHABLE as exc:
        raise unreachable(settings, exc) from None


def _not_here(*args: Any) -> None:
    raise RuntimeError("this process only sends tasks; `mediawatch worker` runs them")


def current_retries() -> int:
    """How many times the running task was tried before (0 on its first delivery)."""
    message = CurrentMessage.get_current_message()
    return int(message.options.get("retries", 0)) if message is not None else 0
