"""`mediawatch issues ...`: the review workflow of an issue.

The CLI path of the workflow trusts whoever can open the database: ``--as NAME`` names a registered user,
whose role (and the four-eyes rule) is checked like on the web. The editor blocks of an issue
(`mediawatch issues block ...`, :mod:`mediawatch.cli.blocks`) are added to this group by the root.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from mediawatch.cli.context import Context, acting, as_option, handle_errors
from mediawatch.compose.issues import find_issue
from mediawatch.errors import ConfigError
from mediawatch.i18n import language_name, t
from mediawatch.i18n.dates import format_datetime, format_datetime_utc
from mediawatch.review.workflow import Permission, state_label
from mediawatch.types import EditionState, IssueState

F = TypeVar("F", bound=Callable[..., Any])

AS_HELP = "Registered user to act as (`mediawatch users list`)."


@click.group("issues")
def issues_group() -> None:
    """Issues (newsletter, press review): list, show, review, approve, schedule."""


def _as_option(func: F) -> F:
    return as_option(AS_HELP)(func)


@issues_group.command("list")
@click.option("--state", type=click.Choice([s.value for s in IssueState]), help="Only issues in this state.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def issues_list(obj: Context, state: str | None, as_json: bool) -> None:
    """Issues, newest first, with their state and what each one waits for."""
    from mediawatch.cli.review_views import print_issues
    from mediawatch.review.actions import issue_statuses

    # Filtered on the state shown: an approved issue whose approval went stale is in review.
    statuses = issue_statuses(obj.store, obj.store.list_issues(), obj.settings)
    shown = [s for s in statuses if state is None or s.state.value == state]
    print_issues(shown, as_json, obj.lang, obj.zone)


@issues_group.command("show")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--json", "as_json", is_flag=True, help="Print the issue as JSON.")
@click.pass_obj
@handle_errors
def issues_show(obj: Context, issue_ref: str, as_json: bool) -> None:
    """An issue: editions (state, approval, fingerprint now), items per section, what blocks sending."""
    from mediawatch.cli.review_views import print_issue

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
    submit(obj.store, issue.id, acting(obj, actor, Permission.SUBMIT), note=note)
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
    from mediawatch.review import approve, issue_status

    user = acting(obj, actor, Permission.APPROVE)
    issue = find_issue(obj.store, issue_ref)
    if "all" in languages:  # every edition still waiting for approval (a stale approval waits too)
        status = issue_status(obj.store, issue.id, obj.settings)
        wanted = [
            e.language for e in status.editions if status.edition_state(e) is not EditionState.APPROVED
        ] or list(issue.languages)
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
                language=language_name(lang, obj.lang),
                fingerprint=edition.approved_fingerprint[:12],
            )
        )
    state = issue_status(obj.store, issue.id, obj.settings).state
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
    reject(obj.store, issue.id, language.strip().lower(), acting(obj, actor, Permission.APPROVE), note=note)
    click.echo(
        t("review.cli.rejected", obj.lang, slug=issue.slug, language=language_name(language, obj.lang))
    )


def _parse_when(value: str, lang: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(t("review.cli.bad_when", lang, value=value), param_hint="--at") from None
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

    moment = _parse_when(when, obj.lang)  # what was typed is checked before anything is read
    issue = find_issue(obj.store, issue_ref)
    user = acting(obj, actor, Permission.SCHEDULE)
    done = schedule(obj.store, issue.id, user, moment, obj.settings)
    assert done.scheduled_for is not None
    click.echo(
        t(
            "review.cli.scheduled",
            obj.lang,
            slug=issue.slug,
            when=format_datetime_utc(done.scheduled_for, obj.lang),
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
    cancel(obj.store, issue.id, acting(obj, actor, Permission.SCHEDULE), note=note)
    click.echo(t("review.cli.cancelled", obj.lang, slug=issue.slug))


@issues_group.command("retitle")
@click.argument("issue_ref", metavar="ISSUE")
@click.argument("title")
@_as_option
@click.pass_obj
@handle_errors
def issues_retitle(obj: Context, issue_ref: str, title: str, actor: str) -> None:
    """Give a draft or in-review issue its own title; "" gives it back its default name."""
    from mediawatch.compose.issues import default_title, issue_title
    from mediawatch.review.editing import retitle

    issue = find_issue(obj.store, issue_ref)
    changed = retitle(obj.store, issue.id, acting(obj, actor, Permission.EDIT), title, settings=obj.settings)
    issue = find_issue(obj.store, issue.id)
    name = issue_title(issue, obj.lang, obj.zone)
    if not changed:
        key = "review.cli.title_unchanged"
    elif issue.title == default_title(issue.publication, issue.period_from, issue.period_to):
        key = "review.cli.title_default"
    else:
        key = "review.cli.retitled"
    click.echo(t(key, obj.lang, slug=issue.slug, title=name))


@issues_group.command("log")
@click.argument("issue_ref", metavar="ISSUE")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def issues_log(obj: Context, issue_ref: str, as_json: bool) -> None:
    """The audit log of an issue: who did what, when, with the before/after of every text change."""
    from mediawatch.cli.review_views import print_audit

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

    user = acting(obj, actor, Permission.EDIT)
    issue = find_issue(obj.store, issue_ref)
    if list_links:  # times as the staff pages write them, the zone said once under the list
        now = datetime.now(UTC)
        for link in share_links(obj.store, issue.id):
            if link.revoked_at is not None:
                state = t(
                    "review.cli.link_revoked",
                    obj.lang,
                    name=link.revoked_by,
                    when=format_datetime(link.revoked_at, obj.lang),
                )
            elif link.expires <= now:
                state = t("review.cli.link_expired", obj.lang)
            else:
                state = t("review.cli.link_active", obj.lang, when=format_datetime(link.expires, obj.lang))
            created = format_datetime(link.created_at, obj.lang)
            language = language_name(link.language, obj.lang)
            click.echo(f"{link.link_id}  {language}  {link.created_by}  {created}  {state}")
        click.echo(t("review.cli.times_utc", obj.lang))
        return
    if revoke_id is not None:
        link = revoke_share_link(obj.store, issue.id, revoke_id, user.name)
        click.echo(t("review.cli.link_revoke_done", obj.lang, link=link.link_id), err=True)
        return
    language = (language or "").strip().lower()
    if language not in issue.languages:
        raise ConfigError(
            t("review.cli.no_edition", obj.lang, slug=issue.slug, language=language_name(language, obj.lang))
        )
    url, link = create_share_link(obj.store, obj.settings, issue.id, language, user.name, days=days)
    click.echo(url)
    expires = format_datetime_utc(link.expires, obj.lang)
    click.echo(t("review.cli.link_expires", obj.lang, when=expires), err=True)
    click.echo(t("review.cli.link_id", obj.lang, link=link.link_id), err=True)
