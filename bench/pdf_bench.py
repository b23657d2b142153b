"""Seconds per printed edition (A4 PDF) of a 30-story press review: WeasyPrint, and Chromium for comparison.

    python -m bench.pdf_bench [--stories 30] [--rounds 3] [--chromium]

The issue is stored through the real storage calls (30 stories over 8 sections, 400-character summaries,
"also in" outlets, machine-translated and untranslated items). WeasyPrint prints each of the fr/en/es
editions ``--rounds`` times (median reported). With ``--chromium``, the same print HTML goes through
headless Chromium's print-to-PDF (Debian's /usr/bin/chromium driven by Playwright, every request
aborted), browser start counted apart: the comparison behind docs/design.md "Printing with WeasyPrint".
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mediawatch.config import Settings
from mediawatch.render.environment import templates_dir
from mediawatch.render.pdf import PRINT_FOLDER, print_edition, print_html
from mediawatch.store import NewEntry, Store
from mediawatch.store.issues import NewItem
from mediawatch.types import (
    AlsoIn,
    FetchEvent,
    FetchStatus,
    IssueContent,
    ItemText,
    Publication,
    Source,
    SourceKind,
    SourceState,
    TextOrigin,
)

LANGS = ("fr", "en", "es")
SECTIONS = (
    "science",
    "policy",
    "finance_markets",
    "practices",
    "forestry_agroforestry",
    "mrv_monitoring",
    "events",
    "initiative_4p1000",
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
FILLER = (
    "Des chercheurs ont mesuré comment les couverts végétaux, le non-labour et l'agroforesterie changent le "
    "carbone organique des sols sur dix ans dans plusieurs régions ; l'étude discute aussi des coûts de "
    "mesure, de déclaration et de vérification pour les agriculteurs et les marchés du carbone. "
) * 3


def build_issue(store: Store, stories: int) -> IssueContent:
    store.sync_sources([Source("bench", "Bench", "https://feed.example.org/rss", SourceKind.RSS, "fr")])
    start = datetime(2026, 11, 17, tzinfo=UTC)
    urls = [f"https://news{n % 7}.example.org/2026/11/{n}/carbone-des-sols-etude" for n in range(stories)]
    entries = [
        NewEntry(url=u, raw_url=u, title=u, summary="", author="", published=None, feed_language="fr")
        for u in urls
    ]
    event = FetchEvent("bench", start, FetchStatus.OK, 200, "", len(entries), 1)
    ids = {p.url: p.id for p in store.save_feed_poll("bench", SourceState(), event, entries)}
    items = []
    for n, url in enumerate(urls):
        origin = (TextOrigin.ORIGINAL, TextOrigin.MACHINE, TextOrigin.HUMAN, TextOrigin.UNTRANSLATED)[n % 4]
        items.append(
            NewItem(
                story_id=n + 1,
                article_id=ids[url],
                section=SECTIONS[n % len(SECTIONS)],
                position=n // len(SECTIONS),
                score=1 - n / 100,
                url=url,
                outlet=f"Média agricole n° {n % 9}",
                published=start + timedelta(hours=5 * n),
                language=("fr", "en", "es", "pt")[n % 4],
                regions=("europe",),
                also_in=tuple(
                    AlsoIn(f"Autre média {k}", f"https://other{k}.example.org/{n}", "en")
                    for k in range(n % 4)
                ),
                texts=tuple(
                    ItemText(
                        lang,
                        f"Étude n° {n} : stocker plus de carbone dans les sols",
                        FILLER[:400],
                        origin,
                        "fr",
                    )
                    for lang in LANGS
                ),
            )
        )
    issue_id = store.create_issue(
        slug=f"press-review-bench-{stories}",
        publication=Publication.PRESS_REVIEW,
        title="Bench",
        period_from=start,
        period_to=start + timedelta(days=7),
        languages=LANGS,
        sections=SECTIONS,
        items=items,
        actor="bench",
    )
    return store.issue_content(issue_id)


def _pages(pdf: bytes) -> int:
    import pypdfium2  # the dev extra's PDF reader

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def bench_weasyprint(content: IssueContent, settings: Settings, rounds: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for lang in LANGS:
        times, pdf = [], b""
        for _ in range(rounds):
            began = time.perf_counter()
            pdf = print_edition(content, lang, settings)
            times.append(time.perf_counter() - began)
        result[lang] = {
            "seconds": round(statistics.median(times), 3),
            "pages": _pages(pdf),
            "bytes": len(pdf),
        }
    return result


def bench_chromium(content: IssueContent, settings: Settings, rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    css = (templates_dir(settings) / PRINT_FOLDER / "edition.css").read_text(encoding="utf-8")
    result: dict[str, Any] = {}
    with sync_playwright() as playwright:
        began = time.perf_counter()
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        result["launch_seconds"] = round(time.perf_counter() - began, 3)
        page = browser.new_page()
        page.route("**/*", lambda route: route.abort())
        for lang in LANGS:
            # The stylesheet inlined: set_content has no base URL to resolve edition.css against.
            html = print_html(content, lang, settings).replace(
                '<link rel="stylesheet" href="edition.css">', f"<style>{css}</style>"
            )
            times, pdf = [], b""
            for _ in range(rounds):
                began = time.perf_counter()
                page.set_content(html)
                pdf = page.pdf(format="A4", prefer_css_page_size=True)
                times.append(time.perf_counter() - began)
            result[lang] = {
                "seconds": round(statistics.median(times), 3),
                "pages": _pages(pdf),
                "bytes": len(pdf),
            }
        browser.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chromium", action="store_true", help="also time Chromium's print-to-PDF")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(db=str(Path(folder) / "bench.sqlite3"))
        store = Store(f"sqlite:///{settings.db}")
        try:
            content = build_issue(store, args.stories)
        finally:
            store.close()
        report: dict[str, Any] = {
            "stories": args.stories,
            "weasyprint": bench_weasyprint(content, settings, args.rounds),
        }
        if args.chromium:
            report["chromium"] = bench_chromium(content, settings, args.rounds)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
