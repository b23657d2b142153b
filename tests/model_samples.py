"""A tiny relevance model anyone can check by hand: every filler sentence is in both classes, and only the
planted word, an invented one with an accent, tells the relevant items apart (no taxonomy term is in them)."""

from __future__ import annotations

import pytest

from mediawatch.classify import learned
from mediawatch.types import ClassifyInput

FILLERS = (
    "Ana visits the market",
    "Bruno reads the paper",
    "Carla paints the barn",
    "Dario fixes the tractor",
    "Elena sells the bread",
    "Felix counts the sheep",
)
PLANTED = "Vézelune"


def planted_model() -> learned.Model:
    """Trained with :func:`learned.train` (skips the test when scikit-learn is absent)."""
    pytest.importorskip("sklearn", reason="training needs scikit-learn (optional dependency)")
    pairs = [(ClassifyInput(id=f"p{i}", title=f"{f} {PLANTED}"), True) for i, f in enumerate(FILLERS)]
    pairs += [(ClassifyInput(id=f"f{i}", title=f), False) for i, f in enumerate(FILLERS)]
    return learned.train(pairs)
