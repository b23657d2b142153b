"""An added article stored, classified with the person's language and region taking the place of the
detected ones, and grouped into a story through the normal grouping path; or, when it was known already,
that article classified if no classify has reached it yet."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import datetime, timedelta

from mediawatch.classify.grouping import group_stories
from mediawatch.classify.pipeline import Classifier, classify_corrected, load_classifier
from mediawatch.config import Settings
from mediawatch.errors import LockedError
from mediawatch.store.additions import AddedArticle
from mediawatch.store.protocols import AddArticleStore
from mediawatch.types import Classification, ClassifyInput, Extracted, Region
from mediawatch.watch.add_result import AddResult, AddStatus

# How long an addition waits for a story grouping under way (the nightly's, a worker's) before leaving its
# article to the next grouping: a person is waiting, and the web server ends a request after 120 s.
ADD_GROUPING_WAIT_S = 20.0


def known_result(
    store: AddArticleStore, settings: Settings, article_id: int, classifier: Classifier | None
) -> AddResult:
    _classify_if_waiting(store, settings, article_id, classifier)
    story = store.story_of(article_id)
    return AddResult(
        AddStatus.KNOWN, article_id=article_id, story_id=story, title=_title_of(store, article_id)
    )


def _classify_if_waiting(
    store: AddArticleStore, settings: Settings, article_id: int, classifier: Classifier | None
) -> None:
    """A known article a feed brought in that no classify has reached yet (the night's runs later) is
    classified and grouped now, as a new one is: else the story page drawn next shows it with no language
    verdict, themes or regions, until the night and a reload. One already classified is left as it is."""
    if store.classification_of(article_id) is not None:
        return
    batch = store.classify_inputs([article_id])
    if not batch:  # its page not fetched yet: nothing to classify
        return
    classifier = classifier or load_classifier(settings)
    store.save_classifications(classify_corrected(store, classifier, batch))
    store.index_articles([article_id])
    with contextlib.suppress(LockedError):  # a long grouping under way: it, or the next one, places it
        group_stories(store, settings, wait=ADD_GROUPING_WAIT_S)


def _title_of(store: AddArticleStore, article_id: int) -> str:
    return store.article_title(article_id)


def store_and_classify(
    store: AddArticleStore,
    settings: Settings,
    article: AddedArticle,
    region: Region | None,
    classifier: Classifier | None,
    now: datetime,
    extracted: Extracted | None = None,
) -> AddResult:
    window = timedelta(hours=settings.title_dup_window_hours)
    article_id, created = store.add_article(article, now, window)
    if not created:
        return known_result(store, settings, article_id, classifier)
    item = ClassifyInput(
        id=str(article_id),
        title=article.title,
        summary=article.summary,
        text=article.text,
        url=article.url,
        page_language=extracted.language if extracted is not None else "",
        source_region=region.value if region is not None else "",
    )
    classifier = classifier or load_classifier(settings)
    chosen = article.corrections.get("language")
    verdict: Classification = classifier.classify(item, language=chosen, accepted=True)
    if region is not None:
        verdict = replace(verdict, regions=(region,))
    # kept as corrections too, so that a later re-classification (classify --all) keeps them
    store.correct_articles([article_id], "relevant", "true", article.added_by)
    if chosen:
        store.correct_articles([article_id], "language", json.dumps(chosen), article.added_by)
    if region is not None:
        store.correct_articles([article_id], "regions", json.dumps([region.value]), article.added_by)
    store.save_classifications([verdict])
    store.index_articles([article_id])  # searchable at once, not after the next classify run
    try:
        group_stories(store, settings, wait=ADD_GROUPING_WAIT_S)
    except LockedError:  # a long grouping under way: the article is kept, the next grouping places it
        return AddResult(AddStatus.ADDED, article_id=article_id, title=article.title, grouping_pending=True)
    return AddResult(
        AddStatus.ADDED, article_id=article_id, story_id=store.story_of(article_id), title=article.title
    )
