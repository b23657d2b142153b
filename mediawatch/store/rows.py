"""Rows to public types: one function instead of a hand-written constructor per dataclass."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def row_to(
    cls: type[T], row: Any, /, given: dict[str, Any] | None = None, **convert: Callable[[Any], Any]
) -> T:
    """``cls`` built from the row's columns of the same names; ``convert`` turns a column into its field's
    type (an enum, a JSON list...), ``given`` holds the fields that are not columns. A field found in
    neither is a bug, and fails here loudly."""
    values = dict(given or {})
    for field in fields(cls):
        if field.name in values:
            continue
        value = getattr(row, field.name)
        change = convert.get(field.name)
        values[field.name] = value if change is None else change(value)
    return cls(**values)


def json_tuple(raw: str) -> tuple[Any, ...]:
    """A JSON list column as a tuple."""
    return tuple(json.loads(raw))
