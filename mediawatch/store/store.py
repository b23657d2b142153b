"""The front object: one ``Store`` over one database, composed of one repository mixin per aggregate.

Every repository is a ``Database`` subclass (the core: engine, transactions, locks, ids, driver errors);
the stages are typed against the Protocols in ``mediawatch.store.protocols``, not against ``Store``.
"""

from __future__ import annotations

from mediawatch.store import schema_watch as _schema_watch  # noqa: F401  (adds the watch tables to the metadata)
from mediawatch.store.additions import AdditionRecords
from mediawatch.store.articles import ArticleRecords, NewEntry, PageOutcome, PendingArticle
from mediawatch.store.curation import CurationRecords
from mediawatch.store.editions import EditionRecords, TranslationCacheRecords
from mediawatch.store.issues import IssueRecords
from mediawatch.store.outbox import OutboxRecords
from mediawatch.store.reporting import ReportRecords
from mediawatch.store.review import ReviewRecords
from mediawatch.store.runs import RunRecords
from mediawatch.store.search import SearchRecords
from mediawatch.store.sources import SourceRecords
from mediawatch.store.stories import StoryRecords
from mediawatch.store.submissions import SubmissionRecords
from mediawatch.store.subscribers import SubscriberRecords
from mediawatch.store.users import UserRecords
from mediawatch.store.watches import WatchRecords

__all__ = ["NewEntry", "PageOutcome", "PendingArticle", "Store", "open_store"]


class Store(
    SourceRecords,
    ArticleRecords,
    AdditionRecords,
    StoryRecords,
    RunRecords,
    IssueRecords,
    EditionRecords,
    TranslationCacheRecords,
    ReviewRecords,
    UserRecords,
    SubscriberRecords,
    OutboxRecords,
    ReportRecords,
    SearchRecords,
    CurationRecords,
    WatchRecords,
    SubmissionRecords,
):
    """Front object over one database (SQLite file or PostgreSQL)."""


def open_store(url: str) -> Store:
    """Open (creating and migrating as needed) the database at an SQLAlchemy URL."""
    return Store(url)
