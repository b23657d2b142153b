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
# The checks' clause in each language (render.refused.failed_checks, the check's own words in it), said
# once after "cannot be rendered", and the English that must not leak into the pages.
BROKEN = {
    "fr": re.compile(r"1 contrôle échoue : une image n'a pas de texte alternatif : «\u00a0https://x\.example/logo\.png\u00a0»"),
    "es": re.compile(r"falla 1 control: una imagen no tiene texto alternativo: «https://x\.example/logo\.png»"),
}  # fmt: skip
CANNOT = {"fr": "ne peut pas être mise en page", "es": "no se puede maquetar"}
BECAUSE = {"fr": ", car 1 contrôle échoue", "es": " porque falla 1 control"}
ALONE = {"fr": "1 contrôle échoue", "es": "Falla 1 control"}  # the clause as a line of its own
ENGLISH = ("cannot be rendered", "check", "no alt text")


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


def said_once(text: str, lang: str) -> None:
    """ "cannot be rendered" once, the edition named once, then why (not "the edition of X fails" again)."""
    assert text.count(CANNOT[lang]) == 1, text
    assert text.lower().count("édition" if lang == "fr" else "edición") == 1, text
    assert BECAUSE[lang] in text, text


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
    refusal = lucia.locator(".flash.error:not(#render-error)", has_text=CANNOT["es"])
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(BROKEN["es"])
    no_english(refusal.inner_text())
    said_once(refusal.inner_text(), "es")
    # ... once on the page: the refusal stands where the page says why itself, not one after the other
    assert lucia.locator("#edition").inner_text().count(CANNOT["es"]) == 1
    assert lucia.locator("#edition").get_attribute("data-state") == "in_review"

    # The issue page and the email preview, in each reader's language.
    ana = stack.login("ana", locale="fr-FR")
    for page, lang in ((lucia, "es"), (ana, "fr")):
        page.goto(f"{stack.url}/issues/{issue}?lang={lang}")
        shown = page.locator("#render-error")
        expect(shown).to_contain_text(BROKEN[lang])
        no_english(shown.inner_text())
        said_once(shown.inner_text(), lang)
        answer = page.goto(f"{stack.url}/issues/{issue}/editions/{lang}/preview")
        assert answer is not None
        assert answer.status == 422
        body = page.locator("body")
        expect(body).to_contain_text(re.compile(BROKEN[lang].pattern, re.IGNORECASE))  # a line of its own
        no_english(body.inner_text())
        # the heading says it cannot be rendered, the line below why, its count first
        assert body.inner_text().count(CANNOT[lang]) == 1
        expect(page.locator("body p")).to_have_text(re.compile("^" + ALONE[lang]))
