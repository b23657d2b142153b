"""`mediawatch stories ...`: the same news told by several outlets, grouped."""

from __future__ import annotations

import json
import sys

import click

from mediawatch.cli.context import (
    ROW_ID,
    BadLines,
    Context,
    acting,
    as_option,
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
    """Stories with every outlet and language that told them, newest first.

    --json prints one object per story, the one `stories show --json` prints, with `id` (the story's id
    again, the key of earlier versions) besides `story_id`."""
    from mediawatch.classify.grouping import list_stories
    from mediawatch.cli.views import print_stories

    found = list_stories(obj.store, since=parse_since(since, obj.lang, "--since"))
    if not show_all:
        found = [s for s in found if len(s.articles) > 1]
    if as_json:
        from mediawatch.watch.story import story_json, story_view

        for story in found:
            record = story_json(story_view(obj.store, story.id))
            click.echo(json.dumps({"id": story.id, **record}, ensure_ascii=False))
        return
    print_stories(found, obj.lang)


@stories.command("group")
@click.option("--jsonl", is_flag=True, help="Read JSON lines on stdin, write {id, story} lines; no database.")
@click.pass_obj
@handle_errors
def stories_group(obj: Context, jsonl: bool) -> None:
    """Group articles into stories: the stored articles not yet grouped, or JSON lines with --jsonl.

    With --jsonl, each input line is {"id", "title", "text" or "summary", "language", "published"} (all but
    id optional; published in ISO 8601) and each output line is {"id", "story"}, the story being the id of
    its first-published article: the same decision as the stored grouping. A bad line gets an error line
    naming it (and one on stderr saying what is wrong, in your language), the rest go on, and the exit code
    is then 4 (some lines failed).
    """
    from mediawatch.classify.grouping import group_jsonl, group_stories

    if jsonl:
        bad_lines = BadLines(obj.lang)
        for record in group_jsonl(sys.stdin, obj.settings.story_window_days, on_error=bad_lines):
            click.echo(json.dumps(record, ensure_ascii=False))
        bad_lines.exit_if_any()
        return
    click.echo(group_stories(obj.store, obj.settings).summary_line())


PUBLICATIONS = click.Choice(["newsletter", "press-review"])


@stories.command("show")
@click.argument("story_id", type=ROW_ID)
@click.option("--json", "as_json", is_flag=True, help="The story as one JSON object, with its articles.")
@click.pass_obj
@handle_errors
def stories_show(obj: Context, story_id: int, as_json: bool) -> None:
    """One story: every article with outlet, language, date, verdict and matched terms; its themes,
    regions and objectives; the issues that used it and its pins."""
    from mediawatch.classify.vocabulary import taxonomy_names
    from mediawatch.watch.story import story_json, story_lines, story_view

    view = story_view(obj.store, story_id)
    if as_json:
        click.echo(json.dumps(story_json(view), ensure_ascii=False))
        return
    for line in story_lines(view, obj.lang, taxonomy_names(obj.settings.taxonomy_dir)):
        click.echo(line)


@stories.command("pin")
@click.argument("story_id", type=ROW_ID)
@click.option(
    "--publication", type=PUBLICATIONS, required=True, help="The publication whose next issue takes it."
)
@as_option("The editor pinning it (a registered user).")
@click.pass_obj
@handle_errors
def stories_pin(obj: Context, story_id: int, publication: str, actor: str) -> None:
    """Pin a story: the next composed issue of the publication includes it, whatever its period or score."""
    from mediawatch.i18n import t
    from mediawatch.i18n.publications import publication_name
    from mediawatch.review.workflow import Permission
    from mediawatch.watch.curation import parse_publication, pin

    user = acting(obj, actor, Permission.EDIT)
    pin(obj.store, story_id, parse_publication(publication), user.name)
    click.echo(
        t("story.cli.pinned_now", obj.lang, id=story_id, publication=publication_name(publication, obj.lang))
    )


@stories.command("unpin")
@click.argument("story_id", type=ROW_ID)
@click.option("--publication", type=PUBLICATIONS, required=True, help="The publication it was pinned for.")
@as_option("The editor unpinning it (a registered user).")
@click.pass_obj
@handle_errors
def stories_unpin(obj: Context, story_id: int, publication: str, actor: str) -> None:
    """Take a story's waiting pin away."""
    from mediawatch.i18n import t
    from mediawatch.i18n.publications import publication_name
    from mediawatch.review.workflow import Permission
    from mediawatch.watch.curation import parse_publication, unpin

    acting(obj, actor, Permission.EDIT)
    unpin(obj.store, story_id, parse_publication(publication))
    click.echo(
        t("story.cli.unpinned", obj.lang, id=story_id, publication=publication_name(publication, obj.lang))
    )


@stories.command("social")
@click.argument("story_id", type=ROW_ID)
@click.option(
    "--lang", "language", type=click.Choice(["fr", "en", "es"]), help="Only the post in this language."
)
@click.pass_obj
@handle_errors
def stories_social(obj: Context, story_id: int, language: str | None) -> None:
    """Ready-to-post texts for social media (FR, EN, ES), each within 280 characters."""
    from mediawatch.i18n import language_name
    from mediawatch.watch.social import social_posts

    posts = social_posts(obj.store, story_id)
    for post in posts:
        if language and post.language != language:
            continue
        if not language:  # a heading per post, the language in words
            click.echo(f"[{language_name(post.language, obj.lang)}]")
        click.echo(post.text)
        if not language:
            click.echo("")
