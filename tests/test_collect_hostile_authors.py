"""Found by attacking `mediawatch collect` (hostile round 3): a long author element.

feedparser looks for an e-mail address in each person element with a regular expression whose cost grows
with the square of the text (300 KB: about 330 s of CPU), so one such item cost the whole feed.
"""

from __future__ import annotations

import time

import pytest
from collect_hostile_helpers import (  # noqa: F401 (store_fixture: the `store` fixture)
    article,
    feed_source,
    health_of,
    store_fixture,
)
from hostile_server import HostileServer, Response
from test_collect import FAST

from mediawatch.collect.feeds import MAX_AUTHOR_CHARS, parse_feed
from mediawatch.collect.feedtrim import MAX_PERSON_CHARS, trim_person_elements
from mediawatch.collect.pipeline import collect
from mediawatch.types import FetchStatus

NAMESPACES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
)
# Each person element feedparser runs the e-mail pattern on (checked by hand: 20 KB of each took over a
# second before the cut), in the item or in the channel.
ITEM_PERSONS = ("author", "dc:creator", "itunes:author")
CHANNEL_PERSONS = ("managingEditor", "webMaster", "dc:publisher")


def _feed(item_extra: str = "", channel_extra: str = "", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f"<rss version='2.0' {NAMESPACES}><channel><title>Persons</title>{channel_extra}"
        f"<item><title>The long one</title><link>http://e.example/a</link>{item_extra}"
        "<description>Cover crops &amp; soil carbon</description></item>"
        "<item><title>Un sol vivant</title><link>http://e.example/b</link>"
        "<author>ana@example.org (Ana Perez)</author></item></channel></rss>"
    )


@pytest.mark.parametrize("element", ITEM_PERSONS + CHANNEL_PERSONS)
def test_a_huge_person_element_costs_milliseconds_and_the_items_stay(element):
    name = "x" * 60_000  # about 13 s of CPU before the cut; milliseconds after
    where = {"item_extra" if element in ITEM_PERSONS else "channel_extra": f"<{element}>{name}</{element}>"}
    started = time.process_time()
    feed = parse_feed(_feed(**where).encode(), "http://e.example/feed", "application/rss+xml")
    cpu = time.process_time() - started
    assert cpu < 1.0, f"{cpu:.1f} s of CPU"  # a bound two orders of magnitude above the cost now
    assert [e.url for e in feed.entries] == ["http://e.example/a", "http://e.example/b"]
    assert feed.entries[1].author == "Ana Perez"
    if element in ITEM_PERSONS:
        assert feed.entries[0].author.startswith("xxxx")
        assert len(feed.entries[0].author) == MAX_AUTHOR_CHARS
    assert f"1 author element over {MAX_PERSON_CHARS} characters cut" in feed.warnings
    assert feed.entries[0].summary == "Cover crops & soil carbon"


def test_only_the_person_text_changes_and_the_cut_is_shown():
    before, after = _feed().split("</link>", 1)
    body = f"{before}</link><author>{'Jean ' * 50_000}</author>{after}".encode()
    trimmed, cut = trim_person_elements(body)
    assert cut == 1
    head, _, rest = trimmed.partition(b"<author>")
    text, _, tail = rest.partition(b"</author>")
    assert head == body[: len(head)]
    assert body.endswith(tail)
    assert text == b"Jean " * (MAX_PERSON_CHARS // 5) + b"Je&#8230;"


def test_short_persons_and_other_documents_are_left_alone():
    body = _feed("<author>jane@example.org (Jane Doe)</author>").encode()
    assert trim_person_elements(body) == (body, 0)
    # Not person elements: a long title, an <authors> element, a <name> outside a person.
    long = "y" * 5000
    others = f"<title>{long}</title><authors>{long}</authors><name>{long}</name>"
    body = _feed(others).encode()
    trimmed, cut = trim_person_elements(body)
    assert cut == 0
    assert trimmed is body


def test_markup_looking_like_a_person_inside_cdata_or_a_comment_is_not_touched():
    long = "z" * 2000
    body = _feed(
        f"<description><![CDATA[<p>By <author>{long}</author></p>]]></description>"
        f"<!-- <author>{long} --><author/><author />"
    ).encode()
    assert trim_person_elements(body) == (body, 0)


def test_cdata_child_elements_and_entities_are_cut_without_breaking_the_xml():
    body = _feed(f"<author><![CDATA[{'c' * 400}]]>{'&#233;' * 100}<b>x</b>{'d' * 9000}</author>").encode()
    trimmed, cut = trim_person_elements(body)
    assert cut == 1
    assert f"<author><![CDATA[{'c' * 400}]]>{'&#233;' * 18}&#8230;<b></b></author>".encode() in trimmed
    feed = parse_feed(trimmed, "http://e.example/feed", "application/rss+xml")
    assert feed.entries[0].author == "c" * 199 + "…"


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-8", "Pérez-Ñúñez "),
        ("utf-16", "Pérez-Ñúñez "),
        ("utf-32", "Pérez "),
        ("shift_jis", "山田太郎、"),
        ("gb18030", "王小明，"),
        ("big5", "陳大文，"),
        ("euc-kr", "김민수, "),
        ("windows-1252", "Müller "),
        ("koi8-r", "Иванов "),
    ],
)
def test_every_declared_encoding_is_cut_on_a_character(encoding, name):
    body = _feed(f"<dc:creator>{name * 20_000}</dc:creator>", encoding=encoding).encode(encoding)
    trimmed, cut = trim_person_elements(body, "application/rss+xml")
    assert cut == 1
    assert len(trimmed) < len(body) // 50
    kept = trimmed.decode(encoding)  # strict: no character was split
    creator = kept.split("<dc:creator>")[1].split("</dc:creator>")[0]
    assert creator.endswith("&#8230;")
    assert (name * 20_000).startswith(creator.removesuffix("&#8230;"))
    feed = parse_feed(trimmed, "http://e.example/feed", f"application/rss+xml; charset={encoding}")
    assert feed.entries[0].author.startswith(name.strip()[:3])
    assert feed.entries[1].author == "Ana Perez"


def test_a_document_in_a_shifting_encoding_is_left_to_the_parser():
    body = _feed(f"<author>{'a' * 2000}</author>", encoding="iso-2022-jp").encode("iso-2022-jp")
    assert trim_person_elements(body) == (body, 0)
    ascii_body = _feed(f"<author>{'a' * 2000}</author>").encode()
    assert trim_person_elements(ascii_body, "text/xml; charset=utf-7") == (ascii_body, 0)


def test_the_collector_keeps_a_feed_with_a_300_kb_author(store, hostile_server: HostileServer):
    # As in production: parsed in a worker process under a CPU budget, which the author used up whole.
    settings = FAST.with_overrides(extract_workers=2, parse_cpu_seconds=5.0)
    for n in range(2):
        hostile_server.add_static(f"/persons/{n}", article(n), content_type="text/html")
    links = [hostile_server.url(f"/persons/{n}") for n in range(2)]
    items = (
        f"<item><title>Soil carbon, a long byline</title><link>{links[0]}</link>"
        f"<author>{'w' * 300_000}</author></item>"
        f"<item><title>Soil carbon, a short byline</title><link>{links[1]}</link>"
        "<author>jane@example.org (Jane Doe)</author></item>"
    )
    feed = f"<rss version='2.0'><channel><title>p</title>{items}</channel></rss>".encode()
    hostile_server.add_route("/persons.xml", Response(200, feed, {"Content-Type": "application/rss+xml"}))
    report = collect(store, [feed_source("persons", hostile_server.url("/persons.xml"))], settings)
    assert report.failed == 0
    event = health_of(store)["persons"].events[0]
    assert event.status == FetchStatus.OK
    assert "1 author element over 512 characters cut" in event.detail
    stored = sorted(store.list_articles(include_duplicates=True), key=lambda a: a.url)
    assert [a.url for a in stored] == links
    assert all(len(a.author) <= MAX_AUTHOR_CHARS for a in stored)
