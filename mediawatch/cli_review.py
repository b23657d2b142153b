"""`mediawatch users ...`, `mediawatch issues ...` (review workflow) and `mediawatch serve`.

Other modules add their own commands to the ``issues`` group: ``from mediawatch.cli_review import
issues_group``. The CLI path of the workflow trusts whoever can open the database: ``--as NAME`` names a
registered user, whose role (and the four-eyes rule) is checked like on the web.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from mediawatch.cli import Context, cli, handle_errors
from mediawatch.compose.issues import find_issue
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES, t
from mediawatch.review.workflow import Permission, language_label, state_label
from mediawatch.types import EditionState, IssueState, Role, User

F = TypeVar("F", bound=Callable[..., Any])

AS_HELP = "Registered user to act as (`mediawatch users list`) [env MEDIAWATCH_USER]."


# -- users --------------------------------------------------------------------------------------------
@cli.group("users")
def users_group() -> None:
    """Users of the review (web app logins and --as on the command line)."""


def _read_password(password_file: str | None, lang: str) -> str:
    if password_file is None:
        return str(
            click.prompt(t("review.cli.password_prompt", lang), hide_input=True, confirmation_prompt=True)
        )
    try:
        text = Path(password_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(t("review.cli.password_file", lang, path=password_file, error=exc)) from None
    return text.splitlines()[0] if text.strip() else ""


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
@click.pass_obj
@handle_errors
def users_add(obj: Context, name: str, role: str, password_file: str | None, language: str) -> None:
    """Create a user with a role: viewer, editor, approver or admin."""
    from mediawatch.review.users import add_user, check_name

    check_name(name)
    password = _read_password(password_file, obj.lang)
    user = add_user(obj.store, name, Role(role), password, language)
    click.echo(t("review.cli.user_added", obj.lang, name=user.name, role=user.role.value))


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
@click.pass_obj
@handle_errors
def users_update(
    obj: Context, name: str, role: str | None, language: str | None, disabled: bool | None
) -> None:
    """Change a user's role or language, or disable the account of someone who left."""
    from mediawatch.review.users import update_user

    user = update_user(
        obj.store,
        name,
        role=Role(role) if role else None,
        language=language,
        active=None if disabled is None else not disabled,
    )
    state = t("review.cli.active" if user.active else "review.cli.inactive", obj.lang)
    click.echo(t("review.cli.user_updated", obj.lang, name=user.name, role=user.role.value, state=state))


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def users_list(obj: Context, as_json: bool) -> None:
    """List users with their role and language."""
    from mediawatch.cli_review_views import print_users

    print_users(obj.store.list_users(), as_json, obj.lang)


# -- issues -------------------------------------------------------------------------------------------
@cli.group("issues")
def issues_group() -> None:
    """Issues (newsletter, press review): list, show, review, approve, schedule."""


def _acting(obj: Context, name: str, permission: Permission) -> User:
    """``--as NAME``: registered, enabled, and allowed ``permission`` (before anything is read or written)."""
    from mediawatch.review.users import acting_user

    return acting_user(obj.store, name, permission)


def _as_option(func: F) -> F:
    return click.option("--as", "actor", required=True, envvar="MEDIAWATCH_USER", help=AS_HELP)(func)


@issues_group.command("list")
@click.option("--state", type=click.Choice([s.value for s in IssueState]), help="Only issues in this state.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def issues_list(obj: Context, state: str | None, as_json: bool) -> None:
    """Issues, newest first, with their state and what each one waits for."""
    from mediawatch.cli_review_views import print_issues

    found = obj.store.list_issues(state=IssueState(state) if state else None)
    print_issues(obj.store, found, as_json, obj.lang)


@issues_group.command("show")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--json", "as_json", is_flag=True, help="Print the issue as JSON.")
@click.pass_obj
@handle_errors
def issues_show(obj: Context, issue_ref: str, as_json: bool) -> None:
    """An issue: editions (state, approval, fingerprint now), items per section, what blocks sending."""
    from mediawatch.cli_review_views import print_issue

    issue = find_issue(obj.store, issue_ref)
    print_issue(obj.store, obj.settings, issue.id, as_json, obj.lang)


@issues_group.command("submit")
@click.argument("issue_ref", metavar="ISSUE")
@_as_option
@click.option("--note", default="", help="A note for the approvers.")
@click.pass_obj
@handle_errors
def issues_submit(obj: Context, issue_ref: str, actor: str, note: str) -> None:
    """Submit a draft issue for review (its editions go to in_review)."""
    from mediawatch.review import submit

    issue = find_issue(obj.store, issue_ref)
    submit(obj.store, issue.id, _acting(obj, actor, Permission.SUBMIT), note=note)
    click.echo(t("review.cli.submitted", obj.lang, slug=issue.slug))


@issues_group.command("approve")
@click.argument("issue_ref", metavar="ISSUE")
@click.option(
    "--lang",
    "languages",
    required=True,
    multiple=True,
    help="Edition to approve (fr, en, es); repeatable, or 'all' (every one not approved yet).",
)
@_as_option
@click.option("--note", default="", help="A note kept with the approval.")
@click.option(
    "--fingerprint",
    help="Approve only if the edition still has this fingerprint (as printed by `issues show`).",
)
@click.pass_obj
@handle_errors
def issues_approve(
    obj: Context, issue_ref: str, languages: tuple[str, ...], actor: str, note: str, fingerprint: str | None
) -> None:
    """Approve editions of an issue, bound to the fingerprint of their content rendered now."""
    from mediawatch.review import approve

    user = _acting(obj, actor, Permission.APPROVE)
    issue = find_issue(obj.store, issue_ref)
    if "all" in languages:  # every edition still waiting for approval
        editions = obj.store.issue_content(issue.id).editions
        wanted = [e.language for e in editions if e.state is not EditionState.APPROVED] or list(
            issue.languages
        )
    else:
        wanted = [x.strip().lower() for x in languages]
    for lang in wanted:
        edition = approve(
            obj.store, issue.id, lang, user, obj.settings, note=note, seen_fingerprint=fingerprint or None
        )
        click.echo(
            t(
                "review.cli.approved",
                obj.lang,
                slug=issue.slug,
                language=language_label(lang, obj.lang),
                fingerprint=edition.approved_fingerprint[:12],
            )
        )
    state = find_issue(obj.store, issue.id).state
    click.echo(t("review.cli.issue_state", obj.lang, slug=issue.slug, state=state_label(state, obj.lang)))


@issues_group.command("reject")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--lang", "language", required=True, help="Edition to send back (fr, en, es).")
@_as_option
@click.option("--note", required=True, help="What must change (required).")
@click.pass_obj
@handle_errors
def issues_reject(obj: Context, issue_ref: str, language: str, actor: str, note: str) -> None:
    """Send an edition back to its editors with a note (the issue returns to draft)."""
    from mediawatch.review import reject

    issue = find_issue(obj.store, issue_ref)
    reject(obj.store, issue.id, language.strip().lower(), _acting(obj, actor, Permission.APPROVE), note=note)
    click.echo(
        t("review.cli.rejected", obj.lang, slug=issue.slug, language=language_label(language, obj.lang))
    )


def _parse_when(value: str, lang: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(t("review.cli.bad_when", lang, value=repr(value))) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@issues_group.command("schedule")
@click.argument("issue_ref", metavar="ISSUE")
@click.option(
    "--at", "when", required=True, help="When to send: an ISO datetime (UTC unless an offset is given)."
)
@_as_option
@click.pass_obj
@handle_errors
def issues_schedule(obj: Context, issue_ref: str, when: str, actor: str) -> None:
    """Schedule an approved issue for sending (refused while any approval is stale)."""
    from mediawatch.review import schedule

    issue = find_issue(obj.store, issue_ref)
    user = _acting(obj, actor, Permission.SCHEDULE)
    done = schedule(obj.store, issue.id, user, _parse_when(when, obj.lang), obj.settings)
    assert done.scheduled_for is not None
    click.echo(
        t(
            "review.cli.scheduled",
            obj.lang,
            slug=issue.slug,
            when=done.scheduled_for.strftime("%Y-%m-%d %H:%M UTC"),
        )
    )


@issues_group.command("cancel")
@click.argument("issue_ref", metavar="ISSUE")
@_as_option
@click.option("--note", default="", help="Why.")
@click.pass_obj
@handle_errors
def issues_cancel(obj: Context, issue_ref: str, actor: str, note: str) -> None:
    """Cancel an issue that has not started sending."""
    from mediawatch.review import cancel

    issue = find_issue(obj.store, issue_ref)
    cancel(obj.store, issue.id, _acting(obj, actor, Permission.SCHEDULE), note=note)
    click.echo(t("review.cli.cancelled", obj.lang, slug=issue.slug))


@issues_group.command("log")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def issues_log(obj: Context, issue_ref: str, as_json: bool) -> None:
    """The audit log of an issue: who did what, when, with the before/after of every text change."""
    from mediawatch.cli_review_views import print_audit

    issue = find_issue(obj.store, issue_ref)
    print_audit(issue, obj.store.audit(issue.id), as_json, obj.lang)


@issues_group.command("preview-link")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--lang", "language", default=None, help="Edition (fr, en, es) of the new link.")
@click.option(
    "--days", type=click.FloatRange(min=0.01, max=90), default=7, show_default=True, help="Valid for."
)
@click.option("--list", "list_links", is_flag=True, help="List the issue's links instead of making one.")
@click.option("--revoke", "revoke_id", default=None, metavar="LINK", help="Revoke the link with this id.")
@_as_option
@click.pass_obj
@handle_errors
def issues_preview_link(
    obj: Context,
    issue_ref: str,
    language: str | None,
    days: float,
    list_links: bool,
    revoke_id: str | None,
    actor: str,
) -> None:
    """A signed link to read one edition without an account (read-only, expires, revocable).

    --list shows every link of the issue; --revoke LINK makes one stop working at once.
    """
    from mediawatch.review.links import create_share_link, revoke_share_link, share_links

    user = _acting(obj, actor, Permission.EDIT)
    issue = find_issue(obj.store, issue_ref)
    when = "%Y-%m-%d %H:%M UTC"
    if list_links:
        now = datetime.now(UTC)
        for link in share_links(obj.store, issue.id):
            if link.revoked_at is not None:
                state = t(
                    "review.cli.link_revoked",
                    obj.lang,
                    name=link.revoked_by,
                    when=link.revoked_at.strftime(when),
                )
            elif link.expires <= now:
                state = t("review.cli.link_expired", obj.lang)
            else:
                state = t("review.cli.link_active", obj.lang, when=link.expires.strftime(when))
            created = link.created_at.strftime(when)
            click.echo(f"{link.link_id}  {link.language}  {link.created_by}  {created}  {state}")
        return
    if revoke_id is not None:
        link = revoke_share_link(obj.store, issue.id, revoke_id, user.name)
        click.echo(t("review.cli.link_revoke_done", obj.lang, link=link.link_id), err=True)
        return
    language = (language or "").strip().lower()
    if language not in issue.languages:
        raise ConfigError(
            t("review.cli.no_edition", obj.lang, slug=issue.slug, language=language_label(language, obj.lang))
        )
    url, link = create_share_link(obj.store, obj.settings, issue.id, language, user.name, days=days)
    click.echo(url)
    click.echo(t("review.cli.link_expires", obj.lang, when=link.expires.strftime(when)), err=True)
    click.echo(t("review.cli.link_id", obj.lang, link=link.link_id), err=True)


# -- the web app --------------------------------------------------------------------------------------
@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes (default: web_workers in [web], 2).",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    default=None,
    help="Threads in each process (default: web_threads in [web], 4).",
)
@click.pass_obj
@handle_errors
def serve(obj: Context, host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Run the web app on gunicorn (behind a TLS reverse proxy for anything but localhost: see README)."""
    from mediawatch.config import LOCAL_BASE_URL
    from mediawatch.web.base import origin_of
    from mediawatch.web.server import serve as run_server

    def ready(url: str) -> None:
        click.echo(t("review.cli.serving", obj.lang, url=url), err=True)
        base_url = obj.settings.base_url.strip()
        if base_url and base_url != LOCAL_BASE_URL:
            click.echo(t("review.cli.serving_note", obj.lang, origin=origin_of(base_url)), err=True)
        else:  # the trial default: the web app answers forms from the address in use (web.base.site_origin)
            click.echo(t("review.cli.serving_trial", obj.lang), err=True)

    run_server(
        obj.settings,
        host,
        port,
        workers=workers or obj.settings.web_workers,
        threads=threads or obj.settings.web_threads,
        on_ready=ready,
    )
