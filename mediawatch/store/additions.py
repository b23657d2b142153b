"""Articles added by a person (by URL, or by hand for print, radio and TV), not met in a feed.

An added article is an ordinary article row: it is found by the same URL aliases and title keys, listed,
classified and grouped like a collected one. Its origin is one of two built-in sources (``added-by-url``,
``added-by-hand``, never in the registry) and who added it, with the note and any language or region
correction, is an accepting editor decision (see docs/design.md, "Articles added by hand").
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.identity import title_key
from mediawatch.store import schema as t
from mediawatch.store.articles import add_aliases, article_for, link_source, title_twin
from mediawatch.store.core import Database, inserted_id
from mediawatch.types import ArticleState, OutletType, PartialReason, Region, SourceKind


class AddOrigin(enum.StrEnum):
    """The built-in source an added article is linked to: its origin, never a feed."""

    URL = "added-by-url"
    MANUAL = "added-by-hand"


ADDED_MARK = "added"  # the key that tells an addition's decision context from a curation decision


@dataclass(frozen=True, slots=True)
class AddedArticle:
    """An article on its way in: fetched and extracted from a URL, or typed by a person."""

    origin: AddOrigin
    url: str  # the stored URL (the page's final or canonical one; a "manual:" URN when none was given)
    title: str
    published: datetime | None
    language: str
    added_by: str
    aliases: Sequence[str] = ()  # every URL the article is known under (as typed, final, canonical)
    text: str = ""
    summary: str = ""
    author: str = ""
    sitename: str = ""
    date_source: str = ""
    partial_reason: PartialReason | None = None
    partial_detail: str = ""
    note: str = ""
    corrections: dict[str, str] = field(default_factory=dict)  # field -> the value the person chose


@dataclass(frozen=True, slots=True)
class Addition:
    """Who added an article, when, how, and what they noted or corrected."""

    article_id: int
    origin: AddOrigin
    added_by: str
    at: datetime
    note: str
    corrections: dict[str, str]


class AdditionRecords(Database):
    """Articles added by a person, and who added them."""

    def known_article(
        self, urls: Sequence[str], key: str, when: datetime | None, window: timedelta
    ) -> int | None:
        """The stored article these URLs name, or failing that one with this title key near ``when``."""
        with self._tx() as conn:
            return _known(conn, urls, key, when, window)

    def add_article(self, item: AddedArticle, now: datetime, window: timedelta) -> tuple[int, bool]:
        """Store ``item`` unless it is already known; (article id, True if it was added now).

        The check and the insert share one transaction that first writes the origin's source row, so the
        same URL added twice at once is stored once (the second waits on the first's write, then finds it);
        a collector storing the same URL meanwhile makes the insert lose on the unique URL key, and the
        transaction runs again and finds it.
        """
        key = title_key(item.title)

        def store(conn: Connection) -> tuple[int, bool]:
            _lock_origin(conn, item.origin, now)
            known = _known(conn, [item.url, *item.aliases], key, item.published or now, window)
            if known is not None:
                return known, False
            values: dict[str, Any] = {
                "url": item.url,
                "state": (ArticleState.PARTIAL if item.partial_reason else ArticleState.FETCHED).value,
                "title": item.title,
                "title_key": key,
                "text": item.text,
                "summary": item.summary,
                "author": item.author,
                "sitename": item.sitename,
                "language": item.language,
                "feed_language": item.language,
                "published": item.published,
                "date_source": item.date_source,
                "discovered": now,
                "fetched_at": now,
                "attempts": 1 if item.origin is AddOrigin.URL else 0,
                "partial_reason": item.partial_reason.value if item.partial_reason else None,
                "partial_detail": item.partial_detail,
            }
            article_id = inserted_id(conn.execute(sa.insert(t.articles).values(**values)))
            add_aliases(conn, article_id, [item.url, *item.aliases])
            link_source(conn, article_id, item.origin.value, item.url, now)
            context = {ADDED_MARK: item.origin.value, "note": item.note, "corrections": item.corrections}
            conn.execute(
                sa.insert(t.editor_decisions).values(
                    article_id=article_id,
                    accepted=True,
                    actor=t.fit(t.editor_decisions.c.actor, item.added_by),
                    at=now,
                    context=json.dumps(context, ensure_ascii=False),
                )
            )
            return article_id, True

        # A collector (or a worker) storing the same URL at that moment takes the unique URL key first: run
        # again, the transaction finds its article and takes the already-known path.
        return self._tx_retrying(store)

    def addition_of(self, article_id: int) -> Addition | None:
        """Who added this article (None for one met in a feed)."""
        d = t.editor_decisions
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(d).where(d.c.article_id == article_id, d.c.accepted.is_(True)).order_by(d.c.id)
            ).all()
        for row in rows:
            context = _context(row.context)
            if context is not None:
                return Addition(
                    article_id=article_id,
                    origin=AddOrigin(context[ADDED_MARK]),
                    added_by=row.actor,
                    at=row.at,
                    note=str(context.get("note", "")),
                    corrections={str(k): str(v) for k, v in dict(context.get("corrections", {})).items()},
                )
        return None

    def article_title(self, article_id: int) -> str:
        with self._tx() as conn:
            found = conn.execute(sa.select(t.articles.c.title).where(t.articles.c.id == article_id)).scalar()
        return str(found or "")

    def story_of(self, article_id: int) -> int | None:
        with self._tx() as conn:
            found = conn.execute(
                sa.select(t.story_members.c.story_id).where(t.story_members.c.article_id == article_id)
            ).scalar()
        return int(found) if found is not None else None


# -- private --------------------------------------------------------------------------------------
_ORIGIN_NAMES = {AddOrigin.URL: "Added by URL", AddOrigin.MANUAL: "Added by hand"}


def _context(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get(ADDED_MARK) not in {o.value for o in AddOrigin}:
        return None
    return value


def _lock_origin(conn: Connection, origin: AddOrigin, now: datetime) -> None:
    """Create the origin's built-in source on first use; writing its row also serialises two additions."""
    s = t.sources
    values = {"name": _ORIGIN_NAMES[origin], "url": f"mediawatch:{origin.value}", "in_registry": False}
    updated = conn.execute(sa.update(s).where(s.c.id == origin.value).values(**values)).rowcount
    if not updated:
        conn.execute(
            sa.insert(s).values(
                id=origin.value,
                # Like a news-search source, it brings other outlets' articles: compose and the story
                # listings credit each one to the publisher it names (its sitename), not to this source.
                kind=SourceKind.NEWS_SEARCH.value,
                language="",
                region=Region.GLOBAL.value,
                outlet_type=OutletType.PRESS.value,
                enabled=False,
                first_seen=now,
                **values,
            )
        )


def _known(
    conn: Connection, urls: Sequence[str], key: str, when: datetime | None, window: timedelta
) -> int | None:
    found = article_for(conn, urls)
    return found if found is not None else title_twin(conn, key, when, window)
