"""The issue editor never loses what an editor typed, and says what happened where they are looking.

A real server on 127.0.0.1 and headless Chromium posting the forms: typing in one item and saving
another, a session that ends while editing, refusals on a long page, editing an approved edition.
Explicit waits on selectors and polling with generous timeouts, never sleeps. Skips only when
/usr/bin/chromium is absent (`make system` installs it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from review_samples import LANGS, PASSWORD, _articles, _texts, add_team, open_store
from werkzeug.serving import make_server

from mediawatch.config import Settings
from mediawatch.review import actions
from mediawatch.review.users import acting_user
from mediawatch.store import Store, schema_review
from mediawatch.store.issues import NewItem
from mediawatch.types import EditionState, Publication
from mediawatch.web.app import create_app

pytestmark = pytest.mark.browser

# Is the element inside the visible part of the window (where the user is looking)?
IN_VIEW_JS = """
(el) => { const r = el.getBoundingClientRect();
          return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }
"""
SECTIONS = ("science", "policy")


@dataclass
class App:
    url: str
    store: Store
    settings: Settings


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    tmp = tmp_path_factory.mktemp("ux")
    store = open_store(tmp)
    add_team(store)
    settings = Settings(db=str(tmp / "review.sqlite3"))
    server = make_server("127.0.0.1", 0, create_app(settings, store), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield App(f"http://127.0.0.1:{server.server_port}", store, settings)
    server.shutdown()
    thread.join(timeout=10)
    store.close()


def long_issue(store: Store, count: int = 16) -> int:
    """A draft newsletter long enough that its last items are thousands of pixels down."""
    ids = _articles(store, count)
    items = [
        NewItem(
            story_id=5000 + n,
            article_id=ids[n],
            section=SECTIONS[n % 2],
            position=n // 2,
            score=0.9,
            url=f"https://news.example.org/long/{n}",
            outlet=f"Outlet {n}",
            published=datetime(2026, 11, 18, tzinfo=UTC),
            language="en",
            regions=("global",),
            also_in=(),
            texts=_texts(f"Story number {n} about soil", "A summary long enough to fill a few lines. " * 4),
        )
        for n in range(count)
    ]
    return store.create_issue(
        slug=f"newsletter-ux-{ids[0]}",
        publication=Publication.NEWSLETTER,
        title="A long week of soil news",
        period_from=datetime(2026, 11, 17, tzinfo=UTC),
        period_to=datetime(2026, 11, 24, tzinfo=UTC),
        languages=LANGS,
        sections=SECTIONS,
        items=items,
        actor="compose",
    )


def login(browser, app: App, name: str, locale: str = "en-GB", height: int = 800):
    context = browser.new_context(viewport={"width": 1400, "height": height}, locale=locale)
    context.set_default_timeout(120_000)  # a bound on a hang: a loaded machine renders slowly
    page = context.new_page()
    page.goto(f"{app.url}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#whoami")
    return page


def item_text(app: App, item_id: int, lang: str) -> tuple[str, str]:
    item = next(i for i in app.store.issue_content(item_issue(app, item_id)).items if i.id == item_id)
    text = item.text(lang)
    assert text is not None
    return text.title, text.summary


def item_issue(app: App, item_id: int) -> int:
    return app.store.item_issue_id(item_id)


def edition_state(app: App, issue_id: int, lang: str) -> EditionState:
    return next(e.state for e in app.store.issue_content(issue_id).editions if e.language == lang)


def wait_in_view(page, selector: str) -> None:
    page.wait_for_function(
        f"() => {{ const el = document.querySelector({selector!r}); "
        f"return !!el && ({IN_VIEW_JS.strip()})(el); }}"
    )


# -- 1. typing in item A, then saving item C, keeps A ----------------------------------------------------
def test_saving_one_item_keeps_what_was_typed_in_another(app, browser):
    issue_id = long_issue(app.store)
    items = app.store.issue_content(issue_id).items
    a, c = items[0].id, items[-1].id
    ana = login(browser, app, "ana")
    ana.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    ana.fill(f"#summary-{a}", "Ana's new words for item A")
    ana.fill(f"#title-{c}", "Ana's new title for item C")
    ana.click(f"#save-{c}")
    ana.wait_for_selector(f'#item-{c} .flash.ok[data-for="item-{c}"]')
    assert item_text(app, c, "fr")[0] == "Ana's new title for item C"
    assert item_text(app, a, "fr")[1] == "Ana's new words for item A"  # saved too, not dropped
    assert ana.input_value(f"#summary-{a}") == "Ana's new words for item A"
    ana.wait_for_selector(f'#item-{a} .flash.ok[data-for="item-{a}"]')  # its own "saved", at A

    # a click elsewhere (accept an item) also saves the text typed first
    ana.fill(f"#title-{a}", "Typed before accepting another item")
    ana.click(f"#accept-{c}")
    ana.wait_for_selector(f'#item-{c}-status:text("accepted")')
    assert item_text(app, a, "fr")[0] == "Typed before accepting another item"

    # leaving with unsaved text asks first; staying keeps the text
    ana.fill(f"#summary-{c}", "Not saved yet")
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    ana.on("dialog", on_dialog)
    ana.click("#audit-link", no_wait_after=True)
    ana.wait_for_function("() => true")
    assert asked == ["beforeunload"]
    assert ana.url.startswith(f"{app.url}/issues/{issue_id}")
    assert ana.input_value(f"#summary-{c}") == "Not saved yet"
    ana.context.close()


# -- 2. a session that ends while editing ---------------------------------------------------------------
def test_a_session_that_ends_while_editing_keeps_the_text_and_saves_it_after_signing_in(app, browser):
    issue_id = long_issue(app.store)
    item = app.store.issue_content(issue_id).items[3].id
    carla = login(browser, app, "carla", locale="fr-FR")
    carla.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    carla.fill(f"#summary-{item}", "Un long texte que Carla ne veut pas perdre.")
    with app.store._tx() as conn:  # noqa: SLF001 - the session expires while Carla types
        conn.execute(
            sa.update(schema_review.web_sessions).values(expires_at=datetime.now(UTC) - timedelta(1))
        )
    carla.click(f"#save-{item}")
    carla.wait_for_selector("#resume-notice")
    assert "Method Not Allowed" not in carla.content()
    assert "conservé" in carla.inner_text("#resume-notice")  # the browser's language: French
    assert "Un long texte que Carla ne veut pas perdre." in carla.input_value("textarea.kept[name=summary]")
    # a wrong password keeps the text too
    carla.fill("#name", "carla")
    carla.fill("#password", "not the password")
    carla.click("#login-button")
    carla.wait_for_selector("#login-error")
    assert carla.input_value("textarea.kept[name=summary]") == "Un long texte que Carla ne veut pas perdre."
    carla.fill("#name", "carla")
    carla.fill("#password", PASSWORD)
    carla.click("#login-button")
    carla.wait_for_selector(f'#item-{item} .flash.ok[data-for="item-{item}"]')
    assert carla.url.endswith(f"#item-{item}")
    assert "Enregistré" in carla.inner_text(f"#item-{item} .flash.ok")
    assert item_text(app, item, "fr")[1] == "Un long texte que Carla ne veut pas perdre."
    # opening a form's address directly: a translated page, never a raw 405
    carla.goto(f"{app.url}/items/{item}/text")
    assert "Method Not Allowed" not in carla.content()
    assert "Revenez à la page" in carla.inner_text("#error-message")
    carla.context.close()


def test_no_raw_405_page(app):
    response = requests.get(
        f"{app.url}/logout", headers={"Accept-Language": "es"}, timeout=10, allow_redirects=False
    )
    assert response.status_code == 405
    assert "Method Not Allowed" not in response.text
    assert "Vuelva a la página" in response.text
    assert "POST" in response.headers["Allow"]


# -- 3. refusals and confirmations where the user is looking --------------------------------------------
def test_refusals_and_confirmations_are_drawn_where_the_page_jumps(app, browser):
    issue_id = long_issue(app.store)
    items = app.store.issue_content(issue_id).items
    last = items[-1].id
    actions.submit(app.store, issue_id, acting_user(app.store, "ana"))
    bruno = login(browser, app, "bruno", height=600)
    bruno.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    # Bruno rewrites an item far down the page: the confirmation is next to it, on screen
    bruno.fill(f"#summary-{last}", "Bruno's own summary")
    bruno.click(f"#save-{last}")
    wait_in_view(bruno, f'#item-{last} .flash.ok[data-for="item-{last}"]')
    # four-eyes: Bruno cannot approve his own rewrite; the refusal is on screen where the page jumped
    bruno.click("#approve")
    wait_in_view(bruno, '#edition .flash.error[data-for="edition"]')
    assert "Four-eyes rule" in bruno.inner_text("#edition .flash.error")  # a message alone: a capital
    assert edition_state(app, issue_id, "fr") is EditionState.IN_REVIEW
    # stale page: Carla looks, Ana changes the text meanwhile, Carla's approval is refused on screen
    carla = login(browser, app, "carla", height=600)
    carla.goto(f"{app.url}/issues/{issue_id}?lang=en")
    carla.wait_for_selector("#approve")
    ana = login(browser, app, "ana")
    ana.goto(f"{app.url}/issues/{issue_id}?lang=en")
    ana.fill(f"#title-{items[0].id}", "A title Carla has not seen")
    ana.click(f"#save-{items[0].id}")
    ana.wait_for_selector(".flash.ok")
    carla.click("#approve")
    wait_in_view(carla, '#edition .flash.error[data-for="edition"]')
    assert "a changé depuis" in carla.inner_text("#edition .flash.error")  # Carla reads French
    for page in (ana, bruno, carla):
        page.context.close()


# -- 4. editing an approved edition: warned before, told after ---------------------------------------------
def test_editing_an_approved_edition_warns_first_and_says_the_approval_was_withdrawn(app, browser):
    issue_id = long_issue(app.store, count=4)
    item = app.store.issue_content(issue_id).items[1].id
    actions.submit(app.store, issue_id, acting_user(app.store, "ana"))
    actions.approve(app.store, issue_id, "fr", acting_user(app.store, "bruno"), app.settings)
    ana = login(browser, app, "ana")
    ana.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    assert "Saving a change here withdraws that approval" in ana.inner_text("#approved-notice")
    questions = []

    def answer(accept: bool):
        def on_dialog(dialog):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return on_dialog

    handler = answer(False)
    ana.on("dialog", handler)
    ana.fill(f"#title-{item}", "Changed after approval")
    ana.click(f"#save-{item}")
    assert len(questions) == 1
    assert "withdraws its approval" in questions[0]
    assert edition_state(app, issue_id, "fr") is EditionState.APPROVED  # said no: nothing happened
    ana.remove_listener("dialog", handler)
    ana.on("dialog", answer(True))
    ana.click(f"#save-{item}")
    ana.wait_for_selector(f'#item-{item} .flash.warn[data-for="item-{item}"]')
    assert "approval of the French edition was withdrawn" in ana.inner_text(f"#item-{item} .flash.warn")
    assert edition_state(app, issue_id, "fr") is EditionState.IN_REVIEW
    assert item_text(app, item, "fr")[0] == "Changed after approval"
    ana.context.close()


# -- 5. the audit log, the health page and the menu in the reader's language ----------------------------
def http_login(app: App, name: str) -> requests.Session:
    import re

    session = requests.Session()
    page = session.get(f"{app.url}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = session.post(
        f"{app.url}/login", data={"name": name, "password": PASSWORD, "csrf_token": token}, timeout=30
    )
    assert done.status_code == 200
    return session


def test_audit_log_health_and_menu_speak_the_readers_language(app):
    from mediawatch.review import editing
    from mediawatch.types import FetchEvent, FetchStatus, Source, SourceKind, SourceState

    issue_id = long_issue(app.store, count=4)
    items = app.store.issue_content(issue_id).items  # items[0] and items[1]: the two science items
    ana, bruno = acting_user(app.store, "ana"), acting_user(app.store, "bruno")
    actions.submit(app.store, issue_id, ana)
    actions.approve(app.store, issue_id, "es", bruno, app.settings)
    editing.edit_text(app.store, items[0].id, "es", ana, title="Un título nuevo", summary=None)
    editing.shift_item(app.store, items[0].id, ana, +1)

    carla = http_login(app, "carla")  # French
    page = carla.get(f"{app.url}/issues/{issue_id}/log", timeout=30).text
    expected = (
        "numéro créé",
        "titre modifié",
        "édition validée",
        "validation retirée par une modification",
        "modifiée après validation",
        "texte de l&#39;article",
        "espagnol",
        "4 articles, éditions français, anglais et espagnol",
        "article déplacé",
    )
    for words in expected:
        assert words in page, words
    for raw in (">edition.approved<", ">item.title<", "edited after approval", ">in_review<", ">es<"):
        assert raw not in page, raw
    assert "Tableau de bord" in page  # the dashboard is in the menu
    assert carla.get(f"{app.url}/dashboard", timeout=60).status_code == 200

    # a source failing twice in a row, shown in Spanish with the right plural
    app.store.sync_sources(
        [Source("ux-failing", "Failing feed", "https://down.example.org/rss", SourceKind.RSS, "es")]
    )
    for n in (1, 2):
        event = FetchEvent("ux-failing", datetime.now(UTC), FetchStatus.TIMEOUT, None, "timed out", 0, 10)
        app.store.record_fetch(
            "ux-failing", SourceState(consecutive_failures=n, last_status=FetchStatus.TIMEOUT), event
        )
    vic = http_login(app, "vic")  # Spanish
    health = vic.get(f"{app.url}/health", timeout=30).text
    assert "fallando: 2 veces seguidas (tiempo agotado)" in health
    assert ">timeout<" not in health
    assert 'id="nav-dashboard">Panel<' in health


def test_an_unsure_verdict_is_confirmed_on_its_row(app):
    import re

    from mediawatch.types import Classification

    issue_id = long_issue(app.store, count=2)
    article = app.store.issue_content(issue_id).items[0].article_id
    app.store.save_classifications(
        [Classification(str(article), "en", 0.99, False, 0.48, True, (), (), (), (), "test")]
    )
    carla = http_login(app, "carla")
    page = carla.get(f"{app.url}/unsure", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = carla.post(f"{app.url}/unsure/{article}", data={"relevant": "0", "csrf_token": token}, timeout=30)
    row = re.search(rf'<tr id="article-{article}">(.*?)</tr>', done.text, re.S).group(1)
    assert "le classifieur apprendra" in row  # where the page jumps (#article-N), not at the top
    assert "<td>anglais</td>" in row  # the article's language in words
