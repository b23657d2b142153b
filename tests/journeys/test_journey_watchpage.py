"""Journeys of the watch page, the editors' home: searching and filtering the stream, adding an article by
hand and by its URL, through the deployed stack (nginx TLS, ``mediawatch serve``, the seeded database,
headless Chromium). Every form of /watch/add is posted by the browser here (test_post_routes.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hostile_server import HostileServer, Response
from journey_stack import Stack, submit
from playwright.sync_api import expect

from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
HOSTILE_TITLE = '<img src=x onerror="window.pwned=1" id="injected"> Les lombrics et le carbone des sols'
HOSTILE_OUTLET = "<script>window.pwned=2</script>Radio Sol"
STATES = {t(f"search.state.{state}", "en") for state in ("relevant", "unsure", "not_relevant")}


def search(page, text: str) -> None:
    page.fill("#watch-q", text)
    submit(page, "#watch-submit")


def test_search_and_filter_the_stream_then_add_an_item_by_hand(stack: Stack):
    stack.add_user("ana", "editor")
    ana = stack.login("ana")
    ana.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
    ana.goto(f"{stack.url}/")  # the editors' home
    assert urlsplit(ana.url).path == "/watch"
    rows = ana.locator("tr.story-row")
    everything = rows.count()
    assert everything > 2

    # A filter narrows the stream, and the search is a link.
    ana.select_option("#watch-lang", "fr")
    submit(ana, "#watch-submit")
    assert parse_qs(urlsplit(ana.url).query)["lang"] == ["fr"]
    french = rows.count()
    assert 0 < french < everything
    for languages in rows.locator("td.languages").all_inner_texts():
        assert "French" in languages.split(", ")
    assert "lang=fr" in (ana.locator("#watch-save").get_attribute("href") or "")

    # A phrase: two adjacent words of a title find that story, among no more than the filter left.
    title = rows.first.locator(".story-title").inner_text()
    words = re.findall(r"[^\W\d_]{3,}", title)
    phrase = next(f'"{a} {b}"' for a, b in zip(words, words[1:], strict=False) if f"{a} {b}" in title)
    search(ana, phrase)
    assert 1 <= rows.count() <= french
    expect(ana.locator(".story-title", has_text=title).first).to_be_visible()
    assert ana.input_value("#watch-q") == phrase

    # A syntax error is said in the page, in the reader's language.
    search(ana, '"carbone du sol')
    why = t("search.query.unbalanced_quote", "en", fragment='"carbone du sol')
    expect(ana.locator("#watch-problems")).to_contain_text(t("watchpage.error.query", "en", why=why))
    expect(rows).to_have_count(0)

    # By hand: each field error next to its field (the date checked by the library, as in the CLI), then
    # the item, whose hostile text stays text.
    ana.goto(f"{stack.url}/watch")
    ana.click("#watch-add")
    ana.fill("#add-outlet", HOSTILE_OUTLET)
    ana.fill("#add-date", "1850-03-01")
    ana.select_option("#add-language", "fr")
    submit(ana, "#add-manual-submit")
    expect(ana.locator("#problem-manual-title")).to_contain_text(t("add.empty", "en"))
    too_old = t("add.too_old_date", "en", value="1850-03-01", earliest="1900-01-01")
    date_label = t("watchpage.add.field.date", "en")  # named as its label, the date quoted
    expect(ana.locator("#problem-manual-date")).to_have_text(f"{date_label}: {too_old}")
    ana.fill("#add-date", "2026-03-01")
    ana.fill("#add-title", HOSTILE_TITLE)
    ana.fill("#add-summary", "Une émission sur les vers de terre, le carbone et la vie des sols.")
    submit(ana, "#add-manual-submit")
    story = re.fullmatch(r"/stories/(\d+)", urlsplit(ana.url).path)
    assert story is not None, ana.url
    ana.goto(f"{stack.url}/watch?q=lombrics")
    row = ana.locator(f"#story-{story.group(1)}")
    expect(row.locator(".story-title")).to_have_text(HOSTILE_TITLE)
    expect(row.locator("td.outlets")).to_have_text(HOSTILE_OUTLET)
    assert ana.locator("#injected").count() == 0
    assert ana.evaluate("typeof window.pwned") == "undefined"


def test_an_article_added_by_its_url_is_found_classified_in_the_watch(stack_factory):
    with HostileServer() as server:
        page = (PAGES / "fr_article.html").read_bytes()
        server.add_route("/2026/03/carbone-des-sols.html", Response(200, page, {"Content-Type": "text/html"}))
        stack = stack_factory(collect={"allow_private_addresses": True, "extract_workers": 1})
        stack.add_user("ana", "editor")
        ana = stack.login("ana")
        ana.goto(f"{stack.url}/watch/add")
        ana.fill("#add-url", server.url("/2026/03/carbone-des-sols.html"))
        submit(ana, "#add-url-submit")
        story = re.fullmatch(r"/stories/(\d+)", urlsplit(ana.url).path)
        assert story is not None, ana.content()[:2000]

    ana.goto(f"{stack.url}/watch?q=%22levier+sous-estim%C3%A9%22")
    row = ana.locator(f"#story-{story.group(1)}")
    expect(row.locator(".story-title")).to_contain_text("Le carbone des sols")
    assert row.locator("td.state").inner_text() in STATES  # classified, not "not classified yet"
    assert "French" in row.locator("td.languages").inner_text().split(", ")
    # An address that does not answer is refused, with the reason.
    ana.goto(f"{stack.url}/watch/add")
    ana.fill("#add-url", "http://[::1]:9/")
    submit(ana, "#add-url-submit")
    expect(ana.locator("#add-refused")).to_be_visible()
