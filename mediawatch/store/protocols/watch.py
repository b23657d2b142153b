"""The watch's part of the store: saved watches and their mail, correspondents' items."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from mediawatch.store.protocols.articles import AddArticleStore
from mediawatch.store.search import SearchFilters
from mediawatch.store.submissions import NewSubmission, Submission, SubmissionStatus, SubmissionUse
from mediawatch.store.watches import (
    MATCH_CAP,
    NewWatch,
    NewWatchMail,
    Watch,
    WatchMail,
    WatchMailSession,
    WatchMatch,
)
from mediawatch.textsearch import Node


class WatchRepository(Protocol):
    """Saved watches, their matches and their mail (:mod:`mediawatch.store.watches`)."""

    def add_watch(self, new: NewWatch) -> Watch | None: ...

    def watch(self, name: str) -> Watch | None: ...

    def list_watches(self) -> list[Watch]: ...

    def remove_watch(self, name: str) -> bool: ...

    def set_watch_feed_key(self, name: str, feed_key: str) -> Watch | None: ...

    def watch_matches(
        self,
        query: Node | None,
        filters: SearchFilters,
        *,
        found_since: datetime,
        found_until: datetime,
        limit: int = MATCH_CAP,
    ) -> list[WatchMatch]: ...

    def build_watch_mail(
        self, watch_id: int, mail: NewWatchMail | None, *, advance_digest: bool
    ) -> WatchMail | None: ...

    def advance_watch_digest(self, watch_id: int, period_end: datetime) -> None: ...

    def watch_mail(self, watch_id: int | None = None, *, kind: str | None = None) -> list[WatchMail]: ...

    def due_watch_mail(self, now: datetime, watch_ids: Sequence[int] | None = None) -> list[WatchMail]: ...

    def recover_watch_mail(self) -> int: ...

    def watch_mail_session(self) -> AbstractContextManager[WatchMailSession]: ...


class SubmissionRepository(Protocol):
    """Correspondents' items and what became of them (:mod:`mediawatch.store.submissions`)."""

    def add_submission(self, item: NewSubmission, now: datetime) -> Submission: ...

    def settle_submission(
        self, submission_id: int, *, status: SubmissionStatus, article_id: int | None, detail: str = ""
    ) -> Submission: ...

    def submission(self, submission_id: int) -> Submission | None: ...

    def list_submissions(
        self,
        *,
        author: str | None = None,
        status: SubmissionStatus | None = None,
        waiting: bool = False,
        limit: int = 500,
    ) -> list[Submission]: ...

    def waiting_submissions(self) -> int: ...

    def review_submission(
        self, submission_id: int, *, actor: str, at: datetime, accepted: bool, reason: str = ""
    ) -> Submission: ...

    def submission_uses(self, article_ids: Collection[int]) -> list[SubmissionUse]: ...


class SubmissionStore(SubmissionRepository, AddArticleStore, Protocol):
    """What the correspondents' items touch: the items, and the watch's additions they become."""
