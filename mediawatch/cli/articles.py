"""`mediawatch articles list`: what was collected."""

from __future__ import annotations

import click

from mediawatch.cli.context import (
    Context,
    handle_errors,
    parse_since,
)


@click.group()
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
    from mediawatch.cli.views import print_articles

    rows = obj.store.list_articles(
        since=parse_since(since, obj.lang),
        language=lang,
        source=source,
        include_duplicates=duplicates,
        limit=limit,
    )
    print_articles(rows, as_json, obj.lang)
