"""A TOML file that does not parse, said in the reader's language.

tomllib words its errors in English, with the place at the end: ``Expected '=' after a key in a key/value
pair (at line 3, column 5)``. :func:`toml_problem` takes one apart: the line and column, and the cause as a
:class:`~mediawatch.i18n.Message` of the ``toml.cause`` table (every message tomllib 3.11-3.13 has), so a
config, a taxonomy or a feeds registry error reads "ligne 3, colonne 5 : une clé doit être suivie de « = »"
for a French reader. A message this table does not know keeps tomllib's words, marked as the reader's.
"""

from __future__ import annotations

import ast
import re
import tomllib
import unicodedata
from dataclasses import dataclass

from mediawatch.i18n import Message

__all__ = ["CAUSE_KEYS", "TomlProblem", "toml_cause", "toml_error", "toml_problem"]

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")

# tomllib's fixed messages -> the literal keys of their causes (the i18n scans read them).
CAUSE_KEYS = {
    "Expected '=' after a key in a key/value pair": "toml.cause.no_equals",
    "Expected ']' at the end of a table declaration": "toml.cause.unclosed_header",
    "Expected ']]' at the end of an array declaration": "toml.cause.unclosed_array_header",
    "Invalid value": "toml.cause.invalid_value",
    "Unclosed array": "toml.cause.unclosed_list",
    "Unclosed inline table": "toml.cause.unclosed_inline",
    "Unterminated string": "toml.cause.unclosed_string",
    "Illegal character '\\n'": "toml.cause.unclosed_string",  # a basic string running past its line
    "Expected newline or end of document after a statement": "toml.cause.trailing",
    "Invalid statement": "toml.cause.invalid_statement",
    "Invalid initial character for a key part": "toml.cause.bad_key",
    "Cannot overwrite a value": "toml.cause.value_twice",
    "Invalid date or datetime": "toml.cause.bad_date",
    "Unescaped '\\' in a string": "toml.cause.backslash",
    "Invalid hex value": "toml.cause.bad_escape",
    "Escaped character is not a Unicode scalar value": "toml.cause.bad_escape",
}
_TWICE = re.compile(r"Cannot declare (.*) twice")
_NAMESPACE = re.compile(r"Cannot (?:mutate immutable|redefine) namespace (.*)")
_INLINE_TWICE = re.compile(r"Duplicate inline table key (.*)")
_CHARACTER = re.compile(r"(?:Found invalid|Illegal) character (.*)")
_EXPECTED = re.compile(r"Expected (.*)")


@dataclass(frozen=True, slots=True)
class TomlProblem:
    """Where tomllib stopped (``line``/``column`` None at the end of the file, or when it did not say) and
    why, in words to say in any language; ``english`` is tomllib's own message, for logs."""

    line: int | None
    column: int | None
    cause: Message
    english: str
    at_end: bool = False


def _literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def _table(text: str) -> str | None:
    """``('concepts', 'soil')`` (tomllib's repr of a key path) -> ``concepts.soil``."""
    parts = _literal(text)
    if isinstance(parts, tuple) and parts and all(isinstance(p, str) for p in parts):
        return ".".join(parts)
    return None


def _character(char: str) -> str:
    """A character as a reader can see it: itself, or its Unicode code and name when it is invisible."""
    if char.isprintable() and not char.isspace():
        return char
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def toml_cause(message: str) -> Message:
    """tomllib's ``message`` (its place taken off) as a cause in words; an unknown one keeps its English."""
    if message in CAUSE_KEYS:
        return Message(CAUSE_KEYS[message])
    for pattern, key in ((_TWICE, "toml.cause.table_twice"), (_NAMESPACE, "toml.cause.namespace")):
        found = pattern.fullmatch(message)
        table = _table(found.group(1)) if found else None
        if table:
            return Message(key, table=table)
    found = _INLINE_TWICE.fullmatch(message)
    name = _literal(found.group(1)) if found else None
    if isinstance(name, str):
        return Message("toml.cause.key_twice", key=name)
    found = _CHARACTER.fullmatch(message)
    char = _literal(found.group(1)) if found else None
    if isinstance(char, str) and len(char) == 1:
        return Message("toml.cause.bad_character", character=_character(char))
    found = _EXPECTED.fullmatch(message)
    expected = _literal(found.group(1)) if found else None
    if isinstance(expected, str):
        return Message("toml.cause.expected", expected=expected)
    return Message("toml.cause.unknown", detail=message)


def toml_problem(error: tomllib.TOMLDecodeError | str) -> TomlProblem:
    """``error`` taken apart: its place and its cause."""
    text = str(error)
    at = _AT.search(text)
    if at:
        line, column = int(at.group(1)), int(at.group(2))
        return TomlProblem(line, column, toml_cause(text[: at.start()]), text)
    end = _AT_END.search(text)
    message = text[: end.start()] if end else text
    return TomlProblem(None, None, toml_cause(message), text, at_end=end is not None)


def toml_error(error: tomllib.TOMLDecodeError | str) -> Message:
    """The whole problem in words: "invalid TOML at line 3, column 5: a key must be followed by “=” …"."""
    problem = toml_problem(error)
    if problem.line is not None:
        return Message("toml.at", line=problem.line, column=problem.column, problem=problem.cause)
    if problem.at_end:
        return Message("toml.at_end", problem=problem.cause)
    return Message("toml.invalid", problem=problem.cause)
