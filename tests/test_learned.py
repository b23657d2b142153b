"""The learned relevance model: training, safe save/load, prediction without scikit-learn, blending."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from model_samples import PLANTED, planted_model

from mediawatch.classify import learned
from mediawatch.classify.pipeline import load_classifier, retrain
from mediawatch.config import Settings, database_url, model_file
from mediawatch.errors import ConfigError
from mediawatch.store import open_store
from mediawatch.types import ClassifyInput

RELEVANT = [
    "Cover crops raise soil organic carbon on farms",
    "No-till farming stores carbon in soils",
    "Le carbone du sol augmente sous les prairies",
    "Agroforestería y carbono del suelo en Colombia",
    "Soil health card scheme tests farmers' soils",
    "Compost on fields lifts soil organic matter",
    "Régénérer les sols dégradés au Sahel",
    "Pastoreo regenerativo y materia orgánica del suelo",
]
NOT_RELEVANT = [
    "Carbon fibre bikes are light and expensive",
    "Stock markets close higher on Friday",
    "Le PSG bat l'OM au Parc des Princes",
    "Receta de tortilla de patatas",
    "Carbon steel pipe duties announced",
    "Netflix raises its prices again",
    "La gimnasta logra el bronce en suelo",
    "Pose d'un sol stratifié dans la cuisine",
]


def examples() -> list[tuple[ClassifyInput, bool]]:
    pairs = [(ClassifyInput(id=f"r{i}", title=t), True) for i, t in enumerate(RELEVANT)]
    return pairs + [(ClassifyInput(id=f"n{i}", title=t), False) for i, t in enumerate(NOT_RELEVANT)]


@pytest.fixture(scope="module")
def model() -> learned.Model:
    pytest.importorskip("sklearn", reason="training needs scikit-learn (optional dependency)")
    return learned.train(examples())


def test_model_separates_its_training_data(model: learned.Model) -> None:
    for item, relevant in examples():
        assert (model.probability(item) >= 0.5) == relevant, item.title


def test_prediction_matches_scikit_learn(model: learned.Model) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [learned.features_text(item) for item, _ in examples()]
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=learned.NGRAMS,
        lowercase=False,
        sublinear_tf=True,
        min_df=2,
        max_features=learned.MAX_FEATURES,
    )
    vectorizer.fit(texts)
    assert set(vectorizer.vocabulary_) == set(model.vocabulary)
    np.testing.assert_allclose(np.sort(vectorizer.idf_), np.sort(model.idf))


def test_save_and_load_round_trip_without_pickle(model: learned.Model, tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = learned.Model.load(path)
    item = ClassifyInput(id="x", title="Soil carbon under cover crops", text="Farmers store carbon in soils.")
    assert loaded.probability(item) == pytest.approx(model.probability(item))
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert set(data.files) == {"meta", "terms", "idf", "coef"}


def test_loading_refuses_pickles_and_other_files(tmp_path: Path) -> None:
    evil = tmp_path / "evil.npz"
    np.savez(evil, meta=np.array([{"format": learned.FORMAT}], dtype=object))
    with pytest.raises(ConfigError):
        learned.Model.load(evil)
    raw = tmp_path / "model.pkl"
    raw.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ConfigError):
        learned.Model.load(raw)


def test_training_needs_both_classes() -> None:
    pytest.importorskip("sklearn")
    with pytest.raises(ConfigError):
        learned.train([(ClassifyInput(id="a", title="soil"), True)] * 3)


def test_blend() -> None:
    assert learned.blend(0.2, 0.8, 0.0) == pytest.approx(0.2)
    assert learned.blend(0.2, 0.8, 1.0) == pytest.approx(0.8)
    assert learned.blend(0.2, 0.8, 0.5) == pytest.approx(0.5)
    with pytest.raises(ConfigError, match="blend_weight"):
        learned.blend(0.2, 0.8, 1.5)


# -- one model per database ------------------------------------------------------------------------------
def _gold_file(path: Path, *, flipped: bool) -> Path:
    rows = [(t, True) for t in RELEVANT] + [(t, False) for t in NOT_RELEVANT]
    lines = [
        json.dumps({"id": f"g{i}", "title": t, "language": "en", "relevant": label != flipped})
        for i, (t, label) in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_each_database_trains_and_uses_its_own_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sklearn", reason="training needs scikit-learn (optional dependency)")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = Settings(db=str(tmp_path / "a" / "watch.sqlite3"))
    second = Settings(db=f"sqlite:///{tmp_path / 'b' / 'other.sqlite3'}")
    with open_store(database_url(first.db)) as store:
        trained_a = retrain(store, first, [_gold_file(tmp_path / "a.jsonl", flipped=False)])
    before = trained_a.path.read_bytes()
    # the second installation learns the opposite: it must not overwrite the first one's model
    with open_store(second.db) as store:
        trained_b = retrain(store, second, [_gold_file(tmp_path / "b.jsonl", flipped=True)])
    assert trained_a.path == tmp_path / "a" / "watch.relevance-model.npz"
    assert trained_b.path == tmp_path / "b" / "other.relevance-model.npz"
    assert trained_a.path.read_bytes() == before

    item = ClassifyInput(id="x", title="Cover crops raise soil organic carbon on farms")
    model_a, model_b = load_classifier(first).model, load_classifier(second).model
    assert model_a is not None
    assert model_b is not None
    assert model_a.probability(item) > 0.5 > model_b.probability(item)
    # a blend_weight outside [0, 1] in the config is a clear error in the user's language, not a ValueError
    monkeypatch.setenv("MEDIAWATCH_LANG", "fr")
    with pytest.raises(ConfigError, match="blend_weight doit être un nombre de 0 à 1"):
        load_classifier(first.with_overrides(blend_weight=1.5))


def test_the_model_file_of_a_server_database_is_keyed_to_it_without_its_password() -> None:
    one = model_file(Settings(db="postgresql://watch:s3cret@db.example.org/newsroom_a"))
    same = model_file(Settings(db="postgresql://watch:other@db.example.org/newsroom_a"))
    other = model_file(Settings(db="postgresql://watch:s3cret@db.example.org/newsroom_b"))
    assert one == same
    assert one != other
    assert "s3cret" not in str(one)
    assert one.name.startswith("relevance-model-postgresql-")
    assert model_file(Settings(db="x.sqlite3", model_path="/srv/shared/model.npz")) == Path(
        "/srv/shared/model.npz"
    )


# -- explanations ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def planted() -> learned.Model:
    return planted_model()


def test_explain_names_the_planted_word_first_as_written(planted: learned.Model) -> None:
    item = ClassifyInput(id="x", title=f"Bruno paints the {PLANTED}", summary="Elena counts the sheep.")
    words = planted.explain(item)
    assert words[0][0] == "vézelune"  # as in the title, lowercased, accent kept
    assert all(share > 0 for _, share in words)
    assert [share for _, share in words] == sorted((share for _, share in words), reverse=True)
    assert len(planted.explain(item, limit=1)) == 1
    assert planted.explain(ClassifyInput(id="y", title="…")) == []


def test_explain_leaves_out_figures_and_short_words() -> None:
    """A figure or a word of fewer than four letters tells an editor nothing, whatever it weighs."""
    pytest.importorskip("sklearn", reason="training needs scikit-learn (optional dependency)")
    pairs = [(ClassifyInput(id=f"p{i}", title=f"Ana visits the market {i} 2024 zu"), True) for i in range(6)]
    pairs += [(ClassifyInput(id=f"f{i}", title=f"Ana visits the market {i}"), False) for i in range(6)]
    model = learned.train(pairs)
    item = ClassifyInput(id="x", title="Ana visits the market 2024 zu")
    assert {"2024", "zu"} <= {word for word, share in model.contributions(item).items() if share > 0}
    assert all(len(word) >= 4 and word.isalpha() for word, _ in model.explain(item))


def test_a_single_words_contribution_is_the_score_less_the_intercept_by_hand(planted: learned.Model) -> None:
    item = ClassifyInput(id="x", title=PLANTED)  # the model reads "vezelune vezelune": no column shared
    grams: dict[str, int] = {}
    for gram in learned._char_wb_ngrams("vezelune vezelune", *learned.NGRAMS):
        if gram in planted.vocabulary:
            grams[gram] = grams.get(gram, 0) + 1
    weights = {g: (1 + np.log(n)) * planted.idf[planted.vocabulary[g]] for g, n in grams.items()}
    norm = np.sqrt(sum(w * w for w in weights.values()))
    by_hand = sum(w * planted.coef[planted.vocabulary[g]] for g, w in weights.items()) / norm
    assert planted.contributions(item) == {"vezelune": pytest.approx(by_hand)}
    assert planted.intercept + by_hand == pytest.approx(planted._score(learned.features_text(item)))
    assert planted.explain(item) == [("vézelune", pytest.approx(by_hand))]


def test_shared_columns_are_split_and_the_shares_still_add_up_to_the_score(planted: learned.Model) -> None:
    # "the", "paints" and "vezelune" share n-grams ("e ", " t", ...): each gets a share of those columns
    item = ClassifyInput(id="x", title=f"Carla paints the {PLANTED}", text="The sheep and the tractor.")
    shares = planted.contributions(item)
    assert set(shares) == set(learned.features_text(item).split())
    total = planted.intercept + sum(shares.values())
    assert total == pytest.approx(planted._score(learned.features_text(item)), abs=1e-12)


# -- what a model file records, and how it is written -------------------------------------------------------
def old_format_file(model: learned.Model, path: Path) -> Path:
    """A model file as `save` wrote them before models recorded their editors' decisions."""
    terms = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    meta = {"format": learned.FORMAT, "ngrams": list(model.ngrams), "intercept": model.intercept,
            "trained_on": model.trained_on, "note": "12 decisions + 0 labelled"}  # fmt: skip
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), terms=np.array(terms, dtype=np.str_),
                        idf=model.idf, coef=model.coef)  # fmt: skip
    return path


def test_a_model_records_the_decisions_it_learnt_from_and_an_old_file_still_loads(
    model: learned.Model, tmp_path: Path
) -> None:
    pairs = examples()
    counted = learned.train(pairs, decisions=5)
    assert counted.decisions == 5
    counted.save(tmp_path / "new.npz")
    assert learned.Model.load(tmp_path / "new.npz").decisions == 5
    assert learned.decisions_learnt(tmp_path / "new.npz") == 5

    old = old_format_file(model, tmp_path / "old.npz")
    loaded = learned.Model.load(old)
    assert loaded.decisions == 0  # not recorded then: counted as none
    item = ClassifyInput(id="x", title="Soil carbon under cover crops")
    assert loaded.probability(item) == pytest.approx(model.probability(item))
    assert learned.decisions_learnt(old) == 0
    settings = Settings(model_path=str(old))
    assert load_classifier(settings).model is not None
    from mediawatch.classify.pipeline import decisions_learnt

    assert decisions_learnt(settings) == 0
    # the packaged base model learnt from the labelled sets alone, and no file is no decision either
    assert learned.decisions_learnt(learned.BASE_MODEL) == 0
    assert decisions_learnt(Settings(model_path=str(tmp_path / "none.npz"))) == 0
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="not a relevance model file"):
        learned.decisions_learnt(tmp_path / "junk.npz")


def test_a_failed_save_leaves_the_previous_model_whole(
    model: learned.Model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.npz"
    model.save(path)
    before = path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)  # readable by the web app's and workers' user

    def full_disk(handle: object, **arrays: object) -> None:
        handle.write(b"PK\x03\x04 half a zip")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(learned.np, "savez_compressed", full_disk)
    with pytest.raises(OSError, match="No space left"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temporary file left


CHILD = """
import io, sys, time
import numpy as np
from mediawatch.classify import learned

model = learned.Model.load(sys.argv[1])
real = np.savez_compressed

def half_then_stall(handle, **arrays):
    whole = io.BytesIO()
    real(whole, **arrays)
    handle.write(whole.getvalue()[: len(whole.getvalue()) // 2])
    handle.flush()
    print("half written", flush=True)
    time.sleep(600)

np.savez_compressed = half_then_stall
model.note = "the retrained one"
model.save(sys.argv[1])
"""


def test_a_save_killed_mid_write_leaves_the_previous_model_whole(
    model: learned.Model, tmp_path: Path
) -> None:
    """A real process killed with SIGKILL while half the new model is on disk: the file readers open is
    the previous model, whole (a stray temporary file at most)."""
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "watch.relevance-model.npz"
    model.save(path)
    before = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "half written\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert path.read_bytes() == before
    assert learned.Model.load(path).note == model.note
    others = [p.name for p in tmp_path.iterdir() if p != path]
    assert all(n.startswith(f".{path.name}.") and n.endswith(".tmp") for n in others), others
