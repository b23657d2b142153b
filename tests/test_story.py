"""The story page's service, the editors' corrections, pins and adding a story to a draft, social posts:
on the classified demo database, SQLite then PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from demo_data import build_classified_demo_db

from mediawatch.classify.pipeline import classify_stored, load_classifier
from mediawatch.classify.vocabulary import taxonomy_names
from mediawatch.cli import cli
from mediawatch.compose import compose_issue
from mediawatch.compose.issues import issue_title
from mediawatch.compose.pinned import add_story_to_issue
from mediawatch.config import Settings
from mediawatch.errors import ConflictError, InvalidInput, NothingToCompose
from mediawatch.store import open_store
from mediawatch.store.search import RelevanceState
from mediawatch.translate.cache import text_key
from mediawatch.types import MODEL_CONCEPT, Publication, Role, TermMatch, Theme
from mediawatch.watch import curation
from mediawatch.watch.service import make_filters, search_stories
from mediawatch.watch.social import LIMIT, URL_WEIGHT, post_length, social_posts
from mediawatch.watch.story import story_json, story_view

FUTURE_FROM = datetime(2031, 1, 1, tzinfo=UTC)
FUTURE_TO = datetime(2031, 1, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, module_db_url):
    return build_classified_demo_db(tmp_path_factory.mktemp("story"), module_db_url)


@pytest.fixture
def db(demo_db, copy_database):
    return copy_database(demo_db)


@pytest.fixture
def store(db):
    s = open_store(db)
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path):
    return Settings(model_path=str(tmp_path / "no-model.npz"))


def biggest_story(store) -> int:
    groups = store.story_groups()
    return max(groups, key=lambda k: (len(groups[k]), k))


def story_where(store, wanted: bool) -> int:
    """A story whose articles are all relevant (wanted=True) or all not relevant (False)."""
    verdicts = {int(c.id): c for c in store.classifications()}
    for story_id, ids in sorted(store.story_groups().items()):
        found = [verdicts[i] for i in ids if i in verdicts]
        if found and all(v.relevant is wanted and not v.uncertain for v in found):
            return story_id
    raise AssertionError("the demo has no such story")


# -- the view -------------------------------------------------------------------------------------------
def test_story_view_has_every_article_and_why_it_was_judged_relevant(store):
    story_id = biggest_story(store)
    view = story_view(store, story_id)
    assert sorted(a.id for a in view.articles) == sorted(store.story_groups()[story_id])
    stamps = [a.published for a in view.articles]
    assert stamps == sorted(stamps, reverse=True), "newest first"
    for article in view.articles:
        assert article.outlet
        assert article.lead
        assert article.url.startswith("http")
        if article.state is RelevanceState.RELEVANT:
            assert article.matched_terms, "a relevant article says which terms made it so"
            assert article.relevance is not None
    assert view.themes
    assert view.regions
    record = story_json(view)
    assert record["story_id"] == story_id
    assert {
        "latest",
        "outlets",
        "languages",
        "articles",
        "themes",
        "regions",
        "objectives",
        "issues",
        "pins",
    } <= set(record)
    assert {
        "id",
        "title",
        "url",
        "outlet",
        "language",
        "published",
        "state",
        "matched",
        "matched_terms",
    } <= set(record["articles"][0])


def test_an_unknown_story_is_a_clear_error_in_the_service_and_the_cli(store, db):
    with pytest.raises(InvalidInput) as caught:
        story_view(store, 987654)
    assert "987654" in str(caught.value)
    result = CliRunner().invoke(cli, ["--db", db, "--lang", "fr", "stories", "show", "987654"])
    assert result.exit_code == 2
    assert "pas de sujet 987654" in result.output
    assert "Traceback" not in result.output


def test_stories_show_json_is_the_search_record_with_the_story_page_fields(store, db):
    story_id = biggest_story(store)
    result = CliRunner().invoke(cli, ["--db", db, "stories", "show", str(story_id), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record == json.loads(json.dumps(story_json(story_view(store, story_id)), ensure_ascii=False))
    text = CliRunner().invoke(cli, ["--db", db, "--lang", "en", "stories", "show", str(story_id)])
    assert text.exit_code == 0
    assert f"Story {story_id}:" in text.output
    assert "matched:" in text.output
    languages = {a.language for a in story_view(store, story_id).articles}
    assert "French" in text.output or "Spanish" in text.output or "English" in text.output, languages


def test_stories_list_json_gives_each_story_in_the_shape_of_stories_show(store, db):
    """One shape for a story: outlets by name, `story_id`; `id` is kept too (the journey tests read it)."""
    listed = CliRunner().invoke(cli, ["--db", db, "stories", "list", "--json", "--all"])
    assert listed.exit_code == 0, listed.output
    records = [json.loads(line) for line in listed.output.splitlines()]
    assert {r["story_id"] for r in records} == set(store.story_groups())
    for record in records[:5]:
        shown = CliRunner().invoke(cli, ["--db", db, "stories", "show", str(record["story_id"]), "--json"])
        assert record == {"id": record["story_id"], **json.loads(shown.output)}
    names = {a.outlet for r in records for a in story_view(store, r["story_id"]).articles}
    assert {o for r in records for o in r["outlets"]} <= names


def test_the_learned_models_words_are_shown_apart_from_the_taxonomys_terms(store, db):
    story_id = biggest_story(store)
    article = story_view(store, story_id).articles[0].id
    taxonomy_term = TermMatch("carbone du sol", "soil_carbon", "title", 2.0)
    words = (
        TermMatch("haies", MODEL_CONCEPT, MODEL_CONCEPT, 0.9),
        TermMatch("stockent", MODEL_CONCEPT, MODEL_CONCEPT, 0.4),
    )
    verdict = store.classification_of(article)
    store.save_classifications([replace(verdict, relevant=True, matched_terms=(taxonomy_term, *words))])
    [seen] = [a for a in story_view(store, story_id).articles if a.id == article]
    assert seen.matched_terms == ("carbone du sol",)
    assert seen.model_terms == ("haies", "stockent")
    assert story_json(story_view(store, story_id))["articles"][0]["model_terms"] == ["haies", "stockent"]
    for lang, line in [
        ("en", "learned model: haies, stockent"),
        ("fr", "modèle appris : haies, stockent"),
        ("es", "modelo aprendido: haies, stockent"),
    ]:
        shown = CliRunner().invoke(cli, ["--db", db, "--lang", lang, "stories", "show", str(story_id)])
        assert shown.exit_code == 0, shown.output
        assert line in shown.output
        assert "stockent" not in shown.output.replace(line, "")  # not among the taxonomy's terms


# -- corrections ----------------------------------------------------------------------------------------
def test_not_relevant_is_a_decision_and_a_correction_that_survives_reclassification(store, settings):
    story_id = story_where(store, True)
    ids = store.story_groups()[story_id]
    done = curation.correct(store, ids, curation.parse_correction("relevant", "0"), "ana")
    assert done == len(ids)
    for article_id in ids:
        verdict = store.classification_of(article_id)
        assert verdict is not None
        assert verdict.relevant is False
        assert verdict.uncertain is False
    assert {a: ok for a, ok in store.decisions() if a in ids} == dict.fromkeys(ids, False)
    classify_stored(store, load_classifier(settings), everything=True)
    assert all(store.classification_of(i).relevant is False for i in ids), "a re-classification keeps it"
    found = search_stories(
        store,
        "carbon OR carbone OR carbono",
        make_filters(names=taxonomy_names(), states=["relevant"]),
        limit=500,
    )
    assert story_id not in {s.id for s in found.stories}


def test_a_corrected_language_is_the_articles_everywhere_and_searchable_under_it(store, settings):
    story_id = story_where(store, True)
    article = story_view(store, story_id).articles[0]
    new = "es" if article.language != "es" else "en"
    curation.correct(
        store,
        [article.id],
        curation.parse_correction("language", new),
        "ana",
        classifier=load_classifier(settings),
    )
    assert store.classification_of(article.id).language == new
    assert store.classify_inputs([article.id])[0].page_language in ("", new)
    word = article.title.split()[0]
    hits = search_stories(store, f'"{word}"', make_filters(names=taxonomy_names(), language=new), limit=500)
    assert article.id in {a.id for s in hits.stories for a in s.articles if a.matched}
    classify_stored(store, load_classifier(settings), everything=True)
    assert store.classification_of(article.id).language == new
    shown = next(a for a in story_view(store, story_id).articles if a.id == article.id)
    assert shown.language == new
    assert shown.corrected["language"].actor == "ana"


def test_corrected_themes_and_regions_drive_the_filters_and_the_composer(store, settings):
    story_id = story_where(store, True)
    ids = store.story_groups()[story_id]
    curation.correct(store, ids, curation.parse_correction("themes", ["events"]), "ana")
    curation.correct(store, ids, curation.parse_correction("regions", "oceania"), "ana")
    view = story_view(store, story_id)
    assert view.themes == ("events",)
    assert view.regions == ("oceania",)
    found = search_stories(
        store,
        "carbon OR carbone OR carbono",
        make_filters(names=taxonomy_names(), theme="events", region="oceania"),
    )
    assert {s.id for s in found.stories} == {story_id}
    store.pin_story(story_id, Publication.NEWSLETTER, "ana")
    result = compose_issue(
        store, settings, Publication.NEWSLETTER, period_from=FUTURE_FROM, period_to=FUTURE_TO
    )
    (item,) = store.issue_content(result.issue_id).items
    assert item.section == Theme.EVENTS.value
    assert item.regions == ("oceania",)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("themes", "weather", "weather: not a theme"),
        ("regions", "mars", "mars: not a region"),
        ("language", "klingon", "klingon is not a language"),
        ("relevant", "maybe", "maybe is not a verdict"),
        ("objectives", "Z9", "Z9: not a strategic objective"),
        ("title", "x", "title cannot be corrected"),
    ],
)
def test_a_bad_correction_says_what_is_wrong(field, value, words):
    with pytest.raises(InvalidInput) as caught:
        curation.parse_correction(field, value, taxonomy_names())
    assert words in str(caught.value)


# -- pins -----------------------------------------------------------------------------------------------
def test_a_pinned_story_goes_into_the_next_issue_once_whatever_its_period_or_score(store, db, settings):
    story_id = story_where(store, False)  # not relevant, and the period is years away from it
    with pytest.raises(NothingToCompose):
        compose_issue(store, settings, Publication.NEWSLETTER, period_from=FUTURE_FROM, period_to=FUTURE_TO)
    store.add_user("ana", Role.EDITOR, "x", "en")
    pinned = CliRunner().invoke(
        cli, ["--db", db, "stories", "pin", str(story_id), "--publication", "newsletter", "--as", "ana"]
    )
    assert pinned.exit_code == 0, pinned.output
    result = compose_issue(
        store, settings, Publication.NEWSLETTER, period_from=FUTURE_FROM, period_to=FUTURE_TO
    )
    assert [i.story_id for i in store.issue_content(result.issue_id).items] == [story_id]
    (pin,) = store.story_pins(story_id)
    assert pin.used_issue_id == result.issue_id
    assert pin.used_at is not None
    assert [u.issue_id for u in story_view(store, story_id).uses] == [result.issue_id]
    with pytest.raises(NothingToCompose):  # used: the next issue (of this period: asked for) does not take it
        compose_issue(
            store,
            settings,
            Publication.NEWSLETTER,
            period_from=FUTURE_FROM,
            period_to=FUTURE_TO,
            another=True,
        )
    # the other publication's pin is its own
    store.pin_story(story_id, Publication.PRESS_REVIEW, "ana")
    other = compose_issue(
        store, settings, Publication.PRESS_REVIEW, period_from=FUTURE_FROM, period_to=FUTURE_TO
    )
    assert [i.story_id for i in store.issue_content(other.issue_id).items] == [story_id]


def test_a_pin_taken_meanwhile_rolls_the_whole_issue_back(store):
    story_id = story_where(store, True)
    pin = store.pin_story(story_id, Publication.NEWSLETTER, "ana")
    common = {
        "publication": Publication.NEWSLETTER,
        "title": "t",
        "period_from": FUTURE_FROM,
        "period_to": FUTURE_TO,
        "languages": ("en",),
        "sections": ("other",),
        "items": [],
    }
    first = store.create_issue(slug="first", pins=[pin.id], **common)
    with pytest.raises(ConflictError):
        store.create_issue(slug="second", pins=[pin.id], **common)
    assert not store.slug_taken("second"), "no issue without its pinned story"
    assert store.story_pins(story_id)[0].used_issue_id == first


def test_unpin_takes_a_waiting_pin_away_and_says_when_there_is_none(store, db, settings):
    story_id = story_where(store, False)
    store.add_user("ana", Role.EDITOR, "x", "en")
    store.pin_story(story_id, Publication.NEWSLETTER, "ana")
    args = ["--db", db, "stories", "unpin", str(story_id), "--publication", "newsletter", "--as", "ana"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2
    assert "is not pinned for the next issue" in again.output
    with pytest.raises(NothingToCompose):
        compose_issue(store, settings, Publication.NEWSLETTER, period_from=FUTURE_FROM, period_to=FUTURE_TO)


def test_pinning_needs_an_editor(store, db):
    story_id = story_where(store, False)
    store.add_user("vic", Role.VIEWER, "x", "en")
    result = CliRunner().invoke(
        cli, ["--db", db, "stories", "pin", str(story_id), "--publication", "newsletter", "--as", "vic"]
    )
    assert result.exit_code == 2
    assert store.story_pins(story_id) == []


def test_a_story_added_to_a_draft_now_ends_its_section_once(store, settings):
    result = compose_issue(
        store, settings, Publication.PRESS_REVIEW, period_from=datetime(2020, 1, 1, tzinfo=UTC)
    )
    issue = store.issue_content(result.issue_id)
    story_id = story_where(store, False)
    assert story_id not in {i.story_id for i in issue.items}
    item_id = add_story_to_issue(store, settings, result.issue_id, story_id, "ana")
    after = store.issue_content(result.issue_id)
    added = next(i for i in after.items if i.id == item_id)
    section = [i for i in after.items if i.section == added.section]
    assert section[-1].id == item_id
    assert [x.language for x in added.texts] == list(after.issue.languages)
    assert store.audit(result.issue_id)[-1].action == "item.add"
    with pytest.raises(InvalidInput, match="already carries") as refused:
        add_story_to_issue(store, settings, result.issue_id, story_id, "ana")
    # the issue as people name it, in the reader's language, not its slug
    named = issue_title(after.issue, "fr")
    assert refused.value.translated("fr") == f"le numéro «\u00a0{named}\u00a0» contient déjà ce sujet"
    assert after.issue.slug not in refused.value.translated("es")


# -- social posts -----------------------------------------------------------------------------------------
def test_post_length_counts_a_link_as_23():
    assert post_length("see https://example.org/" + "x" * 200) == len("see ") + URL_WEIGHT


def test_social_posts_fit_and_say_when_the_title_is_not_translated(store, db):
    story_id = story_where(store, True)
    view = story_view(store, story_id)
    posts = {p.language: p for p in social_posts(store, story_id)}
    assert set(posts) == {"fr", "en", "es"}
    for lang, post in posts.items():
        assert post.length <= LIMIT
        assert post.text.count("http") == 1
        if not any(a.language == lang for a in view.articles):
            assert not post.translated
    missing = next(lang for lang, p in posts.items() if not p.translated)
    source = next(a for a in view.articles if a.title == view.title).language
    store.cache_translation(
        source, missing, text_key(view.title, source, missing), "Translated words", "test"
    )
    again = {p.language: p for p in social_posts(store, story_id)}
    assert again[missing].translated
    assert again[missing].text.startswith("Translated words")
    only = CliRunner().invoke(cli, ["--db", db, "stories", "social", str(story_id), "--lang", missing])
    assert only.exit_code == 0
    assert only.output.startswith("Translated words")


def test_a_long_title_is_shortened_to_fit(store):
    story_id = story_where(store, True)
    ids = store.story_groups()[story_id]
    with store._tx() as conn:  # a headline far over the limit, as a hostile feed may send
        import sqlalchemy as sa

        from mediawatch.store import schema

        conn.execute(
            sa.update(schema.articles).where(schema.articles.c.id.in_(ids)).values(title="mot " * 200)
        )
    for post in social_posts(store, story_id):
        assert post.length <= LIMIT
        assert "…" in post.text


def test_an_added_articles_verdict_language_and_region_survive_reclassification(store, settings):
    from mediawatch.watch.add import ManualItem, add_manual

    store.add_user("ana", Role.EDITOR, "x", "en")
    item = ManualItem(
        title="Radio programme about the weather in the mountains",  # nothing the taxonomy looks for
        outlet="Radio Montagne",
        date="2026-05-01",
        language="fr",
        summary="An hour about clouds.",
    )
    added = add_manual(store, settings, item, added_by="ana", region="oceania")
    before = store.classification_of(added.article_id)
    assert before.relevant is True
    assert before.language == "fr"
    classify_stored(store, load_classifier(settings), everything=True)
    after = store.classification_of(added.article_id)
    assert after.relevant is True
    assert after.language == "fr"
    assert [r.value for r in after.regions] == ["oceania"]


def test_stories_social_names_each_language_in_words(store, db):
    story_id = story_where(store, True)
    result = CliRunner().invoke(cli, ["--db", db, "--lang", "es", "stories", "social", str(story_id)])
    assert result.exit_code == 0, result.output
    headings = [line for line in result.output.splitlines() if line.startswith("[")]
    assert headings == ["[francés]", "[inglés]", "[español]"]


def test_a_social_post_takes_an_issues_translated_title(store, settings):
    story_id = story_where(store, True)
    view = story_view(store, story_id)
    lang = next(code for code in ("en", "es", "fr") if all(a.language != code for a in view.articles))
    store.pin_story(story_id, Publication.PRESS_REVIEW, "ana")
    result = compose_issue(
        store,
        settings,
        Publication.PRESS_REVIEW,
        period_from=FUTURE_FROM,
        period_to=FUTURE_TO,
        languages=[lang],
    )
    (item,) = store.issue_content(result.issue_id).items
    store.set_item_text(item.id, lang, title="Words an editor wrote", summary=None, actor="ana")
    post = next(p for p in social_posts(store, story_id) if p.language == lang)
    assert post.translated
    assert post.text.startswith("Words an editor wrote")


def test_listings_print_no_blank_address_for_an_article_added_by_hand_without_one(store, db, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("a long enough password\n", encoding="utf-8")
    made = CliRunner().invoke(
        cli, ["--db", db, "users", "add", "lea", "--role", "editor", "--password-file", str(secret)]
    )
    assert made.exit_code == 0, made.output
    added = CliRunner().invoke(
        cli,
        ["--db", db, "articles", "add", "--manual", "--title", "Les haies du bocage stockent du carbone",
         "--outlet", "Ouest-France (papier)", "--date", "2024-05-01", "--language", "fr", "--as", "lea",
         "--json"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    story_id = json.loads(added.output)["story_id"]
    shown = CliRunner().invoke(cli, ["--db", db, "--lang", "en", "stories", "show", str(story_id)])
    assert shown.exit_code == 0, shown.output
    assert "Les haies du bocage stockent du carbone" in shown.output
    assert not [line for line in shown.output.splitlines() if not line.strip()], shown.output
    listed = CliRunner().invoke(cli, ["--db", db, "--lang", "en", "articles", "search", "bocage"])
    assert listed.exit_code == 0, listed.output
    assert "Les haies du bocage stockent du carbone" in listed.output
    assert not [line for line in listed.output.splitlines() if not line.strip()], listed.output
