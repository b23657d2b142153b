"""Article links on an institutional page that has no feed (source kind "html")."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from mediawatch.collect.feeds import MAX_LINK_CHARS
from mediawatch.identity import canonical_url
from mediawatch.types import FeedEntry

MIN_ANCHOR_CHARS = 25  # shorter anchor texts are navigation, not headlines


def discover_links(body: bytes, page_url: str, limit: int) -> list[FeedEntry]:
    """Same-site links whose anchor text looks like a headline, in page order."""
    try:
        doc = lxml.html.fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    site = (urlsplit(page_url).hostname or "").removeprefix("www.")
    seen: set[str] = set()
    entries: list[FeedEntry] = []
    for anchor in doc.iter("a"):
        href = anchor.get("href")
        text = " ".join(anchor.text_content().split())
        if not href or len(text) < MIN_ANCHOR_CHARS or len(href) > MAX_LINK_CHARS:
            continue
        absolute = urljoin(page_url, href.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").removeprefix("www.") != site:
            continue
        if parts.path in ("", "/"):
            continue
        url = canonical_url(absolute)
        if url in seen or url == canonical_url(page_url):
            continue
        seen.add(url)
        entries.append(
            FeedEntry(url=url, raw_url=absolute, title=text, summary="", author="", published=None, guid=url)
        )
        if len(entries) >= limit:
            break
    return entries
