"""Times the CLI and a refusal say are written as the staff pages write them (``format_datetime`` in the
reader's language) with their zone said: inline on a line read alone (`issues schedule`, a preview link's
end, `send` before its time, a time refused as past), once under a list (`issues list`, `preview-link
--list`), as the pages say "Times are in UTC." at their foot. Before, they were "2099-01-01 08:30 UTC"
through ``strftime`` whatever the language, and `issues list` said "sending on 1 Jan 2099, 8:30" with no
zone at all."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from review_samples import add_team, make_issue, open_store

from mediawatch.cli import cli
from mediawatch.cli.subscriber_view import record_lines
from mediawatch.cli.views import print_health
from mediawatch.config import Settings
from mediawatch.i18n.dates import format_datetime
from mediawatch.review import actions, audit
from mediawatch.review.links import create_share_link
from mediawatch.review.users import acting_user
from mediawatch.review.workflow import schedule_refusal
from mediawatch.store import open_store as open_url
from mediawatch.store.issues import coded_note
from mediawatch.types import FetchStatus, Role, SourceHealth

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


# -- the audit log, the users list, a subscriber's record, the tables of sources and articles ---------------
MOMENT = datetime(2026, 12, 7, 13, 45, tzinfo=UTC)
ISO_FIGURES = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_a_preview_link_s_audit_note_says_its_end_in_the_reader_s_words(approved, lang):
    """The note was written once, "valid until 2026-12-14 13:45 UTC", for every reader."""
    db_url, slug, issue_id = approved
    with open_url(db_url) as store:
        create_share_link(store, Settings(secret_key="s" * 32), issue_id, "es", "ana", days=7, now=MOMENT)
        (entry,) = [e for e in store.audit(issue_id) if e.action == "preview.link"]
    assert entry.after == "2026-12-14T13:45:00+00:00"  # the machine's copy keeps ISO 8601 and its offset
    said = {
        "en": "valid until 14 Dec 2026, 13:45",
        "fr": "valable jusqu'au 14 déc. 2026, 13\u00a0h\u00a045",
        "es": "válido hasta el 14 dic. 2026, 13:45",
    }[lang]
    assert audit.note_text(entry.detail, lang) == said
    end = datetime(2026, 12, 14, 13, 45, tzinfo=UTC)
    assert audit.value_label(entry.action, entry.after, lang) == format_datetime(end, lang)
    log = run(db_url, lang, "issues", "log", slug)
    assert log.exit_code == 0, log.output
    assert not ISO_FIGURES.search(log.output), log.output
    assert log.output.rstrip().endswith(FOOT[lang]), log.output


def test_an_older_note_that_said_its_time_in_figures_is_shown_as_written():
    older = coded_note("expires …", "editor.audit.note.expires", when="2026-12-14 13:45 UTC")
    assert audit.note_text(older, "fr") == "valable jusqu'au 2026-12-14 13:45 UTC"


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_a_schedule_s_audit_note_says_the_time_in_words(approved, lang):
    db_url, slug, _ = approved
    assert run(db_url, "en", "issues", "schedule", slug, "--at", AT, "--as", "bruno").exit_code == 0
    with open_url(db_url) as store:
        (entry,) = [e for e in store.audit(store.find_issue(slug).id) if e.action == "issue.scheduled"]
    assert entry.detail == "2099-01-01T08:30:00+00:00"
    said = {"en": "1 Jan 2099, 8:30", "fr": "1er janv. 2099, 8\u00a0h\u00a030", "es": "1 ene. 2099, 8:30"}
    assert audit.note_text(entry.detail, lang) == said[lang]
    assert audit.note_text("2099-01-01", lang) == "2099-01-01"  # a day someone wrote: their words


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_users_list_says_when_each_joined_in_words_and_the_zone_once(approved, lang):
    db_url, _, _ = approved
    with open_url(db_url) as store:
        joined = acting_user(store, "ana").created_at
    listed = run(db_url, lang, "users", "list")
    assert listed.exit_code == 0, listed.output
    assert format_datetime(joined, lang) in listed.output, listed.output
    assert not ISO_FIGURES.search(listed.output), listed.output
    assert listed.output.rstrip().endswith(FOOT[lang]), listed.output
    as_json = run(db_url, lang, "users", "list", "--json").output.splitlines()
    assert datetime.fromisoformat(json.loads(as_json[0])["created_at"]).utcoffset() is not None


RECORD = {
    "email": "lea@example.org",
    "language": "fr",
    "fallback_languages": ["es", "en"],
    "publications": ["newsletter"],
    "status": "active",
    "created_at": MOMENT.isoformat(),
    "updated_at": MOMENT.isoformat(),
    "confirmed_at": None,
    "unsubscribed_at": None,
    "consent_records": [{"action": "subscribe", "method": "cli", "at": MOMENT.isoformat()}],
    "messages": [],
}


@pytest.mark.parametrize(
    ("lang", "moment", "created", "fallback"),
    [
        ("en", "7 Dec 2026, 13:45", "Signed up: ", "Spanish and English"),
        ("fr", "7 déc. 2026, 13\u00a0h\u00a045", "Inscription : ", "espagnol et anglais"),
        ("es", "7 dic. 2026, 13:45", "Alta: ", "español e inglés"),
    ],
)
def test_subscribers_show_says_times_in_words_and_its_zone_once(lang, moment, created, fallback):
    lines = list(record_lines(RECORD, lang))
    assert f"  {created}{moment}" in lines, lines
    assert any(line.rstrip().endswith(fallback) for line in lines), lines
    assert any(line.startswith(f"  {moment} · ") for line in lines), lines  # the consent's line
    assert lines[-1] == FOOT[lang]
    assert not ISO_FIGURES.search("\n".join(lines))


@pytest.mark.parametrize("lang", ["fr", "en", "es"])
def test_the_health_table_says_times_in_words_and_the_zone_once(lang, capsys):
    health = SourceHealth(
        "terre", "Terre", True, FetchStatus.OK, MOMENT, MOMENT, MOMENT, 0, MOMENT, 0, True, ()
    )
    print_health([health], False, lang)
    shown = capsys.readouterr().out
    assert shown.count(format_datetime(MOMENT, lang)) == 3, shown
    assert not ISO_FIGURES.search(shown), shown
    assert shown.rstrip().endswith(FOOT[lang]), shown
