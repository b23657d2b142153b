"""An issue is named by the days its period covers.

The QA cases: the December 2026 monthly newsletter was filed as ``newsletter-2027-01-01`` under ``2027/``
(its period ends, excluded, on 1 January).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from test_collect import FAST

from mediawatch.classify.pipeline import load_classifier
from mediawatch.compose import compose_issue
from mediawatch.compose.issues import archive_year
from mediawatch.config import Settings
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
