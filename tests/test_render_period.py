"""The rendered editions name their period by the days it covers, as the web and the CLI do: a stored
[17 Nov, 24 Nov) is "du 17 au 23 nov.", in the mail's subject and header, its text part, the PDF's header,
the archive's index and its Atom feed. A month and a single day read the same way everywhere; an approval
given to the old words is stale (the issue is back in review), as for any change of rendering."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import lxml.etree
import lxml.html
import pytest
from click.testing import CliRunner
from render_samples import LANGS, open_test_store, small_issue
from review_samples import add_team, make_issue, open_store

from mediawatch.cli import cli
from mediawatch.compose.issues import issue_title
from mediawatch.config import Settings
from mediawatch.i18n import dates
from mediawatch.i18n.publications import publication_name
from mediawatch.render import render_edition, render_issue
from mediawatch.render.pdf import css_string, print_html
from mediawatch.types import Publication

SETTINGS = Settings()
# The small issue's period is [17 Nov 2026, 24 Nov 2026): the 24th is not in it.
WEEK = {"fr": "du 17 au 23 nov. 2026", "en": "17–23 Nov 2026", "es": "del 17 al 23 de nov. de 2026"}


def d(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def store(db_url):
    s = open_test_store(db_url)
    yield s
    s.close()


@pytest.mark.parametrize("lang", LANGS)
def test_every_rendered_part_says_the_days_the_period_covers(store, lang):
    content = store.issue_content(small_issue(store, Publication.PRESS_REVIEW))
    rendered = render_edition(content, lang, SETTINGS)
    assert rendered.subject.endswith(WEEK[lang])
    header = lxml.html.fromstring(rendered.html).find_class("mw-period")[0]
    assert header.text_content().strip() == WEEK[lang]
    assert rendered.text.splitlines()[1].endswith(f" · {WEEK[lang]}")
    printed = print_html(content, lang, SETTINGS)
    assert f"{WEEK[lang]} · " in printed  # the first page's period line
    running_header = f"{publication_name(Publication.PRESS_REVIEW, lang)} · {WEEK[lang]}"  # every page's
    assert css_string(running_header) in printed
    for excluded in ("24 nov", "24 Nov", "24 de nov"):
        assert excluded not in rendered.subject + rendered.html + rendered.text


def test_the_archive_index_and_feed_say_the_days_covered(store, tmp_path):
    issue_id = small_issue(store, Publication.NEWSLETTER)
    out = tmp_path / "archive"
    render_issue(store, issue_id, SETTINGS, out)
    for lang in LANGS:
        index = lxml.html.fromstring((out / f"index.{lang}.html").read_text(encoding="utf-8"))
        (when,) = index.xpath("//p[@class='meta']/time")
        assert (when.text, when.get("datetime")) == (WEEK[lang], "2026-11-23")
        feed = lxml.etree.fromstring((out / f"feed.{lang}.atom").read_bytes())
        title = feed.findtext("a:entry/a:title", namespaces={"a": "http://www.w3.org/2005/Atom"})
        assert title.endswith(WEEK[lang])


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        # a month stored as [1 Dec, 1 Jan): December alone, not "to 1 Jan 2027"
        (
            d(2026, 12, 1),
            d(2027, 1, 1),
            {"fr": "du 1er au 31 déc. 2026", "en": "1–31 Dec 2026", "es": "del 1 al 31 de dic. de 2026"},
        ),
        # one day stored as [1 Mar, 2 Mar): one day, not two
        (
            d(2026, 3, 1),
            d(2026, 3, 2),
            {"fr": "du 1er mars 2026", "en": "1 Mar 2026", "es": "del 1 de mar. de 2026"},
        ),
    ],
)
def test_a_month_and_a_day_read_the_same_in_the_edition_and_on_the_issue_pages(store, start, end, words):
    content = store.issue_content(small_issue(store, Publication.PRESS_REVIEW))
    # no editor's title, so the issue pages name it by its period too
    issue = replace(content.issue, title="", period_from=start, period_to=end)
    content = replace(content, issue=issue)
    for lang in LANGS:
        rendered = render_edition(content, lang, SETTINGS)
        assert rendered.subject.endswith(f" {words[lang]}"), rendered.subject
        header = lxml.html.fromstring(rendered.html).find_class("mw-period")[0]
        assert header.text_content().strip() == words[lang]
        assert issue_title(content.issue, lang).endswith(words[lang])


def test_an_issue_approved_with_the_end_day_included_is_back_in_review(db_url, tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    monkeypatch.delenv("MEDIAWATCH_USER", raising=False)
    s = open_store(db_url)
    add_team(s)
    slug = s.find_issue(make_issue(s)).slug
    s.close()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    def listed() -> dict:
        return json.loads(run("issues", "list", "--json").output.splitlines()[0])

    # Approved by a release that wrote the end day into the editions (format_period on [from, to)).
    with monkeypatch.context() as old:
        old.setattr("mediawatch.render.model.format_half_open", dates.format_period)
        assert run("issues", "submit", slug, "--as", "ana").exit_code == 0
        assert run("issues", "approve", slug, "--lang", "all", "--as", "bruno").exit_code == 0
        assert listed()["state"] == "approved"
    # This release renders other words: the approvals no longer vouch for what would be sent.
    shown = listed()
    assert shown["state"] == "in_review"
    assert shown["stale"] == sorted(LANGS)
    assert run("send", slug).exit_code == 2
    result = run("issues", "approve", slug, "--lang", "all", "--as", "bruno")
    assert result.exit_code == 0, result.output
    assert listed()["state"] == "approved"
