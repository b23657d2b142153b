"""The packaged base relevance model: what a fresh installation blends with the taxonomy.

It is trained by `make model` on the labelled sets (evaluate.LABELLED_FILES), never on a held-out measure;
these tests keep the packaged file honest (it is what training on those files gives today) and check that
a fresh installation uses it, that a database's own model replaces it, and that ``blend_weight = 0``
turns it off.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediawatch.classify import learned
from mediawatch.classify.evaluate import GOLD_DIR, LABELLED_FILES, load_gold
from mediawatch.classify.pipeline import load_classifier, retrain
from mediawatch.classify.relevance import classify_topic
from mediawatch.config import Settings
from mediawatch.store import open_store
from mediawatch.types import MODEL_CONCEPT, ClassifyInput

HELD_OUT = (
    "test.jsonl",
    "real_final12.jsonl",
    "real_final13.jsonl",
    "real_final14.jsonl",
    "real_final15.jsonl",
)


def test_the_base_model_never_learns_from_a_held_out_measure() -> None:
    assert not set(HELD_OUT) & set(LABELLED_FILES)
    for name in LABELLED_FILES:
        assert (GOLD_DIR / name).exists(), name


def test_the_packaged_base_model_is_what_the_labelled_sets_train_today() -> None:
    pytest.importorskip("sklearn", reason="training needs scikit-learn (a dev dependency)")
    packaged = learned.Model.load(learned.BASE_MODEL)
    gold = [g for name in LABELLED_FILES for g in load_gold(GOLD_DIR / name)]
    fresh = learned.train((g.input, g.relevant) for g in gold)
    assert packaged.trained_on == len(gold), (
        "stale base model: run `make model` after changing a labelled set"
    )
    assert packaged.vocabulary == fresh.vocabulary, "stale base model: run `make model`"
    for g in gold[::25]:
        assert packaged.probability(g.input) == pytest.approx(fresh.probability(g.input), abs=1e-6)


def test_a_fresh_installation_blends_the_base_model_until_it_trains_its_own(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="training needs scikit-learn (a dev dependency)")
    settings = Settings(db=str(tmp_path / "watch.sqlite3"))
    fresh = load_classifier(settings)
    assert fresh.model is not None
    assert "+base-" in fresh.version
    item = ClassifyInput(id="1", title="Cover crops and no-till raise soil organic carbon on Iowa farms")
    assert fresh.model.probability(item) > 0.5

    # its own model, trained on labels saying the opposite, replaces the base one
    lines = [
        {"id": f"x{i}", "title": title, "summary": "", "text": "", "language": "en", "relevant": flag}
        for i, (title, flag) in enumerate(
            [("Cover crops raise soil organic carbon", False), ("No-till stores carbon in soils", False),
             ("Carbon fibre bikes are light", True), ("Stock markets close higher", True)] * 3
        )
    ]  # fmt: skip
    gold = tmp_path / "flipped.jsonl"
    gold.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    with open_store(f"sqlite:///{settings.db}") as store:
        retrain(store, settings, [gold])
    own = load_classifier(settings)
    assert own.model is not None
    assert "+model-" in own.version
    assert own.model.probability(item) < 0.5

    # blend_weight = 0: the taxonomy alone, whatever model exists
    alone = load_classifier(settings.with_overrides(blend_weight=0.0))
    assert alone.model is None
    assert "+" not in alone.version


@pytest.mark.parametrize("weight", [learned.DEFAULT_BLEND_WEIGHT, 0.8])
def test_whatever_the_blend_judges_relevant_says_why(tmp_path: Path, weight: float) -> None:
    """The explanation is kept: every article the shipped classifier judges relevant shows at least one
    relevance term that counted, or, when the model tipped a verdict the taxonomy's share alone (its
    exclusions weighed as in the blend) would not have given, the model's words (and only then); at the
    shipped weight and at a larger one."""
    shipped = load_classifier(Settings(db=str(tmp_path / "watch.sqlite3"), blend_weight=weight))
    assert shipped.model is not None
    judged = 0
    for name in (*LABELLED_FILES, *HELD_OUT):
        for g in load_gold(GOLD_DIR / name):
            result = shipped.classify(g.input)
            words = [m for m in result.matched_terms if m.concept == MODEL_CONCEPT]
            alone = classify_topic(
                g.input, result.language, shipped.taxonomy, negative_factor=learned.BLEND_NEGATIVE_FACTOR
            ).relevant
            assert bool(words) == (result.relevant and not alone), (name, g.input.id)
            if not result.relevant:
                continue
            judged += 1
            counted = [
                m
                for m in result.matched_terms
                if m.weight > 0 and ":" not in m.concept and m.concept != MODEL_CONCEPT
            ]
            assert counted or words, (name, g.input.id, result.relevance)
    assert judged > 1500
