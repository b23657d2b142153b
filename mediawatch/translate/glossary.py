"""Fixed terms and names, protected from the provider by placeholders and restored after.

``protect`` replaces every glossary match by a token ``[[T0]]``, ``[[T1]]``, ... that providers leave
alone; ``restore`` puts back the target language's form of a term (or the name as written).  Providers
sometimes mangle the token (``[[ T 0 ]]``, ``[T0]``) or the spaces around it: restoring tolerates both,
and a token that vanished makes the translation unusable (``TranslateError``) rather than silently
dropping "4 per 1000" or "FAO".
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from mediawatch.errors import ConfigError, TranslateError
from mediawatch.files import ReadProblem
from mediawatch.i18n import said
from mediawatch.i18n.toml_errors import toml_error

_PLACEHOLDER = "[[T{}]]"
# Tolerant: [[T0]], [[ T 0 ]], [T0], [[t0]] all read as slot 0.
_TOKEN_RE = re.compile(r"\[{1,2}\s*[Tt]\s*(\d+)\s*\]{1,2}")


@dataclass(frozen=True, slots=True)
class Term:
    """A fixed term: its form per language, extra spellings, or (``keep``) a name written as is."""

    forms: Mapping[str, str]
    variants: tuple[str, ...] = ()
    keep: bool = False

    def spellings(self) -> list[str]:
        return list(dict.fromkeys([*self.forms.values(), *self.variants]))


@dataclass(frozen=True, slots=True)
class Slot:
    """What a placeholder stands for, and whether the source had a space on each side of it."""

    replacement: str
    space_before: bool
    space_after: bool


@dataclass(frozen=True, slots=True)
class Protected:
    text: str  # the text with placeholders, as sent to the provider
    slots: tuple[Slot, ...]


def _pattern(spelling: str, *, keep: bool) -> str:
    body = r"\s+".join(re.escape(word) for word in spelling.split())
    return body if keep else f"(?i:{body})"


class Glossary:
    """Matches glossary entries in a text; longest spelling wins, whole words only."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = tuple(terms)
        alternatives: list[tuple[int, str]] = []
        for index, term in enumerate(self.terms):
            for spelling in term.spellings():
                alternatives.append((index, spelling))
        alternatives.sort(key=lambda item: -len(item[1]))
        self._owner: dict[str, int] = {}
        parts: list[str] = []
        for n, (index, spelling) in enumerate(alternatives):
            group = f"g{n}"
            self._owner[group] = index
            parts.append(f"(?P<{group}>{_pattern(spelling, keep=self.terms[index].keep)})")
        self._regex = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None

    def protect(self, text: str, target: str) -> Protected:
        """Replace glossary matches by placeholders; each slot remembers what ``target`` should read."""
        if self._regex is None:
            return Protected(text, ())
        slots: list[Slot] = []

        def substitute(match: re.Match[str]) -> str:
            term = self.terms[self._owner[match.lastgroup or ""]]
            found = match.group(0)
            replacement = found if term.keep else term.forms.get(target, found)
            start, end = match.span()
            slots.append(
                Slot(
                    replacement,
                    space_before=start > 0 and text[start - 1].isspace(),
                    space_after=end < len(text) and text[end].isspace(),
                )
            )
            return _PLACEHOLDER.format(len(slots) - 1)

        return Protected(self._regex.sub(substitute, text), tuple(slots))

    @staticmethod
    def restore(translated: str, protected: Protected) -> str:
        """Put the slots back into the provider's output; ``TranslateError`` if one was lost or invented."""
        if not protected.slots:
            return translated
        seen: set[int] = set()
        out: list[str] = []
        position = 0
        for match in _TOKEN_RE.finditer(translated):
            index = int(match.group(1))
            if index >= len(protected.slots):
                raise TranslateError(f"provider answer has an unknown placeholder {match.group(0)!r}")
            slot = protected.slots[index]
            seen.add(index)
            before = translated[position : match.start()]
            if slot.space_before and before and before[-1].isalnum():
                before += " "
            out.append(before)
            out.append(slot.replacement)
            position = match.end()
            following = translated[position : position + 1]
            if slot.space_after and following.isalnum():
                out.append(" ")
        out.append(translated[position:])
        missing = [protected.slots[i].replacement for i in range(len(protected.slots)) if i not in seen]
        if missing:
            raise TranslateError(f"provider answer lost protected term(s) {', '.join(map(repr, missing))}")
        return "".join(out)


def _parse(data: Mapping[str, Any], origin: str) -> Glossary:
    terms: list[Term] = []
    raw_terms = data.get("term", [])
    if not isinstance(raw_terms, list):
        raise said(ConfigError, "glossary.terms_not_tables", origin=origin)
    for n, raw in enumerate(raw_terms, 1):
        if not isinstance(raw, dict):
            raise said(ConfigError, "glossary.term_not_table", origin=origin, number=n)
        variants = raw.get("variants", [])
        forms = {k: v for k, v in raw.items() if k != "variants"}
        if not forms or not all(isinstance(v, str) and v.strip() for v in forms.values()):
            raise said(ConfigError, "glossary.term_no_forms", origin=origin, number=n, value=raw)
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            raise said(ConfigError, "glossary.bad_variants", origin=origin, number=n)
        terms.append(Term(forms=forms, variants=tuple(variants)))
    names = data.get("names", {})
    keep = names.get("keep", []) if isinstance(names, dict) else None
    if not isinstance(keep, list) or not all(isinstance(v, str) and v.strip() for v in keep):
        raise said(ConfigError, "glossary.bad_keep", origin=origin)
    terms.extend(Term(forms={}, variants=(name,), keep=True) for name in keep)
    return Glossary(terms)


def load_glossary(path: str | Path | None = None) -> Glossary:
    """The glossary at ``path``, or the one shipped in ``mediawatch/translate/glossary.toml``."""
    if path is None:
        return default_glossary()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise said(ConfigError, "glossary.cannot_read", path=path, reason=ReadProblem(exc, path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise said(ConfigError, "glossary.invalid_toml", path=path, detail=toml_error(exc)) from None
    return _parse(data, str(path))


@functools.cache
def default_glossary() -> Glossary:
    text = resources.files("mediawatch.translate").joinpath("glossary.toml").read_text(encoding="utf-8")
    return _parse(tomllib.loads(text), "mediawatch/translate/glossary.toml")
