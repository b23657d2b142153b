"""The classify stage: language, relevance, themes, regions, objectives for stored or piped articles.

Reads collected articles from the store (or JSON lines), writes classifications; stories are grouped by
`classify.grouping` right after. Never fetches anything.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediawatch.classify.jsonl import read_jsonl
from mediawatch.classify.language import LanguageGuess, detect_language
from mediawatch.classify.learned import BASE_MODEL, BLEND_NEGATIVE_FACTOR, DEFAULT_BLEND_WEIGHT, Model, blend
from mediawatch.classify.relevance import classify_topic
from mediawatch.classify.taxonomy import Taxonomy, load_taxonomy
from mediawatch.config import Settings, model_file
from mediawatch.errors import ConfigError, Explanation, InvalidInput
from mediawatch.i18n import Counted, Message, said, t
from mediawatch.store.protocols import ClassifyStore, CurationRepository, StoryRepository
from mediawatch.types import MODEL_CONCEPT, Classification, ClassifyInput, TermMatch

JSONL_FIELDS = ("id", "title", "summary", "text", "url", "feed_language")
MODEL_TERMS = 5  # words shown for an article the model judged relevant and the taxonomy alone would not


class Classifier:
    """Taxonomy, plus the learned model when one was trained, blended into one relevance score."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        model: Model | None = None,
        blend_weight: float = DEFAULT_BLEND_WEIGHT,
        model_id: str = "model",
    ) -> None:
        self.taxonomy = taxonomy
        self.model = model
        self.blend_weight = blend_weight if model is not None else 0.0
        self.version = taxonomy.fingerprint + (f"+{model_id}" if model is not None else "")

    def classify(
        self, item: ClassifyInput, *, language: str | None = None, accepted: bool = False
    ) -> Classification:
        """``language``: a person's correction, taken instead of the detected one; ``accepted``: a person
        judged the article relevant (they added it), so it is, whatever the score says."""
        if language:
            guess = LanguageGuess(language, 1.0, "editor")
        else:
            guess = detect_language(
                item.title,
                item.summary,
                item.text,
                feed_language=item.feed_language,
                page_language=item.page_language,
            )
        factor = BLEND_NEGATIVE_FACTOR if self.model is not None else 1.0
        topic = classify_topic(item, guess.code, self.taxonomy, negative_factor=factor)
        relevance, relevant, uncertain = topic.relevance, topic.relevant, topic.uncertain
        matched_terms = topic.matched_terms
        if self.model is not None:
            rules = self.taxonomy.settings
            relevance = blend(topic.relevance, self.model.probability(item), self.blend_weight)
            relevant = relevance >= rules.threshold
            uncertain = abs(relevance - rules.threshold) <= rules.uncertain_margin
            if relevant and not topic.relevant:  # the model tipped it: its words say why
                matched_terms += self.model_terms(item)
        if accepted:
            relevant, uncertain = True, False
        return Classification(
            id=item.id,
            language=guess.code,
            language_confidence=round(guess.confidence, 4),
            relevant=relevant,
            relevance=round(relevance, 4),
            uncertain=uncertain,
            matched_terms=matched_terms,
            themes=topic.themes if relevant else (),
            regions=topic.regions,
            objectives=topic.objectives if relevant else (),
            version=self.version,
        )

    def model_terms(self, item: ClassifyInput) -> tuple[TermMatch, ...]:
        """The words that raised the model's score most, as matched terms of concept and field "model"."""
        if self.model is None:
            return ()
        return tuple(
            TermMatch(term=word, concept=MODEL_CONCEPT, field=MODEL_CONCEPT, weight=round(share, 4))
            for word, share in self.model.explain(item, limit=MODEL_TERMS)
        )


def load_classifier(settings: Settings, *, taxonomy: Taxonomy | None = None) -> Classifier:
    """The taxonomy (MEDIAWATCH_TAXONOMY_DIR or the packaged one) blended with a learned model: this
    database's own when ``mediawatch retrain`` (or the nightly job) made one, else the packaged base model
    (trained on the labelled sets). ``blend_weight = 0`` leaves the taxonomy alone. ``taxonomy``: one
    already loaded, kept (a worker taking up a retrained model, see :func:`model_stamp`)."""
    taxonomy = taxonomy or load_taxonomy(settings.taxonomy_dir or None)
    path = model_in_use(settings)
    if path is None:
        return Classifier(taxonomy)
    stat = path.stat()
    model, digest = _model_at(str(path), stat.st_mtime_ns, stat.st_size)
    model_id = ("model-" if path != BASE_MODEL else "base-") + digest
    return Classifier(taxonomy, model, settings.blend_weight, model_id)


def model_in_use(settings: Settings) -> Path | None:
    """The model file :func:`load_classifier` blends in: the database's own when there is one, else the
    packaged base model; None when ``blend_weight = 0`` (ConfigError outside [0, 1])."""
    if not 0.0 <= settings.blend_weight <= 1.0:
        raise ConfigError(t("classify.bad_blend_weight", None, value=settings.blend_weight))
    if settings.blend_weight == 0.0:
        return None
    path = model_file(settings)
    return path if path.exists() else BASE_MODEL


def model_stamp(settings: Settings) -> tuple[str, int, int] | None:
    """What tells one version of the model in use from another: its path, modification time and size
    (a retrain replaces the file by a rename). A process that keeps a classifier (a cluster worker)
    compares it before each task and loads the model again when it changed."""
    path = model_in_use(settings)
    if path is None:
        return None
    try:
        stat = path.stat()
    except FileNotFoundError:  # replaced or removed this instant: a new version either way
        return (str(path), -1, -1)
    return (str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _model_at(path: str, mtime_ns: int, size: int) -> tuple[Model, str]:
    """A model file read once per version of it (a page that reclassifies must not reread 1 MB each time);
    the modification time and size in the key make a retrained file read again."""
    del mtime_ns, size
    content = Path(path).read_bytes()
    return Model.load(path, content), hashlib.sha256(content).hexdigest()[:12]


@dataclass
class ClassifyReport:
    classified: int = 0
    relevant: int = 0
    uncertain: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    version: str = ""

    def summary_line(self) -> str:
        langs = ",".join(f"{k}:{v}" for k, v in self.languages.most_common())
        return (
            f"classify classified={self.classified} relevant={self.relevant} uncertain={self.uncertain} "
            f"languages={langs or '-'} version={self.version}"
        )


# Articles classified and committed together: a killed run loses at most this much work (under a second
# of CPU with long texts), and each commit costs a few milliseconds.
CLASSIFY_BATCH = 100
RECLASSIFY_RUN = "classify-all"


def classify_stored(
    store: ClassifyStore, classifier: Classifier, *, everything: bool = False
) -> ClassifyReport:
    """Classify what is not classified yet (``everything``: all collected articles), one committed batch at
    a time, so a run killed midway is taken up where it stopped. A reclassification of everything is a
    recorded run: the next one with the same classifier version skips what it did since it began."""
    report = ClassifyReport(version=classifier.version)
    run_id, done_since = None, None
    if everything:
        run_id, started = store.resume_run(RECLASSIFY_RUN, {"version": classifier.version})
        done_since = (started, classifier.version)
    batches = store.articles_for_classification(
        everything=everything, batch=CLASSIFY_BATCH, done_since=done_since
    )
    for batch in batches:
        results = classify_corrected(store, classifier, batch)
        store.save_classifications(results)
        report.classified += len(results)
        report.relevant += sum(r.relevant for r in results)
        report.uncertain += sum(r.uncertain for r in results)
        report.languages.update(r.language for r in results)
    store.reindex_pending()  # the watch's search index, now that languages are final (crash-safe, idempotent)
    if run_id is not None:
        store.finish_run(run_id, "ok", {"version": classifier.version, "classified": report.classified})
    return report


def classify_corrected(
    store: CurationRepository, classifier: Classifier, batch: Sequence[ClassifyInput]
) -> list[Classification]:
    """Classify a batch, with an editor's corrected language taken instead of the detected one and an
    editor's "relevant" kept (the store lays every correction over the saved verdicts as well)."""
    corrections = store.corrections([int(item.id) for item in batch])
    results = []
    for item in batch:
        mine = corrections.get(int(item.id), {})
        language = str(mine["language"].value) if "language" in mine else None
        accepted = "relevant" in mine and mine["relevant"].value is True
        results.append(classifier.classify(item, language=language, accepted=accepted))
    return results


def classification_record(result: Classification) -> dict[str, Any]:
    return {
        "id": result.id,
        "language": result.language,
        "language_confidence": result.language_confidence,
        "relevant": result.relevant,
        "relevance": result.relevance,
        "uncertain": result.uncertain,
        "matched_terms": [
            {"term": m.term, "concept": m.concept, "field": m.field, "weight": m.weight}
            for m in result.matched_terms
        ],
        "themes": [str(t) for t in result.themes],
        "regions": [str(r) for r in result.regions],
        "objectives": list(result.objectives),
        "version": result.version,
    }


def _input_from_json(raw: object) -> ClassifyInput:
    if not isinstance(raw, dict):
        raise InvalidInput(Message("classify.jsonl.not_object"))
    if "id" not in raw:
        raise InvalidInput(Message("classify.jsonl.no_id"))
    unknown = set(raw) - set(JSONL_FIELDS)
    if unknown:
        known = ", ".join(JSONL_FIELDS)
        raise InvalidInput(Message("classify.jsonl.unknown", fields=", ".join(sorted(unknown)), known=known))
    values: dict[str, str] = {}
    for name in JSONL_FIELDS:
        value = raw.get(name, "")
        if name == "id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidInput(Message("classify.jsonl.not_text", field=name))
        values[name] = value
    return ClassifyInput(**values)


def classify_jsonl(
    lines: Iterable[str],
    classifier: Classifier,
    on_error: Callable[[int, Explanation], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """One output object per input line; a bad line gives an error object naming it (and ``on_error``
    is told its number and why), and the rest go on."""
    for line in read_jsonl(lines, _input_from_json, on_error):
        if line.error is not None:
            yield line.error
        elif line.value is not None:
            yield classification_record(classifier.classify(line.value))


@dataclass(frozen=True, slots=True)
class RetrainReport:
    decisions: int
    gold: int
    path: Path


def labelled_files() -> list[Path]:
    """The labelled files `mediawatch retrain` learns from besides the decisions: ``evaluate.LABELLED_FILES``
    in ``evaluate.GOLD_DIR``, those that exist (a source checkout has them; an installed package may not)."""
    from mediawatch.classify import evaluate

    return [p for p in (evaluate.GOLD_DIR / name for name in evaluate.LABELLED_FILES) if p.exists()]


# article ids per query: bound parameters stay far below SQLite's and PostgreSQL's limits
DECIDED_BATCH = 500


def decided_examples(store: StoryRepository) -> list[tuple[ClassifyInput, bool]]:
    """Editors' latest verdict on each article they decided, with the article as the classifier reads it,
    in article order; an article still pending (its page not fetched) is left out until it is fetched."""
    decided = dict(store.decisions())
    ids = sorted(decided)
    examples: list[tuple[ClassifyInput, bool]] = []
    for start in range(0, len(ids), DECIDED_BATCH):
        chunk = ids[start : start + DECIDED_BATCH]
        for batch in store.articles_for_classification(everything=True, ids=chunk):
            examples.extend((item, decided[int(item.id)]) for item in batch)
    return examples


def decisions_learnt(settings: Settings) -> int:
    """The editors' decisions the database's model learnt from: 0 until `retrain` made one (the packaged
    base model learnt from the labelled sets alone), and for a model file older than that record."""
    from mediawatch.classify.learned import decisions_learnt as recorded

    path = model_file(settings)
    return recorded(path) if path.exists() else 0


def retrain(store: StoryRepository, settings: Settings, gold_files: Iterable[Path] = ()) -> RetrainReport:
    """Train the learned relevance model on editors' decisions plus labelled files, and save it (replacing
    the file atomically: a classifier loading it meanwhile reads the old model or the new one)."""
    from mediawatch.classify.evaluate import load_gold
    from mediawatch.classify.learned import train

    examples = decided_examples(store)
    n_decisions = len(examples)
    n_gold = 0
    for path in gold_files:
        gold = load_gold(path)
        examples.extend((g.input, g.relevant) for g in gold)
        n_gold += len(gold)
    labels = {label for _, label in examples}
    if len(labels) < 2:
        decisions, labelled = Counted("retrain.decisions", n_decisions), Counted("retrain.gold", n_gold)
        raise said(ConfigError, "retrain.one_sided", decisions=decisions, gold=labelled)
    model = train(examples, note=f"{n_decisions} decisions + {n_gold} labelled", decisions=n_decisions)
    path = model_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return RetrainReport(n_decisions, n_gold, path)
