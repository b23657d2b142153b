"""Stories in the store: group newly classified articles with those of the recent window.

The index is rebuilt from stored signatures (no text is re-read); adding new articles may join two older
stories, so every article whose story changed is saved again, in one transaction with the new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mediawatch.classify.jsonl import read_jsonl
from mediawatch.classify.stories import StoryDoc, StoryIndex
from mediawatch.config import Settings
from mediawatch.errors import Explanation, InvalidInput
from mediawatch.i18n import Message
from mediawatch.store.protocols import GROUPING_LOCK_WAIT_S, StoryListing, StoryRepository
from mediawatch.types import Article


@dataclass(frozen=True, slots=True)
class GroupingReport:
    grouped: int
    joined_existing: int
    stories_touched: int

    def summary_line(self) -> str:
        return (
            f"stories grouped={self.grouped} joined_existing={self.joined_existing} "
            f"stories_touched={self.stories_touched}"
        )


def _when(article: Article) -> datetime:
    return article.published or article.discovered


def _doc(article: Article) -> StoryDoc:
    return StoryDoc(
        id=article.id,
        title=article.title,
        text=article.text or article.summary,
        language=article.language,
        published=_when(article),
        outlet=article.sitename,
    )


def group_stories(
    store: StoryRepository, settings: Settings, *, wait: float = GROUPING_LOCK_WAIT_S
) -> GroupingReport:
    """Group the articles not yet in a story, under the store's grouping lock: the nightly, a cluster
    worker's last task and `mediawatch classify` may group at once, and each must decide from the state
    the other saved, so a second grouping waits for the first (docs/design.md), at most ``wait`` seconds
    (then LockedError)."""
    with store.grouping_lock(wait=wait):
        return _group(store, settings)


def _group(store: StoryRepository, settings: Settings) -> GroupingReport:
    new = store.ungrouped_articles()
    if not new:
        return GroupingReport(0, 0, 0)
    window = timedelta(days=settings.story_window_days)
    index = StoryIndex(window_days=settings.story_window_days)
    stored = store.story_rows(min(_when(a) for a in new) - window)
    signatures = {}
    for article_id, signature, _, when in stored:
        index.add_signature(article_id, when, signature)
        signatures[article_id] = signature
    before = index.assignments()
    for article in new:
        doc = _doc(article)
        signatures[article.id] = index.signature_of(doc)
        index.add_signature(doc.id, doc.published, signatures[article.id])
    after = index.assignments()
    changed = [(i, after[i], signatures[i]) for i in before if after[i] != before[i]]
    fresh = [(a.id, after[a.id], signatures[a.id]) for a in new]
    store.save_story_members(fresh + changed)
    old_stories = set(before.values())
    return GroupingReport(
        grouped=len(fresh),
        joined_existing=sum(1 for _, story, _ in fresh if story in old_stories),
        stories_touched=len({story for _, story, _ in fresh + changed}),
    )


@dataclass(frozen=True, slots=True)
class Story:
    id: int
    articles: tuple[Article, ...]  # oldest first: the first is the story's lead
    # source ids in order of first appearance; for a news-search source, the publisher its item names
    outlets: tuple[str, ...]
    languages: tuple[str, ...]

    @property
    def latest(self) -> datetime:
        return max(_when(a) for a in self.articles)


def list_stories(store: StoryListing, *, since: datetime | None = None) -> list[Story]:
    """Every story with its articles, newest first."""
    articles = {a.id: a for a in store.list_articles(include_duplicates=True)}
    searches = store.news_search_sources()
    result = []
    for story_id, ids in store.story_groups().items():
        members = sorted((articles[i] for i in ids if i in articles), key=lambda a: (_when(a), a.id))
        if not members:
            continue
        outlets = tuple(
            dict.fromkeys(
                a.sitename if s in searches and a.sitename else s for a in members for s in a.source_ids
            )
        )
        languages = tuple(dict.fromkeys(a.language for a in members if a.language))
        story = Story(story_id, tuple(members), outlets, languages)
        if since is None or story.latest >= since:
            result.append(story)
    result.sort(key=lambda s: s.latest, reverse=True)
    return result


# -- JSON lines: the same decision without a database ----------------------------------------------------
STORY_JSONL_FIELDS = ("id", "title", "text", "summary", "language", "published")


def _published(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput(Message("story.jsonl.published_type"))
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(Message("story.jsonl.published", value=value)) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _story_doc(raw: object) -> tuple[str | int, StoryDoc]:
    """The line's id and its doc, whose own id (its line number in the index) the caller sets."""
    if not isinstance(raw, dict):
        raise InvalidInput(Message("classify.jsonl.not_object"))
    if "id" not in raw:
        raise InvalidInput(Message("classify.jsonl.no_id"))
    unknown = set(raw) - set(STORY_JSONL_FIELDS)
    if unknown:
        known = ", ".join(STORY_JSONL_FIELDS)
        raise InvalidInput(Message("classify.jsonl.unknown", fields=", ".join(sorted(unknown)), known=known))
    ident = raw["id"]
    if isinstance(ident, bool) or not isinstance(ident, str | int) or ident == "":
        raise InvalidInput(Message("story.jsonl.bad_id"))
    texts = {}
    for name in ("title", "text", "summary", "language"):
        value = raw.get(name, "")
        if not isinstance(value, str):
            raise InvalidInput(Message("classify.jsonl.not_text", field=name))
        texts[name] = value
    # as stored grouping does: the body, or the feed summary when there is no body
    doc = StoryDoc(
        id=0,
        title=texts["title"],
        text=texts["text"] or texts["summary"],
        language=texts["language"],
        published=_published(raw.get("published")),
    )
    return ident, doc


def group_jsonl(
    lines: Iterable[str], window_days: int, on_error: Callable[[int, Explanation], None] | None = None
) -> Iterator[dict[str, Any]]:
    """``{"id", "story"}`` per input line, in input order, once every line is read (a later article can
    join two earlier stories); the story is the id of its first-published article. The index and rules are
    those of :func:`group_stories`. A bad line gives an error object naming it (and ``on_error`` is told
    its number and why), and the rest go on."""
    index = StoryIndex(window_days=window_days)
    seen: set[str | int] = set()

    def parse(raw: object) -> tuple[str | int, StoryDoc]:
        ident, doc = _story_doc(raw)
        if ident in seen:
            raise InvalidInput(Message("story.jsonl.duplicate", id=ident))
        seen.add(ident)
        return ident, doc

    read = list(read_jsonl(lines, parse, on_error))
    idents: dict[int, str | int] = {}
    for line in read:
        if line.value is not None:
            ident, doc = line.value
            index.add(replace(doc, id=line.number))
            idents[line.number] = ident
    for line in read:
        if line.error is not None:
            yield line.error
        else:
            yield {"id": idents[line.number], "story": idents[index.story_of(line.number)]}
