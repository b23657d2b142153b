"""Public data types shared by every stage. Frozen dataclasses; datetimes are aware UTC."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class SourceKind(enum.StrEnum):
    RSS = "rss"
    ATOM = "atom"
    NEWS_SEARCH = "news-search"
    HTML = "html"


class OutletType(enum.StrEnum):
    PRESS = "press"
    INSTITUTIONAL = "institutional"
    SCIENTIFIC = "scientific"
    BLOG = "blog"


class Region(enum.StrEnum):
    AFRICA = "africa"
    ASIA = "asia"
    EUROPE = "europe"
    LATIN_AMERICA = "latin_america"
    NORTH_AMERICA = "north_america"
    OCEANIA = "oceania"
    MENA = "mena"
    GLOBAL = "global"


class FetchStatus(enum.StrEnum):
    """Outcome of one fetch, the vocabulary of source health."""

    OK = "ok"
    NOT_MODIFIED = "not-modified"
    HTTP_4XX = "http-4xx"
    HTTP_5XX = "http-5xx"
    RATE_LIMITED = "rate-limited"
    TIMEOUT = "timeout"
    DNS = "dns"
    TLS = "tls"
    CONNECTION = "connection"
    BLOCKED_BY_BOT_PROTECTION = "blocked-by-bot-protection"
    TOO_LARGE = "too-large"
    REDIRECT_LOOP = "redirect-loop"
    PRIVATE_ADDRESS = "private-address"
    ROBOTS_DISALLOWED = "robots-disallowed"
    PARSE_ERROR = "parse-error"
    EMPTY = "empty"
    NOT_A_FEED = "not-a-feed"
    SKIPPED_BACKOFF = "skipped-backoff"

    @property
    def is_failure(self) -> bool:
        return self not in _NON_FAILURES


_NON_FAILURES = frozenset({FetchStatus.OK, FetchStatus.NOT_MODIFIED, FetchStatus.SKIPPED_BACKOFF})


class HealthNote(enum.StrEnum):
    """A warning about a source's collection, as data: the health row carries its numbers (failures in a
    row, days without a new item) and the reader's words come from ``mediawatch.sources.health``."""

    VALIDATORS_UNRELIABLE = "validators-unreliable"  # answered 304 to changed content: polled in full
    FAILING = "failing"  # the last polls failed (consecutive_failures, last_status)
    STALE = "stale"  # no new item for stale_days days, past the threshold
    NEVER_COLLECTED = "never-collected"  # polled fine, but never gave an item


class ArticleState(enum.StrEnum):
    PENDING = "pending"  # discovered in a feed, page not fetched yet
    FETCHED = "fetched"  # full text extracted from the page
    PARTIAL = "partial"  # page unusable: feed summary kept, reason recorded


class PartialReason(enum.StrEnum):
    PAYWALL = "paywall"
    BLOCKED = "blocked"
    TOO_SHORT = "too-short"
    NOT_HTML = "not-html"
    FETCH_FAILED = "fetch-failed"
    ROBOTS = "robots-disallowed"
    PRIVATE_ADDRESS = "private-address"
    EXTRACTION_FAILED = "extraction-failed"


@dataclass(frozen=True, slots=True)
class Source:
    """One entry of the registry in feeds/*.toml."""

    id: str
    name: str
    url: str
    kind: SourceKind
    language: str  # declared language, ISO 639-1; evidence, not truth
    country: str = ""  # ISO 3166-1 alpha-2, or "" for international
    region: Region = Region.GLOBAL
    outlet_type: OutletType = OutletType.PRESS
    tags: tuple[str, ...] = ()
    enabled: bool = True
    verified: bool = False  # checked reachable by `sources check` on a machine with internet
    homepage: str = ""
    notes: str = ""
    file: str = ""  # registry file it was read from (not part of identity)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One item as parsed from a feed, before its page is fetched."""

    url: str  # canonicalised link
    raw_url: str
    title: str
    summary: str
    author: str
    published: datetime | None
    guid: str
    # The outlet that published it when the feed is not that outlet (a news-search feed's <source>).
    publisher: str = ""
    publisher_url: str = ""


@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction got out of one HTML page."""

    title: str
    text: str
    author: str
    date: datetime | None
    sitename: str
    language: str  # from the page's lang attribute / metadata, "" if unknown
    canonical_url: str  # rel=canonical or og:url, "" if absent
    partial_reason: PartialReason | None = None


@dataclass(frozen=True, slots=True)
class FetchEvent:
    source_id: str
    at: datetime
    status: FetchStatus
    http_status: int | None
    detail: str
    new_items: int
    duration_ms: int


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the collector remembers of one source between runs."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    polls_since_unconditional: int = 0
    validators_trusted: bool = True
    consecutive_failures: int = 0
    last_status: FetchStatus | None = None
    last_detail: str = ""
    last_fetch: datetime | None = None
    last_success: datetime | None = None
    last_new_item: datetime | None = None
    next_due: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceHealth:
    source_id: str
    name: str
    enabled: bool
    last_status: FetchStatus | None
    last_fetch: datetime | None
    last_success: datetime | None
    last_new_item: datetime | None
    consecutive_failures: int
    next_due: datetime | None
    stale_days: int | None  # days since last new item, None if never
    validators_trusted: bool
    notes: tuple[HealthNote, ...]
    events: tuple[FetchEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    url: str  # canonical URL, the article's identity
    state: ArticleState
    title: str
    text: str
    summary: str
    author: str
    sitename: str
    language: str  # best known so far (page lang / feed language); classification refines it
    published: datetime | None
    date_source: str  # "feed", "page", "url" or ""
    discovered: datetime
    partial_reason: PartialReason | None
    duplicate_of: int | None
    source_ids: tuple[str, ...] = field(default=())


# -- classification --------------------------------------------------------------------------------------
class Theme(enum.StrEnum):
    SCIENCE = "science"
    POLICY = "policy"
    FINANCE_MARKETS = "finance_markets"
    PRACTICES = "practices"
    FORESTRY_AGROFORESTRY = "forestry_agroforestry"
    MRV_MONITORING = "mrv_monitoring"
    EVENTS = "events"
    INITIATIVE_4P1000 = "initiative_4p1000"


@dataclass(frozen=True, slots=True)
class ClassifyInput:
    """What the classifier reads of an article; every field but id may be empty."""

    id: str
    title: str = ""
    summary: str = ""
    text: str = ""
    url: str = ""
    feed_language: str = ""  # declared by the source: evidence, not truth
    page_language: str = ""  # <html lang> of the page: evidence, not truth
    source_region: str = ""  # Region value of the source, "" if unknown


@dataclass(frozen=True, slots=True)
class TermMatch:
    """One taxonomy term found in one field, and what it contributed; or, concept and field MODEL_CONCEPT, a
    word that raised the learned model's score (only when the model tipped the verdict to relevant)."""

    term: str
    concept: str  # e.g. "soil_carbon", "theme:policy", "negative:carbon_fibre", "region:africa", "model"
    field: str  # "title", "summary" or "text"; "model" for the model's words
    weight: float


MODEL_CONCEPT = "model"  # concept and field of the learned model's words among matched_terms


@dataclass(frozen=True, slots=True)
class Classification:
    id: str
    language: str
    language_confidence: float
    relevant: bool
    relevance: float  # [0, 1]
    uncertain: bool  # close to the threshold: shown to editors as "the classifier was unsure"
    matched_terms: tuple[TermMatch, ...]
    themes: tuple[Theme, ...]
    regions: tuple[Region, ...]
    objectives: tuple[str, ...]  # the initiative's strategic objectives, e.g. "A5", "B2"
    version: str  # taxonomy/model fingerprint: a change means reclassify


# -- issues (compose, review, render, deliver) ------------------------------------------------------------
class Publication(enum.StrEnum):
    NEWSLETTER = "newsletter"
    PRESS_REVIEW = "press-review"


class IssueState(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


class EditionState(enum.StrEnum):
    """Each language edition is reviewed and approved on its own."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"


class TextOrigin(enum.StrEnum):
    """Provenance of an item's title or summary in one edition."""

    ORIGINAL = "original"  # the article's own words, already in the edition's language
    MACHINE = "machine"  # machine translation, not yet touched by an editor
    HUMAN = "human"  # written or changed by an editor
    UNTRANSLATED = "untranslated"  # another language's words kept (provider "none" or a failure)


class ItemStatus(enum.StrEnum):
    PROPOSED = "proposed"  # chosen by compose, not yet looked at
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # kept in the issue's data (and the audit log), never rendered


class BlockKind(enum.StrEnum):
    EDITORIAL = "editorial"
    SUCCESS_STORY = "success_story"
    KEY_FIGURE = "key_figure"
    PRACTICAL_SHEET = "practical_sheet"
    AGENDA = "agenda"
    PARTNER_NEWS = "partner_news"


@dataclass(frozen=True, slots=True)
class ItemText:
    """An item's title or summary as one edition shows it."""

    language: str  # the edition's language
    title: str
    summary: str
    origin: TextOrigin  # of the title and summary together: an edit to either makes both HUMAN
    source_language: str  # language the words were written in (badge when UNTRANSLATED)
    provider: str = ""  # translation provider, when MACHINE
    error: str = ""  # why a translation is missing, when UNTRANSLATED because of a failure
    updated_at: datetime | None = None
    updated_by: str = ""


@dataclass(frozen=True, slots=True)
class AlsoIn:
    """Another outlet that carried the same story."""

    outlet: str
    url: str
    language: str


@dataclass(frozen=True, slots=True)
class IssueItem:
    id: int
    issue_id: int
    story_id: int
    article_id: int  # the story's representative article
    section: str  # a Theme value, or "other"
    position: int  # order inside the section, from 0
    status: ItemStatus
    score: float  # compose's ranking score, kept for explanation
    url: str
    outlet: str
    published: datetime | None
    language: str  # the article's language
    regions: tuple[str, ...]
    also_in: tuple[AlsoIn, ...]
    texts: tuple[ItemText, ...]  # one per edition language
    sent_in_by: str = ""  # the correspondent whose submission brought the article in, credited in the edition

    def text(self, language: str) -> ItemText | None:
        return next((x for x in self.texts if x.language == language), None)


@dataclass(frozen=True, slots=True)
class Block:
    """An editor-written block of one edition (an editorial, a key figure, an agenda...)."""

    id: int
    issue_id: int
    language: str
    kind: BlockKind
    position: int
    title: str
    body: str  # plain text with blank-line paragraphs; rendered escaped
    link: str = ""  # optional "read more" URL (http/https only)
    updated_at: datetime | None = None
    updated_by: str = ""


@dataclass(frozen=True, slots=True)
class Edition:
    issue_id: int
    language: str
    state: EditionState
    approved_fingerprint: str = ""
    approved_by: str = ""
    approved_at: datetime | None = None
    note: str = ""  # why it is where it is ("edited after approval: ...")


@dataclass(frozen=True, slots=True)
class Issue:
    id: int
    slug: str  # unique, used in archive paths: issues/<year>/<slug>/<lang>.html
    publication: Publication
    title: str
    period_from: datetime
    period_to: datetime
    languages: tuple[str, ...]
    state: IssueState
    created_at: datetime
    created_by: str
    warnings: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()  # section order
    scheduled_for: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssueContent:
    """Everything rendering needs, read from the database in one go."""

    issue: Issue
    editions: tuple[Edition, ...]
    items: tuple[IssueItem, ...]  # every item, rejected ones included, in section then position order
    blocks: tuple[Block, ...]

    def visible_items(self) -> tuple[IssueItem, ...]:
        return tuple(i for i in self.items if i.status is not ItemStatus.REJECTED)

    def blocks_for(self, language: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.language == language)


# -- review (users of the web app and the CLI's --as) -----------------------------------------------------
class Role(enum.StrEnum):
    """What a user may do; from viewer to admin each role may do everything the one before it may.

    A correspondent stands outside that chain: they may only send items in and see their own.
    """

    VIEWER = "viewer"  # reads issues, previews and the audit log
    EDITOR = "editor"  # edits content, comments, submits for review
    APPROVER = "approver"  # approves or rejects editions, schedules, cancels
    ADMIN = "admin"  # all of the above (users are managed from the CLI)
    CORRESPONDENT = "correspondent"  # sends items from their region (/submit), sees only their own


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: Role
    language: str  # interface language: fr, en or es
    active: bool
    created_at: datetime
    email: str = ""  # where the user's saved watches send their digests ("": none)


@dataclass(frozen=True, slots=True)
class Comment:
    """A note an editor leaves on an item of an issue (never rendered)."""

    id: int
    issue_id: int
    item_id: int
    author: str
    body: str
    at: datetime


# -- deliver (subscribers, outbox) ------------------------------------------------------------------------
EDITION_FALLBACK = ("fr", "en", "es")  # after a subscriber's own languages, editions are tried in this order


class SubscriberStatus(enum.StrEnum):
    PENDING = "pending"  # subscribed, confirmation link not yet used
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"  # a hard bounce: never written to again
    COMPLAINED = "complained"  # marked as spam: never written to again


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One act of consent or of its withdrawal, as evidence: when, how, from where, which wording."""

    id: int
    subscriber_id: int
    at: datetime
    action: str  # subscribe, confirm, change, unsubscribe, resubscribe, import, bounce, complaint
    method: str  # web-form, confirm-page, preferences, one-click, mailto, cli, csv-import, bounce-report
    form: str = ""  # which form or command
    wording_version: str = ""  # version of the consent text shown
    ip: str = ""
    user_agent: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    language: str  # fr, en or es
    fallback: tuple[str, ...]  # further languages in order of preference
    publications: tuple[Publication, ...]
    status: SubscriberStatus
    created_at: datetime
    updated_at: datetime
    link_key: str  # random; signed links carry it, so they die with the subscriber
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    confirmation_sent_at: datetime | None = None

    def edition_language(self, available: tuple[str, ...] | list[str]) -> str | None:
        """The edition this subscriber reads: their language, their fallbacks, then fr, en, es."""
        candidates: tuple[str, ...] = (self.language, *self.fallback, *EDITION_FALLBACK, *available)
        for lang in candidates:
            if lang in available:
                return lang
        return None


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting (next_attempt_at says from when)
    DATA_SENT = "data_sent"  # the end of the message is on its way to the SMTP server, reply not yet seen
    SENT = "sent"  # final
    FAILED = "failed"  # final: 5xx, or 4xx until attempts ran out
    SKIPPED = "skipped"  # final: unsubscribed, bounced or deleted after the outbox was built


FINAL_OUTBOX_STATUSES = frozenset({OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.SKIPPED})


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    issue_id: int
    language: str
    subscriber_id: int | None
    recipient: str
    message_id: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None = None
    confirmed: bool = False  # the server's 250 after the end of data was seen
    last_code: int | None = None
    last_response: str = ""


# Row ids are PostgreSQL INTEGER, and SQLite refuses past 2**63: a larger number in an address, a form or a
# command names no row, and must not reach the database as an overflow.
MAX_ROW_ID = 2**31 - 1


def row_id(text: str) -> int | None:
    """The row id ``text`` names (ASCII digits, 1 to ``MAX_ROW_ID``), else None. ("²" is a digit to
    ``str.isdigit`` and not to ``int``.)"""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


# The days a person may name in a filter or a period: wider than any archive, narrow enough that adding a
# day or a time zone to one stays a date Python and both databases hold (year 1 and year 9999 do not).
FIRST_USABLE_DAY = date(1900, 1, 1)
LAST_USABLE_DAY = date(2999, 12, 31)


def usable_day(day: date) -> bool:
    """Whether ``day`` (or a datetime's day) is one a filter or a period may name."""
    return FIRST_USABLE_DAY <= (day.date() if isinstance(day, datetime) else day) <= LAST_USABLE_DAY


def in_period(when: datetime, start: datetime, end: datetime) -> bool:
    """Whether ``when`` falls in the period [start, end): the start is included, the end is not.

    Every period is half-open (compose, the nightly cadences, the report, the watches' date filters and
    their SQL twins ``>= start AND < end``), so consecutive periods share their boundary and an instant
    on it, such as an article dated at midnight, belongs to the later one only: never to both, never to
    neither.
    """
    return start <= when < end
