"""Relevance to soil carbon, themes, regions and objectives of one article, from the taxonomy.

One pass of the compiled matcher per field (title, summary, text) finds every taxonomy term; everything
else is arithmetic on those hits:

- relevance: x = sum over (concept, term, field) of weight * field weight * (1 + d + d^2 + ...) for the
  number of repeats (at most ``max_repeats``, ``d = repeat_decay``); a concept with ``requires`` counts
  only when one of the required concepts was found; relevance = 1 - exp(-max(x, 0) / scale), so long
  texts saturate instead of winning by volume. A veto negative sets it to 0 unless a core concept is in
  the title.
- themes and objectives: sums of term weight * field weight (each distinct term once per field), given
  at ``min_score``; only for articles that are relevant or uncertain.
- regions: the same sums per region from the places named, plus the source's region as weak evidence;
  see regions.toml for the "global" rule.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from mediawatch.classify.taxonomy import (
    GROUP_OBJECTIVE,
    GROUP_REGION,
    GROUP_RELEVANCE,
    GROUP_THEME,
    Entry,
    Taxonomy,
)
from mediawatch.types import ClassifyInput, Region, TermMatch, Theme

__all__ = ["TopicResult", "classify_topic", "explain"]

_FIELDS = ("title", "summary", "text")
# " - Reuters", " | Le Monde": an outlet name at the end of a title is not what the article is about.
_TITLE_SUFFIX = re.compile(r"\s+(?:-{1,2}|\||\u2014|\u2013|\u00b7)\s+[^-|\u2014\u2013\u00b7]{1,40}$")
# The initiative's name in quotation marks or guillemets, no-break spaces included ("le « 4 pour 1 000 »",
# "¿Qué es el “4 por mil”?"): quoting a rate makes it a name, so it counts as the initiative without a soil
# word (the taxonomy's concept ``initiative_context``, which the rate ``initiative_rate`` accepts).
_QUOTED_NAME = re.compile(
    r"[«\"“”„‘’'‹›]\s*(?:4|quatre|cuatro|four)\s*(?:pour|por|per)\s*(?:1[\s.,']?000|mil(?:le)?|thousand)\s*[»\"“”‘’'‹›]",
    re.IGNORECASE,
)
_QUOTED_CONCEPT = "initiative_context"
_REGION_ORDER = {r.value: i for i, r in enumerate(Region)}
_THEME_ORDER = {t: i for i, t in enumerate(Theme)}


@dataclass(frozen=True, slots=True)
class TopicResult:
    relevance: float  # [0, 1]
    relevant: bool  # relevance >= the taxonomy's threshold
    uncertain: bool  # within the taxonomy's margin of the threshold
    matched_terms: tuple[TermMatch, ...]  # relevance terms first (largest contribution first), then the rest
    themes: tuple[Theme, ...]
    regions: tuple[Region, ...]
    objectives: tuple[str, ...]
    evidence: float  # x, the raw sum before saturation


def _looks_like_outlet(suffix: str) -> bool:
    """Outlet names are written as names ("La Voix du Nord", "ouest-france.fr", "France 24"); a suffix with a
    lowercase word of four letters or more ("- La santé des sols") is a subtitle and still counts."""
    words = suffix.split()[1:]  # the first is the dash or bar
    return not any(len(w) >= 4 and w[0].islower() and "." not in w for w in words)


def _strip_title_suffix(title: str) -> str:
    match = _TITLE_SUFFIX.search(title)
    # an outlet name is a few words; "Cows and Trees - Silvopasture as an Afforestation Project" is a subtitle
    if match is None or len(match.group(0).split()) > 5 or not _looks_like_outlet(match.group(0)):
        return title
    stripped = title[: match.start()]
    # keep the title when the "suffix" is most of it ("Sols - ce qui change en 2025")
    return stripped if len(stripped.split()) >= 3 else title


def _repeat_factor(count: int, decay: float, max_repeats: int) -> float:
    n = min(count, max_repeats)
    return float(n) if decay >= 1.0 else (1.0 - decay**n) / (1.0 - decay)


def classify_topic(
    item: ClassifyInput, language: str, taxonomy: Taxonomy, *, negative_factor: float = 1.0
) -> TopicResult:
    """Score ``item`` (written in ``language``, ISO 639-1) against ``taxonomy``; ``negative_factor`` scales
    what the exclusions (negative concepts) take away (the blend with a learned model passes 0.5)."""
    s = taxonomy.settings
    # One scan per field; each (entry, field) counted with its number of occurrences.
    counts: dict[tuple[Entry, str], int] = {}
    quoted: list[tuple[str, str]] = []  # (field, the quoted name as written)
    for fname, text in (
        ("title", _strip_title_suffix(item.title)),
        ("summary", item.summary),
        ("text", item.text),
    ):
        for entry in taxonomy.scan(text, language):
            key = (entry, fname)
            counts[key] = counts.get(key, 0) + 1
        # title and lead only: a body has other evidence, and the search would cost ~5 % of the time
        if fname != "text" and (found := _QUOTED_NAME.search(text)) is not None:
            quoted.append((fname, " ".join(found.group(0).split())))

    # -- relevance
    present = {e.concept for e, _ in counts if e.group == GROUP_RELEVANCE}
    concepts = taxonomy.concepts
    relevance_terms: list[TermMatch] = []
    x = 0.0
    if quoted and _QUOTED_CONCEPT in concepts:
        present.add(_QUOTED_CONCEPT)
        for fname, name in quoted:
            contribution = concepts[_QUOTED_CONCEPT].weight * s.field_weights[fname]
            x += contribution
            relevance_terms.append(TermMatch(name, _QUOTED_CONCEPT, fname, contribution))
    veto = core_in_title = False
    theme_scores: dict[str, float] = defaultdict(float)
    objective_scores: dict[str, float] = defaultdict(float)
    region_scores: dict[str, float] = defaultdict(float)
    scores = {GROUP_THEME: theme_scores, GROUP_OBJECTIVE: objective_scores}
    linked: set[tuple[str, str]] = set()  # (concept, field) already counted for themes and objectives
    others: list[tuple[Entry, str, float]] = []
    for (entry, fname), n in counts.items():
        group = entry.group
        if group == GROUP_RELEVANCE:
            concept = concepts[entry.concept]
            contribution = 0.0
            if not concept.requires or not present.isdisjoint(concept.requires):
                contribution = (
                    entry.weight * s.field_weights[fname] * _repeat_factor(n, s.repeat_decay, s.max_repeats)
                )
                if concept.kind == "negative":
                    contribution *= negative_factor
            x += contribution
            veto = veto or concept.veto
            core_in_title = core_in_title or (concept.kind == "core" and fname == "title")
            label = f"negative:{entry.concept}" if concept.kind == "negative" else entry.concept
            relevance_terms.append(TermMatch(entry.term, label, fname, contribution))
            links = taxonomy.concept_links.get(entry.concept)
            if links and (entry.concept, fname) not in linked:  # once per field, however many terms
                linked.add((entry.concept, fname))
                for target, target_key in links:
                    scores[target][target_key] += s.concept_theme_weight * s.theme_field_weights[fname]
        elif group == GROUP_REGION:
            contribution = entry.weight * s.region_field_weights[fname]
            region_scores[entry.key] += contribution
            others.append((entry, fname, contribution))
        else:
            contribution = entry.weight * s.theme_field_weights[fname]
            scores[group][entry.key] += contribution
            others.append((entry, fname, contribution))
    if veto and not core_in_title:
        x = min(x, 0.0)
    relevance = 1.0 - math.exp(-max(x, 0.0) / s.scale)
    relevant = relevance >= s.threshold
    uncertain = abs(relevance - s.threshold) < s.uncertain_margin
    topical = relevant or relevance >= min(s.threshold, s.theme_min_relevance)

    themes: tuple[Theme, ...] = ()
    objectives: tuple[str, ...] = ()
    if topical:
        themes = _themes(theme_scores, taxonomy)
        objectives = tuple(
            sorted(
                code
                for code, spec in taxonomy.objectives.items()
                if (not spec.themes or any(t in themes for t in spec.themes))
                and objective_scores.get(code, 0.0) >= spec.min_score
            )
        )
    regions = _regions(region_scores, item.source_region, taxonomy)

    # The explanation: every relevance term (even those that did not count: weight 0), then the terms
    # behind the themes, objectives and regions that were given.
    relevance_terms.sort(key=lambda m: (-abs(m.weight), _FIELDS.index(m.field), m.term))
    given = {f"theme:{t.value}" for t in themes} | {f"objective:{o}" for o in objectives}
    given |= {f"region:{r.value}" for r in regions}
    other_terms = [
        TermMatch(f"{e.term} ({e.country})" if e.country else e.term, e.concept, fname, contribution)
        for e, fname, contribution in others
        if e.concept in given
    ]
    return TopicResult(
        relevance=relevance,
        relevant=relevant,
        uncertain=uncertain,
        matched_terms=(*relevance_terms, *other_terms),
        themes=themes,
        regions=regions,
        objectives=objectives,
        evidence=x,
    )


def _themes(scores: dict[str, float], taxonomy: Taxonomy) -> tuple[Theme, ...]:
    """Themes whose score reaches their min_score, best first (score / min_score), at most max_themes;
    a relevant article with any theme evidence gets at least its best theme."""
    ranked = sorted(
        (
            (scores.get(t.value, 0.0) / spec.min_score, t)
            for t, spec in taxonomy.themes.items()
            if scores.get(t.value, 0.0) > 0.0
        ),
        key=lambda pair: (-pair[0], _THEME_ORDER[pair[1]]),
    )
    chosen = [t for ratio, t in ranked if ratio >= 1.0][: taxonomy.settings.max_themes]
    if not chosen and ranked:
        chosen = [ranked[0][1]]
    return tuple(sorted(chosen, key=_THEME_ORDER.__getitem__))


def _regions(scores: dict[str, float], source_region: str, taxonomy: Taxonomy) -> tuple[Region, ...]:
    s = taxonomy.settings
    global_score = scores.pop(Region.GLOBAL.value, 0.0)
    if source_region in _REGION_ORDER and source_region != Region.GLOBAL.value:
        scores[source_region] = scores.get(source_region, 0.0) + s.region_source_weight
    top = max(scores.values(), default=0.0)
    ranked = sorted(scores.items(), key=lambda rv: (-rv[1], _REGION_ORDER[rv[0]]))
    kept = [Region(r) for r, v in ranked if v >= s.region_min_score and v >= s.region_relative_min * top]
    if not kept and global_score == 0.0 and len(scores) == 1 and source_region in scores:
        return (Region(source_region),)  # nothing named at all: the source's own region
    if not kept or len(kept) > s.global_max_regions:
        return (Region.GLOBAL,)
    if global_score >= s.global_terms_weight * top:
        return (Region.GLOBAL,)
    return tuple(sorted(kept[: s.max_regions], key=lambda r: _REGION_ORDER[r.value]))


def explain(result: TopicResult) -> str:
    """A few lines for editors: the score and which terms counted, where."""
    lines = [
        f"relevance {result.relevance:.2f} ({'relevant' if result.relevant else 'not relevant'}"
        f"{', uncertain' if result.uncertain else ''}); evidence {result.evidence:.2f}",
    ]
    for m in result.matched_terms:
        lines.append(f"  {m.field:<7} {m.weight:+.2f}  {m.term}  [{m.concept}]")
    if result.themes:
        lines.append("themes: " + ", ".join(t.value for t in result.themes))
    lines.append("regions: " + ", ".join(r.value for r in result.regions))
    if result.objectives:
        lines.append("objectives: " + ", ".join(result.objectives))
    return "\n".join(lines)
