"""`mediawatch stories ...`: the same news told by several outlets, grouped."""

from __future__ import annotations

import json
import sys

import click

from mediawatch.cli.context import (
    Context,
    handle_errors,
    parse_since,
)


@click.group()
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
    from mediawatch.cli.views import print_stories

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
