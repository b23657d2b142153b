"""A saved watch's Atom 1.0 feed: its newest matching stories, one entry per story.

Built with ElementTree like the archive's feeds (:func:`mediawatch.render.archive.atom_feed`): the text of
titles and summaries is escaped by the serializer, and characters XML 1.0 forbids (control characters a
hostile page may carry in its title) are dropped first, so the feed always parses.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 -- building XML, never parsing it
from datetime import UTC, datetime

from mediawatch.config import Settings
from mediawatch.i18n import t, tn
from mediawatch.store.search import SearchPage
from mediawatch.store.watches import Watch
from mediawatch.watch.watches import query_words

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str, limit: int = 1000) -> str:
    return " ".join(_NOT_XML.sub("", value).split())[:limit]


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(settings: Settings, *parts: object) -> str:
    # Stable whatever the feed's secret becomes: a rotated key keeps the entries' identities.
    name = "mediawatch:" + ":".join((settings.organisation, "watch", *map(str, parts)))
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def watch_atom(watch: Watch, page: SearchPage, settings: Settings, self_url: str) -> bytes:
    """The feed of ``watch`` (``page``: its newest stories), in the watch's language."""
    lang = watch.language
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed", {f"{{{XML_NS}}}lang": lang})
    sub(feed, "id", _id(settings, watch.id))
    sub(feed, "title", _text(t("watches.feed.title", lang, name=watch.name)))
    sub(feed, "subtitle", _text(t("watches.feed.subtitle", lang, query=query_words(watch, lang))))
    newest = max((s.latest for s in page.stories), default=watch.created_at)
    sub(feed, "updated", _time(newest))
    author = sub(feed, "author")
    sub(author, "name", _text(settings.organisation))
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "generator", "mediawatch")
    for story in page.stories:
        lead = next((a for a in story.articles if a.matched), story.articles[0] if story.articles else None)
        if lead is None:
            continue
        entry = sub(feed, "entry")
        sub(entry, "id", _id(settings, watch.id, "story", story.id))
        sub(entry, "title", _text(lead.title or lead.url, 500))
        sub(entry, "updated", _time(story.latest))
        others = len(story.articles) - 1
        outlet = _text(lead.outlet or "-", 200)
        summary = tn("watches.feed.more_articles", others, lang, outlet=outlet) if others else outlet
        sub(entry, "summary", summary)
        if lead.url.startswith(("http://", "https://")):
            sub(entry, "link", rel="alternate", type="text/html", href=_text(lead.url, 2000))
        else:  # a print or radio item typed by hand: RFC 4287 wants content when there is no link
            sub(entry, "content", summary, type="text")
    data: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return data
