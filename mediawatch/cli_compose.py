"""`mediawatch compose`, `mediawatch translate --retry` and `mediawatch issues block ...`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mediawatch.cli import EXIT_ERROR, Context, cli, handle_errors, parse_since
from mediawatch.compose.issues import find_issue
from mediawatch.errors import ConfigError
from mediawatch.i18n import t, tn
from mediawatch.types import BlockKind, Publication, User

EXIT_NOTHING_TO_COMPOSE = 5  # no issue created: nothing relevant in the period, or all already told


def _period_option_help(which: str) -> str:
    return f"{which} of the period (2024-05-01, an ISO datetime, or 7d / 12h ago)."


@cli.command()
@click.argument("publication", type=click.Choice([p.value for p in Publication]))
@click.option("--from", "date_from", help=_period_option_help("Start") + " [default: --to minus 7 days]")
@click.option("--to", "date_to", help=_period_option_help("End") + " [default: now]")
@click.option("--languages", help="Editions, e.g. fr,en,es [default: compose_languages setting].")
@click.option(
    "--as",
    "actor",
    default="",
    help="Registered user who composes (recorded in the audit log) [default: the system].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
@handle_errors
def compose(
    obj: Context,
    publication: str,
    date_from: str | None,
    date_to: str | None,
    languages: str | None,
    actor: str,
    as_json: bool,
) -> None:
    """Create a draft newsletter or press review from the relevant stories of a period.

    No issue is created when no story of the period is relevant, or when every one was already told in an
    earlier issue of the publication: the command says which, and exits with code 5.
    """
    from mediawatch.compose import compose_issue
    from mediawatch.errors import NothingToCompose

    actor = _system_or_editor(obj, actor)
    try:
        result = compose_issue(
            obj.store,
            obj.settings,
            Publication(publication),
            period_from=parse_since(date_from, obj.lang),
            period_to=parse_since(date_to, obj.lang),
            languages=languages,
            actor=actor,
        )
    except NothingToCompose as exc:  # not a mistake, but the draft asked for does not exist
        click.echo(str(exc), err=True)
        sys.exit(EXIT_NOTHING_TO_COMPOSE)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "issue": result.issue_id,
                    "slug": result.slug,
                    "items": result.items,
                    "candidates": result.candidates,
                    "warnings": list(result.warnings),
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(
        t(
            "compose.created",
            obj.lang,
            slug=result.slug,
            id=result.issue_id,
            items=tn("compose.items", result.items, obj.lang),
            candidates=tn("compose.candidates", result.candidates, obj.lang),
        )
    )
    for warning in result.warnings:
        click.echo(t("compose.warning", obj.lang, warning=warning), err=True)
    click.echo(t("compose.next", obj.lang, slug=result.slug))


@cli.command()
@click.option(
    "--retry", is_flag=True, required=True, help="Translate the texts left in their original language."
)
@click.option("--issue", "issue_ref", help="Only this issue (id or slug).")
@click.option(
    "--as", "actor", default="", help="Registered user recorded in the audit log [default: the system]."
)
@click.pass_obj
@handle_errors
def translate(obj: Context, retry: bool, issue_ref: str | None, actor: str) -> None:
    """Fill translations that failed or were skipped when the issue was composed."""
    from mediawatch.compose import retry_translations

    actor = _system_or_editor(obj, actor)
    if obj.settings.translate_provider == "none":
        raise ConfigError(t("compose.no_provider", obj.lang))
    issue_id = find_issue(obj.store, issue_ref).id if issue_ref else None
    report = retry_translations(obj.store, obj.settings, issue_id=issue_id, actor=actor)
    filled = tn("compose.filled", report.filled, obj.lang)
    failed = tn("compose.unfilled", report.failed, obj.lang)
    click.echo(t("compose.retried", obj.lang, filled=filled, failed=failed))
    for error in report.errors:
        click.echo(t("compose.warning", obj.lang, warning=error), err=True)
    if report.failed:
        sys.exit(EXIT_ERROR)


# -- editor blocks (attached to the `issues` group) --------------------------------------------------------
KIND_KEYS = {
    BlockKind.EDITORIAL: "compose.kind.editorial",
    BlockKind.SUCCESS_STORY: "compose.kind.success_story",
    BlockKind.KEY_FIGURE: "compose.kind.key_figure",
    BlockKind.PRACTICAL_SHEET: "compose.kind.practical_sheet",
    BlockKind.AGENDA: "compose.kind.agenda",
    BlockKind.PARTNER_NEWS: "compose.kind.partner_news",
}


@click.group()
def block() -> None:
    """Editor-written blocks of an edition: editorial, success story, key figure, agenda..."""


def _editor(obj: Context, name: str) -> User:
    """``--as``: a registered, enabled user whose role may edit (the name goes in the audit log and
    counts for the four-eyes rule)."""
    from mediawatch.review.users import acting_user
    from mediawatch.review.workflow import Permission

    return acting_user(obj.store, name, Permission.EDIT)


def _system_or_editor(obj: Context, name: str) -> str:
    """``--as`` of compose and translate: empty (the system acts) or a user who may edit."""
    return _editor(obj, name).name if name.strip() else ""


def _body(body: str | None, body_file: str | None) -> str | None:
    if body_file is None:
        return body
    try:
        return Path(body_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {body_file}: {exc}") from None


def _link(value: str | None) -> str | None:
    if value and not value.lower().startswith(("https://", "http://")):
        raise ConfigError(f"a block link must start with https:// or http://, got {value!r}")
    return value


@block.command("add")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--lang", "language", required=True, help="Edition language (fr, en, es).")
@click.option("--kind", required=True, type=click.Choice([k.value for k in BlockKind]))
@click.option("--title", default="", help="Block title.")
@click.option("--body", help="Block text (blank lines separate paragraphs).")
@click.option("--body-file", type=click.Path(dir_okay=False), help="Read the text from a file.")
@click.option("--link", help="Optional 'read more' URL.")
@click.option(
    "--as",
    "actor",
    required=True,
    help="Registered user (editor or above) who writes it; recorded in the audit log.",
)
@click.pass_obj
@handle_errors
def block_add(
    obj: Context,
    issue_ref: str,
    language: str,
    kind: str,
    title: str,
    body: str | None,
    body_file: str | None,
    link: str | None,
    actor: str,
) -> None:
    """Add a block to one edition of an issue."""
    from mediawatch.review import editing

    user = _editor(obj, actor)
    text = _body(body, body_file)
    if not (text or "").strip() and not title.strip():
        raise ConfigError(t("compose.block_empty", obj.lang))
    issue = find_issue(obj.store, issue_ref)
    block_id = editing.add_block(
        obj.store,
        issue.id,
        language.strip().lower(),
        BlockKind(kind),
        user,
        title=title,
        body=text or "",
        link=_link(link) or "",
    )
    click.echo(t("compose.block_added", obj.lang, id=block_id, kind=kind, slug=issue.slug, lang=language))


@block.command("edit")
@click.argument("block_id", type=int)
@click.option("--title", help="New title.")
@click.option("--body", help="New text.")
@click.option("--body-file", type=click.Path(dir_okay=False), help="Read the new text from a file.")
@click.option("--link", help="New link ('' removes it).")
@click.option("--position", type=click.IntRange(min=0), help="New position in the edition.")
@click.option(
    "--as",
    "actor",
    required=True,
    help="Registered user (editor or above) who edits it; recorded in the audit log.",
)
@click.pass_obj
@handle_errors
def block_edit(
    obj: Context,
    block_id: int,
    title: str | None,
    body: str | None,
    body_file: str | None,
    link: str | None,
    position: int | None,
    actor: str,
) -> None:
    """Change a block; an approved edition goes back to review."""
    from mediawatch.review import editing

    editing.update_block(
        obj.store,
        block_id,
        _editor(obj, actor),
        title=title,
        body=_body(body, body_file),
        link=_link(link),
        position=position,
    )
    click.echo(t("compose.block_edited", obj.lang, id=block_id))


@block.command("delete")
@click.argument("block_id", type=int)
@click.option(
    "--as",
    "actor",
    required=True,
    help="Registered user (editor or above) who deletes it; recorded in the audit log.",
)
@click.pass_obj
@handle_errors
def block_delete(obj: Context, block_id: int, actor: str) -> None:
    """Remove a block."""
    from mediawatch.review import editing

    editing.delete_block(obj.store, block_id, _editor(obj, actor))
    click.echo(t("compose.block_deleted", obj.lang, id=block_id))


@block.command("list")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--lang", "language", help="Only this edition.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def block_list(obj: Context, issue_ref: str, language: str | None, as_json: bool) -> None:
    """The blocks of an issue."""
    content = obj.store.issue_content(find_issue(obj.store, issue_ref).id)
    blocks = [b for b in content.blocks if language is None or b.language == language]
    for b in blocks:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": b.id,
                        "language": b.language,
                        "kind": b.kind.value,
                        "position": b.position,
                        "title": b.title,
                        "body": b.body,
                        "link": b.link,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            click.echo(f"{b.id:>5}  {b.language}  {t(KIND_KEYS[b.kind], obj.lang):<22} {b.title}")
    if not blocks and not as_json:
        click.echo(t("compose.no_blocks", obj.lang))


def _attach_blocks() -> None:
    # `issues` is the review stage's group; blocks are composed content, so their commands live here.
    from mediawatch.cli_review import issues_group

    issues_group.add_command(block)


_attach_blocks()
