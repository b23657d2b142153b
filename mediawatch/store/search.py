"""The full-text index of articles and the story search over it, on SQLite (FTS5) and PostgreSQL (tsvector).

Both backends index the same tokens, made in Python by :mod:`mediawatch.textsearch` (folded, stemmed,
tagged with the article's language), and answer the same tree (:class:`~mediawatch.textsearch.Node`):
an FTS5 ``MATCH`` expression on SQLite, a ``tsquery`` literal on PostgreSQL. Neither backend stems,
folds or drops stop words itself, so a query finds the same articles on both (tests/test_search.py).

Keeping the index current: :meth:`SearchRecords.reindex_pending` indexes every collected article that has
no index entry yet, or whose language or analyser changed since (``search_marks``), in batches of one
transaction each (document and mark together): a killed run leaves no half-indexed article and the next
call carries on. The classify stage calls it after saving classifications (the article's language is
final then).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mediawatch.store import schema as t
from mediawatch.store import schema_watch as tw
from mediawatch.store.core import Database, utcnow
from mediawatch.textsearch import (
    ANALYZER,
    TAGS,
    AnyOf,
    Node,
    Term,
    index_language,
    positioned_tokens,
)
from mediawatch.types import ArticleState, IssueState, ItemStatus

__all__ = [
    "FoundArticle",
    "FoundStory",
    "RelevanceState",
    "SearchFilters",
    "SearchPage",
    "SearchRecords",
    "SearchStore",
    "fts5_query",
    "tsquery",
]

FIELDS = ("title", "lead", "body", "outlet", "author")


class RelevanceState(enum.StrEnum):
    """The classifier's verdict as the watch shows it: an unsure article is neither of the others."""

    RELEVANT = "relevant"
    UNSURE = "unsure"
    NOT_RELEVANT = "not_relevant"


@dataclass(frozen=True, slots=True)
class SearchFilters:
    since: datetime | None = None  # published (else discovered) at or after
    until: datetime | None = None  # ... and before
    language: str | None = None
    theme: str | None = None
    region: str | None = None
    source: str | None = None  # a source id
    states: tuple[RelevanceState, ...] = ()  # any of these; () = all, unclassified included
    objective: str | None = None  # a strategic objective's code (A5)
    outlet_type: str | None = None  # of the source that brought the article (press, blog, ...)
    submitted: bool | None = None  # True: sent in by a correspondent; False: not; None: either
    used: bool | None = None  # True: its story is in an issue (not cancelled, item not rejected)

    def needs_classification(self) -> bool:
        return bool(self.states or self.theme or self.region or self.objective)


@dataclass(frozen=True, slots=True)
class FoundArticle:
    id: int
    title: str
    url: str
    outlet: str
    language: str
    published: datetime | None
    state: RelevanceState | None  # None: not classified yet
    matched: bool  # False: in the story, but not itself matching the search and filters


@dataclass(frozen=True, slots=True)
class FoundStory:
    id: int
    latest: datetime  # newest matching article
    articles: tuple[FoundArticle, ...]  # matching ones first, each group newest first


@dataclass(frozen=True, slots=True)
class SearchPage:
    stories: tuple[FoundStory, ...]
    more: bool  # there are stories after this page


class SearchStore(Protocol):
    """What the watch stage needs of the store for search (the stages are typed against this)."""

    def index_articles(self, ids: Sequence[int]) -> int: ...

    def reindex_pending(self, batch: int = 500) -> int: ...

    def search_stories(
        self, query: Node | None, filters: SearchFilters = ..., *, limit: int = 50, offset: int = 0
    ) -> SearchPage: ...


# -- query rendering ------------------------------------------------------------------------------------
def _fts5_string(tokens: Sequence[str]) -> str:
    # tokens are letters, digits and "_" (textsearch.words); quoting anyway keeps a future change safe
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def fts5_query(node: Node, tags: Sequence[str] = TAGS) -> str:
    """An FTS5 MATCH expression, fully parenthesised (no reliance on FTS5's operator precedence)."""
    if isinstance(node, Term):
        phrases = [_fts5_string(seq) + (" *" if node.prefix else "") for seq in node.variants(tags)]
        return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(fts5_query(o, tags) for o in node.options) + ")"
    included = " AND ".join(fts5_query(i, tags) for i in node.include)
    if not node.exclude:
        return f"({included})"
    excluded = " OR ".join(fts5_query(e, tags) for e in node.exclude)
    return f"(({included}) NOT ({excluded}))"


def tsquery(node: Node, tags: Sequence[str] = TAGS) -> str:
    """A ``tsquery`` literal (cast, never passed through to_tsquery: PostgreSQL must not re-analyse it)."""
    if isinstance(node, Term):
        phrases = []
        for seq in node.variants(tags):
            lexemes = [_lexeme(token) for token in seq]
            if node.prefix:
                lexemes[-1] += ":*"
            phrases.append(" <-> ".join(lexemes))
        return "(" + " | ".join(f"({p})" for p in phrases) + ")"
    if isinstance(node, AnyOf):
        return "(" + " | ".join(tsquery(o, tags) for o in node.options) + ")"
    parts = [tsquery(i, tags) for i in node.include]
    parts += [f"!{tsquery(e, tags)}" for e in node.exclude]
    return "(" + " & ".join(parts) + ")"


def _tsvector(fields: Sequence[str], tag: str) -> str:
    positions: dict[str, list[int]] = defaultdict(list)
    for start, tokens in positioned_tokens(fields, tag):
        for offset, token in enumerate(tokens):
            positions[token].append(start + offset)
    return " ".join(f"{_lexeme(token)}:{','.join(map(str, where))}" for token, where in positions.items())


def _state(row: Any) -> RelevanceState | None:
    if row.relevant is None:
        return None
    if row.uncertain:
        return RelevanceState.UNSURE
    return RelevanceState.RELEVANT if row.relevant else RelevanceState.NOT_RELEVANT


def _json_has(column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
    # themes/regions are JSON lists of plain identifiers ('["policy", "science"]'): a quoted match is exact
    return column.like(f'%"{value}"%')


# -- the repository ---------------------------------------------------------------------------------
class SearchRecords(Database):
    """Mixed into :class:`~mediawatch.store.Store`: the search index and the story search."""

    def index_articles(self, ids: Sequence[int]) -> int:
        """(Re)index these articles in one transaction; pending (not yet fetched) ones are skipped."""
        if not ids:
            return 0
        a = t.articles
        outlet = t.first_source(t.sources.c.name)
        query = sa.select(
            a.c.id, a.c.title, a.c.summary, a.c.text, a.c.sitename, a.c.author, a.c.language,
            outlet.label("source_name"),
        ).where(a.c.id.in_(list(ids)), a.c.state != ArticleState.PENDING.value)  # fmt: skip
        now = utcnow()
        with self._tx() as conn:
            rows = conn.execute(query).all()
            found = [r.id for r in rows]
            if not found:
                return 0
            conn.execute(sa.delete(t.search_marks).where(t.search_marks.c.article_id.in_(found)))
            sqlite = self.dialect == "sqlite"
            if sqlite:
                conn.execute(
                    sa.text("DELETE FROM search_documents WHERE rowid IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"ids": found},
                )
            else:
                conn.execute(
                    sa.text("DELETE FROM search_documents WHERE article_id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"ids": found},
                )
            documents = []
            for r in rows:
                fields = (r.title, r.summary, r.text, r.sitename or r.source_name or "", r.author)
                tag = index_language(r.language)
                if sqlite:
                    doc: dict[str, Any] = {"id": r.id}
                    for name, (_, tokens) in zip(FIELDS, positioned_tokens(fields, tag), strict=True):
                        doc[name] = " ".join(tokens)
                else:
                    doc = {"id": r.id, "document": _tsvector(fields, tag)}
                documents.append(doc)
            if sqlite:
                insert = (
                    "INSERT INTO search_documents (rowid, title, lead, body, outlet, author)"
                    " VALUES (:id, :title, :lead, :body, :outlet, :author)"
                )
            else:
                insert = (
                    "INSERT INTO search_documents (article_id, document)"
                    " VALUES (:id, CAST(:document AS tsvector))"
                )
            conn.execute(sa.text(insert), documents)
            conn.execute(
                sa.insert(t.search_marks),
                [
                    {"article_id": r.id, "language": r.language, "analyzer": ANALYZER, "indexed_at": now}
                    for r in rows
                ],
            )
        return len(found)

    def reindex_pending(self, batch: int = 500) -> int:
        """Index what is missing or stale (language or analyser changed), batch by batch; the count."""
        a, k = t.articles, t.search_marks
        query = (
            sa.select(a.c.id)
            .outerjoin(k, k.c.article_id == a.c.id)
            .where(
                a.c.state != ArticleState.PENDING.value,
                sa.or_(k.c.article_id.is_(None), k.c.language != a.c.language, k.c.analyzer != ANALYZER),
            )
            .order_by(a.c.id)
            .limit(batch)
        )
        done = 0
        while True:
            with self._tx() as conn:
                ids = list(conn.execute(query).scalars())
            if not ids:
                break
            done += SearchRecords.index_articles(self, ids)
        if self.dialect == "sqlite":
            # a merged-away article's marks went with it (ON DELETE CASCADE); FTS5 rows have no foreign key
            with self._tx() as conn:
                orphans = "rowid NOT IN (SELECT article_id FROM search_marks)"
                conn.execute(sa.text(f"DELETE FROM search_documents WHERE {orphans}"))
        return done

    def search_stories(
        self,
        query: Node | None,
        filters: SearchFilters = SearchFilters(),
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> SearchPage:
        """Stories with an article matching ``query`` and ``filters``, newest first (by their newest
        matching article), with all their articles; an article outside any story is a story alone.
        ``query`` None: every article matches (the watch's stream, filters only)."""
        a, c, m = t.articles, t.classifications, t.story_members
        stamp = sa.func.coalesce(a.c.published, a.c.discovered)
        story = sa.func.coalesce(m.c.story_id, a.c.id)
        # Only the joins this search needs: each costs an index lookup per matching article.
        joined = a.outerjoin(m, m.c.article_id == a.c.id)
        if filters.needs_classification():
            joined = joined.outerjoin(c, c.c.article_id == a.c.id)
        conditions = [a.c.state != ArticleState.PENDING.value, *_filter_clauses(filters, a, c, story)]
        with self._tx() as conn:
            if query is None:
                found = _stream(conn, joined, conditions, filters, story, offset + limit + 1)[offset:]
                order = [story_id for story_id, _ in found]
                latest_of = dict(found)
                # which members match is asked of the page's articles alone, in the same query as they
                match: sa.ColumnElement[bool] | None = sa.and_(*conditions, *_period(filters, stamp, stamp))
                matching: set[int] = set()
            else:
                conditions += _period(filters, stamp, stamp)
                latest_of, matching = _matching_stories(
                    conn, self.dialect, query, filters, joined, conditions, story, stamp, limit, offset
                )
                order = sorted(latest_of, key=lambda s: (latest_of[s], s), reverse=True)
                match = None
            more = len(order) > limit
            order = order[:limit]
            articles = _story_articles(conn, order, match) if order else {}
        stories = []
        for story_id in order:
            members = [
                FoundArticle(
                    id=r.id,
                    title=r.title,
                    url=r.url,
                    outlet=r.sitename or r.source_name or "",
                    language=r.language,
                    published=r.published,
                    state=_state(r),
                    matched=bool(r.hit) if match is not None else r.id in matching,
                )
                for r in articles.get(story_id, [])
            ]
            members.sort(key=lambda f: (not f.matched, -(f.published or _EPOCH).timestamp(), f.id))
            stories.append(FoundStory(id=story_id, latest=latest_of[story_id], articles=tuple(members)))
        return SearchPage(tuple(stories), more)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _matching_stories(
    conn: Connection,
    dialect: str,
    query: Node,
    filters: SearchFilters,
    joined: sa.FromClause,
    conditions: list[sa.ColumnElement[bool]],
    story: sa.ColumnElement[Any],
    stamp: sa.ColumnElement[Any],
    limit: int,
    offset: int,
) -> tuple[dict[int, datetime], set[int]]:
    """A full-text search: the page's stories with their newest matching article, and the matching ids."""
    a = t.articles
    tags = [index_language(filters.language)] if filters.language else list(TAGS)
    matched: sa.Select[Any]
    if dialect == "sqlite":
        matched = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.text("search_documents"))
            .where(sa.text("search_documents MATCH :fts").bindparams(fts=fts5_query(query, tags)))
        )
        # an FTS5 row outlives its article (no foreign key): only a marked article is really indexed
        conditions = [*conditions, sa.exists().where(t.search_marks.c.article_id == a.c.id)]
    else:
        matched = (
            sa.select(sa.literal_column("article_id"))
            .select_from(sa.text("search_documents"))
            .where(sa.text("document @@ CAST(:tsq AS tsquery)").bindparams(tsq=tsquery(query, tags)))
        )
    hits = (
        sa.select(a.c.id.label("article_id"), story.label("story_id"), stamp.label("stamp"))
        .select_from(joined)
        .where(a.c.id.in_(matched), *conditions)
    ).cte("hits")
    # typed, so the driver's value comes back as an aware UTC datetime like any column of the store
    latest = sa.func.max(hits.c.stamp, type_=t.UTC_DATETIME).label("latest")
    page = (
        sa.select(hits.c.story_id, latest)
        .group_by(hits.c.story_id)
        .order_by(latest.desc(), hits.c.story_id.desc())
        .limit(limit + 1)
        .offset(offset)
    ).cte("page")
    found = sa.select(hits.c.article_id, page.c.story_id, page.c.latest).join(
        page, page.c.story_id == hits.c.story_id
    )
    if dialect == "postgresql":
        # The planner prices a sequential scan of search_documents by its main table, which is tiny:
        # the tsvectors live in TOAST, and reading them all costs 40x the GIN index (measured by
        # bench/search_bench.py). Every other table here is reached by primary key anyway.
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    latest_of: dict[int, datetime] = {}
    matching: set[int] = set()
    for r in conn.execute(found):
        latest_of[r.story_id] = r.latest
        matching.add(r.article_id)
    return latest_of, matching


STREAM_FIRST_WALK = 64  # at least this many articles read at first for a page of the stream
STREAM_PER_STORY = 2  # ... or this many per story wanted: most stories have one or two articles


def _stream(
    conn: Connection,
    joined: sa.FromClause,
    conditions: list[sa.ColumnElement[bool]],
    filters: SearchFilters,
    story: sa.ColumnElement[Any],
    wanted: int,
) -> list[tuple[int, datetime]]:
    """The first ``wanted`` stories of the stream (no text query), newest first, with their latest date.

    Grouping every article into stories and sorting them reads the whole table; walking the articles from
    the newest down and keeping each story where it first appears gives the same order (a story's first
    appearance is its newest article) and stops early. The walk follows ``ix_articles_published`` (an
    article without a date counts from its discovery, in a second, short walk) and reads four times more
    each round until it holds ``wanted`` stories or the end. A walk cut at ``k`` rows may hold only part
    of the articles sharing its last date: only those strictly newer are trusted.
    """
    a = t.articles
    k = max(STREAM_FIRST_WALK, STREAM_PER_STORY * wanted)
    while True:
        rows: list[tuple[datetime, int, int]] = []
        cutoff: datetime | None = None
        for column, dated in ((a.c.published, True), (a.c.discovered, False)):
            walk = (
                sa.select(column.label("stamp"), story.label("story_id"), a.c.id)
                .select_from(joined)
                .where(
                    a.c.published.is_not(None) if dated else a.c.published.is_(None),
                    *conditions,
                    *_period(filters, column, column),
                )
                .order_by(column.desc())
                .limit(k)
            )
            got = [(r.stamp, r.story_id, r.id) for r in conn.execute(walk)]
            rows += got
            if len(got) == k:
                cutoff = got[-1][0] if cutoff is None else max(cutoff, got[-1][0])
        rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
        found: dict[int, datetime] = {}
        for when, story_id, _ in rows:
            if cutoff is not None and when <= cutoff:
                break
            found.setdefault(story_id, when)
        if cutoff is None or len(found) >= wanted:
            return list(found.items())[:wanted]
        k *= 4


def _period(
    filters: SearchFilters, low: sa.ColumnElement[Any], high: sa.ColumnElement[Any]
) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.since is not None:
        clauses.append(low >= filters.since)
    if filters.until is not None:
        clauses.append(high < filters.until)
    return clauses


def _filter_clauses(
    filters: SearchFilters, a: sa.Table, c: sa.Table, story: sa.ColumnElement[Any]
) -> list[sa.ColumnElement[bool]]:
    """Every filter but the period (which depends on the date column a query walks)."""
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.language:
        clauses.append(a.c.language == filters.language)
    if filters.theme:
        clauses.append(_json_has(c.c.themes, filters.theme))
    if filters.region:
        clauses.append(_json_has(c.c.regions, filters.region))
    if filters.objective:
        clauses.append(_json_has(c.c.objectives, filters.objective))
    if filters.source:
        clauses.append(
            sa.exists().where(
                t.article_sources.c.article_id == a.c.id, t.article_sources.c.source_id == filters.source
            )
        )
    if filters.outlet_type:
        s, src = t.sources, t.article_sources
        clauses.append(
            sa.exists()
            .select_from(src.join(s, s.c.id == src.c.source_id))
            .where(src.c.article_id == a.c.id, s.c.outlet_type == filters.outlet_type)
        )
    if filters.submitted is not None:
        sent = sa.exists().where(tw.submissions.c.article_id == a.c.id)
        clauses.append(sent if filters.submitted else ~sent)
    if filters.used is not None:
        # issue_items.story_id has no index: one set of used stories, not a lookup per article
        it, i = t.issue_items, t.issues
        used = story.in_(
            sa.select(it.c.story_id)
            .join(i, i.c.id == it.c.issue_id)
            .where(i.c.state != IssueState.CANCELLED.value, it.c.status != ItemStatus.REJECTED.value)
        )
        clauses.append(used if filters.used else ~used)
    if filters.states:
        wanted = set(filters.states)
        options: list[sa.ColumnElement[bool]] = []
        if RelevanceState.UNSURE in wanted:
            options.append(c.c.uncertain.is_(True))
        if RelevanceState.RELEVANT in wanted:
            options.append(sa.and_(c.c.uncertain.is_(False), c.c.relevant.is_(True)))
        if RelevanceState.NOT_RELEVANT in wanted:
            options.append(sa.and_(c.c.uncertain.is_(False), c.c.relevant.is_(False)))
        clauses.append(sa.or_(*options))
    return clauses


def _story_articles(
    conn: Connection, story_ids: Sequence[int], match: sa.ColumnElement[bool] | None = None
) -> dict[int, list[Any]]:
    """Every article of these stories (members, or the lone article a story id names); with ``match``,
    a ``hit`` column says which of them it holds for."""
    a, c, m = t.articles, t.classifications, t.story_members
    source_name = t.first_source(t.sources.c.name)
    columns = [
        a.c.id, a.c.title, a.c.url, a.c.sitename, a.c.language, a.c.published,
        c.c.relevant, c.c.uncertain, source_name.label("source_name"),
    ]  # fmt: skip
    if match is not None:
        columns.append(sa.case((match, 1), else_=0).label("hit"))
    ids = list(story_ids)
    # two queries, each on an index (story_members.story_id, articles.id), rather than one OR over both
    members = (
        sa.select(*columns, m.c.story_id.label("story_id"))
        .select_from(m.join(a, a.c.id == m.c.article_id).outerjoin(c, c.c.article_id == a.c.id))
        .where(m.c.story_id.in_(ids))
    )
    alone = (
        sa.select(*columns, a.c.id.label("story_id"))
        .select_from(a.outerjoin(m, m.c.article_id == a.c.id).outerjoin(c, c.c.article_id == a.c.id))
        .where(a.c.id.in_(ids), m.c.article_id.is_(None))
    )
    grouped: dict[int, list[Any]] = defaultdict(list)
    for query in (members, alone):
        for row in conn.execute(query):
            grouped[row.story_id].append(row)
    return grouped
