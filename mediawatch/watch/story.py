"""One story as the editors see it: every article with its outlet, language, date, lead and why the
classifier judged it relevant, the story's themes, regions and objectives, the issues that used it and
its pins. Built once by :func:`story_view`, shown by the web page and ``mediawatch stories show``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mediawatch.classify.vocabulary import TaxonomyNames
from mediawatch.errors import InvalidInput
from mediawatch.i18n import Message, and_list, language_name, t
from mediawatch.i18n.publications import publication_name
from mediawatch.i18n.regions import region_name
from mediawatch.i18n.themes import objective_name, theme_name
from mediawatch.store.curation import Correction, StoryArticle, StoryPin, StoryUse
from mediawatch.store.protocols import CurationRepository
from mediawatch.store.search import FoundArticle, FoundStory, RelevanceState
from mediawatch.types import MODEL_CONCEPT, Classification
from mediawatch.watch.service import story_record, title_and_address

__all__ = ["ArticleView", "StoryView", "story_json", "story_lines", "story_view"]

LEAD_CHARS = 320
_TAGS = re.compile(r"<[^>]{0,2000}>")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ArticleView:
    id: int
    title: str
    url: str
    outlet: str
    language: str
    published: datetime | None
    lead: str
    state: RelevanceState | None  # None: not classified yet
    relevance: float | None
    matched_terms: tuple[str, ...]  # the taxonomy's words found, each once, strongest first
    model_terms: tuple[str, ...]  # the learned model's words, when it alone judged the article relevant
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    objectives: tuple[str, ...]
    duplicate_of: int | None
    corrected: dict[str, Correction]  # field -> the editor's correction in force


@dataclass(frozen=True, slots=True)
class StoryView:
    id: int
    articles: tuple[ArticleView, ...]  # newest first
    latest: datetime
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    objectives: tuple[str, ...]
    uses: tuple[StoryUse, ...]
    pins: tuple[StoryPin, ...]

    @property
    def title(self) -> str:
        """The title of the story's first relevant article (else its first article)."""
        relevant = [a for a in self.articles if a.state is RelevanceState.RELEVANT]
        first = min(relevant or self.articles, key=lambda a: (a.published or self.latest, a.id))
        return first.title or first.url

    @property
    def waiting_pins(self) -> tuple[StoryPin, ...]:
        return tuple(p for p in self.pins if p.used_at is None)


def lead_of(summary: str, text: str, limit: int = LEAD_CHARS) -> str:
    """The feed's summary, else the start of the text, as plain words cut at a word within ``limit``."""
    words = _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", summary or text))).strip()
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    return (cut[: cut.rindex(" ")] if " " in cut else cut).rstrip(" ,;:-") + "…"


def _state(verdict: Classification | None) -> RelevanceState | None:
    if verdict is None:
        return None
    if verdict.uncertain:
        return RelevanceState.UNSURE
    return RelevanceState.RELEVANT if verdict.relevant else RelevanceState.NOT_RELEVANT


def _terms(verdict: Classification | None, *, model: bool = False) -> tuple[str, ...]:
    """The taxonomy's terms (``model``: the learned model's words instead), each once, strongest first."""
    if verdict is None:
        return ()
    chosen = [m for m in verdict.matched_terms if (m.concept == MODEL_CONCEPT) is model]
    return tuple(dict.fromkeys(m.term for m in sorted(chosen, key=lambda m: -m.weight)))


def _article(row: StoryArticle, corrected: dict[str, Correction]) -> ArticleView:
    verdict = row.classification
    return ArticleView(
        id=row.id,
        title=row.title,
        url=row.url,
        outlet=row.outlet,
        language=row.language,
        published=row.published or row.discovered,
        lead=lead_of(row.summary, row.text),
        state=_state(verdict),
        relevance=verdict.relevance if verdict is not None else None,
        matched_terms=_terms(verdict),
        model_terms=_terms(verdict, model=True),
        themes=tuple(str(x) for x in verdict.themes) if verdict else (),
        regions=tuple(str(x) for x in verdict.regions) if verdict else (),
        objectives=tuple(verdict.objectives) if verdict else (),
        duplicate_of=row.duplicate_of,
        corrected=corrected,
    )


def _union(groups: list[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for group in groups for x in group))


def story_view(store: CurationRepository, story_id: int) -> StoryView:
    """The story ``story_id``; InvalidInput naming it when there is none."""
    rows = store.story_articles(story_id)
    if not rows:
        raise InvalidInput(Message("story.none", id=story_id))
    corrections = store.corrections([r.id for r in rows])
    articles = sorted(
        (_article(r, corrections.get(r.id, {})) for r in rows),
        key=lambda a: (a.published or datetime.min.replace(tzinfo=UTC), a.id),
        reverse=True,
    )
    # what the story is about: what its relevant articles say (all of them when none is relevant)
    judged = [a for a in articles if a.state is RelevanceState.RELEVANT] or articles
    return StoryView(
        id=story_id,
        articles=tuple(articles),
        latest=max(a.published or datetime.min.replace(tzinfo=UTC) for a in articles),
        themes=_union([a.themes for a in judged]),
        regions=_union([a.regions for a in judged]),
        objectives=_union([a.objectives for a in judged]),
        uses=tuple(store.story_uses(story_id)),
        pins=tuple(store.story_pins(story_id)),
    )


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def story_json(view: StoryView) -> dict[str, Any]:
    """The story as ``articles search --json`` gives one (:func:`story_record`), with what the story page
    shows besides: each article's lead, score, matched terms, the learned model's words, themes, regions,
    objectives and the corrections in force; the story's themes, regions, objectives, issues and pins."""
    found = FoundStory(
        id=view.id,
        latest=view.latest,
        articles=tuple(
            FoundArticle(a.id, a.title, a.url, a.outlet, a.language, a.published, a.state, True)
            for a in view.articles
        ),
    )
    record = story_record(found)
    for out, a in zip(record["articles"], view.articles, strict=True):
        out.update(
            lead=a.lead,
            relevance=a.relevance,
            matched_terms=list(a.matched_terms),
            model_terms=list(a.model_terms),
            themes=list(a.themes),
            regions=list(a.regions),
            objectives=list(a.objectives),
            corrected={f: c.value for f, c in sorted(a.corrected.items())},
        )
    record.update(
        title=view.title,
        themes=list(view.themes),
        regions=list(view.regions),
        objectives=list(view.objectives),
        issues=[
            {
                "issue_id": u.issue_id,
                "slug": u.slug,
                "publication": str(u.publication),
                "state": u.state,
                "item_status": u.item_status,
            }
            for u in view.uses
        ],  # fmt: skip
        pins=[
            {
                "publication": str(p.publication),
                "pinned_by": p.pinned_by,
                "pinned_at": _when(p.pinned_at),
                "used_issue_id": p.used_issue_id,
                "used_at": _when(p.used_at),
            }
            for p in view.pins
        ],  # fmt: skip
    )
    return record


STATE_KEYS = {
    RelevanceState.RELEVANT: "search.state.relevant",
    RelevanceState.UNSURE: "search.state.unsure",
    RelevanceState.NOT_RELEVANT: "search.state.not_relevant",
}


def state_label(state: RelevanceState | None, lang: str) -> str:
    return t(STATE_KEYS[state], lang) if state is not None else t("search.state.unclassified", lang)


def objective_label(code: str, lang: str, names: TaxonomyNames | None = None) -> str:
    """As the filters name it; ``names``, the team's taxonomy, names the objectives of its own."""
    return names.objective_name(code, lang) if names else objective_name(code, lang)


def story_lines(view: StoryView, lang: str, names: TaxonomyNames | None = None) -> list[str]:
    """The story for a person (``mediawatch stories show``); ``names``: as for :func:`objective_label`."""
    none = t("story.none_given", lang)
    themes = and_list([theme_name(x, lang) for x in view.themes], lang) or none
    regions = and_list([region_name(x, lang) for x in view.regions], lang) or none
    objectives = and_list([objective_label(x, lang, names) for x in view.objectives], lang) or none
    lines = [
        t("story.cli.heading", lang, id=view.id, title=view.title),
        t("story.cli.themes", lang, themes=themes),
        t("story.cli.regions", lang, regions=regions),
        t("story.cli.objectives", lang, objectives=objectives),
    ]
    for use in view.uses:
        lines.append(
            t("story.cli.used", lang, slug=use.slug, publication=publication_name(use.publication, lang))
        )
    for pin in view.waiting_pins:
        lines.append(
            t(
                "story.cli.pinned",
                lang,
                publication=publication_name(pin.publication, lang),
                by=pin.pinned_by,
            )
        )
    for a in view.articles:
        when = a.published.date().isoformat() if a.published else t("search.cli.unknown_date", lang)
        score = f" {a.relevance:.2f}" if a.relevance is not None else ""
        verdict = f"{language_name(a.language, lang)}, {state_label(a.state, lang)}{score}"
        lines.append(f"  {when}  {a.outlet or '-'}  [{verdict}]")
        lines.extend(title_and_address(a.title, a.url))
        if a.matched_terms:
            lines.append("      " + t("story.cli.matched", lang, terms=", ".join(a.matched_terms[:8])))
        if a.model_terms:
            lines.append("      " + t("story.cli.model", lang, terms=", ".join(a.model_terms)))
    return lines
