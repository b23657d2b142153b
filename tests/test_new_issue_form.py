"""The issues page's new-issue form (web/new_issue.py) against what no browser form sends: hand-made posts
with unknown codes and impossible days, empty fields (the CLI's defaults), and the refusals worded for the
page. The browser journey (tests/journeys/test_journey_new_issue.py) posts the form itself."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from werkzeug.datastructures import MultiDict

from mediawatch.config import Settings
from mediawatch.i18n import t
from mediawatch.store import open_store
from mediawatch.types import Publication
from mediawatch.web.new_issue import NewIssueForm, blank, compose_from, period_of, read

TODAY = date(2026, 12, 7)  # the form's "today" is given, never read from the clock here


@pytest.fixture
def store(db_url):
    with open_store(db_url) as opened:
        yield opened


def posted(lang: str, store, settings: Settings | None = None, **fields: str | list[str]) -> NewIssueForm:
    form = read(MultiDict(list(fields.items())))
    outcome = compose_from(store, settings or Settings(), form, actor="ana", lang=lang, today=TODAY)
    assert isinstance(outcome, NewIssueForm), outcome
    return outcome


def test_the_blank_form_holds_the_clis_defaults():
    form = blank(Settings(compose_period_days=7, compose_languages="es,fr"), TODAY)
    assert (form.first, form.last, form.languages) == ("2026-12-01", "2026-12-07", ("es", "fr"))
    assert not form.problems


def test_the_days_typed_are_the_days_covered():
    assert period_of(date(2026, 12, 1), date(2026, 12, 7)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2026, 12, 8, tzinfo=UTC),
    )


def test_hand_made_values_are_refused_beside_their_field_and_kept(store):
    form = posted(
        "fr", store, publication="weekly", **{"from": "2026-13-01", "to": "0001-01-01"}, languages="de"
    )
    assert form.problems["publication"] == t("web.new_issue.error.publication", "fr")
    assert form.problems["from"] == t(
        "web.new_issue.error.bad_day", "fr", field=t("web.new_issue.from", "fr"), value="2026-13-01"
    )
    assert "0001-01-01" in form.problems["to"]
    assert "allemand" not in form.problems["languages"]
    assert "français" in form.problems["languages"]
    assert (form.publication, form.first, form.last, form.languages) == (
        "weekly",
        "2026-13-01",
        "0001-01-01",
        ("de",),
    )
    assert form.first_bad == "publication"
    assert store.list_issues() == []


def test_empty_days_take_the_defaults_and_an_empty_database_has_nothing_to_compose(store):
    form = posted("es", store, publication="newsletter", languages="es")
    assert form.problems == {
        "period": t("web.new_issue.nothing", "es", publication="Boletín", period="del 1 al 7 de dic. de 2026")
    }


def test_a_reversed_period_is_said_in_words(store):
    form = posted("en", store, publication="press-review", **{"from": "2026-12-05", "to": "2026-12-03"})
    assert form.problems["to"] == t(
        "web.new_issue.error.reversed", "en", first="5 December 2026", last="3 December 2026"
    )
    assert form.problems["languages"] == t("web.new_issue.error.no_language", "en")


def test_an_issue_for_the_same_period_is_not_composed_twice(store):
    from review_samples import make_issue

    issue_id = make_issue(store)
    issue = store.find_issue(issue_id)
    assert issue is not None
    assert issue.publication is Publication.NEWSLETTER
    first = issue.period_from.date().isoformat()
    last = date.fromordinal(issue.period_to.date().toordinal() - 1).isoformat()
    assert period_of(date.fromisoformat(first), date.fromisoformat(last)) == (
        issue.period_from,
        issue.period_to,
    )
    form = posted("fr", store, publication="newsletter", **{"from": first, "to": last}, languages="fr")
    assert form.existing is not None
    assert form.existing.id == issue_id
    assert form.problems["period"] == t(
        "web.new_issue.error.exists", "fr", publication="Lettre d'information"
    )
    assert len(store.list_issues()) == 1
