"""The approver's navigation count remembers what approved editions render (render.memo) instead of
rendering them on every page, and still sees every change: an edition's content changed by another process
(another gunicorn worker, the CLI), a template file changed on disk (even keeping its size and mtime), a
setting. What it decides is checked against the page's own count; how often it renders is counted, never
timed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from review_samples import (
    make_issue,
    signed_in,
    team_store_fixture,  # noqa: F401 (the store fixture)
)
from test_render_template_reload import same_size_rewrite

from mediawatch.config import Settings
from mediawatch.render import edition as render_edition_module
from mediawatch.render import environment, memo
from mediawatch.render.environment import SHIPPED_TEMPLATES
from mediawatch.review import actions
from mediawatch.review.users import acting_user
from mediawatch.store.issues import NewItem
from mediawatch.types import ItemText, Publication, TextOrigin
from mediawatch.web.app import create_app

SECRET = "review-count-memo-secret-0123456789"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_worker():
    """Each test starts as a fresh worker would, with nothing remembered."""
    memo.forget()
    yield
    memo.forget()


@pytest.fixture
def settled(monkeypatch):
    """Every template file counts as settled whatever its age, so that what is remembered does not depend
    on when the files were written (the rule for fresh files is tested on its own below)."""
    monkeypatch.setattr(environment, "SETTLED_NS", -(10**30))


@pytest.fixture
def renders(monkeypatch):
    """How many editions were compiled to HTML (every rendering does it once)."""
    count = {"n": 0}
    compile_mjml = render_edition_module.compile_mjml

    def counted(source: str) -> str:
        count["n"] += 1
        return compile_mjml(source)

    monkeypatch.setattr(render_edition_module, "compile_mjml", counted)
    return count


def approved(store, issue_id: int, settings: Settings, languages=("fr", "en")) -> None:
    actions.submit(store, issue_id, acting_user(store, "ana"))
    for lang in languages:
        actions.approve(store, issue_id, lang, acting_user(store, "bruno"), settings)


def count_on_page(client, issue_id: int) -> int:
    page = client.get(f"/issues/{issue_id}/log").get_data(as_text=True)
    found = re.search(r'id="approvals-count"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else 0


def test_a_second_page_renders_no_approved_edition_again(store, settled, renders):
    """Before: every page the approver opened rendered every approved, unsent edition again."""
    settings = Settings(secret_key=SECRET)
    first, second = make_issue(store, languages=("fr", "en")), make_issue(store, languages=("fr", "en"))
    approved(store, first, settings)
    approved(store, second, settings)
    client = signed_in(create_app(settings, store), "carla")
    assert count_on_page(client, first) == 0
    renders["n"] = 0
    for _ in range(3):
        assert count_on_page(client, first) == 0
        assert "À valider par vous" not in client.get("/issues").get_data(as_text=True)
    assert renders["n"] == 0
    # what is remembered is what rendering says: a changed setting is a new rendering, counted as stale
    after = replace(settings, organisation="Autre Org")
    assert actions.awaiting_approval(store, acting_user(store, "carla"), after) == {
        first: ["fr", "en"],
        second: ["fr", "en"],
    }
    assert renders["n"] == 4


def _issue_with_an_untranslated_item(store) -> tuple[int, int]:
    """A French and English newsletter whose one item has English words only: the French edition shows
    them, marked untranslated. Returns the issue's id and the item's."""
    (article,) = [p.id for p in _poll(store)]
    issue_id = store.create_issue(
        slug="newsletter-memo-1",
        publication=Publication.NEWSLETTER,
        title="Soil news of the week",
        period_from=datetime(2026, 11, 17, tzinfo=UTC),
        period_to=datetime(2026, 11, 24, tzinfo=UTC),
        languages=("fr", "en"),
        sections=("science",),
        items=[
            NewItem(
                story_id=7001,
                article_id=article,
                section="science",
                position=0,
                score=0.9,
                url="https://news.example.org/memo/1",
                outlet="Soil Science Today",
                published=datetime(2026, 11, 18, tzinfo=UTC),
                language="en",
                regions=("global",),
                also_in=(),
                texts=(
                    ItemText("en", "Soil carbon stocks are rising", "A study.", TextOrigin.ORIGINAL, "en"),
                ),
            )
        ],
        actor="compose",
    )
    (item,) = store.issue_content(issue_id).items
    return issue_id, item.id


def _poll(store):
    from mediawatch.store import NewEntry
    from mediawatch.types import FetchEvent, FetchStatus, Source, SourceKind, SourceState

    store.sync_sources([Source("memo", "Memo", "https://feed.example.org/memo", SourceKind.RSS, "en")])
    url = "https://news.example.org/memo/1"
    entry = NewEntry(
        url=url, raw_url=url, title=url, summary="", author="", published=None, feed_language="en"
    )
    event = FetchEvent("memo", datetime.now(UTC), FetchStatus.OK, 200, "", 1, 1)
    return store.save_feed_poll("memo", SourceState(), event, [entry])


EDIT_ELSEWHERE = """
import sys
from mediawatch.review import editing
from mediawatch.review.users import acting_user
from mediawatch.store import Store
store = Store(sys.argv[1])
editing.edit_text(store, int(sys.argv[2]), "en", acting_user(store, "ana"), title="Cover crops store carbon",
                  summary=None)
store.close()
"""


def test_an_edition_changed_by_another_process_is_counted_again(store, db_url, settled, renders):
    """Editing the English words reopens the English edition and changes what the French one renders
    (it shows them untranslated) while its approval stays: stale, though this process remembered the
    approved rendering and was told nothing (the edit ran in another process, as in another worker)."""
    settings = Settings(secret_key=SECRET)
    issue_id, item_id = _issue_with_an_untranslated_item(store)
    approved(store, issue_id, settings)
    carla = acting_user(store, "carla")
    client = signed_in(create_app(settings, store), "carla")
    assert count_on_page(client, issue_id) == 0
    assert actions.awaiting_approval(store, carla, settings) == {}
    renders["n"] = 0
    assert count_on_page(client, issue_id) == 0
    assert renders["n"] == 0  # remembered

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", EDIT_ELSEWHERE, db_url, str(item_id)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    assert actions.awaiting_approval(store, carla, settings) == {issue_id: ["fr", "en"]}
    assert count_on_page(client, issue_id) == 2
    listed = client.get("/issues").get_data(as_text=True)
    assert "À valider par vous : français et anglais" in re.sub(r"<[^>]+>", " ", listed).replace(
        "&nbsp;", " "
    )
    # approved again as it renders now: nothing waits
    for lang in ("fr", "en"):
        actions.approve(store, issue_id, lang, acting_user(store, "bruno"), settings)
    assert count_on_page(client, issue_id) == 0


def _copy_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, folder)
    return folder


def test_a_template_changed_on_disk_is_counted_and_its_return_too(store, tmp_path, settled, renders):
    folder = _copy_templates(tmp_path)
    settings = Settings(secret_key=SECRET, templates_dir=str(folder))
    issue_id = make_issue(store, languages=("fr", "en"))
    approved(store, issue_id, settings)
    carla = acting_user(store, "carla")
    client = signed_in(create_app(settings, store), "carla")
    assert count_on_page(client, issue_id) == 0
    renders["n"] = 0
    assert count_on_page(client, issue_id) == 0
    assert renders["n"] == 0

    text = folder / "newsletter.mjml.j2"
    original = text.read_text(encoding="utf-8")
    stat = text.stat()
    # a line more in every edition; the file's mtime moved on, as an editor's save would
    text.write_text(original.replace("</mj-body>", "<mj-section><mj-column><mj-text>Nouveau</mj-text>"
                                     "</mj-column></mj-section></mj-body>", 1), encoding="utf-8")  # fmt: skip
    os.utime(text, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert actions.awaiting_approval(store, carla, settings) == {issue_id: ["fr", "en"]}
    assert count_on_page(client, issue_id) == 2

    # the template as it was: the approvals match again
    text.write_text(original, encoding="utf-8")
    os.utime(text, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    assert actions.awaiting_approval(store, carla, settings) == {}
    assert count_on_page(client, issue_id) == 0


def test_a_template_rewritten_with_its_size_and_mtime_is_still_seen(store, tmp_path):
    """Under the real rule for fresh files: jinja2 compared the mtime alone and went on rendering the old
    text, and a remembered fingerprint would have followed it."""
    folder = _copy_templates(tmp_path)
    settings = Settings(secret_key=SECRET, templates_dir=str(folder))
    issue_id = make_issue(store, languages=("fr", "en"))
    approved(store, issue_id, settings)
    carla = acting_user(store, "carla")
    assert actions.awaiting_approval(store, carla, settings) == {}
    same_size_rewrite(folder / "newsletter.txt.j2", "{", "{")  # a no-op first: still nothing waits
    assert actions.awaiting_approval(store, carla, settings) == {}
    comment = "{#- Plain-text part of a newsletter: same order as newsletter.mjml.j2. -#}"
    same_size_rewrite(folder / "newsletter.txt.j2", comment, "Z" * len(comment))  # now a line of text
    assert actions.awaiting_approval(store, carla, settings) == {issue_id: ["fr", "en"]}


def test_the_templates_version_follows_a_rewrite_that_keeps_size_and_mtime(tmp_path):
    page = tmp_path / "page.txt.j2"
    page.write_text("one {{ lang }}\n", encoding="utf-8")
    before = memo.templates_version(Settings(templates_dir=str(tmp_path)))
    assert memo.templates_version(Settings(templates_dir=str(tmp_path))) == before
    same_size_rewrite(page, "one", "two")
    assert memo.templates_version(Settings(templates_dir=str(tmp_path))) != before


def test_every_field_of_what_a_template_sees_is_in_the_memos_key():
    """The key spells the view by its repr: a field left out of it (repr=False) would let two different
    renderings share one remembered fingerprint."""
    from dataclasses import fields

    from mediawatch.render import model
    from mediawatch.render.result import PersonalLinks

    views = (
        model.EditionView,
        model.SectionView,
        model.ItemView,
        model.AlsoInView,
        model.BlockView,
        model.EditionLink,
        PersonalLinks,
    )
    for view in views:
        assert all(f.repr for f in fields(view)), view
        assert view.__repr__ is not object.__repr__, view


def _statements_of(store, call):
    """What ``call`` returns and how many SQL statements it sent to the store's database."""
    import sqlalchemy as sa

    sent: list[str] = []

    def count(conn, cursor, statement, *rest):
        sent.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        return call(), len(sent)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)


def test_the_count_reads_every_open_issue_in_a_fixed_number_of_statements(store, settled):
    """Before: about six statements for each open issue (its row, editions, texts, items, credits,
    blocks) and one more for each one's audit log, on every page the approver opened."""
    settings = Settings(secret_key=SECRET)
    carla = acting_user(store, "carla")

    def open_three() -> list[int]:
        waiting, done, draft = (make_issue(store, languages=("fr", "en")) for _ in range(3))
        actions.submit(store, waiting, acting_user(store, "ana"))
        approved(store, done, settings)
        del draft  # a draft waits for nobody: read, or not, it is never counted
        return [waiting, done]

    first_waiting, _ = open_three()
    once, few = _statements_of(store, lambda: actions.awaiting_approval(store, carla, settings))
    assert once == {first_waiting: ["fr", "en"]}
    more_waiting = [open_three()[0] for _ in range(3)]
    many, more = _statements_of(store, lambda: actions.awaiting_approval(store, carla, settings))
    assert many == {first_waiting: ["fr", "en"], **{i: ["fr", "en"] for i in more_waiting}}
    assert more == few
