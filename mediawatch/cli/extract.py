"""`mediawatch extract`: the article extractor on files or URLs, without a database."""

from __future__ import annotations

import json
import sys

import click

from mediawatch.cli.context import (
    EXIT_ERROR,
    Context,
    handle_errors,
)


@click.command()
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
