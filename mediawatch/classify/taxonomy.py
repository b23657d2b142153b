"""The editable taxonomy: load and validate the TOML files, compile them into one fast phrase matcher.

Four files in one directory (default: the ``taxonomy/`` folder beside this module; the CLI passes
``MEDIAWATCH_TAXONOMY`` to override it):

- ``relevance.toml``: scoring settings, normalisation stopwords, and the relevance concepts (weighted
  terms per language, negatives, "counts only with" rules);
- ``themes.toml``: theme -> terms per language and the relevance concepts that imply the theme;
- ``regions.toml``: countries (ISO 3166-1 alpha-2 -> region, names in any language) and other places;
- ``objectives.toml``: the initiative's strategic objectives -> description, themes, trigger terms.

Every term of every file is normalised the same way as article text (textmatch.py), and all terms go
into one dictionary keyed by token n-grams per language (place names into a second one, unstemmed).
Matching a field is then a single left-to-right pass over its tokens with a dictionary lookup where a term
may start: no per-term regular expression.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    "tokens",
]

DEFAULT_DIR = Path(__file__).resolve().parent / "taxonomy"
FILES = ("relevance.toml", "themes.toml", "regions.toml", "objectives.toml")
FIELDS = ("title", "summary", "text")
ANY = "any"
_STEM_CACHE_LIMIT = 200_000


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


# -- loading and validation ------------------------------------------------------------------------------
_LANG = re.compile(r"^(?:[a-z]{2}|any)$")
_CONCEPT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KINDS = ("core", "support", "context", "negative")
_TERM_KEYS = frozenset({"term", "weight"})


class _File:
    """One TOML file being read: parsed data plus what is needed to point at a line in errors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise _error(path, "file is missing") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _error(path, f"cannot read: {exc}") from None
        try:
            self.data: dict[str, Any] = tomllib.loads(self.raw)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"at line (\d+)", str(exc))
            raise _error(path, f"invalid TOML: {exc}", int(found.group(1)) if found else None) from None
        self.lines = self.raw.splitlines()

    def line_of(self, *needles: str) -> int | None:
        """First line containing every needle (as written, or as a quoted string); None when not found."""
        for number, line in enumerate(self.lines, 1):
            if not line.lstrip().startswith("#") and all(n in line for n in needles):
                return number
        return None

    def fail(self, problem: str, *needles: str) -> ConfigError:
        return _error(self.path, problem, self.line_of(*needles) if needles else None)

    def table(self, data: Mapping[str, Any], key: str, where: str, required: bool = False) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(f"missing table [{where}]")
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{where} must be a table", key)
        return value

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        default: float | None = None,
        low: float = 0.0,
        high: float = float("inf"),
    ) -> float:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{where}: missing number '{key}'", where.split(".")[0])
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}.{key} must be a number, not {value!r}", key)
        if not low <= float(value) <= high:
            raise self.fail(f"{where}.{key} = {value} is outside [{low}, {high}]", key)
        return float(value)

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key} must be a list of strings", key)
        return list(value)

    def check_keys(self, data: Mapping[str, Any], allowed: Iterable[str], where: str, terms: bool) -> None:
        allowed = frozenset(allowed)
        for key in data:
            if key in allowed or (terms and _LANG.match(key)):
                continue
            raise self.fail(
                f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))}"
                + (", or a language code: en, fr, es, any..." if terms else "")
                + ")",
                key,
            )

    def field_weights(self, data: Mapping[str, Any], where: str) -> dict[str, float]:
        table = self.table(data, "field_weights", f"{where}.field_weights", required=True)
        self.check_keys(table, FIELDS, f"{where}.field_weights", terms=False)
        return {
            name: self.number(table, name, f"{where}.field_weights", low=0.0, high=100.0) for name in FIELDS
        }


def _error(path: Path, problem: str, line: int | None = None) -> ConfigError:
    where = f"{path}, line {line}" if line else str(path)
    return ConfigError(f"taxonomy {where}: {problem}")


class _Builder:
    def __init__(self, stopwords: dict[str, frozenset[str]]) -> None:
        self.stopwords = stopwords
        self.union = frozenset().union(*stopwords.values())
        self.terms: list[tuple[str, str, Entry]] = []
        self.languages: set[str] = set(stopwords) - {ANY}

    def add_terms(
        self,
        file: _File,
        data: Mapping[str, Any],
        where: str,
        group: int,
        concept: str,
        weight: float,
        country: str = "",
    ) -> int:
        """Add the terms listed under each language key of ``data``; returns how many were added."""
        count = 0
        for lang in [k for k in data if _LANG.match(k)]:
            items = data.get(lang, [])
            if not isinstance(items, list):
                raise file.fail(f"{where}.{lang} must be a list of terms", f"{lang} =")
            stop = self.union if lang == ANY else self.stopwords.get(lang, frozenset())
            for item in items:
                term, term_weight = self._term(file, item, where, lang, weight)
                if not phrase_keys(term, stop, exact=group == GROUP_REGION):
                    raise file.fail(
                        f"{where}.{lang}: term {term!r} has no words once normalised "
                        "(punctuation and stopwords are dropped)",
                        repr(term)[1:-1],
                    )
                self.terms.append((lang, term, Entry(group, concept, term, term_weight, country)))
                if lang != ANY:
                    self.languages.add(lang)
                count += 1
        return count

    @staticmethod
    def _term(file: _File, item: Any, where: str, lang: str, weight: float) -> tuple[str, float]:
        if isinstance(item, str):
            term, term_weight = item, weight
        elif isinstance(item, dict):
            extra = set(item) - _TERM_KEYS
            if extra or "term" not in item or not isinstance(item["term"], str):
                raise file.fail(
                    f"{where}.{lang}: a term written as a table needs 'term' (text) and "
                    f"optionally 'weight', got {item!r}",
                    "term",
                )
            term = item["term"]
            term_weight = file.number(
                item, "weight", f"{where}.{lang}[{term!r}]", default=weight, low=-100.0, high=100.0
            )
        else:
            raise file.fail(
                f"{where}.{lang}: a term must be a string or {{term = ..., weight = ...}}, got {item!r}",
                f"{lang} =",
            )
        if not term.strip():
            raise file.fail(f"{where}.{lang}: empty term", '""')
        return term, term_weight


def _themes_list(file: _File, data: Mapping[str, Any], where: str) -> tuple[Theme, ...]:
    names = file.strings(data, "themes", where)
    known = {t.value for t in Theme}
    for name in names:
        if name not in known:
            raise file.fail(f"{where}: unknown theme {name!r} (known: {', '.join(sorted(known))})", name)
    return tuple(Theme(n) for n in names)


def _read_relevance(
    file: _File, stopwords: dict[str, frozenset[str]]
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
        if not _LANG.match(lang):
            raise file.fail(f"stopwords: {lang!r} is not a language code", lang)
        stopwords[lang] = frozenset(
            raw for w in file.strings(stop, lang, "stopwords") for raw in raw_tokens(w)
        )
    concepts = file.table(data, "concepts", "concepts", required=True)
    if not concepts:
        raise file.fail("no concepts defined", "[concepts")
    return settings, concepts


def build(directory: Path) -> Taxonomy:
    """Load, validate and compile the four files of ``directory``."""
    if not directory.is_dir():
        raise ConfigError(f"taxonomy directory {directory} does not exist or is not a directory")
    paths = [directory / name for name in FILES]
    rel, thm, reg, obj = (_File(p) for p in paths)

    stop: dict[str, frozenset[str]] = {}
    rsettings, rconcepts = _read_relevance(rel, stop)
    builder = _Builder(stop)

    # relevance concepts
    concepts: dict[str, Concept] = {}
    for name, table in rconcepts.items():
        where = f"concepts.{name}"
        if not _CONCEPT_NAME.match(name):
            raise rel.fail(f"{where}: concept names are lowercase letters, digits and _", name)
        if not isinstance(table, dict):
            raise rel.fail(f"{where} must be a table", name)
        rel.check_keys(table, ("kind", "weight", "requires", "veto", "description"), where, True)
        kind = table.get("kind", "support")
        if kind not in _KINDS:
            raise rel.fail(f"{where}.kind must be one of {', '.join(_KINDS)}, not {kind!r}", "kind", kind)
        weight = rel.number(table, "weight", where, low=-100.0, high=100.0)
        if (kind == "negative") != (weight < 0):
            raise rel.fail(f"{where}: a negative concept has a weight below 0 and only it has", "weight")
        veto = table.get("veto", False)
        if not isinstance(veto, bool):
            raise rel.fail(f"{where}.veto must be true or false", "veto")
        if veto and kind != "negative":
            raise rel.fail(f"{where}: only a negative concept can veto", "veto")
        concept = Concept(name, weight, kind, tuple(rel.strings(table, "requires", where)), veto)
        if not builder.add_terms(rel, table, where, GROUP_RELEVANCE, name, weight):
            raise rel.fail(f"{where}: no terms (list them under en = [...], fr = [...], es = [...])", name)
        concepts[name] = concept
    for concept in concepts.values():
        for req in concept.requires:
            if req not in concepts:
                raise rel.fail(f"concepts.{concept.name}.requires: unknown concept {req!r}", "requires", req)
    if not any(c.kind == "core" for c in concepts.values()):
        raise rel.fail("at least one concept must be of kind 'core'", "kind")

    # themes
    file = thm
    file.check_keys(file.data, ("settings", "themes"), "themes.toml", terms=False)
    tsettings = file.table(file.data, "settings", "settings", required=True)
    file.check_keys(
        tsettings, ("min_relevance", "field_weights", "concept_weight", "max_themes"), "settings", False
    )
    ttables = file.table(file.data, "themes", "themes", required=True)
    themes: dict[Theme, ThemeSpec] = {}
    for name, table in ttables.items():
        where = f"themes.{name}"
        if name not in {t.value for t in Theme}:
            raise file.fail(
                f"{where}: unknown theme (known: {', '.join(t.value for t in Theme)})", f"[themes.{name}]"
            )
        if not isinstance(table, dict):
            raise file.fail(f"{where} must be a table", name)
        file.check_keys(table, ("min_score", "concepts", "description"), where, True)
        from_concepts = tuple(file.strings(table, "concepts", where))
        for c in from_concepts:
            if c not in concepts:
                raise file.fail(f"{where}.concepts: unknown relevance concept {c!r}", c)
        builder.add_terms(file, table, where, GROUP_THEME, f"theme:{name}", 1.0)
        themes[Theme(name)] = ThemeSpec(Theme(name), file.number(table, "min_score", where), from_concepts)

    # regions
    file = reg
    file.check_keys(file.data, ("settings", "countries", "places", "global"), "regions.toml", False)
    gsettings = file.table(file.data, "settings", "settings", required=True)
    file.check_keys(
        gsettings,
        (
            "field_weights",
            "min_score",
            "source_weight",
            "relative_min",
            "global_max_regions",
            "global_weight",
            "max_regions",
        ),
        "settings",
        False,
    )
    regions = {r.value for r in Region}
    for section in ("countries", "places"):
        for key, table in file.table(file.data, section, section).items():
            where = f"{section}.{key}"
            if not isinstance(table, dict):
                raise file.fail(f"{where} must be a table", key)
            file.check_keys(table, ("region", "names", "weight"), where, True)
            if section == "countries" and not re.fullmatch(r"[A-Z]{2}", key):
                raise file.fail(f"{where}: countries are keyed by ISO 3166-1 alpha-2 code (e.g. KE)", key)
            region = table.get("region")
            if region not in regions:
                raise file.fail(
                    f"{where}.region must be one of {', '.join(sorted(regions))}, not {region!r}", f"{key} = "
                )
            weight = file.number(table, "weight", where, default=1.0, low=0.0, high=100.0)
            names = {ANY: file.strings(table, "names", where)}
            names.update((k, v) for k, v in table.items() if _LANG.match(k))
            if not builder.add_terms(
                file,
                names,
                where,
                GROUP_REGION,
                f"region:{region}",
                weight,
                country=key if section == "countries" else "",
            ):
                raise file.fail(f"{where}: no names", key)
    gtable = file.table(file.data, "global", "global")
    file.check_keys(gtable, (), "global", True)
    builder.add_terms(file, gtable, "global", GROUP_REGION, f"region:{Region.GLOBAL.value}", 1.0)

    # objectives
    file = obj
    file.check_keys(file.data, ("objectives",), "objectives.toml", False)
    objectives: dict[str, ObjectiveSpec] = {}
    for code, table in file.table(file.data, "objectives", "objectives", required=True).items():
        where = f"objectives.{code}"
        if not re.fullmatch(r"[A-Z][0-9]{1,2}", code):
            raise file.fail(f"{where}: an objective code is a letter and a number, like A5", code)
        if not isinstance(table, dict):
            raise file.fail(f"{where} must be a table", code)
        file.check_keys(table, ("description", "themes", "min_score", "concepts"), where, True)
        description = table.get("description")
        if not isinstance(description, str) or not description.strip():
            raise file.fail(f"{where}: missing description", f"[{where}]")
        from_concepts = tuple(file.strings(table, "concepts", where))
        for c in from_concepts:
            if c not in concepts:
                raise file.fail(f"{where}.concepts: unknown relevance concept {c!r}", c)
        n = builder.add_terms(file, table, where, GROUP_OBJECTIVE, f"objective:{code}", 1.0)
        obj_themes = _themes_list(file, table, where)
        if not n and not from_concepts:
            raise file.fail(f"{where}: needs trigger terms or concepts", f"[{where}]")
        objectives[code] = ObjectiveSpec(
            code,
            description.strip(),
            obj_themes,
            file.number(table, "min_score", where, default=1.0),
            from_concepts,
        )

    rfw = rel.field_weights(rsettings, "settings")
    threshold = rel.number(rsettings, "threshold", "settings", low=0.0, high=1.0)
    settings = Settings(
        threshold=threshold,
        uncertain_margin=rel.number(rsettings, "uncertain_margin", "settings", default=0.1, high=0.5),
        scale=rel.number(rsettings, "scale", "settings", low=0.01, high=1000.0),
        field_weights=rfw,
        repeat_decay=rel.number(rsettings, "repeat_decay", "settings", default=0.5, high=1.0),
        max_repeats=int(rel.number(rsettings, "max_repeats", "settings", default=5, low=1, high=1000)),
        theme_min_relevance=thm.number(tsettings, "min_relevance", "settings", default=0.0, high=1.0),
        max_themes=int(thm.number(tsettings, "max_themes", "settings", default=8, low=1, high=8)),
        theme_field_weights=thm.field_weights(tsettings, "settings"),
        concept_theme_weight=thm.number(tsettings, "concept_weight", "settings", default=1.0, high=100.0),
        region_field_weights=reg.field_weights(gsettings, "settings"),
        region_min_score=reg.number(gsettings, "min_score", "settings", default=1.0, high=1000.0),
        region_source_weight=reg.number(gsettings, "source_weight", "settings", default=0.5, high=1000.0),
        region_relative_min=reg.number(gsettings, "relative_min", "settings", default=0.0, high=1.0),
        global_max_regions=int(
            reg.number(gsettings, "global_max_regions", "settings", default=4, low=1, high=8)
        ),
        max_regions=int(reg.number(gsettings, "max_regions", "settings", default=8, low=1, high=8)),
        global_terms_weight=reg.number(gsettings, "global_weight", "settings", default=1.0, high=1000.0),
    )
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
    return build(Path(directory) if directory else DEFAULT_DIR)


def fingerprint(paths: Iterable[Path]) -> str:
    """Short hash of the taxonomy files' names and bytes: a change means reclassify."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return "taxonomy-" + digest.hexdigest()[:16]
