"""What became of an addition (added, already known, refused) and a refusal's reason in the reader's words:
what :func:`mediawatch.watch.add.add_url` and :func:`~mediawatch.watch.add.add_manual` return, and what the
board's report reuses to say why a page was refused."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from mediawatch.collect.labels import reader_detail
from mediawatch.errors import MediawatchError
from mediawatch.i18n import t, ui_language


class AddStatus(enum.StrEnum):
    ADDED = "added"
    KNOWN = "already-known"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class AddResult:
    """What became of an addition: the article and its story, or why the page was refused."""

    status: AddStatus
    article_id: int | None = None
    story_id: int | None = None
    title: str = ""
    reason: str = ""  # refused: a FetchStatus value, or "not-html" / "extraction-failed"
    cause: MediawatchError | None = None  # refused: the FetchError or ExtractError
    url: str = ""  # refused: the address as given
    # added while another grouping held the lock: no story yet, the next grouping gives it one
    grouping_pending: bool = False

    def message(self, lang: str | None = None) -> str:
        """One readable line in ``lang``."""
        lang = ui_language(lang)
        story = self.story_id if self.story_id is not None else "-"
        if self.status is AddStatus.ADDED and self.grouping_pending:
            return t("add.added_ungrouped", lang, id=self.article_id, title=self.title)
        if self.status is AddStatus.ADDED:
            return t("add.added", lang, id=self.article_id, story=story, title=self.title)
        if self.status is AddStatus.KNOWN:
            return t("add.known", lang, id=self.article_id, story=story, title=self.title)
        return refusal_message(self.url, self.reason, self.cause, lang)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "article_id": self.article_id,
            "story_id": self.story_id,
            "title": self.title,
            "reason": self.reason,
            "detail": str(self.cause) if self.cause else "",
            "url": self.url,
            "grouping_pending": self.grouping_pending,
        }


def refusal_message(url: str, reason: str, cause: BaseException | None, lang: str) -> str:
    detail = reader_detail(getattr(cause, "detail", "") or (str(cause) if cause else ""), lang)
    why = reason_text(reason, lang)
    if not detail:
        return t("add.refused_plain", lang, url=url, why=why)
    return t("add.refused", lang, url=url, why=why, detail=detail)


def reason_text(reason: str, lang: str) -> str:
    """A collector's reason code ("not-a-feed") in the reader's words; an unknown code as itself."""
    return t(REASON_KEYS[reason], lang) if reason in REASON_KEYS else reason


# Every reason a refusal may give, and its explanation (literal keys, so the i18n tests see them).
REASON_KEYS = {
    "http-4xx": "add.reason.http-4xx",
    "http-5xx": "add.reason.http-5xx",
    "rate-limited": "add.reason.rate-limited",
    "timeout": "add.reason.timeout",
    "dns": "add.reason.dns",
    "tls": "add.reason.tls",
    "connection": "add.reason.connection",
    "blocked-by-bot-protection": "add.reason.blocked-by-bot-protection",
    "too-large": "add.reason.too-large",
    "redirect-loop": "add.reason.redirect-loop",
    "private-address": "add.reason.private-address",
    "robots-disallowed": "add.reason.robots-disallowed",
    "parse-error": "add.reason.parse-error",
    "not-a-feed": "add.reason.not-a-feed",
    "not-html": "add.reason.not-html",
    "extraction-failed": "add.reason.extraction-failed",
}
