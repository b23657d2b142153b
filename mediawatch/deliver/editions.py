"""Each edition rendered once per send, then personalised per subscriber by swapping two link markers.

Rendering one edition (MJML, CSS inlining) takes tens of milliseconds: once per subscriber it would cap a
send far below 300 messages/s. So each edition is rendered with marker links in the personal slot, and a
subscriber's copy is that render with the markers replaced by their own links. The shortcut is checked,
not trusted: the first subscriber's copy is also rendered for real, and if the two differ in any byte the
edition falls back to a real render per subscriber (slow but right).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from mediawatch.config import Settings
from mediawatch.deliver.mime import check_untracked, links_of
from mediawatch.errors import DeliveryError
from mediawatch.render.edition import render_edition
from mediawatch.render.result import PersonalLinks, RenderedEdition
from mediawatch.types import IssueContent

log = logging.getLogger("mediawatch.deliver")

# Absolute https URLs (the renderer accepts them), on a reserved domain, with nothing HTML or text
# formatting would escape or wrap.
MARK_UNSUBSCRIBE = "https://personal.invalid/u/mwmarkunsubscribe0"
MARK_PREFERENCES = "https://personal.invalid/p/mwmarkpreferences0"
MARKERS = PersonalLinks(unsubscribe_url=MARK_UNSUBSCRIBE, preferences_url=MARK_PREFERENCES)


@dataclass(slots=True)
class PreparedEdition:
    """One edition, ready to be personalised many times."""

    content: IssueContent
    language: str
    settings: Settings
    archive: RenderedEdition  # no personal links: what was approved
    marked: RenderedEdition  # rendered with MARKERS
    allowed_links: frozenset[str]  # every link of the approved edition
    verified: bool = False  # the marker shortcut was compared with a real render
    shortcut: bool = True  # False: render per subscriber
    _renders: int = field(default=0)

    @property
    def subject(self) -> str:
        return self.marked.subject

    def personalise(self, links: PersonalLinks) -> tuple[str, str]:
        """(html, text) of the copy carrying ``links``; refuses anything that would track the reader.

        The marked render passed :func:`check_untracked` in :func:`prepare_edition`, and swapping the
        markers puts only this subscriber's two links in: the shortcut's copies need no second check.
        """
        if not self.verified:
            self._verify(links)
        if self.shortcut:
            return _swap(self.marked.html, links), _swap(self.marked.text, links)
        real = render_edition(self.content, self.language, self.settings, personal=links)
        self._renders += 1
        check_untracked(real.html, self.allowed_links | {links.unsubscribe_url, links.preferences_url})
        return real.html, real.text

    def _verify(self, links: PersonalLinks) -> None:
        real = render_edition(self.content, self.language, self.settings, personal=links)
        same = (
            real.html == _swap(self.marked.html, links)
            and real.text == _swap(self.marked.text, links)
            and real.subject == self.marked.subject
        )
        if not same:
            log.warning(
                "edition %s: the personalised copy differs from the marked render; rendering per subscriber",
                self.language,
            )
        self.shortcut = same
        self.verified = True


def _swap(body: str, links: PersonalLinks) -> str:
    return body.replace(MARK_UNSUBSCRIBE, links.unsubscribe_url).replace(
        MARK_PREFERENCES, links.preferences_url
    )


def prepare_edition(content: IssueContent, language: str, settings: Settings) -> PreparedEdition:
    archive = render_edition(content, language, settings)
    marked = render_edition(content, language, settings, personal=MARKERS)
    for mark in (MARK_UNSUBSCRIBE, MARK_PREFERENCES):
        if mark not in marked.html:
            raise DeliveryError(
                f"the {language!r} edition has no place for a subscriber's personal links (no {mark} in "
                "its HTML): the renderer must show them"
            )
    allowed = links_of(archive.html)
    check_untracked(archive.html, allowed)
    check_untracked(marked.html, allowed | {MARK_UNSUBSCRIBE, MARK_PREFERENCES})
    return PreparedEdition(content, language, settings, archive, marked, allowed)


def prepare_editions(
    content: IssueContent, settings: Settings, languages: tuple[str, ...] | None = None
) -> dict[str, PreparedEdition]:
    return {
        lang: prepare_edition(content, lang, settings)
        for lang in (languages if languages is not None else content.issue.languages)
    }


PersonaliseFn = Callable[[PersonalLinks], tuple[str, str]]
