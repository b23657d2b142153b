"""Regional correspondents' items: sent in (a URL, or a title and text), made into an article at once, and
looked at by an editor in the queue (accepted or dismissed).

The article is made in the same request that stores the item, through :func:`mediawatch.watch.add.add_url`
or :func:`~mediawatch.watch.add.add_manual`: every rule of the collector applies (address policy,
robots.txt, politeness, size limits, deduplication), and the item is classified and in the watch within
seconds, added by the correspondent. The item is stored first, so a failed fetch is recorded on it
(status ``failed``, the reason in its detail) and shown to the correspondent; nothing they sent is lost.
See docs/design.md, "Correspondents' items".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mediawatch.classify.pipeline import Classifier
from mediawatch.collect.labels import reader_detail
from mediawatch.collect.netguard import AddressPolicy
from mediawatch.config import Settings
from mediawatch.errors import ConflictError, FieldError, MediawatchError, Refused
from mediawatch.i18n import Message, number, t, ui_language
from mediawatch.store.protocols import SubmissionStore
from mediawatch.store.submissions import NewSubmission, Submission, SubmissionStatus
from mediawatch.types import Region
from mediawatch.watch.add import AddResult, AddStatus, ManualItem, add_manual, add_url
from mediawatch.watch.add_fields import (  # the limits are the additions' (re-exported for the web form)
    ADDABLE_LANGUAGES,
    FIELD_KEYS,
    MAX_NOTE,
    MAX_OUTLET,
    MAX_SUMMARY,
    MAX_TITLE,
    SENDER_ROLES,
    check_adder,
    check_url_syntax,
    raise_if,
)
from mediawatch.watch.add_result import REASON_KEYS

__all__ = [
    "MAX_NOTE", "MAX_OUTLET", "MAX_REASON", "MAX_TEXT", "MAX_TITLE", "MAX_URL", "SentItem", "clean_text",
    "failure_text", "resume_received", "review", "send_item", "validate",
]  # fmt: skip

logger = logging.getLogger(__name__)

MAX_URL = 2000
# The reason stored on an item whose article could not be made because of a bug (see _make_article).
INTERNAL_ERROR = "internal-error"
MAX_TEXT = MAX_SUMMARY  # the text becomes the article's summary
MAX_REASON = MAX_NOTE

# Control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and the others only
# ever come from a paste gone wrong. Bidirectional marks (RTL text) are kept: they are part of the words.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class SentItem:
    """What a correspondent typed into the form (or a script passed), as typed."""

    url: str = ""
    title: str = ""
    text: str = ""
    language: str = ""
    region: str = ""
    note: str = ""
    outlet: str = ""  # where a text item appeared (a paper, a radio); their own name when empty


def clean_text(value: str) -> str:
    """Typed text fit to store: NFC, no control characters, Windows line ends unified, trimmed."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


# Fields the watch's additions do not have.
FIELD_KEY_EXTRA = {"text": "correspondents.in_problem.text", "reason": "correspondents.in_problem.reason"}
_FIELD_KEYS = {**FIELD_KEYS, **FIELD_KEY_EXTRA}


def _problem(problems: dict[str, str], name: str, lang: str, key: str, **fields: object) -> None:
    problems[name] = t(key, lang, **fields)  # the reason alone: raise_if names the field


def _too_long(problems: dict[str, str], name: str, value: str, limit: int, lang: str) -> None:
    if len(value) > limit:
        _problem(problems, name, lang, "add.too_long", limit=number(limit, lang))


def validate(item: SentItem, lang: str | None = None) -> SentItem:
    """The item cleaned, or :class:`FieldError` naming each bad field (in ``lang``) and why."""
    lang = ui_language(lang)
    problems: dict[str, str] = {}
    url, title, text = clean_text(item.url), " ".join(clean_text(item.title).split()), clean_text(item.text)
    note, outlet = clean_text(item.note), " ".join(clean_text(item.outlet).split())
    language, region = clean_text(item.language).lower(), clean_text(item.region).lower()
    if url:
        if len(url) > MAX_URL:
            _problem(problems, "url", lang, "add.too_long", limit=number(MAX_URL, lang))
        else:
            url = check_url_syntax(problems, url, lang)
    elif not title and not text:
        _problem(problems, "url", lang, "correspondents.url_or_text")
    else:
        if not title:
            _problem(problems, "title", lang, "add.empty")
        if not text:
            _problem(problems, "text", lang, "add.empty")
        if not language:
            _problem(problems, "language", lang, "correspondents.choose_language")
    _too_long(problems, "title", title, MAX_TITLE, lang)
    _too_long(problems, "text", text, MAX_TEXT, lang)
    _too_long(problems, "note", note, MAX_NOTE, lang)
    _too_long(problems, "outlet", outlet, MAX_OUTLET, lang)
    if language and language not in ADDABLE_LANGUAGES:
        _problem(problems, "language", lang, "correspondents.unknown_choice")
    if region and region not in {r.value for r in Region}:
        _problem(problems, "region", lang, "correspondents.unknown_choice")
    raise_if(problems, lang, _FIELD_KEYS)
    return SentItem(url, title, text, language, region, note, outlet)


def send_item(
    store: SubmissionStore,
    settings: Settings,
    item: SentItem,
    *,
    author: str,
    lang: str | None = None,
    classifier: Classifier | None = None,
    address_policy: AddressPolicy | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Submission:
    """Store what ``author`` sent, then make its article; the submission says how that went."""
    lang = ui_language(lang)
    clean = validate(item, lang)
    check_adder(store, author, lang, SENDER_ROLES)  # before anything is stored
    moment = now()
    sent = store.add_submission(
        NewSubmission(
            author=author, url=clean.url, title=clean.title, text=clean.text, language=clean.language,
            region=clean.region, note=clean.note,
        ),
        moment,
    )  # fmt: skip
    return _make_article(
        store, settings, sent, clean, lang=lang, classifier=classifier, address_policy=address_policy,
        moment=moment,
    )  # fmt: skip


def _make_article(
    store: SubmissionStore,
    settings: Settings,
    sent: Submission,
    clean: SentItem,
    *,
    lang: str,
    classifier: Classifier | None,
    address_policy: AddressPolicy | None,
    moment: datetime,
) -> Submission:
    author = sent.author
    try:
        if clean.url:
            result = add_url(
                store, settings, clean.url, added_by=author, language=clean.language or None,
                region=clean.region or None, note=clean.note, lang=lang, classifier=classifier,
                address_policy=address_policy, now=lambda: moment, roles=SENDER_ROLES,
            )  # fmt: skip
        else:
            manual = ManualItem(
                title=clean.title, outlet=clean.outlet or author, date=moment.date().isoformat(),
                language=clean.language, summary=clean.text,
            )  # fmt: skip
            result = add_manual(
                store, settings, manual, added_by=author, region=clean.region or None, note=clean.note,
                lang=lang, classifier=classifier, now=lambda: moment, roles=SENDER_ROLES,
            )  # fmt: skip
    except FieldError as exc:
        return store.settle_submission(
            sent.id, status=SubmissionStatus.FAILED, article_id=None, detail=str(exc)[:2000]
        )
    except MediawatchError as exc:  # the item stays with its reason; the correspondent sees it
        detail = f"{type(exc).__name__}: {exc}"[:2000]
        return store.settle_submission(
            sent.id, status=SubmissionStatus.FAILED, article_id=None, detail=detail
        )
    except Exception as exc:
        # A bug, not a refusal: still settled (a "received" item would wait in the queue for ever and be
        # tried again every night), then raised for the log. The detail is the reason code and the type.
        logger.exception("submission %s: making its article failed unexpectedly", sent.id)
        store.settle_submission(
            sent.id, status=SubmissionStatus.FAILED, article_id=None,
            detail=f"{INTERNAL_ERROR}: {type(exc).__name__}",
        )  # fmt: skip
        raise
    return _settle(store, sent.id, result)


RESUME_AFTER = timedelta(minutes=10)  # far beyond a fetch's time limit: an item this old is not in flight


def resume_received(
    store: SubmissionStore,
    settings: Settings,
    *,
    lang: str | None = None,
    classifier: Classifier | None = None,
    address_policy: AddressPolicy | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    older_than: timedelta = RESUME_AFTER,
) -> list[Submission]:
    """Make the article of every item still ``received`` long after it was sent: the process that stored
    it died before settling it (a crash, kill -9, a restart). Adding is idempotent (an article already
    made is found again by its URL or title), so an item is never added twice. The nightly run calls it."""
    lang = ui_language(lang)
    cutoff = now() - older_than
    done: list[Submission] = []
    unexpected: Exception | None = None
    for sent in store.list_submissions(status=SubmissionStatus.RECEIVED):
        if sent.submitted_at > cutoff:
            continue
        item = SentItem(
            url=sent.url, title=sent.title, text=sent.text, language=sent.language, region=sent.region,
            note=sent.note,
        )  # fmt: skip
        author = store.user(sent.author)
        try:
            made = _make_article(
                # a refusal is stored in words (a field's problem): the sender's, who reads it
                store, settings, sent, item, lang=author.language if author else lang, classifier=classifier,
                address_policy=address_policy, moment=sent.submitted_at,
            )  # fmt: skip
        except Exception as exc:  # settled and logged by _make_article: the other items still go through
            unexpected = unexpected or exc
            continue
        done.append(made)
    if unexpected is not None:
        raise unexpected
    return done


def _settle(store: SubmissionStore, submission_id: int, result: AddResult) -> Submission:
    if result.status is AddStatus.REFUSED:
        # Stored in the collector's words (a reason code, then the detail): said in the reader's language
        # when shown (failure_text).
        cause = getattr(result.cause, "detail", "") or (str(result.cause) if result.cause else "")
        detail = f"{result.reason}: {cause}"[:2000]
        return store.settle_submission(
            submission_id, status=SubmissionStatus.FAILED, article_id=None, detail=detail
        )
    return store.settle_submission(submission_id, status=SubmissionStatus.ADDED, article_id=result.article_id)


def failure_text(detail: str, lang: str) -> str:
    """A failed item's detail in ``lang``: the collector's reason in words, then what the site said."""
    code, _, rest = detail.partition(": ")
    if code == INTERNAL_ERROR:
        return t("correspondents.failed_internal", lang)
    if code in REASON_KEYS:
        said = reader_detail(rest, lang)
        if not said:
            return t(REASON_KEYS[code], lang)
        return t("correspondents.failed_because", lang, why=t(REASON_KEYS[code], lang), detail=said)
    return detail


def review(
    store: SubmissionStore,
    submission_id: int,
    *,
    actor: str,
    accepted: bool,
    reason: str = "",
    lang: str | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Submission:
    """Accept (an accepting editor decision on its article) or dismiss an item of the queue.

    Refused when someone else reviewed it first; FieldError for a reason too long. Who may do it is the
    caller's check (the web app's and the CLI's roles)."""
    lang = ui_language(lang)
    why = clean_text(reason)
    if len(why) > MAX_REASON:
        problems: dict[str, str] = {}
        _problem(problems, "reason", lang, "add.too_long", limit=number(MAX_REASON, lang))
        raise_if(problems, lang, _FIELD_KEYS)
    try:
        return store.review_submission(submission_id, actor=actor, at=now(), accepted=accepted, reason=why)
    except ConflictError:
        found = store.submission(submission_id)
        if found is None:
            raise Refused(Message("correspondents.no_such_item", id=submission_id)) from None
        raise Refused(Message("correspondents.already_reviewed", by=found.reviewed_by or "-")) from None
