"""Clippings: a search's stories as a CSV file a spreadsheet opens as it is (issue 14, item 5).

The input is what ``articles search --json`` prints, one dict per story::

    {"story_id": 12, "articles": [{"id": 40, "title": "…", "url": "…", "outlet": "…", "language": "fr",
                                "published": "2026-11-18T09:30:00+00:00", "state": "relevant"}, …]}

and the output one row per article, the story's id repeated, so a sort or a pivot table in the
spreadsheet can group the outlets of one story again. Decisions (docs/design.md, "Clippings as CSV"):

- Column names are the JSON keys (``story``, ``article``, ``title``…), in English like every
  machine-readable output: a script can read the CSV or the JSON with the same names.
- UTF-8 *with* a byte-order mark by default: Excel reads a CSV without one in the machine's ANSI code page
  and shows "Ã©" for every "é"; LibreOffice, Google Sheets and Python's ``utf-8-sig`` read the mark and
  drop it. ``bom=False`` gives plain UTF-8 for scripts.
- Formula injection is guarded: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading apostrophe, so a title written by a feed (``=HYPERLINK(…)``) is shown, never
  evaluated. Numbers (ids) are written as numbers and left alone.
- RFC 4180 quoting and CRLF line ends (the csv module's ``excel`` dialect).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

COLUMNS: Sequence[str] = ("story", "article", "title", "url", "outlet", "language", "published", "state")
# Where each column comes from in an article dict ("article" is the article's "id").
_ARTICLE_KEYS = {"article": "id"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: Any) -> str | int | float:
    """One cell: numbers as they are, datetimes as ISO 8601 UTC, text defused against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        when = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return when.isoformat()
    text = str(value).replace("\x00", "")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def clipping_rows(stories: Iterable[Mapping[str, Any]]) -> Iterator[list[str | int | float]]:
    """One row per article (columns: :data:`COLUMNS`); a story without articles still gets a row."""
    for story in stories:
        story_id = safe_cell(story.get("story_id"))
        articles = story.get("articles") or ()
        if not articles:
            yield [story_id] + [""] * (len(COLUMNS) - 1)
            continue
        for article in articles:
            yield [story_id] + [safe_cell(article.get(_ARTICLE_KEYS.get(c, c))) for c in COLUMNS[1:]]


def write_csv(stories: Iterable[Mapping[str, Any]], out: TextIO, *, bom: bool = True) -> int:
    """Write the header and one row per article to ``out`` (opened with ``newline=""``); returns the
    number of data rows."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out, dialect="excel")
    writer.writerow(COLUMNS)
    count = 0
    for row in clipping_rows(stories):
        writer.writerow(row)
        count += 1
    return count


def csv_text(stories: Iterable[Mapping[str, Any]], *, bom: bool = True) -> str:
    """The whole CSV as a string (for a web download or a test)."""
    buffer = io.StringIO(newline="")
    write_csv(stories, buffer, bom=bom)
    return buffer.getvalue()
