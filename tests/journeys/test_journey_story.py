"""Journey: an editor opens a story, marks it not relevant, corrects an article's language and the story's
themes, pins it for the next newsletter and finds it in the draft composed next, unpins it from the press
review, adds it to a draft press review now, and reads its social posts; an unknown story is a 404 page."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from journey_stack import Stack
from playwright.sync_api import expect

from mediawatch.classify.learned import BASE_MODEL, Model
from mediawatch.classify.pipeline import Classifier
from mediawatch.classify.taxonomy import load_taxonomy
from mediawatch.compose.issues import issue_title
from mediawatch.i18n import catalogue
from mediawatch.store import open_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]


def fixed_text(key: str, lang: str = "en") -> str:
    """The longest stretch of a message that none of its {fields} changes."""
    template = catalogue(lang)[key]
    return max(re.split(r"{\w+}", template), key=len).strip()


def a_story(stack: Stack) -> tuple[int, int]:
    """A story told by several outlets with a French article: (story id, that article's id)."""
    listed = stack.cli("stories", "list", "--json").stdout.splitlines()
    for line in listed:
        story = json.loads(line)
        french = [a["id"] for a in story["articles"] if a["language"] == "fr"]
        if len(story["articles"]) > 1 and french:
            return int(story["id"]), french[0]
    raise AssertionError("the seeded demo has no story with a French article")


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def test_an_editor_curates_pins_and_adds_a_story(stack: Stack):
    stack.add_user("ana", "editor")
    story, french = a_story(stack)
    db = stack.settings["collect"]["db"]
    ana = stack.login("ana")

    # Another article judged relevant by the learned model where the taxonomy alone found nothing: the
    # model's words (the packaged model's own, for this article) say why, apart from the taxonomy's terms.
    with open_store(db) as store:
        members = store.story_groups()[story]
        tipped = next(a for a in members if a != french)
        batches = store.articles_for_classification(everything=True)
        [item] = [i for batch in batches for i in batch if i.id == str(tipped)]
        words = Classifier(load_taxonomy(), Model.load(BASE_MODEL)).model_terms(item)
        verdict = store.classification_of(tipped)
        store.save_classifications([replace(verdict, relevant=True, uncertain=False, matched_terms=words)])
    assert words

    # The page: every article with its outlet, its language in words and why it was judged relevant.
    ana.goto(f"{stack.url}/stories/{story}")
    rows = ana.locator("#articles tbody tr")
    expect(rows).to_have_count(len(members))
    expect(ana.locator(f"#article-{french} td.language")).to_have_text(re.compile("^French"))
    expect(ana.locator(f"#article-{french} td.why")).to_contain_text(fixed_text("story.page.matched"))
    model_line = catalogue("en")["story.page.model"].format(terms=", ".join(w.term for w in words))
    expect(ana.locator(f"#article-{tipped} td.why .model-terms")).to_have_text(model_line)
    expect(ana.locator(f"#article-{tipped} td.why")).not_to_contain_text(fixed_text("story.page.matched"))
    expect(ana.locator(f"#article-{french} td.why")).not_to_contain_text(fixed_text("story.page.model"))
    expect(ana.locator("#story-pins")).to_have_text(catalogue("en")["story.page.not_pinned"])
    expect(ana.locator("#social-fr")).to_have_value(re.compile(r"https?://"))
    missing = ana.goto(f"{stack.url}/stories/987654321")
    assert missing is not None
    assert missing.status == 404

    # Not relevant, for the whole story: a decision the classifier learns from, and a correction.
    ana.goto(f"{stack.url}/stories/{story}")
    submit(ana, "#story-relevance button[value='0']")
    expect(ana.locator("#curate .flash")).to_contain_text(fixed_text("story.page.done.not_relevant"))
    expect(ana.locator("#articles .verdict .badge").first).to_have_text("not relevant")
    with open_store(db) as store:
        assert {a: ok for a, ok in store.decisions() if a in members} == dict.fromkeys(members, False)

    # The French article is in fact in English.
    row = ana.locator(f"#article-{french}")
    row.locator("details.corrections summary").click()
    row.locator("form[data-field=language] select").select_option("en")
    submit(ana, f"#article-{french} form[data-field=language] button")
    expect(ana.locator(f"#article-{french} .flash")).to_contain_text(fixed_text("story.page.done.corrected"))
    expect(ana.locator(f"#article-{french} td.language")).to_have_text(re.compile("^English"))
    # ... and the whole story is about events, in Oceania.
    whole = ana.locator("#curate")
    whole.locator("details.corrections summary").click()
    themes = whole.locator("form[data-field=themes]")
    for box in themes.locator("input[type=checkbox]").all():  # ticked: the story's themes now
        box.uncheck()
    themes.locator("input[value=events]").check()
    submit(ana, "#curate form[data-field=themes] button")
    expect(ana.locator("#story-themes")).to_have_text("Events")
    with open_store(db) as store:
        assert store.classification_of(french).language == "en"

    # Pinned for the next newsletter: the next composed draft holds it, although it is not relevant now.
    submit(ana, "#pin-newsletter")
    expect(ana.locator("#pins .flash")).to_contain_text(fixed_text("story.page.done.pinned"))
    expect(ana.locator("#unpin-newsletter")).to_be_visible()
    composed = json.loads(stack.cli("compose", "newsletter", "--as", "ana", "--json").stdout)
    issue = int(composed["issue"])
    with open_store(db) as store:
        assert story in {i.story_id for i in store.issue_content(issue).items}
        assert store.story_pins(story)[0].used_issue_id == issue
    ana.goto(f"{stack.url}/stories/{story}")
    expect(ana.locator("#story-uses a")).to_have_attribute("href", f"/issues/{issue}")
    with open_store(db) as store:  # named by its title, as the issues pages name it, not by its slug
        newsletter = store.find_issue(issue)
    assert newsletter is not None
    expect(ana.locator("#story-uses a")).to_have_text(issue_title(newsletter, "en"))
    expect(ana.locator("#pin-newsletter")).to_be_visible()  # used: it may be pinned again

    # Pinned for the press review, then unpinned.
    submit(ana, "#pin-press-review")
    submit(ana, "#unpin-press-review")
    expect(ana.locator("#pins .flash")).to_contain_text(fixed_text("story.page.done.unpinned"))
    with open_store(db) as store:
        assert [p.publication.value for p in store.story_pins(story, waiting=True)] == []

    # Added to a draft press review now.
    review = json.loads(
        stack.cli(
            "compose", "press-review", "--from", "30d", "--languages", "en", "--as", "ana", "--json"
        ).stdout
    )
    ana.goto(f"{stack.url}/stories/{story}")
    with open_store(db) as store:
        draft = store.find_issue(int(review["issue"]))
    assert draft is not None
    option = ana.locator(f"#draft-issue option[value='{draft.id}']")
    expect(option).to_have_text(issue_title(draft, "en"))
    ana.locator("#draft-issue").select_option(str(review["issue"]))
    submit(ana, "#add-to-draft button")
    expect(ana.locator("#pins .flash")).to_contain_text(fixed_text("story.page.done.added"))
    expect(ana.locator("#pins .flash")).to_contain_text(issue_title(draft, "en"))
    expect(ana.locator("#story-uses a")).to_have_count(2)
    with open_store(db) as store:
        assert story in {i.story_id for i in store.issue_content(int(review["issue"])).items}
