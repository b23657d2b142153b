"""An issue is named by the days its period covers, and a period composes one issue unless asked for another.

The QA cases: the December 2026 monthly newsletter was filed as ``newsletter-2027-01-01`` under ``2027/``
(its period ends, excluded, on 1 January); and `mediawatch compose` run twice for the same period made a
twin ``...-2`` where the nightly and the web form refuse one.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from test_collect import FAST

from mediawatch.classify.pipeline import load_classifier
from mediawatch.cli import cli
from mediawatch.compose import compose_issue
from mediawatch.compose.issues import archive_year
from mediawatch.config import Settings
from mediawatch.errors import AlreadyComposed
from mediawatch.nightly.cadence import due_period, parse_cadence
from mediawatch.render import render_issue
from mediawatch.store import open_store
from mediawatch.types import Publication, Role
from mediawatch.watch.add import ManualItem, add_manual
from mediawatch.web.new_issue import NewIssueForm, compose_from

DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
DEC_25 = datetime(2026, 12, 25, tzinfo=UTC)
DEC_28 = datetime(2026, 12, 28, tzinfo=UTC)
DEC_31 = datetime(2026, 12, 31, tzinfo=UTC)
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC)
JAN_4 = datetime(2027, 1, 4, tzinfo=UTC)
LATE = "Agroforesterie : une filière du cacao replante des arbres pour stocker du carbone dans les sols"


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    s.add_user("ana", Role.EDITOR, "not-a-hash", "fr")
    _add(s, "Carbone des sols : les agriculteurs bretons mesurent leurs parcelles")
    yield s
    s.close()


def _add(store, title: str) -> None:
    """A relevant item on New Year's Eve: in every period these tests compose."""
    item = ManualItem(
        title=title,
        outlet="France Inter",
        date="2026-12-31",
        language="fr",
        summary="Un reportage sur la mesure du carbone dans les sols agricoles : " + title,
    )
    result = add_manual(
        store, FAST, item, added_by="ana", classifier=load_classifier(FAST), now=lambda: JAN_4 + timedelta(1)
    )
    assert result.article_id is not None


def _compose(store, publication, start, end, **more):
    return compose_issue(
        store, Settings(), publication, period_from=start, period_to=end, languages=["fr"], now=end, **more
    )


# -- the name: the last day the period covers -----------------------------------------------------------
def test_the_december_monthly_the_nightly_composes_is_filed_under_december(store, tmp_path):
    december = due_period(parse_cadence("monthly:1"), JAN_1 + timedelta(hours=2))
    assert december is not None
    assert (december.start, december.end) == (DEC_1, JAN_1)
    result = _compose(store, Publication.NEWSLETTER, december.start, december.end)
    assert result.slug == "newsletter-2026-12-31"
    written = render_issue(store, result.issue_id, Settings(site_url="https://news.example.org"), tmp_path)
    assert tmp_path / "2026" / "newsletter-2026-12-31" / "fr.html" in written
    assert not (tmp_path / "2027").exists()


@pytest.mark.parametrize(
    ("start", "end", "slug"),
    [
        (DEC_28, JAN_4, "press-review-2027-01-03"),  # Monday to Sunday, across the new year
        (DEC_25, JAN_1, "press-review-2026-12-31"),  # weekly:fri, ending at the new year's midnight
        (DEC_31, JAN_1, "press-review-2026-12-31"),  # one day
    ],
    ids=["week-across-new-year", "week-to-new-year", "one-day"],
)
def test_a_slug_names_the_last_day_the_period_covers(store, start, end, slug):
    assert _compose(store, Publication.PRESS_REVIEW, start, end).slug == slug


def test_the_web_form_names_the_issue_by_its_last_day(store):
    form = NewIssueForm("newsletter", "2026-12-01", "2026-12-31", ("fr",))
    result = compose_from(store, Settings(), form, actor="ana", lang="fr", today=date(2027, 1, 2))
    assert not isinstance(result, NewIssueForm), result.problems
    assert result.slug == "newsletter-2026-12-31"


def test_the_archive_year_follows_the_slug_so_stored_issues_keep_their_folder():
    # a slug composed before this rule keeps the folder (and the links already mailed) it was given
    assert archive_year("newsletter-2027-01-01", JAN_1) == 2027
    assert archive_year("newsletter-2027-01-01-2", JAN_1) == 2027
    assert archive_year("newsletter-2026-12-31", JAN_1) == 2026
    assert archive_year("newsletter-2026-12-31-2", JAN_1) == 2026
    # a slug without a day: the last day the period covers
    assert archive_year("press-review-2026-w53", JAN_1) == 2026
    assert archive_year("press-review-2026-w53", JAN_4) == 2027
    assert archive_year("press-review-2026-13-45", JAN_1) == 2026  # no date, though it looks like one


def test_an_issue_stored_with_the_old_name_renders_where_it_always_was(store, tmp_path):
    issue_id = store.create_issue(
        slug="newsletter-2027-01-01",
        publication=Publication.NEWSLETTER,
        title="",
        period_from=DEC_1,
        period_to=JAN_1,
        languages=("fr",),
        sections=("science",),
        items=[],
    )
    written = render_issue(store, issue_id, Settings(), tmp_path)
    assert tmp_path / "2027" / "newsletter-2027-01-01" / "fr.html" in written


# -- one issue per period -------------------------------------------------------------------------------
def test_compose_refuses_a_second_issue_for_the_same_period_unless_asked(store):
    first = _compose(store, Publication.NEWSLETTER, DEC_1, JAN_1)
    with pytest.raises(AlreadyComposed) as refused:
        _compose(store, Publication.NEWSLETTER, DEC_1, JAN_1)
    assert (refused.value.issue_id, refused.value.slug) == (first.issue_id, first.slug)
    assert refused.value.exit_code == 2
    # another publication, or another period, is no twin
    assert _compose(store, Publication.PRESS_REVIEW, DEC_1, JAN_1).slug == "press-review-2026-12-31"
    _add(store, LATE)  # a story that came in after the first issue: someone wants it told this period
    second = _compose(store, Publication.NEWSLETTER, DEC_1, JAN_1, another=True)
    assert second.slug == "newsletter-2026-12-31-2"


def run(db_url, *args, lang="en"):
    return CliRunner().invoke(cli, ["--db", db_url, "--lang", lang, *args], catch_exceptions=False)


def test_cli_compose_says_the_period_has_its_issue_and_how_to_open_it(store, db_url):
    period = ("--from", "2026-12-01", "--to", "2027-01-01", "--languages", "fr")
    created = run(db_url, "compose", "newsletter", *period, "--json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.output) | {"issue": 0, "candidates": 0} == {
        "status": "created",
        "issue": 0,
        "slug": "newsletter-2026-12-31",
        "items": 1,
        "candidates": 0,
        "warnings": [],
    }

    said = {lang: run(db_url, "compose", "newsletter", *period, lang=lang) for lang in ("fr", "en", "es")}
    assert {lang: out.exit_code for lang, out in said.items()} == {"fr": 2, "en": 2, "es": 2}
    assert said["fr"].output.strip() == (
        "erreur : cette période a déjà son numéro : «\u00a0Lettre d'information du 1er au 31 déc. 2026\u00a0»"
        " (newsletter-2026-12-31) ; ouvrez-le avec `mediawatch issues show newsletter-2026-12-31`,"
        " ou ajoutez --another pour composer un autre numéro de la même période"
    )
    assert said["en"].output.strip() == (
        "error: this period already has its issue: “Newsletter, 1–31 Dec 2026” (newsletter-2026-12-31);"
        " open it with `mediawatch issues show newsletter-2026-12-31`, or add --another to compose a"
        " second issue for the same period"
    )
    assert said["es"].output.strip() == (
        "error: este período ya tiene su número: «Boletín del 1 al 31 de dic. de 2026»"
        " (newsletter-2026-12-31); ábralo con `mediawatch issues show newsletter-2026-12-31` o añada"
        " --another para componer otro número del mismo período"
    )
    assert not any(out.stdout for out in said.values())  # said on stderr, as every refusal

    as_json = run(db_url, "compose", "newsletter", *period, "--json")
    assert as_json.exit_code == 2
    answer = json.loads(as_json.stdout)
    assert answer["status"] == "exists"
    assert (answer["issue"], answer["slug"]) == (json.loads(created.output)["issue"], "newsletter-2026-12-31")
    assert "newsletter-2026-12-31" in answer["message"]

    with open_store(db_url) as again:
        assert [i.slug for i in again.list_issues()] == ["newsletter-2026-12-31"]  # nothing composed
        _add(again, LATE)
    another = run(db_url, "compose", "newsletter", *period, "--another", "--json")
    assert another.exit_code == 0, another.output
    assert json.loads(another.output)["slug"] == "newsletter-2026-12-31-2"
