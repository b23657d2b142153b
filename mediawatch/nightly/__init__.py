"""The nightly job: collect, retrain the relevance model when due, classify, compose the due drafts, render
them, tell the editors.

    with json_logging(settings) as log:
        result = run_nightly(store, settings, log=log)
    sys.exit(result.exit_code)

Exit codes: 0 ok, 1 a stage failed, 3 another run is active, 4 some sources failed, 5 nothing could be
done (database unusable, no source, every source failed). See docs/operations.md.

Layer: on top; runs the stages in order. Only the CLI and the demo import it. The layers: pyproject.toml
[tool.importlinter] and docs/design.md.
"""

from mediawatch.nightly.announce import ANNOUNCED
from mediawatch.nightly.cadence import Cadence, Every, Period, due_period, parse_cadence
from mediawatch.nightly.job import ACTOR
from mediawatch.nightly.logs import EventLog, JsonLines, json_logging
from mediawatch.nightly.outcome import (
    EXIT_ERROR,
    EXIT_LOCKED,
    EXIT_NOTHING,
    EXIT_OK,
    EXIT_SOURCES_FAILED,
    NightlyResult,
)
from mediawatch.nightly.run import run_nightly

__all__ = [
    "ACTOR",
    "ANNOUNCED",
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_NOTHING",
    "EXIT_OK",
    "EXIT_SOURCES_FAILED",
    "Cadence",
    "EventLog",
    "Every",
    "JsonLines",
    "NightlyResult",
    "Period",
    "due_period",
    "json_logging",
    "parse_cadence",
    "run_nightly",
]
