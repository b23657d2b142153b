"""The approver's count through the deployed stack (nginx TLS, gunicorn with its two workers, headless
Chromium) while the templates change on disk: each worker remembers what the approved editions render
(render.memo) and nobody tells it of the change; whichever worker answers, every page says what waits.

Carla approves; Bruno approved; Ana edits.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from journey_stack import ROOT, Stack
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

PAGES = 6  # per check: new connections go to either worker


def test_a_template_changed_on_disk_is_counted_by_every_worker_and_its_return_too(
    stack_factory, tmp_path: Path
):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    stack: Stack = stack_factory(render={"templates_dir": str(templates)})
    stack.add_user("ana", "editor", "fr")
    stack.add_user("bruno", "approver", "en")
    stack.add_user("carla", "approver", "fr")
    found = stack.cli(
        "compose", "press-review", "--from", "30d", "--languages", "fr,en", "--as", "ana", "--json"
    )
    issue = int(json.loads(found.stdout)["issue"])
    stack.cli("issues", "submit", str(issue), "--as", "ana")
    stack.cli("issues", "approve", str(issue), "--lang", "all", "--as", "bruno")

    carla = stack.login("carla", locale="fr-FR")

    def pages_say(count: int | None) -> None:
        for n in range(PAGES):
            carla.goto(f"{stack.url}/issues" if n % 2 else f"{stack.url}/issues/{issue}/log")
            expect(carla.locator("nav").first).to_be_visible()
            if count is None:
                assert carla.locator("#approvals-count").count() == 0, carla.url
            else:
                expect(carla.locator("#approvals-count")).to_have_text(str(count))
        carla.goto(f"{stack.url}/issues")
        for_you = carla.locator(f"#issue-{issue} .for-you")
        if count is None:
            assert for_you.count() == 0
        else:
            expect(for_you).to_have_text("À valider par vous : français et anglais")

    pages_say(None)  # both approvals hold; the workers remember what they render

    mjml = templates / "press-review.mjml.j2"
    original = mjml.read_text(encoding="utf-8")
    stat = mjml.stat()
    changed = original.replace(
        "</mj-body>",
        "<mj-section><mj-column><mj-text>Une ligne de plus</mj-text></mj-column></mj-section></mj-body>",
        1,
    )
    assert changed != original
    mjml.write_text(changed, encoding="utf-8")
    os.utime(mjml, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    pages_say(2)  # the French and the English approvals went stale

    mjml.write_text(original, encoding="utf-8")
    os.utime(mjml, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    pages_say(None)  # as approved again
