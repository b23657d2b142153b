"""`mediawatch sources ...`: the source registry (feeds/*.toml) and its health."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from mediawatch.cli.context import (
    EXIT_SOURCES_FAILED,
    Context,
    handle_errors,
)
from mediawatch.i18n import t, tn
from mediawatch.types import OutletType, Region, SourceKind


@click.group()
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
    from mediawatch.cli.views import print_sources
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
    from mediawatch.i18n import unknown_article_language
    from mediawatch.sources.registry import add_source, new_source_problem
    from mediawatch.types import Source

    why = unknown_article_language(language, obj.lang)
    if why is not None:
        raise click.BadParameter(why, param_hint="--language")
    language = language.strip().lower()

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
    refused = new_source_problem(obj.settings.feeds_dir, source)
    if refused is not None:
        field, problem = refused
        raise click.BadParameter(problem.text(obj.lang), param_hint=f"--{field}" if field else None)
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
    written = Path(obj.settings.feeds_dir) / filename  # a timer's folder is not the reader's: say where
    click.echo(t("sources.imported", obj.lang, added=added, file=written, skipped=skipped))
    for line in report.skipped:
        click.echo("  " + t("sources.skipped", obj.lang, line=line))
    if report.bad:
        click.echo(tn("sources.opml.refused", len(report.bad), obj.lang, opml=opml_file), err=True)
        for problem in report.bad:
            where = problem.line if problem.line is not None else "?"
            reason = problem.reason.text(obj.lang)
            text = t("sources.opml.bad", obj.lang, line=where, outline=problem.outline, reason=reason)
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
    from mediawatch.cli.views import print_checks
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
    from mediawatch.cli.views import print_health

    rows = obj.store.source_health(datetime.now(UTC), obj.settings.stale_days, events=as_json)
    if failing and rows:
        rows = [r for r in rows if r.notes]
        if not rows and not as_json:
            click.echo(t("sources.all_healthy", obj.lang))
            return
    print_health(rows, as_json, obj.lang)
