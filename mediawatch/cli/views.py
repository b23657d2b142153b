"""How the CLI shows things: rich tables on a terminal, JSON lines for scripts.

Titles, column headers and messages come from the FR/EN/ES catalogues (:mod:`mediawatch.i18n`); ``lang``
defaults to :func:`mediawatch.i18n.ui_language`. JSON output and the key=value summary lines are for
scripts and stay untranslated; values that are data (source ids, statuses, titles) are shown as they are,
but a language, a region or an outlet type is said in words, as the watch page says it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mediawatch.collect.pipeline import collect
from mediawatch.collect.report import CollectReport
from mediawatch.config import Settings
from mediawatch.errors import WaitTimedOut
from mediawatch.i18n import and_list, language_name, t, tn, ui_language
from mediawatch.i18n.dates import format_datetime
from mediawatch.i18n.regions import region_name
from mediawatch.i18n.themes import theme_name
from mediawatch.sources.health import fetch_label, health_notes
from mediawatch.store import Store
from mediawatch.types import Article, ArticleState, PartialReason, Source, SourceHealth
from mediawatch.watch.service import OUTLET_TYPE_KEYS

log = logging.getLogger("mediawatch")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _emit_json(record: dict[str, Any]) -> None:
    click.echo(json.dumps(_jsonable(record), ensure_ascii=False))


def _console() -> Console:
    # Piped output (cron mail, `make demo` logs) gets a readable width instead of rich's default 80.
    return Console() if sys.stdout.isatty() else Console(width=150)


def _when(value: datetime | None, lang: str) -> str:
    # As the staff pages write a time; the table says its zone once under it (_times_in_utc).
    return format_datetime(value, lang) if value else "-"


def _times_in_utc(lang: str) -> None:
    click.echo(t("review.cli.times_utc", lang))


def _yes_no(value: bool, lang: str) -> str:
    return t("common.yes", lang) if value else t("common.no", lang)


_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))


class _PlainTable(Table):
    """Cells are plain text: a title like "[red]" or "[fr]" comes from the web and is shown as written,
    never read as rich markup; control characters (terminal escapes) are dropped."""

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        plain = [Text(c.translate(_CONTROL)) if isinstance(c, str) else c for c in cells]
        super().add_row(*plain, **kwargs)


def _table(title: str, columns: Sequence[str], lang: str) -> Table:
    """A table titled ``title`` whose headers are the ``column.<name>`` texts of ``lang``."""
    table = _PlainTable(title=title)
    for col in columns:
        table.add_column(t(f"column.{col}", lang), overflow="fold")
    return table


def print_sources(sources: Sequence[Source], as_json: bool, lang: str | None = None) -> None:
    if as_json:
        for s in sources:
            _emit_json(asdict(s))
        return
    lang = ui_language(lang)
    columns = ("id", "lang", "kind", "region", "type", "enabled", "verified", "url")
    table = _table(tn("count.sources", len(sources), lang), columns, lang)
    for s in sources:
        table.add_row(
            s.id,
            language_name(s.language, lang),
            s.kind.value,
            region_name(s.region, lang),
            t(OUTLET_TYPE_KEYS[s.outlet_type], lang),
            _yes_no(s.enabled, lang),
            _yes_no(s.verified, lang),
            s.url,
        )
    _console().print(table)


def print_health(rows: Sequence[SourceHealth], as_json: bool, lang: str | None = None) -> None:
    if as_json:
        for r in rows:
            _emit_json(asdict(r))
        return
    lang = ui_language(lang)
    if not rows:
        click.echo(t("sources.health_empty", lang))
        return
    columns = ("source", "status", "last_fetch", "last_success", "fails", "next_due", "stale_days", "notes")
    table = _table(t("title.health", lang), columns, lang)
    for r in rows:
        status = fetch_label(r.last_status, lang) if r.last_status else t("common.never", lang)
        style = "red" if r.consecutive_failures else ("yellow" if r.notes else "")
        table.add_row(
            r.source_id,
            status,
            _when(r.last_fetch, lang),
            _when(r.last_success, lang),
            str(r.consecutive_failures),
            _when(r.next_due, lang),
            "-" if r.stale_days is None else str(r.stale_days),
            "; ".join(health_notes(r, lang)),
            style=style,
        )
    _console().print(table)
    _times_in_utc(lang)


# Literal keys (the i18n scans read them): an article's state and partial reason in words.
ARTICLE_STATE_KEYS = {
    ArticleState.PENDING: "article.state.pending",
    ArticleState.FETCHED: "article.state.fetched",
    ArticleState.PARTIAL: "article.state.partial",
}
PARTIAL_KEYS = {
    PartialReason.PAYWALL: "article.partial.paywall",
    PartialReason.BLOCKED: "article.partial.blocked",
    PartialReason.TOO_SHORT: "article.partial.too_short",
    PartialReason.NOT_HTML: "article.partial.not_html",
    PartialReason.FETCH_FAILED: "article.partial.fetch_failed",
    PartialReason.ROBOTS: "article.partial.robots",
    PartialReason.PRIVATE_ADDRESS: "article.partial.private_address",
    PartialReason.EXTRACTION_FAILED: "article.partial.extraction_failed",
}


def article_state(article: Article, lang: str) -> str:
    """An article's state in ``lang``, and why only the summary was kept ("summary only (paywall)")."""
    if article.partial_reason is not None:
        return t("article.state.partial_because", lang, reason=t(PARTIAL_KEYS[article.partial_reason], lang))
    return t(ARTICLE_STATE_KEYS[article.state], lang)


def print_articles(rows: Sequence[Article], as_json: bool, lang: str | None = None) -> None:
    if as_json:
        for a in rows:
            _emit_json(asdict(a))
        return
    lang = ui_language(lang)
    columns = ("id", "published", "lang", "state", "title", "sources")
    table = _table(tn("count.articles", len(rows), lang), columns, lang)
    for a in rows:
        table.add_row(
            str(a.id),
            _when(a.published, lang),
            language_name(a.language, lang),
            article_state(a, lang),
            a.title[:90],
            ", ".join(a.source_ids),
        )
    _console().print(table)
    if rows:
        _times_in_utc(lang)


def print_classified(store: Store, lang: str | None = None) -> None:
    """Articles with their classification: what a media watcher reads first."""
    lang = ui_language(lang)
    results = {int(c.id): c for c in store.classifications()}
    relevant = sum(c.relevant for c in results.values())
    title = t("title.classified", lang, relevant=relevant, total=len(results))
    table = _table(title, ("id", "lang", "relevant", "score", "title", "themes", "regions"), lang)
    for a in store.list_articles():
        c = results.get(a.id)
        if c is None:
            continue
        table.add_row(
            str(a.id),
            language_name(c.language, lang),
            _yes_no(c.relevant, lang),
            f"{c.relevance:.2f}",
            a.title[:70],
            ", ".join(theme_name(x, lang) for x in c.themes),
            ", ".join(region_name(r, lang) for r in c.regions),
            style="" if c.relevant else "dim",
        )
    _console().print(table)


def print_stories(stories: Sequence[Any], lang: str | None = None) -> None:
    """The stories as a table for people (`stories list --json` prints `stories show --json` records)."""
    lang = ui_language(lang)
    columns = ("story", "latest", "title", "also_in", "languages")
    table = _table(tn("count.stories", len(stories), lang), columns, lang)
    for s in stories:
        lead = s.articles[0]
        also = ", ".join(s.outlets[1:]) if len(s.outlets) > 1 else "-"
        languages = and_list([language_name(code, lang) for code in s.languages], lang)  # words, not codes
        table.add_row(str(s.id), _when(s.latest, lang), lead.title[:80], also, languages)
    _console().print(table)
    if stories:
        _times_in_utc(lang)


class RichProgress:
    """Progress bars on stderr for interactive runs."""

    def __init__(self, progress: Progress, lang: str | None = None) -> None:
        self._p = progress
        self._feeds = progress.add_task(t("progress.feeds", lang), total=0)
        self._pages = progress.add_task(t("progress.pages", lang), total=0)

    def feeds_total(self, n: int) -> None:
        self._p.update(self._feeds, total=n)

    def feed_done(self, source_id: str, status: str) -> None:
        self._p.advance(self._feeds)

    def pages_added(self, n: int) -> None:
        task = self._p.tasks[self._pages]
        self._p.update(self._pages, total=(task.total or 0) + n)

    def page_done(self) -> None:
        self._p.advance(self._pages)


def run_collect(
    store: Store,
    settings: Settings,
    only: Sequence[str],
    *,
    force: bool,
    as_json: bool,
    lang: str | None = None,
    wait: bool = False,
    timeout: float | None = None,
) -> CollectReport | None:
    """Collect in this process, or with a broker enqueue the run (and ``wait`` for its report, at most
    ``timeout`` seconds: then :class:`~mediawatch.errors.WaitTimedOut`)."""
    from mediawatch.sources.registry import collectable_registry

    lang = ui_language(lang)

    sources = collectable_registry(settings.feeds_dir)
    if only:
        unknown = set(only) - {s.id for s in sources}
        if unknown:
            raise click.BadParameter(
                t("error.unknown_sources", lang, ids=", ".join(sorted(unknown))), param_hint="--source"
            )
        sources = [s for s in sources if s.id in only]
    if settings.broker_url:
        from mediawatch.cluster.broker import broker_errors, connect
        from mediawatch.cluster.runs import enqueue_run, wait_for_run
        from mediawatch.i18n import said

        cluster = connect(settings)
        run_id = enqueue_run(cluster, store, sources, settings, force=force)
        if not wait:
            if as_json:
                _emit_json({"run": run_id, "status": "enqueued"})
            else:
                click.echo(t("cluster.enqueued", lang, run=run_id))
            return None
        with broker_errors(settings):  # gone while waiting: the run stays the workers', said in one line
            report = wait_for_run(
                store,
                run_id,
                cluster=cluster,
                on_idle=lambda run: click.echo(t("cluster.no_progress", lang, run=run), err=True),
                timeout=timeout,
            )
        if report is None:
            raise said(WaitTimedOut, "cluster.wait_timed_out", run=run_id, seconds=f"{timeout:g}")
    else:
        report = _collect_here(store, settings, sources, force=force, as_json=as_json, lang=lang)
    _print_collect(report, as_json, lang)
    return report


def _collect_here(
    store: Store, settings: Settings, sources: Sequence[Any], *, force: bool, as_json: bool, lang: str
) -> CollectReport:
    if sys.stderr.isatty() and not as_json:
        columns = (
            TextColumn("{task.description:>6}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            return collect(store, sources, settings, force=force, progress=RichProgress(bar, lang))
    return collect(store, sources, settings, force=force)


def _print_collect(report: CollectReport, as_json: bool, lang: str) -> None:
    """The summary line (never translated), then the failures and deferrals for people."""
    if as_json:
        _emit_json(report.as_dict())
    else:
        click.echo(report.summary_line())  # key=value for logs and scripts: never translated
        for source_id, status, detail in report.failures:
            click.echo("  " + t("collect.failed", lang, source=source_id, status=status, detail=detail))
        for host, count in sorted(report.budget_deferred.items()):
            setting = report.budget_reasons.get(host, "")
            click.echo("  " + tn("collect.deferred", count, lang, host=host, setting=setting))


def print_checks(results: Sequence[Any], as_json: bool, lang: str | None = None) -> None:
    if as_json:
        for r in results:
            _emit_json(asdict(r))
        return
    lang = ui_language(lang)
    columns = ("source", "result", "status", "entries", "detail")
    table = _table(t("title.check", lang), columns, lang)
    for r in results:
        table.add_row(
            r.source_id,
            t("common.ok", lang) if r.ok else t("common.fail", lang),
            fetch_label(r.status, lang),
            str(r.entries),
            r.detail,
            style="" if r.ok else "red",
        )
    _console().print(table)
