"""The web app as deployed: `mediawatch serve` run as a real process, driven by headless Chromium and by
plain HTTP. Forms, CSRF against base_url, redirects after login, login limits, the subscribe throttle,
share links, proxies.

Browser tests skip only when /usr/bin/chromium is absent (`make system` installs it).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest
import requests
from deliver_samples import SECRET, SmtpServer, make_settings, open_store
from review_samples import PASSWORD, add_team, make_issue
from web_serving import (
    CONFIRM_LINK,
    MEDIAWATCH,
    Server,
    csrf_of,
    mails_to,
    start_server,
    stop_server,
    wait_for_mail,
)

from mediawatch.i18n import t
from mediawatch.types import SubscriberStatus


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """One server for the module, behind a "proxy" on 127.0.0.1: tests act as distinct clients by
    sending X-Forwarded-For, as nginx would."""
    tmp = tmp_path_factory.mktemp("serve")
    with SmtpServer() as smtp:
        settings = make_settings(tmp, smtp.url)
        store = open_store(settings)  # creates the schema before the server opens the file
        add_team(store)
        proc, url = start_server(tmp, smtp, "--workers", "2", MEDIAWATCH_TRUSTED_PROXIES="127.0.0.1")
        try:
            yield Server(url, settings.with_overrides(base_url=url), store, smtp, proc)
        finally:
            stop_server(proc)
            store.close()


# -- item 2: every public form, posted by a real browser ------------------------------------------------
def test_a_browser_can_post_every_public_form(server, browser):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(120_000)  # a bound on a hang: a loaded machine renders slowly
    page = context.new_page()
    posts: list[tuple[str, str | None]] = []
    page.on(
        "request", lambda r: posts.append((r.url, r.headers.get("origin"))) if r.method == "POST" else None
    )

    page.goto(f"{server.url}/subscribe?lang=es")
    page.fill("#email", "lucia@example.org")
    page.select_option("#language", "es")
    page.check("input[name=consent]")
    page.click("#subscribe-button")
    page.get_by_text(t("public.done.title", "es")).first.wait_for()
    sub = server.store.find_subscriber("lucia@example.org")
    assert sub.status is SubscriberStatus.PENDING

    (mail,) = wait_for_mail(server.smtp, "lucia@example.org")
    text = mail.message().get_body(("plain",)).get_content()
    confirm = CONFIRM_LINK.search(text).group(0)
    assert confirm.startswith(server.url)
    page.goto(confirm)
    assert server.store.find_subscriber(sub.id).status is SubscriberStatus.PENDING
    page.click("#confirm-button")
    page.wait_for_selector("#confirmed")
    assert server.store.find_subscriber(sub.id).status is SubscriberStatus.ACTIVE

    page.click("#preferences-link")
    page.select_option("#language", "fr")
    page.click("#save-button")
    page.get_by_text(t("public.preferences.saved", "fr")).wait_for()
    assert server.store.find_subscriber(sub.id).language == "fr"

    page.click("#prefs-unsubscribe-button")
    page.get_by_text(t("public.preferences.unsubscribed", "fr")).wait_for()
    assert server.store.find_subscriber(sub.id).status is SubscriberStatus.UNSUBSCRIBED
    page.click("#resubscribe-button")
    page.get_by_text(t("public.preferences.resubscribed", "fr")).wait_for()
    assert server.store.find_subscriber(sub.id).status is SubscriberStatus.ACTIVE

    # the unsubscribe page of the mail's List-Unsubscribe link: its button
    unsubscribe = re.search(r"<(https?://[^>]+/s/unsubscribe/[^>]+)>", mail.message()["List-Unsubscribe"])
    page.goto(unsubscribe.group(1))
    page.click("#unsubscribe-button")
    page.get_by_text(t("public.unsubscribed.title", "fr")).first.wait_for()
    assert server.store.find_subscriber(sub.id).status is SubscriberStatus.UNSUBSCRIBED

    page.goto(page.get_attribute("a[href*='/s/preferences/']", "href"))
    page.check("input[name=confirm_delete]")
    page.click("#delete-button")
    page.wait_for_selector("#deleted")
    assert server.store.find_subscriber(sub.id) is None

    # every post came from the site's own origin, as the browser says it
    assert len(posts) == 7, posts
    assert {origin for _url, origin in posts} == {server.url}
    context.close()


def test_an_expired_public_form_says_so_in_the_page_language_and_links_back(server, browser):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(120_000)  # a bound on a hang: a loaded machine renders slowly
    page = context.new_page()
    page.goto(f"{server.url}/subscribe?lang=es")
    context.clear_cookies()  # the session (and the secret of its token) is gone
    page.fill("#email", "late@example.org")
    page.check("input[name=consent]")
    page.click("#subscribe-button")
    page.wait_for_selector("#expired")
    assert page.inner_text("#expired") == t("public.expired.title", "es")
    assert page.get_attribute("html", "lang") == "es"
    assert server.store.find_subscriber("late@example.org") is None
    page.click("#expired-back")
    page.fill("#email", "late@example.org")
    page.check("input[name=consent]")
    page.click("#subscribe-button")
    page.get_by_text(t("public.done.title", "es")).first.wait_for()
    assert server.store.find_subscriber("late@example.org") is not None
    context.close()


# -- CSRF against base_url, not the request's Host ------------------------------------------------------
def test_csrf_origin_is_checked_against_base_url_not_the_host_header(server):
    http = requests.Session()
    form = {
        "email": "origin@example.org",
        "language": "en",
        "publications": "newsletter",
        "consent": "yes",
        "wording_version": csrf_wording(http, server.url),
    }
    token = csrf_of(http.get(f"{server.url}/subscribe", timeout=10).text)
    # An attacker's page on evil.example whose DNS points at this server: Host and Origin agree, but
    # neither is base_url.
    forged = http.post(
        f"{server.url}/subscribe",
        data={**form, "csrf_token": token},
        # requests picks cookies by the Host header: the session cookie is given by hand
        headers={
            "Host": "evil.example",
            "Origin": "http://evil.example",
            "Cookie": f"mediawatch_session={http.cookies['mediawatch_session']}",
        },
        timeout=10,
    )
    assert forged.status_code == 400
    assert server.store.find_subscriber("origin@example.org") is None
    # Origin: null gives no information: the token decides
    done = http.post(
        f"{server.url}/subscribe", data={**form, "csrf_token": token}, headers={"Origin": "null"}, timeout=10
    )
    assert done.status_code == 200
    assert server.store.find_subscriber("origin@example.org") is not None


def csrf_wording(http: requests.Session, url: str) -> str:
    return re.search(
        r'name="wording_version" value="([^"]+)"', http.get(f"{url}/subscribe", timeout=10).text
    ).group(1)


# -- helpers for plain HTTP clients ---------------------------------------------------------------------
def client(address: str) -> dict[str, str]:
    """Headers a trusted proxy adds for a client at ``address``."""
    return {"X-Forwarded-For": address}


def http_login(
    url: str, name: str, password: str, address: str, next_path: str | None = None
) -> tuple[requests.Session, requests.Response]:
    http = requests.Session()
    http.headers.update(client(address))
    token = csrf_of(http.get(f"{url}/login", timeout=10).text)
    form = {"name": name, "password": password, "csrf_token": token}
    if next_path is not None:
        form["next"] = next_path
    return http, http.post(f"{url}/login", data=form, allow_redirects=False, timeout=60)


def subscribe_as(url: str, address: str, email: str) -> requests.Response:
    http = requests.Session()
    http.headers.update(client(address))
    page = http.get(f"{url}/subscribe?lang=en", timeout=10).text
    form = {
        "email": email,
        "language": "en",
        "publications": "newsletter",
        "consent": "yes",
        "wording_version": re.search(r'name="wording_version" value="([^"]+)"', page).group(1),
        "csrf_token": csrf_of(page),
    }
    return http.post(f"{url}/subscribe?lang=en", data=form, timeout=30)


# -- production serving ---------------------------------------------------------------------------------
def test_serve_runs_gunicorn_with_several_worker_processes(server):
    import psutil

    answer = requests.get(f"{server.url}/login", timeout=10)
    assert answer.headers["Server"].startswith("gunicorn")
    workers = psutil.Process(server.proc.pid).children()
    assert len(workers) == 2, workers


def test_forwarded_headers_are_believed_only_from_a_trusted_proxy(server, tmp_path):
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    trusted = requests.get(f"{server.url}/login", headers=forwarded, timeout=10)
    assert trusted.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Secure" in trusted.headers["Set-Cookie"]
    assert subscribe_as(server.url, "203.0.113.7", "forwarded@example.org").status_code == 200
    sub = server.store.find_subscriber("forwarded@example.org")
    assert [r.ip for r in server.store.consent_records(sub.id)] == ["203.0.113.7"]

    # the same headers to a server that trusts no proxy: ignored (gunicorn's own default would have
    # believed X-Forwarded-Proto from 127.0.0.1)
    with SmtpServer() as smtp:
        open_store(make_settings(tmp_path, smtp.url)).close()
        proc, url = start_server(tmp_path, smtp)
        try:
            direct = requests.get(f"{url}/login", headers=forwarded, timeout=10)
            assert "Strict-Transport-Security" not in direct.headers
            assert "Secure" not in direct.headers["Set-Cookie"]
            assert subscribe_as(url, "203.0.113.7", "direct@example.org").status_code == 200
        finally:
            stop_server(proc)
    store = open_store(make_settings(tmp_path))
    sub = store.find_subscriber("direct@example.org")
    assert [r.ip for r in store.consent_records(sub.id)] == ["127.0.0.1"]
    store.close()


def test_hsts_when_base_url_is_https(tmp_path):
    """Behind a proxy that does not say X-Forwarded-Proto, an https base_url still gives HSTS."""
    from werkzeug.test import Client

    from mediawatch.web.app import create_app

    settings = make_settings(tmp_path)  # base_url https://news.example.org
    store = open_store(settings)
    try:
        answer = Client(create_app(settings, store)).get("/subscribe")
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        store.close()


# -- login limits ---------------------------------------------------------------------------------------
def test_one_client_cannot_lock_the_team_out(server):
    attacker = "198.51.100.66"
    for _ in range(5):
        assert http_login(server.url, "bruno", "wrong password", attacker)[1].status_code == 401
    # that client is out of bruno's account, even with the right password...
    refused = http_login(server.url, "bruno", PASSWORD, attacker)[1]
    assert refused.status_code == 429
    assert "Too many failed logins" in refused.text
    # ...but bruno, elsewhere, is not
    assert http_login(server.url, "bruno", PASSWORD, "198.51.100.10")[1].status_code == 303
    # guessing other names from the same client: 20 failures close it for every name
    for name in ("carla", "vic", "root") * 5:
        http_login(server.url, name, "wrong password", attacker)
    assert http_login(server.url, "ana", PASSWORD, attacker)[1].status_code == 429
    assert http_login(server.url, "ana", PASSWORD, "198.51.100.11")[1].status_code == 303


def test_many_addresses_slow_an_account_down_for_strangers_never_for_its_owner(tmp_path):
    from datetime import UTC, datetime, timedelta

    from mediawatch.errors import Forbidden
    from mediawatch.review.users import authenticate

    store = open_store(make_settings(tmp_path))
    add_team(store)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert authenticate(store, "bruno", PASSWORD, "10.0.0.5", now=t0).name == "bruno"  # his office
    at = t0
    for n in range(10):  # a botnet: ten addresses, one try each
        at = t0 + timedelta(seconds=10 + n)
        with pytest.raises(Forbidden, match="wrong user name or password"):
            authenticate(store, "bruno", "guess", f"192.0.2.{n}", now=at)
    # a new address waits a minute after the latest failure...
    with pytest.raises(Forbidden, match="try again in a minute"):
        authenticate(store, "bruno", PASSWORD, "10.9.9.9", now=at + timedelta(seconds=5))
    # ...bruno at his usual address does not wait at all...
    assert authenticate(store, "bruno", PASSWORD, "10.0.0.5", now=at + timedelta(seconds=6)).name == "bruno"
    # ...and nobody is locked out for good: after the pause, a new address may try again
    assert authenticate(store, "bruno", PASSWORD, "10.9.9.9", now=at + timedelta(seconds=61)).name == "bruno"
    store.close()


# -- redirects after login ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/issues\r\nSet-Cookie: planted=1",
        "/issues\n",
        "javascript:alert(1)",
    ],
)
def test_next_never_leaves_the_site_nor_breaks_the_login(server, target):
    _http, answer = http_login(server.url, "ana", PASSWORD, "198.51.100.20", next_path=target)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/watch"  # the editors' home, never the given target
    assert "planted" not in answer.headers.get("Set-Cookie", "")


def test_next_keeps_a_path_of_the_site(server):
    _http, answer = http_login(server.url, "ana", PASSWORD, "198.51.100.21", next_path="/health?x=1")
    assert answer.headers["Location"] == "/health?x=1"
    # the %09 form of the issue, through the login page's own redirect
    page = requests.get(f"{server.url}/login?next=/%09/evil.example", timeout=10)
    assert page.status_code == 200


# -- the subscribe throttle -----------------------------------------------------------------------------
def test_subscribe_is_throttled_per_client_address(server):
    address = "192.0.2.50"
    for n in range(10):
        assert subscribe_as(server.url, address, f"flood{n}@example.org").status_code == 200
    refused = subscribe_as(server.url, address, "flood10@example.org")
    assert refused.status_code == 429
    assert t("public.subscribe.too_many", "en") in refused.text
    assert server.store.find_subscriber("flood10@example.org") is None
    assert not mails_to(server.smtp, "flood10@example.org")
    # another client is not affected
    assert subscribe_as(server.url, "192.0.2.51", "flood10@example.org").status_code == 200
    wait_for_mail(server.smtp, "flood10@example.org")


def test_an_active_address_gets_one_reminder_and_the_same_answer_as_anybody(server):
    from mediawatch.deliver.subscribers import Origin, add_confirmed

    add_confirmed(
        server.store,
        email="known@example.org",
        language="en",
        publications=["newsletter"],
        origin=Origin(method="cli"),
    )
    answers = [subscribe_as(server.url, f"192.0.2.{60 + n}", "known@example.org") for n in range(3)]
    unknown = subscribe_as(server.url, "192.0.2.70", "unknown@example.org")
    assert {a.status_code for a in answers} == {200}
    assert {a.text for a in answers} == {unknown.text}  # nothing tells who is subscribed
    wait_for_mail(server.smtp, "unknown@example.org")
    (reminder,) = wait_for_mail(server.smtp, "known@example.org")
    assert "/s/preferences/" in reminder.message().get_body(("plain",)).get_content()


# -- share links ----------------------------------------------------------------------------------------
SHARED = re.compile(r'id="shared-link"[^>]*value="([^"]+)"')


def test_share_links_use_base_url_are_private_and_revocable(server, tmp_path):
    issue_id = make_issue(server.store)
    http, _answer = http_login(server.url, "ana", PASSWORD, "198.51.100.30")
    token = csrf_of(http.get(f"{server.url}/issues/{issue_id}", timeout=10).text)
    # the request names another host (an internal name, or a forged Host): the link is still base_url's
    made = http.post(
        f"{server.url}/issues/{issue_id}/editions/fr/link",
        data={"csrf_token": token},
        headers={
            "Host": "internal.invalid:8080",
            "Cookie": f"mediawatch_session={http.cookies['mediawatch_session']}",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert made.status_code == 303
    # the flashed link is in the session cookie that answer set (requests filed it under that Host)
    session = re.search(r"mediawatch_session=([^;]+)", made.headers["Set-Cookie"]).group(1)
    page = requests.get(
        f"{server.url}/issues/{issue_id}", headers={"Cookie": f"mediawatch_session={session}"}, timeout=10
    ).text
    link = SHARED.search(page).group(1)
    assert link.startswith(f"{server.url}/p/")

    reader = requests.get(link, timeout=10)
    assert reader.status_code == 200
    assert reader.headers["Cache-Control"] == "no-store"
    assert "noindex" in reader.headers["X-Robots-Tag"]
    frame = requests.get(link + "/html", timeout=10)
    assert frame.status_code == 200
    assert frame.headers["Cache-Control"] == "no-store"

    listing = http.get(f"{server.url}/issues/{issue_id}/links", timeout=10).text
    assert "<td>French</td>" in listing  # the edition's language in the reader's words, not "Français"
    (link_id,) = re.findall(r'id="revoke-([A-Za-z0-9_-]+)"', listing)
    revoked = http.post(
        f"{server.url}/issues/{issue_id}/links/{link_id}/revoke",
        data={"csrf_token": csrf_of(listing)},
        timeout=10,
    )
    assert revoked.status_code == 200
    assert t("web.links.revoked", "en") in revoked.text
    gone = requests.get(link, timeout=10)
    assert gone.status_code == 403
    assert "revoked" in gone.text
    assert requests.get(link + "/html", timeout=10).status_code == 403

    # the same from the command line
    env = {
        **os.environ,
        "MEDIAWATCH_CONFIG": str(tmp_path / "none.toml"),
        "MEDIAWATCH_BASE_URL": "https://news.example.org",
        "MEDIAWATCH_SECRET_KEY": SECRET,
        "MEDIAWATCH_LANG": "es",
    }
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    cli = [
        MEDIAWATCH,
        "--db",
        str(server.settings.db),
        "issues",
        "preview-link",
        str(issue_id),
        "--as",
        "ana",
    ]
    made = subprocess.run([*cli, "--lang", "es"], capture_output=True, text=True, env=env, check=True)
    assert made.stdout.startswith("https://news.example.org/p/")
    cli_token = made.stdout.strip().rsplit("/", 1)[1]
    assert requests.get(f"{server.url}/p/{cli_token}", timeout=10).status_code == 200
    cli_id = re.search(r"--revoke (\S+)\)", made.stderr).group(1)
    listed = subprocess.run([*cli, "--list"], capture_output=True, text=True, env=env, check=True)
    assert cli_id in listed.stdout
    assert link_id in listed.stdout
    assert "revocado por ana" in listed.stdout
    subprocess.run([*cli, "--revoke", cli_id], capture_output=True, text=True, env=env, check=True)
    assert requests.get(f"{server.url}/p/{cli_token}", timeout=10).status_code == 403
    again = subprocess.run([*cli, "--revoke", cli_id], capture_output=True, text=True, env=env)
    assert again.returncode != 0
    assert "ya está revocado" in again.stderr
    assert "Traceback" not in again.stderr


def test_an_editor_shares_and_revokes_a_link_in_the_browser(server, browser):
    issue_id = make_issue(server.store)
    context = browser.new_context(locale="fr-FR")
    context.set_default_timeout(120_000)  # a bound on a hang: a loaded machine renders slowly
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#name", "carla")  # a French interface
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#whoami")
    page.goto(f"{server.url}/issues/{issue_id}?lang=es")
    page.click("#share")
    link = page.input_value("#shared-link")
    assert link.startswith(f"{server.url}/p/")
    assert requests.get(link, timeout=10).status_code == 200
    page.click("#manage-links")
    page.wait_for_selector("#links-table")
    page.locator("button[id^=revoke-]").first.click()
    page.get_by_text(t("web.links.revoked", "fr")).wait_for()
    assert t("web.links.revoked_by", "fr", name="carla", when="")[:12] in page.inner_text("#links-table")
    assert requests.get(link, timeout=10).status_code == 403

    # a form whose session was lost: the refusal is in French, with a link back to the page it came from
    page.goto(f"{server.url}/issues/{issue_id}?lang=es")
    context.clear_cookies()
    page.click("#share")
    assert page.inner_text("#error-message") == t("web.error.csrf", "fr")
    page.click("#error-back")
    page.wait_for_selector("#login-button")  # back to the issue, which now asks for a login
    assert f"next=/issues/{issue_id}" in page.url
    context.close()
