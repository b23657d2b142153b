"""One issue, one name: the December monthly of a team in New York (west of UTC) or in Paris (east of it),
whose period runs between two midnights of ``nightly_timezone``, is "1–31 Dec 2026" and
``newsletter-2026-12-31`` in the CLI, on the issues list and the issue page, in the rendered edition (title,
subject), in the archive's index and in the nightly's mail; and the web form's December is the nightly's.

Before, everything but the CLI counted UTC days: New York's December (05:00 UTC to 05:00 UTC) read
"1 Dec 2026 – 1 Jan 2027" on the web and in the edition, and Paris's (23:00 UTC to 23:00 UTC)
"30 Nov – 31 Dec".
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from review_samples import add_team, signed_in
from test_compose_period_name import _add
from werkzeug.datastructures import MultiDict

from mediawatch.cli import cli
from mediawatch.compose import compose_issue
from mediawatch.config import Settings
from mediawatch.nightly.cadence import due_period, parse_cadence
from mediawatch.nightly.notify import DraftNews, RunNews, text_body
from mediawatch.render.archive import ArchivedEdition, ArchivedIssue, index_page
from mediawatch.render.edition import render_edition
from mediawatch.store import open_store
from mediawatch.types import Publication
from mediawatch.web.app import create_app
from mediawatch.web.new_issue import NewIssueForm, blank, compose_from, read, team_today

JAN_1_NOON = datetime(2027, 1, 1, 12, tzinfo=UTC)
ZONES = ("America/New_York", "Europe/Paris")
NAMES = {
    "en": "Newsletter, 1–31 Dec 2026",
    "fr": "Lettre d'information du 1er au 31 déc. 2026",
    "es": "Boletín del 1 al 31 de dic. de 2026",
}
WRONG = ("Jan", "janv.", "ene.", "30 Nov", "30 nov.")


def december(zone: str) -> tuple[datetime, datetime]:
    period = due_period(parse_cadence("monthly:1"), JAN_1_NOON, ZoneInfo(zone))
    assert period is not None
    return period.start, period.end


@pytest.fixture(params=ZONES)
def team(request, db_url):
    """The team's store and settings, and the December monthly the nightly composed for it."""
    zone = request.param
    settings = Settings(nightly_timezone=zone, secret_key="issue-days-tests-secret-0123456789")
    with open_store(db_url) as store:
        add_team(store)
        _add(store, "Carbone des sols : les agriculteurs bretons mesurent leurs parcelles")  # 31 December
        start, end = december(zone)
        result = compose_issue(
            store, settings, Publication.NEWSLETTER, period_from=start, period_to=end, languages=["fr"],
            now=JAN_1_NOON,
        )  # fmt: skip
        assert result.slug == "newsletter-2026-12-31"
        yield store, settings, result.issue_id


def _said(text: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", text)).replace("\u202f", " ").replace("\xa0", " ")


def test_the_web_pages_name_it_by_the_team_s_days(team):
    store, settings, issue_id = team
    app = create_app(settings, store)
    for name, lang in (("ana", "en"), ("carla", "fr"), ("vic", "es")):
        client = signed_in(app, name)
        for path in ("/issues", f"/issues/{issue_id}"):
            page = _said(client.get(path).get_data(as_text=True))
            assert NAMES[lang] in page, (path, lang)
            assert not [w for w in WRONG if w in page], (path, lang)


def test_the_rendered_edition_and_the_archive_name_it_by_the_team_s_days(team):
    store, settings, issue_id = team
    content = store.issue_content(issue_id)
    edition = render_edition(content, "fr", settings)
    assert "du 1er au 31 déc. 2026" in _said(edition.subject), edition.subject
    assert "du 1er au 31 déc. 2026" in _said(edition.text)
    assert "janv." not in _said(edition.text)
    archived = ArchivedIssue(
        slug=content.issue.slug, publication=content.issue.publication, period_from=content.issue.period_from,
        period_to=content.issue.period_to, year=2026,
        editions=(ArchivedEdition("fr", edition.subject, edition.preheader, "fingerprint"),),
    )  # fmt: skip
    index = _said(index_page([archived], "fr", ["fr"], settings))
    assert '<time datetime="2026-12-31">du 1er au 31 déc. 2026</time>' in index, index


def test_the_nightly_mail_names_the_draft_by_the_team_s_days(team):
    store, settings, issue_id = team
    issue = store.find_issue(issue_id)
    draft = DraftNews(issue_id, issue.slug, issue.publication, issue.period_from, issue.period_to, 1, ())
    news = RunNews(JAN_1_NOON, (draft,), 0, 0, 0, (), (), 7, False, ())
    for lang, days in (
        ("en", "1–31 Dec 2026"),
        ("fr", "du 1er au 31 déc. 2026"),
        ("es", "del 1 al 31 de dic."),
    ):
        body = _said(text_body(news, settings, lang))
        assert days in body, body


def test_the_cli_names_it_as_the_web_does(team, db_url):
    store, settings, issue_id = team
    env = {"MEDIAWATCH_NIGHTLY_TIMEZONE": settings.nightly_timezone}
    for lang, name in NAMES.items():
        shown = CliRunner().invoke(
            cli, ["--db", db_url, "--lang", lang, "issues", "show", str(issue_id)], env=env
        )
        assert shown.exit_code == 0, shown.output
        assert f"{name} (newsletter-2026-12-31, #{issue_id})" in shown.output


def test_the_days_typed_after_compose_are_the_team_s_days(team, db_url):
    """`compose --from 2026-12-01 --to 2027-01-01` asks for the nightly's December: refused as its twin."""
    store, settings, issue_id = team
    env = {"MEDIAWATCH_NIGHTLY_TIMEZONE": settings.nightly_timezone}
    args = ["--db", db_url, "compose", "newsletter", "--from", "2026-12-01", "--to", "2027-01-01"]
    again = CliRunner().invoke(cli, [*args, "--languages", "fr", "--json"], env=env)
    assert again.exit_code == 2, again.output
    assert json.loads(again.stdout)["issue"] == issue_id
    assert len(store.list_issues()) == 1


def test_the_web_form_s_december_is_the_nightly_s(team):
    """The days typed in the form are the team's days: December typed there is the period the nightly
    composed, so it is refused as a twin instead of making a second December monthly."""
    store, settings, issue_id = team
    fields = {"publication": "newsletter", "from": "2026-12-01", "to": "2026-12-31", "languages": "fr"}
    outcome = compose_from(
        store, settings, read(MultiDict(fields)), actor="ana", lang="en", today=date(2027, 1, 1)
    )
    assert isinstance(outcome, NewIssueForm), outcome
    assert outcome.existing is not None
    assert outcome.existing.id == issue_id
    assert len(store.list_issues()) == 1


def test_the_form_s_today_is_the_team_s_today():
    # 02:30 UTC on 8 December: still the 7th in New York, already the 8th in Paris
    moment = datetime(2026, 12, 8, 2, 30, tzinfo=UTC)
    new_york = Settings(nightly_timezone="America/New_York", compose_period_days=7)
    paris = Settings(nightly_timezone="Europe/Paris", compose_period_days=7)
    new_york, paris = (blank(s, team_today(s, moment)) for s in (new_york, paris))
    assert (new_york.first, new_york.last) == ("2026-12-01", "2026-12-07")
    assert (paris.first, paris.last) == ("2026-12-02", "2026-12-08")
