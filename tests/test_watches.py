"""Saved watches: validation, the digest (only what the collector found since the last one, built once,
sent once), the spike alert, the Atom feed at a secret address; on SQLite and PostgreSQL, with an injected
clock (never the wall clock) and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from datetime import timedelta

import feedparser
import pytest
from deliver_samples import make_settings, open_store
from review_samples import add_team
from smtp_faults import FaultServer
from test_deliver import cli_env
from watch_samples import T0, add_article, clock_at, watch_team

from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.deliver.watch_mail import run_watches
from mediawatch.errors import ConfigError, InvalidInput, QueryError
from mediawatch.store.protocols import WatchRepository
from mediawatch.store.watches import WatchRecords
from mediawatch.types import OutboxStatus
from mediawatch.watch.query import parse
from mediawatch.watch.watches import (
    add_watch,
    day_counts,
    digest_period,
    feed_url,
    filters_of,
    rotate_feed_key,
    spike_of,
)
from mediawatch.web.app import create_app

DAY = timedelta(days=1)


def _watch(store, settings, **changes):
    values = {
        "name": "Sols", "query": "sols carbone", "filters": {"language": "fr"}, "every": "daily",
        "owner": "carla", "settings": settings, "actor": "carla", "clock": clock_at(T0),
    }  # fmt: skip
    values.update(changes)
    return add_watch(store, **values)


@pytest.fixture
def team(tmp_path, db_url):
    with watch_team(tmp_path, db_url) as found:
        yield found


def _texts(recorder):
    return [
        (m.message()["Subject"], m.message().get_body(("plain",)).get_content()) for m in recorder.snapshot()
    ]


# -- definitions -------------------------------------------------------------------------------------------
def test_a_watch_is_checked_before_it_is_saved(team):
    store, settings, _ = team
    with pytest.raises(QueryError, match="quotation mark"):
        _watch(store, settings, query='sols "carbone')
    with pytest.raises(InvalidInput, match="no user is named “nobody”"):
        _watch(store, settings, owner="nobody")
    with pytest.raises(InvalidInput, match="ana has no email address"):
        _watch(store, settings, owner="ana")
    with pytest.raises(InvalidInput, match="team needs an address"):
        _watch(store, settings, owner="team")
    with pytest.raises(InvalidInput, match="not a frequency"):
        _watch(store, settings, every="hourly")
    with pytest.raises(ConfigError, match="not a theme"):
        _watch(store, settings, filters={"theme": "cooking"})
    watch = _watch(store, settings)
    assert (watch.owner, watch.language, watch.last_digest_at) == ("carla", "fr", T0)
    team_watch = _watch(store, settings, name="Team", owner="team", email="desk@example.org", language="es")
    assert team_watch.language == "es"
    with pytest.raises(InvalidInput, match="already a watch named “Sols”"):
        _watch(store, settings)
    assert [w.name for w in store.list_watches()] == ["Sols", "Team"]


def test_the_cli_says_what_is_wrong_and_exits_2(team):
    store, settings, _ = team
    env = {**os.environ, **cli_env(settings)}

    def cli(*args):
        code = "from mediawatch.cli import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    bad = cli(
        "watches", "add", "X", "--query", "sols", "--every", "daily", "--owner", "team", "--email", "a@"
    )
    assert bad.returncode == 2
    assert "“a@” is not an email address" in bad.stderr
    assert "Traceback" not in bad.stderr
    french = cli(
        "--lang", "fr", "watches", "add", "X", "--query", "(sols", "--every", "daily", "--owner", "carla"
    )
    assert french.returncode == 2
    assert "parenthèse" in french.stderr
    ok = cli("users", "update", "ana", "--email", "Ana@Example.ORG")
    assert ok.returncode == 0, ok.stderr
    assert store.user("ana").email == "Ana@example.org"
    ok = cli(
        "watches", "add", "Mine", "--query", "sols", "--every", "weekly", "--owner", "ana", "--lang", "fr"
    )
    assert ok.returncode == 0, ok.stderr
    watch = store.watch("Mine")
    assert feed_url(settings, watch) in ok.stdout
    assert watch.filters == {"language": "fr"}
    listed = cli("watches", "list", "--json")
    assert '"name": "Mine"' in listed.stdout
    assert '"email": "Ana@example.org"' in listed.stdout
    rotated = cli("watches", "feed", "Mine", "--rotate")
    assert store.watch("Mine").feed_key != watch.feed_key
    assert feed_url(settings, store.watch("Mine")) in rotated.stdout
    assert cli("watches", "remove", "Mine").returncode == 0
    gone = cli("watches", "remove", "Mine")
    assert gone.returncode == 2
    assert "no watch named “Mine”" in gone.stderr


def test_the_store_mixin_and_its_protocol_agree():
    own = {n for n, v in vars(WatchRecords).items() if not n.startswith("_") and callable(v)}
    declared = {n for n, v in vars(WatchRepository).items() if not n.startswith("_") and callable(v)}
    assert own == declared
    for name in own:
        # parameters only: a @contextmanager's Iterator is the Protocol's AbstractContextManager
        own_params = inspect.signature(getattr(WatchRecords, name)).parameters
        assert str(list(own_params.values())) == str(
            list(inspect.signature(getattr(WatchRepository, name)).parameters.values())
        ), name


def test_a_disabled_user_or_a_correspondent_owns_no_watch_and_a_disabled_owners_watch_goes_quiet(team):
    """Disabling an account stops what it set up: no new watch for it, its watch mails nobody (not even
    the address the watch names) and its feed address answers 404; a correspondent sees only their own
    items, so a watch of the team's stories is not theirs to receive."""
    from mediawatch.types import Role

    store, settings, recorder = team
    store.add_user("ines", Role.CORRESPONDENT, "x", "es")
    store.update_user("ines", email="ines@example.org")
    with pytest.raises(InvalidInput, match="ines is a correspondent"):
        _watch(store, settings, owner="ines")
    watch = _watch(store, settings, email="desk@example.org")
    store.update_user("carla", active=False)
    with pytest.raises(InvalidInput, match="the account of carla is disabled"):
        _watch(store, settings, name="Other")
    add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1))
    run = run_watches(store, settings, clock=clock_at(T0 + 2 * DAY))
    assert (run.digests, run.no_address, run.sent) == ([], ["Sols"], 0)
    assert recorder.snapshot() == []
    client = create_app(settings, store).test_client()
    assert client.get(f"/w/{watch.feed_key}.atom").status_code == 404
    store.update_user("carla", active=True)
    assert client.get(f"/w/{watch.feed_key}.atom").status_code == 200


# -- the digest --------------------------------------------------------------------------------------------
def test_a_digest_holds_only_what_was_found_since_the_last_one_and_goes_once(team):
    store, settings, recorder = team
    add_article(store, "Les sols stockent le carbone, déjà connu", found=T0 - 2 * DAY)
    _watch(store, settings)
    # published a month ago, found after the watch was saved: new to us, so in the digest
    add_article(
        store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1), published=T0 - 30 * DAY
    )
    add_article(store, "La pêche en haute mer", found=T0 + timedelta(hours=2))  # does not match
    add_article(store, "Carbone des sols : la suite", found=T0 + DAY + timedelta(hours=2))  # next period

    at = T0 + DAY + timedelta(hours=3)  # Thursday 12:00: Wednesday's period has ended
    assert digest_period("daily", at) == T0.replace(hour=0) + DAY
    run = run_watches(store, settings, clock=clock_at(at))
    assert (run.digests, run.sent) == (["Sols"], 1)
    [(subject, body)] = _texts(recorder)
    assert subject == "Veille «\u00a0Sols\u00a0» : 1 nouveau sujet"
    assert "Les sols vivants et le carbone" in body
    assert "déjà connu" not in body
    assert "la suite" not in body
    assert "mediawatch watches remove" in body  # how to change or remove the watch
    message = recorder.snapshot()[0].message()
    assert message["Content-Language"] == "fr"
    assert message["To"] == "carla@example.org"
    assert "List-Unsubscribe" not in message  # internal mail

    again = run_watches(store, settings, clock=clock_at(at))
    assert (again.digests, again.sent) == ([], 0)
    assert len(recorder.snapshot()) == 1

    friday = run_watches(store, settings, clock=clock_at(at + DAY))
    assert (friday.digests, friday.sent) == (["Sols"], 1)
    subject, body = _texts(recorder)[1]
    assert "la suite" in body
    assert "Les sols vivants" not in body

    quiet = run_watches(store, settings, clock=clock_at(at + 2 * DAY))
    assert (quiet.digests, quiet.empty, quiet.sent) == ([], ["Sols"], 0)  # an empty digest is not sent
    assert len(recorder.snapshot()) == 2
    mails = store.watch_mail(store.watch("Sols").id)
    assert [(m.kind, m.status, m.confirmed) for m in mails] == [("digest", OutboxStatus.SENT, True)] * 2


def test_a_watch_on_its_filters_alone_mails_and_feeds_every_match_and_one_on_nothing_is_refused(team):
    store, settings, recorder = team
    with pytest.raises(InvalidInput, match="at least one filter"):
        _watch(store, settings, query="  ", filters={})
    watch = _watch(store, settings, query="", filters={"language": "fr"})
    assert watch.query == ""
    add_article(store, "Les sols vivants", found=T0 + timedelta(hours=1))
    add_article(store, "La pêche en haute mer", found=T0 + timedelta(hours=2))
    add_article(store, "Soils in Kenya", found=T0 + timedelta(hours=3), language="en")

    run = run_watches(store, settings, clock=clock_at(T0 + DAY + timedelta(hours=3)))
    assert (run.digests, run.sent) == (["Sols"], 1)
    [(subject, body)] = _texts(recorder)
    assert subject == "Veille «\u00a0Sols\u00a0» : 2 nouveaux sujets"
    assert "(aucun mot, filtres seuls)" in body  # never "()"
    assert "Les sols vivants" in body
    assert "La pêche en haute mer" in body
    assert "Soils in Kenya" not in body

    feed = feedparser.parse(create_app(settings, store).test_client().get(f"/w/{watch.feed_key}.atom").data)
    assert not feed.bozo
    assert {e.title for e in feed.entries} == {"Les sols vivants", "La pêche en haute mer"}
    assert feed.feed.subtitle == "Recherche : aucun mot, filtres seuls"


def test_a_weekly_digest_waits_for_monday(team):
    store, settings, recorder = team
    _watch(store, settings, every="weekly")
    add_article(store, "Les sols et le carbone cette semaine", found=T0 + DAY)
    sunday = T0 + 4 * DAY
    assert run_watches(store, settings, clock=clock_at(sunday)).digests == []
    monday = T0 + 5 * DAY
    assert run_watches(store, settings, clock=clock_at(monday)).digests == ["Sols"]
    assert "cette semaine" in _texts(recorder)[0][1]


def test_a_digest_refused_for_a_while_is_retried_then_sent_once(tmp_path, db_url):
    with FaultServer() as server:
        settings = make_settings(tmp_path, server.url, db=db_url)
        store = open_store(settings)
        add_team(store)
        store.update_user("carla", email="carla@example.org")
        _watch(store, settings)
        add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1))
        server.plan("end", "451 4.3.0 try later")
        at = T0 + DAY + timedelta(hours=1)
        first = run_watches(store, settings, clock=clock_at(at))
        assert (first.digests, first.sent, first.waiting) == (["Sols"], 0, 1)
        [mail] = store.watch_mail()
        assert (mail.status, mail.attempts, mail.last_code) == (OutboxStatus.QUEUED, 1, 451)
        # the retry waits for its time (send_retry_base): bring it forward rather than sleep
        with store.watch_mail_session() as session:
            session.finish(
                mail.id, "", status=OutboxStatus.QUEUED, code=451, response="", counts_as_attempt=False,
                next_attempt_at=T0,
            )  # fmt: skip
        second = run_watches(store, settings, clock=clock_at(at))
        assert (second.digests, second.sent) == ([], 1)
        assert server.per_recipient() == {"carla@example.org": 1}
        store.close()


# -- the spike alert ---------------------------------------------------------------------------------------
def test_the_spike_rule():
    assert spike_of(4, [0] * 14, factor=3, minimum=5) is None  # a quiet watch: two handfuls are no spike
    assert spike_of(5, [0] * 14, factor=3, minimum=5) is not None
    assert spike_of(8, [3] * 14, factor=3, minimum=5) is None  # a busy one: three times its mean
    spike = spike_of(9, [3] * 14, factor=3, minimum=5)
    assert spike is not None
    assert (spike.count, spike.mean, spike.threshold) == (9, 3.0, 9.0)


def test_a_spike_sends_one_alert_with_the_stories_that_caused_it(team):
    store, settings, recorder = team
    settings = settings.with_overrides(watch_spike_days=7)
    spike_day = T0.replace(hour=0) + 10 * DAY
    _watch(store, settings, clock=clock_at(spike_day - 12 * DAY))
    for n in range(1, 8):  # one a day in the week before
        add_article(
            store, f"Les sols et le carbone, jour {n}", found=spike_day - n * DAY + timedelta(hours=3)
        )
    for n in range(6):
        add_article(
            store, f"Sols en crise numéro {n}, le carbone s'envole", found=spike_day + timedelta(hours=n)
        )
    found = store.watch_matches(
        parse("sols carbone"), filters_of({"language": "fr"}, taxonomy_names()),
        found_since=spike_day - 7 * DAY, found_until=spike_day + DAY,
    )  # fmt: skip
    assert day_counts(found, spike_day - 7 * DAY, 8) == [1] * 7 + [6]

    at = spike_day + DAY + timedelta(hours=1)
    run = run_watches(store, settings, clock=clock_at(at))
    assert run.spikes == ["Sols"]
    alerts = [(s, b) for s, b in _texts(recorder) if s.startswith("Pic")]
    [(subject, body)] = alerts
    assert subject == "Pic sur la veille «\u00a0Sols\u00a0» : 6 articles en un jour"
    assert "contre 1.0 par jour en moyenne sur les 7 jours précédents" in body
    assert all(f"numéro {n}" in body for n in range(6))
    assert "jour 1" not in body
    [mail] = store.watch_mail(kind="spike")
    assert mail.period_end == spike_day

    again = run_watches(store, settings, clock=clock_at(at + timedelta(hours=5)))
    assert again.spikes == []
    assert len([s for s, _ in _texts(recorder) if s.startswith("Pic")]) == 1


# -- the Atom feed -----------------------------------------------------------------------------------------
HOSTILE = 'Sols & carbone <script>alert("x")</script>\x0b</title><entry>'


def test_the_feed_lists_the_matches_escapes_hostile_titles_and_hides_behind_its_key(team):
    store, settings, _ = team
    watch = _watch(store, settings)
    add_article(store, HOSTILE, found=T0 + timedelta(hours=1), text="Les sols et le carbone")
    add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=2))
    client = create_app(settings, store).test_client()
    response = client.get(f"/w/{watch.feed_key}.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert b"<script>" not in response.data
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title.replace("\u00a0", " ") == "Veille « Sols »"  # feedparser may keep either space
    titles = [e.title for e in feed.entries]
    assert "Les sols vivants et le carbone" in titles
    hostile = next(e for e in feed.entries if "alert" in e.title)
    assert "\x0b" not in hostile.title
    assert hostile.link.startswith("https://news.example/")
    assert feed.feed.links[0].href == feed_url(settings, watch)

    assert client.get("/w/not-the-key.atom").status_code == 404
    assert client.get(f"/w/{watch.feed_key[:-1]}.atom").status_code == 404
    rotated = rotate_feed_key(store, "Sols")
    assert client.get(f"/w/{watch.feed_key}.atom").status_code == 404
    assert client.get(f"/w/{rotated.feed_key}.atom").status_code == 200


def test_the_nightly_run_sends_the_due_digests_once(team):
    from mediawatch.nightly.run import run_nightly

    store, settings, recorder = team
    _watch(store, settings)
    add_article(store, "Les sols vivants et le carbone", found=T0 + timedelta(hours=1))
    at = T0 + DAY + timedelta(hours=1)
    for _ in range(2):
        result = run_nightly(store, settings, collect=False, notify=False, now=at, clock=clock_at(at))
        assert not result.errors, result.errors
    [(subject, _body)] = _texts(recorder)
    assert subject == "Veille «\u00a0Sols\u00a0» : 1 nouveau sujet"


def test_the_mail_shows_hostile_titles_as_text_and_links_only_to_the_web(team):
    from mediawatch.deliver.watch_mail import compose_mail
    from mediawatch.store.watches import WatchMatch

    store, settings, _ = team
    watch = _watch(store, settings)
    hostile = WatchMatch(
        article_id=1, story_id=1, title='<img src=x onerror=alert(1)> "Sols"', url="javascript:alert(1)",
        outlet="<b>Radio</b>", language="fr", published=None, discovered=T0,
    )  # fmt: skip
    mail = compose_mail(
        watch, "digest", [hostile], settings=settings, period_end=T0, to="carla@example.org",
        identity_domain="example.org",
    )  # fmt: skip
    assert "<img" not in mail.body_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in mail.body_html
    assert "&lt;b&gt;Radio&lt;/b&gt;" in mail.body_html
    assert "javascript:" not in mail.body_html
    assert '<img src=x onerror=alert(1)> "Sols"' in mail.body_text  # plain text is plain
    assert mail.stories == (1,)


def test_the_watch_section_of_the_config(tmp_path):
    from mediawatch.config import load_settings

    config = tmp_path / "config.toml"
    text = '[watch]\nteam_language = "fr"\nspike_factor = 2.5\nspike_minimum = 4\nspike_days = 10\n'
    config.write_text(text, encoding="utf-8")
    s = load_settings(str(config), env={})
    assert (s.watch_team_language, s.watch_spike_factor, s.watch_spike_minimum, s.watch_spike_days) == (
        "fr", 2.5, 4, 10,
    )  # fmt: skip
