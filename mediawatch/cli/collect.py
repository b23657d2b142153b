"""`mediawatch collect`: fetch the due sources and extract their new articles."""

from __future__ import annotations

import sys

import click

from mediawatch.cli.context import (
    EXIT_SOURCES_FAILED,
    Context,
    handle_errors,
)
from mediawatch.i18n import t


@click.command()
@click.option("--force", is_flag=True, help="Poll sources in back-off too.")
@click.option("--source", "only", multiple=True, help="Only this source id (repeatable).")
@click.option(
    "--feeds-only", is_flag=True, help="Poll feeds and store new entries; fetch pages on a later run."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
@click.option(
    "--wait",
    is_flag=True,
    help="With a broker ([cluster] broker_url): wait for the workers to finish the run and print its report"
    " (refused without a broker: collect then runs here and always waits).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="With --wait: stop waiting after this long (exit code 1); the workers go on with the run.",
)
@click.pass_obj
@handle_errors
def collect(
    obj: Context,
    force: bool,
    only: tuple[str, ...],
    feeds_only: bool,
    as_json: bool,
    wait: bool,
    timeout: float | None,
) -> None:
    """Fetch due sources, extract new articles, record source health.

    With a broker configured, the run's tasks are enqueued for `mediawatch worker` processes.

    Exit codes: 0 all sources fine, 1 --wait --timeout ran out, 3 another run is active, 4 some sources
    failed.
    """
    from mediawatch.cli.views import run_collect

    if timeout is not None and not wait:
        raise click.BadParameter(t("cluster.timeout_without_wait", obj.lang), param_hint="--timeout")
    if wait and not obj.settings.broker_url:  # a cron line meant for the cluster must not collect here
        raise click.BadParameter(t("cluster.wait_without_broker", obj.lang), param_hint="--wait")
    settings = obj.settings.with_overrides(fetch_pages=False) if feeds_only else obj.settings
    report = run_collect(
        obj.store, settings, only, force=force, as_json=as_json, lang=obj.lang, wait=wait, timeout=timeout
    )
    if report is not None and report.failed:
        sys.exit(EXIT_SOURCES_FAILED)
