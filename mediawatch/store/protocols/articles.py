"""The collector's and the classifier's part of the store: sources, articles, additions, stories,
curation, runs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from mediawatch.store.additions import AddedArticle, Addition
from mediawatch.store.articles import NewEntry, PageOutcome, PendingArticle
from mediawatch.store.curation import Correction, StoryArticle, StoryPin, StoryUse
from mediawatch.store.issues import NewItem
from mediawatch.store.reporting import RunRecord
from mediawatch.store.search import SearchStore
from mediawatch.store.stories import GROUPING_LOCK_WAIT_S as GROUPING_LOCK_WAIT_S
from mediawatch.types import (
    Article,
    Classification,
    ClassifyInput,
    FetchEvent,
    Publication,
    Source,
    SourceHealth,
    SourceState,
    User,
)

# -- sources, articles, classifications and stories (collect, classify) ---------------------------
# Data classes the methods take or give: NewEntry, PendingArticle, PageOutcome (store.articles), RunRecord
# (store.reporting) and, from types, Source, SourceState, FetchEvent, SourceHealth, Article, ClassifyInput,
# Classification.


class SourceRepository(Protocol):
    """The registry's mirror, the collector's memory of each source, its fetch events and health."""

    def sync_sources(self, sources: Sequence[Source]) -> None: ...
    def source_state(self, source_id: str) -> SourceState: ...
    def save_feed_poll(
        self,
        source_id: str,
        state: SourceState,
        event: FetchEvent,
        entries: Sequence[NewEntry] = (),
        *,
        unless_polled_since: datetime | None = None,
    ) -> list[PendingArticle]: ...
    def record_fetch(
        self,
        source_id: str,
        state: SourceState,
        event: FetchEvent,
        *,
        unless_polled_since: datetime | None = None,
    ) -> bool: ...
    def source_health(
        self, now: datetime, stale_after_days: int, events: bool = True
    ) -> list[SourceHealth]: ...


class ArticleRepository(Protocol):
    """Articles: pending ones, completed pages (merged by URL identity), listings and counts."""

    def pending_articles(self, limit: int | None = None) -> list[PendingArticle]: ...
    def complete_article(
        self, article_id: int, outcome: PageOutcome, now: datetime, title_window: timedelta
    ) -> int: ...
    def list_articles(
        self,
        *,
        since: datetime | None = None,
        language: str | None = None,
        source: str | None = None,
        include_duplicates: bool = False,
        limit: int | None = None,
    ) -> list[Article]: ...
    def count_articles(self) -> dict[str, int]: ...
    def aliases_of(self, article_id: int) -> list[str]: ...


class AdditionRepository(Protocol):
    """Articles added by a person (by URL or by hand), and who added them."""

    def known_article(
        self, urls: Sequence[str], key: str, when: datetime | None, window: timedelta
    ) -> int | None: ...
    def add_article(self, item: AddedArticle, now: datetime, window: timedelta) -> tuple[int, bool]: ...
    def addition_of(self, article_id: int) -> Addition | None: ...
    def article_title(self, article_id: int) -> str: ...
    def story_of(self, article_id: int) -> int | None: ...


class StoryRepository(Protocol):
    """Classifications, story membership (and the lock one grouping holds) and editor decisions."""

    def articles_for_classification(
        self,
        *,
        everything: bool = False,
        batch: int = 500,
        ids: Sequence[int] | None = None,
        done_since: tuple[datetime, str] | None = None,
    ) -> Iterator[list[ClassifyInput]]: ...
    def save_classifications(self, results: Sequence[Classification]) -> None: ...
    def classification_of(self, article_id: int) -> Classification | None: ...
    def classifications(self, *, relevant_only: bool = False) -> list[Classification]: ...
    def grouping_lock(self, *, wait: float = GROUPING_LOCK_WAIT_S) -> AbstractContextManager[None]: ...
    def story_rows(self, since: datetime) -> list[tuple[int, bytes, int, datetime]]: ...
    def save_story_members(self, rows: Sequence[tuple[int, int, bytes]]) -> None: ...
    def ungrouped_articles(self) -> list[Article]: ...
    def story_groups(self) -> dict[int, list[int]]: ...
    def record_decision(self, article_id: int, accepted: bool, actor: str, context: str = "") -> None: ...
    def decisions(self) -> list[tuple[int, bool]]: ...


class CurationRepository(Protocol):
    """A story as editors curate it: its articles, corrections, pins, the issues that used it."""

    def story_articles(self, story_id: int) -> list[StoryArticle]: ...
    def story_uses(self, story_id: int) -> list[StoryUse]: ...
    def classify_inputs(self, article_ids: Sequence[int]) -> list[ClassifyInput]: ...
    def correct_articles(self, article_ids: Sequence[int], field: str, value: str, actor: str) -> int: ...
    def corrections(self, article_ids: Sequence[int]) -> dict[int, dict[str, Correction]]: ...
    def pin_story(self, story_id: int, publication: Publication, actor: str) -> StoryPin: ...
    def unpin_story(self, story_id: int, publication: Publication) -> bool: ...
    def story_pins(
        self, story_id: int | None = None, *, publication: Publication | None = None, waiting: bool = False
    ) -> list[StoryPin]: ...
    def add_issue_item(self, issue_id: int, item: NewItem, actor: str) -> int: ...


class RunRepository(Protocol):
    """A run's start and end, and the lock that keeps a second one of the same kind from starting."""

    def start_run(self, kind: str) -> int: ...
    def resume_run(self, kind: str, summary: dict[str, object]) -> tuple[int, datetime]: ...
    def finish_run(self, run_id: int, status: str, summary: dict[str, object]) -> bool: ...
    def run_lock(self, name: str) -> AbstractContextManager[None]: ...
    def collect_tally(self, since: datetime, source_ids: Sequence[str]) -> dict[str, object]: ...


# Intersections, for the stage functions that need more than one aggregate.
class CollectorStore(SourceRepository, ArticleRepository, Protocol):
    """What the collector reads and writes: sources and their articles."""


class CollectRunStore(CollectorStore, RunRepository, Protocol):
    """A whole collect run: the collector's store plus the run's bookkeeping."""

    def mark_interrupted_runs(self, kinds: Sequence[str]) -> list[RunRecord]: ...


class ClassifyStore(StoryRepository, SearchStore, CurationRepository, RunRepository, Protocol):
    """The classifier saves its verdicts, then brings the watch's search index up to date; a
    reclassification of everything is a run, taken up again after a kill."""


class AddArticleStore(AdditionRepository, StoryRepository, SearchStore, CurationRepository, Protocol):
    """Adding an article: store it, classify it, group it; and check who adds it."""

    def user(self, name: str) -> User | None: ...


class StoryListing(ArticleRepository, StoryRepository, Protocol):
    """Stories as shown: their articles, grouped, with news-search sources told apart."""

    def news_search_sources(self) -> set[str]: ...
