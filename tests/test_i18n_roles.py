"""A role is said as the name of a set of rights, never agreed with the person who holds it: the user record
has no gender (docs/design.md, "Roles are named as rights"), so "{name} est correspondant" would call every
correspondent a man, where "{name} a le rôle correspondant" says the same of anyone."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[1] / "mediawatch" / "i18n"
PERSON = r"\{(?:name|user|by|who|owner|author|approver|editor)\}"
ROLE_WORDS = {
    "fr": r"(?:lecteur|rédacteur|valideur|administrateur|correspondant)",
    "es": r"(?:lector|redactor|aprobador|administrador)",
}
VERB = {"fr": r"(?:est|était|sera|devient)", "es": r"(?:es|era|será)"}


def _strings(node: object, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{key}.{k}" if key else k)
    elif isinstance(node, str):
        yield key, node


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_no_message_agrees_a_role_with_the_person(lang: str) -> None:
    agreeing = re.compile(rf"{PERSON}\s+{VERB[lang]}\s+(?:un\s+|une\s+)?{ROLE_WORDS[lang]}", re.IGNORECASE)
    found = [
        f"{path.name}: {key}"
        for path in sorted(I18N.glob(f"*.{lang}.toml"))
        for key, text in _strings(tomllib.loads(path.read_text(encoding="utf-8")))
        if agreeing.search(text)
    ]
    assert not found, found


def test_the_check_sees_the_sentence_it_forbids() -> None:
    agreeing = re.compile(rf"{PERSON}\s+{VERB['fr']}\s+{ROLE_WORDS['fr']}")
    assert agreeing.search("{name} est correspondant : …")
    assert not agreeing.search("{name} a le rôle correspondant : …")
