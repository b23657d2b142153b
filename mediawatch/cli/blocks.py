"""`mediawatch issues block ...`: the editor-written blocks of an edition (editorial, agenda, ...)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mediawatch.cli.context import ROW_ID, Context, acting, as_option, handle_errors
from mediawatch.compose.issues import find_issue
from mediawatch.errors import ConfigError
from mediawatch.files import ReadProblem
from mediawatch.i18n import Message, language_name, said, t
from mediawatch.review.workflow import Permission
from mediawatch.types import BlockKind

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


def _body(body: str | None, body_file: str | None) -> str | None:
    if body_file is None:
        return body
    try:
        return Path(body_file).read_text(encoding="utf-8")
    except OSError as exc:
        reason: object = ReadProblem(exc, body_file)
    except UnicodeDecodeError:
        reason = Message("file.reason.not_utf8")
    raise said(ConfigError, "compose.block_unreadable", path=body_file, reason=reason)


def _link(value: str | None) -> str | None:
    if value and not value.lower().startswith(("https://", "http://")):
        raise said(ConfigError, "compose.block_link", value=value)
    return value


@block.command("add")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--lang", "language", required=True, help="Edition language (fr, en, es).")
@click.option("--kind", required=True, type=click.Choice([k.value for k in BlockKind]))
@click.option("--title", default="", help="Block title.")
@click.option("--body", help="Block text (blank lines separate paragraphs).")
@click.option("--body-file", type=click.Path(dir_okay=False), help="Read the text from a file.")
@click.option("--link", help="Optional 'read more' URL.")
@as_option("Registered user (editor or above) who writes it; recorded in the audit log.")
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

    user = acting(obj, actor, Permission.EDIT)
    text = _body(body, body_file)
    if not (text or "").strip():  # as the issue page: a title alone is an empty block
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
    click.echo(
        t(
            "compose.block_added",
            obj.lang,
            id=block_id,
            kind=t(KIND_KEYS[BlockKind(kind)], obj.lang),
            slug=issue.slug,
            lang=language_name(language, obj.lang),
        )
    )


@block.command("edit")
@click.argument("block_id", type=ROW_ID)
@click.option("--title", help="New title.")
@click.option("--body", help="New text.")
@click.option("--body-file", type=click.Path(dir_okay=False), help="Read the new text from a file.")
@click.option("--link", help="New link ('' removes it).")
@click.option("--position", type=click.IntRange(min=0), help="New position in the edition.")
@as_option("Registered user (editor or above) who edits it; recorded in the audit log.")
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
        acting(obj, actor, Permission.EDIT),
        title=title,
        body=_body(body, body_file),
        link=_link(link),
        position=position,
    )
    click.echo(t("compose.block_edited", obj.lang, id=block_id))


@block.command("delete")
@click.argument("block_id", type=ROW_ID)
@as_option("Registered user (editor or above) who deletes it; recorded in the audit log.")
@click.pass_obj
@handle_errors
def block_delete(obj: Context, block_id: int, actor: str) -> None:
    """Remove a block."""
    from mediawatch.review import editing

    editing.delete_block(obj.store, block_id, acting(obj, actor, Permission.EDIT))
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
            name = language_name(b.language, obj.lang)
            click.echo(f"{b.id:>5}  {name:<10} {t(KIND_KEYS[b.kind], obj.lang):<22} {b.title}")
    if not blocks and not as_json:
        click.echo(t("compose.no_blocks", obj.lang))
