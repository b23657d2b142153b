"""`mediawatch watches add|list|remove|run|feed`: saved searches with a digest, a spike alert and a feed."""

from __future__ import annotations

import json
from datetime import datetime

import click

from mediawatch.cli.context import Context, handle_errors, parse_since
from mediawatch.i18n import LANGUAGES, language_name, t, tn


@click.group("watches")
def watches_group() -> None:
    """Saved watches: a named search mailed as a digest, with spike alerts and an Atom feed."""


@watches_group.command("add")
@click.argument("name")
@click.option(
    "--query", default="", help="The search, in the syntax of `articles search` (empty: the filters alone)."
)
@click.option("--since", help="Only articles published since (2024-05-01).")
@click.option("--until", help="Only articles published before (2024-05-31).")
@click.option("--lang", "language", help="Only articles in this language (fr, en, es, ...).")
@click.option("--theme", help="Only articles with this theme (science, policy, ...).")
@click.option("--region", help="Only articles about this region (africa, europe, ...).")
@click.option("--source", help="Only articles from this source id.")
@click.option("--state", "states", multiple=True, help="relevant, unsure or not_relevant (repeatable).")
@click.option("--objective", help="Only articles serving this strategic objective (A5, B2, ...).")
@click.option("--outlet-type", help="Only articles from sources of this type (press, blog, ...).")
@click.option("--sent-in/--not-sent-in", default=None, help="Only items a correspondent sent in (or none).")
@click.option("--used/--unused", default=None, help="Only stories used in an issue (or never used).")
@click.option("--every", type=click.Choice(["daily", "weekly"]), required=True, help="Digest frequency.")
@click.option("--owner", required=True, help="A user's name, or 'team' for a watch of the team.")
@click.option("--email", default="", help="Send the digest here (default: the owner's address).")
@click.option(
    "--digest-lang",
    type=click.Choice(LANGUAGES),
    help="Language of a team watch's digest (a user's watch speaks the user's language).",
)
@click.pass_obj
@handle_errors
def watches_add(
    obj: Context,
    name: str,
    query: str,
    since: str | None,
    until: str | None,
    language: str | None,
    theme: str | None,
    region: str | None,
    source: str | None,
    states: tuple[str, ...],
    objective: str | None,
    outlet_type: str | None,
    sent_in: bool | None,
    used: bool | None,
    every: str,
    owner: str,
    email: str,
    digest_lang: str | None,
) -> None:
    """Save a search as a watch: its new matches mailed daily or weekly to its owner.

    The filters are those of `articles search`, and mean the same."""
    from mediawatch.deliver.watch_mail import check_email, utc_now
    from mediawatch.watch.watches import EVERY_KEYS, add_watch, feed_url

    filters = {
        "since": parse_since(since, obj.lang, "--since"),
        "until": parse_since(until, obj.lang, "--until"),
        "language": language,
        "theme": theme,
        "region": region,
        "source": source,
        "states": list(states),
        "objective": objective,
        "outlet_type": outlet_type,
        "submitted": sent_in,
        "used": used,
    }
    watch = add_watch(
        obj.store,
        name=name,
        query=query,
        filters=filters,
        every=every,
        owner=owner,
        settings=obj.settings,
        actor="cli",
        clock=utc_now,
        email=check_email(email),
        language=digest_lang,
    )
    address = watch.email or t("watches.cli.owner_address", obj.lang)
    every_text = t(EVERY_KEYS[watch.every], obj.lang)
    click.echo(
        t("watches.cli.added", obj.lang, name=watch.name, every=every_text,
          language=language_name(watch.language, obj.lang), email=address)
    )  # fmt: skip
    click.echo(t("watches.cli.feed", obj.lang, url=feed_url(obj.settings, watch)))


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@watches_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per watch.")
@click.pass_obj
@handle_errors
def watches_list(obj: Context, as_json: bool) -> None:
    """List the saved watches."""
    from mediawatch.classify.vocabulary import taxonomy_names
    from mediawatch.watch.watches import EVERY_KEYS, TEAM, filter_words, recipient

    found = obj.store.list_watches()
    sources = obj.store.source_names()
    names = taxonomy_names(obj.settings.taxonomy_dir) if found and not as_json else None
    for watch in found:
        to = recipient(obj.store, watch)
        if as_json:
            record = {
                "name": watch.name, "owner": watch.owner, "query": watch.query, "filters": watch.filters,
                "every": watch.every, "language": watch.language, "email": to, "active": watch.active,
                "created_at": _when(watch.created_at), "last_digest_at": _when(watch.last_digest_at),
            }  # fmt: skip
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        owner = t("watches.cli.team", obj.lang) if watch.owner == TEAM else watch.owner
        click.echo(
            t("watches.cli.line", obj.lang, name=watch.name, owner=owner,
              every=t(EVERY_KEYS[watch.every], obj.lang), language=language_name(watch.language, obj.lang),
              email=to or t("watches.cli.no_address", obj.lang), query=watch.query)
        )  # fmt: skip
        for line in filter_words(watch.filters, obj.lang, sources, names):
            click.echo(f"    {line}")
    if not found and not as_json:
        click.echo(t("watches.cli.none", obj.lang))


@watches_group.command("remove")
@click.argument("name")
@click.pass_obj
@handle_errors
def watches_remove(obj: Context, name: str) -> None:
    """Remove a watch (its feed address stops working; its mail is deleted)."""
    from mediawatch.watch.watches import remove_watch

    remove_watch(obj.store, name)
    click.echo(t("watches.cli.removed", obj.lang, name=name))


@watches_group.command("feed")
@click.argument("name")
@click.option("--rotate", is_flag=True, help="Make a new secret address (the old one stops working).")
@click.pass_obj
@handle_errors
def watches_feed(obj: Context, name: str, rotate: bool) -> None:
    """Print the address of a watch's private Atom feed."""
    from mediawatch.watch.watches import feed_url, find_watch, rotate_feed_key

    if rotate:
        watch = rotate_feed_key(obj.store, name)
        click.echo(t("watches.cli.rotated", obj.lang, url=feed_url(obj.settings, watch)))
        return
    click.echo(feed_url(obj.settings, find_watch(obj.store, name)))


@watches_group.command("run")
@click.argument("names", nargs=-1)
@click.option("--due", is_flag=True, help="Only digests whose period ended (the nightly job).")
@click.pass_obj
@handle_errors
def watches_run(obj: Context, names: tuple[str, ...], due: bool) -> None:
    """Build the digests and spike alerts, and send every queued watch mail exactly once.

    Without --due, a digest of what is new up to now (to try a watch out); with --due, only the digests
    of periods that ended (daily: midnight UTC; weekly: Monday)."""
    from mediawatch.deliver.watch_mail import run_watches

    run = run_watches(obj.store, obj.settings, names=names, due=due)
    for name in dict.fromkeys(run.no_address):
        click.echo(t("watches.cli.no_address_warning", obj.lang, name=name), err=True)
    if run.recovered:
        click.echo(tn("watches.cli.recovered", run.recovered, obj.lang))
    click.echo(
        t("watches.cli.run", obj.lang, digests=len(run.digests), empty=len(run.empty), spikes=len(run.spikes),
          sent=run.sent, failed=run.failed, waiting=run.waiting)
    )  # fmt: skip
    if run.unreadable is not None:  # what was queued went; the rest waits for the fix: exit 2, said why
        raise run.unreadable
