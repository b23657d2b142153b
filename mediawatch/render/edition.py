"""One edition from issue data to a checked email: jinja2 -> MJML -> HTML (mjml-python) -> inlined CSS.

The HTML and the plain-text part are two templates fed the same :class:`EditionView`; the text part is
written from the items, never by stripping the HTML. Nothing that fails :func:`check_edition` leaves
this module: ``render_edition`` raises :class:`RenderError` with every reason instead.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import css_inline
from mjml import mjml2html

from mediawatch.config import Settings, team_zone
from mediawatch.errors import RenderError
from mediawatch.i18n import Counted, Joined, Message, language_names, said, t
from mediawatch.render.checks import check_edition
from mediawatch.render.environment import render_template, templates_dir
from mediawatch.render.model import edition_view, safe_url
from mediawatch.render.result import PersonalLinks, RenderedEdition
from mediawatch.types import IssueContent

# Inline every rule into style attributes (Gmail drops <style> in <head>); keep only @media rules in a
# <style>, as an enhancement for clients that read it. <link> elements are kept so that the checks see,
# and refuse, any a template adds; nothing is ever fetched.
_INLINER = css_inline.CSSInliner(
    keep_at_rules=True,
    keep_link_tags=True,
    load_remote_stylesheets=False,
    minify_css=True,
)
_BLANK_LINES = re.compile(r"\n{3,}")


def compile_mjml(source: str) -> str:
    """MJML to email HTML with inlined CSS; no web fonts (mjml would add Google Fonts links by default)."""
    try:
        html = mjml2html(source, disable_comments=True, fonts={})
    except Exception as exc:  # mjml-python raises plain exceptions with the parser's message
        raise said(RenderError, "render.refused.mjml", detail=str(exc)) from None
    try:
        return _INLINER.inline(html)
    except (css_inline.InlineError, ValueError) as exc:
        raise said(RenderError, "render.refused.css", detail=str(exc)) from None


def tidy_text(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, one final newline."""
    lines = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return _BLANK_LINES.sub("\n\n", lines).strip("\n") + "\n"


def _check_personal(personal: PersonalLinks) -> None:
    for name in ("unsubscribe_url", "preferences_url"):
        if not safe_url(getattr(personal, name)):
            raise RenderError(
                f"personal link {name} must be an absolute http(s) URL, got {getattr(personal, name)!r}"
            )


def render_edition(
    content: IssueContent, language: str, settings: Settings, *, personal: PersonalLinks | None = None
) -> RenderedEdition:
    """The ``language`` edition of an issue; with ``personal``, the copy for one subscriber.

    Raises :class:`RenderError` when the language has no edition, a template fails, or the result breaks
    a check (the message lists every problem).
    """
    if personal is not None:
        _check_personal(personal)
    view = edition_view(content, language, settings, personal)
    folder = templates_dir(settings)

    def translate(key: str, /, **fields: object) -> str:
        return t(key, language, **fields)

    context: dict[str, Any] = {
        "edition": view,
        "lang": language,
        "t": translate,
        "zone": team_zone(settings),
    }
    name = content.issue.publication.value
    html = compile_mjml(render_template(folder, f"{name}.mjml.j2", context))
    text = tidy_text(render_template(folder, f"{name}.txt.j2", context))
    rendered = RenderedEdition(
        language=language,
        subject=view.subject,
        preheader=view.preheader,
        html=html,
        text=text,
        size_bytes=len(html.encode("utf-8")),
        personal=personal is not None,
    )
    problems = check_edition(rendered)
    if problems:
        raise checks_refused(language, problems)
    return rendered


def checks_refused(language: str, problems: Sequence[Message]) -> RenderError:
    """The refusal of an edition that fails ``problems``: "the French edition cannot be rendered because
    2 checks fail: a; b". The slug is left to the caller, who names the issue already (the nightly's
    "slug: ..." line, the issue page, the command given it)."""
    return said(
        RenderError,
        "render.refused.checks",
        language=language_names(language),
        failed=Counted("render.refused.failed_checks", len(problems), problems=Joined(problems)),
    )


def failed_checks(error: RenderError) -> Counted | None:
    """The "2 checks fail: a; b" of a refusal by the checks, for a sentence that says already that the
    edition cannot be rendered (the issue page, a review blocker); None for any other refusal."""
    reason = error.reason
    if isinstance(reason, Message) and reason.key == "render.refused.checks":
        failed = reason.fields.get("failed")
        return failed if isinstance(failed, Counted) else None
    return None


def fingerprint(rendered: RenderedEdition) -> str:
    """sha256 (hex) of what a reader gets: subject, preheader, HTML and text of the archive copy.

    Approvals are bound to it; rendering is deterministic (no timestamps, no random ids), so the same
    content always gives the same fingerprint. Each part is length-prefixed so no two different editions
    can concatenate to the same bytes.
    """
    if rendered.personal:
        raise RenderError("a subscriber's copy has no fingerprint: fingerprint the archive copy")
    digest = hashlib.sha256()
    for part in (rendered.subject, rendered.preheader, rendered.html, rendered.text):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()
