"""`mediawatch articles list|search`: what was collected, and finding it again."""

from __future__ import annotations

import json

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


@articles.command("search")
@click.argument("query")
@click.option("--since", help="Only articles published since (2024-05-01, 7d, 12h).")
@click.option("--until", help="Only articles published before (2024-05-31, 2d, ...).")
@click.option("--lang", help="Only articles in this language (fr, en, es, ...).")
@click.option("--theme", help="Only articles with this theme (science, policy, ...).")
@click.option("--region", help="Only articles about this region (africa, europe, ...).")
@click.option("--source", help="Only articles from this source id.")
@click.option(
    "--state", "states", multiple=True, help="relevant, unsure or not_relevant (repeat for several)."
)
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True, help="Stories per page.")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many stories.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story, with its articles.")
@click.pass_obj
@handle_errors
def articles_search(
    obj: Context,
    query: str,
    since: str | None,
    until: str | None,
    lang: str | None,
    theme: str | None,
    region: str | None,
    source: str | None,
    states: tuple[str, ...],
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """Full-text search of collected articles, one result per story, newest first.

    QUERY: words (all must match; plural, case and accents do not matter), "exact phrases", -excluded
    words or -"phrases", OR between alternatives (binding tighter than the implicit AND), prefix* and
    (parentheses). Example: 'sols "carbone organique" -océan (agroforesterie OR agroforestry)'.
    A query that starts with a minus goes after --: mediawatch articles search -- '-océan carbone'.
    """
    from mediawatch.watch.service import make_filters, search_stories, story_lines, story_record

    filters = make_filters(
        since=parse_since(since, obj.lang),
        until=parse_since(until, obj.lang),
        language=lang,
        theme=theme,
        region=region,
        source=source,
        states=states,
    )
    page = search_stories(obj.store, query, filters, limit=limit, offset=offset)
    if as_json:
        for story in page.stories:
            click.echo(json.dumps(story_record(story), ensure_ascii=False))
        return
    for line in story_lines(page, obj.lang, offset):
        click.echo(line)
