"""The input of the ``--jsonl`` commands (`classify --jsonl`, `stories group --jsonl`): one JSON object per
line, read the same way by both, so that a bad line is said alike (its number and why, in any language) and
keeps its place in the output as ``{"line", "error"}`` for scripts that pair input and output lines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mediawatch.errors import Explanation, InvalidInput
from mediawatch.i18n import Message

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JsonLine(Generic[T]):
    """One non-blank input line: what ``parse`` made of it, or, for a bad line, the error object the
    output gives in its place (English, like every machine-readable output)."""

    number: int
    value: T | None
    error: dict[str, Any] | None = None


def jsonl_problem(line: str) -> tuple[Any, Message | None]:
    """One input line read as JSON, or why it is not JSON."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError as exc:
        return None, Message("classify.jsonl.not_json", detail=exc.msg, column=exc.colno)


def read_jsonl(
    lines: Iterable[str],
    parse: Callable[[Any], T],
    on_error: Callable[[int, Explanation], None] | None = None,
) -> Iterator[JsonLine[T]]:
    """Each non-blank line, numbered from 1, through ``parse`` (which raises InvalidInput for a value it
    refuses); a bad line is told to ``on_error`` with its number and why, and the rest go on."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        problem: Explanation | None
        raw, problem = jsonl_problem(line)
        if problem is None:
            try:
                value = parse(raw)
            except InvalidInput as exc:
                problem = exc.reason
            else:
                yield JsonLine(number, value)
                continue
        assert problem is not None
        if on_error is not None:
            on_error(number, problem)
        yield JsonLine(number, None, {"line": number, "error": f"line {number}: {problem.text('en')}"})
