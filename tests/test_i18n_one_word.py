"""One thing, one word, in each language's catalogues: a Spanish page said "Periodo" in a column beside a
"Período (…)" label, and "los feeds" where the rest of the interface says "fuentes"."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[1] / "mediawatch" / "i18n"


def _strings(node: object, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{key}.{k}" if key else k)
    elif isinstance(node, str):
        yield key, node


def spanish_messages() -> list[tuple[str, str]]:
    files = [I18N / "es.toml", *sorted(I18N.glob("*.es.toml"))]
    return [
        (f"{path.name}: {key}", text)
        for path in files
        for key, text in _strings(tomllib.loads(path.read_text(encoding="utf-8")))
    ]


@pytest.mark.parametrize(
    ("avoided", "said"),
    [
        (r"\b[Pp]eriodos?\b", "período"),  # both are Spanish; a page must not show both
        (r"\bfeeds?\b", "fuentes"),  # the sources are "fuentes" everywhere else
    ],
)
def test_spanish_says_one_word_for_one_thing(avoided: str, said: str) -> None:
    found = [f"{where}: {text}" for where, text in spanish_messages() if re.search(avoided, text)]
    assert not found, f"say «{said}»:\n" + "\n".join(found)
