"""Who published a feed item, when the feed is not the publisher: news-search feeds.

A news-search feed (Google News-style RSS, ``kind = "news-search"``) lists other outlets' articles. Each
item names its publisher in an RSS ``<source url="https://publisher.example">Publisher</source>`` element
and, in most aggregators, again at the end of the title ("Soil carbon rises - Publisher"); the
description only repeats the title and the publisher as links. The item is credited to that publisher,
the suffix leaves the title, and a summary that only repeats the title is dropped, so the press review
shows "Publisher", the article's own title and no echo, instead of "News search: ..." three times.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from mediawatch.types import FeedEntry

__all__ = [
    "credited",
    "entry_publisher",
    "publisher_domain",
    "split_title_suffix",
    "strip_publisher",
    "title_echo",
]

_SEPARATORS = (" - ", " – ", " — ", " | ")
_MAX_SUFFIX_CHARS = 60  # a publisher name, not half a headline
_MAX_SUFFIX_WORDS = 8
_NOT_WORD = re.compile(r"[\W_]+")


def entry_publisher(entry: Any, to_text: Any) -> tuple[str, str]:
    """(name, http(s) URL) of a feedparser entry's ``<source>`` element; ("", "") without one.

    ``to_text`` turns markup into plain text (the feed parser's ``html_to_text``)."""
    source = entry.get("source")
    if not hasattr(source, "get"):
        return "", ""
    title = source.get("title")
    href = source.get("href")
    name = to_text(title, 200) if isinstance(title, str) else ""
    url = (
        href.strip()
        if isinstance(href, str) and href.strip().lower().startswith(("http://", "https://"))
        else ""
    )
    return name, url


def publisher_domain(url: str) -> str:
    """``https://www.ouest-france.fr/x`` -> ``ouest-france.fr``: a name for a publisher known by URL only."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_WORD.sub(" ", "".join(c for c in folded if not unicodedata.combining(c))).strip()


def strip_publisher(title: str, publisher: str) -> str:
    """The title without a trailing " - Publisher" (or –, —, |) naming ``publisher``."""
    if not publisher:
        return title
    for separator in _SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        if sep and head.strip() and _key(tail) == _key(publisher):
            return head.strip()
    return title


def split_title_suffix(title: str) -> tuple[str, str]:
    """(title, publisher) from "Headline - Publisher", the news-search convention; (title, "") when the
    last segment does not look like a publisher's name (too long, or the title has no separator)."""
    best: tuple[int, str, str] | None = None
    for separator in _SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        tail = tail.strip()
        if not sep or not head.strip() or not tail:
            continue
        if len(tail) > _MAX_SUFFIX_CHARS or len(tail.split()) > _MAX_SUFFIX_WORDS:
            continue
        if best is None or len(head) > best[0]:  # the separator nearest the end
            best = (len(head), head.strip(), tail)
    return (best[1], best[2]) if best else (title, "")


def title_echo(summary: str, title: str, publisher: str = "") -> bool:
    """Whether ``summary`` says nothing but the title (and the publisher's name): not worth keeping."""
    said = _key(summary)
    if not said:
        return True
    name = _key(publisher)
    if name and said.endswith(name):
        said = said[: -len(name)].strip()
    return said in {_key(title), _key(strip_publisher(title, publisher))}


def credited(entry: FeedEntry, news_search: bool) -> tuple[str, str, str]:
    """(title, summary, publisher name) to store for a feed entry.

    ``entry`` already lost a " - Publisher" suffix its ``<source>`` named (see ``parse_feed``). A
    news-search item without ``<source>`` is read by the aggregators' title convention instead; a
    publisher known only by its URL is named by its domain.
    """
    title, summary, publisher = entry.title, entry.summary, entry.publisher
    if news_search and not publisher:
        title, publisher = split_title_suffix(title)
        if title_echo(summary, entry.title, publisher) or title_echo(summary, title, publisher):
            summary = ""
    return title, summary, publisher or publisher_domain(entry.publisher_url)
