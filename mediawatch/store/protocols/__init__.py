"""What the stages may ask of the store: one Protocol per aggregate.

Stages are typed against these, never against the concrete ``Store``, so a stage states which part of the
database it touches and a test double or another backend only has to provide that part. ``Store`` satisfies
every one of them (checked by mypy in ``tests/test_store_protocols.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediawatch.store.protocols.articles import (
    GROUPING_LOCK_WAIT_S,
    AddArticleStore,
    AdditionRepository,
    ArticleRepository,
    ClassifyStore,
    CollectorStore,
    CollectRunStore,
    CurationRepository,
    RunRepository,
    SourceRepository,
    StoryListing,
    StoryRepository,
)
from mediawatch.store.protocols.editorial import (
    BounceStore,
    ComposeStore,
    DecidingStore,
    EditionRepository,
    EditorialStore,
    IssueReader,
    IssueRepository,
    OutboxRepository,
    PreviewStore,
    ReportingRepository,
    ReportStore,
    ReviewRepository,
    ReviewStore,
    RunLock,
    SendStore,
    SocialStore,
    SubscriberRepository,
    TranslationCacheRepository,
    TranslationStore,
    UserRepository,
)
from mediawatch.store.protocols.watch import (
    SubmissionRepository,
    SubmissionStore,
    WatchRepository,
)

__all__ = [
    "GROUPING_LOCK_WAIT_S",
    "AddArticleStore",
    "AdditionRepository",
    "ArticleRepository",
    "BounceStore",
    "ClassifyStore",
    "CollectRunStore",
    "CollectorStore",
    "ComposeStore",
    "CurationRepository",
    "DecidingStore",
    "EditionRepository",
    "EditorialStore",
    "IssueReader",
    "IssueRepository",
    "OutboxRepository",
    "PreviewStore",
    "ReportStore",
    "ReportingRepository",
    "ReviewRepository",
    "ReviewStore",
    "RunLock",
    "RunRepository",
    "SendStore",
    "SocialStore",
    "SourceRepository",
    "StoryListing",
    "StoryRepository",
    "SubmissionRepository",
    "SubmissionStore",
    "SubscriberRepository",
    "TranslationCacheRepository",
    "TranslationStore",
    "UserRepository",
    "WatchRepository",
]

if TYPE_CHECKING:
    from mediawatch.store.store import Store


def _store_provides_them(
    store: Store,
) -> tuple[
    RunLock,
    IssueRepository,
    EditionRepository,
    TranslationCacheRepository,
    ReviewRepository,
    UserRepository,
    SubscriberRepository,
    OutboxRepository,
    ReportingRepository,
    EditorialStore,
    DecidingStore,
    ComposeStore,
    SocialStore,
    ReportStore,
    ReviewStore,
    TranslationStore,
    PreviewStore,
    BounceStore,
    SendStore,
    WatchRepository,
    SubmissionStore,
]:
    """Never called: ``mypy`` checks here, with the package, that ``Store`` provides every Protocol above."""
    return (
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
        store,
    )
