"""Correspondents in the web app (Flask's client over the real app, store and classifier; a local HTTP
server for the pages sent by URL): where they land and what they are refused, the form and its field
errors, their list, the editors' queue, hostile input escaped on every page and in the rendered editions,
and the credit in the newsletter and press review."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hostile_server import HostileServer, Response
from markupsafe import escape

from mediawatch.config import Settings
from mediawatch.i18n import t, use_language
from mediawatch.render import render_edition
from mediawatch.render.pdf import print_html
from mediawatch.review.users import add_user
from mediawatch.store import open_store
from mediawatch.store.issues import NewItem
from mediawatch.store.schema_watch import submissions as submissions_table
from mediawatch.types import IssueState, ItemText, Publication, Role, TextOrigin
from mediawatch.web.app import create_app

PASSWORD = "a long enough password 1"
PAGE = "/monde/2015/04/30/un-troisieme-francais-mort-au-nepal.html"
TITLE = "Un troisième Français mort dans le séisme au Népal"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1) id=injected> {{ 7*7 }} \u202eשלום\x07'
SITE = "https://news.example.org"


@pytest.fixture
def server(corpus_dir):
    page = (corpus_dir("readability_test_pages") / "liberation-1" / "source.html.gz").read_bytes()
    with HostileServer() as s:
        s.add_route(PAGE, Response(200, page, {"Content-Type": "text/html", "Content-Encoding": "gzip"}))
        yield s


@pytest.fixture(autouse=True)
def _language_of_the_test():
    """Flask's client runs the app in the test's own context: the language a request chose (the app sets
    it for each request) must not stay for the tests that follow."""
    yield
    use_language(None)


@pytest.fixture
def web(tmp_path):
    db = tmp_path / "web.sqlite3"
    store = open_store(f"sqlite:///{db}")
    for name, role, lang in (
        ("ines", Role.CORRESPONDENT, "es"),
        ("ana", Role.EDITOR, "en"),
        ("vic", Role.VIEWER, "fr"),
    ):
        add_user(store, name, role, PASSWORD, lang)
    settings = Settings(
        db=str(db), secret_key="k" * 32, site_url=SITE, allow_private_addresses=True, per_host_delay=0.0,
        extract_workers=1, penalty_delay=0.0, connect_timeout=60, read_timeout=60, total_timeout=120,
    )  # fmt: skip
    app = create_app(settings, store)
    yield app, store, settings
    store.close()


def token(client, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def login(app, name: str, next_page: str = ""):
    client = app.test_client()
    response = client.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf_token": token(client), "next": next_page}
    )
    assert response.status_code == 303
    return client, response


def post(client, path: str, form_page: str, **data: str):
    return client.post(path, data={"csrf_token": token(client, form_page), **data})


def text_of(response) -> str:
    return response.get_data(as_text=True)


def unescaped_markup(page: str) -> list[str]:
    """Hostile markup that reached the page as markup rather than as text."""
    return [m for m in ("<script>alert", "<img src=x") if m in page]


# -- access ---------------------------------------------------------------------------------------------
def test_a_correspondent_lands_on_submit_and_gets_a_403_on_the_teams_pages(web):
    app, _store, _settings = web
    ines, signed_in = login(app, "ines")
    assert signed_in.headers["Location"] == "/submit"
    assert login(app, "ines", "/issues")[1].headers["Location"] == "/submit"  # not an editors' page
    assert login(app, "ines", "/submissions")[1].headers["Location"] == "/submissions"
    assert ines.get("/").headers["Location"] == "/submit"
    for path in ("/issues", "/queue", "/health", "/unsure", "/dashboard", "/issues/1"):
        refused = ines.get(path)
        assert refused.status_code == 403, path
        page = text_of(refused)
        assert t("web.error.forbidden", "es") in page
        assert 'id="error-back"' in page
        assert 'href="/submit"' in page
        assert 'lang="es"' in page
    assert post(ines, "/unsure/1", "/submit", relevant="1").status_code == 403
    assert post(ines, "/queue/1/accept", "/submit").status_code == 403
    form = text_of(ines.get("/submit"))
    assert 'id="nav-submit"' in form
    assert 'id="nav-mine"' in form
    assert 'id="nav-queue"' not in form
    assert "/issues" not in form
    assert "corresponsal" in form  # the role in her words
    # The interface language is hers to change.
    changed = post(ines, "/me/language", "/submit", language="fr", next="/submit")
    assert changed.headers["Location"] == "/submit"
    assert "Transmettre un article" in text_of(ines.get("/submit"))


def test_editors_send_items_and_see_the_queue_viewers_only_see_it(web):
    app, _store, _settings = web
    ana, _ = login(app, "ana")
    assert ana.get("/submit").status_code == 200
    assert 'id="nav-queue"' in text_of(ana.get("/issues"))
    assert 'id="queue-submit"' in text_of(ana.get("/queue"))  # the way to /submit for the team
    vic, _ = login(app, "vic")
    assert vic.get("/submit").status_code == 403
    queue = text_of(vic.get("/queue"))
    assert 'id="queue-submit"' not in queue
    assert "accept-" not in queue


# -- sending ---------------------------------------------------------------------------------------------
def test_field_errors_are_next_to_their_fields_in_the_senders_language(web):
    app, store, _settings = web
    ines, _ = login(app, "ines")
    empty = post(ines, "/submit", "/submit")
    assert empty.status_code == 400
    page = text_of(empty)
    assert 'id="problem-url"' in page
    assert str(escape(t("correspondents.url_or_text", "es"))) in page
    no_language = post(ines, "/submit", "/submit", title=HOSTILE, text="x" * 5001, note=HOSTILE)
    page = text_of(no_language)
    assert no_language.status_code == 400
    for field in ("language", "text"):
        # the message sits right after its field, which points at it, before the next field's label
        described = page.index(f'aria-describedby="problem-{field}')  # and a hint's id, if any
        assert described < page.index(f'id="problem-{field}"') < page.index("<label", described)
    assert "elija el idioma" in page
    assert "5000" in page
    assert unescaped_markup(page) == []
    assert str(escape('<script>alert("x")</script>')) in page  # kept, as text, for another try
    assert store.list_submissions() == []


def test_a_field_at_fault_is_named_as_its_label_with_what_was_typed_quoted(web):
    app, store, _settings = web
    ines, _ = login(app, "ines")
    answer = post(ines, "/submit", "/submit", url="javascript:alert(1)", title="x" * 600)
    assert answer.status_code == 400
    page = html.unescape(text_of(answer))
    label = t("correspondents.field.url", "es")  # "Dirección de la página (URL)", not "URL"
    assert f"{label}: «javascript:alert(1)» no es una dirección web" in page
    assert f"{t('correspondents.field.title', 'es')}: supera el máximo de 500 caracteres" in page
    assert store.list_submissions() == []


def test_items_by_url_and_by_text_reach_the_list_and_a_dead_page_says_why(web, server):
    app, store, _settings = web
    ines, _ = login(app, "ines")
    sent = post(ines, "/submit", "/submit", url=server.url(PAGE), region="asia", note="visto en la radio")
    assert sent.status_code == 303
    (item,) = store.list_submissions()
    assert sent.headers["Location"] == f"/submissions#item-{item.id}"
    assert (item.status, item.author, item.region) == ("added", "ines", "asia")
    page = text_of(ines.get("/submissions"))
    assert t("correspondents.done.sent", "es") in page
    assert str(escape(TITLE)) in page
    assert "Asia" in page
    assert "visto en la radio" in page
    assert t("correspondents.use.none", "es") in page

    by_text = post(ines, "/submit", "/submit", title="Sequía en el Sahel", text="Los suelos…", language="es",
                   region="africa")  # fmt: skip
    assert by_text.status_code == 303
    dead = post(ines, "/submit", "/submit", url=server.url("/not-found"))
    assert dead.status_code == 303
    page = text_of(ines.get("/submissions"))
    assert "Sequía en el Sahel" in page
    assert "África" in page
    assert "no se pudo obtener la página" in page
    assert "no encontrada" in page
    assert [i.status.value for i in store.list_submissions()] == ["failed", "added", "added"]


def test_whatever_a_correspondent_types_is_escaped_on_every_page(web):
    app, store, settings = web
    ines, _ = login(app, "ines")
    sent = post(ines, "/submit", "/submit", title=HOSTILE, text=HOSTILE, note=HOSTILE, outlet=HOSTILE,
                language="fr")  # fmt: skip
    assert sent.status_code == 303
    (item,) = store.list_submissions()
    assert item.title.startswith('<script>alert("x")</script>')
    assert "\x07" not in item.title
    mine = text_of(ines.get("/submissions"))
    ana, _ = login(app, "ana")
    queue = text_of(ana.get("/queue"))
    for page in (mine, queue):
        assert unescaped_markup(page) == []
        assert str(escape('<script>alert("x")</script>')) in page
        assert "\u202eשלום" in page  # RTL text kept, in a dir="auto" element
    # ... in the watch's stream and on the story page (an added item is held relevant, so never "unsure")
    for path in ("/watch", f"/stories/{item.story_id}"):
        page = text_of(ana.get(path))
        assert f"/stories/{item.story_id}" in page or f'id="article-{item.article_id}"' in page, path
        assert unescaped_markup(page) == [], path
        assert str(escape('<script>alert("x")</script>')) in page, path
    # ... and in every edition of an issue that takes it
    issue = _issue_with(store, item.article_id, item.story_id, "hostile", words=item.title)
    content = store.issue_content(issue)
    for lang in ("fr", "en", "es"):
        rendered = render_edition(content, lang, settings)
        assert unescaped_markup(rendered.html) == []
        assert unescaped_markup(print_html(content, lang, settings)) == []
        assert t("correspondents.credit", lang, name="ines") in rendered.text


# -- the queue ------------------------------------------------------------------------------------------
def test_the_queue_attributes_each_item_and_an_editor_accepts_or_sets_aside(web, server):
    app, store, settings = web
    ines, _ = login(app, "ines")
    post(ines, "/submit", "/submit", url=server.url(PAGE), region="asia", note="visto en la radio")
    post(ines, "/submit", "/submit", title="Sequía", text="Los suelos del Sahel.", language="es")
    first, second = sorted(store.list_submissions(), key=lambda s: s.id)
    ana, _ = login(app, "ana")
    page = text_of(ana.get("/queue"))
    assert re.search(r'id="queue-count"[^>]*>2<', page)
    assert page.index(f'id="item-{second.id}"') < page.index(f'id="item-{first.id}"')  # newest first
    row = page[page.index(f'id="item-{first.id}"') :]
    assert "Sent in by ines" in row
    assert "Asia" in row
    assert "visto en la radio" in row
    assert f'href="/stories/{first.story_id}"' in row
    assert str(escape(TITLE)) in row

    accepted = post(ana, f"/queue/{first.id}/accept", "/queue")
    assert accepted.status_code == 303
    assert (first.article_id, True) in store.decisions()
    dismissed = post(ana, f"/queue/{second.id}/dismiss", "/queue", reason="ya publicado")
    assert dismissed.status_code == 303
    page = text_of(ana.get("/queue"))
    assert t("correspondents.done.dismissed", "en") in page
    assert t("correspondents.queue.empty", "en") in page
    assert 'id="queue-count"' not in page
    again = post(ana, f"/queue/{first.id}/accept", "/queue")
    refused = t("correspondents.already_reviewed", "en", by="ana")
    assert refused[:1].upper() + refused[1:] in text_of(ana.get(again.headers["Location"]))  # shown alone
    assert post(ana, "/queue/424242/dismiss", "/queue").status_code == 404
    assert store.submission(second.id).detail == "ya publicado"

    # What the correspondent sees: set aside, and where the accepted one was used.
    assert t("correspondents.status.dismissed", "es") in text_of(ines.get("/submissions"))
    issue = _issue_with(store, first.article_id, first.story_id, "press-review-2026-w49")
    assert t("correspondents.use.draft", "es") in text_of(ines.get("/submissions"))
    store.set_issue_state(issue, IssueState.SENDING, actor="bruno")
    store.set_issue_state(issue, IssueState.SENT, actor="bruno")
    page = text_of(ines.get("/submissions"))
    assert f'href="{SITE}/2026/press-review-2026-w49/es.html"' in page
    assert t("correspondents.use.sent", "es", issue="press-review-2026-w49") in page


# -- the credit ------------------------------------------------------------------------------------------
def test_the_credit_is_in_every_edition_and_adds_nothing_else(web):
    app, store, settings = web
    ines, _ = login(app, "ines")
    post(ines, "/submit", "/submit", title="Les sols vivants du Sahel", text="Carbone.", language="fr")
    (item,) = store.list_submissions()
    for publication in Publication:
        issue = _issue_with(store, item.article_id, item.story_id, f"{publication.value}-credit", publication)
        credited = store.issue_content(issue)
        before = {lang: render_edition(credited, lang, settings) for lang in ("fr", "en", "es")}
        printed = {lang: print_html(credited, lang, settings) for lang in ("fr", "en", "es")}
        with store.engine.begin() as conn:  # the same issue without the credit
            conn.execute(sa.update(submissions_table).values(article_id=None))
        plain = store.issue_content(issue)
        assert plain.items[0].sent_in_by == ""
        for lang, words in (
            ("fr", "Transmis par ines"),
            ("en", "Sent in by ines"),
            ("es", "Enviado por ines"),
        ):
            after = render_edition(plain, lang, settings)
            span = f' · <span class="mw-credit">{words}</span>'
            assert span in before[lang].html
            assert f" · {words}" in before[lang].text
            assert span in printed[lang]
            # Without a credit, not one byte differs: the fingerprints of existing issues stay.
            assert before[lang].html.replace(span, "") == after.html
            assert before[lang].text.replace(f" · {words}", "") == after.text
            assert printed[lang].replace(span, "") == print_html(plain, lang, settings)
        with store.engine.begin() as conn:
            conn.execute(sa.update(submissions_table).values(article_id=item.article_id))


def _issue_with(
    store, article_id: int, story_id: int, slug: str, publication=Publication.PRESS_REVIEW, words: str = ""
) -> int:
    """An issue whose one item is the article (its title, summary and outlet ``words`` when given, as
    compose copies an article's own)."""
    when = datetime(2026, 12, 1, tzinfo=UTC)
    title, summary = (words, words) if words else ("Les sols", "Résumé.")
    texts = tuple(ItemText(x, title, summary, TextOrigin.ORIGINAL, "fr") for x in ("fr", "en", "es"))
    item = NewItem(
        story_id=story_id, article_id=article_id, section="science", position=0, score=1.0,
        url="https://example.org/a", outlet=words or "Outlet", published=when, language="fr", regions=(),
        also_in=(), texts=texts,
    )  # fmt: skip
    return store.create_issue(
        slug=slug, publication=publication, title=slug, period_from=when - timedelta(days=7), period_to=when,
        languages=("fr", "en", "es"), sections=("science",), items=[item], actor="compose",
    )  # fmt: skip
