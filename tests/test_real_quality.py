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
from mediawatch.classify.pipeline import Classifier, load_classifier
from mediawatch.classify.relevance import classify_topic
from mediawatch.classify.taxonomy import load_taxonomy
from mediawatch.config import Settings

HERE = Path(__file__).parent
GOLD = HERE / "data" / "classify"
FILES = {"real_tune.jsonl": False, "real_heldout.jsonl": True}  # file -> held out (first two rounds)
# Third round: items gathered and labelled before that round's tuning, split by another hash of the URL;
# real_final.jsonl is the untouched measure, real_tune2.jsonl was tuned on.
FRESH = {"real_tune2.jsonl": False, "real_final.jsonl": True}
# Fifth round: items gathered and labelled before that round's tuning, split by a third hash of the URL
# (two fifths to tune on); real_final3.jsonl is the round's untouched measure.
ROUND5 = {"real_tune3.jsonl": False, "real_final3.jsonl": True}


def _held_out(url: str) -> bool:
    return int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) % 3 == 0


def _final(url: str) -> bool:
    return int(hashlib.sha256(("final:" + url).encode("utf-8")).hexdigest()[:8], 16) % 2 == 0


def _final3(url: str) -> bool:
    return int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) % 5 >= 2


@pytest.mark.parametrize(
    ("name", "held_out"), sorted(FILES.items()) + sorted(FRESH.items()) + sorted(ROUND5.items())
)
def test_items_sit_in_the_part_their_url_decides(name: str, held_out: bool) -> None:
    lines = [
        json.loads(line) for line in (GOLD / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert lines
    rule = _final3 if name in ROUND5 else _final if name in FRESH else _held_out
    misplaced = [item["id"] for item in lines if rule(item["url"]) != held_out]
    assert not misplaced, f"{name}: items in the wrong part: {misplaced}"


def test_real_items_carry_provenance_and_a_decided_label() -> None:
    urls = set()
    for path in sorted(GOLD.glob("real_*.jsonl")):  # every round's real items, each page once
        for line in path.read_text(encoding="utf-8").splitlines():
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


# The untouched measures, each read once when its round ended; a measured one is tuning data afterwards and
# keeps its floors as a regression guard (README.md of the data): real_final.jsonl measured the third round,
# real_final2.jsonl (every item of a fourth gathering) the fourth, real_final3.jsonl the fifth and
# real_final4.jsonl (every item of a sixth gathering) the sixth, real_final5.jsonl (a seventh) the seventh,
# real_final6.jsonl (an eighth) the eighth, real_final7.jsonl (a ninth) the ninth,
# real_final8.jsonl (a tenth) the tenth, real_final9.jsonl (an eleventh) the eleventh, real_final10.jsonl (a
# twelfth) the twelfth, real_final11.jsonl (a thirteenth) the thirteenth,
# real_final12.jsonl (a fourteenth) the fourteenth, real_final13.jsonl (a fifteenth) the fifteenth,
# real_final14.jsonl (a sixteenth) the sixteenth, real_final15.jsonl (a seventeenth) the seventeenth.
FINALS = {
    "real_final.jsonl": "final_",
    "real_final2.jsonl": "final2_",
    "real_final3.jsonl": "final3_",
    "real_final4.jsonl": "final4_",
    "real_final5.jsonl": "final5_",
    "real_final6.jsonl": "final6_",
    "real_final7.jsonl": "final7_",
    "real_final8.jsonl": "final8_",
    "real_final9.jsonl": "final9_",
    "real_final10.jsonl": "final10_",
    "real_final11.jsonl": "final11_",
    "real_final12.jsonl": "final12_",
    "real_final13.jsonl": "final13_",
    "real_final14.jsonl": "final14_",
    "real_final15.jsonl": "final15_",
}


@pytest.fixture(scope="module")
def final_figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    """The taxonomy alone (gold language) and what a fresh installation runs end to end (language detected,
    taxonomy blended with the packaged base model), as `mediawatch classify --jsonl` does."""
    taxonomy = load_taxonomy()
    shipped = load_classifier(Settings(db=str(tmp_path_factory.mktemp("final") / "watch.sqlite3")))
    assert shipped.model is not None
    out: dict[str, float] = {}
    for name, prefix in FINALS.items():
        final = load_gold(GOLD / name)
        by_taxonomy = [(g, classify_topic(g.input, g.language, taxonomy).relevant) for g in final]
        by_shipped = [(g, shipped.classify(g.input).relevant) for g in final]
        figures = _prf(by_taxonomy, prefix + "taxonomy_") | _prf(by_shipped, prefix + "shipped_")
        print(f"\n{name} ({len(final)} items): " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
        out |= figures
    return out


def test_the_final_sets_stay_above_their_floors(final_figures: dict[str, float]) -> None:
    floors = tomllib.loads((HERE / "quality_floors.toml").read_text(encoding="utf-8"))["classify_final"]
    assert set(floors) <= set(final_figures), sorted(set(floors) - set(final_figures))
    below = [
        f"{k}: {final_figures[k]:.4f} < {v}" for k, v in sorted(floors.items()) if final_figures[k] < v - 1e-9
    ]
    assert not below, "below the floors of tests/quality_floors.toml [classify_final]:\n" + "\n".join(below)
