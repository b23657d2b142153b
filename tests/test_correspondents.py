"""Regional correspondents' items: the role, the store (SQLite and PostgreSQL), sending an item (made into
an article at once under the collector's rules), the editors' review, the credit in an issue, and the CLI.

Real parts: a local HTTP server on 127.0.0.1 serving a real news page from ../shared/corpus, the real
classifier and story grouping, both databases.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hostile_server import HostileServer, Response
from test_collect import FAST  # the same quick, local collector settings

from mediawatch.classify.pipeline import load_classifier
from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.errors import ConflictError, FieldError, Refused
from mediawatch.review.workflow import PERMISSIONS, Permission, may
from mediawatch.store import open_store
from mediawatch.store.issues import NewItem
from mediawatch.store.schema_watch import submissions as submissions_table
from mediawatch.store.submissions import NewSubmission, SubmissionStatus
from mediawatch.types import IssueState, ItemStatus, ItemText, Publication, Region, Role, TextOrigin
from mediawatch.watch.add import ManualItem, add_manual
from mediawatch.watch.submissions import SentItem, clean_text, failure_text, review, send_item

PAGE = "/monde/2015/04/30/un-troisieme-francais-mort-au-nepal.html"
TITLE = "Un troisième Français mort dans le séisme au Népal"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier():
    return load_classifier(FAST)


@pytest.fixture
def server(corpus_dir):
    page = (corpus_dir("readability_test_pages") / "liberation-1" / "source.html.gz").read_bytes()
    with HostileServer() as s:
        s.add_route(PAGE, Response(200, page, {"Content-Type": "text/html", "Content-Encoding": "gzip"}))
        yield s


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    s.add_user("ines", Role.CORRESPONDENT, "not-a-hash", "es")
    s.add_user("ana", Role.EDITOR, "not-a-hash", "en")
    yield s
    s.close()


def _send(store, classifier, item: SentItem, author: str = "ines", settings: Settings = FAST, **kw):
    return send_item(store, settings, item, author=author, classifier=classifier, now=lambda: NOW, **kw)


def _issue(store, article_id: int, story_id: int, slug: str, state: IssueState | None = None) -> int:
    texts = tuple(ItemText(x, f"T {x}", "S", TextOrigin.ORIGINAL, "fr") for x in ("fr", "en"))
    item = NewItem(
        story_id=story_id, article_id=article_id, section="science", position=0, score=1.0,
        url="https://example.org/a", outlet="Outlet", published=NOW, language="fr", regions=(),
        also_in=(), texts=texts,
    )  # fmt: skip
    issue = store.create_issue(
        slug=slug, publication=Publication.PRESS_REVIEW, title=slug, period_from=NOW - timedelta(days=7),
        period_to=NOW, languages=("fr", "en"), sections=("science",), items=[item], actor="compose",
    )  # fmt: skip
    if state is not None:
        store.set_issue_state(issue, state, actor="bruno")
    return issue


# -- the role -------------------------------------------------------------------------------------------
def test_a_correspondent_may_only_send_items_and_editors_and_above_may_too():
    assert PERMISSIONS[Role.CORRESPONDENT] == frozenset({Permission.SEND_ITEMS})
    for permission in Permission:
        assert may(Role.CORRESPONDENT, permission) is (permission is Permission.SEND_ITEMS)
    assert not may(Role.VIEWER, Permission.SEND_ITEMS)
    for role in (Role.EDITOR, Role.APPROVER, Role.ADMIN):
        assert may(role, Permission.SEND_ITEMS)


def test_users_add_takes_the_correspondent_role(tmp_path):
    db = str(tmp_path / "cli.sqlite3")
    secret = tmp_path / "pw"
    secret.write_text("a long enough password\n", encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(
        cli, ["--db", db, "users", "add", "ines", "--role", "correspondent", "--password-file", str(secret)]
    )
    assert done.exit_code == 0, done.output
    listed = runner.invoke(cli, ["--db", db, "users", "list", "--json"])
    assert json.loads(listed.output)["role"] == "correspondent"


# -- the store ------------------------------------------------------------------------------------------
def test_submissions_are_stored_listed_newest_first_and_reviewed_once(store):
    earliest = store.add_submission(NewSubmission("ines", url="https://example.org/x"), NOW)
    first = store.add_submission(
        NewSubmission("ines", url="https://example.org/a", language="fr", region="africa", note="n"), NOW
    )
    second = store.add_submission(NewSubmission("ana", title="Radio", text="Sols", language="es"), NOW)
    later = store.add_submission(NewSubmission("ines", title="T", text="x"), NOW + timedelta(hours=1))
    assert (first.status, first.article_id, first.reviewed_at) == (SubmissionStatus.RECEIVED, None, None)
    assert [s.id for s in store.list_submissions(author="ines")] == [later.id, first.id, earliest.id]
    assert [s.id for s in store.list_submissions(author="ana")] == [second.id]
    failed = store.settle_submission(
        later.id, status=SubmissionStatus.FAILED, article_id=None, detail="timeout: 3 s"
    )
    assert (failed.status, failed.detail) == (SubmissionStatus.FAILED, "timeout: 3 s")
    assert [s.id for s in store.list_submissions(status=SubmissionStatus.FAILED)] == [later.id]
    assert store.waiting_submissions() == 4

    dismissed = store.review_submission(first.id, actor="ana", at=NOW, accepted=False, reason="duplicate")
    assert (dismissed.status, dismissed.detail, dismissed.reviewed_by) == (
        SubmissionStatus.DISMISSED, "duplicate", "ana",
    )  # fmt: skip
    with pytest.raises(ConflictError):
        store.review_submission(first.id, actor="bruno", at=NOW, accepted=True)
    assert store.submission(first.id).reviewed_by == "ana"  # the second review changed nothing
    with pytest.raises(ConflictError):
        store.review_submission(999_999, actor="ana", at=NOW, accepted=True)
    assert store.waiting_submissions() == 3
    assert first.id not in [s.id for s in store.list_submissions(waiting=True)]
    assert store.decisions() == []  # a dismissal is no verdict on relevance


def test_accepting_records_an_accepting_decision_and_uses_follow_the_story(store, classifier):
    text = "Un texte sur le carbone du sol au Sénégal, des agriculteurs et des chercheurs."
    item = SentItem(title="Les sols du Sahel", text=text, language="fr", region="africa")
    sent = _send(store, classifier, item)
    assert sent.status is SubmissionStatus.ADDED
    assert sent.article_id is not None
    accepted = store.review_submission(sent.id, actor="ana", at=NOW, accepted=True)
    assert accepted.status is SubmissionStatus.ADDED
    assert accepted.reviewed_by == "ana"
    assert (sent.article_id, True) in store.decisions()

    assert store.submission_uses([sent.article_id]) == []
    story = store.story_of(sent.article_id)
    assert story is not None
    draft = _issue(store, sent.article_id, story, "draft-1")
    cancelled = _issue(store, sent.article_id, story, "cancelled-1", IssueState.CANCELLED)
    uses = store.submission_uses([sent.article_id])
    assert [(u.issue_id, u.slug, u.state, u.languages) for u in uses] == [
        (draft, "draft-1", "draft", ("fr", "en"))
    ]
    assert cancelled not in [u.issue_id for u in uses]
    rejected = store.issue_content(draft).items[0]
    store.set_item_status(rejected.id, ItemStatus.REJECTED, actor="ana")
    assert store.submission_uses([sent.article_id]) == []  # a rejected item does not use it
    # another article of the same story in an issue: the story was used
    sent_issue = _issue(store, sent.article_id, story, "sent-1", IssueState.SENDING)
    assert [u.issue_id for u in store.submission_uses([sent.article_id])] == [sent_issue]


# -- sending an item --------------------------------------------------------------------------------------
def test_an_item_by_url_is_an_article_in_the_watch_added_by_the_correspondent(store, server, classifier):
    sent = _send(store, classifier, SentItem(url=server.url(PAGE), region="asia", note="visto en la radio"))
    assert sent.status is SubmissionStatus.ADDED, sent.detail
    assert (sent.author, sent.region, sent.note, sent.url) == (
        "ines",
        "asia",
        "visto en la radio",
        server.url(PAGE),
    )
    assert sent.article_title == TITLE
    assert sent.story_id == store.story_of(sent.article_id)
    addition = store.addition_of(sent.article_id)
    assert (addition.added_by, addition.note, addition.corrections) == (
        "ines",
        "visto en la radio",
        {"region": "asia"},
    )
    verdict = store.classification_of(sent.article_id)
    assert verdict.language == "fr"
    assert verdict.regions == (Region.ASIA,)
    assert [s.id for s in store.list_submissions(author="ines")] == [sent.id]

    # The same page sent again: the article already stored, not fetched again, and no second credit.
    again = _send(store, classifier, SentItem(url=server.url(PAGE) + "?utm_source=x"), author="ana")
    assert (again.status, again.article_id) == (SubmissionStatus.ADDED, sent.article_id)
    assert len(server.requests_for(PAGE)) == 1
    issue = _issue(store, sent.article_id, sent.story_id, "credited")
    assert store.issue_content(issue).items[0].sent_in_by == "ines"


def test_an_item_by_text_is_an_article_from_its_outlet_or_its_sender(store, classifier):
    sent = _send(
        store, classifier, SentItem(title="  Des sols  vivants ", text="Texte.\r\nSuite.", language="fr")
    )
    assert sent.status is SubmissionStatus.ADDED
    assert (sent.title, sent.text) == ("Des sols vivants", "Texte.\nSuite.")
    (article,) = [a for a in store.list_articles(source="added-by-hand") if a.id == sent.article_id]
    assert (article.sitename, article.title, article.language) == ("ines", "Des sols vivants", "fr")
    radio = _send(store, classifier, SentItem(title="Radio Sahel", text="Une émission.", language="fr",
                                              outlet="Radio Sahel FM"))  # fmt: skip
    (article,) = [a for a in store.list_articles(source="added-by-hand") if a.id == radio.article_id]
    assert article.sitename == "Radio Sahel FM"


@pytest.mark.parametrize(
    ("path", "settings", "code", "words"),
    [
        ("/not-found", FAST, "http-4xx", {"en": "not found", "fr": "introuvable", "es": "no encontrada"}),
        (PAGE, Settings(), "private-address", {"en": "private or local", "fr": "privé", "es": "privada"}),
    ],
)
def test_a_page_that_cannot_be_fetched_is_kept_with_a_readable_reason(
    store, server, classifier, path, settings, code, words
):
    sent = _send(store, classifier, SentItem(url=server.url(path), note="¿sirve?"), settings=settings)
    assert (sent.status, sent.article_id) == (SubmissionStatus.FAILED, None)
    assert sent.detail.startswith(f"{code}: ")
    for lang, expected in words.items():
        assert expected in failure_text(sent.detail, lang)
    assert store.submission(sent.id).note == "¿sirve?"  # what they typed is not lost
    assert sum(store.count_articles().values()) == 0


@pytest.mark.parametrize(
    ("item", "fields", "words"),
    [
        (SentItem(), {"url"}, "give the address of a page, or a title and a text"),
        (SentItem(title="T", language="fr"), {"text"}, "text: must not be empty"),
        (SentItem(title="T", text="x"), {"language"}, "choose the language"),
        (SentItem(url="javascript:alert(1)"), {"url"}, "is not a web address"),
        (SentItem(url="https://www..elpais.com/a"), {"url"}, "the host name “www..elpais.com” is not valid"),
        (SentItem(url="https://" + "a" * 70 + ".org/"), {"url"}, "is not a web address"),
        (SentItem(url="https://e.org/" + "a" * 2100), {"url"}, "at most 2,000 characters"),
        (SentItem(title="T", text="x" * 5001, language="fr"), {"text"}, "at most 5,000 characters"),
        (SentItem(title="T", text="x", language="fr", note="n" * 2001), {"note"}, "at most 2,000"),
        (
            SentItem(title="T", text="x", language="xx", region="mars"),
            {"language", "region"},
            "choose one of",
        ),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(store, classifier, item, fields, words):
    with pytest.raises(FieldError) as caught:
        _send(store, classifier, item, lang="en")
    assert set(caught.value.problems) == fields
    assert words in str(caught.value)
    assert store.list_submissions() == []


def test_field_problems_speak_the_senders_language(store, classifier):
    with pytest.raises(FieldError) as caught:
        _send(store, classifier, SentItem(title="T", text="x"), lang="es")
    assert caught.value.problems["language"] == "idioma: elija el idioma en que está escrito el texto"
    with pytest.raises(FieldError) as caught:
        _send(store, classifier, SentItem(title="T", text="x", language="fr"), author="nobody", lang="fr")
    assert "aucun utilisateur ne s'appelle «\u00a0nobody\u00a0»" in str(caught.value)


def test_hostile_text_is_stored_as_typed_without_control_characters(store, classifier):
    rtl = "\u202eمرحبا بالعالم שלום"
    title = '<script>alert("t")</script>\x00\x07 ' + rtl
    sent = _send(store, classifier, SentItem(title=title, text="<img src=x onerror=alert(1)>\x1b[31m",
                                             language="ar", note="{{ 7*7 }}\x00"))  # fmt: skip
    stored = store.submission(sent.id)
    assert stored.title == '<script>alert("t")</script> ' + rtl  # NUL and BEL gone (PostgreSQL refuses NUL)
    assert stored.text == "<img src=x onerror=alert(1)>[31m"
    assert stored.note == "{{ 7*7 }}"
    assert clean_text("a\u200fb\u202bc") == "a\u200fb\u202bc"  # bidirectional marks are part of the words


# -- reviewing --------------------------------------------------------------------------------------------
def test_a_second_review_is_refused_in_the_readers_language(store):
    sent = store.add_submission(NewSubmission("ines", title="T", text="x"), NOW)
    review(store, sent.id, actor="ana", accepted=False, reason="  off topic \x00", now=lambda: NOW)
    assert store.submission(sent.id).detail == "off topic"
    with pytest.raises(Refused) as caught:
        review(store, sent.id, actor="bruno", accepted=True, now=lambda: NOW)
    assert caught.value.translated("fr") == "cet article a déjà été examiné (par ana)"
    with pytest.raises(Refused) as caught:
        review(store, 424_242, actor="bruno", accepted=True)
    assert caught.value.translated("es") == "no hay ningún envío número 424242"
    other = store.add_submission(NewSubmission("ines", title="T2", text="x"), NOW)
    with pytest.raises(FieldError):
        review(store, other.id, actor="ana", accepted=False, reason="r" * 2001)
    assert store.submission(other.id).reviewed_at is None


# -- the credit ----------------------------------------------------------------------------------------
def test_only_the_person_whose_item_brought_the_article_in_is_credited(store, classifier):
    sent = _send(store, classifier, SentItem(title="Sols du Sahel", text="Carbone du sol.", language="fr"))
    mine = _issue(store, sent.article_id, sent.story_id, "mine")
    assert store.issue_content(mine).items[0].sent_in_by == "ines"
    # An article an editor added with `articles add`, which a correspondent then sent: nobody's item.
    title = "L'agroforesterie gagne du terrain au Sahel"
    added = add_manual(
        store, FAST, ManualItem(title, "Radio", "2026-12-01", "fr", "Des arbres."), added_by="ana",
        classifier=classifier, now=lambda: NOW - timedelta(hours=1),
    )  # fmt: skip
    late = _send(store, classifier, SentItem(title=title, text="Des arbres.", language="fr"))
    assert late.article_id == added.article_id  # already known
    theirs = _issue(store, added.article_id, added.story_id, "theirs")
    assert store.issue_content(theirs).items[0].sent_in_by == ""
    # Even when the person who added it sends it again later: their item did not bring it in.
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(submissions_table).where(submissions_table.c.id == late.id).values(author="ana")
        )
    assert store.issue_content(theirs).items[0].sent_in_by == ""


# -- the CLI --------------------------------------------------------------------------------------------
def test_submissions_list_for_scripts_and_people(tmp_path):
    db = str(tmp_path / "cli.sqlite3")
    with open_store(f"sqlite:///{db}") as store:
        store.add_user("ines", Role.CORRESPONDENT, "x", "es")
        old = store.add_submission(NewSubmission("ines", url="https://example.org/a", region="africa"), NOW)
        store.settle_submission(
            old.id, status=SubmissionStatus.FAILED, article_id=None, detail="dns: no host"
        )
        new = store.add_submission(
            NewSubmission("ana", title="<b>Radio</b>\x1b[2J", text="t"), NOW + timedelta(1)
        )
        store.review_submission(new.id, actor="bruno", at=NOW, accepted=False)
    runner = CliRunner()
    lines = runner.invoke(cli, ["--db", db, "submissions", "list", "--json"]).output.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [new.id, old.id]
    assert records[1] | {"submitted_at": None} == records[1] | {
        "author": "ines", "status": "failed", "url": "https://example.org/a", "region": "africa",
        "detail": "dns: no host", "article_id": None, "reviewed_by": "", "reviewed_at": None,
        "submitted_at": None,
    }  # fmt: skip
    only = runner.invoke(
        cli, ["--db", db, "submissions", "list", "--author", "ines", "--status", "failed", "--json"]
    )
    assert [json.loads(x)["id"] for x in only.output.splitlines()] == [old.id]
    waiting = runner.invoke(cli, ["--db", db, "submissions", "list", "--waiting", "--json"])
    assert [json.loads(x)["id"] for x in waiting.output.splitlines()] == [old.id]
    table = runner.invoke(cli, ["--db", db, "--lang", "fr", "submissions", "list"])
    assert table.exit_code == 0
    assert "2 articles transmis" in table.output
    assert "<b>Radio</b>" in table.output
    assert "\x1b" not in table.output
    bad = runner.invoke(cli, ["--db", db, "submissions", "list", "--status", "lost"])
    assert bad.exit_code == 2
    empty = runner.invoke(cli, ["--db", db, "--lang", "es", "submissions", "list", "--author", "nadie"])
    assert empty.output.strip() == "Ningún envío."


# -- a crash between storing an item and making its article ----------------------------------------------
def test_an_item_a_crash_left_unsettled_is_made_once_by_the_resume(store, server, classifier):
    from mediawatch.watch.add import add_url
    from mediawatch.watch.add_fields import SENDER_ROLES
    from mediawatch.watch.submissions import resume_received

    def stored(item: NewSubmission):  # what send_item writes before it fetches: then the process died
        return store.add_submission(item, NOW)

    by_text = stored(
        NewSubmission(author="ines", title="Suelos vivos en Jalisco", text="Texto.", language="es")
    )
    by_url = stored(NewSubmission(author="ines", url=server.url(PAGE), region="asia"))
    # This one died later still: its article was made, the item never settled.
    made = add_url(  # as the submission path calls it: a correspondent may
        store, FAST, server.url(PAGE), added_by="ines", classifier=classifier, now=lambda: NOW,
        roles=SENDER_ROLES,
    )  # fmt: skip
    assert {s.status for s in store.list_submissions()} == {SubmissionStatus.RECEIVED}

    def resume(minutes: int):
        return resume_received(
            store, FAST, classifier=classifier, now=lambda: NOW + timedelta(minutes=minutes)
        )

    assert resume(1) == []  # young items may still be in flight: left alone
    done = {s.id: s for s in resume(11)}
    assert set(done) == {by_text.id, by_url.id}
    assert all(s.status is SubmissionStatus.ADDED for s in done.values())
    assert done[by_url.id].article_id == made.article_id  # found again, not added twice
    assert len(server.requests_for(PAGE)) == 1
    (article,) = [
        a for a in store.list_articles(source="added-by-hand") if a.id == done[by_text.id].article_id
    ]
    assert (article.title, article.language, article.sitename) == ("Suelos vivos en Jalisco", "es", "ines")
    assert resume(30) == []  # settled items are never made again
    assert len(store.list_articles(source="added-by-hand")) == 1


def test_a_stored_item_whose_article_cannot_be_made_is_settled_by_the_resume(store, server, classifier):
    """Items stored before addresses were checked (or whose making raised): the nightly's resume settles
    them as failed with the reason, once, instead of leaving them "received" for ever."""
    from mediawatch.watch.submissions import resume_received

    bad = store.add_submission(NewSubmission(author="ines", url="https://www..elpais.com/a"), NOW)
    good = store.add_submission(NewSubmission(author="ines", url=server.url(PAGE)), NOW)
    done = {s.id: s for s in resume_received(store, FAST, lang="fr", classifier=classifier,
                                            now=lambda: NOW + timedelta(hours=1))}  # fmt: skip
    assert set(done) == {bad.id, good.id}
    assert (done[bad.id].status, done[bad.id].article_id) == (SubmissionStatus.FAILED, None)
    # in the words of ines, who reads Spanish, whatever the language of the nightly run
    assert "el nombre de host «www..elpais.com» no es válido" in failure_text(done[bad.id].detail, "es")
    assert done[good.id].status is SubmissionStatus.ADDED
    assert resume_received(store, FAST, classifier=classifier, now=lambda: NOW + timedelta(hours=2)) == []


def test_an_unexpected_error_while_making_the_article_settles_the_item_then_surfaces(
    store, classifier, monkeypatch
):
    """A bug in making the article must not leave the item "received" (waiting in the queue for ever, tried
    again each night): it is settled as failed with a readable reason, the error still raised for the log,
    and the resume goes on with the other items."""
    import mediawatch.watch.submissions as submissions

    def broken(*_args, **_kwargs):
        raise UnicodeError("encoding with 'idna' codec failed (UnicodeError: label empty or too long)")

    monkeypatch.setattr(submissions, "add_url", broken)
    with pytest.raises(UnicodeError):
        _send(store, classifier, SentItem(url="https://example.org/a"))
    (sent,) = store.list_submissions()
    assert sent.status is SubmissionStatus.FAILED
    assert sent.detail.startswith("internal-error: ")
    assert "error inesperado" in failure_text(sent.detail, "es")
    assert "erreur inattendue" in failure_text(sent.detail, "fr")

    first = store.add_submission(NewSubmission(author="ines", url="https://example.org/b"), NOW)
    second = store.add_submission(NewSubmission(author="ines", title="T", text="x", language="fr"), NOW)
    with pytest.raises(UnicodeError):
        submissions.resume_received(store, FAST, classifier=classifier, now=lambda: NOW + timedelta(hours=1))
    assert store.submission(first.id).status is SubmissionStatus.FAILED
    assert store.submission(second.id).status is SubmissionStatus.ADDED  # the others are not held up


def test_a_disabled_correspondent_or_a_viewer_cannot_send_an_item_and_nothing_is_stored(
    store, server, classifier
):
    store.add_user("viv", Role.VIEWER, "not-a-hash", "fr")
    store.update_user("ines", active=False)
    item = SentItem(url=server.url(PAGE), language="fr")
    for author, expected in (("ines", "desactivada"), ("viv", "viv tiene el rol lector")):
        with pytest.raises(FieldError) as caught:
            _send(store, classifier, item, author=author, lang="es")
        assert expected in str(caught.value)
    assert store.list_submissions() == []
    assert server.requests == []


def test_several_field_problems_are_joined_with_the_languages_list_separator(store, classifier):
    with pytest.raises(FieldError) as caught:
        _send(store, classifier, SentItem(title="T", language="fr", note="n" * 2001), lang="fr")
    assert " ; note : " in str(caught.value)
    assert "; " not in str(caught.value).replace(" ; ", "")
    with pytest.raises(FieldError) as caught:
        review(store, 1, actor="ana", accepted=False, reason="r" * 2001, lang="fr")
    assert "motif : " in str(caught.value)
