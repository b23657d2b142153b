"""The article repository: articles met in feeds, their URL aliases, merges and title duplicates.

An article is found again under any URL it was met at (``url_aliases`` holds ``identity.url_identity``
keys, a digest for one too long to index); a page whose final or canonical URL names an article already
known is merged into that one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.identity import title_key, url_identity
from mediawatch.store import schema as t
from mediawatch.store.core import Database, inserted_id
from mediawatch.store.rows import from_row
from mediawatch.types import Article, ArticleState, Extracted, PartialReason

# The `IN (...)` lists of ids stay well below every backend's bound on parameters.
ID_CHUNK = 500


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A feed item on its way into the store."""

    url: str
    raw_url: str
    title: str
    summary: str
    author: str
    published: datetime | None
    feed_language: str
    sitename: str = ""  # the publisher a news-search item names, kept unless its page names one


@dataclass(frozen=True, slots=True)
class PendingArticle:
    id: int
    url: str
    title: str
    summary: str
    author: str
    feed_published: datetime | None
    feed_language: str
    attempts: int


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """What fetching and extracting one article page gave."""

    final: bool  # False: a transient failure, keep the article pending for a later run
    final_url: str = ""
    canonical_url: str = ""
    extracted: Extracted | None = None
    published: datetime | None = None
    date_source: str = ""
    partial_reason: PartialReason | None = None
    partial_detail: str = ""


class ArticleRecords(Database):
    """Articles: pending ones, completed pages, listings and counts."""

    def pending_articles(self, limit: int | None = None) -> list[PendingArticle]:
        query = (
            sa.select(t.articles)
            .where(t.articles.c.state == ArticleState.PENDING.value)
            .order_by(t.articles.c.id)
        )
        if limit:
            query = query.limit(limit)
        with self._tx() as conn:
            return [from_row(PendingArticle, r) for r in conn.execute(query).mappings()]

    def complete_article(
        self, article_id: int, outcome: PageOutcome, now: datetime, title_window: timedelta
    ) -> int:
        """Store the page's outcome; merge into an existing article met under another URL.

        Returns the id the article ends up under.
        """

        def body(conn: Connection) -> int:
            target_id = article_id
            # Locked on PostgreSQL: a redelivered task waits for the first one and finds it done.
            row = _article_row(conn, target_id, lock=True)
            if row is None or row.state != ArticleState.PENDING.value:
                return target_id  # already done by an earlier (killed) run's commit
            if not outcome.final:
                _update_article(
                    conn, target_id, attempts=row.attempts + 1, partial_detail=outcome.partial_detail
                )
                return target_id
            urls = [u for u in (outcome.final_url, outcome.canonical_url) if u]
            for key_url in urls:
                other = article_for(conn, (key_url,))
                if other is not None and other != target_id:
                    _merge(conn, target_id, other)
                    target_id = other
                    target = _article_row(conn, other)
                    assert target is not None  # found through its alias in this transaction
                    if target.state != ArticleState.PENDING.value:
                        return other
                    if key_url != outcome.final_url:
                        # The page names as its canonical form an article still waiting for its own fetch:
                        # that fetch fills it, so what is stored does not depend on which page came first.
                        add_aliases(conn, target_id, urls)
                        return other
                    row = target
            add_aliases(conn, target_id, urls)
            values = _completed_values(row, outcome, now)
            _update_article(conn, target_id, **values)
            when = values["published"] or row.discovered
            _mark_title_duplicate(conn, target_id, values["title_key"], when, title_window)
            return target_id

        # Two workers may reach one final URL through two feed links at the same moment.
        return self._tx_retrying(body)

    def list_articles(
        self,
        *,
        since: datetime | None = None,
        language: str | None = None,
        source: str | None = None,
        include_duplicates: bool = False,
        limit: int | None = None,
    ) -> list[Article]:
        a = t.articles
        stamp = sa.func.coalesce(a.c.published, a.c.discovered)
        query = sa.select(a).order_by(stamp.desc(), a.c.id.desc())
        if since is not None:
            query = query.where(stamp >= since)
        if language:
            query = query.where(a.c.language == language)
        if source:
            query = query.where(
                a.c.id.in_(
                    sa.select(t.article_sources.c.article_id).where(t.article_sources.c.source_id == source)
                )
            )
        if not include_duplicates:
            query = query.where(a.c.duplicate_of.is_(None))
        if limit:
            query = query.limit(limit)
        with self._tx() as conn:
            rows = conn.execute(query).all()
            by_article = _source_ids(conn, [r.id for r in rows])
        return [article_from_row(r, tuple(by_article.get(r.id, ()))) for r in rows]

    def count_articles(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(sa.select(t.articles.c.state, sa.func.count()).group_by(t.articles.c.state))
            return {state: int(n) for state, n in rows}

    def aliases_of(self, article_id: int) -> list[str]:
        with self._tx() as conn:
            rows = conn.execute(
                sa.select(t.url_aliases.c.url_key).where(t.url_aliases.c.article_id == article_id)
            )
            return sorted(rows.scalars())


# -- writes shared with the source repository (a feed poll inserts its new articles) ---------------
MAX_ALIAS_KEY = 1000


def alias_key(url: str) -> str:
    """The ``url_aliases`` key of a URL: its identity, or a digest of an identity too long to index.

    PostgreSQL refuses a btree entry over 2704 bytes, and a page may redirect to, or name as canonical,
    an address of any length: the whole run stopped on one such article.
    """
    key = url_identity(url)
    if len(key) <= MAX_ALIAS_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def article_for(conn: Connection, urls: Iterable[str]) -> int | None:
    """The article already known under any of these URLs, or None."""
    keys = [alias_key(u) for u in urls if u]
    if not keys:
        return None
    row = conn.execute(
        sa.select(t.url_aliases.c.article_id).where(t.url_aliases.c.url_key.in_(keys)).limit(1)
    ).scalar()
    return int(row) if row is not None else None


def insert_pending(conn: Connection, entry: NewEntry, now: datetime) -> PendingArticle:
    values = {
        "url": entry.url,
        "state": ArticleState.PENDING.value,
        "title": entry.title,
        "title_key": title_key(entry.title),
        "summary": entry.summary,
        "author": entry.author,
        "sitename": entry.sitename,
        "feed_language": entry.feed_language,
        "language": entry.feed_language,
        "feed_published": entry.published,
        "published": entry.published,
        "date_source": "feed" if entry.published else "",
        "discovered": now,
        "attempts": 0,
    }
    article_id = inserted_id(conn.execute(sa.insert(t.articles).values(**values)))
    add_aliases(conn, article_id, (entry.url, entry.raw_url))
    return from_row(PendingArticle, values, id=article_id)


def link_source(conn: Connection, article_id: int, source_id: str, entry_url: str, now: datetime) -> None:
    links = t.article_sources
    exists = conn.execute(
        sa.select(links.c.article_id).where(links.c.article_id == article_id, links.c.source_id == source_id)
    ).first()
    if exists is None:
        conn.execute(
            sa.insert(links).values(
                article_id=article_id, source_id=source_id, entry_url=entry_url, discovered=now
            )
        )


def article_from_row(r: Any, source_ids: tuple[str, ...]) -> Article:
    return from_row(
        Article,
        r._mapping,
        state=ArticleState(r.state),
        partial_reason=PartialReason(r.partial_reason) if r.partial_reason else None,
        source_ids=source_ids,
    )


# -- private --------------------------------------------------------------------------------------
def _article_row(conn: Connection, article_id: int, *, lock: bool = False) -> Any:
    query = sa.select(t.articles).where(t.articles.c.id == article_id)
    return conn.execute(query.with_for_update() if lock else query).one_or_none()


def _update_article(conn: Connection, article_id: int, **values: Any) -> None:
    conn.execute(sa.update(t.articles).where(t.articles.c.id == article_id).values(**values))


def add_aliases(conn: Connection, article_id: int, urls: Sequence[str]) -> None:
    """Give the article these URLs' keys (those it already has are left as they are).

    A key another article holds was taken by a concurrent writer after this transaction looked it up
    (the callers look every key up first): inserting it anyway fails on the unique key, and the caller's
    transaction runs again and finds that article, instead of keeping a second one under the same URL.
    """
    for key in {alias_key(u) for u in urls if u}:
        query = sa.select(t.url_aliases.c.article_id).where(t.url_aliases.c.url_key == key)
        if conn.execute(query).scalar() != article_id:
            conn.execute(sa.insert(t.url_aliases).values(url_key=key, article_id=article_id))


def _source_ids(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    """article id -> the ids of the sources it was met in, first met first."""
    links = t.article_sources
    by_article: dict[int, list[str]] = {}
    for start in range(0, len(ids), ID_CHUNK):
        query = (
            sa.select(links.c.article_id, links.c.source_id)
            .where(links.c.article_id.in_(ids[start : start + ID_CHUNK]))
            .order_by(links.c.discovered)
        )
        for link in conn.execute(query):
            by_article.setdefault(link.article_id, []).append(link.source_id)
    return by_article


def _merge(conn: Connection, loser: int, winner: int) -> None:
    links = conn.execute(sa.select(t.article_sources).where(t.article_sources.c.article_id == loser)).all()
    for link in links:
        link_source(conn, winner, link.source_id, link.entry_url, link.discovered)
    conn.execute(sa.delete(t.article_sources).where(t.article_sources.c.article_id == loser))
    conn.execute(
        sa.update(t.url_aliases).where(t.url_aliases.c.article_id == loser).values(article_id=winner)
    )
    conn.execute(sa.update(t.articles).where(t.articles.c.duplicate_of == loser).values(duplicate_of=winner))
    conn.execute(sa.delete(t.articles).where(t.articles.c.id == loser))


def _mark_title_duplicate(
    conn: Connection, article_id: int, key: str, when: datetime, window: timedelta
) -> None:
    earlier = title_twin(conn, key, when, window, besides=article_id)
    if earlier is not None:
        _update_article(conn, article_id, duplicate_of=earlier)


def title_twin(
    conn: Connection, key: str, when: datetime | None, window: timedelta, *, besides: int | None = None
) -> int | None:
    """The earliest collected, non-duplicate article with this title key, published within ``window`` of
    ``when`` (at any time when ``when`` is None); None when there is none or the title has no key."""
    if not key:
        return None
    a = t.articles
    query = sa.select(a.c.id).where(
        a.c.title_key == key, a.c.duplicate_of.is_(None), a.c.state != ArticleState.PENDING.value
    )
    if besides is not None:
        query = query.where(a.c.id != besides)
    if when is not None:
        stamp = sa.func.coalesce(a.c.published, a.c.discovered)
        query = query.where(stamp >= when - window, stamp <= when + window)
    found = conn.execute(query.order_by(a.c.id).limit(1)).scalar()
    return int(found) if found is not None else None


def _completed_values(row: Any, outcome: PageOutcome, now: datetime) -> dict[str, Any]:
    ex = outcome.extracted
    reason = outcome.partial_reason or (ex.partial_reason if ex else None)
    title = (ex.title if ex and ex.title else "") or row.title
    values: dict[str, Any] = {
        "state": (ArticleState.PARTIAL if reason else ArticleState.FETCHED).value,
        "title": title,
        "title_key": title_key(title),
        "fetched_at": now,
        "attempts": row.attempts + 1,
        "partial_reason": reason.value if reason else None,
        "partial_detail": outcome.partial_detail,
        "published": outcome.published,
        "date_source": outcome.date_source,
    }
    if outcome.canonical_url:
        values["url"] = outcome.canonical_url
    elif outcome.final_url:
        values["url"] = outcome.final_url
    if ex is not None:
        values["text"] = ex.text
        values["author"] = ex.author or row.author
        # A news-search item's publisher (from its feed) outranks whatever the fetched page calls itself:
        # the page may be the aggregator's redirect or consent page.
        values["sitename"] = row.sitename or ex.sitename
        if ex.language:
            values["language"] = ex.language
    return values
