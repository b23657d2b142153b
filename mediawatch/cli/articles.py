"""`mediawatch articles list|search|add`: what was collected, finding it again, adding what was missed."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from mediawatch.cli.context import (
    EXIT_ERROR,
    Context,
    as_option,
    handle_errors,
    parse_since,
)
from mediawatch.errors import ConfigError, FieldError, MediawatchError
from mediawatch.i18n import t


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
    from mediawatch.i18n import unknown_article_language

    why = unknown_article_language(lang, obj.lang) if lang else None
    if why is not None:
        raise click.BadParameter(why, param_hint="--lang")
    rows = obj.store.list_articles(
        since=parse_since(since, obj.lang, "--since"),
        language=lang,
        source=source,
        include_duplicates=duplicates,
        limit=limit,
    )
    print_articles(rows, as_json, obj.lang)


@articles.command("search")
@click.argument("query", required=False, default="")
@click.option("--since", help="Only articles published since (2024-05-01, 7d, 12h).")
@click.option("--until", help="Only articles published before (2024-05-31, 2d, ...).")
@click.option("--lang", help="Only articles in this language (fr, en, es, ...).")
@click.option("--theme", help="Only articles with this theme (science, policy, ...).")
@click.option("--region", help="Only articles about this region (africa, europe, ...).")
@click.option("--source", help="Only articles from this source id.")
@click.option(
    "--state", "states", multiple=True, help="relevant, unsure or not_relevant (repeat for several)."
)
@click.option("--objective", help="Only articles serving this strategic objective (A5, B2, ...).")
@click.option("--outlet-type", help="Only articles from sources of this type (press, blog, ...).")
@click.option("--sent-in/--not-sent-in", default=None, help="Only items a correspondent sent in (or none).")
@click.option("--used/--unused", default=None, help="Only stories used in an issue (or never used).")
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True, help="Stories per page.")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many stories.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story, with its articles.")
@click.option("--csv", "as_csv", is_flag=True, help="Clippings: one CSV row per article, for spreadsheets.")
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
    objective: str | None,
    outlet_type: str | None,
    sent_in: bool | None,
    used: bool | None,
    limit: int,
    offset: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Full-text search of collected articles, one result per story, newest first.

    QUERY: words (all must match; plural, case and accents do not matter), "exact phrases", -excluded
    words or -"phrases", OR between alternatives (binding tighter than the implicit AND), prefix* and
    (parentheses). Example: 'sols "carbone organique" -océan (agroforesterie OR agroforestry)'.
    A query that starts with a minus goes after --: mediawatch articles search -- '-océan carbone'.
    Without QUERY (or with ''), every story matching the filters, newest first: the watch's stream.
    """
    from mediawatch.classify.vocabulary import taxonomy_names
    from mediawatch.watch.service import make_filters, search_stories, story_lines, story_record

    filters = make_filters(
        names=taxonomy_names(obj.settings.taxonomy_dir),
        since=parse_since(since, obj.lang, "--since"),
        until=parse_since(until, obj.lang, "--until"),
        language=lang,
        theme=theme,
        region=region,
        source=source,
        states=states,
        objective=objective,
        outlet_type=outlet_type,
        submitted=sent_in,
        used=used,
    )
    if as_json and as_csv:
        raise ConfigError(t("search.cli.json_or_csv", obj.lang))
    page = search_stories(obj.store, query, filters, limit=limit, offset=offset)
    if as_csv:
        from mediawatch.watch.clippings import csv_text

        click.echo(csv_text(story_record(story) for story in page.stories), nl=False)
        return
    if as_json:
        for story in page.stories:
            click.echo(json.dumps(story_record(story), ensure_ascii=False))
        return
    for line in story_lines(page, obj.lang, offset):
        click.echo(line)


@articles.command("add")
@click.argument("url", required=False)
@click.option("--manual", is_flag=True, help="A print, radio or TV item typed by hand, not fetched.")
@click.option("--title", default="", help="--manual: the item's title.")
@click.option("--outlet", default="", help="--manual: the newspaper, radio or TV channel.")
@click.option("--date", "date_", default="", help="--manual: publication date (2024-05-01).")
@click.option("--summary", default="", help="--manual: a few lines on what it says.")
@click.option("--url", "item_url", default="", help="--manual: a web address for the item, if it has one.")
@click.option("--language", default=None, help="Its language (fr, en, es...), instead of the detected one.")
@click.option("--region", default=None, help="Its region (africa, europe...), instead of the detected ones.")
@click.option("--note", default="", help="A note for the editors.")
@as_option("Who adds it: an enabled editor, approver or admin.", required=False, dest="added_by")
@click.option("--json", "as_json", is_flag=True, help="The result as one JSON object.")
@click.pass_obj
@handle_errors
def articles_add(
    obj: Context,
    url: str | None,
    manual: bool,
    title: str,
    outlet: str,
    date_: str,
    summary: str,
    item_url: str,
    language: str | None,
    region: str | None,
    note: str,
    added_by: str,
    as_json: bool,
) -> None:
    """Add an article: fetch URL under the collector's rules, or --manual for print, radio and TV.

    Either way it is deduplicated, classified and grouped into a story at once. Prints whether it was
    added, already known (which article and story) or refused (why); a refusal exits with status 1.
    With --json, bad input is JSON too: {"status": "error", "errors": [{"field", "message"}]}, with the
    exit status of the error (2 for a bad field).
    """
    with _errors_as_json(obj.lang, as_json):
        from mediawatch.watch.add import AddStatus, ManualItem, add_manual, add_url

        if manual == bool(url):
            raise ConfigError(t("add.url_or_manual", obj.lang))
        if manual:
            item = ManualItem(title, outlet, date_, language or "", summary, item_url)
            with _fields_as_options(obj.lang, url="--url"):
                result = add_manual(
                    obj.store, obj.settings, item, added_by=added_by, region=region, note=note, lang=obj.lang
                )
        else:
            extra = next(
                (
                    f"--{n}"
                    for n, v in (
                        ("title", title),
                        ("outlet", outlet),
                        ("date", date_),
                        ("summary", summary),
                        ("url", item_url),
                    )
                    if v
                ),
                None,
            )
            if extra:
                raise ConfigError(t("add.manual_only", obj.lang, option=extra))
            assert url is not None
            with _fields_as_options(obj.lang, url="URL"):
                result = add_url(
                    obj.store,
                    obj.settings,
                    url,
                    added_by=added_by,
                    language=language,
                    region=region,
                    note=note,
                    lang=obj.lang,
                )
        if as_json:
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            click.echo(result.message(obj.lang), err=result.status is AddStatus.REFUSED)
        if result.status is AddStatus.REFUSED:
            sys.exit(getattr(result.cause, "exit_code", EXIT_ERROR))


# The fields of `articles add` by the options that give them: a bad field is said naming what to retype.
_OPTIONS = {
    "title": "--title",
    "outlet": "--outlet",
    "date": "--date",
    "language": "--language",
    "summary": "--summary",
    "region": "--region",
    "note": "--note",
    "as": "--as",
}


@contextmanager
def _fields_as_options(lang: str, url: str) -> Iterator[None]:
    """A bad field named by its option (``url``: the argument URL, or --url with --manual)."""
    from mediawatch.watch.add_fields import relabelled

    try:
        yield
    except FieldError as exc:
        raise relabelled(exc, lang, {**_OPTIONS, "url": url}) from None


@contextmanager
def _errors_as_json(lang: str, as_json: bool) -> Iterator[None]:
    """With --json, bad input is printed as JSON too, so a script reads one format whatever happens."""
    try:
        yield
    except MediawatchError as exc:
        if not as_json:
            raise
        problems = exc.problems.items() if isinstance(exc, FieldError) else [(None, exc.translated(lang))]
        errors = [{"field": field, "message": message} for field, message in problems]
        click.echo(json.dumps({"status": "error", "errors": errors}, ensure_ascii=False))
        sys.exit(exc.exit_code)
