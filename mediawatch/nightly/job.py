"""One nightly run as its stages see it (store, settings, log, clocks, what was found so far) and the
stage runner that keeps one stage's failure from stopping the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from mediawatch.config import Settings
from mediawatch.errors import LockedError, MediawatchError, StorageError
from mediawatch.nightly.logs import EventLog
from mediawatch.nightly.outcome import RunState, stage_problem
from mediawatch.store import Store

ACTOR = "nightly"  # created_by of the drafts, actor in the audit log
RUN_KIND = "nightly"

T = TypeVar("T")


class NightlyRun:
    """One run; :func:`mediawatch.nightly.run.run_nightly` is the entry point."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        log: EventLog,
        *,
        now: datetime,
        ui_lang: str,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))  # sending goes by the real time, not --at
        self.store = store
        self.settings = settings
        self.log = log
        self.now = now
        self.ui_lang = ui_lang
        self.state = RunState()
        self.resumed = False  # an earlier nightly run was found interrupted

    def stage(self, name: str, step: Callable[[], T]) -> T | None:
        """Run a stage; a failure is logged and recorded, and the run goes on (StorageError stops it,
        except LockedError: a lock or run held by another process is that stage's failure alone)."""
        if self.state.storage_lost:
            return None
        try:
            return step()
        except LockedError as exc:  # held by another run (a collect run still open on the broker): not lost
            self.state.errors.append(stage_problem(name, exc))
            self.log.error(f"{name}.failed", error=str(exc), kind=type(exc).__name__)
        except StorageError as exc:
            self.state.storage_lost = True
            self.state.errors.append(stage_problem(name, exc))
            self.log.error(f"{name}.failed", error=str(exc), kind="storage")
        except MediawatchError as exc:
            self.state.errors.append(stage_problem(name, exc))
            self.log.error(f"{name}.failed", error=str(exc), kind=type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 - a bug in one stage must not stop the others; it is logged
            self.state.errors.append(stage_problem(name, exc))
            self.log.error(f"{name}.failed", exc=True, error=str(exc), kind=type(exc).__name__)
        return None
