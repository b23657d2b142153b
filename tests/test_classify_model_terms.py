"""The learned model's words among matched_terms: given only when the model tipped an article to relevant
that the taxonomy alone would not have judged relevant, and ignored where concepts are read."""

from __future__ import annotations

import json

import pytest
from model_samples import PLANTED, planted_model

from mediawatch.classify.learned import Model
from mediawatch.classify.pipeline import Classifier, classification_record, classify_jsonl
from mediawatch.classify.relevance import classify_topic
from mediawatch.classify.taxonomy import Taxonomy, load_taxonomy
from mediawatch.store.reporting import _initiative
from mediawatch.types import MODEL_CONCEPT, ClassifyInput, TermMatch

TIPPED = ClassifyInput(id="t", title=f"Bruno paints the {PLANTED}")  # no taxonomy term, the model's word
ON_TOPIC = ClassifyInput(id="s", title=f"Cover crops raise soil organic carbon on farms, {PLANTED}")
OFF_TOPIC = ClassifyInput(id="o", title="Ana visits the market")


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def model() -> Model:
    return planted_model()


@pytest.fixture
def classifier(taxonomy: Taxonomy, model: Model) -> Classifier:
    return Classifier(taxonomy, model, blend_weight=0.8)  # enough for the model to tip a verdict alone


def model_words(terms: tuple[TermMatch, ...]) -> list[TermMatch]:
    return [m for m in terms if m.concept == MODEL_CONCEPT]


def test_the_models_words_say_why_when_it_alone_judged_relevant(classifier, taxonomy, model):
    alone = classify_topic(TIPPED, "en", taxonomy)
    assert alone.matched_terms == ()
    assert not alone.relevant
    result = classifier.classify(TIPPED)
    assert result.relevant
    [word] = result.matched_terms  # the only positive word of the item
    assert word == TermMatch("vézelune", MODEL_CONCEPT, MODEL_CONCEPT, round(model.explain(TIPPED)[0][1], 4))
    assert word.weight > 0
    assert result.themes == ()
    assert result.objectives == ()
    # classify --jsonl: the same fields, the words as more matched_terms entries
    [record] = classify_jsonl([json.dumps({"id": "t", "title": TIPPED.title})], classifier)
    assert set(record) == set(classification_record(Classifier(taxonomy).classify(TIPPED)))
    assert record["matched_terms"] == [
        {"term": "vézelune", "concept": "model", "field": "model", "weight": word.weight}
    ]


def test_no_model_words_when_the_taxonomy_judged_or_nobody_did(classifier, taxonomy, model):
    on_topic = classifier.classify(ON_TOPIC)
    assert classify_topic(ON_TOPIC, "en", taxonomy).relevant
    assert on_topic.relevant
    assert model.explain(ON_TOPIC)  # the model has words to give, but the taxonomy's terms say why
    assert model_words(on_topic.matched_terms) == []
    off_topic = classifier.classify(OFF_TOPIC)
    assert not off_topic.relevant
    assert off_topic.matched_terms == ()
    # an editor's "relevant" is not the model's verdict; without a model there are no model words
    weak = Classifier(taxonomy, model, blend_weight=0.5)
    accepted = weak.classify(TIPPED, accepted=True)
    assert accepted.relevant
    assert model_words(accepted.matched_terms) == []
    assert Classifier(taxonomy).classify(TIPPED).matched_terms == ()


def test_a_model_word_is_never_an_initiative_concept(classifier):
    terms = classifier.classify(TIPPED).matched_terms
    assert not _initiative([], json.dumps([{"term": m.term, "concept": m.concept} for m in terms]))
