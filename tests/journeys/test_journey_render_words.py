"""An edition that cannot be rendered (a template breaks a check), seen through the deployed stack (nginx TLS,
``mediawatch serve``) in headless Chromium by a French editor and a Spanish approver: the issue page, the
email preview and the refused approval say why in the reader's language, not in the log's English.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from journey_stack import Stack
from playwright.sync_api import expect

from mediawatch.render.environment import SHIPPED_TEMPLATES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("journeys"),
    pytest.mark.timeout(900),
]

LOGO = "https://x.example/logo.png"
# The check's own words in each language (render.check.no_alt after render.refused.checks), and the
# English that must not leak into the pages.
BROKEN = {
    "fr": re.compile(r"ne passe pas 1 contrôle : une image n'a pas de texte alternatif : 'https://x\.example/logo\.png'"),
    "es": re.compile(r"no supera 1 comprobación: una imagen no tiene texto alternativo: 'https://x\.example/logo\.png'"),
}  # fmt: skip
ENGLISH = ("breaks", "check:", "no alt text")


def break_the_header(templates: Path) -> None:
    """An image without alt text in every edition's header: each one breaks one check."""
    header = templates / "partials" / "header.mjml.j2"
    source = header.read_text(encoding="utf-8")
    header.write_text(
        source.replace("<mj-column>", f'<mj-column><mj-image src="{LOGO}" />', 1), encoding="utf-8"
    )


def no_english(text: str) -> None:
    for word in ENGLISH:
        assert word not in text, text


def test_an_edition_that_cannot_be_rendered_is_said_in_the_readers_language(stack_factory, tmp_path: Path):
    templates = tmp_path / "templates"
    shutil.copytree(SHIPPED_TEMPLATES, templates)
    stack: Stack = stack_factory(render={"templates_dir": str(templates)})
    stack.add_user("ana", "editor", lang="fr")
    stack.add_user("lucia", "approver", lang="es")
    composed = json.loads(stack.cli("compose", "newsletter", "--from", "30d", "--as", "ana", "--json").stdout)
    issue = int(composed["issue"])
    stack.cli("issues", "submit", str(issue), "--as", "ana")

    # The approver reads the Spanish edition; meanwhile a template change breaks it. Her approval is
    # refused, and the refusal says why in Spanish.
    lucia = stack.login("lucia", locale="es-ES")
    lucia.goto(f"{stack.url}/issues/{issue}?lang=es")
    expect(lucia.locator("#approve")).to_be_visible()
    break_the_header(templates)
    with lucia.expect_navigation():
        lucia.click("#approve")
    refusal = lucia.locator(".flash.error", has_text="no puede maquetarse")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(BROKEN["es"])
    no_english(refusal.inner_text())
    assert lucia.locator("#edition").get_attribute("data-state") == "in_review"

    # The issue page and the email preview, in each reader's language.
    ana = stack.login("ana", locale="fr-FR")
    for page, lang in ((lucia, "es"), (ana, "fr")):
        page.goto(f"{stack.url}/issues/{issue}?lang={lang}")
        shown = page.locator("#render-error")
        expect(shown).to_contain_text(BROKEN[lang])
        no_english(shown.inner_text())
        answer = page.goto(f"{stack.url}/issues/{issue}/editions/{lang}/preview")
        assert answer is not None
        assert answer.status == 422
        body = page.locator("body")
        expect(body).to_contain_text(BROKEN[lang])
        no_english(body.inner_text())
