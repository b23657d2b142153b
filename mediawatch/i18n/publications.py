"""The one place that names a publication, for every stage (compose, render, review, deliver, nightly, the
web and the CLI): the name alone ("Revue de presse", a label, a title, a table cell) and the name inside a
sentence with its article ("la revue de presse", "el boletín": the article carries the gender, so a template
never guesses it). Catalogue: ``publications.<lang>.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mediawatch.i18n import Message, t
from mediawatch.types import Publication

__all__ = ["PUBLICATION_KEYS", "publication_label", "publication_name"]

# Literal keys (the i18n scans read them): (name alone, name in a sentence).
PUBLICATION_KEYS: Mapping[Publication, tuple[str, str]] = MappingProxyType(
    {
        Publication.NEWSLETTER: ("publication.name.newsletter", "publication.in_sentence.newsletter"),
        Publication.PRESS_REVIEW: ("publication.name.press_review", "publication.in_sentence.press_review"),
    }
)


def publication_name(publication: Publication | str, lang: str | None, *, in_sentence: bool = False) -> str:
    """``press-review`` -> "Revue de presse" (``in_sentence``: "la revue de presse") in ``lang``."""
    alone, with_article = PUBLICATION_KEYS[Publication(publication)]
    return t(with_article if in_sentence else alone, lang)


def publication_label(publication: Publication | str, *, in_sentence: bool = False) -> Message:
    """The name of :func:`publication_name`, said when the text is (a field of a :class:`Message`)."""
    alone, with_article = PUBLICATION_KEYS[Publication(publication)]
    return Message(with_article if in_sentence else alone)
