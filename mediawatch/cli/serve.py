"""`mediawatch serve`: the web app."""

from __future__ import annotations

import click

from mediawatch.cli.context import (
    Context,
    handle_errors,
)
from mediawatch.i18n import t


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes (default: web_workers in [web], 2).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=None,
    help="Threads in each process (default: web_threads in [web], 4).",
)
@click.pass_obj
@handle_errors
def serve(obj: Context, host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Run the web app on gunicorn (behind a TLS reverse proxy for anything but localhost: see README)."""
    from mediawatch.config import base_url_unset
    from mediawatch.web.base import origin_of
    from mediawatch.web.server import serve as run_server

    def ready(url: str, links: str) -> None:
        click.echo(t("review.cli.serving", obj.lang, url=url), err=True)
        if not base_url_unset(obj.settings.base_url):
            click.echo(t("review.cli.serving_note", obj.lang, origin=origin_of(links)), err=True)
        else:  # the trial default: forms from the address in use (web.base.site_origin), links to serve's
            click.echo(t("review.cli.serving_trial", obj.lang, links=links), err=True)

    run_server(
        obj.settings,
        host,
        port,
        workers=workers or obj.settings.web_workers,
        threads=threads or obj.settings.web_threads,
        on_ready=ready,
    )
