"""`mediawatch worker`: run the distributed mode's tasks (collect, classify) taken from the broker."""

from __future__ import annotations

import click

from mediawatch.cli.context import Context, handle_errors


@click.command()
@click.option(
    "--processes", type=click.IntRange(1, 256), default=1, show_default=True, help="Worker processes."
)
@click.option(
    "--threads", type=click.IntRange(1, 256), default=2, show_default=True, help="Threads in each process."
)
@click.pass_obj
@handle_errors
def worker(obj: Context, processes: int, threads: int) -> None:
    """Take collect and classify tasks from the broker ([cluster] broker_url) until stopped.

    Stops on SIGTERM or Ctrl-C after the running tasks; a task cut short runs again on another worker.
    """
    from mediawatch.cluster.broker import check_reachable
    from mediawatch.cluster.worker import run_worker
    from mediawatch.errors import ConfigError
    from mediawatch.i18n import said, t

    if not obj.settings.broker_url:
        raise said(ConfigError, "cluster.no_broker")
    check_reachable(obj.settings)
    click.echo(t("cluster.worker_started", obj.lang, processes=processes, threads=threads), err=True)
    run_worker(obj.settings, processes=processes, threads=threads)
