"""An issue's days are the team's days (``nightly_timezone``), and `compose` without ``--to`` ends today.

The QA cases: west of UTC the December monthly, whose period runs from New York's midnight on 1 December to
New York's midnight on 1 January (05:00 UTC), was named ``newsletter-2027-01-01`` and "1 Dec 2026 – 1 Jan
2027", counted in UTC days; and `mediawatch compose press-review --from 7d` ended its period "now", so a
second run the same day was a new period and made a twin instead of being refused.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from test_collect import FAST
from test_compose_period_name import LATE, _add

from mediawatch.classify.pipeline import load_classifier
from mediawatch.cli import cli
from mediawatch.cli.compose import period_to_tonight
from mediawatch.compose import compose_issue
from mediawatch.compose.issues import issue_title
from mediawatch.config import Settings
from mediawatch.nightly.cadence import due_period, parse_cadence
from mediawatch.store import open_store
from mediawatch.types import Publication, Role
from mediawatch.watch.add import ManualItem, add_manual

NEW_YORK = "America/New_York"
JAN_1_NOON = datetime(2027, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    s.add_user("ana", Role.EDITOR, "not-a-hash", "fr")
    _add(s, "Carbone des sols : les agriculteurs bretons mesurent leurs parcelles")  # dated 31 December
    yield s
    s.close()


def run(db_url, *args, lang="en", zone=NEW_YORK):
    env = {"MEDIAWATCH_NIGHTLY_TIMEZONE": zone}
    return CliRunner().invoke(cli, ["--db", db_url, "--lang", lang, *args], env=env, catch_exceptions=False)


# -- slug and title: the days of nightly_timezone ----------------------------------------------------------
def test_the_december_monthly_west_of_utc_is_named_by_its_own_days(store):
    december = due_period(parse_cadence("monthly:1"), JAN_1_NOON, ZoneInfo(NEW_YORK))
    assert december is not None
    assert december.end == datetime(2027, 1, 1, 5, tzinfo=UTC)
    settings = Settings(nightly_timezone=NEW_YORK)
    result = compose_issue(
        store, settings, Publication.NEWSLETTER, period_from=december.start, period_to=december.end,
        languages=["fr"], now=JAN_1_NOON,
    )  # fmt: skip
    assert result.slug == "newsletter-2026-12-31"
    issue = store.find_issue(result.issue_id)
    zone = ZoneInfo(NEW_YORK)
    assert issue_title(issue, "en", zone) == "Newsletter, 1–31 Dec 2026"
    assert issue_title(issue, "fr", zone) == "Lettre d'information du 1er au 31 déc. 2026"
    assert issue_title(issue, "es", zone) == "Boletín del 1 al 31 de dic. de 2026"


def test_days_typed_in_utc_keep_their_names_east_of_utc(store):
    """The web form and --from/--to read a day in UTC: a Paris team's 1-31 December typed there is the
    period between two UTC midnights, and must not read as ending on 1 January, Paris time."""
    settings = Settings(nightly_timezone="Europe/Paris")
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    result = compose_issue(
        store, settings, Publication.NEWSLETTER, period_from=start, period_to=end, languages=["fr"], now=end
    )
    assert result.slug == "newsletter-2026-12-31"
    issue = store.find_issue(result.issue_id)
    assert issue_title(issue, "en", ZoneInfo("Europe/Paris")) == "Newsletter, 1–31 Dec 2026"


def test_the_cli_names_the_issue_by_the_team_s_days(store, db_url):
    period = ("--from", "2026-12-01T05:00:00Z", "--to", "2027-01-01T05:00:00Z", "--languages", "fr")
    created = run(db_url, "compose", "newsletter", *period, "--json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["slug"] == "newsletter-2026-12-31"

    shown = run(db_url, "issues", "show", "newsletter-2026-12-31")
    assert shown.exit_code == 0, shown.output
    assert "Newsletter, 1–31 Dec 2026 (newsletter-2026-12-31" in shown.output, shown.output
    assert "Jan" not in shown.output, shown.output
    listed = run(db_url, "issues", "list", lang="fr")
    assert "1er au 31" in listed.output, listed.output  # the table may wrap the title after it
    assert "janv." not in listed.output, listed.output

    again = run(db_url, "compose", "newsletter", *period)
    assert again.exit_code == 2, again.output
    assert "“Newsletter, 1–31 Dec 2026” (newsletter-2026-12-31)" in again.output, again.output


def test_a_slug_stored_before_keeps_its_name(store, db_url):
    issue_id = store.create_issue(
        slug="newsletter-2027-01-01", publication=Publication.NEWSLETTER, title="",
        period_from=datetime(2026, 12, 1, 5, tzinfo=UTC), period_to=datetime(2027, 1, 1, 5, tzinfo=UTC),
        languages=("fr",), sections=("science",), items=[],
    )  # fmt: skip
    shown = run(db_url, "issues", "show", str(issue_id))
    assert "Newsletter, 1–31 Dec 2026 (newsletter-2027-01-01" in shown.output, shown.output


def test_a_bad_timezone_is_refused_naming_the_setting(store, db_url):
    done = run(
        db_url, "compose", "newsletter", "--from", "2026-12-01", "--to", "2027-01-01", zone="Mars/Olympus"
    )
    assert done.exit_code == 2, done.output
    assert "nightly_timezone" in done.output, done.output
    assert "Traceback" not in done.output


# -- compose without --to: the period ends tonight, so a day's runs ask for one period -------------------
PARIS = ZoneInfo("Europe/Paris")


def _tonight(date_from, now, zone=PARIS, days=7):
    return period_to_tonight(date_from, now=now, zone=zone, default_days=days, lang="en")


@pytest.mark.parametrize(
    ("date_from", "start"),
    [
        ("7d", datetime(2026, 12, 1, 23, tzinfo=UTC)),  # Paris: 2 Dec 00:00, today and the 6 days before
        ("1w", datetime(2026, 12, 1, 23, tzinfo=UTC)),
        ("1d", datetime(2026, 12, 7, 23, tzinfo=UTC)),  # today alone
        (None, datetime(2026, 12, 1, 23, tzinfo=UTC)),  # compose_period_days
        ("2026-11-30", datetime(2026, 11, 29, 23, tzinfo=UTC)),  # a day: its midnight in Paris
    ],
)
def test_without_to_the_period_ends_tonight_in_the_team_s_zone(date_from, start):
    morning, evening = datetime(2026, 12, 7, 23, 5, tzinfo=UTC), datetime(2026, 12, 8, 22, 50, tzinfo=UTC)
    period = _tonight(date_from, morning)  # 00:05 on 8 December in Paris
    assert period == (start, datetime(2026, 12, 8, 23, tzinfo=UTC))  # Paris: 9 December 00:00
    assert _tonight(date_from, evening) == period  # 23:50 the same Paris day: the same period


def test_a_relative_from_counts_whole_local_days_across_a_clock_change():
    # Paris leaves summer time on 25 October 2026: the seven days before 29 October hold 169 hours
    start, end = _tonight("7d", datetime(2026, 10, 28, 10, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 10, 21, 22, tzinfo=UTC), datetime(2026, 10, 28, 23, tzinfo=UTC))


def test_hours_count_back_from_now_down_to_the_hour():
    start, end = _tonight("12h", datetime(2026, 12, 7, 15, 42, 7, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 7, 3, tzinfo=UTC), datetime(2026, 12, 7, 23, tzinfo=UTC))


def _zone_at_noon() -> str:
    """A fixed-offset zone where it is about noon now: the test's two runs fall on one day there whenever
    it runs (Etc/GMT-N is N hours east of UTC)."""
    offset = 12 - datetime.now(UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def test_compose_from_7d_twice_a_day_is_refused_and_another_still_composes(db_url):
    zone = _zone_at_noon()
    today = datetime.now(ZoneInfo(zone)).date()
    with open_store(db_url) as store:
        store.add_user("ana", Role.EDITOR, "not-a-hash", "fr")
        _add_on(store, "Carbone des sols : les agriculteurs bretons mesurent leurs parcelles", today)
    args = ("compose", "press-review", "--from", "7d", "--languages", "fr", "--json")
    first = run(db_url, *args, zone=zone)
    assert first.exit_code == 0, first.output
    slug = json.loads(first.output)["slug"]
    assert slug == f"press-review-{today:%Y-%m-%d}"  # the period's last day: today, there
    second = run(db_url, *args, zone=zone)
    assert second.exit_code == 2, second.output
    assert json.loads(second.stdout) | {"message": ""} == {
        "status": "exists",
        "issue": json.loads(first.output)["issue"],
        "slug": slug,
        "message": "",
    }
    with open_store(db_url) as store:  # a story that came in since: someone wants a second issue
        _add_on(store, LATE, today)
    another = run(db_url, *args, "--another", zone=zone)
    assert another.exit_code == 0, another.output
    assert json.loads(another.output)["slug"] == slug + "-2"


def _add_on(store, title: str, day) -> None:
    """A relevant item dated ``day`` three days back: inside the week that ends tonight."""
    item = ManualItem(
        title=title, outlet="France Inter", date=f"{day - timedelta(days=3):%Y-%m-%d}", language="fr",
        summary="Un reportage sur la mesure du carbone dans les sols agricoles : " + title,
    )  # fmt: skip
    now = datetime.now(UTC)
    result = add_manual(store, FAST, item, added_by="ana", classifier=load_classifier(FAST), now=lambda: now)
    assert result.article_id is not None
