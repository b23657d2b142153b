"""The audit log in the reader's language: action names, targets, states and the notes the workflow writes.

Notes are stored as a small JSON object, ``{"text": <English>, "key": <catalogue key>, "fields": {...}}``
(:func:`mediawatch.store.issues.coded_note` writes them; a field may itself be such an object), so each
reader gets them in their own language while the raw column stays readable English. Older notes and free
text (a reviewer's own words) are shown as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mediawatch.i18n import and_list, catalogue, language_name, t, tn
from mediawatch.i18n.dates import format_datetime
from mediawatch.i18n.publications import publication_name
from mediawatch.render.model import BLOCK_KEYS
from mediawatch.review.workflow import edition_state_label, state_label
from mediawatch.types import BlockKind, Publication

# Literal keys (the i18n scans read them): what each audit action means.
ACTION_KEYS: Mapping[str, str] = {
    "issue.create": "editor.audit.action.issue_create",
    "issue.draft": "editor.audit.action.issue_draft",
    "issue.in_review": "editor.audit.action.issue_in_review",
    "issue.approved": "editor.audit.action.issue_approved",
    "issue.scheduled": "editor.audit.action.issue_scheduled",
    "issue.sending": "editor.audit.action.issue_sending",
    "issue.sent": "editor.audit.action.issue_sent",
    "issue.cancelled": "editor.audit.action.issue_cancelled",
    "issue.title": "editor.audit.action.issue_title",
    "edition.draft": "editor.audit.action.edition_draft",
    "edition.in_review": "editor.audit.action.edition_in_review",
    "edition.approved": "editor.audit.action.edition_approved",
    "edition.reopened": "editor.audit.action.edition_reopened",
    "item.title": "editor.audit.action.item_title",
    "item.summary": "editor.audit.action.item_summary",
    "item.proposed": "editor.audit.action.item_proposed",
    "item.accepted": "editor.audit.action.item_accepted",
    "item.rejected": "editor.audit.action.item_rejected",
    "item.move": "editor.audit.action.item_move",
    "item.translate": "editor.audit.action.item_translate",
    "item.comment": "editor.audit.action.item_comment",
    "block.add": "editor.audit.action.block_add",
    "block.edit": "editor.audit.action.block_edit",
    "block.delete": "editor.audit.action.block_delete",
    "preview.link": "editor.audit.action.preview_link",
    "preview.revoke": "editor.audit.action.preview_revoke",
    "send.test": "editor.audit.action.send_test",
    "send.outbox": "editor.audit.action.send_outbox",
    "send.now": "editor.audit.action.send_now",
    "nightly.announced": "editor.audit.action.nightly_announced",
    "nightly.announced_to": "editor.audit.action.nightly_announced_to",
}
ITEM_STATUS_KEYS: Mapping[str, str] = {
    "proposed": "web.status.proposed",
    "accepted": "web.status.accepted",
    "rejected": "web.status.rejected",
}
# Actions whose before/after are words someone wrote, though their name looks like a state change's.
_TEXT_ACTIONS = frozenset({"issue.title"})
FIELD_KEYS: Mapping[str, str] = {"title": "editor.field.title", "summary": "editor.field.summary"}
# Actions whose before/after are moments (a link's end; a send's planned and actual time), stored ISO 8601.
_MOMENT_ACTIONS = frozenset({"preview.link", "send.now"})


def _moment(value: str, lang: str) -> str | None:
    """An ISO 8601 time with its offset as the staff pages write a time (the log says its zone once, at
    its foot); None for anything else, which is shown as written (older notes said "… UTC" themselves)."""
    text = value.strip()
    if "T" not in text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return format_datetime(when, lang) if when.tzinfo is not None else None


def action_label(action: str, lang: str) -> str:
    key = ACTION_KEYS.get(action)
    return t(key, lang) if key else action


def target_label(target: str, lang: str) -> str:
    """``item:12/summary`` -> "article 12, Résumé"; unknown shapes as they are."""
    kind, _, rest = target.partition(":")
    ident, _, field = rest.partition("/")
    if kind == "item" and ident:
        if field in FIELD_KEYS:
            return t("editor.audit.target.item_field", lang, id=ident, field=t(FIELD_KEYS[field], lang))
        return t("editor.audit.target.item", lang, id=ident)
    if kind == "block" and ident:
        return t("editor.audit.target.block", lang, id=ident)
    if kind == "preview" and ident:
        return t("editor.audit.target.link", lang, id=ident)
    return target


def value_label(action: str, value: str | None, lang: str) -> str | None:
    """A before/after value in words when it is a state or an item status (texts stay as written)."""
    if value is None or action in _TEXT_ACTIONS:
        return value
    if action in _MOMENT_ACTIONS:
        return _moment(value, lang) or value
    if action.startswith("edition."):
        return edition_state_label(value, lang)
    if action.startswith("issue."):
        return state_label(value, lang)
    if action in ("item.proposed", "item.accepted", "item.rejected") and value in ITEM_STATUS_KEYS:
        return t(ITEM_STATUS_KEYS[value], lang)
    return value


def _field(name: str, value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return _render(value, lang) or ""
    text = str(value)
    if name == "language":
        return language_name(text, lang)
    if name == "when":
        return _moment(text, lang) or text
    if name == "languages":
        return and_list([language_name(code, lang) for code in text.split(",") if code], lang)
    if name == "kind" and text in {k.value for k in BlockKind}:
        return t(BLOCK_KEYS[BlockKind(text)], lang)
    if name == "publication" and text in {p.value for p in Publication}:
        return publication_name(text, lang)
    return text


def _render(data: dict[str, Any], lang: str) -> str | None:
    key = data.get("key")
    raw = data.get("fields", {})
    if not isinstance(key, str) or not isinstance(raw, dict):
        return None
    fields = {name: _field(name, value, lang) for name, value in raw.items() if name != "count"}
    if f"{key}.other" in catalogue(lang):
        return tn(key, int(raw.get("count", 0)), lang, **fields)
    if key not in catalogue(lang):
        return str(data.get("text", "")) or None
    return t(key, lang, **fields)


# An approval's audit line ends with the approved content's fingerprint (store/issues.py), in this form.
_FINGERPRINT = re.compile(r"(?:^|\s)fingerprint=([0-9a-f]{8,})\s*$")


def note_text(raw: str, lang: str) -> str:
    """A note or audit detail in ``lang`` when it was written as a coded note, else as it is."""
    found = _FINGERPRINT.search(raw)
    if found:
        version = t("editor.audit.fingerprint", lang, fingerprint=found.group(1)[:12])
        note = raw[: found.start()].strip()
        return f"{note_text(note, lang)} · {version}" if note else version
    if not raw.startswith("{"):
        return _moment(raw, lang) or raw  # `issues schedule` notes the time it was given, ISO 8601
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(data, dict):
        return raw
    return _render(data, lang) or raw
