"""Words a French-speaking correspondent and approver met in their first week, in each language: a limit
written as a number is written in the reader's typography."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mediawatch.errors import FieldError
from mediawatch.i18n import number
from mediawatch.watch.add import ManualItem, validate_manual
from mediawatch.watch.submissions import SentItem, validate


@pytest.mark.parametrize(
    ("value", "lang", "words"),
    [
        (5000, "fr", "5\u202f000"),
        (5000, "en", "5,000"),
        (5000, "es", "5000"),  # four digits stay together in Spanish
        (12000, "es", "12\u00a0000"),
        (2000000, "fr", "2\u202f000\u202f000"),
        (200, "fr", "200"),
    ],
)
def test_a_number_is_grouped_as_the_readers_language_writes_it(value, lang, words):
    assert number(value, lang) == words


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", "dépasse le maximum de 5\u202f000 caractères"),
        ("en", "5,000"),
        ("es", "5000"),
    ],
)
def test_a_text_over_the_limit_says_the_limit_in_the_readers_typography(lang, words):
    item = SentItem(title="Sahel", text="x" * 5001, language="fr")
    with pytest.raises(FieldError) as refused:
        validate(item, lang)
    assert words in refused.value.problems["text"]
    assert "5000 caractères" not in refused.value.problems["text"]


def test_an_editors_manual_item_over_the_limit_says_it_the_same_way():
    item = ManualItem(title="Sahel", outlet="RFI", date="2026-12-01", language="fr", summary="x" * 5001)
    with pytest.raises(FieldError) as refused:
        validate_manual(item, "fr", now=datetime(2026, 12, 7, tzinfo=UTC))
    assert "5\u202f000 caractères" in refused.value.problems["summary"]
