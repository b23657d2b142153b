"""Relevance on REAL news items (title and lead as published, with their URL).

The items are in tests/data/classify/real_*.jsonl.

The items were split before any tuning by a hash of their URL (see tests/data/classify/README.md); the
taxonomy was tuned on real_tune.jsonl only, and the floors of tests/quality_floors.toml [classify_real] are
measured on real_heldout.jsonl. Two classifiers are measured: the taxonomy alone and the blend that
`mediawatch retrain` leaves (taxonomy with the learned model trained on dev.jsonl, weight 0.5), both with
the item's gold language. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from mediawatch.classify.evaluate import GoldItem, load_gold
from mediawatch.classify.learned import train
from mediawatch.classify.pipeline import Classifier
from mediawatch.classify.relevance import classify_topic
from mediawatch.classify.taxonomy import load_taxonomy

HERE = Path(__file__).parent
GOLD = HERE / "data" / "classify"
FILES = {"real_tune.jsonl": False, "real_heldout.jsonl": True}  # file -> held out


def _held_out(url: str) -> bool:
    return int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) % 3 == 0


@pytest.mark.parametrize(("name", "held_out"), sorted(FILES.items()))
def test_items_sit_in_the_part_their_url_decides(name: str, held_out: bool) -> None:
    lines = [
        json.loads(line) for line in (GOLD / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert lines
    misplaced = [item["id"] for item in lines if _held_out(item["url"]) != held_out]
    assert not misplaced, f"{name}: items in the wrong part: {misplaced}"


def test_real_items_carry_provenance_and_a_decided_label() -> None:
    urls = set()
    for name in FILES:
        for line in (GOLD / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            assert item["url"].startswith(("http://", "https://")), item["id"]
            assert item["outlet"], item["id"]
            assert item["title"] or item["summary"], item["id"]
            assert item["kind"] in ("relevant", "hard_negative", "easy_negative"), item["id"]
            assert item["relevant"] is (item["kind"] == "relevant"), item["id"]
            assert item["url"] not in urls, f"duplicate page {item['url']}"
            urls.add(item["url"])


def _prf(pairs: list[tuple[GoldItem, bool]], prefix: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for lang in ("all", "en", "fr", "es"):
        chosen = [(g, r) for g, r in pairs if lang in ("all", g.language)]
        tp = sum(g.relevant and r for g, r in chosen)
        fp = sum(not g.relevant and r for g, r in chosen)
        fn = sum(g.relevant and not r for g, r in chosen)
        out[f"{prefix}precision_{lang}"] = tp / (tp + fp) if tp + fp else 1.0
        out[f"{prefix}recall_{lang}"] = tp / (tp + fn) if tp + fn else 1.0
    return out


# The held-out file only grows (new items are appended, each in the part its URL decides). Its first
# FIRST_PINNED items are the measure the first floors were pinned on, and they keep their keys
# (``taxonomy_``, ``blend_``) so those floors only go up; the whole file is ``grown_taxonomy_`` and
# ``grown_blend_``, a new and harder measure pinned when it grew (see docs/taxonomy.md, "Real items").
FIRST_PINNED = 132


@pytest.fixture(scope="module")
def figures() -> dict[str, float]:
    taxonomy = load_taxonomy()
    held = load_gold(GOLD / "real_heldout.jsonl")
    blend = Classifier(
        taxonomy, train((g.input, g.relevant) for g in load_gold(GOLD / "dev.jsonl")), blend_weight=0.5
    )
    by_taxonomy = [(g, classify_topic(g.input, g.language, taxonomy).relevant) for g in held]
    by_blend = [(g, blend.classify(g.input).relevant) for g in held]
    out = _prf(by_taxonomy[:FIRST_PINNED], "taxonomy_") | _prf(by_blend[:FIRST_PINNED], "blend_")
    out |= _prf(by_taxonomy, "grown_taxonomy_") | _prf(by_blend, "grown_blend_")
    print(f"\nreal_heldout.jsonl ({len(held)} items): " + ", ".join(f"{k} {v:.3f}" for k, v in out.items()))
    return out


def test_held_out_real_items_stay_above_their_floors(figures: dict[str, float]) -> None:
    floors = tomllib.loads((HERE / "quality_floors.toml").read_text(encoding="utf-8"))["classify_real"]
    assert set(floors) <= set(figures), sorted(set(floors) - set(figures))
    below = [f"{k}: {figures[k]:.4f} < {v}" for k, v in sorted(floors.items()) if figures[k] < v - 1e-9]
    assert not below, "below the floors of tests/quality_floors.toml [classify_real]:\n" + "\n".join(below)
