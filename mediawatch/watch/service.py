"""Search as the CLI and the web app call it: the query parsed, the filters checked, the stories found.

``search_stories(store, 'sols "carbone organique" -océan', make_filters(language="fr", names=names))``
gives a page of stories (``names``: the team's taxonomy, ``classify.vocabulary.taxonomy_names``);
:func:`story_record` makes one a JSON object, :func:`story_lines` text for a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from mediawatch.classify.vocabulary import TaxonomyNames
from mediawatch.errors import ConfigError
from mediawatch.i18n import language_name, t, tn, unknown_article_language
from mediawatch.i18n.regions import region_name
from mediawatch.i18n.themes import theme_name
from mediawatch.store.additions import AddOrigin
from mediawatch.store.search import (
    FoundStory,
    RelevanceState,
    SearchFilters,
    SearchPage,
    SearchStore,
)
from mediawatch.types import OutletType, Region
from mediawatch.watch.query import parse

__all__ = [
    "OUTLET_TYPE_KEYS",
    "STATE_KEYS",
    "make_filters",
    "reader_source_names",
    "search_stories",
    "story_lines",
    "story_record",
]

MAX_LIMIT = 500


def reader_source_names(names: Mapping[str, str], lang: str | None) -> dict[str, str]:
    """Sources by id -> name as a reader sees them. The two built-in sources of added articles are stored
    under English names (the store names no one); a filter list or a watch's filters says them in words."""
    words = {
        AddOrigin.URL.value: t("add.origin.url", lang),
        AddOrigin.MANUAL.value: t("add.origin.manual", lang),
    }
    return {source: words.get(source, name) for source, name in names.items()}


def make_filters(
    *,
    names: TaxonomyNames,
    since: datetime | None = None,
    until: datetime | None = None,
    language: str | None = None,
    theme: str | None = None,
    region: str | None = None,
    source: str | None = None,
    states: Iterable[str] = (),
    objective: str | None = None,
    outlet_type: str | None = None,
    submitted: bool | None = None,
    used: bool | None = None,
) -> SearchFilters:
    """Filters from what a person typed; a value that is not one of the known ones is a ConfigError. The
    themes and objectives known are those of ``names``, the team's taxonomy."""
    objective = (objective or "").strip().upper() or None
    if objective and objective not in names.objectives:
        known = _known(names.objectives)
        raise ConfigError(t("watchpage.filter.unknown_objective", None, value=objective, known=known))
    if outlet_type and outlet_type not in set(OutletType):
        value, known = outlet_type, _known(OutletType)
        raise ConfigError(t("watchpage.filter.unknown_outlet_type", None, value=value, known=known))
    language = (language or "").strip().lower() or None
    why = unknown_article_language(language) if language else None
    if why is not None:
        raise ConfigError(why)
    if theme and theme not in names.themes:
        raise ConfigError(
            t("search.filter.unknown_theme", None, value=theme, known=_named(names.themes, theme_name))
        )
    if region and region not in set(Region):
        known = _named(Region, region_name)
        raise ConfigError(t("search.filter.unknown_region", None, value=region, known=known))
    chosen = []
    for state in states:
        if state not in set(RelevanceState):
            known = _known(RelevanceState)
            raise ConfigError(t("search.filter.unknown_state", None, value=state, known=known))
        chosen.append(RelevanceState(state))
    if since is not None and until is not None and until <= since:
        raise ConfigError(
            t("search.filter.until_before_since", None, since=_as_typed(since), until=_as_typed(until))
        )
    return SearchFilters(
        since=since,
        until=until,
        language=language,
        theme=theme or None,
        region=region or None,
        source=source or None,
        states=tuple(dict.fromkeys(chosen)),
        objective=objective,
        outlet_type=outlet_type or None,
        submitted=submitted,
        used=used,
    )


def _known(values: Iterable[str]) -> str:
    return ", ".join(str(v) for v in values)


def _named(values: Iterable[str], name: Callable[[str, str | None], str]) -> str:
    """'Politiques publiques (policy), …' in the UI language: the name a person reads, with the value to
    type; a code of a team's own taxonomy that has no name is said once."""
    said = []
    for value in values:
        words = name(str(value), None)
        said.append(str(value) if words == str(value) else f"{words} ({value})")
    return ", ".join(said)


def _as_typed(moment: datetime) -> str:
    """A bound as a person would have typed it: the day alone when it is a midnight in UTC."""
    if moment.utcoffset() == timedelta(0) and moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.isoformat()


def search_stories(
    store: SearchStore, query: str, filters: SearchFilters | None = None, *, limit: int = 50, offset: int = 0
) -> SearchPage:
    """The stories matching ``query`` (the syntax of :mod:`mediawatch.watch.query`), newest first; a blank
    query matches every article (the stream, narrowed by the filters alone)."""
    node = parse(query) if query.strip() else None
    limit = max(1, min(limit, MAX_LIMIT))
    return store.search_stories(node, filters or SearchFilters(), limit=limit, offset=max(0, offset))


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def story_record(story: FoundStory) -> dict[str, Any]:
    """One story as a JSON object (``--json``; field names are an interface, never translated)."""
    return {
        "story_id": story.id,
        "latest": _when(story.latest),
        "outlets": list(dict.fromkeys(a.outlet for a in story.articles if a.outlet)),
        "languages": list(dict.fromkeys(a.language for a in story.articles if a.language)),
        "articles": [
            {
                "id": a.id,
                "title": a.title,
                "url": a.url,
                "outlet": a.outlet,
                "language": a.language,
                "published": _when(a.published),
                "state": str(a.state) if a.state else None,
                "matched": a.matched,
            }
            for a in story.articles
        ],
    }


def title_and_address(title: str, url: str) -> list[str]:
    """An article's indented title and web address in a listing; an article added by hand may have no
    address, and gets no blank line for it."""
    return [f"      {title}", f"      {url}"] if url else [f"      {title}"]


# Literal keys (the i18n scans read them); the watch page, the saved watches and the CLI name them so.
STATE_KEYS = {
    RelevanceState.RELEVANT: "search.state.relevant",
    RelevanceState.UNSURE: "search.state.unsure",
    RelevanceState.NOT_RELEVANT: "search.state.not_relevant",
}
OUTLET_TYPE_KEYS = {
    OutletType.PRESS: "watchpage.outlet_type.press",
    OutletType.INSTITUTIONAL: "watchpage.outlet_type.institutional",
    OutletType.SCIENTIFIC: "watchpage.outlet_type.scientific",
    OutletType.BLOG: "watchpage.outlet_type.blog",
}


def story_lines(page: SearchPage, lang: str, offset: int = 0) -> list[str]:
    """The page for a person: a line per story, then its articles (date, outlet, language, state, title,
    link); the non-matching members of a story are marked with ``·`` instead of ``*``."""
    if not page.stories:
        return [t("search.cli.none", lang)]
    lines: list[str] = []
    for story in page.stories:
        languages = ", ".join(
            language_name(code, lang) for code in dict.fromkeys(a.language for a in story.articles)
        )
        latest = story.latest.date().isoformat()
        lines.append(
            tn("search.cli.story", len(story.articles), lang, id=story.id, latest=latest, languages=languages)
        )
        for a in story.articles:
            when = a.published.date().isoformat() if a.published else t("search.cli.unknown_date", lang)
            state = t(STATE_KEYS[a.state], lang) if a.state else t("search.state.unclassified", lang)
            mark = "*" if a.matched else "·"
            lines.append(f"  {mark} {when}  {a.outlet or '-'}  [{language_name(a.language, lang)}, {state}]")
            lines.extend(title_and_address(a.title, a.url))
    if page.more:
        lines.append(t("search.cli.more", lang, offset=offset + len(page.stories)))
    return lines
