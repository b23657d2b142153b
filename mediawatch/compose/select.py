"""Which stories make an issue, in which section and order: pure functions, no I/O.

Ranking mixes relevance, recency and how many outlets carried the story; selection is greedy and
re-scores the rest after each pick, so one outlet or one region cannot fill a section (a simple
maximal-marginal-relevance scheme: cheap, explainable, deterministic).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from mediawatch.types import AlsoIn, Publication, Theme

OTHER_SECTION = "other"

# Section order of a new issue: the initiative first, then what the team reads most.
DEFAULT_SECTIONS: tuple[str, ...] = (
    Theme.INITIATIVE_4P1000.value,
    Theme.POLICY.value,
    Theme.SCIENCE.value,
    Theme.PRACTICES.value,
    Theme.FORESTRY_AGROFORESTRY.value,
    Theme.FINANCE_MARKETS.value,
    Theme.MRV_MONITORING.value,
    Theme.EVENTS.value,
    OTHER_SECTION,
)

WEIGHT_RELEVANCE = 0.6
WEIGHT_RECENCY = 0.25
WEIGHT_REACH = 0.15
REACH_CAP = 4  # outlets beyond this add nothing
SAME_OUTLET_FACTOR = 0.8  # per item already picked from the same outlet
SAME_REGION_FACTOR = 0.9  # per item already picked for the same (non-global) region


@dataclass(frozen=True, slots=True)
class Candidate:
    """A story that could go into an issue, seen through its representative article."""

    story_id: int
    article_id: int
    title: str
    summary: str
    url: str
    outlet: str  # display name of the representative's source
    outlet_id: str
    published: datetime
    language: str
    relevance: float
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    also_in: tuple[AlsoIn, ...] = ()
    outlets: int = 1  # distinct outlets that carried the story


@dataclass(frozen=True, slots=True)
class Planned:
    candidate: Candidate
    section: str
    position: int
    score: float


@dataclass(frozen=True, slots=True)
class Limits:
    per_section: int
    max_items: int


def limits_for(publication: Publication, *, newsletter: Limits, press_review: Limits) -> Limits:
    return newsletter if publication is Publication.NEWSLETTER else press_review


def base_score(candidate: Candidate, *, period_from: datetime, period_to: datetime) -> float:
    span = max((period_to - period_from).total_seconds(), 1.0)
    age = (period_to - candidate.published).total_seconds()
    recency = min(max(1.0 - age / span, 0.0), 1.0)
    reach = min(candidate.outlets, REACH_CAP) / REACH_CAP
    relevance = min(max(candidate.relevance, 0.0), 1.0)
    return WEIGHT_RELEVANCE * relevance + WEIGHT_RECENCY * recency + WEIGHT_REACH * reach


def section_of(candidate: Candidate, sections: Sequence[str]) -> str:
    """The first section, in issue order, among the story's themes."""
    for section in sections:
        if section in candidate.themes:
            return section
    return OTHER_SECTION


def plan(
    candidates: Sequence[Candidate],
    *,
    period_from: datetime,
    period_to: datetime,
    limits: Limits,
    sections: Sequence[str] = DEFAULT_SECTIONS,
) -> list[Planned]:
    """Pick and order items: best first inside each section, sections in ``sections`` order."""
    base = {c.story_id: base_score(c, period_from=period_from, period_to=period_to) for c in candidates}
    pool = sorted(candidates, key=lambda c: (-base[c.story_id], c.published, c.story_id))
    outlets: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    per_section: Counter[str] = Counter()
    chosen: list[tuple[Candidate, str, float]] = []
    while pool and len(chosen) < limits.max_items:
        best_index, best_score = -1, -1.0
        for index, candidate in enumerate(pool):
            if per_section[section_of(candidate, sections)] >= limits.per_section:
                continue
            score = base[candidate.story_id] * _diversity(candidate, outlets, regions)
            if score > best_score + 1e-12:
                best_index, best_score = index, score
        if best_index < 0:
            break
        candidate = pool.pop(best_index)
        section = section_of(candidate, sections)
        per_section[section] += 1
        outlets[candidate.outlet_id] += 1
        for region in _specific_regions(candidate):
            regions[region] += 1
        chosen.append((candidate, section, round(best_score, 4)))
    order = {name: n for n, name in enumerate(sections)}
    result: list[Planned] = []
    for section in sorted({s for _, s, _ in chosen}, key=lambda s: order.get(s, len(order))):
        picked = [(c, score) for c, s, score in chosen if s == section]
        result.extend(Planned(c, section, n, score) for n, (c, score) in enumerate(picked))
    return result


def _specific_regions(candidate: Candidate) -> tuple[str, ...]:
    return tuple(r for r in candidate.regions if r != "global")


def _diversity(candidate: Candidate, outlets: Counter[str], regions: Counter[str]) -> float:
    factor = SAME_OUTLET_FACTOR ** outlets[candidate.outlet_id]
    specific = _specific_regions(candidate)
    if specific:
        factor *= SAME_REGION_FACTOR ** min(regions[r] for r in specific)
    return factor


# -- texts ------------------------------------------------------------------------------------------------
_TAGS = re.compile(r"<[^>]{0,2000}>")
_SPACES = re.compile(r"\s+")
MIN_USEFUL_SUMMARY = 40  # characters left once a repeated title is removed
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def clean_text(text: str) -> str:
    """Feed summaries may carry markup: keep the words only (rendering escapes them anyway)."""
    return _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()


def short_summary(summary: str, text: str, title: str, *, limit: int) -> str:
    """The feed's summary, or the article's first sentences, cut at a word boundary within ``limit``."""
    candidate = clean_text(summary)
    heading = clean_text(title)
    # News-search feeds repeat the title (plus the outlet's name) as the summary: that says nothing new.
    if heading and candidate.casefold().startswith(heading.casefold()):
        rest = candidate[len(heading) :].strip(" -–—|·:")
        candidate = rest if len(rest) >= MIN_USEFUL_SUMMARY else ""
    if not candidate:
        sentences = _SENTENCE_END.split(clean_text(text))
        candidate = ""
        for sentence in sentences:
            if candidate and len(candidate) + 1 + len(sentence) > limit:
                break
            candidate = f"{candidate} {sentence}".strip()
    if len(candidate) <= limit:
        return candidate
    cut = candidate[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def with_outlets(candidate: Candidate, count: int) -> Candidate:
    return replace(candidate, outlets=count)
