"""Words a French-speaking correspondent and approver met in their first week, in each language: a limit
written as a number is written in the reader's typography, and the four-eyes refusal speaks to the person
refused rather than about them in the third person."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mediawatch.errors import FieldError
from mediawatch.i18n import number
from mediawatch.review.workflow import approve_refusal
from mediawatch.types import Edition, EditionState, Issue, IssueState, Publication, Role
from mediawatch.watch.add_fields import ManualItem, validate_manual
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


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", "règle des quatre yeux : vous (carla) avez modifié l'édition en français"),
        ("en", "four-eyes rule: you (carla) changed the French edition"),
        ("es", "regla de los cuatro ojos: usted (carla) modificó la edición en francés"),
    ],
)
def test_the_four_eyes_refusal_speaks_to_the_approver_it_refuses(lang, words):
    at = datetime(2026, 12, 7, tzinfo=UTC)
    issue = Issue(1, "n-1", Publication.NEWSLETTER, "N", at, at, ("fr",), IssueState.IN_REVIEW, at, "compose")
    refusal = approve_refusal(
        issue,
        Edition(1, "fr", EditionState.IN_REVIEW),
        actor="carla",
        role=Role.APPROVER,
        authors={"ana", "carla"},
        four_eyes=True,
        current_fingerprint="f1",
        seen_fingerprint=None,
    )
    assert refusal is not None
    assert words in refusal.text(lang)
