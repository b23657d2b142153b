"""A ready-to-post text per language for a story, to copy into the team's social-media calendar.

Each post is the story's title in that language (an issue's edited or machine-translated title, else the
translation cache's; failing both, the original title marked with its language), the outlet, the link
and hashtags for the story's themes and regions (from the catalogues, in that language). It fits in
``LIMIT`` characters counted as the networks count them: any link is ``URL_WEIGHT`` characters, whatever
its length. Hashtags go first when it is too long, then the title is shortened.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mediawatch.i18n import LANGUAGES, language_name, t
from mediawatch.store.protocols import SocialStore
from mediawatch.store.search import RelevanceState
from mediawatch.translate.cache import normalise_lang, text_key
from mediawatch.types import Region, TextOrigin, Theme
from mediawatch.watch.story import ArticleView, StoryView, story_view

__all__ = ["HASHTAG_KEYS", "LIMIT", "URL_WEIGHT", "SocialPost", "post_length", "social_posts"]

LIMIT = 280
URL_WEIGHT = 23  # what X (Twitter) counts for any link, shortened by t.co
_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True, slots=True)
class SocialPost:
    language: str
    text: str
    translated: bool  # False: the title is the original one, marked with its language

    @property
    def length(self) -> int:
        return post_length(self.text)


def post_length(text: str) -> int:
    """The length a network counts: every link as ``URL_WEIGHT`` characters."""
    return len(_URL.sub("x" * URL_WEIGHT, text))


# Literal keys (the i18n scans and tests/test_social_hashtags.py read them), by the kind of tag. A theme or
# region that a team's own taxonomy adds has none: its posts go without that hashtag.
HASHTAG_KEYS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "theme": MappingProxyType(
            {
                Theme.SCIENCE.value: "story.hashtag.theme.science",
                Theme.POLICY.value: "story.hashtag.theme.policy",
                Theme.FINANCE_MARKETS.value: "story.hashtag.theme.finance_markets",
                Theme.PRACTICES.value: "story.hashtag.theme.practices",
                Theme.FORESTRY_AGROFORESTRY.value: "story.hashtag.theme.forestry_agroforestry",
                Theme.MRV_MONITORING.value: "story.hashtag.theme.mrv_monitoring",
                Theme.EVENTS.value: "story.hashtag.theme.events",
                Theme.INITIATIVE_4P1000.value: "story.hashtag.theme.initiative_4p1000",
            }
        ),
        "region": MappingProxyType(
            {
                Region.AFRICA.value: "story.hashtag.region.africa",
                Region.ASIA.value: "story.hashtag.region.asia",
                Region.EUROPE.value: "story.hashtag.region.europe",
                Region.LATIN_AMERICA.value: "story.hashtag.region.latin_america",
                Region.NORTH_AMERICA.value: "story.hashtag.region.north_america",
                Region.OCEANIA.value: "story.hashtag.region.oceania",
                Region.MENA.value: "story.hashtag.region.mena",
                Region.GLOBAL.value: "story.hashtag.region.global",
            }
        ),
    }
)


def _tag(kind: str, name: str, lang: str) -> str | None:
    key = HASHTAG_KEYS[kind].get(str(name))
    return t(key, lang) if key else None


def _lead(view: StoryView) -> ArticleView:
    return next((a for a in view.articles if a.title == view.title), view.articles[0])


def _title_in(store: SocialStore, view: StoryView, lang: str) -> tuple[ArticleView, str, str]:
    """(the article the post links to, its title in ``lang`` if one is known, the language it is in)."""
    lead = _lead(view)
    for article in view.articles:  # an outlet told it in this language: its own words and link
        if normalise_lang(article.language) == lang and article.state is not RelevanceState.NOT_RELEVANT:
            return article, article.title or view.title, lang
    source = normalise_lang(lead.language)
    for use in view.uses:  # an editor's words, or an issue's machine translation
        for item in store.issue_content(use.issue_id).items:
            if item.story_id != view.id:
                continue
            text = item.text(lang)
            if text is not None and text.origin in (TextOrigin.HUMAN, TextOrigin.MACHINE) and text.title:
                return lead, text.title, lang
    cached = store.cached_translation(source, lang, text_key(view.title, source, lang))
    if cached:
        return lead, cached, lang
    return lead, view.title, source


def _compose(title: str, tail: str, tags: list[str]) -> str:
    line = " ".join(tags)
    return f"{title}{tail}" + (f"\n{line}" if line else "")


def _shorten(title: str, room: int) -> str:
    if len(title) <= room:
        return title
    cut = title[: max(1, room - 1)]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def _post(store: SocialStore, view: StoryView, lang: str) -> SocialPost:
    lead, title, written_in = _title_in(store, view, lang)
    title = " ".join(title.split())
    mark = (
        ""
        if written_in == lang
        else " " + t("story.social.original", lang, language=language_name(written_in, lang))
    )
    outlet = f" — {_shorten(' '.join(lead.outlet.split()), 60)}" if lead.outlet else ""
    tail = f"{mark}{outlet}\n{lead.url}"
    tags = [x for x in (_tag("theme", n, lang) for n in view.themes) if x]
    tags += [x for x in (_tag("region", n, lang) for n in view.regions) if x]
    tags = list(dict.fromkeys(tags))
    while tags and post_length(_compose(title, tail, tags)) > LIMIT:
        tags.pop()
    text = _compose(title, tail, tags)
    if post_length(text) > LIMIT:
        title = _shorten(title, LIMIT - post_length(_compose("", tail, [])))
        text = _compose(title, tail, [])
    return SocialPost(lang, text, written_in == lang)


def social_posts(store: SocialStore, story_id: int) -> list[SocialPost]:
    """One post per language (FR, EN, ES) for the story; InvalidInput when there is no such story."""
    view = story_view(store, story_id)
    return [_post(store, view, lang) for lang in LANGUAGES]


def posts_for(store: SocialStore, view: StoryView) -> list[SocialPost]:
    """The posts of a story already built (the story page has it)."""
    return [_post(store, view, lang) for lang in LANGUAGES]
