"""How a nightly run ends: what its stages found (filled as they go), its exit code, and the result the
CLI prints and the ``runs`` table records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from mediawatch.errors import LockedError, MediawatchError, StorageError
from mediawatch.i18n import LANGUAGES, Message

EXIT_OK = 0
EXIT_ERROR = 1  # a stage failed (classify, compose, render, notify); the others still ran
EXIT_LOCKED = LockedError.exit_code  # another collect or nightly run holds the lock; nothing was done
EXIT_SOURCES_FAILED = 4  # some sources failed; everything else went well
# nothing could be done: database unusable, no source, or every source failed (the storage error's code)
EXIT_NOTHING = StorageError.exit_code


@dataclass(frozen=True, slots=True)
class Problem:
    """One line of the run's errors or warnings, worded in each interface language when it happened: the
    exception is gone by the time the editors' mail and the command's stderr say it, in their reader's
    language. ``english`` is the line that logs, ``--json`` and the ``runs`` table keep, as before."""

    english: str
    words: Mapping[str, str]  # language -> the same line in it

    def text(self, lang: str) -> str:
        return self.words.get(lang, self.english)


class _Translated:
    """An error as a field of a :class:`Message`: its own words in each language (English without a
    reason)."""

    __slots__ = ("error",)

    def __init__(self, error: MediawatchError) -> None:
        self.error = error

    def text(self, lang: str) -> str:
        return self.error.translated(lang)


def problem(english: str, key: str, /, **fields: object) -> Problem:
    """A :class:`Problem` whose words are ``key`` with ``fields``; an error among them says its own."""
    message = Message(
        key, **{n: _Translated(v) if isinstance(v, MediawatchError) else v for n, v in fields.items()}
    )
    return Problem(english, {lang: message.text(lang) for lang in LANGUAGES})


# Literal keys (the i18n scans read them): each stage of nightly/run.py by its name in words.
STAGE_KEYS: Mapping[str, str] = {
    "learn": "nightly.stage.learn",
    "collect": "nightly.stage.collect",
    "registry": "nightly.stage.registry",
    "health": "nightly.stage.health",
    "submissions": "nightly.stage.submissions",
    "classify": "nightly.stage.classify",
    "compose": "nightly.stage.compose",
    "drafts": "nightly.stage.drafts",
    "render": "nightly.stage.render",
    "notify": "nightly.stage.notify",
    "send": "nightly.stage.send",
    "watches": "nightly.stage.watches",
}


def stage_problem(stage: str, exc: BaseException) -> Problem:
    """What a failed stage says: "collect: no enabled source ..." and its words in each language."""
    key = STAGE_KEYS.get(stage)
    name: object = Message(key) if key else stage  # a stage added without words still says its name
    if isinstance(exc, MediawatchError):
        return problem(f"{stage}: {exc}", "nightly.problem.stage", stage=name, problem=exc)
    kind = type(exc).__name__
    return problem(
        f"{stage}: unexpected {kind}: {exc}", "nightly.problem.unexpected", stage=name, kind=kind, detail=exc
    )


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
    # ``errors`` in each language, for the person at the terminal (not in as_dict: the record keeps English)
    problems: tuple[Problem, ...] = field(default=(), compare=False)
    # what the run chose not to do and why (no feeds/ folder under --no-collect), said on stderr
    notes: tuple[Problem, ...] = field(default=(), compare=False)

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
        del data["problems"]
        del data["notes"]
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
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(
        default_factory=list
    )  # for the person at the terminal: neither failure nor mail
    storage_lost: bool = False


def exit_code(state: RunState, collected: bool) -> int:
    if state.storage_lost or (collected and state.collect_failed):
        return EXIT_NOTHING
    if state.errors:
        return EXIT_ERROR
    if state.failing:
        return EXIT_SOURCES_FAILED
    return EXIT_OK
