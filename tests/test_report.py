"""The dashboard report: numbers from a small database filled through the Store API, the SVG, the HTML."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from lxml import html as lxml_html

from mediawatch.cli import cli
from mediawatch.i18n import LANGUAGES, catalogue
from mediawatch.i18n.regions import REGION_KEYS
from mediawatch.i18n.themes import THEME_KEYS
from mediawatch.report import (
    build_report,
    render_report_fragment,
    render_report_html,
    svg,
    week_of,
    weeks_between,
)
from mediawatch.report.html import TEMPLATES, charts
from mediawatch.store import NewEntry, open_store
from mediawatch.types import (
    Classification,
    FetchEvent,
    FetchStatus,
    Region,
    Source,
    SourceKind,
    SourceState,
    TermMatch,
    Theme,
)

# April 2024: the 1st is a Monday, so the period is exactly ISO weeks 14 to 17.
START = datetime(2024, 4, 1, tzinfo=UTC)
END = datetime(2024, 4, 29, tzinfo=UTC)
NOW = datetime(2024, 4, 30, 8, 0, tzinfo=UTC)


def day(n: int, hour: int = 9) -> datetime:
    return START + timedelta(days=n, hours=hour)


SOURCES = [
    Source("terre", "Terre & Sols", "https://terre.example/feed", SourceKind.RSS, "fr"),
    Source("soil-news", "Soil News", "https://soil.example/feed", SourceKind.RSS, "en"),
    Source("suelo", "Suelo Vivo", "https://suelo.example/feed", SourceKind.RSS, "es"),
    Source("broken", "Broken Feed", "https://broken.example/feed", SourceKind.RSS, "fr"),
    Source("quiet", "Quiet Blog", "https://quiet.example/feed", SourceKind.RSS, "en"),
]

INITIATIVE = TermMatch("initiative 4 pour 1000", "initiative_4p1000", "title", 3.0)

# (key, source, day offset, language, relevant, themes, regions, initiative term)
ARTICLES = [
    ("a1", "terre", 0, "fr", True, (Theme.POLICY,), (Region.EUROPE,), False),
    ("a2", "terre", 1, "fr", True, (Theme.INITIATIVE_4P1000, Theme.POLICY), (Region.EUROPE,), True),
    ("a3", "soil-news", 2, "en", True, (Theme.SCIENCE,), (Region.AFRICA,), False),
    ("a4", "soil-news", 8, "en", True, (Theme.PRACTICES,), (Region.AFRICA, Region.EUROPE), False),
    ("a5", "suelo", 9, "es", True, (Theme.PRACTICES,), (Region.LATIN_AMERICA,), False),
    ("a6", "suelo", 10, "es", False, (), (), False),  # collected, not relevant
    ("a7", "terre", 15, "fr", False, (), (), True),  # names the initiative, judged not relevant
    ("a8", "soil-news", 22, "en", True, (Theme.FINANCE_MARKETS,), (Region.GLOBAL,), False),
    ("a9", "terre", 23, "en", True, (Theme.FINANCE_MARKETS,), (Region.GLOBAL,), False),
    ("a10", "terre", 40, "fr", True, (Theme.POLICY,), (Region.EUROPE,), False),  # after the period
]
# a8 and a9 are the same story (one in English from two outlets); a3 and a4 too, across two weeks.
STORIES = [("a8", "a9"), ("a3", "a4")]


@pytest.fixture
def filled(db_url):
    store = open_store(db_url)
    store.sync_sources(SOURCES)
    ids: dict[str, int] = {}
    for key, source, offset, lang, *_ in ARTICLES:
        when = day(offset)
        event = FetchEvent(source, when, FetchStatus.OK, 200, "", 1, 5)
        state = SourceState(last_status=FetchStatus.OK, last_fetch=when, last_success=when)
        new = store.save_feed_poll(
            source,
            state,
            event,
            [
                NewEntry(
                    f"https://{source}.example/{key}",
                    f"https://{source}.example/{key}",
                    f"Title {key}",
                    "summary",
                    "",
                    when,
                    lang,
                )
            ],
        )
        ids[key] = new[0].id
    store.save_classifications(
        [
            Classification(
                id=str(ids[key]),
                language=lang,
                language_confidence=0.99,
                relevant=relevant,
                relevance=0.9 if relevant else 0.1,
                uncertain=False,
                matched_terms=(INITIATIVE,) if initiative else (),
                themes=themes,
                regions=regions,
                objectives=(),
                version="test",
            )
            for key, _, _, lang, relevant, themes, regions, initiative in ARTICLES
        ]
    )
    rows = []
    grouped = {k for pair in STORIES for k in pair}
    for first, second in STORIES:
        rows += [(ids[first], ids[first], b"s"), (ids[second], ids[first], b"s")]
    rows += [(ids[k], ids[k], b"s") for k, *_ in ARTICLES if k not in grouped]
    store.save_story_members(rows)
    # source health: "broken" fails from week 16 on; "quiet" works but has brought nothing for weeks
    ok = SourceState(last_status=FetchStatus.OK, last_fetch=day(14), last_success=day(14))
    store.record_fetch("broken", ok, FetchEvent("broken", day(14), FetchStatus.OK, 200, "", 0, 5))
    for n, offset in enumerate((16, 17, 24), 1):
        failing = SourceState(
            consecutive_failures=n,
            last_status=FetchStatus.HTTP_5XX,
            last_fetch=day(offset),
            last_success=day(14),
        )
        store.record_fetch(
            "broken",
            failing,
            FetchEvent("broken", day(offset), FetchStatus.HTTP_5XX, 503, "503 Service Unavailable", 0, 5),
        )
    quiet = SourceState(
        last_status=FetchStatus.NOT_MODIFIED,
        last_fetch=day(24),
        last_success=day(24),
        last_new_item=day(-40),
    )
    store.record_fetch("quiet", quiet, FetchEvent("quiet", day(24), FetchStatus.NOT_MODIFIED, 304, "", 0, 5))
    yield store, ids
    store.close()


def test_weeks_are_iso_weeks():
    weeks = weeks_between(START, END)
    assert [w.label for w in weeks] == ["2024-W14", "2024-W15", "2024-W16", "2024-W17"]
    assert weeks[0].start.isoformat() == "2024-04-01"
    assert week_of(datetime(2024, 12, 30, tzinfo=UTC)).label == "2025-W01"
    # a period starting mid-week includes that whole week, ending at midnight excludes the next one
    assert [w.label for w in weeks_between(START + timedelta(days=3), END)][0] == "2024-W14"


def test_report_numbers(filled):
    store, _ = filled
    report = build_report(store, START, END, now=NOW, stale_days=14)
    totals = report.totals
    assert totals.collected == 9  # a10 is after the period
    assert totals.classified == 9
    assert totals.relevant == 7
    assert totals.stories == 5  # a1, a2, (a3+a4), a5, (a8+a9)
    assert totals.initiative == 2  # a2 (theme) and a7 (matched term, not relevant)
    assert totals.languages == 3
    assert totals.outlets == 3
    assert report.collected_weekly == (3, 3, 1, 2)
    assert [(c.articles, c.stories) for c in report.weekly] == [(3, 3), (2, 2), (0, 0), (2, 1)]

    languages = {s.key: s for s in report.by_language}
    assert list(languages) == ["en", "fr", "es"]  # most articles first
    assert [c.articles for c in languages["en"].weekly] == [1, 1, 0, 2]
    assert [c.stories for c in languages["en"].weekly] == [1, 1, 0, 1]
    assert languages["en"].articles == 4
    assert languages["en"].stories == 2
    assert [c.articles for c in languages["fr"].weekly] == [2, 0, 0, 0]

    themes = {s.key: s for s in report.by_theme}
    assert [s.key for s in report.by_theme] == [
        "science",
        "policy",
        "finance_markets",
        "practices",
        "initiative_4p1000",
    ]  # taxonomy order, only those seen
    assert themes["policy"].articles == 2
    assert [c.articles for c in themes["finance_markets"].weekly] == [0, 0, 0, 2]
    assert themes["finance_markets"].stories == 1

    regions = {s.key: s for s in report.by_region}
    assert regions["europe"].articles == 3  # a1, a2, a4
    assert regions["africa"].stories == 1  # a3 and a4 are one story

    assert [c.articles for c in report.initiative.weekly] == [1, 0, 1, 0]
    assert [m.title for m in report.mentions] == ["Title a7", "Title a2"]  # newest first
    assert report.mentions[0].outlet == "Terre & Sols"

    outlets = [(o.source_id, o.relevant, o.articles, o.stories) for o in report.top_outlets]
    assert outlets == [("terre", 3, 4, 3), ("soil-news", 3, 3, 2), ("suelo", 1, 2, 1)]


def test_source_health(filled):
    store, _ = filled
    report = build_report(store, START, END, now=NOW, stale_days=14)
    health = [(h.ok, h.failing) for h in report.health]
    # W14: terre, soil-news; W15: soil-news, suelo; W16: terre, broken (ok on day 14, failing after: a
    # source with one good fetch in the week counts as working); W17: soil-news, terre, quiet; broken failing
    assert health == [(2, 0), (2, 0), (2, 0), (3, 1)]
    assert report.health[2].failed_fetches == 2
    assert report.health[3].failed_fetches == 1
    assert [p.source_id for p in report.failing] == ["broken"]
    assert report.failing[0].failures == 3
    assert report.failing[0].status == "http-5xx"
    assert "503" in report.failing[0].detail
    assert [p.source_id for p in report.stale] == ["quiet", "suelo"]  # suelo: nothing new since day 10
    assert report.sources_enabled == 5


def test_empty_period_and_bad_period(filled):
    store, _ = filled
    empty = build_report(store, datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 1, 8, tzinfo=UTC), now=NOW)
    assert empty.totals.collected == 0
    html = render_report_html(empty, "en")
    assert "Nothing was collected in this period." in html
    etree.fromstring(html.encode(), etree.HTMLParser())
    from mediawatch.errors import ConfigError

    with pytest.raises(ConfigError, match="empty"):
        build_report(store, END, START)


def _svgs(document: str) -> list[etree._Element]:
    found = re.findall(r"<svg\b.*?</svg>", document, flags=re.S)
    return [etree.fromstring(chunk.encode()) for chunk in found]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_report_in_every_language(filled, lang):
    store, _ = filled
    report = build_report(store, START, END, now=NOW)
    document = render_report_html(report, lang, organisation="4 per 1000")
    svgs = _svgs(document)
    assert len(svgs) == 6
    for element in svgs:  # well-formed, and accessible: titled, described, labelled by both
        assert element.get("role") == "img"
        title, desc = element[0], element[1]
        assert title.tag == "title"
        assert title.text
        assert desc.tag == "desc"
        assert desc.text
        assert element.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    tree = lxml_html.document_fromstring(document)
    assert tree.get("lang") == lang
    # every chart has a data table that says the same: 6 charts, at least 6 tables
    assert len(tree.findall(".//table")) >= 6
    expected = {
        "fr": (
            "4 per 1000 : rapport de veille médias",
            "Thèmes par semaine",
            "Politiques publiques",
            "1er avril 2024",  # a week's Monday, in the words of the editions (i18n.dates)
        ),
        "en": ("4 per 1000: media watch report", "Themes per week", "Policy", "1 April 2024"),
        "es": (
            "4 per 1000: informe de seguimiento de medios",
            "Temas por semana",
            "Políticas públicas",
            "1 de abril de 2024",
        ),
    }[lang]
    text = tree.text_content()
    for words in expected:
        assert words in text
    assert "Broken Feed" in text  # failing now
    assert "Quiet Blog" in text  # stale


def test_no_external_resource_and_only_article_links(filled):
    store, ids = filled
    report = build_report(store, START, END, now=NOW)
    document = render_report_html(report, "en")
    tree = lxml_html.document_fromstring(document)
    assert not tree.findall(".//script")
    assert not tree.findall(".//link")
    assert not tree.findall(".//img")
    assert not tree.xpath("//@src")
    assert "@import" not in document
    assert "url(" not in document
    article_urls = {f"https://{s}.example/{k}" for k, s, *_ in ARTICLES}
    anchors = [a.get("href") for a in tree.iter("a")]
    assert anchors, "the latest mentions link to their articles"
    for href in anchors:
        assert href.startswith("#") or href in article_urls, href
    # no other http(s) URL anywhere: not in styles, not in the SVG (no xmlns needed inline)
    for url in re.findall(r"https?://[^\s\"'<>)]+", document):
        assert url in article_urls, url


def test_every_theme_and_region_has_a_label():
    assert set(THEME_KEYS) == {t.value for t in Theme}
    assert set(REGION_KEYS) == {r.value for r in Region}
    for lang in LANGUAGES:
        for key in (*THEME_KEYS.values(), *REGION_KEYS.values()):
            assert key in catalogue(lang)


def test_template_keys_exist():
    keys = set()
    for path in TEMPLATES.glob("*.j2"):
        keys.update(re.findall(r"tr\('([a-z0-9_.]+)'", path.read_text(encoding="utf-8")))
    assert "report.section.health" in keys
    for lang in LANGUAGES:
        missing = sorted(k for k in keys if k not in catalogue(lang))
        assert not missing, f"report.{lang}.toml lacks {missing}"


def test_svg_primitives_are_well_formed_with_awkward_labels():
    labels = ["W1", "W2"]
    names = ['<b>&"quoted"', "x & y"]
    parts = [
        svg.stacked_bars("a", "T & <t>", "D", labels, names, [("s<1>", [1, 0]), ("s&2", [0, 3])]),
        svg.line_chart("b", "T", "D", labels, names, [0, 0]),
        svg.heatmap("c", "T", "D", ["r&1"], labels, names, [[0, 5]]),
        svg.horizontal_bars("d", "T", "D", ["A very long outlet name that goes on and on and on"], [2]),
        svg.stacked_bars("e", "T", "D", [], [], []),
    ]
    for chunk in parts:
        root = etree.fromstring(chunk.encode())
        assert root.tag == "svg"
    assert svg.nice_scale(0) == (1.0, 1.0)
    assert svg.nice_scale(7) == (8.0, 2.0)
    assert svg.nice_scale(130) == (150.0, 50.0)


def test_dashboard_fragment_is_scoped(filled):
    store, _ = filled
    report = build_report(store, START, END, now=NOW)
    fragment = render_report_fragment(report, "fr", prefix="dash")
    assert fragment.lstrip().startswith('<div class="mw-report"')
    assert 'id="dash-languages-title"' in fragment
    assert set(charts(report, "en")) == {"languages", "themes", "regions", "initiative", "outlets", "health"}


def test_cli_report(filled, tmp_path):
    store, _ = filled
    db = store.url
    out = tmp_path / "board.html"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "--db",
            db,
            "--lang",
            "fr",
            "report",
            "--from",
            "2024-04-01",
            "--to",
            "2024-04-29",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "rapport du 1er au 29 avr. 2024 écrit dans" in result.output
    text = out.read_text(encoding="utf-8")
    assert '<html lang="fr">' in text
    # --lang of the command chooses the report's language, whatever the interface language
    result = runner.invoke(
        cli,
        [
            "--db",
            db,
            "report",
            "--from",
            "2024-04-01",
            "--to",
            "2024-04-29",
            "--lang",
            "es",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert '<html lang="es">' in out.read_text(encoding="utf-8")
    result = runner.invoke(
        cli, ["--db", db, "report", "--from", "2024-04-01", "--to", "2024-04-29", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["totals"]["relevant"] == 7
    assert data["weeks"][0]["label"] == "2024-W14"
    # --period is relative to now: the 2024 articles are outside, the report is still written
    result = runner.invoke(cli, ["--db", db, "report", "--period", "30d", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # bad input: a clear message, exit 2, no traceback
    for args in (["--period", "30x"], ["--period", "30d", "--from", "2024-04-01"], ["--from", "nope"]):
        result = runner.invoke(cli, ["--db", db, "report", *args])
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


@pytest.mark.browser
def test_report_file_opens_in_a_browser(filled, tmp_path):
    """Optional: Chromium renders the file offline (no request leaves) and the charts have a size."""
    chromium = Path("/usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    if not chromium.exists():
        pytest.skip("no /usr/bin/chromium")
    store, _ = filled
    path = tmp_path / "report.html"
    path.write_text(render_report_html(build_report(store, START, END, now=NOW), "fr"), encoding="utf-8")
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(chromium),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 800})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())
            boxes = [page.locator("svg.chart").nth(i).bounding_box() for i in range(6)]
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    assert all(b and b["width"] > 300 and b["height"] > 50 for b in boxes)
    assert [u for u in requests if not u.startswith("file:")] == []
    assert pdf[:4] == b"%PDF"


# -- the dashboard in the web app ---------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _forget_request_language():
    """The web app sets the UI language of the thread per request; do not leak it into other tests."""
    yield
    from mediawatch.i18n import use_language

    use_language(None)


def _web(filled, base_url: str = "http://127.0.0.1:8000"):
    from mediawatch.config import Settings
    from mediawatch.review.users import add_user
    from mediawatch.types import Role
    from mediawatch.web.app import create_app

    store, _ = filled
    settings = Settings(db=store.url, secret_key="k" * 32, stale_days=14, base_url=base_url)
    add_user(store, "board", Role.VIEWER, "a long enough password 1", "fr")
    return create_app(settings, store)


def _login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"name": "board", "password": "a long enough password 1", "csrf_token": token, "next": ""},
    )
    assert response.status_code == 303


def test_dashboard_page(filled):
    app = _web(filled)
    client = app.test_client()
    assert client.get("/dashboard").status_code == 302  # login first
    _login(client)
    page = client.get("/dashboard?from=2024-04-01&to=2024-04-28")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('<svg class="chart"') == 6
    assert "Thèmes par semaine" in text  # the user's language
    assert "/dashboard/report.css" in text
    assert "<style" not in text
    assert " style=" not in text
    css = client.get("/dashboard/report.css")
    assert css.mimetype == "text/css"
    assert b".mw-report" in css.data
    download = client.get("/dashboard/report.html?from=2024-04-01&to=2024-04-28")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "2024-04-01_2024-04-28" in download.headers["Content-Disposition"]
    assert b"<style>" in download.data
    assert "style-src 'unsafe-inline'" in download.headers["Content-Security-Policy"]
    # a period that makes no sense falls back to the last 30 days, and says so
    odd = client.get("/dashboard?period=forever").get_data(as_text=True)
    assert "«\u00a0forever\u00a0» n’est pas une des périodes proposées" in odd


@pytest.mark.browser
def test_dashboard_in_a_browser(filled, tmp_path):
    """Optional: the page as a browser shows it under the app's CSP: styled, charts drawn, nothing blocked."""
    chromium = Path("/usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    if not chromium.exists():
        pytest.skip("no /usr/bin/chromium")
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, None, threaded=True)  # type: ignore[arg-type]
    base = f"http://127.0.0.1:{server.server_port}"
    server.app = _web(filled, base_url=base)  # forms are accepted from base_url's origin only
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    problems: list[str] = []
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(chromium),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            try:
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                page.goto(f"{base}/login")
                page.fill("input[name=name]", "board")
                page.fill("input[name=password]", "a long enough password 1")
                page.locator(
                    "form[action$='/login'] button[type=submit], form[action$='/login'] input[type=submit]"
                ).first.click()
                page.wait_for_load_state()
                page.goto(f"{base}/dashboard?from=2024-04-01&to=2024-04-28")
                display = page.eval_on_selector(".mw-figures", "e => getComputedStyle(e).display")
                box = page.locator("svg.chart").first.bounding_box()
                page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
            finally:
                browser.close()
    finally:
        server.shutdown()
    assert display == "grid"  # the stylesheet was allowed and applied
    assert box
    assert box["width"] > 300
    assert not [m for m in problems if "Content Security Policy" in m], problems


@pytest.mark.parametrize(("lang", "week"), [("fr", "S14"), ("es", "S14"), ("en", "W14")])
def test_a_week_is_named_as_the_readers_language_abbreviates_it(filled, lang, week):
    """The French and Spanish dashboards named their weeks "2024-W14" in the tables and "W14" under the
    bars: ISO's English letter and a code, where French writes S14 (semaine) and Spanish S14 (semana)."""
    store, _ = filled
    report = build_report(store, START, END, now=NOW)
    tree = lxml_html.document_fromstring(render_report_html(report, lang, organisation="4 per 1000"))
    rows = [th.text_content().strip() for th in tree.xpath("//table//tbody/tr/th[@scope='row']")]
    assert rows[0] == week, rows[:3]
    assert not any("-W" in row for row in rows)
    under_bars = {
        text.text for svg in _svgs(etree.tostring(tree, encoding=str)) for text in svg.iter("{*}text")
    }
    assert week in under_bars
    if lang != "en":
        assert not any(re.fullmatch(r"W\d\d", text or "") for text in under_bars)
