"""The nightly run's parts that need no night: cadences and due periods, a day still to come, JSON log
lines and their rotation, the editors' email in every language (the end-to-end runs are in
tests/test_nightly.py)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from mediawatch.cli import cli
from mediawatch.config import Settings
from mediawatch.errors import ConfigError
from mediawatch.i18n import LANGUAGES
from mediawatch.nightly import Every, due_period, json_logging, parse_cadence, run_nightly
from mediawatch.nightly.cadence import Cadence, is_future_day
from mediawatch.nightly.notify import DraftNews, RunNews, SourceNews, editor_message, editors
from mediawatch.store import open_store
from mediawatch.types import Publication

EDITORS = ("editor@example.org", "chief@example.org")


# -- pure parts ------------------------------------------------------------------------------------------
def test_cadences():
    assert parse_cadence("weekly:mon") == Cadence(Every.WEEKLY, 0)
    assert parse_cadence(" Weekly:Sunday ") == Cadence(Every.WEEKLY, 6)
    assert parse_cadence("monthly:1") == Cadence(Every.MONTHLY, 1)
    assert parse_cadence("") == Cadence(Every.OFF)
    assert str(parse_cadence("weekly:fri")) == "weekly:fri"
    for bad in ("weekly", "weekly:funday", "monthly:31", "monthly:0", "hourly"):
        with pytest.raises(ConfigError, match="not a cadence"):
            parse_cadence(bad, "nightly_newsletter")


def test_due_periods():
    monday = Cadence(Every.WEEKLY, 0)
    # Wednesday 2024-05-08: last week's Monday-to-Monday is due, and stays due until the next Monday
    for day in (6, 7, 8, 12):
        period = due_period(monday, datetime(2024, 5, day, 3, 0, tzinfo=UTC))
        assert period is not None
        assert (period.start, period.end) == (
            datetime(2024, 4, 29, tzinfo=UTC),
            datetime(2024, 5, 6, tzinfo=UTC),
        )
    assert due_period(monday, datetime(2024, 5, 13, 0, 0, tzinfo=UTC)).end == datetime(
        2024, 5, 13, tzinfo=UTC
    )
    first = Cadence(Every.MONTHLY, 1)
    period = due_period(first, datetime(2024, 1, 15, tzinfo=UTC))
    assert (period.start, period.end) == (datetime(2023, 12, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
    period = due_period(Cadence(Every.MONTHLY, 15), datetime(2024, 3, 10, tzinfo=UTC))
    assert (period.start, period.end) == (
        datetime(2024, 1, 15, tzinfo=UTC),
        datetime(2024, 2, 15, tzinfo=UTC),
    )
    daily = due_period(Cadence(Every.DAILY), datetime(2024, 3, 1, 23, 59, tzinfo=UTC))
    assert (daily.start, daily.end) == (datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))
    assert due_period(Cadence(Every.OFF), datetime(2024, 3, 1, tzinfo=UTC)) is None
    # local midnights: Paris is UTC+2 in May, so Monday 00:00 there is Sunday 22:00 UTC
    paris = due_period(monday, datetime(2024, 5, 6, 3, 0, tzinfo=UTC), ZoneInfo("Europe/Paris"))
    assert paris.end == datetime(2024, 5, 5, 22, 0, tzinfo=UTC)
    # just before local midnight the previous period is still the one due
    late = due_period(monday, datetime(2024, 5, 5, 21, 59, tzinfo=UTC), ZoneInfo("Europe/Paris"))
    assert late.end == datetime(2024, 4, 28, 22, 0, tzinfo=UTC)


def test_a_day_still_to_come_is_decided_in_the_cadences_time_zone():
    now = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    assert not is_future_day(datetime(2026, 12, 6, 23, 59, tzinfo=UTC), now)  # later today: same drafts
    assert not is_future_day(datetime(2026, 11, 30, tzinfo=UTC), now)
    assert is_future_day(datetime(2026, 12, 7, tzinfo=UTC), now)
    # 00:30 on the 7th in Paris, while it is still the 6th there
    assert is_future_day(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), now, ZoneInfo("Europe/Paris"))


def test_nightly_refuses_a_day_still_to_come(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    db = tmp_path / "db.sqlite3"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "--lang", "es", "nightly", "--at", tomorrow], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert f"--at {tomorrow} es un día por venir" in result.output
    assert not db.exists()  # refused before anything ran


def test_a_period_with_nothing_relevant_composes_no_draft(tmp_path):
    settings = Settings(
        db=str(tmp_path / "db.sqlite3"),
        model_path=str(tmp_path / "model.npz"),
        nightly_press_review="weekly:mon",
        nightly_newsletter="daily",
        nightly_drafts_dir=str(tmp_path / "drafts"),
    )
    lines = io.StringIO()
    with open_store(f"sqlite:///{settings.db}") as store:
        with json_logging(settings, lines) as log:
            result = run_nightly(
                store,
                settings,
                log=log,
                now=datetime(2026, 12, 1, 3, tzinfo=UTC),
                collect=False,
                notify=False,
            )
        assert store.list_issues() == []
    assert result.composed == ()
    events = [json.loads(line) for line in lines.getvalue().splitlines()]
    nothing = [e for e in events if e["event"] == "compose.nothing"]
    assert {e["publication"] for e in nothing} == {"press-review", "newsletter"}
    assert not (tmp_path / "drafts").exists()


def test_json_log_lines_rotate(tmp_path):
    settings = Settings(log_file=str(tmp_path / "logs" / "n.jsonl"), log_max_bytes=400, log_backups=2)
    with json_logging(settings) as log:
        for i in range(40):
            log.bind(run=7).info("step.done", n=i, at=datetime(2024, 1, 1, tzinfo=UTC), names={"a"})
        import logging

        logging.getLogger("mediawatch.collect").warning("plain %s", "message")
    files = sorted((tmp_path / "logs").iterdir())
    assert [f.name for f in files] == ["n.jsonl", "n.jsonl.1", "n.jsonl.2"]
    lines = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert all(set(line) >= {"ts", "level", "event"} for line in lines)
    step = next(line for line in lines if line["event"] == "step.done")
    assert step["run"] == 7
    assert step["at"] == "2024-01-01T00:00:00+00:00"
    assert step["names"] == ["a"]
    newest = json.loads(files[0].read_text(encoding="utf-8").splitlines()[-1])  # n.jsonl is the current file
    assert newest["event"] == "log"
    assert newest["level"] == "warning"
    assert newest["message"] == "plain message"


def test_editor_email_in_every_language():
    news = RunNews(
        at=datetime(2024, 5, 6, 3, 0, tzinfo=UTC),
        drafts=(
            DraftNews(
                3,
                "press-review-2024-05-06",
                Publication.PRESS_REVIEW,
                datetime(2024, 4, 29, tzinfo=UTC),
                datetime(2024, 5, 6, tzinfo=UTC),
                12,
                ("no translation provider",),
            ),
        ),
        new_articles=40,
        relevant=11,
        stories=9,
        failing=(SourceNews("x", "X News", "http-5xx", "HTTP 503 <b>", 3, None),),
        stale=(SourceNews("y", "Y Blog", "ok", "", 0, 20),),
        stale_after_days=14,
        previous_interrupted=True,
        problems=(),
    )
    settings = Settings(mail_from="watch@example.org", base_url="https://watch.example.org/")
    expected = {
        # the period and the night in the words of the editions, the web and the CLI (i18n.dates)
        "fr": ("brouillons à relire", "Revue de presse, du 29 avr. au 5 mai 2024 :", "nuit du 6 mai 2024",
               "Sources en échec", "interrompu",
               "X News (x) : erreur du serveur (5xx), 3 échecs consécutifs : HTTP 503"),
        "en": ("drafts to review", "Press review, 29 Apr – 5 May 2024:", "night run of 6 May 2024",
               "Sources failing", "interrupted",
               "X News (x): server error (5xx), 3 failures in a row: HTTP 503 <b>"),
        "es": ("borradores por revisar", "Revista de prensa, del 29 de abr. al 5 de may. de 2024:",
               "6 de mayo de 2024", "Fuentes con fallos",
               "interrumpió", "X News (x): error del servidor (5xx), 3 fallos seguidos: HTTP 503"),
    }  # fmt: skip
    for lang in LANGUAGES:
        message = editor_message(news, settings, lang, EDITORS)
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert expected[lang][0] in message["Subject"]
        for words in expected[lang][1:]:
            assert words in text, (lang, words)
        assert "https://watch.example.org/issues/3" in text
        assert ("503 &lt;b&gt;" in html) is (lang == "en")  # escaped; English only: the rest is a code
        assert message["To"] == ", ".join(EDITORS)
        assert message["Auto-Submitted"] == "auto-generated"
    assert editors(Settings(nightly_editors="a@x.org; b@y.org a@x.org")) == ("a@x.org", "b@y.org")
    with pytest.raises(ConfigError, match="not an email address"):
        editors(Settings(nightly_editors="a@x.org, nobody"))


def test_the_editors_are_told_when_the_workers_were_still_collecting():
    """With a broker, a nightly whose wait for the workers ran out says so in the editors' email."""
    news = RunNews(
        at=datetime(2024, 5, 6, 3, 0, tzinfo=UTC),
        drafts=(),
        new_articles=0,
        relevant=0,
        stories=0,
        failing=(SourceNews("x", "X News", "http-5xx", "503", 3, None),),
        stale=(),
        stale_after_days=14,
        previous_interrupted=False,
        problems=(),
        collect_still_running=42,
    )
    settings = Settings(mail_from="watch@example.org", base_url="https://watch.example.org/")
    expected = {
        "fr": "La collecte 42 n’était pas finie",
        "en": "Collect run 42 was not finished",
        "es": "La recolección 42 no había terminado",
    }
    for lang in LANGUAGES:
        message = editor_message(news, settings, lang, EDITORS)
        assert expected[lang] in message.get_body(("plain",)).get_content(), lang
        assert expected[lang] in message.get_body(("html",)).get_content(), lang
    told = editor_message(replace(news, collect_still_running=None), settings, "en", EDITORS)
    assert "Collect run" not in told.get_body(("plain",)).get_content()  # only when it was so


def test_the_wait_for_the_workers_is_a_nightly_setting(tmp_path):
    from mediawatch.config import load_settings

    assert Settings().nightly_collect_wait_seconds == 3 * 3600  # three hours unless said otherwise
    path = tmp_path / "config.toml"
    path.write_text("[nightly]\nnightly_collect_wait_seconds = 5400\n", encoding="utf-8")
    assert load_settings(str(path), env={}).nightly_collect_wait_seconds == 5400.0
    env = {"MEDIAWATCH_NIGHTLY_COLLECT_WAIT_SECONDS": "60"}
    assert load_settings(str(path), env=env).nightly_collect_wait_seconds == 60.0
