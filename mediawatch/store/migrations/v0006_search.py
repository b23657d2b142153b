"""Version 6 (released with the watch's full-text search): which articles are indexed, and the index.

Frozen: never edit it, add the next number (see the package docstring). The index is dialect-specific (an
FTS5 table on SQLite, a tsvector column under a GIN index on PostgreSQL), so its DDL is written out here;
the text it holds is analysed in Python (``mediawatch.textsearch``), never by the database, which is what
gives both backends the same answers. Existing articles are indexed by ``Store.reindex_pending``, which
the classifier runs after every batch.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

VERSION = 6

_SQLITE = (
    "CREATE TABLE search_marks ("
    " article_id INTEGER NOT NULL PRIMARY KEY,"
    " language VARCHAR(12) NOT NULL, analyzer VARCHAR(60) NOT NULL, indexed_at DATETIME NOT NULL,"
    " FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE)",
    # tokenchars '_': a token is "fr_sol", its language tag included; the text arrives folded already, so
    # remove_diacritics only guards against a caller that did not fold.
    "CREATE VIRTUAL TABLE search_documents USING fts5("
    " title, lead, body, outlet, author, tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\")",
)
_POSTGRESQL = (
    "CREATE TABLE search_marks ("
    " article_id INTEGER NOT NULL PRIMARY KEY,"
    " language VARCHAR(12) NOT NULL, analyzer VARCHAR(60) NOT NULL,"
    " indexed_at TIMESTAMP WITH TIME ZONE NOT NULL,"
    " FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE)",
    "CREATE TABLE search_documents ("
    " article_id INTEGER NOT NULL PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,"
    " document TSVECTOR NOT NULL)",
    "CREATE INDEX ix_search_documents_document ON search_documents USING GIN (document)",
)


def upgrade(conn: Connection) -> None:
    for statement in _SQLITE if conn.dialect.name == "sqlite" else _POSTGRESQL:
        conn.exec_driver_sql(statement)
