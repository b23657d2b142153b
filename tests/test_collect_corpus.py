"""Every real-world feed document of ../shared/corpus, served over HTTP and collected.

Each document must end as a recorded status on its source (ok, empty, not-a-feed, parse-error) with a
readable detail for failures; none may crash the run or take the other sources down with it. Pages are not
fetched (their links point at real sites, and no test reaches the internet).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from mediawatch.collect.pipeline import collect
from mediawatch.config import Settings
from mediawatch.store import open_store
from mediawatch.types import FetchStatus, Source, SourceKind

FOLDERS = [
    "feedparser_tests",
    "feed_rs_fixtures",
    "rss_parser_js",
    "gofeed_testdata",
    "prof18_rssparser_feeds",
]
SKIP_SUFFIXES = (".json", ".txt", ".md")
ACCEPTED = {FetchStatus.OK, FetchStatus.EMPTY, FetchStatus.NOT_A_FEED, FetchStatus.PARSE_ERROR}
SETTINGS = Settings(allow_private_addresses=True, per_host_delay=0.0, fetch_pages=False, concurrency=16)


@pytest.mark.corpus
@pytest.mark.parametrize("folder", FOLDERS)
def test_every_corpus_document_is_ingested_or_rejected_with_a_reason(
    folder, hostile_server, tmp_path, corpus_dir
):
    root = corpus_dir(folder)
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(SKIP_SUFFIXES) and not p.name.startswith(("LICENSE", "README"))
    )
    assert files, f"no documents under {root}"
    hostile_server.serve_directory("/c/", root)
    sources = [
        Source(
            id=f"doc-{i}",
            name=str(p.relative_to(root)),
            kind=SourceKind.RSS,
            language="en",
            url=hostile_server.url("/c/" + quote(str(p.relative_to(root)))),
        )
        for i, p in enumerate(files)
    ]
    with open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}") as store:
        report = collect(store, sources, SETTINGS)
        health = store.source_health(datetime.now(UTC), 14)
        stored = len(store.list_articles(include_duplicates=True))
    assert len(health) == len(sources)
    outcomes = Counter(h.last_status for h in health)
    print(
        f"\n{folder}: {len(sources)} documents -> "
        + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
    )
    unexpected = {
        h.source_id: (h.last_status, h.events[0].detail) for h in health if h.last_status not in ACCEPTED
    }
    assert not unexpected, unexpected
    for h in health:
        if h.last_status in (FetchStatus.NOT_A_FEED, FetchStatus.PARSE_ERROR):
            assert h.events[0].detail, h.source_id
    assert report.new_articles == stored
    assert outcomes[FetchStatus.OK] > 0
