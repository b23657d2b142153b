"""Editors' changes to an issue, with the role check in front of the storage contract.

The store already logs every change and sends approved editions back to review; here the user's role and
the issue's state are checked first, and an item's accept/reject is also recorded as a decision the
classifier learns from (``mediawatch retrain``).
"""

from __future__ import annotations

from mediawatch.errors import Refused
from mediawatch.review.workflow import Permission, ReasonKind, edit_refusal, may, reason, refuse
from mediawatch.store import Store
from mediawatch.types import BlockKind, Comment, IssueContent, IssueItem, ItemStatus, TextOrigin, User

# How sure the language detector must be that touched-up words are now in the edition's language before
# the "not translated" mark goes (a wrong "yes" would send foreign words to readers unmarked).
TRANSLATED_CONFIDENCE = 0.6


def _item(store: Store, item_id: int) -> tuple[IssueContent, IssueItem]:
    issue_id = store.item_issue_id(item_id)
    content = store.issue_content(issue_id)
    for item in content.items:
        if item.id == item_id:
            return content, item
    raise Refused(reason("review.refused.no_item", item=item_id))


def _may_edit(store: Store, issue_id: int, user: User) -> None:
    refuse(edit_refusal(store.issue_content(issue_id).issue, user.role))


def edit_text(
    store: Store,
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
    origin = TextOrigin.HUMAN
    before = item.text(language)
    if before is not None and before.origin is TextOrigin.UNTRANSLATED:
        words_in = before.source_language or item.language
        if translated is None:
            translated = _written_in(
                language,
                before.title if title is None else title,
                before.summary if summary is None else summary,
            )
        if not translated and words_in != language:
            origin = TextOrigin.UNTRANSLATED
    store.set_item_text(item_id, language, title=title, summary=summary, actor=user.name, origin=origin)


def _written_in(language: str, title: str, summary: str) -> bool:
    """Do these words read as ``language``? (the language detector of the classify stage)"""
    from mediawatch.classify.language import detect_language

    guess = detect_language(title, summary)
    return guess.code == language and guess.confidence >= TRANSLATED_CONFIDENCE


def decide_item(store: Store, item_id: int, accepted: bool, user: User, *, note: str = "") -> None:
    """Accept or reject an item; the decision also feeds the classifier's retraining."""
    content, item = _item(store, item_id)
    refuse(edit_refusal(content.issue, user.role))
    status = ItemStatus.ACCEPTED if accepted else ItemStatus.REJECTED
    store.set_item_status(item_id, status, actor=user.name, note=note)
    store.record_decision(item.article_id, accepted, user.name, context=f"issue:{content.issue.slug}")


def move_item(store: Store, item_id: int, user: User, *, position: int, section: str | None = None) -> None:
    content, item = _item(store, item_id)
    refuse(edit_refusal(content.issue, user.role))
    if section is not None and section not in content.issue.sections:
        raise Refused(
            reason("review.refused.no_section", section=section, sections=", ".join(content.issue.sections))
        )
    store.move_item(item_id, position=max(0, position), section=section, actor=user.name)


def shift_item(store: Store, item_id: int, user: User, step: int) -> None:
    """Move an item up (step -1) or down (+1) inside its section."""
    _content, item = _item(store, item_id)
    move_item(store, item_id, user, position=item.position + step)


def add_block(
    store: Store,
    issue_id: int,
    language: str,
    kind: BlockKind,
    user: User,
    *,
    title: str,
    body: str,
    link: str,
) -> int:
    _may_edit(store, issue_id, user)
    _check_block(title, body, link)
    return store.add_block(issue_id, language, kind, title=title, body=body, link=link, actor=user.name)


def update_block(
    store: Store,
    block_id: int,
    user: User,
    *,
    title: str | None,
    body: str | None,
    link: str | None,
    position: int | None = None,
) -> None:
    """Change a block; ``None`` keeps that part as it is (the CLI changes one part at a time)."""
    block = store.block(block_id)
    _may_edit(store, block.issue_id, user)
    _check_block(
        block.title if title is None else title,
        block.body if body is None else body,
        block.link if link is None else link,
    )
    store.update_block(block_id, title=title, body=body, link=link, position=position, actor=user.name)


def delete_block(store: Store, block_id: int, user: User) -> None:
    block = store.block(block_id)
    _may_edit(store, block.issue_id, user)
    store.delete_block(block_id, actor=user.name)


def _check_block(title: str, body: str, link: str) -> None:
    if not title.strip() and not body.strip():
        raise Refused(reason("review.refused.empty_block"))
    link = link.strip()
    if link and not link.lower().startswith(("http://", "https://")):
        raise Refused(reason("review.refused.bad_link", link=link))


def comment(store: Store, item_id: int, user: User, body: str) -> Comment:
    """Anyone who may edit may comment (a viewer reads only)."""
    if not may(user.role, Permission.EDIT):
        refuse(
            reason(
                "review.refused.role", ReasonKind.ACCESS, action=Permission.EDIT.value, role=user.role.value
            )
        )
    if not body.strip():
        raise Refused(reason("review.refused.empty_comment"))
    return store.add_comment(item_id, user.name, body)
