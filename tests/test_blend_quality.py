"""Relevance of the product's classifier after `mediawatch retrain`, on the held-out labelled set.

The model is trained on dev.jsonl only (what `mediawatch retrain` uses by default) and measured on
test.jsonl, through the same Classifier the `classify` command runs, with detected languages.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mediawatch.classify.evaluate import load_gold
from mediawatch.classify.learned import train
from mediawatch.classify.pipeline import Classifier
from mediawatch.classify.taxonomy import load_taxonomy

HERE = Path(__file__).parent
GOLD = HERE / "data" / "classify"
ISSUE_TARGET = 0.90


@pytest.fixture(scope="module")
def figures() -> dict[str, float]:
    dev, test = load_gold(GOLD / "dev.jsonl"), load_gold(GOLD / "test.jsonl")
    classifier = Classifier(load_taxonomy(), train((g.input, g.relevant) for g in dev), blend_weight=0.5)
    results = [(g, classifier.classify(g.input)) for g in test]
    out: dict[str, float] = {}
    for lang in ("all", "en", "fr", "es"):
        chosen = [(g, r) for g, r in results if lang in ("all", g.language)]
        tp = sum(g.relevant and r.relevant for g, r in chosen)
        fp = sum(not g.relevant and r.relevant for g, r in chosen)
        fn = sum(g.relevant and not r.relevant for g, r in chosen)
        out[f"precision_{lang}"] = tp / (tp + fp)
        out[f"recall_{lang}"] = tp / (tp + fn)
    print("\nblended relevance on test.jsonl: " + ", ".join(f"{k} {v:.3f}" for k, v in out.items()))
    return out


def test_blend_stays_above_pinned_floors(figures):
    floors = tomllib.loads((HERE / "quality_floors.toml").read_text(encoding="utf-8"))["classify_blend"]
    below = [f"{k}: {figures[k]:.4f} < {v}" for k, v in floors.items() if figures[k] < v - 1e-9]
    assert not below, below


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_issue_target_met_in_every_language(figures, language):
    assert figures[f"precision_{language}"] >= ISSUE_TARGET
    assert figures[f"recall_{language}"] >= ISSUE_TARGET
