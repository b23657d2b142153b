"""What rendering hands to the later stages: one rendered edition, and a subscriber's personal links."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PersonalLinks:
    """A subscriber's own links, put in the footer's personal slot; only delivery has them."""

    unsubscribe_url: str
    preferences_url: str


@dataclass(frozen=True, slots=True)
class RenderedEdition:
    """One language edition of an issue, ready to send or to archive.

    ``size_bytes`` is the UTF-8 size of ``html`` (what Gmail measures before clipping a message).
    ``personal`` is True for a copy that carries a subscriber's links: such a copy is never archived and
    has no fingerprint.
    """

    language: str
    subject: str
    preheader: str
    html: str
    text: str
    size_bytes: int
    personal: bool = False
