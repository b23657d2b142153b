"""Journey: the dashboard on a phone (390 CSS px wide, deployed stack: nginx TLS, gunicorn, headless
Chromium). The page never scrolls sideways, and a chart's words are drawn at a size one can read: a chart
too wide for the screen scrolls inside its own frame rather than shrinking its labels to specks."""

from __future__ import annotations

import pytest
from journey_stack import Stack
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

PHONE = {"width": 390, "height": 844}
READABLE_PX = 9  # the smallest label height a person reads on a phone without zooming


def test_the_dashboard_fits_a_phone_and_its_charts_stay_readable(stack: Stack):
    stack.add_user("ana", "editor", "fr")
    page = stack.login("ana", locale="fr-FR")
    page.set_viewport_size(PHONE)
    page.goto(f"{stack.url}/dashboard?period=90d")
    charts = page.locator("svg.chart")
    expect(charts.first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for chart in charts.all():
        chart.scroll_into_view_if_needed()
        heights = chart.evaluate(
            "svg => [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height)"
        )
        assert heights, "a chart without words"
        assert min(heights) >= READABLE_PX, (chart.get_attribute("id"), min(heights))
        # what does not fit scrolls within the chart's own frame, which a finger can reach
        frame = chart.evaluate_handle("svg => svg.closest('figure')")
        assert frame.evaluate("f => f.getBoundingClientRect().right") <= PHONE["width"]
