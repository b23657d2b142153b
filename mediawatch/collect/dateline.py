"""A page's dateline: the day written just above its article, or opening it, when the metadata gives none.

htmldate's fast mode (``extensive=False``, kept for memory: docs/design.md) finds no day on pages that state
it only in their visible text ("Publié le 23 mai 2019", "January 22, 2014 —", "28/04/2022"); the extensive
mode finds some of them through dateparser, at 45 MB more per extraction worker. A byline's date stands
just before the article's first words, so only that stretch of the visible text is read, plus the article's
opening; dates further away belong to menus, sidebars, other articles or the story itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from lxml.html import HtmlElement

from mediawatch.collect.dates import EARLIEST, MONTH_NAMES, day_and_month, fold_word

__all__ = ["dateline"]

BEFORE_TEXT = 600  # characters of visible text before the article's first words: a byline block
OPENING = 100  # characters of the article itself: "January 22, 2014 — A generally accepted…"
_PROBE = 60  # how much of a line of the article is looked for in the page's visible text
_MIN_PROBE = 15
_HEADING = 150  # a first line shorter than this is a heading: the byline may stand after it

_MONTH = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_YEAR = r"((?:19|20)\d\d)"
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:er|o|º|st|nd|rd|th)?\.?\s+(?:de\s+)?({_MONTH})\.?,?\s+(?:de(?:l)?\s+)?{_YEAR}\b"
)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}\b")
_NUMERIC = re.compile(rf"(?<![\d/.-])(\d{{1,2}})([/.-])(\d{{1,2}})\2{_YEAR}(?![\d/.-])")
_ISO = re.compile(r"(?<![\d-])((?:19|20)\d\d)-(\d\d)-(\d\d)(?![\d-])")
_HIDDEN = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"


def _visible_text(tree: HtmlElement) -> str:
    return " ".join(" ".join(str(t) for t in tree.xpath(f"//text()[not({_HIDDEN})]")).split())


def _days(folded: str, language: str) -> list[tuple[int, int, int, int]]:
    """(position, year, month, day) of every written date, in order of position."""
    found = [
        (m.start(), int(m.group(3)), MONTH_NAMES[m.group(2)], int(m.group(1)))
        for m in _DAY_MONTH_YEAR.finditer(folded)
    ]
    found += [
        (m.start(), int(m.group(3)), MONTH_NAMES[m.group(1)], int(m.group(2)))
        for m in _MONTH_DAY_YEAR.finditer(folded)
    ]
    for m in _NUMERIC.finditer(folded):
        decided = day_and_month(int(m.group(1)), int(m.group(3)), language, m.group(2))
        if decided:
            found.append((m.start(), int(m.group(4)), decided[1], decided[0]))
    found += [(m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3))) for m in _ISO.finditer(folded)]
    return sorted(found)


def _plausible(found: list[tuple[int, int, int, int]], now: datetime) -> list[datetime]:
    days = []
    for _, year, month, day in found:
        try:
            moment = datetime(year, month, day, tzinfo=UTC)
        except ValueError:
            continue
        if EARLIEST <= moment <= now + timedelta(days=1):
            days.append(moment)
    return days


def _article_start(visible: str, text: str) -> tuple[int, int] | None:
    """Where the article's text begins in the visible text, and where its body begins: past a heading line
    (a short first line such as the title, which a byline often follows)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()][:3]
    if not lines or len(lines[0][:_PROBE]) < _MIN_PROBE:
        return None
    start = visible.find(lines[0][:_PROBE])
    if start < 0:
        return None
    body = start
    for heading, line in zip(lines, lines[1:], strict=False):
        found = (
            visible.find(line[:_PROBE], body) if len(heading) < _HEADING and len(line) >= _MIN_PROBE else -1
        )
        if found < 0:
            break
        body = found
    return start, body


def dateline(tree: HtmlElement, text: str, language: str, now: datetime | None = None) -> datetime | None:
    """The day written closest before the article's body (else in its opening), as midnight UTC; None when
    the article is not found in the page or no plausible date stands near it. ``tree`` is the parsed page,
    as extraction read it (trafilatura and htmldate work on copies)."""
    if not text.strip():
        return None
    visible = _visible_text(tree)
    found = _article_start(visible, text)
    if found is None:
        return None
    start, body = found
    now = now or datetime.now(UTC)
    before = _plausible(_days(fold_word(visible[max(0, start - BEFORE_TEXT) : body]), language), now)
    if before:
        return before[-1]
    opening = _plausible(_days(fold_word(visible[body : body + OPENING]), language), now)
    return opening[0] if opening else None
