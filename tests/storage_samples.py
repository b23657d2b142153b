"""The storage contract's seeded database and its table of one sample call per public ``Store`` method
(``CASES``): read by ``tests/test_storage_contract.py``; a new repository method gets its line here."""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mediawatch.store import NewEntry, PageOutcome, Store
from mediawatch.store.additions import AddedArticle, AddOrigin
from mediawatch.store.issues import NewItem
from mediawatch.store.search import SearchFilters
from mediawatch.store.submissions import NewSubmission, SubmissionStatus
from mediawatch.store.watches import NewWatch, NewWatchMail
from mediawatch.types import (
    BlockKind,
    Classification,
    EditionState,
    Extracted,
    FetchEvent,
    FetchStatus,
    IssueState,
    ItemStatus,
    ItemText,
    OutboxStatus,
    Publication,
    Region,
    Role,
    Source,
    SourceKind,
    SourceState,
    SubscriberStatus,
    TermMatch,
    TextOrigin,
    Theme,
)
from mediawatch.watch.query import parse as parse_query

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
LATER = datetime(2100, 1, 1, tzinfo=UTC)
WINDOW = timedelta(hours=72)
# Short, since the lock is held for certain while a call waits: how long it waits changes no outcome.
LOCK_TIMEOUT = 0.1
# Found from the signature rather than imported: the repository modules are being reorganised, the
# method's parameter stays.
NewConsent = typing.get_type_hints(Store.insert_subscriber)["consent"]
PASSWORD = "s3cret-contract-pw"  # in the PostgreSQL URL (trust auth ignores it): never in a message
LIFECYCLE = {"close"}


# -- the seeded database ---------------------------------------------------------------------------------
def _source(sid: str, kind: SourceKind = SourceKind.RSS) -> Source:
    return Source(id=sid, name=sid.title(), url=f"https://{sid}.example/feed", kind=kind, language="fr")


def _entry(n: int) -> NewEntry:
    url = f"https://news.example/story/{n}"
    return NewEntry(
        url, url, f"Le carbone des sols, épisode {n}", "résumé", "", NOW - timedelta(hours=n), "fr"
    )


def _event(sid: str, new: int = 0) -> FetchEvent:
    return FetchEvent(sid, NOW, FetchStatus.OK, 200, "", new, 12)


def _page(n: int) -> PageOutcome:
    text = Extracted(
        title=f"Titre de la page {n}",
        text="Texte intégral. " * 40,
        author="A. Auteur",
        date=NOW - timedelta(days=1),
        sitename="Site",
        language="fr",
        canonical_url="",
    )
    return PageOutcome(final=True, final_url=f"https://news.example/final/{n}", extracted=text)


def _classification(article_id: int, *, uncertain: bool = False) -> Classification:
    return Classification(
        id=str(article_id),
        language="fr",
        language_confidence=0.97,
        relevant=True,
        relevance=0.8,
        uncertain=uncertain,
        matched_terms=(TermMatch("carbone du sol", "soil_carbon", "title", 2.0),),
        themes=(Theme.SCIENCE,),
        regions=(Region.EUROPE,),
        objectives=("A5",),
        version="contract",
    )


def _item(n: int, article_id: int, section: str) -> NewItem:
    texts = (
        ItemText("fr", f"Titre {n}", f"Résumé {n}", TextOrigin.UNTRANSLATED, "en"),
        ItemText("en", f"Title {n}", f"Summary {n}", TextOrigin.ORIGINAL, "en"),
    )
    return NewItem(
        story_id=n,
        article_id=article_id,
        section=section,
        position=n % 2,
        score=0.9,
        url=f"https://news.example/final/{n}",
        outlet="Site",
        published=NOW,
        language="en",
        regions=("europe",),
        also_in=(),
        texts=texts,
    )


def _consent(action: str = "subscribe") -> Any:
    return NewConsent(action=action, method="web", form="contract", ip="127.0.0.1", user_agent="pytest")


def _message_id(subscriber_id: int, language: str) -> str:
    return f"<contract-{subscriber_id}-{language}@example.org>"


def _new_issue(store: Store, slug: str, articles: list[int]) -> int:
    return store.create_issue(
        slug=slug,
        publication=Publication.NEWSLETTER,
        title=f"Issue {slug}",
        period_from=NOW - timedelta(days=7),
        period_to=NOW,
        languages=("fr", "en"),
        sections=("science", "policy"),
        items=[_item(n, a, "science" if n < 2 else "policy") for n, a in enumerate(articles)],
        actor="compose",
    )


def _added() -> AddedArticle:
    return AddedArticle(
        origin=AddOrigin.MANUAL,
        url="manual:contract-radio-item",
        title="Les sols vivants à la radio, une émission entière",
        published=NOW,
        language="fr",
        added_by="ana",
        summary="Une heure sur le carbone des sols.",
        sitename="Radio Sols",
    )


def seed(store: Store) -> dict[str, int]:
    """Rows in every table, made by the store's own methods; returns the ids the samples use."""
    ids: dict[str, int] = {}
    store.sync_sources([_source("alpha"), _source("beta"), _source("search", SourceKind.NEWS_SEARCH)])
    new = store.save_feed_poll(
        "alpha", SourceState(content_hash="h"), _event("alpha", 6), [_entry(n) for n in range(6)]
    )
    articles = [p.id for p in new]
    for n, article in enumerate(articles[:4]):
        store.complete_article(article, _page(n), NOW, WINDOW)
    ids.update(article=articles[0], article2=articles[1], article3=articles[2], pending=articles[4])
    store.save_classifications([_classification(a, uncertain=a == articles[2]) for a in articles[:3]])
    store.save_story_members([(articles[0], 1, b"\x01" * 8), (articles[1], 1, b"\x02" * 8)])
    store.record_decision(articles[2], True, "ana")
    store.correct_articles([articles[1]], "themes", '["policy"]', "ana")
    store.pin_story(1, Publication.NEWSLETTER, "ana")
    ids["run"] = store.start_run("collect")  # left running: mark_interrupted_runs has one to mark
    done = store.start_run("classify")
    store.finish_run(done, "ok", {"classified": 3})

    ids["user"] = store.add_user("ana", Role.EDITOR, "hash-ana", "en").id
    store.add_user("bruno", Role.APPROVER, "hash-bruno", "fr")
    store.create_session("token-ana", ids["user"], LATER)
    store.create_session("token-spare", ids["user"], LATER)
    store.record_login_attempt("ana", "127.0.0.1", False, NOW)
    store.record_login_attempt("ana", "127.0.0.1", True, NOW)

    sent = store.add_submission(NewSubmission("ana", url="https://news.example/story/0", note="<b>"), NOW)
    ids["submission"] = store.settle_submission(
        sent.id, status=SubmissionStatus.ADDED, article_id=articles[0]
    ).id
    ids["submission2"] = store.add_submission(NewSubmission("ana", title="Radio", text="Sols"), NOW).id

    ids["issue"] = _new_issue(store, "contract-draft", articles[:3])
    content = store.issue_content(ids["issue"])
    ids.update(item=content.items[0].id, item2=content.items[1].id, item3=content.items[2].id)
    ids["block"] = store.add_block(
        ids["issue"], "en", BlockKind.EDITORIAL, title="Hello", body="Body", actor="ana"
    )
    ids["block2"] = store.add_block(
        ids["issue"], "fr", BlockKind.AGENDA, title="Agenda", body="Mardi", actor="ana"
    )
    store.add_comment(ids["item"], "ana", "Looks good")
    store.cache_translation("en", "fr", "key-1", "bonjour", "test")

    ids["sent_issue"] = _new_issue(store, "contract-sent", articles[:2])
    store.set_issue_state(ids["sent_issue"], IssueState.SENDING, actor="bruno")
    for n, lang in enumerate(("en", "fr", "en", "en")):
        sub = store.insert_subscriber(
            email=f"reader{n}@example.org",
            language=lang,
            publications=[Publication.NEWSLETTER],
            status=SubscriberStatus.ACTIVE,
            consent=_consent(),
        )
        ids[f"subscriber{n}"] = sub.id
    ids["pending_subscriber"] = store.insert_subscriber(
        email="pending@example.org",
        language="es",
        publications=[Publication.NEWSLETTER],
        status=SubscriberStatus.PENDING,
        consent=_consent(),
    ).id
    store.suppress("reader3@example.org", "bounce")
    store.record_bounce_report("report-1", "hard", "reader3@example.org", "550 no such user")
    store.build_outbox(
        ids["sent_issue"], publication=Publication.NEWSLETTER, languages=("fr", "en"),
        message_id=_message_id, actor="bruno",
    )  # fmt: skip
    queued = store.due_messages(ids["sent_issue"], LATER)
    ids["message"] = queued[0].message.id
    ids["message_to_finish"] = queued[2].message.id
    with store.outbox_session() as session:
        session.mark_data_sent(queued[1].message.id, "attempt-1")  # left unsettled: recover_outbox's case
        session.finish(
            queued[0].message.id, "attempt-0", status=OutboxStatus.QUEUED, outcome="deferred",
            code=451, response="try later", next_attempt_at=NOW,
        )  # fmt: skip
    _seed_watches(store, ids)
    return ids


def _watch_mail(kind: str, period_end: datetime) -> NewWatchMail:
    return NewWatchMail(
        kind=kind, period_end=period_end, recipient="ana@example.org", language="en", subject="Watch: 2",
        body_text="text", body_html="<p>html</p>", stories=(1, 2),
        message_id=f"<watch.{kind}.{period_end:%Y%m%d}@example.org>",
    )  # fmt: skip


def _seed_watches(store: Store, ids: dict[str, int]) -> None:
    store.update_user("ana", email="ana@example.org")
    for name, key in (("Soils", "key-soils"), ("Spare", "key-spare")):
        watch = store.add_watch(
            NewWatch(
                name=name, owner="ana", query="soil carbon", filters={"language": "en"}, every="daily",
                language="en", email="", feed_key=key, created_by="ana", created_at=NOW,
            )
        )  # fmt: skip
        assert watch is not None
        ids[f"watch_{name.lower()}"] = watch.id
    sent = store.build_watch_mail(ids["watch_soils"], _watch_mail("digest", NOW), advance_digest=True)
    queued = store.build_watch_mail(ids["watch_soils"], _watch_mail("spike", NOW), advance_digest=False)
    assert sent is not None
    assert queued is not None
    ids["watch_mail"] = queued.id
    with store.watch_mail_session() as session:
        session.mark_data_sent(sent.id, "attempt-w")  # left unsettled: recover_watch_mail's case


def _watch_mail_session(s: Store, ids: dict[str, int]) -> None:
    with s.watch_mail_session() as session:
        assert session.still_queued(ids["watch_mail"])
        session.finish(ids["watch_mail"], "attempt-w2", status=OutboxStatus.SENT, code=250, response="250 ok")


# -- one sample call per public method ---------------------------------------------------------------------
Call = Callable[[Store, dict[str, int]], object]
Seeded = tuple[str, dict[str, int]]
Copy = Callable[[str], str]


@dataclass(frozen=True)
class Case:
    call: Call
    writes: bool


def read(call: Call) -> Case:
    return Case(call, writes=False)


def write(call: Call) -> Case:
    return Case(call, writes=True)


def _run_lock(s: Store, _ids: dict[str, int]) -> None:
    with s.run_lock("contract"):
        pass


def _grouping_lock(s: Store, _ids: dict[str, int]) -> None:
    with s.grouping_lock(wait=0):
        pass


def _outbox_session(s: Store, ids: dict[str, int]) -> None:
    # Each step of a session is its own transaction, by design (docs/deliver.md, "Exactly once"): the
    # sample checks one, a message's outcome recorded with its attempt.
    with s.outbox_session() as session:
        assert session.still_due(ids["message_to_finish"], "newsletter") == ""
        session.finish(
            ids["message_to_finish"], "attempt-2", status=OutboxStatus.SENT, outcome="sent", code=250,
            response="250 ok",
        )  # fmt: skip


# In call order: the writes go to rows no later sample relies on (a block of its own to delete...).
CASES: dict[str, Case] = {
    # lifecycle and runs
    "schema_version": read(lambda s, i: s.schema_version()),
    "run_lock": read(_run_lock),
    "recent_runs": read(lambda s, i: s.recent_runs("collect")),
    "start_run": write(lambda s, i: s.start_run("nightly")),
    "resume_run": write(lambda s, i: s.resume_run("classify-all", {"version": "contract"})),
    "finish_run": write(lambda s, i: s.finish_run(i["run"], "ok", {"n": 1})),
    "collect_tally": read(lambda s, i: s.collect_tally(LONG_AGO, ["alpha", "beta"])),
    "mark_interrupted_runs": write(lambda s, i: s.mark_interrupted_runs(["nightly"])),
    # sources and articles
    "source_state": read(lambda s, i: s.source_state("alpha")),
    "source_health": read(lambda s, i: s.source_health(NOW, 7)),
    "source_names": read(lambda s, i: s.source_names()),
    "news_search_sources": read(lambda s, i: s.news_search_sources()),
    "report_sources": read(lambda s, i: s.report_sources()),
    "sync_sources": write(lambda s, i: s.sync_sources([_source("alpha"), _source("gamma")])),
    "record_fetch": write(lambda s, i: s.record_fetch("beta", SourceState(), _event("beta"))),
    "save_feed_poll": write(
        lambda s, i: s.save_feed_poll("beta", SourceState(content_hash="b"), _event("beta", 1), [_entry(40)])
    ),
    "pending_articles": read(lambda s, i: s.pending_articles()),
    "pending_count": read(lambda s, i: s.pending_count()),
    "complete_article": write(lambda s, i: s.complete_article(i["pending"], _page(4), NOW, WINDOW)),
    "list_articles": read(lambda s, i: s.list_articles(source="alpha")),
    "count_articles": read(lambda s, i: s.count_articles()),
    "aliases_of": read(lambda s, i: s.aliases_of(i["article"])),
    "report_articles": read(lambda s, i: s.report_articles(LONG_AGO, LATER)),
    "report_fetches": read(lambda s, i: s.report_fetches(LONG_AGO, LATER)),
    # articles a person adds (by URL or by hand)
    "known_article": read(
        lambda s, i: s.known_article(["https://example.org/unknown"], "no such key", NOW, WINDOW)
    ),
    "add_article": write(lambda s, i: s.add_article(_added(), NOW, WINDOW)),
    "addition_of": read(lambda s, i: s.addition_of(i["article"])),
    "article_title": read(lambda s, i: s.article_title(i["article"])),
    "story_of": read(lambda s, i: s.story_of(i["article"])),
    # correspondents' items
    "add_submission": write(
        lambda s, i: s.add_submission(NewSubmission("ana", url="https://example.org/new", region="asia"), NOW)
    ),
    "settle_submission": write(
        lambda s, i: s.settle_submission(
            i["submission2"], status=SubmissionStatus.FAILED, article_id=None, detail="timeout: slow"
        )
    ),
    "submission": read(lambda s, i: s.submission(i["submission"])),
    "list_submissions": read(lambda s, i: s.list_submissions(author="ana", waiting=True)),
    "waiting_submissions": read(lambda s, i: s.waiting_submissions()),
    "review_submission": write(
        lambda s, i: s.review_submission(i["submission"], actor="bruno", at=NOW, accepted=True)
    ),
    "submission_uses": read(lambda s, i: s.submission_uses([i["article"]])),
    # the watch's search index (seeded unindexed: the first call indexes one article, the second the rest)
    "index_articles": write(lambda s, i: s.index_articles([i["article"]])),
    "reindex_pending": write(lambda s, i: s.reindex_pending()),
    "search_stories": read(lambda s, i: s.search_stories(parse_query("soil carbon"))),
    # classifications, stories, decisions
    "articles_for_classification": read(lambda s, i: list(s.articles_for_classification(everything=True))),
    "classification_of": read(lambda s, i: s.classification_of(i["article"])),
    "classifications": read(lambda s, i: s.classifications()),
    "save_classifications": write(lambda s, i: s.save_classifications([_classification(i["pending"])])),
    "grouping_lock": read(_grouping_lock),
    "story_rows": read(lambda s, i: s.story_rows(LONG_AGO)),
    "story_groups": read(lambda s, i: s.story_groups()),
    "ungrouped_articles": read(lambda s, i: s.ungrouped_articles()),
    "save_story_members": write(lambda s, i: s.save_story_members([(i["article3"], 2, b"\x03" * 8)])),
    "unsure_items": read(lambda s, i: s.unsure_items()),
    "decisions": read(lambda s, i: s.decisions()),
    "record_decision": write(lambda s, i: s.record_decision(i["article"], False, "ana", "contract")),
    # a story curated: its articles, corrections, pins, the issues that used it
    "story_articles": read(lambda s, i: s.story_articles(1)),
    "story_uses": read(lambda s, i: s.story_uses(1)),
    "classify_inputs": read(lambda s, i: s.classify_inputs([i["article"]])),
    "corrections": read(lambda s, i: s.corrections([i["article"], i["article2"]])),
    "story_pins": read(lambda s, i: s.story_pins(1)),
    "correct_articles": write(lambda s, i: s.correct_articles([i["article"]], "language", '"en"', "ana")),
    "pin_story": write(lambda s, i: s.pin_story(1, Publication.PRESS_REVIEW, "ana")),
    "unpin_story": write(lambda s, i: s.unpin_story(1, Publication.NEWSLETTER)),
    "add_issue_item": write(
        lambda s, i: s.add_issue_item(i["issue"], _item(7, i["article"], "science"), "ana")
    ),
    # users, sessions, logins
    "user": read(lambda s, i: s.user("ana")),
    "user_by_id": read(lambda s, i: s.user_by_id(i["user"])),
    "user_password_hash": read(lambda s, i: s.user_password_hash("ana")),
    "list_users": read(lambda s, i: s.list_users()),
    "add_user": write(lambda s, i: s.add_user("carla", Role.VIEWER, "hash-carla", "es")),
    "update_user": write(lambda s, i: s.update_user("bruno", language="es")),
    "session_user": read(lambda s, i: s.session_user("token-ana", NOW)),
    "create_session": write(lambda s, i: s.create_session("token-new", i["user"], LATER)),
    "delete_session": write(lambda s, i: s.delete_session("token-spare")),
    "failed_logins": read(lambda s, i: s.failed_logins(LONG_AGO, name="ana", remote="127.0.0.1")),
    "login_failures": read(lambda s, i: s.login_failures(LONG_AGO, name="ana")),
    "signed_in_from": read(lambda s, i: s.signed_in_from("ana", "127.0.0.1", LONG_AGO)),
    "record_login_attempt": write(lambda s, i: s.record_login_attempt("ana", "10.0.0.9", False, NOW)),
    # issues: reading
    "list_issues": read(lambda s, i: s.list_issues()),
    "find_issue": read(lambda s, i: s.find_issue("contract-draft")),
    "slug_taken": read(lambda s, i: s.slug_taken("contract-draft")),
    "issue_content": read(lambda s, i: s.issue_content(i["issue"])),
    "issue_contents": read(lambda s, i: s.issue_contents(states=(IssueState.DRAFT, IssueState.SENDING))),
    "item_issue_id": read(lambda s, i: s.item_issue_id(i["item"])),
    "block": read(lambda s, i: s.block(i["block"])),
    "comments": read(lambda s, i: s.comments(i["issue"])),
    "audit": read(lambda s, i: s.audit(i["issue"])),
    "audits": read(lambda s, i: s.audits([i["issue"], i["sent_issue"]])),
    "stories_already_published": read(lambda s, i: s.stories_already_published(Publication.NEWSLETTER)),
    "untranslated_texts": read(lambda s, i: s.untranslated_texts()),
    "cached_translation": read(lambda s, i: s.cached_translation("en", "fr", "key-1")),
    # issues: writing
    "create_issue": write(lambda s, i: _new_issue(s, "contract-new", [i["article"]])),
    "set_item_text": write(lambda s, i: s.set_item_text(i["item"], "en", title="New title", actor="ana")),
    "set_item_status": write(lambda s, i: s.set_item_status(i["item2"], ItemStatus.REJECTED, actor="ana")),
    "move_item": write(lambda s, i: s.move_item(i["item"], position=0, section="policy", actor="ana")),
    "add_block": write(
        lambda s, i: s.add_block(i["issue"], "fr", BlockKind.KEY_FIGURE, title="42", body="t", actor="ana")
    ),
    "update_block": write(lambda s, i: s.update_block(i["block"], title="Hello again", actor="ana")),
    "delete_block": write(lambda s, i: s.delete_block(i["block2"], actor="ana")),
    "add_comment": write(lambda s, i: s.add_comment(i["item3"], "bruno", "Why this one?")),
    "add_issue_warning": write(lambda s, i: s.add_issue_warning(i["issue"], "thin week")),
    "set_issue_warnings": write(lambda s, i: s.set_issue_warnings(i["issue"], ["a", "b"])),
    "set_issue_title": write(lambda s, i: s.set_issue_title(i["issue"], "An editor's title", actor="ana")),
    "fill_translation": write(
        lambda s, i: s.fill_translation(
            i["item"], "fr", title="Titre traduit", summary="Résumé traduit", provider="test", actor="mt"
        )
    ),
    "mark_translation_failed": write(lambda s, i: s.mark_translation_failed(i["item3"], "fr", "timeout")),
    "cache_translation": write(lambda s, i: s.cache_translation("en", "es", "key-2", "hola", "test")),
    "set_edition_state": write(
        lambda s, i: s.set_edition_state(
            i["issue"], "en", EditionState.APPROVED, actor="bruno", fingerprint="f"
        )
    ),
    "set_issue_state": write(lambda s, i: s.set_issue_state(i["issue"], IssueState.IN_REVIEW, actor="ana")),
    "log_event": write(lambda s, i: s.log_event(i["issue"], "ana", "preview", detail="contract")),
    # subscribers
    "find_subscriber": read(lambda s, i: s.find_subscriber("Reader0@example.org")),
    "iter_subscribers": read(lambda s, i: list(s.iter_subscribers(publication=Publication.NEWSLETTER))),
    "subscriber_counts": read(lambda s, i: s.subscriber_counts()),
    "consent_count": read(
        lambda s, i: s.consent_count(LONG_AGO, ip="127.0.0.1", action="subscribe", method="web")
    ),
    "consent_records": read(lambda s, i: s.consent_records(i["subscriber0"])),
    "subscriber_deliveries": read(lambda s, i: s.subscriber_deliveries(i["subscriber0"])),
    "suppression": read(lambda s, i: s.suppression("reader3@example.org")),
    "insert_subscriber": write(
        lambda s, i: s.insert_subscriber(
            email="new@example.org",
            language="fr",
            publications=[Publication.PRESS_REVIEW],
            status=SubscriberStatus.PENDING,
            consent=_consent(),
        )  # fmt: skip
    ),
    "update_subscriber": write(
        lambda s, i: s.update_subscriber(
            i["pending_subscriber"], consent=_consent("confirm"), status=SubscriberStatus.ACTIVE
        )
    ),
    "mark_confirmation_sent": write(lambda s, i: s.mark_confirmation_sent(i["pending_subscriber"])),
    "suppress": write(lambda s, i: s.suppress("reader2@example.org", "complaint")),
    "record_bounce_report": write(
        lambda s, i: s.record_bounce_report("report-2", "soft", "x@example.org", "452")
    ),
    # the outbox
    "send_record": read(lambda s, i: s.send_record(i["sent_issue"])),
    "due_messages": read(lambda s, i: s.due_messages(i["sent_issue"], LATER)),
    "outbox_counts": read(lambda s, i: s.outbox_counts(i["sent_issue"])),
    "outbox_problems": read(lambda s, i: s.outbox_problems(i["sent_issue"])),
    "outbox_unconfirmed": read(lambda s, i: s.outbox_unconfirmed(i["sent_issue"])),
    "outbox_message": read(lambda s, i: s.outbox_message(_message_id(i["subscriber0"], "en"))),
    "outbox_session": write(_outbox_session),
    "recover_outbox": write(lambda s, i: s.recover_outbox(i["sent_issue"])),
    "build_outbox": write(
        lambda s, i: s.build_outbox(
            i["issue"],
            publication=Publication.NEWSLETTER,
            languages=("fr", "en"),
            message_id=lambda sid, lang: f"<draft-{sid}-{lang}@example.org>",
            actor="bruno",
        )  # fmt: skip
    ),
    "finish_send": write(lambda s, i: s.finish_send(i["sent_issue"])),
    "delete_subscriber": write(lambda s, i: s.delete_subscriber(i["subscriber1"])),
    # saved watches and their mail
    "add_watch": write(
        lambda s, i: s.add_watch(
            NewWatch(
                name="New",
                owner="team",
                query="carbone",
                filters={},
                every="weekly",
                language="fr",
                email="team@example.org",
                feed_key="key-new",
                created_by="ana",
                created_at=NOW,
            )
        )  # fmt: skip
    ),
    "watch": read(lambda s, i: s.watch("Soils")),
    "list_watches": read(lambda s, i: s.list_watches()),
    "remove_watch": write(lambda s, i: s.remove_watch("Spare")),
    "set_watch_feed_key": write(lambda s, i: s.set_watch_feed_key("Soils", "key-rotated")),
    "watch_matches": read(
        lambda s, i: s.watch_matches(
            parse_query("soil"), SearchFilters(language="en"), found_since=LONG_AGO, found_until=LATER
        )
    ),
    "advance_watch_digest": write(lambda s, i: s.advance_watch_digest(i["watch_soils"], NOW + timedelta(1))),
    "build_watch_mail": write(
        lambda s, i: s.build_watch_mail(i["watch_soils"], _watch_mail("digest", LATER), advance_digest=True)
    ),
    "watch_mail": read(lambda s, i: s.watch_mail(i["watch_soils"], kind="spike")),
    "due_watch_mail": read(lambda s, i: s.due_watch_mail(LATER)),
    "recover_watch_mail": write(lambda s, i: s.recover_watch_mail()),
    "watch_mail_session": write(_watch_mail_session),
}


def public_methods() -> set[str]:
    return {
        name
        for name in dir(Store)
        if not name.startswith("_") and callable(getattr(Store, name)) and name not in LIFECYCLE
    }
