"""A regional correspondent's items reach the editors' queue, in a browser, through the deployed stack
(nginx TLS, gunicorn, the journey database, headless Chromium).

Inés, a correspondent who reads Spanish, signs in and lands on the form; she sends a page served by a local
HTTP server (fetched under the collector's rules, so the stack may fetch 127.0.0.1 here) and a radio item
typed by hand, finds both in her list, and is refused the team's pages. Ana, an editor, sees the count in
the navigation, the items in the queue with who sent them, from where, her note and the story; she accepts
one and sets the other aside, and Inés sees what became of them.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from hostile_server import HostileServer, Response
from journey_stack import Stack
from playwright.sync_api import expect

from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

PAGE = "/monde/2015/04/30/un-troisieme-francais-mort-au-nepal.html"
TITLE = "Un troisième Français mort dans le séisme au Népal"


@pytest.fixture
def news_site(corpus_dir):
    page = (corpus_dir("readability_test_pages") / "liberation-1" / "source.html.gz").read_bytes()
    with HostileServer() as server:
        server.add_route(PAGE, Response(200, page, {"Content-Type": "text/html", "Content-Encoding": "gzip"}))
        yield server


def send(page, **fields: str) -> None:
    for name, value in fields.items():
        if name in ("language", "region"):
            page.select_option(f"#{name}", value)
        else:
            page.fill(f"#{name}", value)
    with page.expect_navigation():
        page.click("#send")


def row_of(page, title: str):
    return page.locator("tr", has=page.locator(".item-title", has_text=title))


def test_a_correspondents_items_reach_the_editors_queue(stack_factory, news_site):
    stack: Stack = stack_factory(collect={"allow_private_addresses": True, "per_host_delay": 0.0})
    stack.add_user("ines", "correspondent", "es")
    stack.add_user("ana", "editor", "en")

    ines = stack.login("ines", locale="es-ES")
    assert urlsplit(ines.url).path == "/submit"
    expect(ines.locator("h1")).to_have_text(t("correspondents.submit.title", "es"))

    # A bad form first: the problem is said next to its field, in her language.
    send(ines, title="Sequía en el Chaco")
    expect(ines.locator("#problem-text")).to_contain_text(t("add.empty", "es"))
    expect(ines.locator("#title")).to_have_value("Sequía en el Chaco")

    # A page on the web, and a radio item by hand.
    ines.goto(f"{stack.url}/submit")
    send(ines, url=news_site.url(PAGE), region="asia", note="Lo oí en la radio <b>esta mañana</b>")
    assert urlsplit(ines.url).path == "/submissions"
    expect(ines.locator(".flash.ok").first).to_have_text(t("correspondents.done.sent", "es"))
    mine = row_of(ines, TITLE)
    expect(mine).to_contain_text(t("correspondents.status.added", "es"))
    expect(mine).to_contain_text("Asia")
    expect(mine.locator(".note")).to_have_text("Lo oí en la radio <b>esta mañana</b>")  # as text
    ines.click("#nav-submit")
    send(ines, title="Sequía en el Chaco", text="Los productores del Chaco pierden suelo.", language="es",
         region="latin_america", outlet="Radio Chaco")  # fmt: skip
    expect(row_of(ines, "Sequía en el Chaco")).to_contain_text("América Latina")
    expect(ines.locator("#my-items tbody tr")).to_have_count(2)

    # The team's pages are not hers.
    ines.goto(f"{stack.url}/issues")
    expect(ines.locator("#error-message")).to_have_text(t("web.error.forbidden", "es"))
    ines.click("#error-back")
    assert urlsplit(ines.url).path == "/submit"

    # The editor's queue.
    ana = stack.login("ana")
    expect(ana.locator("#queue-count")).to_have_text("2")
    with ana.expect_navigation():
        ana.click("#nav-queue")
    rows = ana.locator("#queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Sequía en el Chaco")  # newest first
    page_row = row_of(ana, TITLE)
    expect(page_row.locator(".attribution")).to_contain_text(
        t("correspondents.queue.sent_by", "en", name="ines")
    )
    expect(page_row.locator(".attribution")).to_contain_text("Asia")
    expect(page_row.locator(".note")).to_have_text("Lo oí en la radio <b>esta mañana</b>")
    story = page_row.locator("a.item-title").get_attribute("href")
    assert story.startswith("/stories/")

    # Items waiting in the queue do not break the other pages (the menu's count once hid an issue's own list
    # of what it waits for, and every issue page answered 500).
    composed = json.loads(stack.cli("compose", "newsletter", "--from", "30d", "--as", "ana", "--json").stdout)
    ana.goto(f"{stack.url}/issues/{composed['issue']}")
    expect(ana.locator("#queue-count")).to_have_text("2")
    expect(ana.locator("h1")).to_be_visible()
    expect(ana.locator("#error-message")).to_have_count(0)
    ana.goto(f"{stack.url}/queue")

    accept = page_row.locator("button[id^=accept-]")
    with ana.expect_navigation():
        accept.click()
    expect(ana.locator(".flash.ok").first).to_have_text(t("correspondents.done.accepted", "en"))
    radio = row_of(ana, "Sequía en el Chaco")
    # A reason longer than the box takes (pasted past maxlength): said by the box's label, kept waiting
    box = radio.locator("input[name=reason]")
    box.evaluate("box => box.removeAttribute('maxlength')")
    box.fill("x" * 2001)
    with ana.expect_navigation():
        radio.locator("button[id^=dismiss-]").click()
    expect(ana.locator(".flash.error").first).to_contain_text(t("correspondents.field.reason", "en") + ": ")
    radio = row_of(ana, "Sequía en el Chaco")
    radio.locator("input[name=reason]").fill("Ya lo tenemos")
    with ana.expect_navigation():
        radio.locator("button[id^=dismiss-]").click()
    expect(ana.locator("#queue-empty")).to_be_visible()
    expect(ana.locator("#queue-count")).to_have_count(0)

    # What Inés sees of it.
    ines.goto(f"{stack.url}/submissions")
    expect(row_of(ines, "Sequía en el Chaco")).to_contain_text(t("correspondents.status.dismissed", "es"))
    expect(row_of(ines, TITLE).locator(".used")).to_have_text(t("correspondents.use.none", "es"))
    listed = stack.cli("submissions", "list", "--author", "ines", "--json").stdout.splitlines()
    assert len(listed) == 2


def test_an_address_with_a_malformed_host_is_refused_in_the_form_and_an_unsettled_item_is_settled(
    stack_factory,
):
    """`https://www..elpais.com/a` (a double dot) made the resolver raise: HTTP 500 on /submit and /watch/add,
    and the item, stored first, stayed "recibido" in her list and in the queue for ever."""
    from datetime import UTC, datetime, timedelta

    from mediawatch.store import open_store
    from mediawatch.store.submissions import NewSubmission

    stack: Stack = stack_factory()
    stack.add_user("ines", "correspondent", "es")
    stack.add_user("ana", "editor", "fr")

    ines = stack.login("ines", locale="es-ES")
    send(ines, url="https://www..elpais.com/a", note="urgente")
    expect(ines.locator("#error-message")).to_have_count(0)
    # named as its label names it, what she typed in Spanish quotes
    expect(ines.locator("#problem-url")).to_have_text(
        re.compile(
            "^"
            + re.escape(t("correspondents.field.url", "es"))
            + re.escape(": «https://www..elpais.com/a» no es una dirección web:")
            + re.escape(" el nombre de host «www..elpais.com»")
        )
    )
    expect(ines.locator("#url")).to_have_value("https://www..elpais.com/a")  # what she typed is kept
    ines.fill("#url", "https://" + "a" * 70 + ".org/")
    with ines.expect_navigation():
        ines.click("#send")
    expect(ines.locator("#problem-url")).to_contain_text("no es una dirección web")
    assert stack.cli("submissions", "list", "--json").stdout.strip() == ""  # nothing stored

    # The editor's form: the same refusal, in French, next to the address.
    ana = stack.login("ana", locale="fr-FR")
    ana.goto(f"{stack.url}/watch/add")
    ana.fill("#add-url", "https://www..lemonde.fr/planete/article.html")
    with ana.expect_navigation():
        ana.click("#add-url-submit")
    expect(ana.locator("#error-message")).to_have_count(0)
    expect(ana.locator("#problem-url-url")).to_contain_text(
        "Adresse (URL) : «\u00a0https://www..lemonde.fr/planete/article.html\u00a0»"
        " n'est pas une adresse web : le nom d'hôte «\u00a0www..lemonde.fr\u00a0» n'est pas valide"
    )

    # An item stored before the check existed, left "received" by the 500: the nightly's resume settles it.
    with open_store(str(stack.settings["collect"]["db"])) as store:
        stuck = store.add_submission(
            NewSubmission(author="ines", url="https://www..elpais.com/b", note="de antes"),
            datetime.now(UTC) - timedelta(hours=1),
        )
    ines.goto(f"{stack.url}/submissions")
    expect(ines.locator(f"#item-{stuck.id} .status")).to_have_text(t("correspondents.status.received", "es"))
    stack.cli("submissions", "resume")
    ines.reload()
    status = ines.locator(f"#item-{stuck.id} .status")
    expect(status).to_contain_text(t("correspondents.status.failed", "es"))
    expect(status.locator(".failure")).to_contain_text("el nombre de host «www..elpais.com» no es válido")
    # In the queue it waits for a decision like any refused item; the editor sets it aside.
    ana.goto(f"{stack.url}/queue")
    expect(ana.locator("#queue-count")).to_have_text("1")
    row = ana.locator(f"#item-{stuck.id}")
    expect(row).to_contain_text(t("correspondents.status.failed", "fr"))
    with ana.expect_navigation():
        row.locator("button[id^=dismiss-]").click()
    expect(ana.locator("#queue-empty")).to_be_visible()
    resumed = stack.cli("submissions", "resume").stdout.strip()
    assert resumed == t("correspondents.cli.none", "en")  # settled: never made again
