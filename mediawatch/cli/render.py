"""`mediawatch render ISSUE`: write an issue's editions and refresh the archive's index pages and feeds."""

from __future__ import annotations

from pathlib import Path

import click

from mediawatch.cli.context import Context, handle_errors
from mediawatch.compose.issues import find_issue
from mediawatch.errors import ConfigError
from mediawatch.i18n import t
from mediawatch.render.model import plural


def _languages(values: tuple[str, ...]) -> list[str] | None:
    """--lang fr,en and --lang fr --lang en alike (a repeated option used to keep only the last)."""
    if not values:
        return None
    value = ",".join(values)
    codes = list(dict.fromkeys(code.strip().lower() for code in value.split(",") if code.strip()))
    if not codes:
        raise ConfigError(f"--lang {value!r}: give edition languages such as fr,en,es")
    return codes


@click.command()
@click.argument("issue")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(),
    help="Archive folder, which must exist [default: issues_dir setting].",
)
@click.option(
    "--lang",
    "--languages",
    "languages",
    multiple=True,
    help="Only these editions, e.g. fr,en or --lang fr --lang en [default: every edition of the issue].",
)
@click.option("--pdf", is_flag=True, help="Also print each edition to an A4 PDF (LANG.pdf) beside its HTML.")
@click.pass_obj
@handle_errors
def render(obj: Context, issue: str, out_dir: str | None, languages: tuple[str, ...], pdf: bool) -> None:
    """Render an issue (id or slug) to HTML and text, and refresh the archive index and Atom feeds.

    Only an approved (or scheduled, or sent) issue goes to the public archive; a draft or an issue in
    review is rendered into the drafts folder (nightly_drafts_dir, default drafts/), and --out cannot
    point a draft at the archive. With --pdf, each edition is also printed to an A4 PDF beside its
    HTML, for a press file; a draft's PDF carries a "draft" watermark in its language.
    """
    from mediawatch.files import existing_folder
    from mediawatch.render import render_issue
    from mediawatch.render.archive import PUBLISHED_STATES

    if out_dir is not None:  # a folder named by the user must exist (README): nothing is created
        existing_folder(out_dir, obj.lang)
    paths = render_issue(
        obj.store,
        issue,
        obj.settings,
        Path(out_dir) if out_dir else None,
        languages=_languages(languages),
        pdf=pdf,
    )
    found = find_issue(obj.store, issue)
    if found.state not in PUBLISHED_STATES:
        click.echo(t("render.cli.drafts", obj.lang, issue=found.slug))
    click.echo(plural("render.cli.written", len(paths), obj.lang))
    for path in paths:
        click.echo(f"  {path}")
