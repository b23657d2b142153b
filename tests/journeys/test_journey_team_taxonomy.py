"""Journey: a team with its own taxonomy (the ``taxonomy_dir`` setting: an objective of its own, Z9, in
place of E2, and no "events" theme). Its French editor, through the deployed stack (nginx TLS,
``mediawatch serve``) in headless Chromium, meets the team's objectives and themes and no others in the
watch page's filters, the saved watch's form and the story page: Z9 offered, named by the team's own words
and accepted; E2 and "events" neither offered nor accepted. When the team then renames Z9 in its file, the
watch saved on it keeps answering (its feed, its digest) and finds nothing, and its row says why."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from journey_stack import Stack, https_request, submit
from playwright.sync_api import expect
from taxonomy_samples import OWN, TEAM_OBJECTIVES, team_taxonomy

from mediawatch.i18n import t
from mediawatch.i18n.themes import objective_name, theme_name
from mediawatch.store import open_store
from mediawatch.types import Theme

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

Z9 = f"Z9 – {OWN}"  # as the French catalogue joins a code and a name ("objective.with_code")
THEMES = [x for x in Theme if x is not Theme.EVENTS]


def a_story_serving_z9(stack: Stack) -> tuple[int, int]:
    story = json.loads(stack.cli("stories", "list", "--json").stdout.splitlines()[0])
    article = int(story["articles"][0]["id"])
    with open_store(stack.settings["collect"]["db"]) as store:
        verdict = store.classification_of(article)
        themes = (Theme.MRV_MONITORING,)
        store.save_classifications(
            [replace(verdict, relevant=True, uncertain=False, themes=themes, objectives=("Z9",))]
        )
    return int(story["id"]), article


def test_a_teams_own_objectives_and_themes_everywhere(stack_factory, tmp_path: Path):
    stack: Stack = stack_factory(classify={"taxonomy_dir": str(team_taxonomy(tmp_path))})
    assert stack.cli("taxonomy", "check").returncode == 0  # the team's files are a valid taxonomy
    stack.add_user("chloe", "editor", lang="fr")
    stack.cli("users", "update", "chloe", "--email", "chloe@example.org")
    story, article = a_story_serving_z9(stack)
    page = stack.login("chloe", locale="fr-FR")

    # The watch page offers the team's objectives (Z9 by its own words) and themes, no others.
    page.goto(f"{stack.url}/watch")
    offered = [x.strip() for x in page.locator("#watch-objective option").all_inner_texts()[1:]]
    assert offered == [objective_name(c, "fr") if c != "Z9" else Z9 for c in TEAM_OBJECTIVES]
    themes = [x.strip() for x in page.locator("#watch-theme option").all_inner_texts()[1:]]
    assert themes == [theme_name(x, "fr") for x in THEMES]

    # Z9 chosen by its name filters the stream and finds the story.
    page.select_option("#watch-objective", label=Z9)
    submit(page, "#watch-submit")
    assert parse_qs(urlsplit(page.url).query)["objective"] == ["Z9"]
    expect(page.locator(f"#story-{story}")).to_be_visible()

    # ... and is saved as a watch, its filter said in words.
    submit(page, "#watch-save")
    expect(page.locator("#w-objective")).to_have_value("Z9")
    page.fill("#w-name", "Plan de l'équipe")
    submit(page, "#save-watch")
    expect(
        page.locator(".flash", has_text=t("watches.web.saved", "fr", name="Plan de l'équipe"))
    ).to_be_visible()
    row = page.locator('tr[data-watch="Plan de l\'équipe"]')
    expect(row).to_contain_text(Z9)

    # An objective or a theme the team's taxonomy does not have is refused, naming the field.
    for link, field in (
        ("objective=E2", "watchpage.field.objective"),
        ("theme=events", "watchpage.field.theme"),
    ):
        page.goto(f"{stack.url}/watch?{link}")
        expect(page.locator("#watch-problems")).to_contain_text(t(field, "fr"))
        expect(page.locator(f"#story-{story}")).to_have_count(0)

    # The story page names Z9 so, and its correction boxes are the team's objectives and themes.
    page.goto(f"{stack.url}/stories/{story}")
    expect(page.locator("#story-objectives")).to_have_text(Z9)
    row = page.locator(f"#article-{article}")
    row.locator("details.corrections summary").click()
    boxes = [x.strip() for x in row.locator("form[data-field=objectives] label").all_inner_texts()]
    assert boxes == offered
    boxes = [x.strip() for x in row.locator("form[data-field=themes] label").all_inner_texts()]
    assert boxes == themes
    row.locator("form[data-field=objectives]").get_by_label(objective_name("A5", "fr")).check()
    submit(page, f"#article-{article} form[data-field=objectives] button")
    expect(page.locator("#story-objectives")).to_have_text(f"{objective_name('A5', 'fr')}, {Z9}")

    # The team renames Z9 in its file: the watch saved on it keeps answering and finds nothing (the story
    # still carries Z9 until a reclassification), and its row says the objective is no longer there.
    def feed_entries() -> list[str]:
        page.goto(f"{stack.url}/watches")
        href = page.locator('tr[data-watch="Plan de l\'équipe"] .feed-link').get_attribute("href")
        status, _headers, body = https_request(stack.tls, "GET", href or "")
        assert status == 200, body[:500]
        feed = feedparser.parse(body)
        assert not feed.bozo, feed.get("bozo_exception")
        return [e.title for e in feed.entries]

    assert len(feed_entries()) == 1
    objectives = Path(stack.settings["classify"]["taxonomy_dir"]) / "objectives.toml"
    text = objectives.read_text(encoding="utf-8")
    objectives.write_text(text.replace("[objectives.Z9]", "[objectives.Z8]"), encoding="utf-8")
    assert feed_entries() == []
    row = page.locator('tr[data-watch="Plan de l\'équipe"]')
    expect(row).to_have_attribute("data-gone", "objective")
    expect(row).to_contain_text(t("watches.filter.gone", "fr", value="Z9"))
    ran = stack.cli("--lang", "fr", "watches", "run", "Plan de l'équipe", check=False)
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr
