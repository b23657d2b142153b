"""Hostile words in the archive's Atom feeds (``feed.<lang>.atom``) and index pages, one kind at a time.

Each payload is an editor's or a feed's words: an editorial title (the newsletter's preheader, so the feed's
summary), an unknown section name (the preheader's list), an item's title and summary. The feed must stay
XML a strict parser takes (defusedxml, feedparser without ``bozo``) and the pages must show the words as
text. A manifest (``issue.json``) is input too: an older or hand-edited one can hold what no render writes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import defusedxml.ElementTree as DefusedET
import feedparser
import lxml.html
import pytest
from render_samples import LANGS, open_test_store, with_articles

from mediawatch.config import Settings
from mediawatch.render import render_issue
from mediawatch.render.archive import MANIFEST, refresh_archive
from mediawatch.store.issues import NewItem
from mediawatch.types import BlockKind, ItemText, Publication, TextOrigin

ATOM = "{http://www.w3.org/2005/Atom}"
# Every C0 control XML 1.0 forbids (tab, newline and carriage return are allowed)
CONTROLS = "".join(chr(c) for c in range(32) if c not in (9, 10, 13))
PAYLOADS = {
    "cdata_end": "Soils ]]> carbon ]]]]><![CDATA[> end",
    "script": '<script>alert("feed")</script><img src=x onerror=alert(1)>',
    "controls": f"before{CONTROLS}after",
    "bidi_override": "Soil \u202ecarbon\u202c 4 per 1000",
    "long": "carbon " * 1430,  # 10,010 characters
    "entities": "AT&T &amp; &lt;b&gt; &#x41; &nbsp; &unknown; & done",
}
SETTINGS = Settings(site_url="https://news.example.org/archive")


@pytest.fixture
def store(db_url):
    s = open_test_store(db_url)
    yield s
    s.close()


def payload_issue(store, payload: str, slug: str) -> int:
    """A newsletter whose editorial title, an unknown section, and item words are ``payload``."""
    items = [
        NewItem(
            story_id=500 + n,
            article_id=600 + n,
            section=section,
            position=n,
            score=0.5,
            url=f"https://example.org/{slug}/{n}",
            outlet=payload[:80],
            published=datetime(2026, 11, 18, tzinfo=UTC),
            language="en",
            regions=(),
            also_in=(),
            texts=tuple(ItemText(lang, payload, payload, TextOrigin.UNTRANSLATED, "en") for lang in LANGS),
        )
        for n, section in enumerate(("science", payload[:40]))
    ]
    issue_id = store.create_issue(
        slug=slug,
        publication=Publication.NEWSLETTER,
        title=payload[:200],
        period_from=datetime(2026, 12, 28, tzinfo=UTC),
        period_to=datetime(2027, 1, 4, tzinfo=UTC),
        languages=LANGS,
        sections=("science", payload[:40]),
        items=with_articles(store, items),
        actor="test",
    )
    for lang in LANGS:
        store.add_block(
            issue_id, lang, BlockKind.EDITORIAL, title=payload, body=payload, link="", actor="editor"
        )
    return issue_id


def assert_strict_feed(raw: bytes) -> list[tuple[str, str]]:
    """The feed parsed by defusedxml and by feedparser without complaint; its (title, summary) pairs."""
    root = DefusedET.fromstring(raw)
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = [(e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}summary")) for e in root.iter(f"{ATOM}entry")]
    assert [(e.title, e.summary) for e in parsed.entries] == entries
    return entries


def assert_page_shows_words(html: str, words: str) -> None:
    page = lxml.html.fromstring(html)
    assert not page.xpath("//script")
    assert not page.xpath("//img")
    assert words in " ".join(page.text_content().split())


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_hostile_editorial_title_keeps_the_feed_strict_xml_and_the_index_escaped(store, tmp_path, name):
    payload = PAYLOADS[name]
    issue_id = payload_issue(store, payload, f"hostile-{name.replace('_', '-')}")
    out = tmp_path / "archive"
    render_issue(store, issue_id, SETTINGS, out)
    (manifest,) = out.glob(f"*/*/{MANIFEST}")
    editions = json.loads(manifest.read_text(encoding="utf-8"))["editions"]
    for lang in LANGS:
        raw = (out / f"feed.{lang}.atom").read_bytes()
        ((title, summary),) = assert_strict_feed(raw)
        assert (title, summary) == (editions[lang]["subject"], editions[lang]["preheader"])
        assert not set(CONTROLS) & set(summary)
        index = (out / f"index.{lang}.html").read_text(encoding="utf-8")
        assert_page_shows_words(index, summary)
        edition_page = (manifest.parent / f"{lang}.html").read_text(encoding="utf-8")
        assert not lxml.html.fromstring(edition_page).xpath("//script")
    if name in ("script", "entities", "cdata_end"):
        # the words arrive as written, as text: not markup, not decoded entities
        assert payload[:40] in summary


def _manifest(slug: str, subject: str, preheader: str) -> dict[str, object]:
    return {
        "slug": slug,
        "year": 2027,
        "publication": "newsletter",
        "period_from": "2026-12-28T00:00:00+00:00",
        "period_to": "2027-01-04T00:00:00+00:00",
        "editions": {"en": {"subject": subject, "preheader": preheader, "fingerprint": "f" * 64}},
        "published": True,
    }


@pytest.mark.parametrize(
    ("subject", "preheader", "shown"),
    [
        ("Lone \ud800 surrogate", "its other half \udc00 alone", ("Lone surrogate", "its other half alone")),
        (f"C0{CONTROLS}controls", f"summary{CONTROLS}too", ("C0 controls", "summary too")),
        ("\ufffe noncharacters \uffff", "DEL\x7fgone", ("noncharacters", "DEL gone")),
    ],
    ids=["surrogates", "controls", "noncharacters"],
)
def test_a_manifest_with_characters_xml_cannot_carry_still_gives_a_strict_feed(
    tmp_path, subject, preheader, shown
):
    """The archive is rebuilt from every issue.json; one written by hand or by an older version may hold
    what XML 1.0 cannot carry (JSON escapes any code point). Such characters are replaced, never written."""
    folder = tmp_path / "archive" / "2027" / "odd"
    folder.mkdir(parents=True)
    (folder / MANIFEST).write_text(json.dumps(_manifest("odd", subject, preheader)), encoding="utf-8")
    refresh_archive(tmp_path / "archive", SETTINGS)
    raw = (tmp_path / "archive" / "feed.en.atom").read_bytes()
    assert assert_strict_feed(raw) == [shown]  # each character replaced by a space, spaces folded
    index = (tmp_path / "archive" / "index.en.html").read_text(encoding="utf-8")
    assert_page_shows_words(index, shown[0])
    assert_page_shows_words(index, shown[1])
