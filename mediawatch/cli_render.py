"""`mediawatch render ISSUE`: write an issue's editions and refresh the archive's index pages and feeds."""

from __future__ import annotations

from pathlib import Path

import click

from mediawatch.cli import Context, cli, handle_errors
from mediawatch.errors import ConfigError
from mediawatch.render.model import plural


def _languages(value: str | None) -> list[str] | None:
    if not value:
        return None
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    if not codes:
        raise ConfigError(f"--lang {value!r}: give edition languages such as fr,en,es")
    return codes


@cli.command()
@click.argument("issue")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), help="Archive folder [default: issues_dir setting]."
)
@click.option(
    "--lang",
    "--languages",
    "languages",
    help="Only these editions, e.g. fr,en [default: every edition of the issue].",
)
@click.pass_obj
@handle_errors
def render(obj: Context, issue: str, out_dir: str | None, languages: str | None) -> None:
    """Render an issue (id or slug) to HTML and text, and refresh the archive index and Atom feeds."""
    from mediawatch.render import render_issue

    paths = render_issue(
        obj.store, issue, obj.settings, Path(out_dir) if out_dir else None, languages=_languages(languages)
    )
    click.echo(plural("render.cli.written", len(paths), obj.lang))
    for path in paths:
        click.echo(f"  {path}")
