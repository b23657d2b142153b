"""The review rules as pure decisions: no database, no rendering, no clock (reader's ``Decider``).

Each ``*_refusal`` function answers "may this happen now?" with ``None`` (yes) or a :class:`Reason`
(no, and why, translatable). The functions in :mod:`mediawatch.review.actions` gather the facts (issue,
editions, audit log, fingerprints of the content rendered now) and apply these rules.

    draft -> in_review -> approved -> scheduled -> sending -> sent      (+ cancelled before sending)

Each edition (fr, en, es...) is approved on its own, bound to the fingerprint of its rendered content;
the issue becomes ``approved`` when every edition is, and is sendable only while every approval still
matches the content rendered now. An approval that no longer matches (a template or a setting changed
what the edition renders) is *stale*: everything shows that edition as back in review, and it may be
approved again as it renders now (:func:`stale_languages`, :func:`shown_edition_state`).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from mediawatch.errors import Explanation, Forbidden, MediawatchError, Refused
from mediawatch.i18n import and_list, language_name, number, t, ui_language
from mediawatch.i18n.dates import format_datetime, format_datetime_utc
from mediawatch.i18n.states import ISSUE_STATE_KEYS
from mediawatch.types import Edition, EditionState, Issue, IssueState, Role

# Who acts without being a person: their changes make nobody the "author" for the four-eyes rule. User
# names may not take these (mediawatch.review.users).
SYSTEM_ACTORS = frozenset({"", "system", "compose", "translate", "render", "deliver", "collect", "classify"})

ISSUE_TRANSITIONS: Mapping[IssueState, frozenset[IssueState]] = {
    IssueState.DRAFT: frozenset({IssueState.IN_REVIEW, IssueState.CANCELLED}),
    IssueState.IN_REVIEW: frozenset({IssueState.APPROVED, IssueState.DRAFT, IssueState.CANCELLED}),
    IssueState.APPROVED: frozenset(
        {
            IssueState.SCHEDULED,
            IssueState.SENDING,
            IssueState.IN_REVIEW,
            IssueState.DRAFT,
            IssueState.CANCELLED,
        }
    ),
    IssueState.SCHEDULED: frozenset(
        {IssueState.SENDING, IssueState.APPROVED, IssueState.DRAFT, IssueState.CANCELLED}
    ),
    IssueState.SENDING: frozenset({IssueState.SENT}),
    IssueState.SENT: frozenset(),
    IssueState.CANCELLED: frozenset(),
}

# States whose content editors may still change (the store enforces the same set).
EDITABLE = frozenset({IssueState.DRAFT, IssueState.IN_REVIEW, IssueState.APPROVED})
# States whose issue title editors may still change (the store enforces the same set).
RETITLABLE = frozenset({IssueState.DRAFT, IssueState.IN_REVIEW})
SENDABLE_STATES = frozenset({IssueState.APPROVED, IssueState.SCHEDULED, IssueState.SENDING})


class Permission(enum.StrEnum):
    VIEW = "view"
    EDIT = "edit"  # texts, items, blocks, comments
    SUBMIT = "submit"
    APPROVE = "approve"  # approve or reject an edition
    SCHEDULE = "schedule"  # schedule, cancel, send
    MANAGE_USERS = "manage_users"
    SEND_ITEMS = "send_items"  # send an item in (/submit) and see one's own items


# A correspondent is outside the viewer < editor < approver < admin chain: sending items is all they do.
_EDITOR = frozenset({Permission.VIEW, Permission.EDIT, Permission.SUBMIT, Permission.SEND_ITEMS})
_APPROVER = _EDITOR | {Permission.APPROVE, Permission.SCHEDULE}
PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.EDITOR: _EDITOR,
    Role.APPROVER: _APPROVER,
    Role.ADMIN: _APPROVER | {Permission.MANAGE_USERS},
    Role.CORRESPONDENT: frozenset({Permission.SEND_ITEMS}),
}


def may(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


class ReasonKind(enum.StrEnum):
    STATE = "state"  # not in this state
    ACCESS = "access"  # not this user (role, four-eyes)
    STALE = "stale"  # the content is not what was approved / seen


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something may not happen: a catalogue key and its fields, translated when shown."""

    key: str
    # A field is a code or a value, or a text of its own said in the same language (why an edition
    # cannot be rendered)
    fields: tuple[tuple[str, str | Explanation], ...] = ()
    kind: ReasonKind = ReasonKind.STATE

    def text(self, lang: str) -> str:
        fields = {k: _field_label(k, v, lang) for k, v in self.fields}
        return t(self.key, lang, **fields)

    def __str__(self) -> str:  # what Refused and Forbidden say: the current UI language
        return self.text(ui_language())


# The words for issue and edition states: one table for every stage (mediawatch.i18n.states).
STATE_KEYS: Mapping[str, str] = ISSUE_STATE_KEYS
_STATE_FIELDS = frozenset({"state", "current", "target"})
_NUMBER_FIELDS = frozenset({"length", "limit"})
ROLE_KEYS: Mapping[str, str] = {
    "viewer": "review.role.viewer",
    "editor": "review.role.editor",
    "approver": "review.role.approver",
    "admin": "review.role.admin",
    "correspondent": "correspondents.role.correspondent",
}
PERMISSION_KEYS: Mapping[str, str] = {
    "view": "review.permission.view",
    "edit": "review.permission.edit",
    "submit": "review.permission.submit",
    "approve": "review.permission.approve",
    "schedule": "review.permission.schedule",
    "manage_users": "review.permission.manage_users",
    "send_items": "correspondents.permission.send_items",
}


def _field_label(name: str, value: str | Explanation, lang: str) -> str:
    """Codes carried by a reason (states, roles, permissions) in the reader's words."""
    if not isinstance(value, str):
        return value.text(lang)
    if name in _STATE_FIELDS:
        return state_label(value, lang)
    if name == "role" and value in ROLE_KEYS:
        return t(ROLE_KEYS[value], lang)
    if name == "action" and value in PERMISSION_KEYS:
        return t(PERMISSION_KEYS[value], lang)
    if name == "language":
        return language_name(value, lang)
    if name == "moment":  # an ISO date and time, written as the reader's language writes them
        return format_datetime(datetime.fromisoformat(value), lang)
    if name == "moment_utc":  # the same with its zone: the CLI prints it alone, the page beside a form
        return format_datetime_utc(datetime.fromisoformat(value), lang)
    if name in _NUMBER_FIELDS:  # a count or a limit in a sentence: grouped as the language writes numbers
        return number(int(value), lang)
    if name in ("known", "languages"):  # languages, by their codes
        return and_list([language_name(code, lang) for code in value.split(",") if code], lang)
    return value


def state_label(value: str, lang: str) -> str:
    """An issue state in words ("in_review" -> "en relecture")."""
    key = STATE_KEYS.get(value)
    return t(key, lang) if key else value


# An edition is feminine in French and Spanish ("édition validée", "edición aprobada"), an issue is not.
EDITION_STATE_KEYS: Mapping[str, str] = {
    "draft": "review.edition_state.draft",
    "in_review": "review.edition_state.in_review",
    "approved": "review.edition_state.approved",
}


def edition_state_label(value: str, lang: str) -> str:
    """An edition's state in words, agreeing with "edition" ("approved" -> "validée")."""
    key = EDITION_STATE_KEYS.get(value)
    return t(key, lang) if key else state_label(value, lang)


def reason(key: str, kind: ReasonKind = ReasonKind.STATE, **fields: object) -> Reason:
    """A reason whose fields are kept as text, except a text not yet in a language (a ``Message``)."""
    return Reason(key, tuple(sorted((k, _kept(v)) for k, v in fields.items())), kind)


def _kept(value: object) -> str | Explanation:
    if isinstance(value, str) or not (callable(getattr(value, "text", None)) and hasattr(value, "key")):
        return str(value)
    return cast(Explanation, value)


def refuse(why: Reason | None) -> None:
    """Raise the exception matching ``why``; nothing when it is None."""
    if why is None:
        return
    raise Forbidden(why) if why.kind is ReasonKind.ACCESS else Refused(why)


def localized(exc: BaseException, lang: str) -> str:
    """The message of an error in ``lang`` when it carries a reason, else its own (English) text."""
    return exc.translated(lang) if isinstance(exc, MediawatchError) else str(exc)


# -- who changed an edition last ---------------------------------------------------------------------
class AuditLine(Protocol):
    """What the rules read of an audit entry (mediawatch.store.issues.AuditEntry has it)."""

    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def before(self) -> str | None: ...
    @property
    def after(self) -> str | None: ...


_STATUS_ACTIONS = frozenset({"item.proposed", "item.accepted", "item.rejected"})
_NOT_CONTENT = frozenset({"item.comment"})


def is_content_change(entry: AuditLine) -> bool:
    """Does this audit line change what an edition shows? Item and block edits do; an item status change
    only when it rejects or restores an item (a proposed item is shown, an accepted one too)."""
    if entry.action in _NOT_CONTENT:
        return False
    if entry.action in _STATUS_ACTIONS:
        return "rejected" in (entry.before, entry.after)
    return entry.action.startswith(("item.", "block."))


def last_content_author(entries: Iterable[AuditLine], language: str) -> str:
    """The person who last changed what the ``language`` edition shows; "" when only the system did
    (shown on the issue page; the four-eyes rule reads :func:`unapproved_authors`)."""
    author = ""
    for entry in entries:
        if entry.actor in SYSTEM_ACTORS or not is_content_change(entry):
            continue
        if entry.language in ("", language):
            author = entry.actor
    return author


def unapproved_authors(
    entries: Iterable[AuditLine], language: str, *, withdrawn: bool = False
) -> frozenset[str]:
    """Everyone who made a change to the ``language`` edition that no standing approval covers.

    Read in audit order: a person's content change joins the pending set; an approval of the edition
    covers everything pending (the set empties); a withdrawal of that approval (a rejection, or an
    approval voided because the content moved under it) puts what it covered back. An edit that reopens
    an approved edition does not withdraw it: what was approved stays approved, only the new change waits.
    ``withdrawn``: as if the standing approval were withdrawn now (a stale approval about to be replaced).

    System changes (compose, machine translation) are nobody's: they never disqualify an approver, and
    they do not hide a person's change either.
    """
    pending: set[str] = set()
    covered: set[str] = set()
    for entry in entries:
        if entry.language not in ("", language):
            continue
        if entry.action == "edition.approved":
            covered, pending = pending, set()
        elif (
            entry.action.startswith("edition.")
            and entry.before == "approved"
            and entry.after
            not in (
                None,
                "approved",
            )
        ):
            if entry.action != "edition.reopened":
                pending |= covered
                covered = set()
        elif entry.actor not in SYSTEM_ACTORS and is_content_change(entry):
            pending.add(entry.actor)
    return frozenset(pending | covered if withdrawn else pending)


def ever_approved(entries: Iterable[AuditLine], language: str) -> bool:
    """Whether the ``language`` edition was ever approved (even if that approval was since withdrawn): the
    four-eyes wording says "since it was last approved" only then."""
    return any(e.action == "edition.approved" and e.language in ("", language) for e in entries)


# -- stale approvals -----------------------------------------------------------------------------------
def is_stale(edition: Edition, current_fingerprint: str | None) -> bool:
    """Approved, but the edition rendered now (``current_fingerprint``) is not what was approved.
    None: it could not be rendered now, which blocks sending on its own and says nothing of staleness."""
    return (
        edition.state is EditionState.APPROVED
        and current_fingerprint is not None
        and edition.approved_fingerprint != current_fingerprint
    )


def stale_languages(editions: Iterable[Edition], current: Mapping[str, str]) -> frozenset[str]:
    """The editions whose approval no longer matches what they render now (``current``: fingerprint by
    language, for those that could be rendered)."""
    return frozenset(e.language for e in editions if is_stale(e, current.get(e.language)))


def shown_edition_state(edition: Edition, stale: Collection[str]) -> EditionState:
    """The state people are shown and the rules act on: a stale approval is back in review."""
    if edition.state is EditionState.APPROVED and edition.language in stale:
        return EditionState.IN_REVIEW
    return edition.state


def shown_issue_state(issue: Issue, stale: Collection[str]) -> IssueState:
    """An approved issue with a stale edition is back in review (a scheduled one stays scheduled: its time
    still holds, and sending waits for the new approval)."""
    if issue.state is IssueState.APPROVED and stale:
        return IssueState.IN_REVIEW
    return issue.state


# -- decisions ---------------------------------------------------------------------------------------
def transition_refusal(current: IssueState, target: IssueState) -> Reason | None:
    if target in ISSUE_TRANSITIONS[current]:
        return None
    return reason("review.refused.transition", current=current.value, target=target.value)


def _role_refusal(role: Role, permission: Permission) -> Reason | None:
    if may(role, permission):
        return None
    return reason("review.refused.role", ReasonKind.ACCESS, role=role.value, action=permission.value)


def edit_refusal(issue: Issue, role: Role) -> Reason | None:
    why = _role_refusal(role, Permission.EDIT)
    if why is None and issue.state not in EDITABLE:
        why = reason("review.refused.frozen", state=issue.state.value)
    return why


def retitle_refusal(issue: Issue, role: Role) -> Reason | None:
    """An issue's own title follows the edits' rules (who may edit, an issue not frozen) and stops at the
    approval too: the approvers vouched for an issue under the name they saw."""
    why = edit_refusal(issue, role)
    if why is None and issue.state not in RETITLABLE:
        why = reason("review.refused.retitle_state", state=issue.state.value)
    return why


def submit_refusal(issue: Issue, role: Role) -> Reason | None:
    why = _role_refusal(role, Permission.SUBMIT)
    if why is None and issue.state is not IssueState.DRAFT:
        why = reason("review.refused.submit_state", state=issue.state.value)
    return why


def approve_refusal(
    issue: Issue,
    edition: Edition,
    *,
    actor: str,
    role: Role,
    authors: Collection[str],
    four_eyes: bool,
    current_fingerprint: str,
    seen_fingerprint: str | None = None,
    approved_before: bool = True,
) -> Reason | None:
    """May ``actor`` approve this edition now?

    ``authors`` are the people whose changes to the edition no approval covers yet
    (:func:`unapproved_authors`): with ``four_eyes``, none of them may approve it. Looking only at the
    last change would let anyone launder their own rewrite behind a colleague's harmless move.
    ``seen_fingerprint`` is the fingerprint of the content the approver was shown (the web page, or
    ``--fingerprint`` on the CLI): approving a page that has since changed is refused. A stale approval
    (approved, but ``current_fingerprint`` differs) may be replaced by an approval of the content now,
    also in a scheduled issue; ``authors`` should then count the changes it covered (its withdrawal).
    ``approved_before`` (:func:`ever_approved`) words the four-eyes refusal of a never-approved edition.
    """
    lang = edition.language
    why = _role_refusal(role, Permission.APPROVE)
    if why is not None:
        return why
    # A stale approval vouches for content that would no longer be sent: the edition is back in review.
    stale = is_stale(edition, current_fingerprint)
    if issue.state is IssueState.DRAFT:
        return reason("review.refused.not_submitted")
    if issue.state not in (IssueState.IN_REVIEW, IssueState.APPROVED) and not (
        stale and issue.state is IssueState.SCHEDULED
    ):
        return reason("review.refused.approve_state", state=issue.state.value)
    if edition.state is EditionState.APPROVED and not stale:
        return reason("review.refused.already_approved", language=lang, by=edition.approved_by)
    if edition.state not in (EditionState.IN_REVIEW, EditionState.APPROVED):
        return reason("review.refused.edition_draft", language=lang)
    if four_eyes and actor in authors:
        key = "review.refused.four_eyes" if approved_before else "review.refused.four_eyes_first"
        return reason(key, ReasonKind.ACCESS, language=lang, user=actor)
    if seen_fingerprint is not None and seen_fingerprint != current_fingerprint:
        return reason("review.refused.stale_view", ReasonKind.STALE, language=lang)
    return None


def reject_refusal(issue: Issue, edition: Edition, *, role: Role, note: str) -> Reason | None:
    why = _role_refusal(role, Permission.APPROVE)
    if why is not None:
        return why
    if issue.state not in (IssueState.IN_REVIEW, IssueState.APPROVED, IssueState.SCHEDULED):
        return reason("review.refused.reject_state", state=issue.state.value)
    if edition.state is EditionState.DRAFT:
        return reason("review.refused.edition_draft", language=edition.language)
    if not note.strip():
        return reason("review.refused.note_required")
    return None


def schedule_refusal(
    issue: Issue, *, role: Role, when: datetime, now: datetime, blockers: Sequence[Reason]
) -> Reason | None:
    why = _role_refusal(role, Permission.SCHEDULE)
    if why is not None:
        return why
    if issue.state not in (IssueState.APPROVED, IssueState.SCHEDULED):
        return reason("review.refused.schedule_state", state=issue.state.value)
    if blockers:
        return blockers[0]
    if when < now:
        return reason("review.refused.past", moment_utc=when.isoformat())
    return None


def cancel_refusal(issue: Issue, *, role: Role) -> Reason | None:
    why = _role_refusal(role, Permission.SCHEDULE)
    if why is None:
        why = transition_refusal(issue.state, IssueState.CANCELLED)
    return why


def all_approved(issue: Issue, editions: Sequence[Edition]) -> bool:
    states = {e.language: e.state for e in editions}
    return bool(issue.languages) and all(states.get(x) is EditionState.APPROVED for x in issue.languages)


def sendable_reasons(
    issue: Issue,
    editions: Sequence[Edition],
    current: Mapping[str, str],
    render_errors: Mapping[str, str | Explanation | Reason],
) -> list[Reason]:
    """Why this issue may not be sent now (empty: it may).

    ``current`` maps each edition language to the fingerprint of its content rendered now,
    ``render_errors`` to the reason it cannot be rendered: a text said after "the edition cannot be
    rendered", or a whole ``Reason`` that says it itself (``actions.render_blocker``). Every enabled
    edition (every language of the issue) must be approved, and its approval must be bound to exactly
    what would be sent.
    """
    found: list[Reason] = []
    if issue.state not in SENDABLE_STATES:
        found.append(reason("review.blocker.state", state=issue.state.value))
    by_lang = {e.language: e for e in editions}
    for lang in issue.languages:
        edition = by_lang.get(lang)
        if edition is None:
            found.append(reason("review.blocker.no_edition", language=lang))
            continue
        if lang in render_errors:
            error = render_errors[lang]
            if not isinstance(error, Reason):
                error = reason("review.blocker.render", language=lang, error=error)
            found.append(error)
            continue
        if edition.state is not EditionState.APPROVED:
            found.append(reason("review.blocker.not_approved", language=lang, state=edition.state.value))
        elif edition.approved_fingerprint != current.get(lang):
            found.append(
                reason(
                    "review.blocker.stale",
                    ReasonKind.STALE,
                    language=lang,
                    approved=edition.approved_fingerprint[:12] or "-",
                    now=(current.get(lang) or "-")[:12],
                )
            )
    return found


def waiting_for(
    issue: Issue, editions: Sequence[Edition], stale: Collection[str] = frozenset()
) -> list[Reason]:
    """What the issue waits for, in words for the issues list ("what is missing"); ``stale``: the
    editions whose approval no longer matches what they render now (:func:`stale_languages`)."""
    if issue.state is IssueState.DRAFT:
        return [reason("review.waiting.submit")]
    by_lang = {e.language: e for e in editions}
    missing = []
    for lang in issue.languages:
        edition = by_lang.get(lang)
        if edition is not None and edition.state is EditionState.APPROVED and lang in stale:
            missing.append(reason("review.waiting.reapproval", ReasonKind.STALE, language=lang))
        elif edition is None or edition.state is not EditionState.APPROVED:
            state = str(edition.state) if edition is not None else "-"
            missing.append(reason("review.waiting.approval", language=lang, state=state))
    if issue.state in (IssueState.IN_REVIEW, IssueState.APPROVED):
        return missing or [reason("review.waiting.schedule")]
    if issue.state is IssueState.SCHEDULED and issue.scheduled_for is not None:
        return [*missing, reason("review.waiting.send", moment=issue.scheduled_for.isoformat())]
    return []
