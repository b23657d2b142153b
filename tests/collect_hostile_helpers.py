"""Shared pieces of the hostile-collector tests: a store per test, feed sources and small RSS bodies."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hostile_server import HostileServer

from mediawatch.store import open_store
from mediawatch.types import Source, SourceKind


@pytest.fixture(name="store")
def store_fixture(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield s
    s.close()


def feed_source(source_id: str, url: str, kind: SourceKind = SourceKind.RSS) -> Source:
    return Source(id=source_id, name=source_id, url=url, kind=kind, language="en")


def rss(server: HostileServer, items: list[str], title: str = "feed") -> bytes:
    body = "".join(
        f"<item><title>Item {i} of the {title} feed about soil carbon</title>"
        f"<link>{server.url(p)}</link></item>"
        for i, p in enumerate(items)
    )
    return f"<rss version='2.0'><channel><title>{title}</title>{body}</channel></rss>".encode()


def health_of(store) -> dict:
    return {h.source_id: h for h in store.source_health(datetime.now(UTC), 14)}


def article(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {k} of article {n}: cover crops raise soil organic carbon on farm {n}, "
        "according to measurements taken over several seasons by the local agronomists.</p>"
        for k in range(8)
    )
    return (
        f"<html lang='en'><head><title>Article {n} about soil carbon</title></head>"
        f"<body><article><h1>Article {n} about soil carbon</h1>{paragraphs}</article></body></html>"
    ).encode()


def cli_setup(
    server: HostileServer, tmp_path: Path, pages: int = 4, route: str = "/cli"
) -> tuple[dict, list]:
    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir()
    links = [f"{route}/{i}" for i in range(pages)]
    for i, link in enumerate(links):
        server.add_static(link, article(i), content_type="text/html")
    server.add_static(f"{route}.xml", rss(server, links), content_type="application/rss+xml")
    (feeds_dir / "t.toml").write_text(
        f'[[source]]\nid = "t"\nname = "T"\nurl = "{server.url(route + ".xml")}"\n'
        'kind = "rss"\nlanguage = "en"\n',
        encoding="utf-8",
    )
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1",
        "MEDIAWATCH_PER_HOST_DELAY": "0",
        "MEDIAWATCH_EXTRACT_WORKERS": "2",
        "MEDIAWATCH_RESPECT_ROBOTS": "0",
        "MEDIAWATCH_CONFIG": str(tmp_path / "none.toml"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    env.pop("MEDIAWATCH_DB", None)
    args = ["--db", str(tmp_path / "db.sqlite3"), "--feeds", str(feeds_dir), "collect", "--force"]
    return env, args
