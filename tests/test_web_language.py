"""The staff pages in French and Spanish: no raw code, catalogue key, English fragment or CLI backtick in
what a reader sees, French typography, and messages that start with a capital.

One general sweep over the pages a QA walk found faults on (filters with bad values, reversed dates, a
page past the end, a failing source, an approved issue's audit log, a refused private address, ...),
through the app on SQLite; the catalogues are checked on their own at the end.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from review_samples import PASSWORD, add_team, make_issue, signed_in
from search_samples import fill

from mediawatch.config import Settings
from mediawatch.i18n import catalogue, t
from mediawatch.review.users import add_user
from mediawatch.store import open_store
from mediawatch.types import EditionState, FetchEvent, FetchStatus, Role, Source, SourceKind, SourceState
from mediawatch.web.app import create_app

PAGES = (
    "/watch?state=foo&theme=bar&region=baz&outlet_type=qux&objective=zz",
    "/watch?since=2026-12-31&until=2026-01-01",
    "/watch?page=150",
    "/dashboard?from=2026-12-31&to=2026-01-01",
    "/dashboard?from=nonsense",
    "/dashboard?period=forever",
    "/health",
    "/unsure",
    "/watches/new?since=2026-01-01",
    "/issues",
    "/issues/{issue}",
    "/issues/{issue}/log",
)
# What leaked before: collector diagnostics, codes of filters, fetch outcomes and audit actions.
ENGLISH_OR_CODES = (
    "will not connect",
    "allow_private_addresses",
    "choose from",
    "is not a feed",
    "not-a-feed",
    "parse-error",
    "not-modified",
    "not_relevant",
    "institutional",
    "fingerprint=",
    "press-review ",
    "newsletter 20",
    "per 1000",
)
KEY_IN_ATTRIBUTE = re.compile(r'(?:title|aria-label|placeholder|data-confirm)="([a-z_]+\.[a-z_.]+)"')
TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)
FLASH = re.compile(r'<p class="flash (?:error|warn)[^"]*"[^>]*>(.*?)</p>', re.S)
# French: a letter or a closing sign glued to ":" ";" "?" "!" followed by a space (times and URLs differ).
FRENCH_GLUED = re.compile(r"[^\W\d_][:;?!](?=\s)|[)»][:;?!](?=\s)")


def visible(page: str) -> str:
    return html.unescape(TAG.sub(" ", page))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, int]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('language') / 'web.sqlite3'}"
    store = open_store(url)
    fill(store)
    add_team(store)
    add_user(store, "elena", Role.EDITOR, PASSWORD, "es")
    add_user(store, "fanny", Role.EDITOR, PASSWORD, "fr")
    store.sync_sources([Source("broken", "Broken feed", "https://broken.example/feed", SourceKind.RSS, "fr")])
    now = datetime.now(UTC)
    detail = "document is not a feed (an HTML page)"
    store.save_feed_poll(
        "broken",
        SourceState(
            consecutive_failures=2, last_status=FetchStatus.NOT_A_FEED, last_detail=detail, last_fetch=now
        ),
        FetchEvent("broken", now, FetchStatus.NOT_A_FEED, 200, detail, 0, 5),
        [],
    )
    issue = make_issue(store)
    for lang in ("fr", "en"):
        store.set_edition_state(
            issue, lang, EditionState.APPROVED, actor="carla", fingerprint="9e84" + "0" * 60
        )
    settings = Settings(secret_key="web-language-tests-secret-0123456789", extract_workers=1)
    yield create_app(settings, store), issue
    store.close()


def problems_of(page: str, lang: str) -> list[str]:
    text = visible(page)
    titles = " ".join(re.findall(r'title="([^"]*)"', page))
    found = [f"raw or English {bad!r}" for bad in ENGLISH_OR_CODES if bad in text or bad in titles]
    found += [f"key in an attribute: {key}" for key in KEY_IN_ATTRIBUTE.findall(page)]
    if "`" in text:
        found.append("a backtick: " + text[max(0, text.index("`") - 40) : text.index("`") + 40])
    for message in FLASH.findall(page):
        words = visible(message).strip()
        if words and words[0].islower() and not words.startswith(("http:", "https:")):  # a URL stays as is
            found.append(f"a message starting lower-case: {words[:60]!r}")
    if lang == "fr":
        found += [f"no space before a sign: {m.group(0)!r}" for m in FRENCH_GLUED.finditer(text)]
    return found


@pytest.mark.parametrize(("lang", "user"), [("fr", "fanny"), ("es", "elena")])
def test_pages_speak_the_readers_language_with_no_code_left(site, lang, user):
    app, issue = site
    client = signed_in(app, user)
    faults = {}
    for path in PAGES:
        answer = client.get(path.format(issue=issue))
        assert answer.status_code == 200, path
        found = problems_of(answer.get_data(as_text=True), lang)
        if found:
            faults[path] = found
    assert not faults, faults


@pytest.mark.parametrize(("lang", "user"), [("fr", "fanny"), ("es", "elena")])
def test_a_refused_private_address_is_said_in_the_readers_words(site, lang, user):
    app, _issue = site
    client = signed_in(app, user)
    page = client.get("/watch/add").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/watch/add",
        data={"mode": "url", "url": "http://127.0.0.1:9/articles/x", "language": "fr", "csrf_token": token},
    )
    text = answer.get_data(as_text=True)
    assert t("add.reason.private-address", lang) in html.unescape(text)
    assert problems_of(text, lang) == []
    empty = client.post("/watch/add", data={"mode": "url", "url": "", "language": "fr", "csrf_token": token})
    assert html.unescape(t("add.empty", lang)) in html.unescape(empty.get_data(as_text=True))


@pytest.mark.parametrize(("lang", "user"), [("fr", "fanny"), ("es", "elena")])
def test_dates_are_said_as_typed_and_a_bad_period_says_why(site, lang, user):
    app, _issue = site
    client = signed_in(app, user)
    page = visible(client.get("/watch?since=2026-12-31&until=2026-01-01").get_data(as_text=True))
    assert t("watchpage.error.reversed", lang, since="2026-12-31", until="2026-01-01") in page
    page = visible(client.get("/dashboard?from=2026-12-31&to=2026-01-01").get_data(as_text=True))
    assert t("report.dashboard.reversed", lang, start="2026-12-31", end="2026-01-01") in page
    page = visible(client.get("/watch?page=150").get_data(as_text=True))
    assert t("watchpage.past_end", lang, page=150, last=1) in page
    assert 'id="watch-last"' in client.get("/watch?page=150").get_data(as_text=True)


def test_the_interface_language_menu_offers_the_interface_languages_only(site):
    app, _issue = site
    client = signed_in(app, "fanny")
    for path in ("/watch", "/watch/add", "/issues"):
        page = client.get(path).get_data(as_text=True)
        menu = page[page.index('id="ui-language"') :].split("</select>", 1)[0]
        assert re.findall(r'<option value="([^"]+)"', menu) == ["fr", "en", "es"], path
        assert ">Français<" in menu
        assert ">Español<" in menu


def test_an_outsider_with_a_bad_preview_link_gets_a_sentence_and_no_way_into_the_staff_area(site):
    app, _issue = site
    page = app.test_client().get("/p/not-a-token", headers={"Accept-Language": "es"}).get_data(as_text=True)
    message = visible(re.search(r'<p id="error-message">(.*?)</p>', page, re.S).group(1)).strip()  # type: ignore[union-attr]
    assert message[0].isupper(), message
    assert "/issues" not in page


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_the_subscription_page_names_the_organisation_as_the_archive_does(site, lang):
    app, _issue = site
    settings_org = "4 per 1000"
    page = visible(app.test_client().get(f"/subscribe?lang={lang}").get_data(as_text=True))
    assert settings_org not in page
    assert {"fr": "4 pour 1000", "es": "4 por 1000"}[lang] in page


# -- the catalogues ------------------------------------------------------------------------------------
def test_french_catalogue_puts_a_space_before_double_signs():
    glued = re.compile(r"[^\s\u00a0\u202f«/]([:;?!])(?=\s|$)")
    bad = {k: v for k, v in catalogue("fr").items() if glued.search(v.replace("://", ""))}
    assert not bad, bad


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_field_messages_need_no_agreement_with_the_field(lang):
    """add.empty and add.too_long follow every field's name ("fecha", "nota", "título"): no gendered
    adjective may be in them."""
    gendered = {"fr": r"\b(?:long|longue|vide[s]?e)\b", "es": r"\b(?:vac[ií][oa]|larg[oa]|cort[oa])\b"}[lang]
    for key in ("add.empty", "add.too_long"):
        assert not re.search(gendered, t(key, lang, limit=10)), (key, t(key, lang, limit=10))
    # the empty choice of every filter on the watch page ("Langue", "Thème", "Région", "Type de média")
    any_choice = {"fr": r"\b(?:tou(?:te)?s|aucune?)\b", "es": r"\b(?:tod[oa]s|ningun[oa])\b"}[lang]
    assert not re.search(any_choice, t("watchpage.any", lang)), t("watchpage.any", lang)
