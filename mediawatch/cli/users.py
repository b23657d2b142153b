"""`mediawatch users ...`: the people who review (web logins and ``--as`` on the command line)."""

from __future__ import annotations

from pathlib import Path

import click

from mediawatch.cli.context import (
    Context,
    handle_errors,
)
from mediawatch.errors import ConfigError
from mediawatch.files import os_error_reason
from mediawatch.i18n import LANGUAGES, t
from mediawatch.review.workflow import ROLE_KEYS
from mediawatch.types import Role


@click.group("users")
def users_group() -> None:
    """Users of the review (web app logins and --as on the command line)."""


def _read_password(password_file: str | None, lang: str) -> str:
    if password_file is None:
        return str(
            click.prompt(
                t("review.cli.password_prompt", lang),
                hide_input=True,
                confirmation_prompt=True,
                prompt_suffix=t("cli.usage.prompt_suffix", lang),  # click's ": " lacks French's space
            )
        )
    try:
        text = Path(password_file).read_text(encoding="utf-8")
    except OSError as exc:
        reason = os_error_reason(exc, password_file, lang, reading=True)
        raise ConfigError(t("review.cli.password_file", lang, path=password_file, error=reason)) from None
    except UnicodeDecodeError:
        reason = t("file.reason.not_utf8", lang)
        raise ConfigError(t("review.cli.password_file", lang, path=password_file, error=reason)) from None
    return text.splitlines()[0] if text.strip() else ""


def _email_option(email: str, lang: str) -> str:
    """``--email`` of ``users add`` and ``users update``, checked; a bad one is refused naming the option,
    as click names an option it refuses, so the administrator knows which of the options to retype."""
    from mediawatch.deliver.watch_mail import check_email
    from mediawatch.errors import InvalidInput

    try:
        return check_email(email)
    except InvalidInput as exc:
        raise click.BadParameter(exc.translated(lang), param_hint="--email") from None


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="What the user may do."
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False),
    help="Read the password from the first line of this file (else a prompt asks for it).",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="The user's interface language in the web app.",
)
@click.option("--email", default="", help="The user's email address, where their saved watches go.")
@click.pass_obj
@handle_errors
def users_add(
    obj: Context, name: str, role: str, password_file: str | None, language: str, email: str
) -> None:
    """Create a user with a role: viewer, editor, approver, admin, or correspondent (sends items only)."""
    from mediawatch.review.users import add_user, check_name

    check_name(name)
    # before the password prompt: a typo in the address must not cost the password typed twice
    email = _email_option(email, obj.lang)
    password = _read_password(password_file, obj.lang)
    user = add_user(obj.store, name, Role(role), password, language, email=email)
    click.echo(t("review.cli.user_added", obj.lang, name=user.name, role=t(ROLE_KEYS[user.role], obj.lang)))


@users_group.command("passwd")
@click.argument("name")
@click.option("--password-file", type=click.Path(dir_okay=False), help="Read the new password from a file.")
@click.pass_obj
@handle_errors
def users_passwd(obj: Context, name: str, password_file: str | None) -> None:
    """Set a user's password (their open web sessions end)."""
    from mediawatch.review.users import set_password

    password = _read_password(password_file, obj.lang)
    set_password(obj.store, name, password)
    click.echo(t("review.cli.password_set", obj.lang, name=name))


@users_group.command("update")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), help="New role.")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), help="New interface language.")
@click.option(
    "--disable/--enable", "disabled", default=None, help="Disable the account (sessions end) or enable it."
)
@click.option("--email", help="The user's email address, where their saved watches go ('' : none).")
@click.pass_obj
@handle_errors
def users_update(
    obj: Context,
    name: str,
    role: str | None,
    language: str | None,
    disabled: bool | None,
    email: str | None,
) -> None:
    """Change a user's role, language or email address, or disable the account of someone who left."""
    from mediawatch.review.users import update_user

    checked = None if email is None else _email_option(email, obj.lang)  # before any change is made
    user = update_user(
        obj.store,
        name,
        role=Role(role) if role else None,
        language=language,
        active=None if disabled is None else not disabled,
        email=checked,
    )
    if email is not None:
        key = "watches.cli.email_set" if user.email else "watches.cli.email_cleared"
        click.echo(t(key, obj.lang, name=user.name, email=user.email))
    state = t("review.cli.active" if user.active else "review.cli.inactive", obj.lang)
    click.echo(
        t(
            "review.cli.user_updated",
            obj.lang,
            name=user.name,
            role=t(ROLE_KEYS[user.role], obj.lang),
            state=state,
        )
    )


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def users_list(obj: Context, as_json: bool) -> None:
    """List users with their role and language."""
    from mediawatch.cli.review_views import print_users

    print_users(obj.store.list_users(), as_json, obj.lang)
