"""Stories in the store: group newly classified articles with those of the recent window.

The index is rebuilt from stored signatures (no text is re-read); adding new articles may join two older
stories, so every article whose story changed is saved again, in one transaction with the new ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mediawatch.classify.stories import StoryDoc, StoryIndex
from mediawatch.config import Settings
from mediawatch.errors import ConfigError
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
        raise ConfigError("'published' must be an ISO 8601 date or date-time string")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"'published' is not an ISO 8601 date or date-time: {value!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _story_doc(raw: object, number: int) -> tuple[str | int, StoryDoc]:
    if not isinstance(raw, dict):
        raise ConfigError("expected a JSON object")
    if "id" not in raw:
        raise ConfigError("missing 'id'")
    unknown = set(raw) - set(STORY_JSONL_FIELDS)
    if unknown:
        raise ConfigError(f"unknown field(s): {', '.join(sorted(unknown))}")
    ident = raw["id"]
    if isinstance(ident, bool) or not isinstance(ident, str | int) or ident == "":
        raise ConfigError("'id' must be a non-empty string or an integer")
    texts = {}
    for name in ("title", "text", "summary", "language"):
        value = raw.get(name, "")
        if not isinstance(value, str):
            raise ConfigError(f"'{name}' must be a string")
        texts[name] = value
    # as stored grouping does: the body, or the feed summary when there is no body
    doc = StoryDoc(
        id=number,
        title=texts["title"],
        text=texts["text"] or texts["summary"],
        language=texts["language"],
        published=_published(raw.get("published")),
    )
    return ident, doc


def group_jsonl(lines: Iterable[str], window_days: int) -> Iterator[dict[str, Any]]:
    """``{"id", "story"}`` per input line, in input order, once every line is read (a later article can
    join two earlier stories); the story is the id of its first-published article. The index and rules are
    those of :func:`group_stories`. A bad line gives an error object naming it, and the rest go on."""
    index = StoryIndex(window_days=window_days)
    out: list[dict[str, Any] | tuple[str | int, int]] = []
    seen: set[str | int] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            ident, doc = _story_doc(json.loads(line), number)
            if ident in seen:
                raise ConfigError(f"duplicate id {ident!r}")
        except json.JSONDecodeError as exc:
            out.append(
                {"line": number, "error": f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"}
            )
            continue
        except ConfigError as exc:
            out.append({"line": number, "error": f"line {number}: {exc}"})
            continue
        seen.add(ident)
        index.add(doc)
        out.append((ident, number))
    idents = {number: ident for ident, number in (o for o in out if isinstance(o, tuple))}
    for entry in out:
        if isinstance(entry, tuple):
            ident, number = entry
            yield {"id": ident, "story": idents[index.story_of(number)]}
        else:
            yield entry
