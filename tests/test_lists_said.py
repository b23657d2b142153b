"""A list of names inside a sentence or a cell a person reads ends as the reader's language ends it
(``i18n.and_list``: "anglais et espagnol", "English and Spanish", "español e inglés"), in the report, the
CLI's views, `taxonomy check` and the watches' message; it was "anglais, espagnol" in every language. A
choice to type ("one of: fr, en, es") keeps its commas."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from lxml import html as lxml_html
from test_report import END, NOW, START, filled  # noqa: F401 (a fixture)

from mediawatch.cli.views import print_stories
from mediawatch.i18n import LanguageNames, Listed
from mediawatch.report import build_report, render_report_html

SAID = {
    "fr": ("français et anglais", "espagnol et italien"),
    "en": ("French and English", "Spanish and Italian"),
    "es": ("francés e inglés", "español e italiano"),
}


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_report_says_an_outlet_s_languages_as_a_list(filled, lang):  # noqa: F811
    store, _ = filled
    report = build_report(store, START, END, now=NOW)
    first, *others = report.top_outlets
    report = replace(report, top_outlets=(replace(first, languages=("fr", "en")), *others))
    tree = lxml_html.document_fromstring(render_report_html(report, lang))
    cells = [
        row.findall("td")[-1].text_content()
        for row in tree.xpath("//section[@id='mw-sec-outlets']//tbody/tr")
    ]
    assert cells[0] == SAID[lang][0], cells


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_stories_list_says_a_story_s_languages_as_a_list(lang, capsys):
    lead = SimpleNamespace(title="Les sols vivants")
    story = SimpleNamespace(
        id=7,
        articles=[lead],
        outlets=["RFI"],
        languages=["fr", "en"],
        latest=datetime(2026, 12, 7, tzinfo=UTC),
    )
    print_stories([story], lang)
    assert SAID[lang][0] in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_a_message_s_list_is_said_in_the_reader_s_language(lang):
    assert Listed(["español", "italiano"]).text("es") == "español e italiano"
    assert (
        Listed(["Sols", "Sols encore"]).text(lang)
        == {
            "fr": "Sols et Sols encore",
            "en": "Sols and Sols encore",
            "es": "Sols y Sols encore",
        }[lang]
    )
    assert LanguageNames(["es", "it"]).text(lang) == SAID[lang][1]
    # a choice to type keeps its commas: "and" would say that both are needed
    assert LanguageNames(["fr", "en"], with_codes=True).text(lang).count(",") == 1
