"""How a nightly run ends: what its stages found (filled as they go), its exit code, and the result the
CLI prints and the ``runs`` table records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from mediawatch.errors import LockedError, StorageError

EXIT_OK = 0
EXIT_ERROR = 1  # a stage failed (classify, compose, render, notify); the others still ran
EXIT_LOCKED = LockedError.exit_code  # another collect or nightly run holds the lock; nothing was done
EXIT_SOURCES_FAILED = 4  # some sources failed; everything else went well
# nothing could be done: database unusable, no source, or every source failed (the storage error's code)
EXIT_NOTHING = StorageError.exit_code


@dataclass(frozen=True, slots=True)
class NightlyResult:
    exit_code: int
    run_id: int
    started: datetime
    finished: datetime
    resumed_after: tuple[int, ...]  # ids of earlier runs found interrupted
    sources_total: int
    sources_failed: tuple[str, ...]  # enabled sources failing now (in back-off included)
    new_articles: int
    classified: int
    relevant: int
    stories: int  # stories that got a new article
    composed: tuple[str, ...]  # slugs of the drafts composed by this run
    already_composed: tuple[str, ...]  # due periods whose draft existed
    rendered: tuple[str, ...]
    announced: tuple[str, ...]
    notified: tuple[str, ...]  # recipients of the editors' email
    errors: tuple[str, ...]  # "stage: what went wrong"
    sent: tuple[str, ...] = ()  # scheduled issues this run sent
    # with a broker: the collect run the workers were still doing when the wait ran out
    collect_still_running: int | None = None
    # the learn stage retrained the relevance model (nightly_retrain_after), on this many editors' decisions
    retrained: bool = False
    retrain_decisions: int = 0

    def summary_line(self) -> str:
        """One key=value line for cron mail and scripts (never translated)."""
        still = self.collect_still_running
        return (
            f"nightly exit={self.exit_code} run={self.run_id} sources={self.sources_total} "
            f"failed={len(self.sources_failed)} new_articles={self.new_articles} "
            f"retrained={self.retrain_decisions if self.retrained else '-'} "
            f"classified={self.classified} "
            f"relevant={self.relevant} composed={','.join(self.composed) or '-'} "
            f"already_composed={','.join(self.already_composed) or '-'} "
            f"announced={','.join(self.announced) or '-'} notified={len(self.notified)} "
            f"sent={','.join(self.sent) or '-'} "
            f"errors={len(self.errors)} duration_s={(self.finished - self.started).total_seconds():.1f}"
            + (f" collect_still_running={still}" if still is not None else "")
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started"] = self.started.isoformat()
        data["finished"] = self.finished.isoformat()
        return data


@dataclass
class RunState:
    """What the stages found, filled as they go."""

    sources_total: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # this run's failed fetches
    failing: list[str] = field(default_factory=list)  # enabled sources failing now (back-off included)
    collect_failed: bool = False  # the registry could not be read, or has no enabled source
    collect_open: int | None = None  # with a broker: the collect run still with the workers after the wait
    new_articles: int = 0
    # the learn stage retrained the model: the editors' decisions and the labelled items it learnt from
    retrained: tuple[int, int] | None = None
    classified: int = 0
    relevant: int = 0
    stories: int = 0
    composed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    announced: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    notified_problems: dict[str, list[str]] = field(default_factory=dict)  # per editor told this run
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    storage_lost: bool = False


def exit_code(state: RunState, collected: bool) -> int:
    if state.storage_lost or (collected and state.collect_failed):
        return EXIT_NOTHING
    if state.errors:
        return EXIT_ERROR
    if state.failing:
        return EXIT_SOURCES_FAILED
    return EXIT_OK
