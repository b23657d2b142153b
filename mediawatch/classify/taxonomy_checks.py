"""Reading one taxonomy file and saying what is wrong with it, in the reader's language.

A team edits its own copy of the taxonomy (``taxonomy_dir``); a mistake is a :class:`ConfigError` whose
message names the file, the line where it can be found, the place in the file (``concepts.soil_carbon.kind``,
TOML's own dotted names, so they read the same in every language) and the problem, from the catalogue keys
``taxonomy.*`` (``i18n/taxonomy.<lang>.toml``). ``str()`` of the error is the English text, for logs.

:mod:`mediawatch.classify.taxonomy` applies the rules of each file; this module holds what every file
shares: reading and parsing it, typed values, allowed keys, and the terms of every language.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mediawatch.classify.textmatch import GROUP_REGION, Entry, phrase_keys
from mediawatch.errors import ConfigError
from mediawatch.files import ReadProblem
from mediawatch.i18n import Message, language_names, said
from mediawatch.i18n.toml_errors import toml_cause

ANY = "any"
FIELDS = ("title", "summary", "text")
LANG = re.compile(r"^(?:[a-z]{2}|any)$")
_TERM_KEYS = frozenset({"term", "weight"})
# the languages named where a language code is expected: those the packaged taxonomy has terms in
LANGUAGE_CODES = language_names("en", "fr", "es", with_codes=True)

_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")
_TOML_KEY = re.compile(r"""^\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=""")


def taxonomy_error(path: Path, problem: Message, line: int | None = None) -> ConfigError:
    """The error for ``problem`` in the taxonomy file ``path``, at ``line`` when known."""
    if line:
        return said(ConfigError, "taxonomy.where_line", path=str(path), line=line, problem=problem)
    return said(ConfigError, "taxonomy.where", path=str(path), problem=problem)


def _toml_problem(message: str, key: str | None) -> Message:
    """tomllib's English words, said in the reader's language (``key``: the key a "Cannot overwrite" is
    about, when found); the causes common to every TOML file are :func:`toml_cause`'s."""
    declared = re.fullmatch(r"Cannot declare (\(.*\)) twice", message)
    if declared:
        try:
            parts = ast.literal_eval(declared.group(1))
        except (ValueError, SyntaxError):
            parts = None
        if isinstance(parts, tuple) and all(isinstance(p, str) for p in parts):
            return Message("taxonomy.toml_table_twice", table=".".join(parts))
    if message == "Cannot overwrite a value":
        if key:
            return Message("taxonomy.toml_key_twice", key=key)
        return Message("taxonomy.toml_value_twice")
    inline = re.fullmatch(r"Duplicate inline table key '(.*)'", message)
    if inline:
        return Message("taxonomy.toml_key_twice", key=inline.group(1))
    return toml_cause(message)


class TaxonomyFile:
    """One TOML file being read: parsed data plus what is needed to point at a line in errors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise taxonomy_error(path, Message("taxonomy.file_missing")) from None
        except UnicodeDecodeError:
            raise taxonomy_error(path, Message("taxonomy.not_utf8")) from None
        except OSError as exc:
            raise taxonomy_error(
                path, Message("taxonomy.cannot_read", reason=ReadProblem(exc, path))
            ) from None
        self.lines = self.raw.splitlines()
        try:
            self.data: dict[str, Any] = tomllib.loads(self.raw)
        except tomllib.TOMLDecodeError as exc:
            raise self._toml_error(str(exc)) from None

    def _toml_error(self, text: str) -> ConfigError:
        at = _TOML_AT.search(text)
        if not at:
            end = _TOML_END.search(text)
            detail = _toml_problem(text[: end.start()] if end else text, None)
            return taxonomy_error(self.path, Message("taxonomy.invalid_toml", detail=detail))
        message, line, column = text[: at.start()], int(at.group(1)), int(at.group(2))
        key = None
        if message == "Cannot overwrite a value":
            # tomllib points past the value, which may span lines (a country's names): say the line that
            # gives the key its second value, and the key
            for number in range(min(line, len(self.lines)), 0, -1):
                found = _TOML_KEY.match(self.lines[number - 1])
                if found:
                    key, line, column = found.group(1).strip("'\""), number, 1
                    break
        problem = Message("taxonomy.invalid_toml_at", column=column, detail=_toml_problem(message, key))
        return taxonomy_error(self.path, problem, line)

    def _start(self, within: str) -> int:
        """Index of the header line of table ``within`` (or of its nearest parent written as a header), so
        a key is looked for in its own table rather than in the first one that has a key of that name."""
        parts = within.split(".") if within else []
        while parts:
            header = "[" + ".".join(parts) + "]"
            for index, line in enumerate(self.lines):
                if line.strip().startswith(header):
                    return index
            parts.pop()
        return 0

    def line_of(self, *needles: str, within: str = "") -> int | None:
        """First line containing every needle, in table ``within`` or after it; None when not found."""
        for index in range(self._start(within), len(self.lines)):
            line = self.lines[index]
            if not line.lstrip().startswith("#") and all(n in line for n in needles):
                return index + 1
        return None

    def fail(self, problem: Message, *needles: str, within: str = "") -> ConfigError:
        line = self.line_of(*needles, within=within) if needles else None
        return taxonomy_error(self.path, problem, line)

    def table(self, data: Mapping[str, Any], key: str, where: str, required: bool = False) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(Message("taxonomy.missing_table", where=where))
            return {}
        if not isinstance(value, dict):
            raise self.fail(Message("taxonomy.not_a_table", where=where), key)
        return value

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        default: float | None = None,
        low: float = 0.0,
        high: float = float("inf"),
        within: str | None = None,
    ) -> float:
        within = where if within is None else within
        value = data.get(key, default)
        if value is None:
            problem = Message("taxonomy.missing_number", where=where, key=key)
            raise self.fail(problem, f"[{within}]", within=within)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(
                Message("taxonomy.not_a_number", where=where, key=key, value=value), key, within=within
            )
        if not low <= float(value) <= high:
            if high == float("inf"):
                problem = Message("taxonomy.too_small", where=where, key=key, value=value, low=low)
            else:
                problem = Message(
                    "taxonomy.out_of_range", where=where, key=key, value=value, low=low, high=high
                )
            raise self.fail(problem, key, within=within)
        return float(value)

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(Message("taxonomy.not_strings", where=where, key=key), key, within=where)
        return list(value)

    def check_keys(self, data: Mapping[str, Any], allowed: Iterable[str], where: str, terms: bool) -> None:
        allowed = frozenset(allowed)
        for key in data:
            if key in allowed or (terms and LANG.match(key)):
                continue
            known = ", ".join(sorted(allowed))
            if terms:
                problem = Message(
                    "taxonomy.unknown_key_or_language",
                    where=where,
                    key=key,
                    allowed=known,
                    languages=LANGUAGE_CODES,
                )
            else:
                problem = Message("taxonomy.unknown_key", where=where, key=key, allowed=known)
            raise self.fail(problem, key, within="" if where.endswith(".toml") else where)

    def field_weights(self, data: Mapping[str, Any], where: str) -> dict[str, float]:
        table = self.table(data, "field_weights", f"{where}.field_weights", required=True)
        self.check_keys(table, FIELDS, f"{where}.field_weights", terms=False)
        return {
            name: self.number(table, name, f"{where}.field_weights", low=0.0, high=100.0, within=where)
            for name in FIELDS
        }


class TermBuilder:
    """Every term of every file, as (language or "any", term, entry), and the languages that have terms."""

    def __init__(self, stopwords: dict[str, frozenset[str]]) -> None:
        self.stopwords = stopwords
        self.union = frozenset().union(*stopwords.values())
        self.terms: list[tuple[str, str, Entry]] = []
        self.languages: set[str] = set(stopwords) - {ANY}

    def add_terms(
        self,
        file: TaxonomyFile,
        data: Mapping[str, Any],
        where: str,
        group: int,
        concept: str,
        weight: float,
        country: str = "",
    ) -> int:
        """Add the terms listed under each language key of ``data``; returns how many were added."""
        count = 0
        for lang in [k for k in data if LANG.match(k)]:
            items = data.get(lang, [])
            place = f"{where}.{lang}"
            if not isinstance(items, list):
                raise file.fail(Message("taxonomy.terms_not_list", where=place), f"{lang} =", within=where)
            stop = self.union if lang == ANY else self.stopwords.get(lang, frozenset())
            for item in items:
                term, term_weight = self._term(file, item, where, lang, weight)
                if not phrase_keys(term, stop, exact=group == GROUP_REGION):
                    raise file.fail(
                        Message("taxonomy.term_no_words", where=place, term=term),
                        repr(term)[1:-1],
                        within=where,
                    )
                self.terms.append((lang, term, Entry(group, concept, term, term_weight, country)))
                if lang != ANY:
                    self.languages.add(lang)
                count += 1
        return count

    @staticmethod
    def _term(file: TaxonomyFile, item: Any, where: str, lang: str, weight: float) -> tuple[str, float]:
        place = f"{where}.{lang}"
        if isinstance(item, str):
            term, term_weight = item, weight
        elif isinstance(item, dict):
            extra = set(item) - _TERM_KEYS
            if extra or "term" not in item or not isinstance(item["term"], str):
                # the line of the table: one of its texts as written
                texts = [f'"{v}"' for v in item.values() if isinstance(v, str)] or [f"{lang} ="]
                raise file.fail(
                    Message("taxonomy.term_table", where=place, value=item), texts[0], within=where
                )
            term = item["term"]
            term_weight = file.number(
                item, "weight", f"{place}[{term!r}]", default=weight, low=-100.0, high=100.0, within=where
            )
        else:
            raise file.fail(Message("taxonomy.term_kind", where=place, value=item), f"{lang} =", within=where)
        if not term.strip():
            raise file.fail(Message("taxonomy.empty_term", where=place), '""', within=where)
        return term, term_weight
