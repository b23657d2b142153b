"""kill -9 at random moments, then run again: every article exactly once, none lost.

The collector runs as a real `mediawatch collect` process against a local server whose pages answer slowly,
so kills land while feeds are being stored, pages fetched, and extractions committed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from hostile_server import Request, Response

from mediawatch.store import open_store
from mediawatch.types import ArticleState

FEEDS = 3
ITEMS = 12
PAGE_DELAY = 0.05


def article_page(feed: int, item: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {k} of article {feed}-{item}: cover crops and agroforestry raise soil organic carbon "
        f"on farm {feed * 100 + item}, according to measurements taken over several seasons.</p>"
        for k in range(6)
    )
    return (
        f"<html lang='en'><head><title>Article {feed}-{item} about soil carbon</title></head>"
        f"<body><article><h1>Article {feed}-{item} about soil carbon</h1>{paragraphs}"
        f"<p>marker-{feed}-{item}</p></article></body></html>"
    ).encode()


def run_collect(env: dict[str, str], db: str, feeds_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mediawatch.cli",
            "--db",
            str(db),
            "--feeds",
            str(feeds_dir),
            "collect",
            "--force",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_runs_resume_without_loss_or_duplicates(hostile_server, tmp_path, db_url):
    def page(request: Request) -> Response:
        time.sleep(PAGE_DELAY)
        _, _, feed, item = request.route.split("/")
        return Response(200, article_page(int(feed), int(item)), {"Content-Type": "text/html; charset=utf-8"})

    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir()
    registry = []
    for f in range(FEEDS):
        items = "".join(
            f"<item><title>Article {f}-{i} about soil carbon in the kill test</title>"
            f"<link>{hostile_server.url(f'/a/{f}/{i}')}</link></item>"
            for i in range(ITEMS)
        )
        hostile_server.add_static(
            f"/feed{f}.xml",
            f"<rss version='2.0'><channel><title>f{f}</title>{items}</channel></rss>".encode(),
            content_type="application/rss+xml",
        )
        for i in range(ITEMS):
            hostile_server.add_route(f"/a/{f}/{i}", page)
        registry.append(
            f'[[source]]\nid = "feed-{f}"\nname = "Feed {f}"\nurl = "{hostile_server.url(f"/feed{f}.xml")}"'
            '\nkind = "rss"\nlanguage = "en"\n'
        )
    (feeds_dir / "kill.toml").write_text("\n".join(registry), encoding="utf-8")
    db = db_url
    env = {
        **os.environ,
        "MEDIAWATCH_ALLOW_PRIVATE_ADDRESSES": "1",
        "MEDIAWATCH_PER_HOST_DELAY": "0",
        "MEDIAWATCH_EXTRACT_WORKERS": "2",
        "MEDIAWATCH_CONFIG": str(tmp_path / "none.toml"),
    }
    env.pop("MEDIAWATCH_DB", None)
    (tmp_path / "none.toml").write_text("", encoding="utf-8")

    rng = random.Random(int(os.environ.get("MEDIAWATCH_KILL_SEED", "20261124")))
    kills = 0
    for _ in range(6):
        proc = run_collect(env, db, feeds_dir)
        time.sleep(rng.uniform(0.3, 1.6))  # start-up is ~0.5 s: some kills land before, most during work
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    final = run_collect(env, db, feeds_dir)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    assert kills >= 3, "the kills should interrupt real work; slow the pages down if this fails"

    with open_store(db) as store:
        articles = store.list_articles(include_duplicates=True)
        assert store.pending_articles() == []
    assert len(articles) == FEEDS * ITEMS
    assert len({a.url for a in articles}) == FEEDS * ITEMS
    assert all(a.state is ArticleState.FETCHED for a in articles)
    for a in articles:
        feed, item = a.url.rsplit("/", 2)[-2:]
        assert f"marker-{feed}-{item}" in a.text
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        links = conn.execute(sa.text("SELECT COUNT(*) FROM article_sources")).scalar()
        aliases = conn.execute(sa.text("SELECT COUNT(DISTINCT article_id) FROM url_aliases")).scalar()
    engine.dispose()
    assert links == FEEDS * ITEMS
    assert aliases == FEEDS * ITEMS
