"""Render: an issue's data -> checked email editions (HTML + text) and the web archive.

    render_edition(content, "fr", settings)            one edition, archive copy (no personal links)
    render_edition(content, "fr", settings, personal=PersonalLinks(...))   one subscriber's copy
    fingerprint(rendered)                             what an approval is bound to
    check_edition(rendered)                           every problem, [] when it may be sent
    render_issue(store, "press-review-2026-w47", settings)   write editions, index pages and feeds

Templates live in ``templates/`` (jinja2 producing MJML); see docs/render.md.

Layer: after compose; imports leaves, the store's protocols and earlier stages. The layers: pyproject.toml
[tool.importlinter] and docs/design.md.
"""

from mediawatch.render.archive import refresh_archive, render_issue
from mediawatch.render.checks import MAX_HTML_BYTES, check_edition
from mediawatch.render.edition import fingerprint, render_edition
from mediawatch.render.result import PersonalLinks, RenderedEdition

__all__ = [
    "MAX_HTML_BYTES",
    "PersonalLinks",
    "RenderedEdition",
    "check_edition",
    "fingerprint",
    "refresh_archive",
    "render_edition",
    "render_issue",
]
