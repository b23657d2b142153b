"""`subscribers show` in words: the record a subscriber can export, read by the team.

It reads the export's dictionary (not the store) so that the lines say exactly what the JSON holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from mediawatch.deliver.optin import publication_names
from mediawatch.deliver.subscribers import STATUS_KEYS
from mediawatch.i18n import and_list, language_name, t, tn
from mediawatch.i18n.dates import format_datetime
from mediawatch.types import Publication, SubscriberStatus

# Literal keys (the i18n tests read them). A value written by a newer or older version than this table
# knows is shown as stored rather than hidden.
ACTION_KEYS = {
    "subscribe": "deliver.show.action.subscribe",
    "confirm": "deliver.show.action.confirm",
    "change": "deliver.show.action.change",
    "unsubscribe": "deliver.show.action.unsubscribe",
    "resubscribe": "deliver.show.action.resubscribe",
    "hard-bounce": "deliver.show.action.hard_bounce",
    "complaint": "deliver.show.action.complaint",
}
METHOD_KEYS = {
    "web-form": "deliver.show.method.web_form",
    "confirm-page": "deliver.show.method.confirm_page",
    "preferences": "deliver.show.method.preferences",
    "one-click": "deliver.show.method.one_click",
    "unsubscribe-page": "deliver.show.method.unsubscribe_page",
    "mailto": "deliver.show.method.mailto",
    "cli": "deliver.show.method.cli",
    "csv-import": "deliver.show.method.csv_import",
    "bounce-report": "deliver.show.method.bounce_report",
    "smtp": "deliver.show.method.smtp",
}
# The evidence beside the action and method, each said "label: value" when present.
DETAIL_KEYS = {
    "form": "deliver.show.form",
    "wording_version": "deliver.show.wording",
    "ip": "deliver.show.ip",
    "user_agent": "deliver.show.user_agent",
    "detail": "deliver.show.detail",
}


def _when(value: str | None, lang: str) -> str:
    # As the staff pages write a time; the record says its zone once, on its last line.
    return format_datetime(datetime.fromisoformat(value), lang) if value else "–"


def _word(table: dict[str, str], value: str, lang: str) -> str:
    return t(table[value], lang) if value in table else value


def record_lines(record: dict[str, Any], lang: str) -> Iterator[str]:
    """The lines of ``subscribers show`` for one record of ``deliver.subscribers.export_data``."""
    status = t(STATUS_KEYS[SubscriberStatus(record["status"])], lang)
    yield t("deliver.show.head", lang, email=record["email"], status=status)
    yield "  " + t("deliver.show.language", lang, language=language_name(record["language"], lang))
    if record["fallback_languages"]:
        names = and_list([language_name(code, lang) for code in record["fallback_languages"]], lang)
        yield "  " + t("deliver.show.fallback", lang, languages=names)
    publications = publication_names([Publication(p) for p in record["publications"]], lang)
    yield "  " + t("deliver.show.publications", lang, publications=publications)
    yield "  " + t("deliver.show.created", lang, when=_when(record["created_at"], lang))
    yield "  " + t("deliver.show.confirmed", lang, when=_when(record["confirmed_at"], lang))
    yield "  " + t("deliver.show.unsubscribed", lang, when=_when(record["unsubscribed_at"], lang))
    consents = record["consent_records"]
    yield tn("deliver.show.consents", len(consents), lang)
    for consent in consents:
        said = [_word(ACTION_KEYS, consent["action"], lang), _word(METHOD_KEYS, consent["method"], lang)]
        said += [t(key, lang, value=consent[name]) for name, key in DETAIL_KEYS.items() if consent.get(name)]
        yield f"  {_when(consent['at'], lang)} · " + " · ".join(said)
    yield tn("deliver.show.messages", len(record["messages"]), lang)
    yield t("review.cli.times_utc", lang)
