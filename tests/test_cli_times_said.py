"""Times the CLI and a refusal say are written as the staff pages write them (``format_datetime`` in the
reader's language) with their zone said: inline on a line read alone (`issues schedule`, a preview link's
end, `send` before its time, a time refused as past), once under a list (`issues list`, `preview-link
--list`), as the pages say "Times are in UTC." at their foot. Before, they were "2099-01-01 08:30 UTC"
through ``strftime`` whatever the language, and `issues list` said "sending on 1 Jan 2099, 8:30" with no
zone at all."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from review_samples import add_team, make_issue, open_store

from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.review import actions
from mediawatch.review.users import acting_user
from mediawatch.review.workflow import schedule_refusal
from mediawatch.store import open_store as open_url
from mediawatch.types import Role

AT = "2099-01-01T08:30"
SCHEDULED = {
    "en": "scheduled for 1 Jan 2099, 8:30 UTC",
    "fr": "programmé pour le 1er janv. 2099, 8\u00a0h\u00a030\u00a0UTC",
    "es": "programado para el 1 ene. 2099, 8:30 UTC",
}
FOOT = {
    "en": "Times are in UTC.",
    "fr": "Heures en temps universel (UTC).",
    "es": "Horas en tiempo universal (UTC).",
}


@pytest.fixture
def approved(db_url, tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    with open_store(db_url) as store:
        add_team(store)
        issue_id = make_issue(store)
        actions.submit(store, issue_id, acting_user(store, "ana"))
        for lang in ("fr", "en", "es"):
            actions.approve(store, issue_id, lang, acting_user(store, "bruno"), Settings())
        slug = store.find_issue(issue_id).slug
    return db_url, slug, issue_id


def run(db_url, lang, *args):
    return CliRunner().invoke(cli, ["--db", db_url, "--lang", lang, *args], catch_exceptions=False)


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_a_schedule_and_what_sending_waits_for_say_the_time_and_its_zone(approved, lang):
    db_url, slug, _ = approved
    done = run(db_url, lang, "issues", "schedule", slug, "--at", AT, "--as", "bruno")
    assert done.exit_code == 0, done.output
    assert f"{slug} {SCHEDULED[lang]}" in done.output, done.output
    assert "2099-01-01" not in done.output
    listed = run(db_url, lang, "issues", "list")
    assert listed.exit_code == 0, listed.output
    assert "2099-01-01" not in listed.output
    assert listed.output.rstrip().endswith(FOOT[lang]), listed.output


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_a_time_refused_as_past_is_said_in_words_with_its_zone(approved, lang):
    db_url, slug, _ = approved
    refused = run(db_url, lang, "issues", "schedule", slug, "--at", "2001-03-04T05:06+01:00", "--as", "bruno")
    assert refused.exit_code == 2, refused.output
    said = {
        "en": "4 Mar 2001, 4:06 UTC is in the past",
        "fr": "le 4 mars 2001, 4\u00a0h\u00a006\u00a0UTC est déjà passé",
        "es": "el 4 mar. 2001, 4:06 UTC ya pasó",
    }[lang]
    assert said in refused.output, refused.output


def test_the_refusal_reason_carries_the_moment_for_every_reader(approved):
    db_url, _, issue_id = approved
    with open_url(db_url) as store:
        issue = store.find_issue(issue_id)
    moment = datetime(2026, 12, 7, 13, 45, tzinfo=UTC)
    why = schedule_refusal(
        issue, role=Role.APPROVER, when=moment, now=datetime(2027, 1, 1, tzinfo=UTC), blockers=()
    )
    assert why is not None
    assert why.text("fr") == "le 7 déc. 2026, 13\u00a0h\u00a045\u00a0UTC est déjà passé"


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_a_preview_link_says_until_when_with_its_zone(approved, lang):
    db_url, slug, _ = approved
    made = run(db_url, lang, "issues", "preview-link", slug, "--lang", "es", "--as", "ana")
    assert made.exit_code == 0, made.output
    # the link's end is seven days from now: its shape is checked, never the clock's value
    end = {
        "en": r"valid until \d{1,2} [A-Z][a-z]+ \d{4}, \d{1,2}:\d{2} UTC, read-only",
        "fr": r"valable jusqu'au (\d{1,2}|1er) [a-zéû]+\.? \d{4}, \d{1,2}\u00a0h\u00a0\d{2}\u00a0UTC,"
        r" en lecture seule",
        "es": r"válido hasta el \d{1,2} [a-z]+\.? \d{4}, \d{1,2}:\d{2} UTC, solo lectura",
    }[lang]
    assert re.search(end, made.output), made.output
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", made.output)
    listed = run(db_url, lang, "issues", "preview-link", slug, "--list", "--as", "ana")
    assert listed.exit_code == 0, listed.output
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", listed.output), listed.output
    assert listed.output.rstrip().endswith(FOOT[lang]), listed.output
