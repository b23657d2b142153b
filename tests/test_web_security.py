"""The web app as deployed: `mediawatch serve` run as a real process, driven by headless Chromium and by
plain HTTP. Forms, CSRF against base_url, redirects after login, login limits, the subscribe throttle,
share links, proxies.

Browser tests skip only when /usr/bin/chromium is absent (`make system` installs it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from deliver_samples import FROM, SECRET, SmtpServer, free_port, make_settings, open_store

from mediawatch.config import Settings
from mediawatch.i18n import t
from mediawatch.store import Store
from mediawatch.types import SubscriberStatus

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CONFIRM_LINK = re.compile(r"https?://\S+/s/confirm/[A-Za-z0-9_.\-]+")
MEDIAWATCH = str(Path(sys.executable).with_name("mediawatch"))  # the installed console script


@dataclass
class Server:
    url: str
    settings: Settings
    store: Store
    smtp: SmtpServer
    proc: subprocess.Popen[str]


def start_server(
    tmp: Path, smtp: SmtpServer, *args: str, **env_extra: str
) -> tuple[subprocess.Popen[str], str]:
    """`mediawatch serve` on a free port of 127.0.0.1, base_url being that address; waits until it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (tmp / "empty.toml").write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "MEDIAWATCH_CONFIG": str(tmp / "empty.toml"),
        "MEDIAWATCH_LANG": "en",
        "MEDIAWATCH_I18N_STRICT": "1",
        "MEDIAWATCH_BASE_URL": url,
        "MEDIAWATCH_SECRET_KEY": SECRET,
        "MEDIAWATCH_SMTP_URL": smtp.url,
        "MEDIAWATCH_MAIL_FROM": FROM,
        **env_extra,
    }
    command = [MEDIAWATCH, "--db", str(tmp / "deliver.sqlite3"), "serve", "--port", str(port), *args]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/subscribe", timeout=5).status_code == 200:
                return proc, url
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(
                f"mediawatch serve did not start: {proc.stderr.read() if proc.stderr else ''}"
            )
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path) -> Iterator[Server]:
    with SmtpServer() as smtp:
        settings = make_settings(tmp_path, smtp.url)
        store = open_store(settings)  # creates the schema before the server opens the file
        proc, url = start_server(tmp_path, smtp)
        try:
            yield Server(url, settings.with_overrides(base_url=url), store, smtp, proc)
        finally:
            stop_server(proc)
            store.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (`make system`) to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def wait_for_mail(smtp: SmtpServer, count: int) -> list:
    deadline = time.monotonic() + 30
    while len(smtp.recorder.snapshot()) < count:
        assert time.monotonic() < deadline, "no mail arrived"
        time.sleep(0.1)
    return smtp.recorder.snapshot()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:400]
    return found.group(1)


# -- item 2: every public form, posted by a real browser ------------------------------------------------
def test_a_browser_can_post_every_public_form(server, browser):
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(20_000)
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

    (mail,) = wait_for_mail(server.smtp, 1)
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
    context.set_default_timeout(20_000)
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
