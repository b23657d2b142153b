"""Journey: the team's taxonomy file is broken while the app runs (deployed stack: nginx TLS, ``mediawatch
serve``, headless Chromium). Its French editor still has her watch page, in French, with a banner that
says what is wrong and where; the theme and objective filters are gone, a link naming a theme says why
beside it, and a search without them is saved as a watch through the form, whose feed answers. A watch
saved on a theme before the break waits: its feed answers 503 with Retry-After."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest
from journey_stack import Stack, https_request, submit
from playwright.sync_api import expect

from mediawatch.classify.taxonomy import DEFAULT_DIR
from mediawatch.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

BANNER = "La liste des thèmes et des objectifs de l'équipe ne peut pas être lue"


def test_the_watch_pages_work_without_a_readable_taxonomy_and_say_why(stack_factory, tmp_path: Path):
    folder = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, folder)
    stack: Stack = stack_factory(classify={"taxonomy_dir": str(folder)})
    stack.add_user("chloe", "editor", lang="fr")
    stack.cli("users", "update", "chloe", "--email", "chloe@example.org")
    on_theme = stack.cli(
        "watches", "add", "Science", "--query", "sols", "--theme", "science", "--owner", "chloe",
        "--every", "daily", check=False,
    )  # fmt: skip
    assert on_theme.returncode == 0, on_theme.stderr
    page = stack.login("chloe", locale="fr-FR")

    themes = folder / "themes.toml"
    themes.write_text("[[[\n" + themes.read_text(encoding="utf-8"), encoding="utf-8")

    page.goto(f"{stack.url}/watch")
    expect(page.locator("#taxonomy-problem")).to_contain_text(BANNER)
    expect(page.locator("#taxonomy-problem")).to_contain_text("themes.toml")  # where, for the staff
    expect(page.locator("#watch-theme")).to_have_count(0)
    expect(page.locator("#watch-objective")).to_have_count(0)
    page.fill("#watch-q", "sols")
    submit(page, "#watch-submit")
    expect(page.locator("#taxonomy-problem")).to_be_visible()
    expect(page.locator("#watch-problems")).to_have_count(0)

    # A link naming a theme cannot be judged: said beside the search, in words
    page.goto(f"{stack.url}/watch?theme=science")
    expect(page.locator("#watch-problems")).to_contain_text(
        t("watchpage.error.no_taxonomy", "fr", field=t("watchpage.field.theme", "fr"))
    )

    # The search without them is saved through the form
    page.goto(f"{stack.url}/watch?q=sols")
    submit(page, "#watch-save")
    expect(page.locator("#taxonomy-problem")).to_contain_text(BANNER)
    page.fill("#w-name", "Sols partout")
    submit(page, "#save-watch")
    expect(page.locator(".flash", has_text=t("watches.web.saved", "fr", name="Sols partout"))).to_be_visible()
    expect(page.locator("#taxonomy-problem")).to_contain_text(BANNER)

    def feed(name: str) -> tuple[int, dict[str, str], str]:
        href = page.locator(f'tr[data-watch="{name}"] .feed-link').get_attribute("href")
        return https_request(stack.tls, "GET", href or "", headers={"Accept-Language": "fr"})

    status, _headers, body = feed("Sols partout")
    assert status == 200, body[:500]
    assert not feedparser.parse(body).bozo
    status, headers, body = feed("Science")
    assert status == 503
    assert headers["retry-after"].isdigit()
    assert body.strip() == t("watches.feed.unavailable", "fr")


def test_the_story_page_works_without_a_readable_taxonomy_and_says_why(stack_factory, tmp_path: Path):
    """The story page under the watch pages' banner, not a 500: its articles, regions, pins and posts;
    no theme nor objective to tick (the taxonomy gives them), nor a verdict to correct (saving one
    classifies again, through the taxonomy). A form posted from a page opened before the break says why."""
    folder = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, folder)
    stack: Stack = stack_factory(classify={"taxonomy_dir": str(folder)})
    stack.add_user("chloe", "editor", lang="fr")
    story = int(json.loads(stack.cli("stories", "list", "--json").stdout.splitlines()[0])["id"])
    page = stack.login("chloe", locale="fr-FR")
    page.goto(f"{stack.url}/stories/{story}")
    expect(page.locator("#curate form[data-field=themes]")).to_have_count(1)  # readable: everything

    themes = folder / "themes.toml"
    themes.write_text("[[[\n" + themes.read_text(encoding="utf-8"), encoding="utf-8")
    submit(page, "#story-relevance button[value='0']")  # the page opened before the break
    expect(page.locator("#taxonomy-problem")).to_contain_text(BANNER)
    expect(page.locator(".flash.error[data-for='']")).to_have_text(t("story.page.taxonomy_unreadable", "fr"))

    shown = page.goto(f"{stack.url}/stories/{story}")
    assert shown is not None
    assert shown.status == 200
    expect(page.locator("#taxonomy-problem")).to_contain_text(BANNER)
    expect(page.locator("#taxonomy-problem")).to_contain_text("themes.toml")
    expect(page.locator("#articles tbody tr").first).to_be_visible()
    expect(page.locator("form[data-field=themes]")).to_have_count(0)
    expect(page.locator("form[data-field=objectives]")).to_have_count(0)
    expect(page.locator("#story-relevance")).to_have_count(0)
    expect(page.locator("#pin-newsletter")).to_be_visible()
    submit(page, "#pin-newsletter")
    expect(page.locator("#pins .flash")).to_contain_text("Épinglé")
    expect(page.locator("#taxonomy-problem")).to_contain_text(BANNER)
