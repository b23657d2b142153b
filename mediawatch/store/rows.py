"""Rows to data classes: a field is read from the row's column of the same name unless it is given.

The repositories build their frozen data classes from rows whose columns mostly share the fields' names;
only the fields that need converting (an enum, JSON text, a derived value) are spelled out at the call.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    D = TypeVar("D", bound=DataclassInstance)


@functools.cache
def _field_names(cls: type[DataclassInstance]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def from_row(cls: type[D], row: Mapping[Any, Any], /, **given: Any) -> D:
    """``cls`` with each field from ``given`` if there, else from ``row`` (a missing column is a KeyError)."""
    values = {name: given[name] if name in given else row[name] for name in _field_names(cls)}
    return cls(**values)
