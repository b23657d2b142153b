"""A database holding the demo sites collected, classified and grouped into stories (built once per
test session, copied by each test that changes it)."""

from __future__ import annotations

from pathlib import Path

from mediawatch.classify.grouping import group_stories
from mediawatch.classify.pipeline import classify_stored, load_classifier
from mediawatch.collect.pipeline import collect
from mediawatch.config import Settings
from mediawatch.demo.__main__ import write_registry
from mediawatch.demo.server import DemoServer
from mediawatch.sources.registry import load_registry
from mediawatch.store import open_store


def build_classified_demo_db(folder: Path, url: str = "") -> str:
    """Fill the database at ``url`` (default: an SQLite file in ``folder``); returns its URL."""
    url = url or f"sqlite:///{folder / 'demo.sqlite3'}"
    with DemoServer() as server:
        feeds = folder / "feeds"
        write_registry(server.base_url, feeds)
        settings = Settings(
            allow_private_addresses=True,
            per_host_delay=0.0,
            extract_workers=1,
            model_path=str(folder / "no-model.npz"),
        )
        with open_store(url) as store:
            collect(store, load_registry(feeds), settings)
            classify_stored(store, load_classifier(settings))
            group_stories(store, settings)
    return url
