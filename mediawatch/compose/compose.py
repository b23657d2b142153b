"""Compose a draft issue from the relevant stories of a period, with every edition's texts.

Reads the store (articles, classifications, stories), decides with :mod:`mediawatch.compose.select`,
translates with :mod:`mediawatch.translate` and writes one issue in one transaction. A failing or slow
translation provider never blocks: the item keeps its original words, the issue records a warning and
``mediawatch translate --retry`` fills the gap later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mediawatch.compose.issues import default_title, refuse_twin, slug_base
from mediawatch.compose.pinned import merge_pinned, pinned_candidates
from mediawatch.compose.select import (
    DEFAULT_SECTIONS,
    Candidate,
    Limits,
    Planned,
    limits_for,
    plan,
    short_summary,
)
from mediawatch.compose.translation import StoreCache, edition_texts, translator_from
from mediawatch.config import Settings, parse_timezone
from mediawatch.errors import ConfigError, NothingToCompose, WorkflowError
from mediawatch.i18n import DEFAULT_LANGUAGE, LANGUAGES, Counted, Message, language_names, said
from mediawatch.i18n.dates import HalfOpen
from mediawatch.i18n.publications import publication_label
from mediawatch.store.issues import NewItem
from mediawatch.store.protocols import ComposeStore
from mediawatch.translate import Translator
from mediawatch.types import AlsoIn, Article, Classification, ItemText, Publication, in_period

SUMMARY_LIMIT = {Publication.PRESS_REVIEW: 280, Publication.NEWSLETTER: 420}


@dataclass(frozen=True, slots=True)
class ComposeResult:
    issue_id: int
    slug: str
    items: int
    warnings: tuple[str, ...]
    candidates: int  # relevant stories of the period not yet published in this publication


def parse_languages(value: str | Sequence[str] | None, default: str) -> tuple[str, ...]:
    raw = value if value is not None else default
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    languages = tuple(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown or not languages:
        known = language_names(*LANGUAGES, with_codes=True)  # typed as codes: --languages, compose_languages
        raise said(ConfigError, "compose.bad_languages", known=known, got=", ".join(unknown) or "-")
    return languages


def compose_issue(
    store: ComposeStore,
    settings: Settings,
    publication: Publication,
    *,
    period_from: datetime | None = None,
    period_to: datetime | None = None,
    languages: Sequence[str] | None = None,
    actor: str = "",
    translator: Translator | None = None,
    now: datetime | None = None,
    another: bool = False,
) -> ComposeResult:
    """Create a draft issue of ``publication`` for the period (default: the last compose_period_days).

    One issue per publication and period, as the nightly and the web form keep it: AlreadyComposed when
    one exists, in any state, unless ``another`` (someone who wants a second one, slug ``...-2``)."""
    now = now or datetime.now(UTC)
    period_to = period_to or now
    period_from = period_from or period_to - timedelta(days=settings.compose_period_days)
    if period_from >= period_to:
        raise said(
            ConfigError, "compose.empty_period", start=f"{period_from:%Y-%m-%d}", end=f"{period_to:%Y-%m-%d}"
        )
    editions = parse_languages(languages, settings.compose_languages)
    zone = parse_timezone(settings.nightly_timezone)  # whose days the slug and the messages count
    if not another:
        refuse_twin(store, publication, period_from, period_to, zone)
    limits = limits_for(
        publication,
        newsletter=Limits(settings.compose_newsletter_per_section, settings.compose_newsletter_max_items),
        press_review=Limits(
            settings.compose_press_review_per_section, settings.compose_press_review_max_items
        ),
    )
    candidates, told = _gather(store, settings, publication, period_from, period_to)
    pins = pinned_candidates(store, publication, SUMMARY_LIMIT[publication])
    chosen = {c.story_id for _pin, c in pins}
    planned = plan(
        [c for c in candidates if c.story_id not in chosen],
        period_from=period_from,
        period_to=period_to,
        limits=limits,
        sections=DEFAULT_SECTIONS,
    )
    if pins:  # the editors' choice, whatever the period, the threshold or the section limits say
        planned = merge_pinned(
            planned,
            [c for _pin, c in pins],
            period_from=period_from,
            period_to=period_to,
            sections=DEFAULT_SECTIONS,
        )
    if not planned:
        # An issue with no item is not a draft anyone can use; the same period composes once stories come.
        # said where it is read: the CLI in its language, the nightly's log in English
        period = HalfOpen(period_from, period_to, zone)
        fields = {"publication": publication_label(publication), "period": period}
        why = (
            Counted("compose.all_told", told, **fields)
            if told
            else Message("compose.refused.nothing", **fields)
        )
        refusal = NothingToCompose(why.text(DEFAULT_LANGUAGE), already_told=told)
        refusal.reason = why
        raise refusal
    translator = translator if translator is not None else translator_from(settings)
    texts, warnings = edition_texts(
        planned, editions, translator, StoreCache(store), provider=settings.translate_provider
    )
    slug = _free_slug(store, slug_base(publication, period_from, period_to, zone))
    items = [_new_item(p, texts[p.candidate.story_id]) for p in planned]
    issue_id = store.create_issue(
        slug=slug,
        publication=publication,
        title=default_title(publication, period_from, period_to),
        period_from=period_from,
        period_to=period_to,
        languages=editions,
        sections=DEFAULT_SECTIONS,
        items=items,
        warnings=warnings,
        actor=actor,
        pins=[pin.id for pin, _c in pins],
    )
    return ComposeResult(issue_id, slug, len(items), tuple(warnings), len(candidates))


def gather_candidates(
    store: ComposeStore,
    settings: Settings,
    publication: Publication,
    period_from: datetime,
    period_to: datetime,
) -> list[Candidate]:
    """One candidate per relevant story with an article in the period and not yet published."""
    return _gather(store, settings, publication, period_from, period_to)[0]


def _gather(
    store: ComposeStore,
    settings: Settings,
    publication: Publication,
    period_from: datetime,
    period_to: datetime,
) -> tuple[list[Candidate], int]:
    """The candidates, and how many stories of the period would be ones but were already told."""
    articles = {
        a.id: a
        for a in store.list_articles(
            since=period_from - timedelta(days=settings.story_window_days), include_duplicates=True
        )
    }
    verdicts = {int(c.id): c for c in store.classifications(relevant_only=True)}
    names = store.source_names()
    searches = store.news_search_sources()
    told = store.stories_already_published(publication)
    members: dict[int, list[int]] = {}
    grouped: set[int] = set()
    for story_id, ids in store.story_groups().items():
        members[story_id] = ids
        grouped.update(ids)
    for article_id in articles:  # not grouped yet: its own story, keyed by its id
        if article_id not in grouped:
            members.setdefault(article_id, [article_id])
    limit = SUMMARY_LIMIT[publication]
    result = []
    already = 0
    for story_id, ids in members.items():
        present = [articles[i] for i in ids if i in articles]
        relevant = [a for a in present if a.id in verdicts and a.duplicate_of is None]
        if not relevant or not any(in_period(_when(a), period_from, period_to) for a in relevant):
            continue
        lead = max(
            relevant, key=lambda a: (verdicts[a.id].relevance, len(a.text), -_when(a).timestamp(), -a.id)
        )
        verdict = verdicts[lead.id]
        if verdict.relevance < settings.compose_min_relevance and not verdict.relevant:
            continue
        if story_id in told:
            already += 1
            continue
        result.append(_candidate(story_id, lead, verdict, present, Outlets(names, searches), limit))
    return result, already


@dataclass(frozen=True, slots=True)
class Outlets:
    """Who an article is credited to: its source, or for a news-search source the publisher it names."""

    names: dict[str, str]  # source id -> display name
    searches: set[str]  # ids of news-search sources

    def of(self, article: Article, source_id: str) -> tuple[str, str]:
        """(display name, key): the key tells outlets apart for the one-outlet-per-section limits."""
        if source_id in self.searches and article.sitename:
            return article.sitename, "publisher:" + " ".join(article.sitename.casefold().split())
        return self.names.get(source_id) or article.sitename or source_id, source_id


def _candidate(
    story_id: int,
    lead: Article,
    verdict: Classification,
    members: Sequence[Article],
    outlets: Outlets,
    summary_limit: int,
) -> Candidate:
    outlet, outlet_id = outlets.of(lead, lead.source_ids[0] if lead.source_ids else "")
    others: dict[str, AlsoIn] = {}
    for article in sorted(members, key=lambda a: (_when(a), a.id)):
        if article.id == lead.id or article.duplicate_of is not None and article.duplicate_of == lead.id:
            continue
        for source_id in article.source_ids or ("",):
            name, _key = outlets.of(article, source_id)
            if name and name != outlet and name not in others:
                others[name] = AlsoIn(outlet=name, url=article.url, language=article.language)
    outlet_count = len({outlets.of(a, s)[1] for a in members for s in a.source_ids}) or 1
    return Candidate(
        story_id=story_id,
        article_id=lead.id,
        title=" ".join(lead.title.split()) or lead.url,
        summary=short_summary(lead.summary, lead.text, lead.title, limit=summary_limit),
        url=lead.url,
        outlet=outlet,
        outlet_id=outlet_id,
        published=_when(lead),
        language=verdict.language or lead.language,
        relevance=verdict.relevance,
        themes=tuple(th.value for th in verdict.themes),
        regions=tuple(r.value for r in verdict.regions),
        also_in=tuple(others.values()),
        outlets=outlet_count,
    )


def _when(article: Article) -> datetime:
    return article.published or article.discovered


def _new_item(planned: Planned, texts: Sequence[ItemText]) -> NewItem:
    c = planned.candidate
    return NewItem(
        story_id=c.story_id,
        article_id=c.article_id,
        section=planned.section,
        position=planned.position,
        score=planned.score,
        url=c.url,
        outlet=c.outlet,
        published=c.published,
        language=c.language,
        regions=c.regions,
        also_in=c.also_in,
        texts=tuple(texts),
    )


def _free_slug(store: ComposeStore, base: str) -> str:
    slug, n = base, 1
    while store.slug_taken(slug):
        n += 1
        slug = f"{base}-{n}"
        if n > 999:
            raise WorkflowError(f"too many issues named {base}")
    return slug
