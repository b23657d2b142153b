"""Editors' curation of a story: relevant or not, a corrected language, themes, regions or objectives,
and pins for the next issue of a publication.

A verdict of relevance is recorded twice, on purpose: as an editor decision (``editor_decisions``, what
``mediawatch retrain`` learns the relevance model from, like an accepted or rejected issue item) and as a
correction (``article_corrections``, what holds the article's verdict against later re-classifications).
Every correction is laid over the classification at once (:mod:`mediawatch.store.curation`); when a
classifier is given, the corrected articles are classified again first, so a corrected language also
gives the relevance and themes found with that language's terms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from mediawatch.classify.pipeline import Classifier, classify_corrected
from mediawatch.classify.vocabulary import TaxonomyNames
from mediawatch.errors import InvalidInput
from mediawatch.i18n import Message
from mediawatch.store.curation import StoryPin
from mediawatch.store.protocols import ClassifyStore, CurationRepository
from mediawatch.types import Publication, Region, Theme
from mediawatch.watch.add_fields import ADDABLE_LANGUAGES

__all__ = [
    "FIELDS",
    "Change",
    "correct",
    "parse_correction",
    "parse_publication",
    "pin",
    "reclassify",
    "unpin",
]

FIELDS = ("relevant", "language", "themes", "regions", "objectives")


@dataclass(frozen=True, slots=True)
class Change:
    """What an editor set: one field, its checked value."""

    field: str
    value: bool | str | tuple[str, ...]

    def as_json(self) -> str:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return json.dumps(value)


def _names(raw: str | Sequence[str]) -> list[str]:
    parts = raw.split(",") if isinstance(raw, str) else [p for chunk in raw for p in chunk.split(",")]
    return list(dict.fromkeys(p.strip().lower() for p in parts if p.strip()))


def parse_correction(field: str, raw: str | Sequence[str], names: TaxonomyNames | None = None) -> Change:
    """A correction from what a person typed or ticked; InvalidInput saying what is wrong otherwise.
    ``names``: the team's taxonomy, whose themes and objectives a correction may name (without it, every
    theme of the code and no objective)."""
    if field not in FIELDS:
        raise InvalidInput(Message("story.bad_field", value=field[:40], known=", ".join(FIELDS)))
    if field == "relevant":
        text = (raw if isinstance(raw, str) else ",".join(raw)).strip().lower()
        if text not in ("1", "0", "yes", "no", "true", "false"):
            raise InvalidInput(Message("story.bad_relevant", value=text[:40]))
        return Change(field, text in ("1", "yes", "true"))
    if field == "language":
        code = (raw if isinstance(raw, str) else ",".join(raw)).strip().lower()
        if code not in ADDABLE_LANGUAGES:
            raise InvalidInput(
                Message("story.bad_language", value=code[:40], known=", ".join(ADDABLE_LANGUAGES))
            )
        return Change(field, code)
    chosen = _names(raw)
    themes = list(names.themes) if names else [x.value for x in Theme]
    known = {"themes": themes, "regions": [x.value for x in Region]}.get(field)
    if field == "objectives":
        chosen = [n.upper() for n in chosen]
        known = list(names.objectives) if names else []
    assert known is not None
    wrong = [n for n in chosen if n not in known]
    if wrong:
        keys = {"themes": "story.bad_themes", "regions": "story.bad_regions"}
        key = keys.get(field, "story.bad_objectives")
        raise InvalidInput(Message(key, value=", ".join(wrong)[:80], known=", ".join(known)))
    return Change(field, tuple(chosen))


def correct(
    store: ClassifyStore,
    article_ids: Sequence[int],
    correction: Change,
    actor: str,
    *,
    classifier: Classifier | None = None,
    context: str = "story",
) -> int:
    """Record ``correction`` for these articles; how many were corrected. A relevance verdict is also an
    editor decision the learned model is trained on."""
    ids = list(dict.fromkeys(article_ids))
    done = store.correct_articles(ids, correction.field, correction.as_json(), actor)
    if not done:
        return 0
    if correction.field == "relevant":
        for article_id in ids:
            store.record_decision(article_id, bool(correction.value), actor, context=context)
    if classifier is not None:
        reclassify(store, classifier, ids)
    if correction.field == "language":
        store.index_articles(ids)  # the search finds it under its new language's stems at once
    return done


def reclassify(store: ClassifyStore, classifier: Classifier, article_ids: Sequence[int]) -> None:
    """Classify these articles again with their corrected language and relevance (saving lays every
    correction over the result)."""
    store.save_classifications(classify_corrected(store, classifier, store.classify_inputs(article_ids)))


def parse_publication(value: str) -> Publication:
    try:
        return Publication(value.strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Publication)
        raise InvalidInput(Message("story.bad_publication", value=value[:40], known=known)) from None


def _story_exists(store: CurationRepository, story_id: int) -> None:
    if not store.story_articles(story_id):
        raise InvalidInput(Message("story.none", id=story_id))


def pin(store: CurationRepository, story_id: int, publication: Publication, actor: str) -> StoryPin:
    """Pin the story for the next composed issue of ``publication``."""
    _story_exists(store, story_id)
    return store.pin_story(story_id, publication, actor)


def unpin(store: CurationRepository, story_id: int, publication: Publication) -> None:
    """Take the story's waiting pin for ``publication`` away; InvalidInput when there is none."""
    if not store.unpin_story(story_id, publication):
        raise InvalidInput(Message("story.not_pinned", id=story_id))
