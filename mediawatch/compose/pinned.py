"""Stories an editor chose: pinned for the next issue of a publication, or added to a draft now.

A pinned story goes into the next composed issue of its publication whatever the period, the relevance
threshold or the section limits say, at the top of its section; the pin is marked used by that issue in
the transaction that creates it (``create_issue(pins=...)``), so a crash leaves the pin waiting and two
composers racing cannot both take it. Adding a story to a draft now builds the same item and appends it
to its section of the draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from mediawatch.compose.issues import IssueName
from mediawatch.compose.select import Candidate, Planned, base_score, section_of, short_summary
from mediawatch.compose.translation import StoreCache, edition_texts, translator_from
from mediawatch.config import Settings, team_zone
from mediawatch.errors import ConflictError, InvalidInput
from mediawatch.i18n import Message
from mediawatch.store.curation import StoryArticle, StoryPin
from mediawatch.store.issues import EDITABLE_STATES, NewItem
from mediawatch.store.protocols import ComposeStore
from mediawatch.translate import Translator
from mediawatch.types import AlsoIn, Publication

__all__ = ["add_story_to_issue", "merge_pinned", "pinned_candidates", "story_candidate"]


def _when(article: StoryArticle) -> datetime:
    return article.published or article.discovered


def story_candidate(store: ComposeStore, story_id: int, summary_limit: int) -> Candidate | None:
    """The story seen through its best article (relevant first, then by score, then the longest text);
    None when the story has no article left."""
    articles = [a for a in store.story_articles(story_id) if a.duplicate_of is None]
    if not articles:
        return None

    def rank(a: StoryArticle) -> tuple[bool, float, int, float, int]:
        verdict = a.classification
        relevant = bool(verdict and verdict.relevant)
        return (relevant, verdict.relevance if verdict else 0.0, len(a.text), -_when(a).timestamp(), -a.id)

    lead = max(articles, key=rank)
    verdict = lead.classification
    others: dict[str, AlsoIn] = {}
    for a in sorted(articles, key=lambda x: (_when(x), x.id)):
        if a.id != lead.id and a.outlet and a.outlet != lead.outlet and a.outlet not in others:
            others[a.outlet] = AlsoIn(outlet=a.outlet, url=a.url, language=a.language)
    return Candidate(
        story_id=story_id,
        article_id=lead.id,
        title=" ".join(lead.title.split()) or lead.url,
        summary=short_summary(lead.summary, lead.text, lead.title, limit=summary_limit),
        url=lead.url,
        outlet=lead.outlet,
        outlet_id="outlet:" + " ".join(lead.outlet.casefold().split()),
        published=_when(lead),
        language=(verdict.language if verdict else "") or lead.language,
        relevance=verdict.relevance if verdict else 0.0,
        themes=tuple(x.value for x in verdict.themes) if verdict else (),
        regions=tuple(x.value for x in verdict.regions) if verdict else (),
        also_in=tuple(others.values()),
        outlets=len({a.outlet for a in articles if a.outlet}) or 1,
    )


def pinned_candidates(
    store: ComposeStore, publication: Publication, summary_limit: int
) -> list[tuple[StoryPin, Candidate]]:
    """The waiting pins of ``publication`` with their stories, oldest pin first (a story gone: left out)."""
    found = []
    for pin in store.story_pins(publication=publication, waiting=True):
        candidate = story_candidate(store, pin.story_id, summary_limit)
        if candidate is not None:
            found.append((pin, candidate))
    return found


def merge_pinned(
    planned: Sequence[Planned],
    pinned: Sequence[Candidate],
    *,
    period_from: datetime,
    period_to: datetime,
    sections: Sequence[str],
) -> list[Planned]:
    """The plan with the pinned stories at the top of their sections (a pinned story the plan already
    holds moves there), positions renumbered, sections in issue order."""
    chosen = {c.story_id for c in pinned}
    rest = [p for p in planned if p.candidate.story_id not in chosen]
    ordered: dict[str, list[tuple[Candidate, float]]] = {}
    for c in pinned:
        score = round(base_score(c, period_from=period_from, period_to=period_to), 4)
        ordered.setdefault(section_of(c, sections), []).append((c, score))
    for p in sorted(rest, key=lambda x: x.position):
        ordered.setdefault(p.section, []).append((p.candidate, p.score))
    rank = {name: n for n, name in enumerate(sections)}
    result: list[Planned] = []
    for section in sorted(ordered, key=lambda s: rank.get(s, len(rank))):
        result.extend(Planned(c, section, n, score) for n, (c, score) in enumerate(ordered[section]))
    return result


def add_story_to_issue(
    store: ComposeStore,
    settings: Settings,
    issue_id: int,
    story_id: int,
    actor: str,
    *,
    translator: Translator | None = None,
) -> int:
    """Add the story to an issue still being edited, at the end of its section, with its texts in every
    edition language; the new item's id. InvalidInput says why not (no such story or issue, frozen,
    already there)."""
    from mediawatch.compose.compose import SUMMARY_LIMIT

    issue = store.find_issue(issue_id)
    if issue is None:
        raise InvalidInput(Message("story.no_issue", issue=issue_id))
    if issue.state not in EDITABLE_STATES:
        raise InvalidInput(Message("story.issue_frozen", issue=IssueName(issue, team_zone(settings))))
    candidate = story_candidate(store, story_id, SUMMARY_LIMIT[issue.publication])
    if candidate is None:
        raise InvalidInput(Message("story.none", id=story_id))
    now = datetime.now(UTC)
    score = round(
        base_score(candidate, period_from=issue.period_from, period_to=max(issue.period_to, now)), 4
    )
    section = section_of(candidate, issue.sections)
    planned = Planned(candidate, section if section in issue.sections else issue.sections[-1], 0, score)
    translator = translator if translator is not None else translator_from(settings)
    texts, _warnings = edition_texts(
        [planned], issue.languages, translator, StoreCache(store), provider=settings.translate_provider
    )
    item = NewItem(
        story_id=story_id,
        article_id=candidate.article_id,
        section=planned.section,
        position=0,
        score=score,
        url=candidate.url,
        outlet=candidate.outlet,
        published=candidate.published,
        language=candidate.language,
        regions=candidate.regions,
        also_in=candidate.also_in,
        texts=tuple(texts[story_id]),
    )
    try:
        return store.add_issue_item(issue_id, item, actor)
    except ConflictError:
        named = IssueName(issue, team_zone(settings))
        if any(i.story_id == story_id for i in store.issue_content(issue_id).items):
            raise InvalidInput(Message("story.already_in", issue=named)) from None
        raise InvalidInput(Message("story.issue_frozen", issue=named)) from None
