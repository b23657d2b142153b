"""`make demo`: serve the sample sites locally, run the main job on them, show what came out.

Everything happens under ./.demo (database, registry pointing at the local server), reset on every run
so the demo always starts from the same state. No internet is needed.
"""

from __future__ import annotations

import shutil
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import tomlkit

from mediawatch.classify.evaluate import GOLD_DIR
from mediawatch.classify.grouping import list_stories
from mediawatch.classify.pipeline import retrain
from mediawatch.cli.views import print_articles, print_classified, print_health, print_stories
from mediawatch.compose.issues import find_issue
from mediawatch.config import Settings, database_url
from mediawatch.demo.blocks import DEMO_BLOCKS
from mediawatch.demo.server import DemoServer, demo_sources
from mediawatch.nightly import json_logging, run_nightly
from mediawatch.nightly.cadence import WEEKDAYS
from mediawatch.render import render_issue
from mediawatch.report import build_report
from mediawatch.report.html import render_report_html
from mediawatch.review.actions import approve, submit
from mediawatch.review.demo import DEMO_ACCOUNTS, demo_instructions, ensure_demo_accounts
from mediawatch.review.users import acting_user
from mediawatch.sources.registry import load_registry
from mediawatch.store import Store, open_store
from mediawatch.types import Publication

WORKDIR = Path(".demo")
EXPLORE_COMMANDS = (
    "sources health", "issues list", "stories list --all", "articles search 'sols carbone'",
    "classify --all",
)  # fmt: skip


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


# The demo's settings a person exploring it needs too: above all the model the demo trained (model_path),
# which a bare `--db .demo/mediawatch.sqlite3` would not find (it looks beside the database, then falls
# back to the packaged base model), and the local sources it may fetch.
EXPLORE_SETTINGS = (
    "db", "feeds_dir", "model_path", "allow_private_addresses", "per_host_delay", "extract_workers",
    "issues_dir", "nightly_drafts_dir", "nightly_press_review", "nightly_newsletter", "log_file",
)  # fmt: skip


def write_config(settings: Settings, path: Path, db_file: Path) -> Path:
    """The demo's settings as a config file, for the commands it prints (`--config .demo/config.toml`)."""
    doc = tomlkit.document()
    doc.add(tomlkit.comment("The demo's settings (written by `make demo`): mediawatch --config " + str(path)))
    for name in EXPLORE_SETTINGS:
        value = str(db_file) if name == "db" else getattr(settings, name)
        doc.add(name, value)
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    return path


def demo_cadences(today: date) -> tuple[datetime, str, str]:
    """A moment and cadences that make both publications due over the demo's articles (dated relative to
    today): the run looks from tomorrow 00:00 UTC, a weekly press review and a monthly newsletter."""
    now = datetime.combine(today + timedelta(days=1), time(0, 0), tzinfo=UTC)
    weekly = f"weekly:{WEEKDAYS[now.weekday()]}"
    monthly = f"monthly:{now.day}" if now.day <= 28 else weekly
    return now, weekly, monthly


def add_demo_blocks(store: Store, slug: str) -> None:
    issue = find_issue(store, slug)
    for lang, blocks in DEMO_BLOCKS.items():
        if lang in issue.languages:
            for kind, title, body in blocks:
                store.add_block(issue.id, lang, kind, title=title, body=body, actor="demo-editor")


def approve_as_demo_team(store: Store, slug: str, settings: Settings) -> None:
    """What the review app does with two people: the editor submits, the approver approves each edition."""
    (editor, _), (approver, _) = DEMO_ACCOUNTS
    issue = find_issue(store, slug)
    submit(store, issue.id, acting_user(store, editor))
    for lang in issue.languages:
        approve(store, issue.id, lang, acting_user(store, approver), settings)


def run(workdir: Path = WORKDIR, issues_dir: Path = Path("issues")) -> int:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    db_file = workdir / "mediawatch.sqlite3"
    db = database_url(str(db_file))
    now, weekly, monthly = demo_cadences(datetime.now(UTC).date())
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
            issues_dir=str(issues_dir),
            nightly_drafts_dir=str(workdir / "drafts"),
            nightly_press_review=weekly,
            nightly_newsletter=monthly,
            log_file=str(workdir / "nightly.log"),
        )
        config = write_config(settings, workdir / "config.toml", db_file)
        sources = load_registry(feeds)
        print(f"demo server: {server.base_url}  ({len(sources)} sample sources)")
        with open_store(db) as store:
            print("\nTrain the relevance model on the labelled set (what `mediawatch retrain` does):")
            trained = retrain(store, settings, [p for p in (GOLD_DIR / "dev.jsonl",) if p.exists()])
            print(f"  {trained.gold} labelled items, {trained.decisions} editor decisions -> {trained.path}")
            print("\n`mediawatch nightly`: collect -> classify -> compose the drafts that are due")
            print(f"({weekly} press review, {monthly} newsletter) -> render them -> tell the editors")
            print("(the demo has no SMTP server: the editors' email is skipped)")
            with json_logging(settings) as log:
                first = run_nightly(store, settings, log=log, now=now)
            print(first.summary_line())
            print("  (exit 4: some demo sources are broken on purpose; their errors are on record)")
            print_articles(store.list_articles(), as_json=False)
            print_health(
                store.source_health(datetime.now(UTC), settings.stale_days, events=False), as_json=False
            )
            print_classified(store)
            print_stories([s for s in list_stories(store) if len(s.articles) > 1])
            print("\nSecond nightly run (nothing changed on the server, drafts already composed):")
            with json_logging(settings) as log:
                again = run_nightly(store, settings, log=log, now=now)
            print(again.summary_line())

            print("\nThe editors add their blocks to the newsletter; demo-editor submits both drafts and")
            print("demo-approver approves them (four-eyes), so they go to the public archive, which shows")
            print(f"approved issues only (a draft is rendered into {settings.nightly_drafts_dir}/ instead):")
            if settings.translate_provider == "none":
                print("  translation is off in the demo (no service is reachable offline): items keep their")
                print("  own words with a language badge; set [translate] provider to translate (README).")
            ensure_demo_accounts(store)
            written: list[Path] = []
            for slug in first.composed:
                if slug.startswith(Publication.NEWSLETTER.value):
                    add_demo_blocks(store, slug)
                approve_as_demo_team(store, slug, settings)
                written += [p for p in render_issue(store, slug, settings) if p.suffix == ".html"]
            period_from = now - timedelta(days=30)
            report = build_report(store, period_from, now, now=now, stale_days=settings.stale_days)
            reports = []
            for lang in ("en", "fr", "es"):
                path = workdir / f"report.{lang}.html"
                path.write_text(render_report_html(report, lang, organisation=settings.organisation), "utf-8")
                reports.append(path)
    print("\nOpen in a browser:")
    for path in dict.fromkeys(written):
        print(f"  {path}")
    print("  the media-watch report (last 30 days): " + ", ".join(str(p) for p in reports))
    print(f"  the nightly log (one JSON line per event): {workdir / 'nightly.log'}")
    print("\n" + demo_instructions(f"--config {config}"))
    print("\nExplore the demo with its settings (its database, sources and the model it trained), e.g.:")
    for command in EXPLORE_COMMANDS:
        print(f"  .venv/bin/mediawatch --config {config} {command}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
