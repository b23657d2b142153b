"""The review web app, served for real on 127.0.0.1 and driven by headless Chromium (and plain HTTP).

Few browser tests, each a whole story; explicit waits on selectors, never sleeps. Skips only when
/usr/bin/chromium is absent (`make system` installs it).
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from pg_server import secret_key_for
from review_samples import PASSWORD, XSS_SUMMARY, XSS_TITLE, add_team, make_issue, open_store
from werkzeug.serving import make_server

from mediawatch.config import Settings
from mediawatch.review.users import add_user
from mediawatch.store import Store
from mediawatch.types import EditionState, IssueState, Role
from mediawatch.web.app import create_app

ARTIFACTS = Path(__file__).parent / "artifacts"
TEMPLATES = Path(__file__).resolve().parents[1] / "mediawatch" / "web" / "templates"
TEMPLATE_KEY = re.compile(r"""_\(\s*["']([A-Za-z0-9_.]+)["']""")
WAIT_BOUND_S = 120  # a bound on waits for a server: reached only when something hangs, never a measure


@dataclass
class App:
    url: str
    store: Store


@pytest.fixture(scope="module")
def app(module_db_url) -> Iterator[App]:
    store = open_store(module_db_url)
    add_team(store)
    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]
    url = f"http://127.0.0.1:{server.server_port}"
    # base_url is this server's: forms are accepted only from base_url's origin
    settings = Settings(db=module_db_url, secret_key=secret_key_for(module_db_url), base_url=url)
    server.app = create_app(settings, store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield App(url, store)
    server.shutdown()
    thread.join(timeout=WAIT_BOUND_S)
    store.close()


def login(browser, app: App, name: str):
    """A fresh browser context signed in as ``name``; returns its page."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(120_000)  # a bound on a hang: a loaded machine renders slowly
    page = context.new_page()
    # editing an approved edition asks for confirmation first (tests/test_review_ux.py checks the question)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{app.url}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#whoami")
    return page


def flash(page) -> str:
    return page.locator(".flash").first.inner_text()


def edition_state(app: App, issue_id: int, lang: str) -> EditionState:
    return next(e.state for e in app.store.issue_content(issue_id).editions if e.language == lang)


def http_login(app: App, name: str, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    page = session.get(f"{app.url}/login", timeout=WAIT_BOUND_S)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{app.url}/login",
        data={"name": name, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=WAIT_BOUND_S,
    )
    return session, response


def csrf_of(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=WAIT_BOUND_S)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


# -- the editing and approval story ---------------------------------------------------------------------
def test_edit_reorder_approve_and_the_fingerprint_rule(app, browser):
    issue_id = make_issue(app.store)
    items = app.store.issue_content(issue_id).items
    first, second = items[0].id, items[1].id  # both in "science", in this order

    ana = login(browser, app, "ana")
    ana.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    ana.wait_for_selector("#edition")
    # edit a summary: saved, marked human-edited, and the preview shows it
    ana.fill(f"#summary-{second}", "Résumé écrit par Ana : douze fermes, trois ans.")
    ana.click(f"#save-{second}")
    ana.wait_for_selector(".flash.ok")
    assert ana.input_value(f"#summary-{second}") == "Résumé écrit par Ana : douze fermes, trois ans."
    assert ana.locator(f"#item-{second} .origin").inner_text() == "edited by a person"
    ana.frame_locator("#preview-desktop").get_by_text("douze fermes, trois ans").wait_for()
    ana.frame_locator("#preview-phone").get_by_text("douze fermes, trois ans").wait_for()
    # reorder: the second science item goes up
    ana.click(f"#up-{second}")
    ana.wait_for_selector(f"#section-science article:first-of-type#item-{second}")
    order = [i.id for i in app.store.issue_content(issue_id).items if i.section == "science"]
    assert order == [second, first]
    ana.click("#submit-issue")
    ana.wait_for_selector("#issue-state[data-state=in_review]")
    # Ana is an editor: no approve button for her
    assert ana.locator("#approve").count() == 0

    bruno = login(browser, app, "bruno")
    bruno.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    bruno.fill("#approve-note", "Good to go")
    bruno.click("#approve")
    bruno.wait_for_selector("#edition[data-state=approved]")
    assert edition_state(app, issue_id, "fr") is EditionState.APPROVED

    # a stale page: Bruno looks at English, Ana changes it meanwhile, Bruno's approval is refused
    bruno.goto(f"{app.url}/issues/{issue_id}?lang=en")
    bruno.wait_for_selector("#approve")
    ana.goto(f"{app.url}/issues/{issue_id}?lang=en")
    ana.fill(f"#title-{first}", "Soil carbon stocks are rising fast")
    ana.click(f"#save-{first}")
    ana.wait_for_selector(".flash.ok")
    bruno.click("#approve")
    bruno.wait_for_selector(".flash.error")
    assert "changed since you looked at it" in flash(bruno)
    assert edition_state(app, issue_id, "en") is EditionState.IN_REVIEW
    # reloaded, the page shows the new title and approval goes through
    bruno.wait_for_selector("#approve")
    assert bruno.input_value(f"#title-{first}") == "Soil carbon stocks are rising fast"
    bruno.click("#approve")
    bruno.wait_for_selector("#edition[data-state=approved]")

    # an edit after approval sends the edition back to review, and the page says why
    ana.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    ana.fill(f"#summary-{first}", "Une nouvelle phrase après validation.")
    ana.click(f"#save-{first}")
    ana.wait_for_selector(".flash.ok")
    bruno.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    bruno.wait_for_selector("#edition[data-state=in_review]")
    assert "edited after approval" in bruno.inner_text("#edition-note")
    assert app.store.find_issue(issue_id).state is IssueState.IN_REVIEW

    # the audit log tells the whole story, with before and after
    bruno.click("#audit-link")
    bruno.wait_for_selector("#audit")
    log = bruno.inner_text("#audit")
    assert "summary edited" in log  # actions in the reader's words (tests/test_review_ux.py: FR/ES)
    assert "Une nouvelle phrase après validation." in log
    assert "edition approved" in log
    assert "approval withdrawn by an edit" in log
    assert "item moved" in log
    assert "Soil carbon stocks are rising fast" in log
    assert "bruno" in log
    assert "ana" in log
    ARTIFACTS.mkdir(exist_ok=True)
    bruno.goto(f"{app.url}/issues/{issue_id}?lang=fr")
    bruno.screenshot(path=str(ARTIFACTS / "review-issue-page.png"), full_page=False)
    ana.context.close()
    bruno.context.close()


def test_hostile_titles_and_summaries_stay_inert(app, browser):
    issue_id = make_issue(app.store, hostile=True)
    page = login(browser, app, "carla")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    first = app.store.issue_content(issue_id).items[0].id
    for url in (
        f"/issues/{issue_id}?lang=en",
        f"/issues/{issue_id}?lang=fr",
        "/issues",
        f"/issues/{issue_id}/log",
    ):
        page.goto(app.url + url)
        page.wait_for_load_state("load")
        for frame in page.frames:
            assert (
                frame.locator("#injected-img, #injected-svg, #injected-b, script:not([src])").count() == 0
            ), url
    page.goto(f"{app.url}/issues/{issue_id}?lang=en")
    assert page.input_value(f"#title-{first}") == f"{XSS_TITLE} [en]"
    assert page.input_value(f"#summary-{first}") == f"{XSS_SUMMARY} (en)"
    page.frame_locator("#preview-desktop").get_by_text('alert("xss-title")').first.wait_for()
    # an editor re-saving the hostile text keeps it text; the audit log shows it as text too
    ana = login(browser, app, "ana")
    ana.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ana.goto(f"{app.url}/issues/{issue_id}?lang=en")
    ana.fill(f"#summary-{first}", XSS_SUMMARY + " <script>alert('again')</script>")
    ana.click(f"#save-{first}")
    ana.wait_for_selector(".flash.ok")
    ana.goto(f"{app.url}/issues/{issue_id}/log")
    ana.wait_for_selector("#audit")
    assert "<script>alert('again')</script>" in ana.inner_text("#audit")
    for frame in ana.frames:
        assert frame.locator("#injected-svg, #injected-b").count() == 0
    assert dialogs == []
    page.context.close()
    ana.context.close()


def test_viewer_and_editor_cannot_approve(app, browser):
    issue_id = make_issue(app.store)
    submitter = app.store.user("ana")
    assert submitter is not None
    from mediawatch.review.actions import submit

    submit(app.store, issue_id, submitter)
    for name in ("vic", "ana"):
        page = login(browser, app, name)
        page.goto(f"{app.url}/issues/{issue_id}?lang=fr")
        page.wait_for_selector("#edition")
        assert page.locator("#approve").count() == 0
        token = page.get_attribute("input[name=csrf_token]", "value")
        fingerprint = page.get_attribute("#edition", "data-fingerprint")
        response = page.request.post(
            f"{app.url}/issues/{issue_id}/editions/fr/approve",
            form={"csrf_token": token, "fingerprint": fingerprint},
            max_redirects=0,
        )
        assert response.status == 403, name
        assert edition_state(app, issue_id, "fr") is EditionState.IN_REVIEW
        page.context.close()
    # the viewer (Spanish interface) cannot edit either, and reads the pages in Spanish
    page = login(browser, app, "vic")
    page.goto(f"{app.url}/issues/{issue_id}?lang=es")
    assert "Números" in page.inner_text("nav")
    assert page.locator(".text-form fieldset[disabled]").count() == 3
    assert page.locator("#submit-issue, #add-block, #share").count() == 0
    page.context.close()


def test_signed_preview_link_reads_without_an_account(app, browser):
    issue_id = make_issue(app.store)
    bruno = login(browser, app, "bruno")
    bruno.goto(f"{app.url}/issues/{issue_id}?lang=es")
    bruno.click("#share")
    bruno.wait_for_selector("#shared-link")
    link = bruno.input_value("#shared-link")
    assert link.startswith(f"{app.url}/p/")
    bruno.context.close()
    stranger = browser.new_context().new_page()
    stranger.goto(link)
    stranger.wait_for_selector("#shared-notice")
    stranger.frame_locator("iframe").first.get_by_text("A soil law in Chile [es]").wait_for()
    assert stranger.locator("form").count() == 0  # read-only: nothing to post, not even a login
    stranger.goto(link[:-3] + "xyz")
    assert "not valid" in stranger.inner_text("#error-message")
    stranger.goto(f"{app.url}/issues/{issue_id}")
    stranger.wait_for_selector("#login-button")  # the editor itself needs an account
    stranger.context.close()


# -- plain HTTP: CSRF, cookies, rate limit ---------------------------------------------------------------
def test_a_post_without_csrf_token_is_refused(app):
    issue_id = make_issue(app.store)
    item = app.store.issue_content(issue_id).items[0]
    session, response = http_login(app, "ana")
    assert response.status_code == 303
    url = f"{app.url}/items/{item.id}/text"
    form = {"lang": "fr", "title": "Forged title", "summary": "forged"}
    refused = session.post(url, data=form, allow_redirects=False, timeout=WAIT_BOUND_S)
    assert refused.status_code == 400
    assert "did not come from this site" in refused.text
    token = csrf_of(session, f"{app.url}/issues/{issue_id}")
    wrong = session.post(
        url, data={**form, "csrf_token": "x" + token[1:]}, allow_redirects=False, timeout=WAIT_BOUND_S
    )
    assert wrong.status_code == 400
    elsewhere = session.post(
        url,
        data={**form, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=WAIT_BOUND_S,
    )
    assert elsewhere.status_code == 400
    assert app.store.issue_content(issue_id).items[0].text("fr").title != "Forged title"
    done = session.post(url, data={**form, "csrf_token": token}, allow_redirects=False, timeout=WAIT_BOUND_S)
    assert done.status_code == 303
    assert app.store.issue_content(issue_id).items[0].text("fr").title == "Forged title"
    # a login form without its token is refused too
    assert (
        requests.post(
            f"{app.url}/login", data={"name": "ana", "password": PASSWORD}, timeout=WAIT_BOUND_S
        ).status_code
        == 400
    )


def test_session_cookie_flags_and_logout(app):
    session, response = http_login(app, "carla")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on localhost; https base_url or TLS requests add it
    assert session.get(f"{app.url}/issues", allow_redirects=False, timeout=WAIT_BOUND_S).status_code == 200
    stolen = dict(session.cookies)
    token = csrf_of(session, f"{app.url}/issues")
    assert (
        session.post(
            f"{app.url}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=WAIT_BOUND_S
        ).status_code
        == 303
    )
    # the old cookie is worthless after logout: the session ended on the server
    again = requests.get(f"{app.url}/issues", cookies=stolen, allow_redirects=False, timeout=WAIT_BOUND_S)
    assert again.status_code == 302
    assert "/login" in again.headers["Location"]


def test_login_is_rate_limited(app):
    add_user(app.store, "dora", Role.EDITOR, PASSWORD, "fr")
    for _ in range(5):
        _session, response = http_login(app, "dora", "wrong password")
        assert response.status_code == 401
        assert "Nom d'utilisateur" in response.text or "Wrong user name" in response.text
    _session, response = http_login(app, "dora")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text


def test_items_blocks_and_comments_over_http(app):
    issue_id = make_issue(app.store)
    items = app.store.issue_content(issue_id).items
    session, _response = http_login(app, "ana")
    token = csrf_of(session, f"{app.url}/issues/{issue_id}")

    def post(path: str, **form: str) -> requests.Response:
        return session.post(f"{app.url}{path}", data={"csrf_token": token, **form}, timeout=WAIT_BOUND_S)

    assert post(f"/items/{items[0].id}/section", lang="fr", section="policy").status_code == 200
    assert post(f"/items/{items[2].id}/status", lang="fr", accepted="0").status_code == 200
    assert post(f"/items/{items[1].id}/comments", lang="fr", body="Check the figure").status_code == 200
    page = post(
        f"/issues/{issue_id}/blocks", lang="fr", kind="key_figure", title="0,4 %", body="par an", link=""
    )
    assert "Block added." in page.text
    content = app.store.issue_content(issue_id)
    moved = next(i for i in content.items if i.id == items[0].id)
    assert (moved.section, moved.position) == ("policy", 1)
    assert next(i for i in content.items if i.id == items[2].id).status.value == "rejected"
    assert (items[2].article_id, False) in app.store.decisions()
    assert [c.body for c in app.store.comments(issue_id)] == ["Check the figure"]
    (block,) = content.blocks_for("fr")
    assert post(f"/blocks/{block.id}", title="0,4 %", body="par an, partout", link="").status_code == 200
    assert app.store.issue_content(issue_id).blocks_for("fr")[0].body == "par an, partout"
    # A bad link is said beside the link field, which keeps what was typed and takes the focus.
    for link, words in (("javascript:alert(1)", "must start with https://"), ("https://", "not a valid web")):
        refused = post(f"/blocks/{block.id}", title="x", body="y", link=link)
        assert refused.status_code == 422
        field = re.search(rf'<input id="block-link-{block.id}"[^>]*>', refused.text)
        assert field is not None
        assert f'aria-describedby="block-link-{block.id}-problem"' in field.group(0)
        assert 'aria-invalid="true"' in field.group(0)
        assert "autofocus" in field.group(0)
        assert f'value="{html.escape(link)}"' in field.group(0)
        note = re.search(rf'<p [^>]*id="block-link-{block.id}-problem"[^>]*>(.*?)</p>', refused.text, re.S)
        assert note is not None
        assert words in html.unescape(note.group(1))
        assert html.unescape(refused.text).count(words) == 1  # said there, not atop the form as well
    assert post(f"/blocks/{block.id}/delete").status_code == 200
    assert app.store.issue_content(issue_id).blocks_for("fr") == ()
    assert session.get(f"{app.url}/issues/999999", timeout=WAIT_BOUND_S).status_code == 404
    assert post("/items/999999/text", lang="fr", title="x").status_code == 404


def test_health_and_unsure_pages(app):
    from mediawatch.types import Classification

    issue_id = make_issue(app.store)
    article = app.store.issue_content(issue_id).items[0].article_id
    unsure = Classification(str(article), "en", 0.99, False, 0.48, True, (), (), (), (), "test")
    app.store.save_classifications([unsure])
    session, _response = http_login(app, "carla")  # French interface
    health = session.get(f"{app.url}/health", timeout=WAIT_BOUND_S)
    assert health.status_code == 200
    assert "Santé de la collecte" in health.text
    assert "review-test" in health.text
    page = session.get(f"{app.url}/unsure", timeout=WAIT_BOUND_S)
    assert f'id="article-{article}"' in page.text
    token = csrf_of(session, f"{app.url}/unsure")
    done = session.post(
        f"{app.url}/unsure/{article}", data={"relevant": "1", "csrf_token": token}, timeout=WAIT_BOUND_S
    )
    assert done.status_code == 200
    assert "le classifieur apprendra" in done.text
    assert (article, True) in app.store.decisions()
    viewer, _response = http_login(app, "vic")
    token = csrf_of(viewer, f"{app.url}/unsure")
    refused = viewer.post(
        f"{app.url}/unsure/{article}", data={"relevant": "0", "csrf_token": token}, timeout=WAIT_BOUND_S
    )
    assert refused.status_code == 403


def test_mediawatch_serve_runs_the_app(tmp_path):
    """The real command: `mediawatch serve` on a free port answers the login page, then stops."""
    import os
    import subprocess
    import sys

    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env = {**os.environ, "MEDIAWATCH_CONFIG": str(tmp_path / "empty.toml"), "MEDIAWATCH_LANG": "en"}
    mediawatch = str(Path(sys.executable).with_name("mediawatch"))  # the installed console script
    command = [mediawatch, "--db", str(tmp_path / "db.sqlite3"), "serve", "--port", "0"]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as proc:
        try:
            line = proc.stderr.readline()
            found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            assert found, line
            url = found.group(1)
            page = requests.get(url + "login", timeout=WAIT_BOUND_S)
            assert page.status_code == 200
            assert 'name="csrf_token"' in page.text
        finally:
            proc.terminate()  # a graceful shutdown may take graceful_timeout (20 s) on a busy machine
            proc.wait(timeout=WAIT_BOUND_S)
    assert (tmp_path / "db.sqlite3.secret-key").exists()


def test_every_template_key_exists():
    from mediawatch.i18n import LANGUAGES, catalogue

    used = {key for path in TEMPLATES.glob("*.html") for key in TEMPLATE_KEY.findall(path.read_text("utf-8"))}
    assert "web.login.title" in used
    for lang in LANGUAGES:
        missing = sorted(used - set(catalogue(lang)))
        assert not missing, f"templates use keys absent from web.{lang}.toml: {missing}"
