"""The table of classified articles (`mediawatch classify` without --jsonl) names regions in the reader's
words, as it names themes: not the codes "africa", "latin_america"."""

from __future__ import annotations

import pytest
from search_samples import fill

from mediawatch.cli.views import print_classified
from mediawatch.store import Store


@pytest.mark.parametrize(
    ("lang", "africa", "latin_america"),
    [
        ("fr", "Afrique", "Amérique latine"),
        ("es", "África", "América Latina"),
        ("en", "Africa", "Latin America"),
    ],
)
def test_regions_are_named_in_the_readers_language(db_url, capsys, monkeypatch, lang, africa, latin_america):
    monkeypatch.setenv("COLUMNS", "400")  # one line a row: the words are not folded by the table
    store = Store(db_url)
    try:
        fill(store)
        print_classified(store, lang)
    finally:
        store.close()
    out = capsys.readouterr().out
    assert africa in out, out
    assert latin_america in out, out
    assert "latin_america" not in out
