"""The command line: each command parses options and calls one library function.

What it prints for people speaks the user's language (``--lang``, ``MEDIAWATCH_LANG``, the locale; see
:mod:`mediawatch.i18n`); ``--help`` texts are click's and stay in English, and machine-readable output
(``--json``, ``--jsonl``, the key=value summary lines) is never translated.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from mediawatch import __version__
from mediawatch.config import Settings, database_url, load_settings
from mediawatch.errors import LockedError, MediawatchError
from mediawatch.i18n import LANGUAGES, t, tn, ui_language, use_language
from mediawatch.store import Store, open_store
from mediawatch.types import OutletType, Region, SourceKind

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_SOURCES_FAILED = 4


class Context:
    def __init__(self, settings: Settings, lang: str = "en") -> None:
        self.settings = settings
        self.lang = lang  # the language of what is printed for people (fr, en or es)
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(database_url(self.settings.db))
        return self._store


def current_lang() -> str:
    """The UI language of the running command: ``--lang`` once parsed, else the environment."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        obj = ctx.find_object(Context)
        if obj is not None:
            return obj.lang
        lang = ctx.find_root().params.get("lang")
        if isinstance(lang, str):
            return lang
    return ui_language()


def handle_errors(func: F) -> F:
    """Bad input and known failures become a one-line message and an exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LockedError as exc:
            click.echo(t("error.prefix", current_lang(), message=exc), err=True)
            sys.exit(EXIT_LOCKED)
        except MediawatchError as exc:
            click.echo(t("error.prefix", current_lang(), message=exc), err=True)
            sys.exit(EXIT_USAGE)
        except OSError as exc:
            # A file the command reads or writes that no code path above turned into a message: say
            # which and why, in the user's language, rather than a traceback.
            if exc.filename is None:
                raise
            from mediawatch.files import os_error_reason

            lang = current_lang()
            reason = os_error_reason(exc, exc.filename, lang)
            message = t("file.cannot_use", lang, path=exc.filename, reason=reason)
            click.echo(t("error.prefix", lang, message=message), err=True)
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


def parse_since(value: str | None, lang: str | None = None) -> datetime | None:
    """'2024-05-01', an ISO datetime, or a relative '7d' / '12h'."""
    if not value:
        return None
    text = value.strip()
    units = {"d": "days", "h": "hours", "w": "weeks"}
    if text[:-1].isdigit() and text[-1:] in units:
        return datetime.now(UTC) - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(t("error.not_a_date", lang or current_lang(), value=repr(value))) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _ui_lang_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """--lang must be fr, en or es; MEDIAWATCH_LANG and the locale are read leniently (fr_FR -> fr)."""
    if value and ctx.get_parameter_source(param.name or "lang") is ParameterSource.COMMANDLINE:
        if value.strip().lower() not in LANGUAGES:
            raise click.BadParameter(t("error.unknown_language", ui_language(), value=repr(value)))
    return ui_language(value)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mediawatch")
@click.option(
    "--db", envvar="MEDIAWATCH_DB", help="Database: a file path or an SQLAlchemy URL [env MEDIAWATCH_DB]."
)
@click.option(
    "--config", "config_path", envvar="MEDIAWATCH_CONFIG", help="TOML config file [env MEDIAWATCH_CONFIG]."
)
@click.option(
    "--feeds", "feeds_dir", envvar="MEDIAWATCH_FEEDS", help="Source registry folder [default: feeds]."
)
@click.option(
    "--lang",
    "lang",
    envvar="MEDIAWATCH_LANG",
    metavar="[fr|en|es]",
    callback=_ui_lang_option,
    help="Language of messages and tables, not of --help [env MEDIAWATCH_LANG, else the locale; default en].",
)
@click.pass_context
@handle_errors
def cli(
    ctx: click.Context, db: str | None, config_path: str | None, feeds_dir: str | None, lang: str
) -> None:
    """mediawatch: media watch, press review and newsletter pipeline."""
    use_language(lang)
    ctx.call_on_close(lambda: use_language(None))  # the choice lasts one command (tests run many)
    settings = load_settings(config_path).with_overrides(db=db, feeds_dir=feeds_dir)
    ctx.obj = Context(settings, lang)
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)


def main() -> None:
    cli(prog_name="mediawatch")


# -- sources ------------------------------------------------------------------------------------------
@cli.group()
def sources() -> None:
    """The source registry (feeds/*.toml) and its health."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--lang", help="Only sources declared in this language.")
@click.option("--disabled", is_flag=True, help="Include disabled sources.")
@click.pass_obj
@handle_errors
def sources_list(obj: Context, as_json: bool, lang: str | None, disabled: bool) -> None:
    """List the sources of the registry."""
    from mediawatch.cli_views import print_sources
    from mediawatch.sources.registry import load_registry

    found = [s for s in load_registry(obj.settings.feeds_dir) if (disabled or s.enabled)]
    if lang:
        found = [s for s in found if s.language == lang]
    print_sources(found, as_json, obj.lang)


@sources.command("add")
@click.option("--id", "source_id", required=True, help="Unique slug, e.g. le-monde-planete.")
@click.option("--name", required=True)
@click.option("--url", required=True, help="Feed or page URL (http/https).")
@click.option("--kind", type=click.Choice([k.value for k in SourceKind]), default="rss", show_default=True)
@click.option("--language", required=True, help="Declared language, ISO 639-1 (fr, en, es...).")
@click.option("--country", default="", help="ISO 3166-1 alpha-2 country code.")
@click.option("--region", type=click.Choice([r.value for r in Region]), default="global", show_default=True)
@click.option(
    "--outlet-type", type=click.Choice([o.value for o in OutletType]), default="press", show_default=True
)
@click.option("--tag", "tags", multiple=True, help="Tag (repeatable).")
@click.option(
    "--file", "filename", default="local.toml", show_default=True, help="Registry file to append to."
)
@click.pass_obj
@handle_errors
def sources_add(
    obj: Context,
    source_id: str,
    name: str,
    url: str,
    kind: str,
    language: str,
    country: str,
    region: str,
    outlet_type: str,
    tags: tuple[str, ...],
    filename: str,
) -> None:
    """Add a source to the registry."""
    from mediawatch.sources.registry import add_source
    from mediawatch.types import Source

    source = Source(
        id=source_id,
        name=name,
        url=url,
        kind=SourceKind(kind),
        language=language,
        country=country.upper(),
        region=Region(region),
        outlet_type=OutletType(outlet_type),
        tags=tags,
    )
    path = add_source(obj.settings.feeds_dir, source, filename)
    click.echo(t("sources.added", obj.lang, source=source_id, path=path))


@sources.command("disable")
@click.argument("source_id")
@click.pass_obj
@handle_errors
def sources_disable(obj: Context, source_id: str) -> None:
    """Disable a source (kept in the registry, not collected)."""
    from mediawatch.sources.registry import set_enabled

    path = set_enabled(obj.settings.feeds_dir, source_id, False)
    click.echo(t("sources.disabled", obj.lang, source=source_id, path=path))


@sources.command("enable")
@click.argument("source_id")
@click.pass_obj
@handle_errors
def sources_enable(obj: Context, source_id: str) -> None:
    """Enable a disabled source."""
    from mediawatch.sources.registry import set_enabled

    path = set_enabled(obj.settings.feeds_dir, source_id, True)
    click.echo(t("sources.enabled", obj.lang, source=source_id, path=path))


@sources.command("import-opml")
@click.argument("opml_file", type=click.Path(dir_okay=False))
@click.option(
    "--file", "filename", default="imported.toml", show_default=True, help="Registry file to add to."
)
@click.pass_obj
@handle_errors
def sources_import_opml(obj: Context, opml_file: str, filename: str) -> None:
    """Import the feeds of an OPML file into the registry (known URLs and ids are skipped).

    Good entries are imported; every bad one is reported with its line and why. Exit code 4 when some
    entries were bad.
    """
    from mediawatch.sources.manage import import_opml_file

    report = import_opml_file(obj.settings.feeds_dir, opml_file, filename)
    added = tn("sources.count.added", report.added, obj.lang)
    skipped = tn("sources.count.skipped", len(report.skipped), obj.lang)
    click.echo(t("sources.imported", obj.lang, added=added, file=filename, skipped=skipped))
    for line in report.skipped:
        click.echo("  " + t("sources.skipped", obj.lang, line=line))
    if report.bad:
        click.echo(tn("sources.opml.refused", len(report.bad), obj.lang, opml=opml_file), err=True)
        for problem in report.bad:
            where = problem.line if problem.line is not None else "?"
            text = t("sources.opml.bad", obj.lang, line=where, outline=problem.outline, reason=problem.reason)
            click.echo("  " + text, err=True)
        sys.exit(EXIT_SOURCES_FAILED)


@sources.command("export-opml")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.pass_obj
@handle_errors
def sources_export_opml(obj: Context, output: str | None) -> None:
    """Export the registry as OPML 2.0."""
    from mediawatch.sources.opml import export_opml
    from mediawatch.sources.registry import load_registry

    text = export_opml(load_registry(obj.settings.feeds_dir))
    if output:
        from mediawatch.files import write_text

        write_text(output, text, obj.lang)
        click.echo(t("sources.wrote", obj.lang, path=output))
    else:
        click.echo(text, nl=False)


@sources.command("check")
@click.argument("source_ids", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--mark-verified", is_flag=True, help="Set verified = true in the registry for sources that pass."
)
@click.pass_obj
@handle_errors
def sources_check(obj: Context, source_ids: tuple[str, ...], as_json: bool, mark_verified: bool) -> None:
    """Fetch and parse each source once (needs internet) and say whether it works."""
    from mediawatch.cli_views import print_checks
    from mediawatch.sources.check import check_sources

    results = check_sources(obj.settings, source_ids, mark_verified=mark_verified)
    print_checks(results, as_json, obj.lang)
    if any(not r.ok for r in results):
        sys.exit(EXIT_SOURCES_FAILED)


@sources.command("health")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, with the last fetch events.")
@click.option("--failing", is_flag=True, help="Only sources that fail or went stale.")
@click.pass_obj
@handle_errors
def sources_health(obj: Context, as_json: bool, failing: bool) -> None:
    """Collection health of every source: last status, failures, back-off, staleness."""
    from mediawatch.cli_views import print_health

    rows = obj.store.source_health(datetime.now(UTC), obj.settings.stale_days, events=as_json)
    if failing and rows:
        rows = [r for r in rows if r.notes]
        if not rows and not as_json:
            click.echo(t("sources.all_healthy", obj.lang))
            return
    print_health(rows, as_json, obj.lang)


# -- collect ------------------------------------------------------------------------------------------
@cli.command()
@click.option("--force", is_flag=True, help="Poll sources in back-off too.")
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
@click.option(
    "--feeds-only", is_flag=True, help="Poll feeds and store new entries; fetch pages on a later run."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
@click.pass_obj
@handle_errors
def collect(obj: Context, force: bool, only: tuple[str, ...], feeds_only: bool, as_json: bool) -> None:
    """Fetch due sources, extract new articles, record source health.

    Exit codes: 0 all sources fine, 3 another run is active, 4 some sources failed.
    """
    from mediawatch.cli_views import run_collect

    settings = obj.settings.with_overrides(fetch_pages=False) if feeds_only else obj.settings
    report = run_collect(obj.store, settings, only, force=force, as_json=as_json, lang=obj.lang)
    if report.failed:
        sys.exit(EXIT_SOURCES_FAILED)


# -- articles -----------------------------------------------------------------------------------------
@cli.group()
def articles() -> None:
    """Collected articles."""


@articles.command("list")
@click.option("--since", help="Only articles published since (2024-05-01, 7d, 12h).")
@click.option("--lang", help="Only this language.")
@click.option("--source", help="Only articles from this source id.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@click.option("--duplicates", is_flag=True, help="Include exact duplicates (same title elsewhere).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, with text.")
@click.pass_obj
@handle_errors
def articles_list(
    obj: Context,
    since: str | None,
    lang: str | None,
    source: str | None,
    limit: int | None,
    duplicates: bool,
    as_json: bool,
) -> None:
    """Show what was collected, newest first."""
    from mediawatch.cli_views import print_articles

    rows = obj.store.list_articles(
        since=parse_since(since, obj.lang),
        language=lang,
        source=source,
        include_duplicates=duplicates,
        limit=limit,
    )
    print_articles(rows, as_json, obj.lang)


@articles.command("add")
@click.argument("url", required=False)
@click.option("--manual", is_flag=True, help="A print, radio or TV item typed by hand, not fetched.")
@click.option("--title", default="", help="--manual: the item's title.")
@click.option("--outlet", default="", help="--manual: the newspaper, radio or TV channel.")
@click.option("--date", "date_", default="", help="--manual: publication date (2024-05-01).")
@click.option("--summary", default="", help="--manual: a few lines on what it says.")
@click.option("--url", "item_url", default="", help="--manual: a web address for the item, if it has one.")
@click.option("--language", default=None, help="Its language (fr, en, es...), instead of the detected one.")
@click.option("--region", default=None, help="Its region (africa, europe...), instead of the detected ones.")
@click.option("--note", default="", help="A note for the editors.")
@click.option(
    "--as",
    "added_by",
    envvar="MEDIAWATCH_USER",
    default="",
    help="Who adds it: a user [env MEDIAWATCH_USER].",
)
@click.option("--json", "as_json", is_flag=True, help="The result as one JSON object.")
@click.pass_obj
@handle_errors
def articles_add(
    obj: Context,
    url: str | None,
    manual: bool,
    title: str,
    outlet: str,
    date_: str,
    summary: str,
    item_url: str,
    language: str | None,
    region: str | None,
    note: str,
    added_by: str,
    as_json: bool,
) -> None:
    """Add an article: fetch URL under the collector's rules, or --manual for print, radio and TV.

    Either way it is deduplicated, classified and grouped into a story at once. Prints whether it was
    added, already known (which article and story) or refused (why); a refusal exits with status 1.
    """
    from mediawatch.errors import ConfigError
    from mediawatch.watch.add import AddStatus, ManualItem, add_manual, add_url

    if manual == bool(url):
        raise ConfigError(t("add.url_or_manual", obj.lang))
    if manual:
        item = ManualItem(title, outlet, date_, language or "", summary, item_url)
        result = add_manual(
            obj.store, obj.settings, item, added_by=added_by, region=region, note=note, lang=obj.lang
        )
    else:
        extra = next(
            (
                f"--{n}"
                for n, v in (
                    ("title", title),
                    ("outlet", outlet),
                    ("date", date_),
                    ("summary", summary),
                    ("url", item_url),
                )
                if v
            ),
            None,
        )
        if extra:
            raise ConfigError(t("add.manual_only", obj.lang, option=extra))
        assert url is not None
        result = add_url(
            obj.store,
            obj.settings,
            url,
            added_by=added_by,
            language=language,
            region=region,
            note=note,
            lang=obj.lang,
        )
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        click.echo(result.message(obj.lang), err=result.status is AddStatus.REFUSED)
    if result.status is AddStatus.REFUSED:
        sys.exit(getattr(result.cause, "exit_code", EXIT_ERROR))


# -- classify -----------------------------------------------------------------------------------------
@cli.command()
@click.option("--all", "everything", is_flag=True, help="Reclassify every article (after a taxonomy change).")
@click.option("--jsonl", is_flag=True, help="Read JSON lines on stdin, write results on stdout; no database.")
@click.pass_obj
@handle_errors
def classify(obj: Context, everything: bool, jsonl: bool) -> None:
    """Language, relevance, themes, regions and objectives of collected articles; then group stories.

    With --jsonl, each input line is {"id", "title", "summary", "text", "url", "feed_language"} (all but id
    optional); each output line has language, language_confidence, relevant, relevance, matched_terms,
    themes, regions, objectives. A bad line gets an error line naming it, and the rest go on.
    """
    from mediawatch.classify.pipeline import classify_jsonl, classify_stored, load_classifier

    classifier = load_classifier(obj.settings)
    if jsonl:
        stdin = sys.stdin
        for record in classify_jsonl(stdin, classifier):
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    report = classify_stored(obj.store, classifier, everything=everything)
    click.echo(report.summary_line())
    from mediawatch.classify.grouping import group_stories

    click.echo(group_stories(obj.store, obj.settings).summary_line())


@cli.command()
@click.option("--no-labelled", is_flag=True, help="Train on editors' decisions only, not the labelled set.")
@click.pass_obj
@handle_errors
def retrain(obj: Context, no_labelled: bool) -> None:
    """Retrain the learned relevance model from editors' accept/reject decisions and the labelled set.

    The model is blended with the taxonomy score on the next `mediawatch classify` (use --all to rescore).
    Each database has its own model file (beside an SQLite file; keyed to the URL for PostgreSQL), unless
    the model_path setting names one.
    """
    from mediawatch.classify.evaluate import GOLD_DIR
    from mediawatch.classify.pipeline import retrain as run_retrain

    gold = [] if no_labelled else [p for p in (GOLD_DIR / "dev.jsonl",) if p.exists()]
    report = run_retrain(obj.store, obj.settings, gold)
    decisions = tn("retrain.decisions", report.decisions, obj.lang)
    labelled = tn("retrain.gold", report.gold, obj.lang)
    click.echo(t("retrain.done", obj.lang, decisions=decisions, gold=labelled, path=report.path))


# -- stories ------------------------------------------------------------------------------------------
@cli.group()
def stories() -> None:
    """Stories: the same news told by several outlets, grouped."""


@stories.command("list")
@click.option("--since", help="Only stories with an article since (2024-05-01, 7d, 12h).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story.")
@click.option("--all", "show_all", is_flag=True, help="Include single-article stories.")
@click.pass_obj
@handle_errors
def stories_list(obj: Context, since: str | None, as_json: bool, show_all: bool) -> None:
    """Stories with every outlet and language that told them, newest first."""
    from mediawatch.classify.grouping import list_stories
    from mediawatch.cli_views import print_stories

    found = list_stories(obj.store, since=parse_since(since, obj.lang))
    if not show_all:
        found = [s for s in found if len(s.articles) > 1]
    print_stories(found, as_json, obj.lang)


@stories.command("group")
@click.option("--jsonl", is_flag=True, help="Read JSON lines on stdin, write {id, story} lines; no database.")
@click.pass_obj
@handle_errors
def stories_group(obj: Context, jsonl: bool) -> None:
    """Group articles into stories: the stored articles not yet grouped, or JSON lines with --jsonl.

    With --jsonl, each input line is {"id", "title", "text" or "summary", "language", "published"} (all but
    id optional; published in ISO 8601) and each output line is {"id", "story"}, the story being the id of
    its first-published article: the same decision as the stored grouping. A bad line gets an error line.
    """
    from mediawatch.classify.grouping import group_jsonl, group_stories

    if jsonl:
        for record in group_jsonl(sys.stdin, obj.settings.story_window_days):
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    click.echo(group_stories(obj.store, obj.settings).summary_line())


# -- extract ------------------------------------------------------------------------------------------
@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--url", "base_url", help="The URL the (single) file was fetched from.")
@click.option("--json", "as_json", is_flag=True, default=True, help="One JSON line per input (the default).")
@click.pass_obj
@handle_errors
def extract(obj: Context, inputs: tuple[str, ...], base_url: str | None, as_json: bool) -> None:
    """Extract title, text, author, date and site name from HTML files (.html, .html.gz) or URLs."""
    from mediawatch.collect.extract_cli import extract_inputs

    failed = False
    for line in extract_inputs(inputs, obj.settings, base_url):
        failed = failed or "error" in line
        click.echo(json.dumps(line, ensure_ascii=False))
    if failed:
        sys.exit(EXIT_ERROR)


# -- later stages: each keeps its commands in its own module and registers them here ----------------
if __name__ == "__main__":
    # Run as a script this file is `__main__`, not `mediawatch.cli`: import the real module, which
    # registers the later stages' commands, instead of registering them twice.
    from mediawatch.cli import main as registered_main

    registered_main()
else:
    from mediawatch import (
        cli_compose,  # noqa: E402,F401  (registers its commands)
        cli_deliver,  # noqa: E402,F401  (registers its commands)
        cli_nightly,  # noqa: E402,F401  (registers its commands)
        cli_render,  # noqa: E402,F401  (registers its commands)
        cli_report,  # noqa: E402,F401  (registers its commands)
        cli_review,  # noqa: E402,F401  (registers its commands)
    )
