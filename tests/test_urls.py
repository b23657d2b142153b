"""canonical_url, url_identity, resolve_redirect_link, date_from_url."""

from __future__ import annotations

import base64
from datetime import date
from urllib.parse import quote

import pytest

from mediawatch.collect.urls import date_from_url, resolve_redirect_link
from mediawatch.identity import canonical_url, host_problem, url_identity

# --- canonical_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://WWW.Example.COM/Path/Article", "https://www.example.com/Path/Article"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a?&&", "https://example.com/a"),
        ("http://example.com/a", "http://example.com/a"),  # scheme kept as given
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("https://user:pw@Example.com/a", "https://user:pw@example.com/a"),
        ("https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a"),
    ],
)
def test_canonical_url_basic_normalisation(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


def test_canonical_url_hashbang_route_is_kept() -> None:
    assert canonical_url("https://example.com/#!/article/12") == "https://example.com/#!/article/12"


def test_canonical_url_idna_host_and_utf8_path() -> None:
    assert canonical_url("https://Bücher.example/été à Paris") == (
        "https://xn--bcher-kva.example/%C3%A9t%C3%A9%20%C3%A0%20Paris"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://example.com/%7euser/%2Fa%2fb", "https://example.com/~user/%2Fa%2Fb"),
        ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
        ("https://example.com/a%41b", "https://example.com/aAb"),
        ("https://example.com/100%", "https://example.com/100%25"),
        (
            "https://example.com/s?q=caf%c3%a9+cr%C3%A8me&x=%7e",
            "https://example.com/s?q=caf%C3%A9+cr%C3%A8me&x=~",
        ),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/a/b/..", "https://example.com/a/"),
    ],
)
def test_canonical_url_percent_encoding_and_dot_segments(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


@pytest.mark.parametrize(
    "param",
    [
        "utm_source=rss", "UTM_Medium=email", "utm_campaign=x", "fbclid=IwAR0", "gclid=abc", "dclid=1",
        "gbraid=1", "wbraid=1", "msclkid=1", "mc_cid=1", "mc_eid=1", "igshid=1", "yclid=1", "_hsenc=1",
        "_hsmi=1", "mkt_tok=1", "oly_enc_id=1", "oly_anon_id=1", "vero_id=1", "vero_conv=1",
        "ref_src=twsrc%5Etfw", "at_medium=RSS", "at_campaign=x", "xtor=RSS-3208", "ns_campaign=x",
        "ns_mchannel=x", "__twitter_impression=true", "cmpid=x", "ocid=msn", "CMP=share_btn_tw",
        "INTCMP=x", "smid=tw-nytimes", "mtm_campaign=x", "pk_kwd=x",
    ],
)  # fmt: skip
def test_canonical_url_drops_tracking_parameters(param: str) -> None:
    assert canonical_url(f"https://example.com/a?id=7&{param}&page=2") == "https://example.com/a?id=7&page=2"


def test_canonical_url_keeps_other_parameters_in_order_and_blank_values() -> None:
    url = "https://example.com/a?z=1&utm_source=x&a=2&ref=home&s=&z=3"
    assert canonical_url(url) == "https://example.com/a?z=1&a=2&ref=home&s=&z=3"


def test_canonical_url_only_tracking_parameters_leaves_no_question_mark() -> None:
    assert canonical_url("https://example.com/a?utm_source=x&fbclid=y") == "https://example.com/a"


def test_canonical_url_resolves_against_base() -> None:
    base = "https://www.example.fr/rss/une.xml"
    assert (
        canonical_url("/politique/article?utm_source=rss", base) == "https://www.example.fr/politique/article"
    )
    assert canonical_url("article-2", base) == "https://www.example.fr/rss/article-2"
    assert canonical_url("//cdn.example.fr/x", base) == "https://cdn.example.fr/x"
    assert canonical_url("https://other.example/x", base) == "https://other.example/x"


@pytest.mark.parametrize(
    "given", ["mailto:a@example.com", "javascript:alert(1)", "/relative/only", "", "ftp://h/x"]
)
def test_canonical_url_leaves_non_http_input_alone(given: str) -> None:
    assert canonical_url(given) == given


def test_canonical_url_is_idempotent() -> None:
    urls = [
        "HTTPS://Bücher.example:443/été?b=1&utm_source=x&a=%7e#frag",
        "https://example.com/a/./b/../c?q=caf%c3%a9",
        "http://example.com",
    ]
    for url in urls:
        once = canonical_url(url)
        assert canonical_url(once) == once


# --- url_identity --------------------------------------------------------------------------------


def test_url_identity_unifies_variants_of_the_same_page() -> None:
    variants = [
        "https://www.example.com/news/article/?b=2&a=1",
        "http://example.com/news/article?a=1&b=2",
        "https://example.com:443/news/article/?a=1&b=2#comments",
        "HTTPS://WWW.EXAMPLE.COM/news/article?utm_source=rss&a=1&b=2",
        "http://www.example.com:80/news/./article?b=2&fbclid=x&a=1",
    ]
    keys = {url_identity(v) for v in variants}
    assert keys == {"example.com/news/article?a=1&b=2"}


def test_url_identity_keeps_real_differences() -> None:
    assert url_identity("https://example.com/a") != url_identity("https://example.com/b")
    assert url_identity("https://example.com/a?id=1") != url_identity("https://example.com/a?id=2")
    assert url_identity("https://news.example.com/a") != url_identity("https://example.com/a")
    assert url_identity("https://example.com/A") != url_identity("https://example.com/a")


def test_url_identity_root() -> None:
    assert url_identity("https://www.example.com/") == url_identity("http://example.com") == "example.com"


# --- resolve_redirect_link -----------------------------------------------------------------------

PUBLISHER = "https://www.lemonde.fr/politique/article/2024/03/15/reforme_123.html?x=1&y=2"


def test_google_url_wrapper_prefers_url_then_q() -> None:
    wrapped = "https://www.google.com/url?sa=t&url=" + quote(PUBLISHER, safe="") + "&q=https://wrong.example/"
    assert resolve_redirect_link(wrapped) == PUBLISHER
    only_q = "https://www.google.fr/url?q=" + quote(PUBLISHER, safe="") + "&sa=U&ved=0ah"
    assert resolve_redirect_link(only_q) == PUBLISHER


def test_google_url_wrapper_ignores_non_http_targets() -> None:
    wrapped = "https://www.google.com/url?q=javascript:alert(1)"
    assert resolve_redirect_link(wrapped) == wrapped


def test_google_amp_viewer() -> None:
    assert (
        resolve_redirect_link("https://www.google.com/amp/s/www.elpais.com/amp/internacional/nota.html")
        == "https://www.elpais.com/amp/internacional/nota.html"
    )


def test_bing_news_apiclick() -> None:
    # Shape of the links in Bing News RSS (cf. prof18 feed-bing-image.xml).
    wrapped = (
        "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=12BE3CE268B0484F92DD9828C685E325"
        "&url=https%3a%2f%2fwww.dailymail.co.uk%2fsport%2farticle-9554407%2fReal-Madrid.html&c=1234&mkt=en-us"
    )
    assert (
        resolve_redirect_link(wrapped) == "https://www.dailymail.co.uk/sport/article-9554407/Real-Madrid.html"
    )


def test_bing_click_tracker_a1_base64() -> None:
    token = "a1" + base64.urlsafe_b64encode(PUBLISHER.encode()).decode().rstrip("=")
    assert resolve_redirect_link(f"https://www.bing.com/ck/a?!&&p=abc&u={token}&ntb=1") == PUBLISHER


def test_news_google_url_parameter() -> None:
    assert (
        resolve_redirect_link("https://news.google.com/news/url?sa=t&url=" + quote(PUBLISHER, safe=""))
        == PUBLISHER
    )


def _google_news_id(url: str) -> str:
    raw = url.encode()
    payload = b"\x08\x13\x22" + bytes([len(raw) & 0x7F | 0x80, len(raw) >> 7]) + raw + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def test_google_news_article_id_with_url_in_clear_is_decoded() -> None:
    for prefix in ("https://news.google.com/rss/articles/", "https://news.google.com/__i/rss/rd/articles/"):
        assert resolve_redirect_link(prefix + _google_news_id(PUBLISHER) + "?oc=5") == PUBLISHER


def test_google_news_real_shaped_id_from_a_feed() -> None:
    # Item link of Google Actualités FR-BE, 2020 (cf. prof18 feed-test-source.xml)
    link = (
        "https://news.google.com/__i/rss/rd/articles/CBMiXWh0dHBzOi8vd3d3LmRobmV0LmJlL2FjdHUvc2FudGUvbGEtYmVsZ2lx"
        "dWUtYW5ub25jZS14eHgtbm91dmVhdXgtY2FzLTVlNjRjNzI2ZDhhZDU4MzVhMWM4ZTA3MNIBAA?oc=5"
    )
    assert resolve_redirect_link(link) == (
        "https://www.dhnet.be/actu/sante/la-belgique-annonce-xxx-nouveaux-cas-5e64c726d8ad5835a1c8e070"
    )


def test_google_news_opaque_id_is_returned_unchanged() -> None:
    opaque = base64.urlsafe_b64encode(b"\x08\x13\x22\x10AU_yqLOpaqueKey12").decode().rstrip("=")
    link = f"https://news.google.com/rss/articles/{opaque}?oc=5"
    assert resolve_redirect_link(link) == link


@pytest.mark.parametrize(
    "wrapper",
    [
        "https://l.facebook.com/l.php?u={}&h=AT0abc",
        "https://lm.facebook.com/l.php?u={}",
        "https://l.instagram.com/?u={}&e=x",
        "https://eur01.safelinks.protection.outlook.com/?url={}&data=05",
        "https://duckduckgo.com/l/?uddg={}&rut=abc",
        "https://out.reddit.com/t3_abc?url={}&token=x",
        "https://www.linkedin.com/redir/redirect?url={}&urlhash=x",
    ],
)
def test_other_click_wrappers(wrapper: str) -> None:
    assert resolve_redirect_link(wrapper.format(quote(PUBLISHER, safe=""))) == PUBLISHER


def test_yahoo_path_wrapper() -> None:
    link = (
        "https://r.search.yahoo.com/_ylt=abc/RV=2/RE=1/RO=10/RU=" + quote(PUBLISHER, safe="") + "/RK=2/RS=x-"
    )
    assert resolve_redirect_link(link) == PUBLISHER


def test_nested_wrappers_are_unwrapped() -> None:
    inner = "https://l.facebook.com/l.php?u=" + quote(PUBLISHER, safe="")
    outer = "https://www.google.com/url?q=" + quote(inner, safe="")
    assert resolve_redirect_link(outer) == PUBLISHER


@pytest.mark.parametrize(
    "url",
    [
        PUBLISHER,
        "https://www.google.com/search?q=https://example.com",
        "https://www.bing.com/news/search?q=climat",
        "https://news.google.com/topics/CAAqJggKIiBDQkFTRWdvSUwyMHZNRFZxYUdjU0FtVnVHZ0pWVXlnQVAB",
        "https://t.co/abc123",
        "not a url at all",
        "",
    ],
)
def test_non_wrappers_are_returned_unchanged(url: str) -> None:
    assert resolve_redirect_link(url) == url


# --- date_from_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.lemonde.fr/politique/article/2024/03/15/reforme_123.html", date(2024, 3, 15)),
        ("https://example.com/2024/3/5/titre", date(2024, 3, 5)),
        ("https://example.com/2024/03/15", date(2024, 3, 15)),
        ("https://www.theguardian.com/us-news/2018/jan/31/state-of-the-union", date(2018, 1, 31)),
        ("https://example.com/news/2024-03-15-titre-de-l-article", date(2024, 3, 15)),
        ("https://example.com/news/titre_2024_03_15.html", date(2024, 3, 15)),
        ("https://example.com/sudinfo/20240315-titre", date(2024, 3, 15)),
        ("https://example.com/a/20240315", date(2024, 3, 15)),
        ("https://www.sudinfo.be/id171927/article/2020-03-08/coronavirus", date(2020, 3, 8)),
    ],
)
def test_date_from_url_patterns(url: str, expected: date) -> None:
    assert date_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/article/123456789",  # an id, not a date
        "https://example.com/article/202403151234",  # longer digit run
        "https://example.com/2024/02/30/impossible",  # no such day
        "https://example.com/1970/01/01/too-old",  # before 1995
        "https://example.com/2024/03/titre",  # month only
        "https://example.com/list?date=2024-03-15",  # query, not path
        "https://2024-03-15.example.com/a",  # host, not path
        "https://example.com/products/19941231",
        "",
    ],
)
def test_date_from_url_rejects(url: str) -> None:
    assert date_from_url(url) is None


@pytest.mark.parametrize(
    ("host", "problem"),
    [("www..lemonde.fr", "empty label"), (".example.org", "empty label"), ("a" * 64 + ".org", "63"),
     ("abc." * 70 + "org", "253"), ("", "empty"), ("\u200b.org", "IDNA")],
)  # fmt: skip
def test_host_problem_names_what_is_wrong(host: str, problem: str) -> None:
    found = host_problem(host)
    assert found is not None
    assert problem in found


@pytest.mark.parametrize(
    "host",
    ["lemonde.fr", "lemonde.fr.", "bücher.de", "a" * 63 + ".org", "127.0.0.1", "::1", "[::1]", "localhost"],
)
def test_host_problem_accepts_real_host_names(host: str) -> None:
    assert host_problem(host) is None
