"""Journey d, second half: every POST route of the web app was posted to by a browser in this session.

The journeys' browser contexts record each POST they send to the stack and the status it got
(``PostLog`` in journey_stack.py); this test runs after them (``post_coverage`` marker, moved last by
conftest.py) and fails for any route of ``app.url_map`` that no browser reached with an accepted request
(a status below 400: a CSRF or origin refusal does not count).

A new form or POST route is covered by submitting it in one of the journeys (or in
``test_journey_forms.py``), through the page a person would use: click the button, do not build the
request. Run the journeys together (``pytest tests/journeys``); under pytest-xdist any distribution works:
every process writes what its browsers posted to a folder the run shares, and this check waits until every
selected journey has finished, on whichever worker.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from journey_stack import HOST, PostLog
from werkzeug.exceptions import HTTPException

from mediawatch.config import Settings
from mediawatch.store import open_store
from mediawatch.web.app import create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.post_coverage,
    pytest.mark.xdist_group("journeys"),
]


WAIT_FOR_OTHER_WORKERS = 3600.0  # seconds; only a crashed worker makes it count


def post_routes(app) -> dict[str, str]:
    """Endpoint -> rule of every route that accepts POST."""
    return {r.endpoint: r.rule for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}


def covered(app, log: PostLog) -> dict[str, list[int]]:
    """Endpoint -> statuses the browser got when posting to it."""
    adapter = app.url_map.bind(HOST)
    seen: dict[str, list[int]] = {}
    for post in log.posts():
        try:
            endpoint, _args = adapter.match(post.path, method="POST")
        except HTTPException:
            continue
        seen.setdefault(str(endpoint), []).append(post.status)
    return seen


def test_every_post_route_was_posted_by_a_browser(post_log: PostLog, chromium, tmp_path, request):
    here = Path(__file__).parent
    journeys = {
        item.nodeid
        for item in request.session.items
        if item.path.parent == here
        and item.get_closest_marker("browser")
        and not item.get_closest_marker("post_coverage")
    }
    # Under pytest-xdist other workers may still be running journeys: wait for them, not for a time.
    waited = time.monotonic()
    while not journeys <= post_log.finished_tests():
        if time.monotonic() - waited > WAIT_FOR_OTHER_WORKERS:
            pytest.fail(f"journeys never finished: {sorted(journeys - post_log.finished_tests())}")
        time.sleep(1)
    with open_store(f"sqlite:///{tmp_path / 'routes.sqlite3'}") as store:
        app = create_app(Settings(db=str(tmp_path / "routes.sqlite3"), secret_key="x" * 32), store)
        routes = post_routes(app)
        seen = covered(app, post_log)
    assert routes, "the app has no POST route: the url_map was not read"
    missing = {
        endpoint: (rule, seen.get(endpoint, []))
        for endpoint, rule in sorted(routes.items())
        if not any(status < 400 for status in seen.get(endpoint, []))
    }
    assert not missing, (
        "POST routes no browser test submitted successfully (endpoint: rule, statuses seen); submit each "
        "one's form in a journey (tests/journeys/test_journey_forms.py):\n"
        + "\n".join(f"  {endpoint}: {rule} {statuses}" for endpoint, (rule, statuses) in missing.items())
    )
