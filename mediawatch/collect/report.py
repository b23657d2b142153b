"""A collect run's report: the counts printed as its summary line and stored with the run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class CollectReport:
    started: datetime
    finished: datetime | None = None
    sources_total: int = 0
    polled: int = 0
    skipped: int = 0
    not_modified: int = 0
    failed: int = 0
    new_articles: int = 0
    pages_fetched: int = 0
    pages_partial: int = 0
    pages_deferred: int = 0
    pages_failed: int = 0  # extraction abandoned: worker died twice, or over its CPU/time budget
    workers_replaced: int = 0
    budget_deferred: dict[str, int] = field(default_factory=dict)  # host -> pages left for the next run
    budget_reasons: dict[str, str] = field(default_factory=dict)  # host -> the setting whose budget ran out
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (source id, status, detail)
    interrupted_runs: list[int] = field(default_factory=list)  # earlier runs found killed

    def summary_line(self) -> str:
        """One structured line for logs and cron mail."""
        duration = (self.finished or datetime.now(UTC)) - self.started
        return (
            f"collect sources={self.sources_total} polled={self.polled} skipped={self.skipped} "
            f"not_modified={self.not_modified} failed={self.failed} new_articles={self.new_articles} "
            f"pages_fetched={self.pages_fetched} pages_partial={self.pages_partial} "
            f"pages_deferred={self.pages_deferred} pages_failed={self.pages_failed} "
            f"workers_replaced={self.workers_replaced} duration_s={duration.total_seconds():.1f}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "sources_total": self.sources_total,
            "polled": self.polled,
            "skipped": self.skipped,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "new_articles": self.new_articles,
            "pages_fetched": self.pages_fetched,
            "pages_partial": self.pages_partial,
            "pages_deferred": self.pages_deferred,
            "pages_failed": self.pages_failed,
            "workers_replaced": self.workers_replaced,
            "budget_deferred": dict(self.budget_deferred),
            "budget_reasons": dict(self.budget_reasons),
            "statuses": dict(self.statuses),
            "failures": [{"source": s, "status": st, "detail": d} for s, st, d in self.failures],
            "interrupted_runs": list(self.interrupted_runs),
        }
