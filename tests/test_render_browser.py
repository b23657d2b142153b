"""Rendered editions in headless Chromium at 600 px and 375 px: nothing overflows horizontally.

Screenshots go to tests/artifacts/ (ignored by git) for a human look. Skips only when /usr/bin/chromium is
absent (`make system` installs it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from render_samples import LANGS, big_press_review, hostile_issue, open_test_store, small_issue

from mediawatch.config import Settings
from mediawatch.render import render_issue
from mediawatch.types import Publication

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
WIDTHS = (600, 375)

# Every element's right edge, against the viewport; hidden elements (the preheader) have no box.
OVERFLOW_JS = """
() => {
  const width = window.innerWidth;
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5) {
      bad.push(el.tagName + '.' + (el.className || '') + ' right=' + Math.round(r.right) + ' '
               + (el.textContent || '').trim().slice(0, 40));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, bad: bad.slice(0, 10)};
}
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """An archive with both publications, a hostile newsletter and a 40-item press review."""
    tmp = tmp_path_factory.mktemp("browser")
    store = open_test_store(tmp)
    settings = Settings()
    out = tmp / "issues"
    issues = [
        small_issue(store, Publication.NEWSLETTER),
        small_issue(store, Publication.PRESS_REVIEW),
        hostile_issue(store, Publication.NEWSLETTER),
        hostile_issue(store, Publication.PRESS_REVIEW),
        big_press_review(store, 40),
    ]
    pages: list[Path] = []
    for issue_id in issues:
        pages += [p for p in render_issue(store, issue_id, settings, out) if p.suffix == ".html"]
    store.close()
    return out, sorted(set(pages))


@pytest.mark.parametrize("width", WIDTHS)
def test_no_edition_or_archive_page_overflows_horizontally(archive, browser, width):
    out, pages = archive
    assert len(pages) >= 5 * len(LANGS)
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=True)
    # The pages link to nothing we need: refuse every request that is not the file itself.
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
    )
    page = context.new_page()
    problems = []
    try:
        for path in pages:
            page.goto(path.as_uri())
            result = page.evaluate(OVERFLOW_JS)
            name = "-".join(path.relative_to(out).with_suffix("").parts[-2:])
            page.screenshot(path=str(ARTIFACTS / f"render-{name}-{width}.png"), full_page=True)
            if result["scrollWidth"] > result["innerWidth"] or result["bad"]:
                problems.append(f"{path.relative_to(out)} at {width}px: {result}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_overflow_probe_sees_an_overflowing_element(browser):
    context = browser.new_context(viewport={"width": 375, "height": 600})
    page = context.new_page()
    try:
        page.set_content(
            '<html><body><p>ok</p><table><tr><td><div style="width:900px">wide</div></td></tr></table>'
        )
        result = page.evaluate(OVERFLOW_JS)
    finally:
        context.close()
    assert result["scrollWidth"] > 375
    assert any(entry.startswith("DIV") for entry in result["bad"])
