"""Clippings as CSV (mediawatch/watch/clippings.py): read back with the csv module, as a spreadsheet would."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mediawatch.watch.clippings import BOM, COLUMNS, csv_text, safe_cell, write_csv

STORIES = [
    {
        "story_id": 12,
        "articles": [
            {
                "id": 40,
                "title": "Les sols stockent du carbone, « enfin » mesuré",
                "url": "https://sols.example.fr/a?x=1,2",
                "outlet": "Le Journal des Sols",
                "language": "fr",
                "published": "2026-11-18T09:30:00+00:00",
                "state": "relevant",
            },
            {
                "id": 41,
                "title": 'Soil carbon, "finally" measured\nsecond line',
                "url": "https://soil.example.org/b",
                "outlet": "Soil Science Today",
                "language": "en",
                "published": None,
                "state": "unsure",
                "summary": "an extra key the CSV does not carry",
            },
        ],
    },
    {
        "story_id": 13,
        "articles": [
            {
                "id": 50,
                "title": "España: la ley de suelos",
                "url": "https://suelo.example.es/ley",
                "outlet": "Suelo Vivo",
                "language": "es",
                "published": datetime(2026, 11, 20, 8, tzinfo=timezone(timedelta(hours=1))),
                "state": "relevant",
            }
        ],
    },
]


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM), newline="")))


def test_one_row_per_article_with_the_story_id_repeated_and_accents_intact():
    text = csv_text(STORIES)
    rows = read(text)
    assert [(r["story"], r["article"]) for r in rows] == [("12", "40"), ("12", "41"), ("13", "50")]
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["title"] == "Les sols stockent du carbone, « enfin » mesuré"
    assert rows[0]["url"] == "https://sols.example.fr/a?x=1,2"
    assert rows[1]["title"] == 'Soil carbon, "finally" measured\nsecond line'  # quoted, not split
    assert rows[1]["published"] == ""
    assert rows[2]["published"] == "2026-11-20T07:00:00+00:00"  # datetimes in UTC
    assert "summary" not in rows[1]
    assert "\r\n" in text  # RFC 4180 line ends


def test_utf8_with_a_bom_by_default_for_spreadsheets_and_without_on_request():
    data = csv_text(STORIES).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").startswith("story,article,")
    assert not csv_text(STORIES, bom=False).startswith(BOM)


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_that_a_spreadsheet_would_evaluate_is_defused(value):
    story = {"story_id": 1, "articles": [{"id": 2, "title": value, "outlet": value, "url": value}]}
    row = read(csv_text([story]))[0]
    for column in ("title", "outlet", "url"):
        assert row[column] == "'" + value


def test_numbers_and_ordinary_text_are_left_alone():
    assert safe_cell(-3) == -3
    assert safe_cell("Le 4 pour 1000") == "Le 4 pour 1000"
    assert safe_cell("a=b") == "a=b"
    assert safe_cell(datetime(2026, 1, 2)) == datetime(2026, 1, 2, tzinfo=UTC).isoformat()


def test_a_story_without_articles_keeps_its_row_and_the_count_is_returned(tmp_path):
    path = tmp_path / "clippings.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        count = write_csv([{"story_id": 7, "articles": []}, *STORIES], out)
    assert count == 4
    rows = read(path.read_text(encoding="utf-8"))
    assert rows[0] == {"story": "7", **{c: "" for c in COLUMNS[1:]}}
