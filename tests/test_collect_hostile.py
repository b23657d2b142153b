"""The collector under a hostile and broken web (issue 12): every server-supplied number is bounded,
a dying worker or a killed run never leaves the night without its summary, and one source never stops
the others.  Real local servers on loopback addresses, real extraction worker processes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hostile_server import HostileServer, Response

from mediawatch.collect import decide
from mediawatch.collect.pipeline import Collector, collect
from mediawatch.config import Settings
from mediawatch.store import open_store
from mediawatch.types import FetchStatus, Source, SourceKind

FAST = Settings(
    allow_private_addresses=True,
    per_host_delay=0.0,
    extract_workers=1,
    penalty_delay=0.0,
    connect_timeout=2,
    read_timeout=2,
    total_timeout=3,
)


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield s
    s.close()


def feed_source(source_id: str, url: str, kind: SourceKind = SourceKind.RSS) -> Source:
    return Source(id=source_id, name=source_id, url=url, kind=kind, language="en")


def rss(server: HostileServer, items: list[str], title: str = "feed") -> bytes:
    body = "".join(
        f"<item><title>Item {i} of the {title} feed about soil carbon</title>"
        f"<link>{server.url(p)}</link></item>"
        for i, p in enumerate(items)
    )
    return f"<rss version='2.0'><channel><title>{title}</title>{body}</channel></rss>".encode()


def health_of(store) -> dict:
    return {h.source_id: h for h in store.source_health(datetime.now(UTC), 14)}


# -- item 1: Retry-After and back-off are bounded --------------------------------------------------------
@pytest.mark.parametrize(
    "retry_after",
    ["1000000000000", "99999999999999999999999999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"],
)
def test_absurd_retry_after_is_clamped_to_seven_days_and_flagged(store, hostile_server, retry_after):
    hostile_server.add_route(
        "/absurd", Response(429, b"slow down", {"Retry-After": retry_after, "Content-Type": "text/plain"})
    )
    hostile_server.add_static("/good.xml", rss(hostile_server, ["/p"]), content_type="application/rss+xml")
    sources = [
        feed_source("absurd", hostile_server.url("/absurd")),
        feed_source("good", hostile_server.url("/good.xml")),
    ]
    report = collect(store, sources, FAST.with_overrides(fetch_pages=False))
    health = health_of(store)
    assert health["absurd"].last_status is FetchStatus.RATE_LIMITED
    assert "Retry-After clamped" in health["absurd"].events[0].detail
    wait = health["absurd"].next_due - datetime.now(UTC)
    assert timedelta(days=6) < wait <= decide.MAX_WAIT
    assert health["good"].last_status is FetchStatus.OK
    assert report.failed == 1
    # The next run is not broken by what was recorded.
    again = collect(store, sources, FAST.with_overrides(fetch_pages=False))
    assert again.skipped == 1


def test_backoff_of_a_source_failing_for_years_stays_bounded():
    state = decide.SourceState(consecutive_failures=5000)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    after = decide.after_failure(
        state, now, FetchStatus.HTTP_5XX, "x", base_hours=1.0, max_hours=24.0, retry_after=float("inf")
    )
    assert after.next_due == now + decide.MAX_WAIT
    assert decide.backoff_delay(5000, 1.0, 1e9) == decide.MAX_WAIT


def test_feed_dates_and_ports_off_the_calendar_do_not_stop_the_run(store, hostile_server):
    items = [
        {
            "id": "1",
            "url": hostile_server.url("/a"),
            "title": "Year 9999 story about soil",
            "date_published": "9999-12-31T23:59:59-05:00",
        },
        {
            "id": "2",
            "url": hostile_server.url("/b"),
            "title": "Year 1 story about soil carbon",
            "date_published": "0001-01-01T00:00:00+05:00",
        },
        {
            "id": "3",
            "url": "http://example.org:" + "9" * 5000 + "/c",
            "title": "A port of 5000 digits in a link",
        },
    ]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "dates", "items": items}
    hostile_server.add_static("/dates.json", json.dumps(feed).encode(), content_type="application/feed+json")
    report = collect(
        store,
        [feed_source("dates", hostile_server.url("/dates.json"))],
        FAST.with_overrides(fetch_pages=False),
    )
    assert report.failed == 0
    assert report.new_articles >= 2


# -- item 4: a run killed mid-way does not stay "running" ------------------------------------------------
def test_run_killed_midway_is_marked_interrupted_by_the_next_run(store, hostile_server):
    # What a kill -9 leaves behind: a row marked running, and no lock (the kernel released it).
    killed = store.start_run("collect")
    report = collect(
        store, [feed_source("f", hostile_server.url("/feed.xml"))], FAST.with_overrides(fetch_pages=False)
    )
    runs = {r.id: r for r in store.recent_runs("collect")}
    assert runs[killed].status == "interrupted"
    assert runs[killed].finished is not None
    assert report.interrupted_runs == [killed]
    latest = max(runs)
    assert runs[latest].status == "ok"


def test_a_run_that_crashes_still_closes_its_row(store, hostile_server, monkeypatch):
    def broken(self, sources, *, force=False):
        raise RuntimeError("simulated bug in the collector")

    monkeypatch.setattr(Collector, "run", broken)
    with pytest.raises(RuntimeError):
        collect(store, [feed_source("f", hostile_server.url("/feed.xml"))], FAST)
    [run] = store.recent_runs("collect")
    assert run.status == "failed"
    assert "simulated bug" in run.summary["error"]
