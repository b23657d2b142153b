"""Quality gate of the topic classifier on the held-out labelled set (tests/data/classify/test.jsonl).

The figures computed by mediawatch.classify.evaluate (relevance precision, recall and F1 per language and
overall; per-theme accuracy and F1 on relevant items; exact region set; objectives F1) must not fall below
the floors pinned in tests/quality_floors.toml, section [classify]. A floor is a measured score rounded
down to 3 decimals and floors only go up. The language given to the classifier is the item's gold one.
Run with ``-s`` to see the report. The taxonomy was tuned on dev.jsonl only; test.jsonl is never read to
choose terms, weights or thresholds.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mediawatch.classify.evaluate import GOLD_DIR, Report, evaluate, load_gold
from mediawatch.classify.taxonomy import load_taxonomy

FLOORS_FILE = Path(__file__).parent / "quality_floors.toml"


def _floors() -> dict[str, float]:
    with FLOORS_FILE.open("rb") as handle:
        section = tomllib.load(handle).get("classify")
    if not section:
        pytest.fail(f"{FLOORS_FILE.name} has no [classify] section")
    return {key: float(value) for key, value in section.items()}


@pytest.fixture(scope="module")
def report() -> Report:
    path = GOLD_DIR / "test.jsonl"
    if not path.is_file():
        pytest.skip(f"the labelled set {path} is absent: classifier quality cannot be measured")
    result = evaluate(load_gold(path), load_taxonomy(), name="test")
    print("\n" + result.render())
    return result


def test_every_floor_measures_something(report: Report) -> None:
    measured = report.flat()
    unknown = sorted(set(_floors()) - set(measured))
    assert not unknown, f"floors in {FLOORS_FILE.name} [classify] that measure nothing: {unknown}"


@pytest.mark.parametrize("prefix", ["relevance_", "theme_", "themes_", "regions_", "objectives_"])
def test_scores_stay_above_their_floors(report: Report, prefix: str) -> None:
    measured = report.flat()
    failures = [
        f"{key}: {measured[key]:.4f} < floor {floor:.3f}"
        for key, floor in sorted(_floors().items())
        if key.startswith(prefix) and key in measured and measured[key] < floor - 1e-9
    ]
    assert not failures, "below the floors of tests/quality_floors.toml [classify]:\n" + "\n".join(failures)


def test_relevance_is_measured_in_the_three_languages(report: Report) -> None:
    for language in ("en", "fr", "es"):
        assert report.relevance[language]["n"] > 0, language
