"""`mediawatch submissions ...`: what the regional correspondents sent in, for scripts and a terminal."""

from __future__ import annotations

import json

import click

from mediawatch.cli.context import Context, handle_errors
from mediawatch.store.submissions import Submission, SubmissionStatus


@click.group("submissions")
def submissions_group() -> None:
    """Items the regional correspondents sent in (the web app's /submit) and what became of them."""


def _record(item: Submission) -> dict[str, object]:
    return {
        "id": item.id,
        "author": item.author,
        "submitted_at": item.submitted_at.isoformat(),
        "status": item.status.value,
        "url": item.url,
        "title": item.title,
        "text": item.text,
        "language": item.language,
        "region": item.region,
        "note": item.note,
        "detail": item.detail,
        "article_id": item.article_id,
        "story_id": item.story_id,
        "reviewed_by": item.reviewed_by,
        "reviewed_at": item.reviewed_at.isoformat() if item.reviewed_at else None,
    }


@submissions_group.command("list")
@click.option(
    "--status",
    type=click.Choice([s.value for s in SubmissionStatus]),
    help="Only items in this state (received, added: in the watch, failed, dismissed).",
)
@click.option("--author", help="Only the items this correspondent sent.")
@click.option("--waiting", is_flag=True, help="Only the items no editor has looked at yet (the queue).")
@click.option("--limit", type=click.IntRange(1), default=500, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, for scripts.")
@click.pass_obj
@handle_errors
def submissions_list(
    obj: Context, status: str | None, author: str | None, waiting: bool, limit: int, as_json: bool
) -> None:
    """List the items sent in, newest first."""
    from mediawatch.cli.submission_views import print_submissions

    items = obj.store.list_submissions(
        author=author, status=SubmissionStatus(status) if status else None, waiting=waiting, limit=limit
    )
    if as_json:
        for item in items:
            click.echo(json.dumps(_record(item), ensure_ascii=False))
        return
    print_submissions(items, obj.lang)


@submissions_group.command("resume")
@click.option(
    "--older-than",
    type=click.IntRange(0),
    default=10,
    show_default=True,
    help="Only items sent at least this many minutes ago (younger ones may still be in flight).",
)
@click.pass_obj
@handle_errors
def submissions_resume(obj: Context, older_than: int) -> None:
    """Make the article of every item a crash left unsettled (the nightly run does it too)."""
    from datetime import timedelta

    from mediawatch.cli.submission_views import print_submissions
    from mediawatch.watch.submissions import resume_received

    done = resume_received(obj.store, obj.settings, lang=obj.lang, older_than=timedelta(minutes=older_than))
    print_submissions(done, obj.lang)
