"""Compose: stories of a period -> a draft issue with FR/EN/ES texts; translation through a local
LibreTranslate endpoint (no live service is reachable here), its failures, the cache and --retry."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from demo_data import build_classified_demo_db
from hostile_server import HostileServer, Response
from test_translate import languages, libre_endpoint

from mediawatch.cli import cli
from mediawatch.compose import compose_issue, retry_translations
from mediawatch.compose.select import (
    DEFAULT_SECTIONS,
    Candidate,
    Limits,
    plan,
    section_of,
    short_summary,
)
from mediawatch.config import Settings
from mediawatch.errors import ConfigError, ConflictError, NothingToCompose, WorkflowError
from mediawatch.i18n import tn
from mediawatch.review import editing
from mediawatch.store import open_store
from mediawatch.types import (
    BlockKind,
    EditionState,
    IssueState,
    ItemStatus,
    Publication,
    Role,
    TextOrigin,
    User,
)

SINCE = datetime(2020, 1, 1, tzinfo=UTC)
ANA = User(id=1, name="ana", role=Role.EDITOR, language="en", active=True, created_at=SINCE)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, module_db_url):
    return build_classified_demo_db(tmp_path_factory.mktemp("compose"), module_db_url)


@pytest.fixture
def db_path(demo_db, copy_database):
    """The URL of this test's copy of the demo database (SQLite, then PostgreSQL)."""
    return copy_database(demo_db)


@pytest.fixture
def store(db_path):
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def libre(hostile_server: HostileServer) -> HostileServer:
    hostile_server.add_route("/translate", libre_endpoint(lambda text: f"[T] {text}"))
    hostile_server.add_route("/languages", languages)
    return hostile_server


def libre_settings(server: HostileServer, **more) -> Settings:
    return Settings(
        translate_provider="libretranslate", translate_url=server.url("/"), translate_timeout=60, **more
    )


def posts(server: HostileServer) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path.startswith("/translate"))


# -- choosing stories -------------------------------------------------------------------------------------
def test_press_review_has_one_entry_per_relevant_story(store):
    result = compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE)
    content = store.issue_content(result.issue_id)
    assert content.issue.state is IssueState.DRAFT
    assert content.issue.languages == ("fr", "en", "es")
    assert [e.state for e in content.editions] == [EditionState.DRAFT] * 3
    items = content.items
    assert result.items == len(items) > 10
    assert len({i.story_id for i in items}) == len(items), "a story appears once"
    verdicts = {int(c.id): c for c in store.classifications()}
    assert all(verdicts[i.article_id].relevant for i in items), "only relevant stories"
    urls = " ".join(i.url for i in items)
    for off_topic in ("carrelage-sol-cuisine", "carbon-fibre-bicycles", "smartphone-batteries"):
        assert off_topic not in urls
    # sections follow the issue's order, positions run 0..n-1 inside each
    order = [DEFAULT_SECTIONS.index(i.section) for i in items]
    assert order == sorted(order)
    for section in {i.section for i in items}:
        assert [i.position for i in items if i.section == section] == list(
            range(sum(1 for i in items if i.section == section))
        )
    # each item carries its words in every edition: original where the language matches, badge otherwise
    for item in items:
        assert [x.language for x in item.texts] == ["fr", "en", "es"]
        for text in item.texts:
            if text.language == item.language:
                assert text.origin is TextOrigin.ORIGINAL
            else:
                assert text.origin is TextOrigin.UNTRANSLATED
                assert text.source_language == item.language
            assert text.title.strip()
            assert "<" not in text.summary
    audit = store.audit(result.issue_id)
    assert audit[0].action == "issue.create"


def test_a_story_told_by_several_outlets_lists_the_others(store):
    result = compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE)
    items = store.issue_content(result.issue_id).items
    multi = [i for i in items if i.also_in]
    assert multi, "the demo's press release and its rewrite form one story"
    for item in multi:
        assert all(a.outlet != item.outlet for a in item.also_in)
        assert all(a.url.startswith("http") for a in item.also_in)


def test_newsletter_is_shorter_and_respects_section_sizes(store):
    settings = Settings(compose_newsletter_per_section=2, compose_newsletter_max_items=7)
    result = compose_issue(store, settings, Publication.NEWSLETTER, period_from=SINCE)
    items = store.issue_content(result.issue_id).items
    assert len(items) == 7
    assert max(Counter(i.section for i in items).values()) <= 2
    review = compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE)
    assert review.items > result.items


def test_a_story_is_not_published_twice_in_one_publication(store):
    first = compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE)
    # a second compose of the same period finds every story told: it says so and creates no empty issue
    with pytest.raises(NothingToCompose, match="already told in earlier issues") as refused:
        compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE)
    assert refused.value.already_told == first.items
    assert [i.id for i in store.list_issues()] == [first.issue_id]
    other = compose_issue(store, Settings(), Publication.NEWSLETTER, period_from=SINCE)
    assert other.items > 0
    # a rejected item frees its story for the next issue
    item = store.issue_content(first.issue_id).items[0]
    store.set_item_status(item.id, ItemStatus.REJECTED, actor="ana")
    third = compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE)
    assert [i.story_id for i in store.issue_content(third.issue_id).items] == [item.story_id]


def test_period_filters_stories(store):
    # said by the days the period covers, as the issue pages name it: [1 Jan, 1 Feb) is January
    with pytest.raises(NothingToCompose, match="no story in the period 1–31 Jan 2021 is relevant"):
        compose_issue(
            store,
            Settings(),
            Publication.PRESS_REVIEW,
            period_from=datetime(2021, 1, 1, tzinfo=UTC),
            period_to=datetime(2021, 2, 1, tzinfo=UTC),
        )
    assert store.list_issues() == []
    with pytest.raises(ConfigError, match="period is empty"):
        compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE, period_to=SINCE)
    with pytest.raises(ConfigError, match=r"French \(fr\), English \(en\), Spanish \(es\)"):
        compose_issue(store, Settings(), Publication.PRESS_REVIEW, languages=["fr", "de"])


# -- the ranking itself (pure) ----------------------------------------------------------------------------
def candidate(
    story: int,
    *,
    outlet: str = "a",
    relevance: float = 0.9,
    days_old: float = 1.0,
    themes=("science",),
    regions=("europe",),
    outlets: int = 1,
) -> Candidate:
    end = datetime(2026, 11, 24, tzinfo=UTC)
    return Candidate(
        story_id=story,
        article_id=story,
        title=f"t{story}",
        summary="",
        url=f"https://x/{story}",
        outlet=outlet,
        outlet_id=outlet,
        published=end - timedelta(days=days_old),
        language="en",
        relevance=relevance,
        themes=tuple(themes),
        regions=tuple(regions),
        outlets=outlets,
    )


def plan_of(candidates, per_section=10, max_items=10):
    end = datetime(2026, 11, 24, tzinfo=UTC)
    return plan(
        candidates, period_from=end - timedelta(days=7), period_to=end, limits=Limits(per_section, max_items)
    )


def test_ranking_prefers_relevant_recent_and_widely_carried_stories():
    ranked = plan_of(
        [
            candidate(1, relevance=0.6, outlet="a"),
            candidate(2, relevance=0.95, outlet="b"),
            candidate(3, relevance=0.95, days_old=6, outlet="c"),
            candidate(4, relevance=0.95, days_old=6, outlet="d", outlets=4),
        ]
    )
    assert [p.candidate.story_id for p in ranked] == [2, 4, 3, 1]


def test_one_outlet_or_one_region_cannot_fill_a_section():
    same = [candidate(n, outlet="big", relevance=0.95, regions=("africa",)) for n in range(1, 5)]
    other = candidate(9, outlet="small", relevance=0.8, regions=("asia",))
    ranked = [p.candidate.story_id for p in plan_of([*same, other])]
    assert ranked.index(9) == 1, "the second pick goes to another outlet and region"


def test_section_caps_and_theme_order():
    many = [candidate(n, themes=("policy", "science")) for n in range(1, 6)]
    planned = plan_of([*many, candidate(10, themes=())], per_section=2, max_items=10)
    assert Counter(p.section for p in planned) == {"policy": 2, "other": 1}
    assert section_of(candidate(1, themes=("science", "initiative_4p1000")), DEFAULT_SECTIONS) == (
        "initiative_4p1000"
    )


def test_short_summary_uses_the_text_when_the_feed_has_none():
    text = "First sentence here. Second one is longer than the first. Third never fits in the limit at all."
    assert (
        short_summary("", text, "Title", limit=60)
        == "First sentence here. Second one is longer than the first."
    )
    assert short_summary("<p>Hello <b>world</b> &amp; co</p>", "", "T", limit=100) == "Hello world & co"
    assert (
        short_summary(
            "Big news here Les Échos du Sahel", "Body first. Then more.", "Big news here", limit=100
        )
        == "Body first. Then more."
    )
    cut = short_summary("word " * 100, "", "T", limit=50)
    assert len(cut) <= 50
    assert cut.endswith("…")
    assert " wor…" not in cut


# -- translation ------------------------------------------------------------------------------------------
def test_translated_editions_are_marked_machine_and_cached(store, libre):
    settings = libre_settings(libre)
    result = compose_issue(store, settings, Publication.PRESS_REVIEW, period_from=SINCE)
    assert not result.warnings
    content = store.issue_content(result.issue_id)
    for item in content.items:
        for text in item.texts:
            if text.language == item.language:
                assert text.origin is TextOrigin.ORIGINAL
            else:
                assert text.origin is TextOrigin.MACHINE
                assert text.provider == "libretranslate"
                assert text.title.startswith("[T] ")
    first = posts(libre)
    assert first > 0
    # the same texts again (the first issue cancelled): the cache answers, the provider is not asked
    store.set_issue_state(result.issue_id, IssueState.CANCELLED, actor="ana")
    again = compose_issue(store, settings, Publication.PRESS_REVIEW, period_from=SINCE)
    assert again.items == result.items
    assert posts(libre) == first


def test_glossary_terms_survive_translation(store, libre):
    result = compose_issue(store, libre_settings(libre), Publication.PRESS_REVIEW, period_from=SINCE)
    item = next(i for i in store.issue_content(result.issue_id).items if "4 pour 1000" in i.text("fr").title)
    assert "4 per 1000" in item.text("en").title
    assert "4 por 1000" in item.text("es").title


def test_failing_provider_never_blocks_and_retry_fills_the_gap(store, hostile_server):
    hostile_server.add_route("/translate", lambda request: Response(500, b"upstream down"))
    settings = libre_settings(hostile_server)
    result = compose_issue(store, settings, Publication.PRESS_REVIEW, period_from=SINCE)
    assert result.items > 0
    assert any("failed" in w and "translate --retry" in w for w in result.warnings)
    content = store.issue_content(result.issue_id)
    foreign = [x for i in content.items for x in i.texts if x.language != i.language]
    assert foreign
    assert all(x.origin is TextOrigin.UNTRANSLATED and "500" in x.error for x in foreign)
    # an editor writes one translation by hand: --retry must never overwrite it
    item = content.items[0]
    target = next(x.language for x in item.texts if x.language != item.language)
    store.set_item_text(item.id, target, title="Written by hand", actor="ana")
    # the provider comes back
    hostile_server.add_route("/translate", libre_endpoint(lambda text: f"[T] {text}"))
    report = retry_translations(store, settings, issue_id=result.issue_id, actor="cron")
    assert report.failed == 0
    assert report.filled == len(foreign) - 1
    after = store.issue_content(result.issue_id)
    assert not after.issue.warnings
    assert after.items[0].text(target).title == "Written by hand"
    assert after.items[0].text(target).origin is TextOrigin.HUMAN
    machine = [x for i in after.items for x in i.texts if x.origin is TextOrigin.MACHINE]
    assert len(machine) == len(foreign) - 1
    assert any(e.action == "item.translate" for e in store.audit(result.issue_id))


def test_slow_provider_costs_one_timeout(store, hostile_server):
    body = b'{"translatedText": "late"}'
    hostile_server.add_route(
        "/translate", Response(200, [body], {"Content-Length": str(len(body))}, chunk_delay=3.0)
    )
    settings = Settings(
        translate_provider="libretranslate", translate_url=hostile_server.url("/"), translate_timeout=0.3
    )
    result = compose_issue(store, settings, Publication.NEWSLETTER, period_from=SINCE)
    assert result.items > 0
    assert result.warnings
    # one attempt per language pair at most: later batches are not sent after a failure
    assert posts(hostile_server) <= 6


# -- content changes --------------------------------------------------------------------------------------
def test_editing_marks_human_logs_before_after_and_reopens_approval(store):
    result = compose_issue(store, Settings(), Publication.NEWSLETTER, period_from=SINCE)
    content = store.issue_content(result.issue_id)
    item = content.items[0]
    store.set_edition_state(result.issue_id, "fr", EditionState.APPROVED, actor="bo", fingerprint="abc")
    store.set_edition_state(result.issue_id, "en", EditionState.APPROVED, actor="bo", fingerprint="def")
    before = item.text("fr").summary
    store.set_item_text(item.id, "fr", summary="Résumé réécrit.", actor="ana")
    after = store.issue_content(result.issue_id)
    editions = {e.language: e for e in after.editions}
    assert editions["fr"].state is EditionState.IN_REVIEW
    assert "edited after approval" in editions["fr"].note
    assert editions["en"].state is EditionState.APPROVED, "only the edited edition reopens"
    assert after.items[0].text("fr").origin is TextOrigin.HUMAN
    change = next(e for e in store.audit(result.issue_id) if e.action == "item.summary")
    assert (change.actor, change.before, change.after, change.language) == (
        "ana",
        before,
        "Résumé réécrit.",
        "fr",
    )
    # the rule lives in the review stage; the store stores what it is given
    with pytest.raises(WorkflowError, match="empty"):
        editing.edit_text(store, item.id, "fr", ANA, title="  ", summary=None)
    assert store.issue_content(result.issue_id).items[0].text("fr").title == item.text("fr").title


def test_reorder_and_move_between_sections(store):
    result = compose_issue(store, Settings(), Publication.PRESS_REVIEW, period_from=SINCE)
    items = store.issue_content(result.issue_id).items
    section = Counter(i.section for i in items).most_common(1)[0][0]
    ids = [i.id for i in items if i.section == section]
    store.move_item(ids[-1], position=0, actor="ana")
    now = [i.id for i in store.issue_content(result.issue_id).items if i.section == section]
    assert now == [ids[-1], *ids[:-1]]
    store.move_item(ids[0], position=99, section="events", actor="ana")
    after = store.issue_content(result.issue_id).items
    assert [i.position for i in after if i.section == section] == list(range(len(ids) - 1))
    assert next(i for i in after if i.id == ids[0]).section == "events"
    with pytest.raises(WorkflowError, match="no section"):
        editing.move_item(store, ids[0], ANA, position=0, section="gossip")
    with pytest.raises(ConflictError, match="no section"):  # a caller skipping the stage writes nothing
        store.move_item(ids[0], position=0, section="gossip", actor="ana")
    assert next(i for i in store.issue_content(result.issue_id).items if i.id == ids[0]).section == "events"


def test_frozen_states_refuse_changes(store):
    result = compose_issue(store, Settings(), Publication.NEWSLETTER, period_from=SINCE)
    store.set_issue_state(result.issue_id, IssueState.SENT, actor="system")
    item = store.issue_content(result.issue_id).items[0]
    with pytest.raises(WorkflowError, match="sent"):
        editing.edit_text(store, item.id, "en", ANA, title="late", summary=None)
    with pytest.raises(WorkflowError, match="sent"):
        editing.add_block(
            store, result.issue_id, "en", BlockKind.EDITORIAL, ANA, title="t", body="b", link=""
        )
    # the store itself refuses too, atomically: an edit racing the send never lands on a sent issue
    with pytest.raises(ConflictError, match="sent"):
        store.set_item_text(item.id, "en", title="late", actor="ana")
    with pytest.raises(ConflictError, match="sent"):
        store.add_block(result.issue_id, "en", BlockKind.EDITORIAL, title="t", body="b", actor="ana")
    assert store.issue_content(result.issue_id).blocks == ()


# -- the command line -------------------------------------------------------------------------------------
def run(db_path, *args, lang="en"):
    return CliRunner().invoke(cli, ["--db", str(db_path), "--lang", lang, *args], catch_exceptions=False)


def test_cli_compose_blocks_and_errors(db_path):
    from mediawatch.review.users import add_user
    from mediawatch.types import Role

    # `--as` names a registered user who may edit (tests/test_review_workflow.py checks the refusals)
    team = open_store(db_path)
    add_user(team, "ana", Role.EDITOR, "correct horse battery")
    add_user(team, "bo", Role.APPROVER, "correct horse battery")
    team.close()
    out = run(db_path, "compose", "press-review", "--from", "2020-01-01", "--json")
    assert out.exit_code == 0, out.output
    created = json.loads(out.output)
    assert created["items"] > 0
    assert created["slug"].startswith("press-review-")
    slug = created["slug"]
    out = run(
        db_path,
        "issues",
        "block",
        "add",
        slug,
        "--lang",
        "fr",
        "--kind",
        "editorial",
        "--title",
        "Édito",
        "--body",
        "Bonjour.\n\nDeux paragraphes.",
        "--as",
        "ana",
    )
    assert out.exit_code == 0, out.output
    listed = run(db_path, "issues", "block", "list", slug, "--json")
    block = json.loads(listed.output.splitlines()[0])
    assert (block["language"], block["kind"], block["title"]) == ("fr", "editorial", "Édito")
    assert (
        run(
            db_path, "issues", "block", "edit", str(block["id"]), "--body", "Nouveau.", "--as", "bo"
        ).exit_code
        == 0
    )
    assert run(db_path, "issues", "block", "delete", str(block["id"]), "--as", "bo").exit_code == 0
    # bad input: one clear line, exit 2, no traceback, in the user's language
    for args in (
        ("compose", "newsletter", "--languages", "fr,de"),
        ("compose", "newsletter", "--from", "2030-01-01"),
        (
            "issues",
            "block",
            "add",
            "no-such-issue",
            "--lang",
            "fr",
            "--kind",
            "agenda",
            "--body",
            "x",
            "--as",
            "ana",
        ),
        ("issues", "block", "add", slug, "--lang", "de", "--kind", "agenda", "--body", "x", "--as", "ana"),
        (
            "issues",
            "block",
            "add",
            slug,
            "--lang",
            "fr",
            "--kind",
            "agenda",
            "--body",
            "x",
            "--link",
            "javascript:alert(1)",
            "--as",
            "ana",
        ),
        ("translate", "--retry"),
    ):
        out = run(db_path, *args, lang="fr")
        assert out.exit_code == 2, (args, out.output)
        assert "Traceback" not in out.output, out.output
        assert out.output.startswith("erreur"), out.output


def test_config_sections_and_environment(tmp_path):
    from mediawatch.config import load_settings

    path = tmp_path / "config.toml"
    path.write_text(
        '[compose]\nlanguages = "fr,es"\nnewsletter_max_items = 5\n'
        '[translate]\nprovider = "libretranslate"\nurl = "http://127.0.0.1:5000/"\n'
        "[collect]\nconcurrency = 4\n",
        encoding="utf-8",
    )
    settings = load_settings(
        str(path), env={"MEDIAWATCH_TRANSLATE_TIMEOUT": "2.5", "MEDIAWATCH_FROM": "a@b.org"}
    )
    assert (settings.compose_languages, settings.compose_newsletter_max_items) == ("fr,es", 5)
    assert (settings.translate_provider, settings.translate_timeout, settings.concurrency) == (
        "libretranslate",
        2.5,
        4,
    )
    assert settings.mail_from == "a@b.org"
    path.write_text("[translation]\nprovider = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown section \[translation\]"):
        load_settings(str(path), env={})
    path.write_text("[translate]\nprovder = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="translate_provder"):
        load_settings(str(path), env={})


def test_cli_compose_creates_no_empty_issue(db_path):
    # each compose takes the stories not told yet, up to the newsletter's size, until none is left; the
    # period ends tonight whenever it runs, so the second one on is --another of the same period
    composed = 0
    args = ("compose", "newsletter", "--from", "2020-01-01")
    while (again := run(db_path, *args, *(["--another"] if composed else []), lang="fr")).exit_code == 0:
        composed += 1
        assert composed < 20, again.output
    assert composed >= 1
    assert again.exit_code == 5, again.output
    assert "Lettre d'information : aucun numéro composé" in again.output
    assert "sujets pertinents de la période du 1er janv. 2020 au " in again.output
    assert "ont tous déjà été traités dans des numéros précédents" in again.output
    nothing = run(db_path, "compose", "press-review", "--from", "2021-01-01", "--to", "2021-02-01", lang="es")
    assert nothing.exit_code == 5, nothing.output
    # the period in words, by the days it covers: [1 Jan, 1 Feb) is January
    assert "ninguna noticia del período del 1 al 31 de ene. de 2021 es pertinente" in nothing.output
    assert "2021-0" not in again.output + nothing.output
    assert "Traceback" not in again.output + nothing.output
    with open_store(db_path) as store:
        issues = store.list_issues()
        assert len(issues) == composed
        assert all(store.issue_content(i.id).items for i in issues)


def test_compose_summary_uses_plurals():

    assert tn("compose.items", 1, "en") == "1 item chosen"
    assert tn("compose.items", 0, "en") == "0 items chosen"
    assert tn("compose.items", 0, "fr") == "0 élément retenu"  # French: 0 is singular
    assert tn("compose.candidates", 1, "es") == "entre 1 noticia pertinente"
    assert tn("compose.candidates", 2, "es") == "entre 2 noticias pertinentes"
