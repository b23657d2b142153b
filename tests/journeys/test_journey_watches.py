"""Journeys: an editor saves a watch from a search link in the browser, an article matching it comes in,
`mediawatch watches run` is killed with SIGKILL while the digest is at the SMTP server (whole, its 250 not
yet answered) and started again: the mailbox holds the digest exactly once. Then the watch's feed and its
removal through the page, as a person would use them. And "save this search" from a watch page filtered by
objective, outlet type, sent in and used: the form, the watches page and the feed keep every filter."""

from __future__ import annotations

import json
import signal
import subprocess
from urllib.parse import urlencode, urlsplit

import feedparser
import pytest
from journey_stack import MEDIAWATCH, Stack, cli_env, https_request, wait_until
from playwright.sync_api import expect

from mediawatch.i18n import t
from mediawatch.i18n.themes import objective_name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

ADDRESS = "ana@example.org"


def test_a_watch_saved_in_the_browser_mails_its_digest_exactly_once_across_a_kill(stack: Stack):
    stack.add_user("ana", "editor")
    stack.cli("users", "update", "ana", "--email", ADDRESS)
    ana = stack.login("ana")

    # The watch page's "save this search" link: the same parameter names as /watch.
    search = {"q": "mangroves carbone", "lang": "fr", "state": "relevant"}
    ana.goto(f"{stack.url}/watches/new?" + urlencode(search))
    expect(ana.locator("#w-q")).to_have_value("mangroves carbone")
    expect(ana.locator("#w-lang")).to_have_value("fr")
    expect(ana.locator("input[name=state][value=relevant]")).to_be_checked()
    # A search the syntax refuses is said beside the search, what was typed kept.
    ana.fill("#w-name", "Mangroves")
    ana.fill("#w-q", 'mangroves "carbone')
    with ana.expect_navigation():
        ana.click("#save-watch")
    expect(ana.locator("#w-q")).to_have_attribute("aria-describedby", "problem-w-q")
    expect(ana.locator("#problem-w-q")).to_contain_text("quotation mark")
    ana.fill("#w-q", "mangroves carbone")
    ana.select_option("#w-every", "daily")
    with ana.expect_navigation():
        ana.click("#save-watch")
    expect(ana.locator(".flash", has_text=t("watches.web.saved", "en", name="Mangroves"))).to_be_visible()
    row = ana.locator("tr[data-watch=Mangroves]")
    expect(row).to_contain_text(ADDRESS)
    feed = row.locator("a.feed-link").get_attribute("href")

    stack.cli(
        "articles", "add", "--manual", "--title", "Les mangroves stockent le carbone bleu", "--outlet",
        "Radio Côte", "--date", "2026-01-15", "--language", "fr", "--summary",
        "Une émission sur le carbone des mangroves et des sols côtiers.", "--as", "ana",
    )  # fmt: skip

    # The first run is killed once the server has the whole digest and before it answers.
    recorder = stack.smtp.recorder
    recorder.data_delay = 60.0
    run = subprocess.Popen(
        [*MEDIAWATCH, "watches", "run"], env=cli_env(stack.config), cwd=stack.config.parent,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_until(lambda: recorder.count >= 1 or run.poll() is not None, "the digest at the SMTP server", 120)
    assert run.poll() is None, run.communicate()
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    recorder.data_delay = 0.0
    done = stack.cli("watches", "run")
    assert "counted as sent" in done.stdout, done.stdout
    stack.cli("watches", "run")  # and again: nothing more
    mails = stack.mails_to(ADDRESS)
    assert len(mails) == 1
    message = mails[0].message()
    assert message["Subject"] == "Watch “Mangroves”: 1 new story"
    assert "Les mangroves stockent le carbone bleu" in message.get_body(("plain",)).get_content()

    # The feed at its secret address, fetched as a feed reader would (no session).
    status, _headers, body = https_request(stack.tls, "GET", feed)
    assert status == 200
    parsed = feedparser.parse(body)
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == ["Les mangroves stockent le carbone bleu"]

    # Removed through the page, once confirmed: the feed's address is gone with it.
    with ana.expect_navigation():
        row.locator("a.remove-watch", has_text=t("watches.web.remove", "en")).click()
    with ana.expect_navigation():
        ana.click("#confirm-remove")
    expect(ana.locator(".flash", has_text=t("watches.web.removed", "en", name="Mangroves"))).to_be_visible()
    assert https_request(stack.tls, "GET", feed)[0] == 404


def test_save_this_search_keeps_every_filter_of_the_watch_page(stack: Stack):
    """The QA report's search: a French editor filters the watch page by objective, outlet type, sent in
    and used, saves it as a watch, and the form, the watches page and the watch's feed keep all of it."""
    stack.add_user("carla", "editor", "fr")
    stack.cli("users", "update", "carla", "--email", "carla@example.org")
    carla = stack.login("carla", locale="fr-FR")
    carla.goto(f"{stack.url}/watch")
    carla.fill("#watch-q", "sols")
    with carla.expect_navigation():
        carla.click("#watch-submit")
    unfiltered = carla.locator("tr.story-row").count()
    for select, value in (
        ("#watch-lang", "fr"), ("#watch-objective", "A5"), ("#watch-outlet-type", "press"),
        ("#watch-sent", "no"), ("#watch-used", "no"),
    ):  # fmt: skip
        carla.select_option(select, value)
    with carla.expect_navigation():
        carla.click("#watch-submit")
    shown = set(carla.locator("tr.story-row a.story-title").all_inner_texts())
    assert 0 < len(shown) < unfiltered  # the filters matter on this data

    with carla.expect_navigation():
        carla.click("#watch-save")
    assert urlsplit(carla.url).path == "/watches/new"
    expect(carla.locator("#watch-fix")).to_have_count(0)
    for field, value, name in (
        ("#w-q", "sols", None), ("#w-lang", "fr", "français"),
        ("#w-objective", "A5", objective_name("A5", "fr")),  # its code and its name
        ("#w-outlet_type", "press", "presse"), ("#w-sent", "no", "non"), ("#w-used", "no", "non"),
    ):  # fmt: skip
        expect(carla.locator(field)).to_have_value(value)
        if name is not None:  # chosen by name, in the reader's language
            expect(carla.locator(f"{field} option:checked")).to_have_text(name)
    carla.fill("#w-name", "Sols A5")
    with carla.expect_navigation():
        carla.click("#save-watch")
    expect(carla.locator(".flash", has_text=t("watches.web.saved", "fr", name="Sols A5"))).to_be_visible()
    row = carla.locator('tr[data-watch="Sols A5"]')
    for line in (
        "Langue des articles : français", f"Objectif stratégique : {objective_name('A5', 'fr')}",
        "Type de média : presse",
        "Envoyé par un correspondant : non", "Repris dans un numéro : non",
    ):  # fmt: skip
        expect(row).to_contain_text(line)
    listed = [json.loads(line) for line in stack.cli("watches", "list", "--json").stdout.splitlines()]
    assert listed[0]["filters"] == {
        "language": "fr", "objective": "A5", "outlet_type": "press", "submitted": False, "used": False,
    }  # fmt: skip

    # The watch's feed holds the stories the page showed, no more.
    status, _headers, body = https_request(stack.tls, "GET", row.locator("a.feed-link").get_attribute("href"))
    assert status == 200
    assert {e.title for e in feedparser.parse(body).entries} == shown
