"""Add an article the feeds did not bring: by URL (fetched and extracted under the collector's rules), or
by hand (a print, radio or TV item: title, outlet, date, language, summary, optional URL).

Either way the article is deduplicated against what is stored (URL identity, title key), classified with
the person's language and region taking the place of the detected ones, and grouped into a story through
the normal grouping path, so it appears wherever collected articles do. The functions return an
:class:`AddResult` (added / already known / refused) and raise :class:`FieldError` for bad input; both
carry text in the person's language, so the CLI and a web form call them the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import os
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from mediawatch.classify.grouping import group_stories
from mediawatch.classify.pipeline import Classifier, classify_corrected, load_classifier
from mediawatch.collect.dates import reconcile_dates
from mediawatch.collect.http import Fetcher, FetchResult
from mediawatch.collect.labels import reader_detail
from mediawatch.collect.netguard import AddressPolicy, check_url, policy_for
from mediawatch.collect.pipeline import PAGE_ACCEPT, consistent_canonical
from mediawatch.collect.politeness import HostPacer
from mediawatch.collect.robots import RobotsCache
from mediawatch.collect.urls import date_from_url
from mediawatch.collect.workers import ExtractionPool, extract_in_worker
from mediawatch.config import Settings
from mediawatch.errors import ExtractError, FetchError, FieldError, LockedError, MediawatchError
from mediawatch.i18n import ARTICLE_LANGUAGES, number, t, ui_language, unknown_article_language
from mediawatch.identity import canonical_url, host_problem
from mediawatch.store.additions import AddedArticle, AddOrigin
from mediawatch.store.protocols import AddArticleStore
from mediawatch.types import (
    Classification,
    ClassifyInput,
    Extracted,
    FetchStatus,
    PartialReason,
    Region,
    Role,
)

MAX_TITLE = 500
MAX_OUTLET = 200
MAX_SUMMARY = 5000
MAX_NOTE = 2000
# A date typed before this is a slip of the keyboard (1850, 0224), not an item of the watch: refused with a
# message naming the date field rather than stored where no period or listing would ever show it.
EARLIEST_DATE = datetime(1900, 1, 1, tzinfo=UTC)
ROBOTS_MAX_BYTES = 512 * 1024
# How long an addition waits for a story grouping under way (the nightly's, a worker's) before leaving its
# article to the next grouping: a person is waiting, and the web server ends a request after 120 s.
ADD_GROUPING_WAIT_S = 20.0


class AddStatus(enum.StrEnum):
    ADDED = "added"
    KNOWN = "already-known"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class AddResult:
    """What became of an addition: the article and its story, or why the page was refused."""

    status: AddStatus
    article_id: int | None = None
    story_id: int | None = None
    title: str = ""
    reason: str = ""  # refused: a FetchStatus value, or "not-html" / "extraction-failed"
    cause: MediawatchError | None = None  # refused: the FetchError or ExtractError
    url: str = ""  # refused: the address as given
    # added while another grouping held the lock: no story yet, the next grouping gives it one
    grouping_pending: bool = False

    def message(self, lang: str | None = None) -> str:
        """One readable line in ``lang``."""
        lang = ui_language(lang)
        story = self.story_id if self.story_id is not None else "-"
        if self.status is AddStatus.ADDED and self.grouping_pending:
            return t("add.added_ungrouped", lang, id=self.article_id, title=self.title)
        if self.status is AddStatus.ADDED:
            return t("add.added", lang, id=self.article_id, story=story, title=self.title)
        if self.status is AddStatus.KNOWN:
            return t("add.known", lang, id=self.article_id, story=story, title=self.title)
        return refusal_message(self.url, self.reason, self.cause, lang)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "article_id": self.article_id,
            "story_id": self.story_id,
            "title": self.title,
            "reason": self.reason,
            "detail": str(self.cause) if self.cause else "",
            "url": self.url,
            "grouping_pending": self.grouping_pending,
        }


@dataclass(frozen=True, slots=True)
class ManualItem:
    """An item typed by a person, as typed: :func:`add_manual` validates it."""

    title: str
    outlet: str
    date: str  # 2024-05-01, or an ISO datetime
    language: str
    summary: str = ""
    url: str = ""


def refusal_message(url: str, reason: str, cause: BaseException | None, lang: str) -> str:
    detail = reader_detail(getattr(cause, "detail", "") or (str(cause) if cause else ""), lang)
    why = reason_text(reason, lang)
    if not detail:
        return t("add.refused_plain", lang, url=url, why=why)
    return t("add.refused", lang, url=url, why=why, detail=detail)


def reason_text(reason: str, lang: str) -> str:
    """A collector's reason code ("not-a-feed") in the reader's words; an unknown code as itself."""
    return t(REASON_KEYS[reason], lang) if reason in REASON_KEYS else reason


# Every reason a refusal may give, and its explanation (literal keys, so the i18n tests see them).
REASON_KEYS = {
    "http-4xx": "add.reason.http-4xx",
    "http-5xx": "add.reason.http-5xx",
    "rate-limited": "add.reason.rate-limited",
    "timeout": "add.reason.timeout",
    "dns": "add.reason.dns",
    "tls": "add.reason.tls",
    "connection": "add.reason.connection",
    "blocked-by-bot-protection": "add.reason.blocked-by-bot-protection",
    "too-large": "add.reason.too-large",
    "redirect-loop": "add.reason.redirect-loop",
    "private-address": "add.reason.private-address",
    "robots-disallowed": "add.reason.robots-disallowed",
    "parse-error": "add.reason.parse-error",
    "not-a-feed": "add.reason.not-a-feed",
    "not-html": "add.reason.not-html",
    "extraction-failed": "add.reason.extraction-failed",
}

# The fields a person fills in, named in their language.
FIELD_KEYS = {
    "title": "add.field.title",
    "outlet": "add.field.outlet",
    "date": "add.field.date",
    "language": "add.field.language",
    "summary": "add.field.summary",
    "url": "add.field.url",
    "as": "add.field.as",
    "note": "add.field.note",
    "region": "add.field.region",
}

# Who may add an article: the roles with the review's "edit" permission, as /watch/add requires (this layer
# sits below mediawatch.review, so the roles are named here; a test keeps both lists equal). A
# correspondent's item comes in through mediawatch.watch.submissions, which passes SENDER_ROLES.
ADDER_ROLES = frozenset({Role.EDITOR, Role.APPROVER, Role.ADMIN})
SENDER_ROLES = ADDER_ROLES | {Role.CORRESPONDENT}
_ROLE_KEYS = {
    Role.VIEWER: "review.role.viewer",
    Role.EDITOR: "review.role.editor",
    Role.APPROVER: "review.role.approver",
    Role.ADMIN: "review.role.admin",
    Role.CORRESPONDENT: "correspondents.role.correspondent",
}

# The languages a person may give (the classifier decides among them), named by language_name.
ADDABLE_LANGUAGES = ARTICLE_LANGUAGES


# -- validation (pure) ----------------------------------------------------------------------------
def _problem(problems: dict[str, str], name: str, key: str, lang: str, **fields: object) -> None:
    problems[name] = t(
        "add.field_problem", lang, field=t(FIELD_KEYS[name], lang), problem=t(key, lang, **fields)
    )


def _shown(value: str, limit: int = 80) -> str:
    """What a person typed, as echoed in a message: on one line and cut, whatever they pasted."""
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _raise_if(problems: dict[str, str], lang: str) -> None:
    if problems:
        raise FieldError(problems, t("common.list_separator", lang).join(problems.values()))


def language_problem(value: str, lang: str) -> str | None:
    return unknown_article_language(value, lang)


def check_language(problems: dict[str, str], value: str | None, lang: str) -> str | None:
    if value is None or value == "":
        return None
    why = language_problem(value, lang)
    if why is not None:
        problems["language"] = t(
            "add.field_problem", lang, field=t(FIELD_KEYS["language"], lang), problem=why
        )
        return None
    return value.strip().lower()


def check_region(problems: dict[str, str], value: str | None, lang: str) -> Region | None:
    if not value:
        return None
    try:
        return Region(value.strip().lower())
    except ValueError:
        known = ", ".join(r.value for r in Region)
        _problem(problems, "region", "add.bad_region", lang, value=_shown(value), known=known)
        return None


def parse_date(value: str) -> datetime | None:
    """2024-05-01 (midnight UTC) or an ISO datetime (UTC when it names no offset); None if neither."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_url_syntax(problems: dict[str, str], url: str, lang: str) -> str:
    """The URL stripped, or "" with a problem recorded: only http(s) with a host is fetched or kept."""
    text = url.strip()
    if not text:
        _problem(problems, "url", "add.empty", lang)
        return ""
    try:
        check_url(text, policy_for(True))  # syntax and scheme only: addresses are judged when fetching
    except FetchError:
        host = _malformed_host(text)
        if host:
            _problem(problems, "url", "add.bad_host", lang, value=_shown(url), host=_shown(host))
        else:
            _problem(problems, "url", "add.bad_url", lang, value=_shown(url))
        return ""
    return text


def _malformed_host(url: str) -> str:
    """The host of ``url`` when it is there but no host name at all (``www..example.org``), else ""."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host if host and host_problem(host) else ""


@dataclass(frozen=True, slots=True)
class _Manual:
    title: str
    outlet: str
    published: datetime
    language: str
    summary: str
    url: str


def validate_manual(item: ManualItem, lang: str | None = None, now: datetime | None = None) -> _Manual:
    """The item cleaned, or :class:`FieldError` naming every bad field in ``lang``."""
    lang = ui_language(lang)
    now = now or datetime.now(UTC)
    problems: dict[str, str] = {}
    title = " ".join(item.title.split())
    if not title:
        _problem(problems, "title", "add.empty", lang)
    elif len(title) > MAX_TITLE:
        _problem(problems, "title", "add.too_long", lang, limit=number(MAX_TITLE, lang))
    outlet = " ".join(item.outlet.split())
    if not outlet:
        _problem(problems, "outlet", "add.empty", lang)
    elif len(outlet) > MAX_OUTLET:
        _problem(problems, "outlet", "add.too_long", lang, limit=number(MAX_OUTLET, lang))
    published = parse_date(item.date) if item.date.strip() else None
    if not item.date.strip():
        _problem(problems, "date", "add.empty", lang)
    elif published is None:
        _problem(problems, "date", "add.bad_date", lang, value=_shown(item.date))
    elif published > now + timedelta(days=1):
        _problem(problems, "date", "add.future_date", lang, value=_shown(item.date))
    elif published < EARLIEST_DATE:
        earliest = EARLIEST_DATE.date().isoformat()
        _problem(problems, "date", "add.too_old_date", lang, value=_shown(item.date), earliest=earliest)
    if not item.language.strip():
        _problem(problems, "language", "add.empty", lang)
    language = check_language(problems, item.language, lang) or ""
    summary = item.summary.strip()
    if len(summary) > MAX_SUMMARY:
        _problem(problems, "summary", "add.too_long", lang, limit=number(MAX_SUMMARY, lang))
    url = check_url_syntax(problems, item.url, lang) if item.url.strip() else ""
    _raise_if(problems, lang)
    assert published is not None
    return _Manual(title, outlet, published, language, summary, url)


def check_adder(
    store: AddArticleStore, name: str, lang: str | None = None, roles: Collection[Role] = ADDER_ROLES
) -> None:
    """:class:`FieldError` unless ``name`` is a registered, enabled user whose role is one of ``roles``."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    _check_adder(problems, store, name, lang, roles)
    _raise_if(problems, lang)


def _check_adder(
    problems: dict[str, str], store: AddArticleStore, added_by: str, lang: str, roles: Collection[Role]
) -> None:
    name = added_by.strip()
    user = store.user(name) if name else None
    if not name:
        _problem(problems, "as", "add.empty", lang)
    elif user is None:
        _problem(problems, "as", "add.unknown_user", lang, user=_shown(name))
    elif not user.active:
        _problem(problems, "as", "add.disabled_user", lang, user=user.name)
    elif user.role not in roles:
        role = t(_ROLE_KEYS[user.role], lang)
        _problem(problems, "as", "add.role_not_allowed", lang, user=user.name, role=role)


def _check_common(
    store: AddArticleStore,
    added_by: str,
    note: str,
    problems: dict[str, str],
    lang: str,
    roles: Collection[Role],
) -> None:
    """The person adding, whoever calls (the CLI's ``--as``, a form, a correspondent's item), checked
    before any request: see :func:`check_adder`; and the note's length."""
    _check_adder(problems, store, added_by, lang, roles)
    if len(note) > MAX_NOTE:
        _problem(problems, "note", "add.too_long", lang, limit=number(MAX_NOTE, lang))


# -- by hand --------------------------------------------------------------------------------------
def add_manual(
    store: AddArticleStore,
    settings: Settings,
    item: ManualItem,
    *,
    added_by: str,
    region: str | None = None,
    note: str = "",
    lang: str | None = None,
    classifier: Classifier | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    roles: Collection[Role] = ADDER_ROLES,
) -> AddResult:
    """Store a print, radio or TV item typed by a person; the outlet is kept as the publisher.
    ``added_by`` must be an enabled user whose role is one of ``roles``."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    try:
        clean = validate_manual(item, lang, now())
    except FieldError as exc:
        problems.update(exc.problems)
        clean = None
    chosen_region = check_region(problems, region, lang)
    _check_common(store, added_by, note, problems, lang, roles)
    _raise_if(problems, lang)
    assert clean is not None
    corrections = {"language": clean.language}
    if chosen_region is not None:
        corrections["region"] = chosen_region.value
    article = AddedArticle(
        origin=AddOrigin.MANUAL,
        url=canonical_url(clean.url) if clean.url else "",
        aliases=[clean.url] if clean.url else [],
        title=clean.title,
        summary=clean.summary,
        sitename=clean.outlet,
        published=clean.published,
        date_source="editor",
        language=clean.language,
        added_by=added_by.strip(),
        note=note.strip(),
        corrections=corrections,
    )
    return _store_and_classify(store, settings, article, chosen_region, classifier, now())


# -- by URL ---------------------------------------------------------------------------------------
def add_url(
    store: AddArticleStore,
    settings: Settings,
    url: str,
    *,
    added_by: str,
    language: str | None = None,
    region: str | None = None,
    note: str = "",
    lang: str | None = None,
    classifier: Classifier | None = None,
    address_policy: AddressPolicy | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    roles: Collection[Role] = ADDER_ROLES,
) -> AddResult:
    """Fetch, extract, deduplicate, classify and group one page a person found. ``added_by`` must be an
    enabled user whose role is one of ``roles``."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    target = check_url_syntax(problems, url, lang)
    chosen_language = check_language(problems, language, lang)
    chosen_region = check_region(problems, region, lang)
    _check_common(store, added_by, note, problems, lang, roles)
    _raise_if(problems, lang)
    window = timedelta(hours=settings.title_dup_window_hours)
    known = store.known_article([target], "", None, window)
    if known is not None:  # no request at all for a page already stored
        return _known(store, settings, known, classifier)
    policy = address_policy or policy_for(settings.allow_private_addresses)
    try:
        final_url, extracted = asyncio.run(fetch_page(settings, target, policy))
    except FetchError as exc:
        return AddResult(AddStatus.REFUSED, reason=exc.status.value, cause=exc, url=target)
    except ExtractError as exc:
        reason = PartialReason.EXTRACTION_FAILED.value
        if str(exc).startswith(PartialReason.NOT_HTML.value):
            reason = PartialReason.NOT_HTML.value
        return AddResult(AddStatus.REFUSED, reason=reason, cause=exc, url=target)
    moment = now()
    canonical = consistent_canonical(canonical_url(final_url), extracted.canonical_url)
    stored_url = canonical or canonical_url(final_url)
    choice = reconcile_dates(None, extracted.date, date_from_url(stored_url), moment)
    corrections = {}
    if chosen_language:
        corrections["language"] = chosen_language
    if chosen_region is not None:
        corrections["region"] = chosen_region.value
    article = AddedArticle(
        origin=AddOrigin.URL,
        url=stored_url,
        aliases=[target, final_url, canonical],
        title=extracted.title,
        text=extracted.text,
        author=extracted.author,
        sitename=extracted.sitename or (urlsplit(stored_url).hostname or ""),
        published=choice.published,
        date_source=choice.source,
        language=chosen_language or extracted.language,
        partial_reason=extracted.partial_reason,
        # Stored data, in English like the collector's details: only part of the page was readable.
        partial_detail=f"{extracted.partial_reason.value}: kept what the page showed"
        if extracted.partial_reason
        else "",
        added_by=added_by.strip(),
        note=note.strip(),
        corrections=corrections,
    )
    return _store_and_classify(store, settings, article, chosen_region, classifier, moment, extracted)


async def fetch_page(settings: Settings, url: str, policy: AddressPolicy) -> tuple[str, Extracted]:
    """The page's final URL and what extraction found, under the collector's rules: the address policy,
    robots.txt, one request at a time per host, the page size limit, the timeouts and the extraction's
    CPU and time budgets. FetchError or ExtractError says why not."""
    check_url(url, policy)
    pacer = HostPacer(settings.per_host_delay, max_wait=settings.max_retry_after)
    async with Fetcher(settings, address_policy=policy, pace=pacer.turn) as fetcher:

        async def get(target: str, max_bytes: int, accept: str) -> FetchResult:
            await pacer.turn(target)
            return await fetcher.get(target, max_bytes=max_bytes, accept=accept)

        if settings.respect_robots:

            async def robots_get(target: str) -> tuple[int, bytes]:
                result = await get(target, ROBOTS_MAX_BYTES, "text/plain")
                return result.status, result.body

            if not await RobotsCache(robots_get, settings.user_agent).allowed(url):
                raise FetchError(url, FetchStatus.ROBOTS_DISALLOWED, "robots.txt disallows this page")
        result = await get(url, settings.max_page_bytes, PAGE_ACCEPT)
    extracted = await _extract(settings, result)
    if extracted.partial_reason is PartialReason.NOT_HTML:
        ctype = result.headers.get("content-type", "") or "?"
        raise ExtractError(f"{PartialReason.NOT_HTML.value}: Content-Type {ctype}")
    if not extracted.title and not extracted.text:
        raise ExtractError(f"{PartialReason.EXTRACTION_FAILED.value}: no title and no text found")
    return result.final_url, extracted


async def _extract(settings: Settings, result: FetchResult) -> Extracted:
    """In a worker process under the CPU and wall-time budgets, as the collector does; in a thread when
    the settings ask for a single worker (tests, small machines), as the collector does too."""
    args = (
        result.body,
        result.final_url,
        result.headers.get("content-type", ""),
        settings.extract_cpu_seconds,
    )
    if (settings.extract_workers or os.cpu_count() or 1) > 1:
        pool = ExtractionPool(1, timeout=settings.extract_timeout)
        try:
            return await pool.run(extract_in_worker, *args)
        finally:
            pool.shutdown()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediawatch-add") as thread:
        return await asyncio.get_running_loop().run_in_executor(thread, extract_in_worker, *args)


# -- shared ---------------------------------------------------------------------------------------
def _known(
    store: AddArticleStore, settings: Settings, article_id: int, classifier: Classifier | None
) -> AddResult:
    _classify_if_waiting(store, settings, article_id, classifier)
    story = store.story_of(article_id)
    return AddResult(
        AddStatus.KNOWN, article_id=article_id, story_id=story, title=_title_of(store, article_id)
    )


def _classify_if_waiting(
    store: AddArticleStore, settings: Settings, article_id: int, classifier: Classifier | None
) -> None:
    """A known article a feed brought in that no classify has reached yet (the night's runs later) is
    classified and grouped now, as a new one is: else the story page drawn next shows it with no language
    verdict, themes or regions, until the night and a reload. One already classified is left as it is."""
    if store.classification_of(article_id) is not None:
        return
    batch = store.classify_inputs([article_id])
    if not batch:  # its page not fetched yet: nothing to classify
        return
    classifier = classifier or load_classifier(settings)
    store.save_classifications(classify_corrected(store, classifier, batch))
    store.index_articles([article_id])
    with contextlib.suppress(LockedError):  # a long grouping under way: it, or the next one, places it
        group_stories(store, settings, wait=ADD_GROUPING_WAIT_S)


def _title_of(store: AddArticleStore, article_id: int) -> str:
    return store.article_title(article_id)


def _store_and_classify(
    store: AddArticleStore,
    settings: Settings,
    article: AddedArticle,
    region: Region | None,
    classifier: Classifier | None,
    now: datetime,
    extracted: Extracted | None = None,
) -> AddResult:
    window = timedelta(hours=settings.title_dup_window_hours)
    article_id, created = store.add_article(article, now, window)
    if not created:
        return _known(store, settings, article_id, classifier)
    item = ClassifyInput(
        id=str(article_id),
        title=article.title,
        summary=article.summary,
        text=article.text,
        url=article.url,
        page_language=extracted.language if extracted is not None else "",
        source_region=region.value if region is not None else "",
    )
    classifier = classifier or load_classifier(settings)
    chosen = article.corrections.get("language")
    verdict: Classification = classifier.classify(item, language=chosen, accepted=True)
    if region is not None:
        verdict = replace(verdict, regions=(region,))
    # kept as corrections too, so that a later re-classification (classify --all) keeps them
    store.correct_articles([article_id], "relevant", "true", article.added_by)
    if chosen:
        store.correct_articles([article_id], "language", json.dumps(chosen), article.added_by)
    if region is not None:
        store.correct_articles([article_id], "regions", json.dumps([region.value]), article.added_by)
    store.save_classifications([verdict])
    store.index_articles([article_id])  # searchable at once, not after the next classify run
    try:
        group_stories(store, settings, wait=ADD_GROUPING_WAIT_S)
    except LockedError:  # a long grouping under way: the article is kept, the next grouping places it
        return AddResult(AddStatus.ADDED, article_id=article_id, title=article.title, grouping_pending=True)
    return AddResult(
        AddStatus.ADDED, article_id=article_id, story_id=store.story_of(article_id), title=article.title
    )
