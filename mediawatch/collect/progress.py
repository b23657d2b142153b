"""How the collector reports progress: a rich bar on a terminal, nothing under cron."""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    def feeds_total(self, n: int) -> None: ...
    def feed_done(self, source_id: str, status: str) -> None: ...
    def pages_added(self, n: int) -> None: ...
    def page_done(self) -> None: ...


class NullProgress:
    def feeds_total(self, n: int) -> None:
        pass

    def feed_done(self, source_id: str, status: str) -> None:
        pass

    def pages_added(self, n: int) -> None:
        pass

    def page_done(self) -> None:
        pass
