"""Structured logs of the nightly run: one JSON object per line, per event.

To a rotating file when ``log_file`` is set (``logging.handlers.RotatingFileHandler``: ``log_max_bytes``,
``log_backups``), else to stderr, which systemd hands to journald. Lines are for machines (jq, Loki,
journalctl -o cat): keys are stable, values untranslated.

    {"ts": "2024-05-06T03:15:02.120+00:00", "level": "info", "event": "collect.done", "run": 12, ...}
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from mediawatch.config import Settings
from mediawatch.errors import ConfigError
from mediawatch.files import file_error

LOGGER = "mediawatch"  # the collector and the other stages log under it too: their lines join ours
_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """A record's ``event`` and extra fields as one JSON line; any other record as event "log"."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", "log"),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        else:
            data["logger"] = record.name
            data["message"] = record.getMessage()
        for key, value in record.__dict__.items():  # extra=... given to a plain logging call
            if key not in _RESERVED and key not in ("event", "fields") and key not in data:
                data[key] = value
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


class EventLog:
    """``log.info("collect.done", polled=3)``: one event, its fields, bound fields (the run id) added."""

    def __init__(self, logger: logging.Logger, **bound: Any) -> None:
        self.logger = logger
        self.bound = bound

    def bind(self, **fields: Any) -> EventLog:
        return EventLog(self.logger, **{**self.bound, **fields})

    def _log(self, level: int, event: str, exc: bool, fields: dict[str, Any]) -> None:
        self.logger.log(
            level, event, extra={"event": event, "fields": {**self.bound, **fields}}, exc_info=exc
        )

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, False, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, False, fields)

    def error(self, event: str, *, exc: bool = False, **fields: Any) -> None:
        self._log(logging.ERROR, event, exc, fields)


def _handler(settings: Settings, stream: TextIO | None) -> logging.Handler:
    if not settings.log_file:
        return logging.StreamHandler(stream or sys.stderr)
    path = Path(settings.log_file).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return logging.handlers.RotatingFileHandler(
            path,
            maxBytes=max(0, settings.log_max_bytes),
            backupCount=max(0, settings.log_backups),
            encoding="utf-8",
        )
    except OSError as exc:
        raise ConfigError(f"log_file: {file_error(exc, path)}") from None


@contextlib.contextmanager
def json_logging(settings: Settings, stream: TextIO | None = None) -> Iterator[EventLog]:
    """Route the ``mediawatch`` loggers to JSON lines for the duration of a run, then put things back."""
    logger = logging.getLogger(LOGGER)
    handler = _handler(settings, stream)
    handler.setFormatter(JsonLines())
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # one line per event: not again through the root logger
    try:
        yield EventLog(logging.getLogger(f"{LOGGER}.nightly"))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
        handler.close()
