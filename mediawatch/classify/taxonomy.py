"""The editable taxonomy: load and validate the TOML files, compile them into one fast phrase matcher.

Four files in one directory (default: the ``taxonomy/`` folder beside this module; a team's own copy is the
``taxonomy_dir`` setting, ``MEDIAWATCH_TAXONOMY_DIR``):

- ``relevance.toml``: scoring settings, normalisation stopwords, and the relevance concepts (weighted
  terms per language, negatives, "counts only with" rules);
- ``themes.toml``: theme -> terms per language and the relevance concepts that imply the theme;
- ``regions.toml``: countries (ISO 3166-1 alpha-2 -> region, names in any language) and other places;
- ``objectives.toml``: the initiative's strategic objectives -> description, themes, trigger terms.

Every term of every file is normalised the same way as article text (textmatch.py), and all terms go
into one dictionary keyed by token n-grams per language (place names into a second one, unstemmed).
Matching a field is then a single left-to-right pass over its tokens with a dictionary lookup where a term
may start: no per-term regular expression.

A mistake in a file is a :class:`ConfigError` said in the reader's language, naming the file, the line and
the place in it (taxonomy_checks.py words them).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from mediawatch.classify.taxonomy_checks import (
    ANY,
    LANG,
    LANGUAGE_CODES,
    TaxonomyFile,
    TermBuilder,
)
from mediawatch.classify.textmatch import (
    GROUP_OBJECTIVE,
    GROUP_REGION,
    GROUP_RELEVANCE,
    GROUP_THEME,
    Entry,
    Matcher,
    StemCache,
    phrase_keys,
    raw_tokens,
    stem,
    tokens,
)
from mediawatch.errors import ConfigError
from mediawatch.i18n import Message, said
from mediawatch.types import Region, Theme

__all__ = [
    "DEFAULT_DIR",
    "FILES",
    "GROUP_OBJECTIVE",
    "GROUP_REGION",
    "GROUP_RELEVANCE",
    "GROUP_THEME",
    "Concept",
    "Entry",
    "ObjectiveSpec",
    "Taxonomy",
    "ThemeSpec",
    "load_taxonomy",
    "raw_tokens",
    "stem",
    "taxonomy_problems",
    "tokens",
]

DEFAULT_DIR = Path(__file__).resolve().parent / "taxonomy"
FILES = ("relevance.toml", "themes.toml", "regions.toml", "objectives.toml")
_STEM_CACHE_LIMIT = 200_000
_T = TypeVar("_T")


# -- data model ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Concept:
    """A relevance concept of relevance.toml."""

    name: str
    weight: float
    kind: str  # "core", "support", "context" or "negative"
    requires: tuple[str, ...] = ()  # counts only if one of these concepts matched somewhere in the item
    veto: bool = False  # negative that cancels the item unless a core concept is in the title


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    theme: Theme
    min_score: float
    from_concepts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectiveSpec:
    code: str
    description: str
    themes: tuple[Theme, ...]  # at least one of these themes must be assigned (empty: no condition)
    min_score: float
    from_concepts: tuple[str, ...] = ()  # relevance concepts that count as trigger terms


@dataclass(frozen=True)
class Settings:
    threshold: float
    uncertain_margin: float
    scale: float
    field_weights: Mapping[str, float]
    repeat_decay: float
    max_repeats: int
    theme_min_relevance: float
    max_themes: int
    theme_field_weights: Mapping[str, float]
    concept_theme_weight: float
    region_field_weights: Mapping[str, float]
    region_min_score: float
    region_source_weight: float
    region_relative_min: float
    global_max_regions: int
    max_regions: int
    global_terms_weight: float


# -- the taxonomy ---------------------------------------------------------------------------------------
@dataclass
class Taxonomy:
    directory: Path
    fingerprint: str
    settings: Settings
    concepts: dict[str, Concept]
    themes: dict[Theme, ThemeSpec]
    objectives: dict[str, ObjectiveSpec]
    languages: tuple[str, ...]  # languages with their own terms or stopwords
    stopwords: dict[str, frozenset[str]]  # per language; "any" is their union (for unknown languages)
    terms: list[tuple[str, str, Entry]] = field(repr=False)  # (language or "any", term, entry)
    # relevance concept -> the themes and objectives it counts for: [(GROUP_THEME, "practices"), ...]
    concept_links: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict, repr=False)
    _matchers: dict[tuple[str, bool], Matcher] = field(default_factory=dict, repr=False)
    _stems: StemCache = field(default_factory=lambda: StemCache(), repr=False)

    def _lang(self, language: str) -> str:
        return language if language in self.languages else ANY

    def matcher(self, language: str, exact: bool = False) -> Matcher:
        """The compiled matcher for ``language``: its terms and the language-independent ones, normalised
        with its stopwords; an unknown language gets every term. ``exact``: the place names, matched on
        unstemmed tokens; otherwise every other term, matched on stemmed tokens."""
        lang = self._lang(language)
        matcher = self._matchers.get((lang, exact))
        if matcher is None:
            stop = self.stopwords.get(lang, frozenset())
            merged: dict[tuple[str, ...], list[Entry]] = {}
            for code, term, entry in self.terms:
                if (lang != ANY and code not in (lang, ANY)) or (entry.group == GROUP_REGION) != exact:
                    continue
                for key in phrase_keys(term, stop, exact):
                    bucket = merged.setdefault(key, [])
                    if not any(e.concept == entry.concept for e in bucket):
                        bucket.append(entry)
            matcher = Matcher({k: tuple(v) for k, v in merged.items()})
            self._matchers[(lang, exact)] = matcher
        return matcher

    def compile_all(self) -> None:
        """Build every language's matchers now rather than on first use."""
        for lang in (*self.languages, ANY):
            self.matcher(lang, exact=False)
            self.matcher(lang, exact=True)

    def tokens(self, text: str, language: str = ANY) -> tuple[list[str], list[str]]:
        """Unstemmed and stemmed tokens of ``text`` in ``language`` (aligned, stopwords dropped)."""
        cache = self._stems
        if len(cache) > _STEM_CACHE_LIMIT:
            cache.clear()
        stop = self.stopwords.get(self._lang(language), frozenset())
        exact = [t for t in raw_tokens(text) if t not in stop]
        return exact, [cache[t] for t in exact]

    def scan(self, text: str, language: str) -> list[Entry]:
        """Every taxonomy term found in ``text`` (one field of an article) written in ``language``."""
        if not text:
            return []
        exact, stemmed = self.tokens(text, language)
        return self.matcher(language).scan(stemmed) + self.matcher(language, exact=True).scan(exact)


# -- loading and validation (the wording of every problem: taxonomy_checks.py) ---------------------------
_CONCEPT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KINDS = ("core", "support", "context", "negative")


def _themes_list(file: TaxonomyFile, data: Mapping[str, Any], where: str) -> tuple[Theme, ...]:
    names = file.strings(data, "themes", where)
    known = {t.value for t in Theme}
    for name in names:
        if name not in known:
            problem = Message("taxonomy.unknown_theme_named", where=where, name=name, known=_known(known))
            raise file.fail(problem, name, within=where)
    return tuple(Theme(n) for n in names)


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def _read_relevance(
    file: TaxonomyFile, stopwords: dict[str, frozenset[str]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    data = file.data
    file.check_keys(data, ("settings", "stopwords", "concepts"), "relevance.toml", terms=False)
    settings = file.table(data, "settings", "settings", required=True)
    file.check_keys(
        settings,
        ("threshold", "uncertain_margin", "scale", "field_weights", "repeat_decay", "max_repeats"),
        "settings",
        terms=False,
    )
    stop = file.table(data, "stopwords", "stopwords")
    for lang in stop:
        if not LANG.match(lang):
            problem = Message("taxonomy.stopwords_language", key=lang, languages=LANGUAGE_CODES)
            raise file.fail(problem, lang, within="stopwords")
        stopwords[lang] = frozenset(
            raw for w in file.strings(stop, lang, "stopwords") for raw in raw_tokens(w)
        )
    concepts = file.table(data, "concepts", "concepts", required=True)
    if not concepts:
        raise file.fail(Message("taxonomy.no_concepts"), "[concepts")
    return settings, concepts


def _read_concepts(file: TaxonomyFile, tables: dict[str, Any], builder: TermBuilder) -> dict[str, Concept]:
    concepts: dict[str, Concept] = {}
    for name, table in tables.items():
        where = f"concepts.{name}"
        if not _CONCEPT_NAME.match(name):
            raise file.fail(Message("taxonomy.concept_name", where=where), f"[{where}]")
        if not isinstance(table, dict):
            raise file.fail(Message("taxonomy.not_a_table", where=where), name, within="concepts")
        file.check_keys(table, ("kind", "weight", "requires", "veto", "description"), where, True)
        kind = table.get("kind", "support")
        if kind not in _KINDS:
            problem = Message("taxonomy.bad_kind", where=where, known=", ".join(_KINDS), value=kind)
            raise file.fail(problem, "kind", within=where)
        weight = file.number(table, "weight", where, low=-100.0, high=100.0)
        if (kind == "negative") != (weight < 0):
            raise file.fail(Message("taxonomy.negative_weight", where=where), "weight", within=where)
        veto = table.get("veto", False)
        if not isinstance(veto, bool):
            problem = Message("taxonomy.not_boolean", where=where, key="veto", value=veto)
            raise file.fail(problem, "veto", within=where)
        if veto and kind != "negative":
            raise file.fail(Message("taxonomy.veto_not_negative", where=where), "veto", within=where)
        concept = Concept(name, weight, kind, tuple(file.strings(table, "requires", where)), veto)
        if not builder.add_terms(file, table, where, GROUP_RELEVANCE, name, weight):
            raise file.fail(Message("taxonomy.no_terms", where=where), f"[{where}]")
        concepts[name] = concept
    for concept in concepts.values():
        for req in concept.requires:
            if req not in concepts:
                where = f"concepts.{concept.name}.requires"
                problem = Message("taxonomy.unknown_concept", where=where, name=req)
                raise file.fail(problem, "requires", req, within=f"concepts.{concept.name}")
    if not any(c.kind == "core" for c in concepts.values()):
        raise file.fail(Message("taxonomy.no_core"))
    return concepts


def _concept_list(
    file: TaxonomyFile, table: Mapping[str, Any], where: str, known: Mapping[str, Any]
) -> tuple[str, ...]:
    names = tuple(file.strings(table, "concepts", where))
    for name in names:
        if name not in known:
            problem = Message("taxonomy.unknown_concept", where=f"{where}.concepts", name=name)
            raise file.fail(problem, name, within=where)
    return names


def _read_themes(
    file: TaxonomyFile, concepts: Mapping[str, Any], builder: TermBuilder
) -> tuple[dict[str, Any], dict[Theme, ThemeSpec]]:
    file.check_keys(file.data, ("settings", "themes"), "themes.toml", terms=False)
    settings = file.table(file.data, "settings", "settings", required=True)
    file.check_keys(
        settings, ("min_relevance", "field_weights", "concept_weight", "max_themes"), "settings", False
    )
    themes: dict[Theme, ThemeSpec] = {}
    known = [t.value for t in Theme]
    for name, table in file.table(file.data, "themes", "themes", required=True).items():
        where = f"themes.{name}"
        if name not in known:
            problem = Message("taxonomy.unknown_theme", where=where, known=", ".join(known))
            raise file.fail(problem, f"[{where}]")
        if not isinstance(table, dict):
            raise file.fail(Message("taxonomy.not_a_table", where=where), name, within="themes")
        file.check_keys(table, ("min_score", "concepts", "description"), where, True)
        from_concepts = _concept_list(file, table, where, concepts)
        builder.add_terms(file, table, where, GROUP_THEME, f"theme:{name}", 1.0)
        themes[Theme(name)] = ThemeSpec(Theme(name), file.number(table, "min_score", where), from_concepts)
    return settings, themes


_REGION_SETTINGS = (
    "field_weights",
    "min_score",
    "source_weight",
    "relative_min",
    "global_max_regions",
    "global_weight",
    "max_regions",
)


def _read_regions(file: TaxonomyFile, builder: TermBuilder) -> dict[str, Any]:
    file.check_keys(file.data, ("settings", "countries", "places", "global"), "regions.toml", False)
    settings = file.table(file.data, "settings", "settings", required=True)
    file.check_keys(settings, _REGION_SETTINGS, "settings", False)
    regions = {r.value for r in Region}
    for section in ("countries", "places"):
        for key, table in file.table(file.data, section, section).items():
            where = f"{section}.{key}"
            if not isinstance(table, dict):
                raise file.fail(Message("taxonomy.not_a_table", where=where), f"{key} =", within=section)
            file.check_keys(table, ("region", "names", "weight"), where, True)
            if section == "countries" and not re.fullmatch(r"[A-Z]{2}", key):
                raise file.fail(Message("taxonomy.country_code", where=where), f"{key} =", within=section)
            region = table.get("region")
            if region not in regions:
                problem = Message(
                    "taxonomy.bad_region", where=f"{where}.region", known=_known(regions), value=region
                )
                raise file.fail(problem, f"{key} = ", within=where)
            weight = file.number(table, "weight", where, default=1.0, low=0.0, high=100.0)
            names = {ANY: file.strings(table, "names", where)}
            names.update((k, v) for k, v in table.items() if LANG.match(k))
            country = key if section == "countries" else ""
            if not builder.add_terms(file, names, where, GROUP_REGION, f"region:{region}", weight, country):
                raise file.fail(Message("taxonomy.no_names", where=where), f"{key} =", within=where)
    gtable = file.table(file.data, "global", "global")
    file.check_keys(gtable, (), "global", True)
    builder.add_terms(file, gtable, "global", GROUP_REGION, f"region:{Region.GLOBAL.value}", 1.0)
    return settings


def _read_objectives(
    file: TaxonomyFile, concepts: Mapping[str, Any], builder: TermBuilder
) -> dict[str, ObjectiveSpec]:
    file.check_keys(file.data, ("objectives",), "objectives.toml", False)
    objectives: dict[str, ObjectiveSpec] = {}
    for code, table in file.table(file.data, "objectives", "objectives", required=True).items():
        where = f"objectives.{code}"
        if not re.fullmatch(r"[A-Z][0-9]{1,2}", code):
            raise file.fail(Message("taxonomy.objective_code", where=where), f"[{where}]")
        if not isinstance(table, dict):
            raise file.fail(Message("taxonomy.not_a_table", where=where), code, within="objectives")
        file.check_keys(table, ("description", "themes", "min_score", "concepts"), where, True)
        description = table.get("description")
        if not isinstance(description, str) or not description.strip():
            raise file.fail(Message("taxonomy.no_description", where=where), f"[{where}]")
        from_concepts = _concept_list(file, table, where, concepts)
        n = builder.add_terms(file, table, where, GROUP_OBJECTIVE, f"objective:{code}", 1.0)
        obj_themes = _themes_list(file, table, where)
        if not n and not from_concepts:
            raise file.fail(Message("taxonomy.no_triggers", where=where), f"[{where}]")
        objectives[code] = ObjectiveSpec(
            code,
            description.strip(),
            obj_themes,
            file.number(table, "min_score", where, default=1.0),
            from_concepts,
        )
    return objectives


def _relevance_settings(rel: TaxonomyFile, rsettings: dict[str, Any]) -> dict[str, Any]:
    return {
        "field_weights": rel.field_weights(rsettings, "settings"),
        "threshold": rel.number(rsettings, "threshold", "settings", low=0.0, high=1.0),
        "uncertain_margin": rel.number(rsettings, "uncertain_margin", "settings", default=0.1, high=0.5),
        "scale": rel.number(rsettings, "scale", "settings", low=0.01, high=1000.0),
        "repeat_decay": rel.number(rsettings, "repeat_decay", "settings", default=0.5, high=1.0),
        "max_repeats": int(rel.number(rsettings, "max_repeats", "settings", default=5, low=1, high=1000)),
    }


def _theme_settings(thm: TaxonomyFile, tsettings: dict[str, Any]) -> dict[str, Any]:
    return {
        "theme_min_relevance": thm.number(tsettings, "min_relevance", "settings", default=0.0, high=1.0),
        "max_themes": int(thm.number(tsettings, "max_themes", "settings", default=8, low=1, high=8)),
        "theme_field_weights": thm.field_weights(tsettings, "settings"),
        "concept_theme_weight": thm.number(tsettings, "concept_weight", "settings", default=1.0, high=100.0),
    }


def _region_settings(reg: TaxonomyFile, gsettings: dict[str, Any]) -> dict[str, Any]:
    return {
        "region_field_weights": reg.field_weights(gsettings, "settings"),
        "region_min_score": reg.number(gsettings, "min_score", "settings", default=1.0, high=1000.0),
        "region_source_weight": reg.number(gsettings, "source_weight", "settings", default=0.5, high=1000.0),
        "region_relative_min": reg.number(gsettings, "relative_min", "settings", default=0.0, high=1.0),
        "global_max_regions": int(
            reg.number(gsettings, "global_max_regions", "settings", default=4, low=1, high=8)
        ),
        "max_regions": int(reg.number(gsettings, "max_regions", "settings", default=8, low=1, high=8)),
        "global_terms_weight": reg.number(gsettings, "global_weight", "settings", default=1.0, high=1000.0),
    }


class _Problems:
    """Runs each independent check of :func:`build`: the first mistake is raised (``collect`` False), or
    every one is kept and the check that failed gives None, so what depends on it is skipped instead of
    reporting the same mistake again as its consequences."""

    def __init__(self, collect: bool) -> None:
        self.collect = collect
        self.found: list[ConfigError] = []

    def attempt(self, check: Callable[..., _T], *args: Any) -> _T | None:
        try:
            return check(*args)
        except ConfigError as exc:
            if not self.collect:
                raise
            self.found.append(exc)
            return None


def build(directory: Path, problems: list[ConfigError] | None = None) -> Taxonomy | None:
    """Load, validate and compile the four files of ``directory``. With ``problems`` (a list), every
    independent mistake is appended to it and None returned when there is one; without, the first is
    raised. Within one table (a concept, a theme, the settings of a file) only the first is said."""
    if not directory.is_dir():
        raise said(ConfigError, "taxonomy.no_directory", path=str(directory))
    check = _Problems(collect=problems is not None)
    paths = [directory / name for name in FILES]
    rel, thm, reg, obj = (check.attempt(TaxonomyFile, p) for p in paths)

    stop: dict[str, frozenset[str]] = {}
    read = check.attempt(_read_relevance, rel, stop) if rel else None
    builder = TermBuilder(stop)
    concepts = check.attempt(_read_concepts, rel, read[1], builder) if rel and read else None
    # A theme or objective may name a concept; the names written are known even when a concept is wrong.
    names: Mapping[str, Any] | None = concepts if concepts is not None else (read[1] if read else None)
    themes_read = check.attempt(_read_themes, thm, names, builder) if thm and names is not None else None
    gsettings = check.attempt(_read_regions, reg, builder) if reg else None
    objectives = check.attempt(_read_objectives, obj, names, builder) if obj and names is not None else None

    values: dict[str, Any] = {}
    for file, table, read_settings in (
        (rel, read[0] if read else None, _relevance_settings),
        (thm, themes_read[0] if themes_read else None, _theme_settings),
        (reg, gsettings, _region_settings),
    ):
        if file is not None and table is not None:
            values.update(check.attempt(read_settings, file, table) or {})
    if check.found:
        assert problems is not None  # noqa: S101 -- only a collecting check keeps what it found
        problems.extend(check.found)
        return None
    # nothing found: every read above gave its value
    assert concepts is not None  # noqa: S101
    assert themes_read is not None  # noqa: S101
    assert objectives is not None  # noqa: S101
    settings = Settings(**values)
    themes = themes_read[1]
    languages = tuple(sorted(builder.languages))
    taxonomy = Taxonomy(
        directory=directory,
        fingerprint=fingerprint(paths),
        settings=settings,
        concepts=concepts,
        themes=themes,
        objectives=objectives,
        languages=languages,
        stopwords={**stop, ANY: builder.union},
        terms=builder.terms,
    )
    links: dict[str, list[tuple[int, str]]] = {}
    for theme_spec in themes.values():
        for c in theme_spec.from_concepts:
            links.setdefault(c, []).append((GROUP_THEME, theme_spec.theme.value))
    for objective_spec in objectives.values():
        for c in objective_spec.from_concepts:
            links.setdefault(c, []).append((GROUP_OBJECTIVE, objective_spec.code))
    taxonomy.concept_links = {c: tuple(v) for c, v in links.items()}
    taxonomy.compile_all()
    return taxonomy


def load_taxonomy(directory: str | Path | None = None) -> Taxonomy:
    """Load, validate and compile the taxonomy in ``directory`` (default: the packaged one).

    Raises :class:`ConfigError` naming the file, the line where the problem can be found, and the problem.
    """
    taxonomy = build(Path(directory) if directory else DEFAULT_DIR)
    assert taxonomy is not None  # noqa: S101 -- build raises the first mistake when not collecting
    return taxonomy


def taxonomy_problems(directory: str | Path | None = None) -> list[ConfigError]:
    """Every independent mistake of the taxonomy in ``directory``, in the order of its files ([]: valid),
    for ``mediawatch taxonomy check``: a team fixes them all in one edit, not one per run."""
    problems: list[ConfigError] = []
    try:
        build(Path(directory) if directory else DEFAULT_DIR, problems)
    except ConfigError as exc:  # the folder itself: nothing else can be checked
        problems.append(exc)
    return problems


def fingerprint(paths: Iterable[Path]) -> str:
    """Short hash of the taxonomy files' names and bytes: a change means reclassify."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return "taxonomy-" + digest.hexdigest()[:16]
