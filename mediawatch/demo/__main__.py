"""`make demo`: serve the sample sites locally, run the main job on them, show what came out.

Everything happens under ./.demo (database, registry pointing at the local server), reset on every run
so the demo always starts from the same state. No internet is needed.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import tomlkit

from mediawatch.classify.evaluate import GOLD_DIR
from mediawatch.classify.grouping import group_stories, list_stories
from mediawatch.classify.pipeline import classify_stored, load_classifier, retrain
from mediawatch.cli_views import print_articles, print_classified, print_health, print_stories
from mediawatch.collect.pipeline import collect
from mediawatch.config import Settings, database_url
from mediawatch.demo.server import DemoServer, demo_sources
from mediawatch.sources.registry import load_registry
from mediawatch.store import open_store

WORKDIR = Path(".demo")


def write_registry(base_url: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Demo sources served by the local demo server (written by `make demo`)."))
    tables = tomlkit.aot()
    for entry in demo_sources(base_url):
        tables.append(tomlkit.item(entry))
    doc.add("source", tables)
    path = folder / "demo.toml"
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return path


def run(workdir: Path = WORKDIR) -> int:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    db = database_url(str(workdir / "mediawatch.sqlite3"))
    with DemoServer() as server:
        feeds = workdir / "feeds"
        write_registry(server.base_url, feeds)
        settings = Settings(
            db=db,
            feeds_dir=str(feeds),
            allow_private_addresses=True,  # the demo's sources live on 127.0.0.1
            model_path=str(workdir / "relevance-model.npz"),
            per_host_delay=0.02,
            extract_workers=1,
        )
        sources = load_registry(feeds)
        print(f"demo server: {server.base_url}  ({len(sources)} sample sources)")
        with open_store(db) as store:
            report = collect(store, sources, settings)
            print(report.summary_line())
            for source_id, status, detail in report.failures:
                print(f"  failed (as intended in the demo) {source_id}: {status}: {detail}")
            print_articles(store.list_articles(), as_json=False)
            print_health(
                store.source_health(datetime.now(UTC), settings.stale_days, events=False), as_json=False
            )
            print("\nSecond run (nothing changed on the server):")
            again = collect(store, sources, settings)
            print(again.summary_line())
            print("\nTrain the relevance model on the labelled set (what `mediawatch retrain` does):")
            trained = retrain(store, settings, [p for p in (GOLD_DIR / "dev.jsonl",) if p.exists()])
            print(f"  {trained.gold} labelled items, {trained.decisions} editor decisions -> {trained.path}")
            print("\nClassify (language, relevance, themes, regions) and group stories:")
            classifier = load_classifier(settings)
            print(classify_stored(store, classifier).summary_line())
            print(group_stories(store, settings).summary_line())
            print_classified(store)
            print_stories([s for s in list_stories(store) if len(s.articles) > 1], as_json=False)
    print(f"\nThe demo database is {workdir / 'mediawatch.sqlite3'}; explore it with, for example:")
    print(f"  .venv/bin/mediawatch --db {workdir / 'mediawatch.sqlite3'} --feeds {feeds} articles list")
    print(f"  .venv/bin/mediawatch --db {workdir / 'mediawatch.sqlite3'} --feeds {feeds} sources health")
    print(f"  .venv/bin/mediawatch --db {workdir / 'mediawatch.sqlite3'} stories list --all")
    return 0


if __name__ == "__main__":
    sys.exit(run())
