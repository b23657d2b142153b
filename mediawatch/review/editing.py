"""Editors' changes to an issue: the rules here, the storage in the store.

The store logs every change and sends approved editions back to review. The rules are checked here, before
the write: the user's role, whether the issue may still change, that the item, block, section and edition
exist, that a title or comment is not empty. A write that finds the issue frozen or a row gone meanwhile
(:class:`~mediawatch.errors.ConflictError`) is refused as if the check had seen it. An item's accept/reject
is also recorded as a decision the classifier learns from (``mediawatch retrain``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

from mediawatch.compose.issues import default_title
from mediawatch.config import Settings
from mediawatch.errors import ConflictError, Refused
from mediawatch.identity import host_reason
from mediawatch.review.actions import issue_status, withdraw_stale_approvals
from mediawatch.review.workflow import (
    Permission,
    ReasonKind,
    edit_refusal,
    may,
    reason,
    refuse,
    retitle_refusal,
)
from mediawatch.store.protocols import DecidingStore, EditorialStore
from mediawatch.types import (
    Block,
    BlockKind,
    Comment,
    IssueContent,
    IssueItem,
    ItemStatus,
    TextOrigin,
    User,
)

# The longest texts the issue page's fields take (their maxlength): the server holds them too, since a
# browser's limit is only a convenience (a script or an edited page sends anything).
MAX_TITLE = 500
MAX_SUMMARY = 5000
MAX_BLOCK_BODY = 20000
MAX_LINK = 2000
MAX_COMMENT = 2000
# An issue's own title names it in lists, headings and the CLI's tables: a line, not a paragraph.
MAX_ISSUE_TITLE = 200

# How sure the language detector must be that touched-up words are now in the edition's language before
# the "not translated" mark goes (a wrong "yes" would send foreign words to readers unmarked).
TRANSLATED_CONFIDENCE = 0.6


def _item(store: EditorialStore, item_id: int) -> tuple[IssueContent, IssueItem]:
    issue_id = store.item_issue_id(item_id)
    if issue_id is not None:
        content = store.issue_content(issue_id)
        for item in content.items:
            if item.id == item_id:
                return content, item
    raise Refused(reason("review.refused.no_item", item=item_id))


def _block(store: EditorialStore, block_id: int) -> Block:
    block = store.block(block_id)
    if block is None:
        raise Refused(reason("review.refused.no_block", block=block_id))
    return block


def _may_edit(store: EditorialStore, issue_id: int, user: User) -> IssueContent:
    content = store.issue_content(issue_id)
    refuse(edit_refusal(content.issue, user.role))
    return content


@contextlib.contextmanager
def _checked_again(store: EditorialStore, issue_id: int, user: User) -> Iterator[None]:
    """The store refused a write (the issue froze, or the row went, after our checks): the same refusal
    the checks give now, else "changed meanwhile"."""
    try:
        yield
    except ConflictError:
        _may_edit(store, issue_id, user)
        raise Refused(reason("review.refused.changed_meanwhile")) from None


def _no_edition(content: IssueContent, language: str) -> Refused:
    issue = content.issue
    return Refused(
        reason(
            "review.refused.no_edition",
            language=language,
            slug=issue.slug,
            languages=",".join(issue.languages),
        )
    )


def edit_text(
    store: EditorialStore,
    item_id: int,
    language: str,
    user: User,
    *,
    title: str | None,
    summary: str | None,
    translated: bool | None = None,
) -> None:
    """Change an item's title and/or summary in one edition (the text becomes human-edited).

    A text still in another language (untranslated) keeps that mark after a touch-up, so its "not
    translated" badge still warns readers, until it is in the edition's language: ``translated`` says
    so explicitly (the editor ticked "translated"), else the language of the new words decides.
    """
    content, item = _item(store, item_id)
    refuse(edit_refusal(content.issue, user.role))
    if title is not None and not title.strip():
        raise Refused(reason("review.refused.empty_title"))
    _check_length("review.refused.title_too_long", title, MAX_TITLE)
    _check_length("review.refused.summary_too_long", summary, MAX_SUMMARY)
    origin = TextOrigin.HUMAN
    before = item.text(language)
    if before is None:
        raise _no_edition(content, language)
    if before.origin is TextOrigin.UNTRANSLATED:
        words_in = before.source_language or item.language
        if translated is None:
            translated = _written_in(
                language,
                before.title if title is None else title,
                before.summary if summary is None else summary,
            )
        if not translated and words_in != language:
            origin = TextOrigin.UNTRANSLATED
    with _checked_again(store, content.issue.id, user):
        store.set_item_text(item_id, language, title=title, summary=summary, actor=user.name, origin=origin)


def _written_in(language: str, title: str, summary: str) -> bool:
    """Do these words read as ``language``? (the language detector of the classify stage)"""
    from mediawatch.classify.language import detect_language

    guess = detect_language(title, summary)
    return guess.code == language and guess.confidence >= TRANSLATED_CONFIDENCE


def decide_item(store: DecidingStore, item_id: int, accepted: bool, user: User, *, note: str = "") -> None:
    """Accept or reject an item; the decision also feeds the classifier's retraining."""
    content, item = _item(store, item_id)
    refuse(edit_refusal(content.issue, user.role))
    status = ItemStatus.ACCEPTED if accepted else ItemStatus.REJECTED
    with _checked_again(store, content.issue.id, user):
        store.set_item_status(item_id, status, actor=user.name, note=note)
    store.record_decision(item.article_id, accepted, user.name, context=f"issue:{content.issue.slug}")


def move_item(
    store: EditorialStore, item_id: int, user: User, *, position: int, section: str | None = None
) -> None:
    content, item = _item(store, item_id)
    refuse(edit_refusal(content.issue, user.role))
    if section is not None and section not in content.issue.sections:
        raise Refused(
            reason("review.refused.no_section", section=section, sections=", ".join(content.issue.sections))
        )
    with _checked_again(store, content.issue.id, user):
        store.move_item(item_id, position=max(0, position), section=section, actor=user.name)


def shift_item(store: EditorialStore, item_id: int, user: User, step: int) -> None:
    """Move an item up (step -1) or down (+1) inside its section."""
    _content, item = _item(store, item_id)
    move_item(store, item_id, user, position=item.position + step)


def add_block(
    store: EditorialStore,
    issue_id: int,
    language: str,
    kind: BlockKind,
    user: User,
    *,
    title: str,
    body: str,
    link: str,
) -> int:
    content = _may_edit(store, issue_id, user)
    if language not in content.issue.languages:
        raise _no_edition(content, language)
    _check_block(title, body, link)
    with _checked_again(store, issue_id, user):
        return store.add_block(issue_id, language, kind, title=title, body=body, link=link, actor=user.name)


def update_block(
    store: EditorialStore,
    block_id: int,
    user: User,
    *,
    title: str | None,
    body: str | None,
    link: str | None,
    position: int | None = None,
) -> None:
    """Change a block; ``None`` keeps that part as it is (the CLI changes one part at a time)."""
    block = _block(store, block_id)
    _may_edit(store, block.issue_id, user)
    _check_block(
        block.title if title is None else title,
        block.body if body is None else body,
        block.link if link is None else link,
    )
    with _checked_again(store, block.issue_id, user):
        store.update_block(block_id, title=title, body=body, link=link, position=position, actor=user.name)


def delete_block(store: EditorialStore, block_id: int, user: User) -> None:
    block = _block(store, block_id)
    _may_edit(store, block.issue_id, user)
    with _checked_again(store, block.issue_id, user):
        store.delete_block(block_id, actor=user.name)


def retitle(store: EditorialStore, issue_id: int, user: User, title: str, *, settings: Settings) -> bool:
    """Give the issue an editor's own title; an empty one goes back to the default name (its publication
    and period, in each reader's language). Spaces and line breaks fold into single spaces: the title is
    one line everywhere it is shown. False when the title was already that.

    Decided on the state the issue is shown in: an approval gone stale (the edition renders differently
    now, under ``settings``) no longer vouches for the issue, so it is in review and its title may change;
    the stale approvals are then withdrawn in the log, as an approval of the new rendering would do."""
    status = issue_status(store, issue_id, settings)
    issue = replace(status.issue, state=status.state)
    refuse(retitle_refusal(issue, user.role))
    wanted = " ".join(title.split())
    _check_length("review.refused.issue_title_too_long", wanted, MAX_ISSUE_TITLE)
    stored = wanted or default_title(issue.publication, issue.period_from, issue.period_to)
    if status.issue.state is not issue.state:
        withdraw_stale_approvals(store, issue_id, settings)
    try:
        return store.set_issue_title(issue_id, stored, actor=user.name)
    except ConflictError:
        refuse(retitle_refusal(store.issue_content(issue_id).issue, user.role))
        raise Refused(reason("review.refused.changed_meanwhile")) from None


def _check_length(key: str, text: str | None, limit: int) -> None:
    """Refused (``key``, naming the field) when ``text`` is longer than ``limit``."""
    if text is not None and len(text) > limit:
        raise Refused(reason(key, length=len(text), limit=limit))


def _check_block(title: str, body: str, link: str) -> None:
    if not body.strip():  # a title alone prints as a heading over nothing: an empty editorial, sent
        raise Refused(reason("review.refused.block_no_text"))
    _check_length("review.refused.block_title_too_long", title, MAX_TITLE)
    _check_length("review.refused.block_body_too_long", body, MAX_BLOCK_BODY)
    _check_length("review.refused.link_too_long", link, MAX_LINK)
    link = link.strip()
    if link and not link.lower().startswith(("http://", "https://")):
        raise Refused(reason("review.refused.bad_link", link=link))
    if link and not _well_formed(link):
        raise Refused(reason("review.refused.malformed_link", link=link))


def _well_formed(link: str) -> bool:
    """An http(s) link a mail client can open: a usable host name, no spaces (the block's link is sent
    as typed, so "https://" alone or "www..example.org" would reach every reader as a dead link)."""
    if any(ch.isspace() for ch in link):
        return False
    try:
        host = urlsplit(link).hostname
    except ValueError:  # an unclosed IPv6 bracket
        return False
    return bool(host) and host_reason(host or "") is None


def comment(store: EditorialStore, item_id: int, user: User, body: str) -> Comment:
    """Anyone who may edit may comment (a viewer reads only)."""
    if not may(user.role, Permission.EDIT):
        refuse(
            reason(
                "review.refused.role", ReasonKind.ACCESS, action=Permission.EDIT.value, role=user.role.value
            )
        )
    if not body.strip():
        raise Refused(reason("review.refused.empty_comment"))
    _check_length("review.refused.comment_too_long", body, MAX_COMMENT)
    added = store.add_comment(item_id, user.name, body)
    if added is None:
        raise Refused(reason("review.refused.no_item", item=item_id))
    return added
