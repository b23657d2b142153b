"""The dashboard report names the built-in sources of added articles in the reader's language: the web
dashboard, `mediawatch report` and the demo render the same fragment, so it is tested here once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import html as lxml_html
from test_collect import FAST

from mediawatch.classify.pipeline import load_classifier
from mediawatch.report import build_report, render_report_fragment, render_report_html
from mediawatch.store import open_store
from mediawatch.types import Role
from mediawatch.watch.add import ManualItem, add_manual

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
WORDS = {"en": "Added by hand", "fr": "Ajoutés à la main", "es": "Añadidos a mano"}


@pytest.fixture
def report(db_url):
    store = open_store(db_url)
    store.add_user("ana", Role.EDITOR, "not-a-hash", "fr")
    item = ManualItem(
        title="L'initiative 4 pour 1000 réunit les agriculteurs autour du carbone des sols",
        outlet="France Inter",
        date="2026-12-08",
        language="fr",
        summary="Le carbone organique des sols agricoles au cœur de l'initiative 4 pour 1000.",
    )
    added = add_manual(store, FAST, item, added_by="ana", classifier=load_classifier(FAST), now=lambda: NOW)
    assert added.article_id is not None
    built = build_report(store, NOW - timedelta(days=30), NOW, now=NOW)
    yield built
    store.close()


def _cells(fragment: str, section: str) -> list[str]:
    root = lxml_html.fromstring(fragment)
    cells = root.xpath(f"//section[@id='{section}']//*[self::td or self::th]")
    return [" ".join(c.text_content().split()) for c in cells]


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_built_in_source_is_named_in_the_readers_language(report, lang):
    assert [o.source_id for o in report.top_outlets] == ["added-by-hand"]
    assert [m.source_id for m in report.mentions] == ["added-by-hand"]
    fragment = render_report_fragment(report, lang)
    others = [w for code, w in WORDS.items() if code != lang]
    for section in ("mw-sec-outlets", "mw-sec-initiative"):
        cells = _cells(fragment, section)
        assert WORDS[lang] in cells, (section, cells)
        assert not any(word in cell for cell in cells for word in others), (section, cells)
    # the outlets chart too (its labels are SVG text), and the whole file for the board
    chart = lxml_html.fromstring(fragment).xpath("//section[@id='mw-sec-outlets']//svg")
    assert WORDS[lang] in chart[0].text_content()
    document = render_report_html(report, lang)
    assert not any(word in document for word in others)
