"""The review workflow applied: gather the facts, ask :mod:`~mediawatch.review.workflow`, record.

The CLI (``mediawatch issues ...``), the web app and delivery all call these functions; none of them
changes a state any other way. Every refusal raises :class:`~mediawatch.review.workflow.Refused` or
:class:`~mediawatch.review.workflow.Forbidden` carrying a translatable reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from mediawatch.compose.issues import find_issue
from mediawatch.config import Settings
from mediawatch.errors import Explanation, Refused, RenderError
from mediawatch.i18n import Message, ui_language
from mediawatch.render import RenderedEdition, fingerprint, render_edition
from mediawatch.render.edition import failed_checks
from mediawatch.render.memo import TemplatesVersion, edition_fingerprint, templates_version
from mediawatch.review.workflow import (
    Permission,
    Reason,
    all_approved,
    approve_refusal,
    cancel_refusal,
    ever_approved,
    is_stale,
    last_content_author,
    may,
    reason,
    refuse,
    reject_refusal,
    schedule_refusal,
    sendable_reasons,
    shown_edition_state,
    shown_issue_state,
    stale_languages,
    submit_refusal,
    transition_refusal,
    unapproved_authors,
    waiting_for,
)
from mediawatch.store.issues import coded_note
from mediawatch.store.protocols import IssueRepository
from mediawatch.types import Edition, EditionState, Issue, IssueContent, IssueState, User


@dataclass(frozen=True, slots=True)
class EditionReview:
    """Where one edition stands, with the fingerprint of its content rendered now."""

    edition: Edition
    rendered: RenderedEdition | None  # None when it cannot be rendered
    fingerprint: str  # of the content rendered now ("" when it cannot be rendered)
    render_error: RenderError | None  # why it cannot be rendered, said in any language (render_error_text)
    last_author: str  # who last changed it ("" : only the system did)
    pending_authors: frozenset[str] = frozenset()  # whose changes no approval covers (four-eyes)
    approved_before: bool = False  # ever approved (the four-eyes wording: "since it was last approved")
    # Approved, but what would be sent now is not what was approved (only while the issue is open to
    # review or waiting to be sent: a sent issue's approvals are its history)
    stale: bool = False

    @property
    def state(self) -> EditionState:
        """The state shown and acted on: a stale approval is back in review."""
        return EditionState.IN_REVIEW if self.stale else self.edition.state

    def render_error_text(self, lang: str) -> str:
        """Why the edition cannot be rendered, in ``lang`` ("" when it can)."""
        return self.render_error.translated(lang) if self.render_error is not None else ""


@dataclass(frozen=True, slots=True)
class IssueStatus:
    """An issue as the lists show it: stale approvals (content rendered now differs) count as in review."""

    issue: Issue
    editions: tuple[Edition, ...]
    stale: frozenset[str]  # languages whose approval no longer matches what they render now

    @property
    def state(self) -> IssueState:
        return shown_issue_state(self.issue, self.stale)

    def edition_state(self, edition: Edition) -> EditionState:
        return shown_edition_state(edition, self.stale)

    @property
    def waiting(self) -> list[Reason]:
        return waiting_for(self.issue, self.editions, self.stale)


def render_problem(error: RenderError) -> str | Explanation:
    """What a review reason says of a refused rendering: its catalogue text when it has one, so that
    the reason is said in its reader's language (the English text otherwise)."""
    return error.reason if error.reason is not None else str(error)


# The longest note an approval or a rejection takes (the issue page says it beside the box): it goes into
# the audit log and the edition's note, which the page shows in full.
MAX_NOTE = 2000


def check_note(note: str) -> None:
    """Refused, naming the limit, when a note is longer than :data:`MAX_NOTE`: kept whole for the person
    to shorten rather than cut, which would log a note whose end is missing."""
    if len(note) > MAX_NOTE:
        raise Refused(reason("review.refused.note_too_long", length=len(note), limit=MAX_NOTE))


# The reasons saying that an edition cannot be rendered: the issue page says them where it says so itself.
RENDER_BLOCKERS = frozenset(
    {"review.blocker.render", "review.blocker.render_checks", "review.blocker.render_templates"}
)


def template_languages(error: RenderError) -> tuple[str, ...] | None:
    """The languages the templates are written in, when ``error`` refuses an edition for want of them
    (``render.refused.no_templates``); None for any other refusal."""
    said = error.reason
    if isinstance(said, Message) and said.key == "render.refused.no_templates":
        return tuple(getattr(said.fields.get("known"), "codes", ()))
    return None


def render_blocker(language: str, error: RenderError) -> Reason:
    """Why the ``language`` edition may not be approved nor sent: it cannot be rendered. A refusal by the
    checks gives only its "2 checks fail: ..." after "cannot be rendered because", and one for want of
    templates only the languages they are in: their own sentences say the edition cannot be rendered,
    and said after ours they would say so twice."""
    failed = failed_checks(error)
    if failed is not None:
        return reason("review.blocker.render_checks", language=language, failed=failed)
    known = template_languages(error)
    if known is not None:
        return reason("review.blocker.render_templates", language=language, known=",".join(known))
    return reason("review.blocker.render", language=language, error=render_problem(error))


def render_now(content: IssueContent, language: str, settings: Settings) -> tuple[RenderedEdition, str]:
    """The edition as it would be sent now and its fingerprint (RenderError when it cannot be)."""
    rendered = render_edition(content, language, settings)
    return rendered, fingerprint(rendered)


def approved_fingerprints(
    content: IssueContent, settings: Settings, templates: TemplatesVersion | None = None
) -> dict[str, str]:
    """The fingerprint rendered now of each approved edition (those that cannot be rendered left out).

    Through :func:`~mediawatch.render.memo.edition_fingerprint`: the approver's count asks on every page,
    and an edition is rendered again only when its content, a setting or a template file changed
    (``templates``: the files as read once for several issues)."""
    approved = [e.language for e in content.editions if e.state is EditionState.APPROVED]
    if not approved:
        return {}
    try:
        templates = templates or templates_version(settings)
    except RenderError:  # no templates folder: nothing can be rendered, which blocks sending on its own
        return {}
    found = {}
    for language in approved:
        try:
            found[language] = edition_fingerprint(content, language, settings, templates=templates)
        except RenderError:
            continue
    return found


# The states in which an approval may go stale: before the outbox is built. Later (sending, sent,
# cancelled) the approvals are the record of what was sent, and nothing is rendered to list them.
STALE_STATES = frozenset({IssueState.IN_REVIEW, IssueState.APPROVED, IssueState.SCHEDULED})


def issue_status(
    store: IssueRepository, issue_id: int, settings: Settings, templates: TemplatesVersion | None = None
) -> IssueStatus:
    """The issue with its stale approvals found by rendering its approved editions now."""
    return content_status(store.issue_content(issue_id), settings, templates)


def content_status(
    content: IssueContent, settings: Settings, templates: TemplatesVersion | None = None
) -> IssueStatus:
    """:func:`issue_status` of an issue's content already read."""
    stale: frozenset[str] = frozenset()
    if content.issue.state in STALE_STATES:
        stale = stale_languages(content.editions, approved_fingerprints(content, settings, templates))
    return IssueStatus(content.issue, content.editions, stale)


def _templates_once(settings: Settings) -> TemplatesVersion | None:
    try:
        return templates_version(settings)
    except RenderError:  # said by each edition that cannot be rendered
        return None


def issue_statuses(store: IssueRepository, issues: Iterable[Issue], settings: Settings) -> list[IssueStatus]:
    """:func:`issue_status` of each issue, the template files read once for all of them."""
    templates = _templates_once(settings)
    return [issue_status(store, issue.id, settings, templates) for issue in issues]


def awaiting_approval(
    store: IssueRepository,
    user: User,
    settings: Settings,
    statuses: Sequence[IssueStatus] | None = None,
) -> dict[int, list[str]]:
    """The editions that wait for an approval ``user`` may give, by issue id (their languages in the
    issue's order): shown in review (a stale approval included) in an issue open to approval, and, under
    four-eyes, with none of her own changes pending.

    Decided on the states the issues list shows (:func:`issue_status`), so that the navigation's count and
    the list agree: ``statuses`` are the list's own when it has them; else only the issues that may wait
    are read, in one pass whatever their number, and only their approved editions rendered (to find the
    stale ones)."""
    if not may(user.role, Permission.APPROVE):
        return {}
    if statuses is None:
        # the order the count gave when it listed each state in turn (newest first within each)
        contents = sorted(store.issue_contents(states=STALE_STATES), key=lambda c: c.issue.state)
        templates = _templates_once(settings)
        statuses = [content_status(content, settings, templates) for content in contents]
    waiting: dict[int, tuple[IssueStatus, set[str]]] = {}
    for status in statuses:
        if status.state not in STALE_STATES:
            continue
        langs = {e.language for e in status.editions if status.edition_state(e) is EditionState.IN_REVIEW}
        if langs:
            waiting[status.issue.id] = (status, langs)
    audits = store.audits(list(waiting)) if settings.four_eyes else {}
    found: dict[int, list[str]] = {}
    for issue_id, (status, langs) in waiting.items():
        mine = [
            lang
            for lang in status.issue.languages
            if lang in langs
            and not (
                settings.four_eyes
                and user.name in unapproved_authors(audits[issue_id], lang, withdrawn=lang in status.stale)
            )
        ]
        if mine:
            found[issue_id] = mine
    return found


def review_editions(
    store: IssueRepository, issue_id: int, settings: Settings, languages: Sequence[str] | None = None
) -> list[EditionReview]:
    """Each edition of the issue (or only ``languages``), rendered now."""
    content = store.issue_content(issue_id)
    audit = store.audit(issue_id)
    found = []
    for edition in content.editions:
        if languages is not None and edition.language not in languages:
            continue
        rendered: RenderedEdition | None = None
        fp = ""
        error: RenderError | None = None
        try:
            rendered, fp = render_now(content, edition.language, settings)
        except RenderError as exc:
            error = exc
        stale = content.issue.state in STALE_STATES and is_stale(edition, None if error else fp)
        found.append(
            EditionReview(
                edition=edition,
                rendered=rendered,
                fingerprint=fp,
                render_error=error,
                last_author=last_content_author(audit, edition.language),
                pending_authors=unapproved_authors(audit, edition.language, withdrawn=stale),
                approved_before=ever_approved(audit, edition.language),
                stale=stale,
            )
        )
    return found


def sendable_blockers(store: IssueRepository, issue_id: int, settings: Settings) -> list[Reason]:
    """Why the issue may not be sent now, as reasons (empty: it may)."""
    content = store.issue_content(issue_id)
    current: dict[str, str] = {}
    errors: dict[str, str | Explanation | Reason] = {}
    for lang in content.issue.languages:
        try:
            current[lang] = render_now(content, lang, settings)[1]
        except RenderError as exc:
            errors[lang] = render_blocker(lang, exc)
    return sendable_reasons(content.issue, content.editions, current, errors)


def check_sendable(
    store: IssueRepository, issue_id: int, settings: Settings, *, lang: str | None = None
) -> list[str]:
    """Why the issue may not be sent now, in words (``lang``, default the UI language); empty = sendable.

    Every edition must be approved, and each approval's fingerprint must equal the fingerprint of the
    edition rendered now: an approval never covers content (or templates, or settings) it did not see.
    """
    code = ui_language(lang)
    return [why.text(code) for why in sendable_blockers(store, issue_id, settings)]


def _edition(content: IssueContent, language: str) -> Edition:
    for edition in content.editions:
        if edition.language == language:
            return edition
    raise Refused(
        reason(
            "review.refused.no_edition",
            language=language,
            slug=content.issue.slug,
            languages=",".join(content.issue.languages),
        )
    )


def submit(store: IssueRepository, issue_id: int, user: User, *, note: str = "") -> Issue:
    """Draft -> in review: every draft edition goes to review."""
    content = store.issue_content(issue_id)
    refuse(submit_refusal(content.issue, user.role))
    if not store.set_issue_state(
        issue_id, IssueState.IN_REVIEW, actor=user.name, note=note, expect=[IssueState.DRAFT]
    ):
        raise Refused(reason("review.refused.changed_meanwhile"))
    for edition in content.editions:
        if edition.state is EditionState.DRAFT:
            store.set_edition_state(
                issue_id, edition.language, EditionState.IN_REVIEW, actor=user.name, note=note
            )
    return find_issue(store, issue_id)


def approve(
    store: IssueRepository,
    issue_id: int,
    language: str,
    user: User,
    settings: Settings,
    *,
    note: str = "",
    seen_fingerprint: str | None = None,
) -> Edition:
    """Approve one edition, bound to the fingerprint of its content rendered now.

    The issue becomes ``approved`` when its last edition is and no other approval is stale. Refused for
    the authors of unapproved changes (four-eyes, unless ``settings.four_eyes`` is off), for a page that
    changed since the approver saw it (``seen_fingerprint``), and for an edition that cannot be rendered.
    A stale approval (the edition renders differently now: a template or a setting changed) is withdrawn
    with the reason in the audit log, then replaced by this one; a scheduled issue keeps its time.
    """
    check_note(note)
    content = store.issue_content(issue_id)
    edition = _edition(content, language)
    try:
        _rendered, current = render_now(content, language, settings)
    except RenderError as exc:
        raise Refused(render_blocker(language, exc)) from None
    stale = is_stale(edition, current)
    log = store.audit(issue_id)
    refuse(
        approve_refusal(
            content.issue,
            edition,
            actor=user.name,
            role=user.role,
            authors=unapproved_authors(log, language, withdrawn=stale),
            four_eyes=settings.four_eyes,
            current_fingerprint=current,
            seen_fingerprint=seen_fingerprint,
            approved_before=ever_approved(log, language),
        )
    )
    if stale:
        _withdraw_stale(store, content.issue, edition, current)
    store.set_edition_state(
        issue_id, language, EditionState.APPROVED, actor=user.name, note=note.strip(), fingerprint=current
    )
    # An edit between our render and the approval above is caught here: the approval no longer matches.
    after = store.issue_content(issue_id)
    if render_now(after, language, settings)[1] != current:
        store.set_edition_state(
            issue_id,
            language,
            EditionState.IN_REVIEW,
            actor="system",
            note=coded_note("changed while being approved", "editor.audit.note.changed_while_approving"),
        )
        raise Refused(reason("review.refused.stale_view", language=language))
    others_stale = stale_languages(after.editions, approved_fingerprints(after, settings))
    if all_approved(after.issue, after.editions) and not others_stale:
        store.set_issue_state(
            issue_id,
            IssueState.APPROVED,
            actor=user.name,
            note=coded_note("every edition approved", "editor.audit.note.all_approved"),
            expect=[IssueState.IN_REVIEW],
        )
    return _edition(store.issue_content(issue_id), language)


def _withdraw_stale(store: IssueRepository, issue: Issue, edition: Edition, current: str) -> None:
    """Record that a stale approval is withdrawn, and why, before the new one: the log then reads
    "approved -> in review (it renders differently now) -> approved", and four-eyes counts the changes
    the old approval covered as uncovered again."""
    approved, now = edition.approved_fingerprint[:12] or "-", current[:12]
    note = coded_note(
        f"the {edition.language} edition renders differently since it was approved (approved {approved},"
        f" now {now}: a template or a setting changed)",
        "review.audit.stale",
        language=edition.language,
        approved=approved,
        now=now,
    )
    store.set_edition_state(issue.id, edition.language, EditionState.IN_REVIEW, actor="system", note=note)
    store.set_issue_state(
        issue.id, IssueState.IN_REVIEW, actor="system", note=note, expect=[IssueState.APPROVED]
    )


def withdraw_stale_approvals(store: IssueRepository, issue_id: int, settings: Settings) -> None:
    """Write the withdrawal of each stale approval (approved -> in review, with both fingerprints): an
    editor is about to act on the issue as the in-review issue it really is, and the store's own guards
    read the stored state."""
    content = store.issue_content(issue_id)
    if content.issue.state not in STALE_STATES:
        return
    current = approved_fingerprints(content, settings)
    for edition in content.editions:
        if is_stale(edition, current.get(edition.language)):
            _withdraw_stale(store, content.issue, edition, current[edition.language])


def reject(store: IssueRepository, issue_id: int, language: str, user: User, *, note: str) -> Edition:
    """Send an edition back to its editors with a note; the issue goes back to draft (to be resubmitted)."""
    check_note(note)
    content = store.issue_content(issue_id)
    edition = _edition(content, language)
    refuse(reject_refusal(content.issue, edition, role=user.role, note=note))
    store.set_edition_state(issue_id, language, EditionState.DRAFT, actor=user.name, note=note.strip())
    store.set_issue_state(
        issue_id,
        IssueState.DRAFT,
        actor=user.name,
        note=coded_note(f"{language} rejected", "editor.audit.note.edition_rejected", language=language),
        expect=[IssueState.IN_REVIEW, IssueState.APPROVED, IssueState.SCHEDULED],
    )
    return _edition(store.issue_content(issue_id), language)


def schedule(store: IssueRepository, issue_id: int, user: User, when: datetime, settings: Settings) -> Issue:
    """Approved -> scheduled for ``when`` (aware; re-scheduling a scheduled issue moves it)."""
    issue = find_issue(store, issue_id)
    now = datetime.now(UTC)
    when = when.astimezone(UTC)
    blockers = sendable_blockers(store, issue_id, settings)
    refuse(schedule_refusal(issue, role=user.role, when=when, now=now, blockers=blockers))
    if not store.set_issue_state(
        issue_id,
        IssueState.SCHEDULED,
        actor=user.name,
        note=when.isoformat(),
        scheduled_for=when,
        expect=[IssueState.APPROVED, IssueState.SCHEDULED],
    ):
        raise Refused(reason("review.refused.changed_meanwhile"))
    return find_issue(store, issue_id)


def cancel(store: IssueRepository, issue_id: int, user: User, *, note: str = "") -> Issue:
    issue = find_issue(store, issue_id)
    refuse(cancel_refusal(issue, role=user.role))
    cancellable = [s for s in IssueState if transition_refusal(s, IssueState.CANCELLED) is None]
    if not store.set_issue_state(
        issue_id, IssueState.CANCELLED, actor=user.name, note=note.strip(), expect=cancellable
    ):
        raise Refused(reason("review.refused.changed_meanwhile"))
    return find_issue(store, issue_id)


def begin_sending(
    store: IssueRepository, issue_id: int, settings: Settings, *, actor: str = "deliver"
) -> None:
    """Approved or scheduled -> sending, only when :func:`check_sendable` finds nothing (for delivery)."""
    blockers = sendable_blockers(store, issue_id, settings)
    if blockers:
        raise Refused(blockers[0])
    issue = find_issue(store, issue_id)
    if issue.state is IssueState.SENDING:
        return  # resuming an interrupted send
    if not store.set_issue_state(
        issue_id,
        IssueState.SENDING,
        actor=actor,
        expect=[IssueState.APPROVED, IssueState.SCHEDULED],
    ):
        raise Refused(reason("review.refused.changed_meanwhile"))


def mark_sent(store: IssueRepository, issue_id: int, *, actor: str = "deliver", note: str = "") -> None:
    """Sending -> sent (for delivery, once every message went out)."""
    if not store.set_issue_state(
        issue_id, IssueState.SENT, actor=actor, note=note, expect=[IssueState.SENDING]
    ):
        issue = find_issue(store, issue_id)
        refuse(transition_refusal(issue.state, IssueState.SENT))
