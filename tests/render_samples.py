"""Issues for the render tests, built through the real storage contract (Store.create_issue, add_block).

``small_issue`` is the golden-file issue (every mark an item can carry, every block kind); ``hostile_issue``
puts markup, template syntax, very long words, RTL text, emoji and control characters in every field an
editor or a feed controls; ``big_press_review`` is the 40-item size case.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mediawatch.store import NewEntry, Store
from mediawatch.store.issues import NewItem
from mediawatch.types import (
    AlsoIn,
    BlockKind,
    FetchEvent,
    FetchStatus,
    ItemStatus,
    ItemText,
    Publication,
    Source,
    SourceKind,
    SourceState,
    TextOrigin,
)

LANGS = ("fr", "en", "es")
_BATCHES = itertools.count(1)
PERIOD = (datetime(2026, 11, 17, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))
HOSTILE = (
    '<script>alert("x")</script> "><img src=x onerror=alert(1)> {{ 7*7 }} {% raw %}{{ config }}{% endraw %} '
    "${7*7} &amp; ]]> @import url(https://fonts.googleapis.com/x) @font-face "
    "Ünïcödé 🌱🚜 שלום עולם مرحبا Supercalifragilisticexpialidociouslyunbreakableword"
    "withoutanyspacesatallthatgoesonandonandonforeverandever\x07\x00"
)


def open_test_store(where: Path | str) -> Store:
    """The store at a URL (the ``db_url`` fixture) or, given a folder, an SQLite file in it."""
    if isinstance(where, str) and "://" in where:
        return Store(where)
    return Store(f"sqlite:///{Path(where) / 'render.sqlite3'}")


def with_articles(store: Store, items: list[NewItem]) -> list[NewItem]:
    """The items pointing at real articles (issue items reference articles), stored as a feed poll would."""
    store.sync_sources(
        [Source("render-test", "Render test", "https://feed.example.org/rss", SourceKind.RSS, "en")]
    )
    at = datetime(2026, 11, 25, tzinfo=UTC)
    batch = next(_BATCHES)
    urls = [f"https://articles.example.org/{batch}/{i.story_id}" for i in items]
    entries = [
        NewEntry(url=url, raw_url=url, title=url, summary="", author="", published=None, feed_language="en")
        for url in urls
    ]
    event = FetchEvent("render-test", at, FetchStatus.OK, 200, "", len(entries), 1)
    new = store.save_feed_poll("render-test", SourceState(), event, entries)
    ids = {p.url: p.id for p in new}
    return [replace(i, article_id=ids[url]) for i, url in zip(items, urls, strict=True)]


def small_items() -> list[NewItem]:
    """Four items over two sections: original, machine-translated, untranslated, with "also in"."""
    return [
        NewItem(
            story_id=1,
            article_id=11,
            section="science",
            position=0,
            score=0.9,
            url="https://soil.example.org/news/carbon-stocks",
            outlet="Soil Science Today",
            published=datetime(2026, 11, 18, 9, 30, tzinfo=UTC),
            language="en",
            regions=("global",),
            also_in=(
                AlsoIn("Le Journal des Sols", "https://sols.example.fr/stocks", "fr"),
                AlsoIn("Diario del Suelo", "https://suelo.example.es/reservas", "es"),
            ),
            texts=(
                ItemText(
                    "fr",
                    "Les stocks de carbone des sols augmentent",
                    "Une étude mesure 1,2 %.",
                    TextOrigin.MACHINE,
                    "en",
                    provider="libretranslate",
                ),
                ItemText(
                    "en", "Soil carbon stocks are rising", "A study measures 1.2%.", TextOrigin.ORIGINAL, "en"
                ),
                ItemText(
                    "es",
                    "Aumentan las reservas de carbono del suelo",
                    "Un estudio mide 1,2 %.",
                    TextOrigin.HUMAN,
                    "en",
                ),
            ),
        ),
        NewItem(
            story_id=2,
            article_id=12,
            section="science",
            position=1,
            score=0.8,
            url="https://agro.example.fr/couverts",
            outlet="Agro Institut",
            published=datetime(2026, 11, 1, tzinfo=UTC),
            language="fr",
            regions=("europe",),
            also_in=(),
            texts=(
                ItemText(
                    "fr", "Couverts végétaux : le bilan", "Trois ans d'essais.", TextOrigin.ORIGINAL, "fr"
                ),
                ItemText(
                    "en",
                    "Couverts végétaux : le bilan",
                    "Trois ans d'essais.",
                    TextOrigin.UNTRANSLATED,
                    "fr",
                    error="provider timeout",
                ),
                ItemText(
                    "es", "Couverts végétaux : le bilan", "Trois ans d'essais.", TextOrigin.UNTRANSLATED, "fr"
                ),
            ),
        ),
        NewItem(
            story_id=3,
            article_id=13,
            section="policy",
            position=0,
            score=0.7,
            url="https://suelo.example.es/ley",
            outlet="Suelo Vivo",
            published=None,
            language="es",
            regions=("latin_america",),
            also_in=(),
            texts=(
                ItemText(
                    "fr", "Une loi sur les sols au Chili", "", TextOrigin.MACHINE, "es", provider="deepl"
                ),
                ItemText("en", "A soil law in Chile", "", TextOrigin.MACHINE, "es", provider="deepl"),
                ItemText("es", "Una ley de suelos en Chile", "", TextOrigin.ORIGINAL, "es"),
            ),
        ),
        NewItem(
            story_id=4,
            article_id=14,
            section="policy",
            position=1,
            score=0.6,
            url="https://rejected.example.org/x",
            outlet="Rejected Daily",
            published=datetime(2026, 11, 20, tzinfo=UTC),
            language="en",
            regions=(),
            also_in=(),
            texts=tuple(
                ItemText(lang, "REJECTED ITEM TITLE", "never shown", TextOrigin.ORIGINAL, "en")
                for lang in LANGS
            ),
        ),
    ]


BLOCKS = {
    BlockKind.EDITORIAL: (
        "Winter soils",
        "Cover crops kept the fields green.\n\nRead on for the week's news.",
    ),
    BlockKind.KEY_FIGURE: ("0.4%", "a year: the growth of soil carbon stocks that would offset emissions."),
    BlockKind.SUCCESS_STORY: ("A cooperative in Senegal", "Sixty farms switched to agroforestry."),
    BlockKind.PRACTICAL_SHEET: (
        "Measuring soil organic carbon",
        "Take samples at 0-30 cm.\nDry them.\nWeigh them.",
    ),
    BlockKind.AGENDA: ("Events", "2 Dec: webinar on MRV.\n10 Dec: partners' forum in Rome."),
    BlockKind.PARTNER_NEWS: ("News from partners", "A new member joined the initiative."),
}


def small_issue(
    store: Store, publication: Publication = Publication.NEWSLETTER, *, slug: str | None = None
) -> int:
    """The golden issue: 4 items (one rejected), two sections, every block kind in every language."""
    issue_id = store.create_issue(
        slug=slug or f"{publication.value}-2026-w47",
        publication=publication,
        title="Week 47",
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        languages=LANGS,
        sections=("science", "policy", "finance_markets"),
        items=with_articles(store, small_items()),
        actor="test",
    )
    rejected = next(i for i in store.issue_content(issue_id).items if i.story_id == 4)
    store.set_item_status(rejected.id, ItemStatus.REJECTED, actor="editor")
    for lang in LANGS:
        for kind, (title, body) in BLOCKS.items():
            link = "https://4p1000.example.org/more" if kind is BlockKind.PRACTICAL_SHEET else ""
            store.add_block(issue_id, lang, kind, title=f"{title}", body=body, link=link, actor="editor")
    return issue_id


def hostile_issue(store: Store, publication: Publication = Publication.NEWSLETTER) -> int:
    """Every field an editor or a feed controls carries HOSTILE; URLs try javascript: and quotes."""
    items = [
        NewItem(
            story_id=100 + n,
            article_id=200 + n,
            section=section,
            position=n,
            score=0.5,
            url="javascript:alert(1)"
            if n == 0
            else f'https://evil.example/a?x="><script>alert({n})</script>',
            outlet=HOSTILE[:80],
            published=datetime(2026, 11, 18, tzinfo=UTC),
            language="ar" if n == 1 else "en",
            regions=(),
            also_in=(AlsoIn(HOSTILE[:60], 'javascript:alert("also")', "he"),) * 7,
            texts=tuple(
                ItemText(
                    lang, HOSTILE, HOSTILE * 2, (TextOrigin.UNTRANSLATED, TextOrigin.MACHINE)[n % 2], "ar"
                )
                for lang in LANGS
            ),
        )
        for n, section in enumerate(("science", "policy", "<b>section</b>"))
    ]
    issue_id = store.create_issue(
        slug=f"hostile-{publication.value}",
        publication=publication,
        title=HOSTILE,
        period_from=datetime(2026, 12, 28, tzinfo=UTC),
        period_to=datetime(2027, 1, 3, tzinfo=UTC),
        languages=LANGS,
        sections=("science", "policy", "<b>section</b>"),
        items=with_articles(store, items),
        actor="test",
    )
    for lang in LANGS:
        for kind in BlockKind:
            store.add_block(
                issue_id,
                lang,
                kind,
                title=HOSTILE,
                body=f"{HOSTILE}\n\n{HOSTILE}\n{HOSTILE}",
                link='javascript:alert("block")'
                if kind is BlockKind.AGENDA
                else 'https://x.example/?a="><b>',
                actor="editor",
            )
    return issue_id


def big_press_review(store: Store, count: int = 40, *, summary_chars: int = 400) -> int:
    """A realistic dense press review: ``count`` items over all themes, long-ish summaries, "also in"."""
    sections = (
        "science",
        "policy",
        "finance_markets",
        "practices",
        "forestry_agroforestry",
        "mrv_monitoring",
        "events",
        "initiative_4p1000",
    )
    filler = (
        "Researchers measured how cover crops, reduced tillage and agroforestry change soil organic carbon "
        "over ten years across several regions, with results that matter for farmers, policy makers and "
        "carbon markets alike; the study also discusses measurement, reporting and verification costs. "
    ) * 3
    items = []
    for n in range(count):
        origin = (TextOrigin.ORIGINAL, TextOrigin.MACHINE, TextOrigin.HUMAN, TextOrigin.UNTRANSLATED)[n % 4]
        items.append(
            NewItem(
                story_id=1000 + n,
                article_id=2000 + n,
                section=sections[n % len(sections)],
                position=n // len(sections),
                score=1 - n / 100,
                url=f"https://news{n % 7}.example.org/2026/11/{n}/soil-carbon-farmers-study-results-article",
                outlet=f"Outlet number {n % 9} Agricultural News",
                published=PERIOD[0] + timedelta(hours=5 * n),
                language=("en", "fr", "es", "pt")[n % 4],
                regions=("europe",),
                also_in=tuple(
                    AlsoIn(f"Other outlet {k}", f"https://other{k}.example.org/story/{n}", "en")
                    for k in range(n % 4)
                ),
                texts=tuple(
                    ItemText(
                        lang,
                        f"Soil carbon study number {n} shows farmers how to store more carbon in their soil",
                        filler[:summary_chars],
                        origin,
                        ("en", "fr", "es", "pt")[n % 4],
                    )
                    for lang in LANGS
                ),
            )
        )
    return store.create_issue(
        slug=f"press-review-big-{count}",
        publication=Publication.PRESS_REVIEW,
        title="Big",
        period_from=PERIOD[0],
        period_to=PERIOD[1],
        languages=LANGS,
        sections=sections,
        items=with_articles(store, items),
        actor="test",
    )
