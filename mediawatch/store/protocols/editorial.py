"""The editorial part of the store: issues, editions, translations, review, users, subscribers, outbox,
reporting."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from mediawatch.store.issues import AuditEntry, NewItem
from mediawatch.store.outbox import DueMessage, OutboxCounts, OutboxSession, SendRecord
from mediawatch.store.protocols.articles import (
    ArticleRepository,
    CurationRepository,
    SourceRepository,
    StoryRepository,
)
from mediawatch.store.reporting import FetchRow, ReportArticle, RunRecord, SourceRow
from mediawatch.store.review import UnsureItem
from mediawatch.store.subscribers import NewConsent, Suppression
from mediawatch.types import (
    Block,
    BlockKind,
    Comment,
    ConsentRecord,
    EditionState,
    Issue,
    IssueContent,
    IssueState,
    ItemStatus,
    ItemText,
    OutboxMessage,
    Publication,
    Role,
    Subscriber,
    SubscriberStatus,
    TextOrigin,
    User,
)

# -- issues, editions, translations, review, users, subscribers, outbox, reporting ----------------
# One Protocol per repository mixin (tests/test_store_protocols_issues.py checks they list the same public
# methods), then the narrower and the combined views the stages are typed against.


class RunLock(Protocol):
    """The database core's lock: one holder per name, across processes (:meth:`Database.run_lock`)."""

    def run_lock(self, name: str, *, resource: str = "") -> AbstractContextManager[None]: ...


class IssueRepository(Protocol):
    """Issues, their editions' states and the audit log (:mod:`mediawatch.store.issues`)."""

    def list_issues(self, *, state: IssueState | None = None) -> list[Issue]: ...

    def find_issue(self, ref: str | int) -> Issue | None: ...

    def source_names(self) -> dict[str, str]: ...

    def news_search_sources(self) -> set[str]: ...

    def stories_already_published(self, publication: Publication) -> set[int]: ...

    def slug_taken(self, slug: str) -> bool: ...

    def issue_content(self, issue_id: int) -> IssueContent: ...

    def issue_contents(self, *, states: Collection[IssueState]) -> list[IssueContent]: ...

    def audit(self, issue_id: int | None = None) -> list[AuditEntry]: ...

    def audits(self, issue_ids: Collection[int]) -> dict[int, list[AuditEntry]]: ...

    def create_issue(
        self,
        *,
        slug: str,
        publication: Publication,
        title: str,
        period_from: datetime,
        period_to: datetime,
        languages: Sequence[str],
        sections: Sequence[str],
        items: Sequence[NewItem],
        warnings: Sequence[str] = (),
        actor: str = "",
        pins: Sequence[int] = (),
    ) -> int: ...

    def add_issue_warning(self, issue_id: int, warning: str) -> None: ...

    def set_issue_warnings(self, issue_id: int, warnings: Sequence[str]) -> None: ...

    def set_issue_title(self, issue_id: int, title: str, *, actor: str) -> bool: ...

    def set_edition_state(
        self,
        issue_id: int,
        language: str,
        state: EditionState,
        *,
        actor: str,
        note: str = "",
        fingerprint: str = "",
    ) -> None: ...

    def set_issue_state(
        self,
        issue_id: int,
        state: IssueState,
        *,
        actor: str,
        note: str = "",
        scheduled_for: datetime | None = None,
        expect: Sequence[IssueState] | None = None,
    ) -> bool: ...

    def log_event(
        self,
        issue_id: int | None,
        actor: str,
        action: str,
        *,
        language: str = "",
        target: str = "",
        before: str | None = None,
        after: str | None = None,
        detail: str = "",
    ) -> None: ...


class EditionRepository(Protocol):
    """Items, texts and blocks of the editions, and their translation (:mod:`mediawatch.store.editions`)."""

    def item_issue_id(self, item_id: int) -> int | None: ...

    def block(self, block_id: int) -> Block | None: ...

    def set_item_text(
        self,
        item_id: int,
        language: str,
        *,
        title: str | None = None,
        summary: str | None = None,
        actor: str,
        origin: TextOrigin = TextOrigin.HUMAN,
    ) -> None: ...

    def set_item_status(self, item_id: int, status: ItemStatus, *, actor: str, note: str = "") -> None: ...

    def move_item(self, item_id: int, *, position: int, section: str | None = None, actor: str) -> None: ...

    def add_block(
        self,
        issue_id: int,
        language: str,
        kind: BlockKind,
        *,
        title: str,
        body: str,
        link: str = "",
        actor: str,
        position: int | None = None,
    ) -> int: ...

    def update_block(
        self,
        block_id: int,
        *,
        actor: str,
        title: str | None = None,
        body: str | None = None,
        link: str | None = None,
        position: int | None = None,
    ) -> None: ...

    def delete_block(self, block_id: int, *, actor: str) -> None: ...

    def untranslated_texts(self, issue_id: int | None = None) -> list[tuple[int, str, ItemText, str]]: ...

    def fill_translation(
        self, item_id: int, language: str, *, title: str, summary: str, provider: str, actor: str
    ) -> bool: ...

    def mark_translation_failed(self, item_id: int, language: str, error: str) -> None: ...


class TranslationCacheRepository(Protocol):
    """Machine translations already paid for (:mod:`mediawatch.store.editions`)."""

    def cached_translation(self, source: str, target: str, key: str) -> str | None: ...

    def cache_translation(
        self, source: str, target: str, key: str, text: str, provider: str = ""
    ) -> None: ...


class ReviewRepository(Protocol):
    """Comments on items and the classifier's unsure articles (:mod:`mediawatch.store.review`)."""

    def add_comment(self, item_id: int, author: str, body: str) -> Comment | None: ...

    def comments(self, issue_id: int) -> list[Comment]: ...

    def unsure_items(self, *, limit: int = 200) -> list[UnsureItem]: ...


class UserRepository(Protocol):
    """Users, web sessions and login attempts (:mod:`mediawatch.store.users`)."""

    def add_user(self, name: str, role: Role, password_hash: str, language: str) -> User | None: ...

    def user(self, name: str) -> User | None: ...

    def user_by_id(self, user_id: int) -> User | None: ...

    def user_password_hash(self, name: str) -> tuple[User, str] | None: ...

    def list_users(self) -> list[User]: ...

    def update_user(
        self,
        name: str,
        *,
        password_hash: str | None = None,
        role: Role | None = None,
        language: str | None = None,
        active: bool | None = None,
        end_sessions: bool = True,
        email: str | None = None,
    ) -> User | None: ...

    def create_session(self, token_hash: str, user_id: int, expires_at: datetime) -> None: ...

    def session_user(self, token_hash: str, now: datetime) -> User | None: ...

    def delete_session(self, token_hash: str) -> None: ...

    def record_login_attempt(
        self, name: str, remote: str, success: bool, at: datetime | None = None
    ) -> None: ...

    def failed_logins(self, since: datetime, *, name: str, remote: str) -> tuple[int, int]: ...

    def login_failures(
        self, since: datetime, *, name: str | None = None, remote: str | None = None
    ) -> tuple[int, datetime | None]: ...

    def signed_in_from(self, name: str, remote: str, since: datetime) -> bool: ...


class SubscriberRepository(Protocol):
    """Subscribers, consent, suppression, bounce reports (:mod:`mediawatch.store.subscribers`)."""

    def find_subscriber(self, ref: int | str) -> Subscriber | None: ...

    def insert_subscriber(
        self,
        *,
        email: str,
        language: str,
        publications: Sequence[Publication],
        status: SubscriberStatus,
        consent: NewConsent,
        fallback: Sequence[str] = (),
    ) -> Subscriber | None: ...

    def update_subscriber(
        self,
        subscriber_id: int,
        *,
        consent: NewConsent,
        language: str | None = None,
        fallback: Sequence[str] | None = None,
        publications: Sequence[Publication] | None = None,
        status: SubscriberStatus | None = None,
        expect: Sequence[SubscriberStatus] | None = None,
    ) -> Subscriber | None: ...

    def mark_confirmation_sent(self, subscriber_id: int) -> None: ...

    def delete_subscriber(self, subscriber_id: int) -> bool: ...

    def iter_subscribers(
        self, *, status: SubscriberStatus | None = None, publication: Publication | None = None
    ) -> Iterator[Subscriber]: ...

    def subscriber_counts(self) -> dict[str, int]: ...

    def consent_count(self, since: datetime, *, ip: str, action: str, method: str) -> int: ...

    def consent_records(self, subscriber_id: int) -> list[ConsentRecord]: ...

    def subscriber_deliveries(self, subscriber_id: int) -> list[tuple[OutboxMessage, str]]: ...

    def suppress(self, email: str, reason: str, detail: str = "") -> bool: ...

    def suppression(self, email: str) -> Suppression | None: ...

    def record_bounce_report(self, report_key: str, kind: str, email: str, detail: str) -> bool: ...


class OutboxRepository(Protocol):
    """The outbox of each send (:mod:`mediawatch.store.outbox`)."""

    def send_record(self, issue_id: int) -> SendRecord | None: ...

    def build_outbox(
        self,
        issue_id: int,
        *,
        publication: Publication,
        languages: Sequence[str],
        message_id: Callable[[int, str], str],
        actor: str,
    ) -> SendRecord: ...

    def due_messages(self, issue_id: int, now: datetime, after_id: int = 0) -> list[DueMessage]: ...

    def outbox_counts(self, issue_id: int) -> OutboxCounts: ...

    def outbox_problems(self, issue_id: int, limit: int = 50) -> list[OutboxMessage]: ...

    def outbox_unconfirmed(self, issue_id: int, limit: int = 50) -> list[OutboxMessage]: ...

    def outbox_message(self, message_id: str) -> OutboxMessage | None: ...

    def recover_outbox(self, issue_id: int) -> int: ...

    def finish_send(self, issue_id: int) -> None: ...

    def outbox_session(self) -> AbstractContextManager[OutboxSession]: ...


class ReportingRepository(Protocol):
    """The dashboard report's reads and the runs' bookkeeping (:mod:`mediawatch.store.reporting`)."""

    def report_articles(self, period_from: datetime, period_to: datetime) -> list[ReportArticle]: ...

    def report_fetches(self, period_from: datetime, period_to: datetime) -> list[FetchRow]: ...

    def report_sources(self) -> list[SourceRow]: ...

    def pending_count(self) -> int: ...

    def recent_runs(self, kind: str, limit: int = 20) -> list[RunRecord]: ...

    def mark_interrupted_runs(self, kinds: Sequence[str]) -> list[RunRecord]: ...


class IssueReader(Protocol):
    """An issue and its content, read (rendering, looking up an issue a person named)."""

    def find_issue(self, ref: str | int) -> Issue | None: ...

    def issue_content(self, issue_id: int) -> IssueContent: ...


class EditorialStore(IssueRepository, EditionRepository, ReviewRepository, Protocol):
    """What editing an issue touches: the issue, its editions' content, comments."""


class DecidingStore(EditorialStore, StoryRepository, Protocol):
    """Editing, and the editor decisions the classifier learns from (accepting or rejecting an item)."""


class ComposeStore(
    IssueRepository,
    ArticleRepository,
    StoryRepository,
    TranslationCacheRepository,
    CurationRepository,
    Protocol,
):
    """What composing an issue reads and writes: relevant stories and their articles, the new issue, the
    translation cache."""


class SocialStore(CurationRepository, TranslationCacheRepository, IssueReader, Protocol):
    """What a story's social posts read: the story, its issues' texts, the translation cache."""


class ReportStore(ReportingRepository, SourceRepository, Protocol):
    """What the dashboard report reads: the period's rows and the sources' health."""


class ReviewStore(IssueRepository, UserRepository, Protocol):
    """What managing the review's users touches: users, and the audit log their changes go to."""


class TranslationStore(IssueRepository, EditionRepository, TranslationCacheRepository, Protocol):
    """What translating an issue's texts touches: the texts, the cache, the issue's warnings."""


class PreviewStore(IssueRepository, SubscriberRepository, Protocol):
    """What a preview of an edition touches: the issue, a subscriber to show it as, the audit log."""


class BounceStore(SubscriberRepository, OutboxRepository, Protocol):
    """What reading bounce reports touches: the message bounced, its subscriber, the suppression list."""


class SendStore(IssueRepository, SubscriberRepository, OutboxRepository, RunLock, Protocol):
    """What delivery touches: the issue, subscribers, the outbox, and the per-issue send lock."""
