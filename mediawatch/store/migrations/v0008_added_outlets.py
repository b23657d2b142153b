"""Version 8: an article added by URL before ``watch.add.site_outlet`` existed is credited to its site's host
as a reader knows it ("example.org"), not to what extraction fell back to ("example.org:8443",
"www.example.org"). No table changes; the rewritten articles lose their search mark, so the next
``Store.reindex_pending`` indexes them under their new outlet.

Frozen: never edit it, add the next number (see the package docstring). The rule is copied from
``site_outlet`` as it was when this version was released, so that a later change there cannot change
what this version did. Articles from feeds keep their outlet (the collector's, credited to the source),
and issues keep the outlet their items were composed with (an approval is bound to that text).
"""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VERSION = 8
ADDED_BY_URL = "added-by-url"  # the built-in source of the articles added by their address

metadata = sa.MetaData()
articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.Text),
    sa.Column("sitename", sa.Text),
)
article_sources = sa.Table(
    "article_sources",
    metadata,
    sa.Column("article_id", sa.Integer, primary_key=True),
    sa.Column("source_id", sa.String(120), primary_key=True),
)
search_marks = sa.Table("search_marks", metadata, sa.Column("article_id", sa.Integer, primary_key=True))


def host_outlet(sitename: str, url: str) -> str:
    """``sitename`` when it is a name; the host of ``url`` without port or leading "www." when it is only
    that host, with its port or "www." (what extraction fell back to)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    bare = host.removeprefix("www.")
    hosts = {host, bare}
    with contextlib.suppress(ValueError):  # a port that is no number: the host alone is compared
        if parts.port is not None:
            hosts |= {f"{host}:{parts.port}", f"{bare}:{parts.port}"}
    name = " ".join(sitename.split())
    if not bare or (name and name.lower() not in hosts):
        return sitename
    return bare


def upgrade(conn: Connection) -> None:
    added = sa.select(articles.c.id, articles.c.url, articles.c.sitename).where(
        articles.c.id.in_(
            sa.select(article_sources.c.article_id).where(article_sources.c.source_id == ADDED_BY_URL)
        )
    )
    changed = {}
    for row in conn.execute(added):
        outlet = host_outlet(row.sitename, row.url)
        if outlet != row.sitename:
            changed[row.id] = outlet
    for article_id, outlet in changed.items():
        conn.execute(sa.update(articles).where(articles.c.id == article_id).values(sitename=outlet))
        conn.execute(sa.delete(search_marks).where(search_marks.c.article_id == article_id))
