"""Checking what people type: an email address, a language, a list of publications.

Pure functions, no I/O. An address is accepted when it can be delivered to without SMTPUTF8: an ASCII
dot-atom local part and a domain with at least two labels (an internationalised domain is turned into its
ASCII form). Quoted local parts and IP-literal domains are refused: real subscribers do not use them and
they are a favourite of form abusers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mediawatch.errors import InvalidInput
from mediawatch.i18n import Message, language_names
from mediawatch.types import EDITION_FALLBACK, Publication

LANGUAGES = EDITION_FALLBACK  # the editions a subscriber may choose

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")


def normalise_email(raw: str) -> str:
    """The address in the form we keep (domain lower-cased, ASCII); ConfigError saying what is wrong."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(Message("deliver.invalid.email_empty"))
    if any(c.isspace() for c in text) or text.count("@") != 1:
        raise InvalidInput(Message("deliver.invalid.email_shape", value=text))
    local, domain = text.rsplit("@", 1)
    if not local or not domain:
        raise InvalidInput(Message("deliver.invalid.email_shape", value=text))
    if len(local) > 64:
        raise InvalidInput(Message("deliver.invalid.email_local", value=text))
    if not local.isascii() or not _LOCAL.match(local):
        raise InvalidInput(Message("deliver.invalid.email_local", value=text))
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidInput(Message("deliver.invalid.email_domain", value=text, domain=domain)) from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        raise InvalidInput(Message("deliver.invalid.email_domain", value=text, domain=domain))
    address = f"{local}@{ascii_domain}"
    if len(address) > 254:
        raise InvalidInput(Message("deliver.invalid.email_long", value=text))
    return address


def parse_language(raw: str) -> str:
    text = (raw or "").strip().lower()
    if text not in LANGUAGES:
        known = language_names(*LANGUAGES, with_codes=True)  # codes are what is typed: option, CSV cell
        raise InvalidInput(Message("deliver.invalid.language", value=raw, known=known))
    return text


def parse_fallback(raw: str, language: str) -> tuple[str, ...]:
    """Further languages in order ("en fr", "en,fr" or "en;fr"), the subscriber's own left out."""
    found: list[str] = []
    for part in re.split(r"[\s,;|]+", raw or ""):
        if part:
            lang = parse_language(part)
            if lang != language and lang not in found:
                found.append(lang)
    return tuple(found)


def parse_publications(raw: str | Sequence[str]) -> tuple[Publication, ...]:
    """ "newsletter", "press-review", both ("newsletter;press-review", "newsletter press-review", "both")."""
    parts = re.split(r"[\s,;|+]+", raw) if isinstance(raw, str) else list(raw)
    found: list[Publication] = []
    for part in (p.strip().lower().replace("_", "-") for p in parts):
        if not part:
            continue
        if part in ("both", "all"):
            chosen = list(Publication)
        elif part in ("press", "review", "press-review", "pressreview"):
            chosen = [Publication.PRESS_REVIEW]
        elif part in ("newsletter", "news", "letter"):
            chosen = [Publication.NEWSLETTER]
        else:
            known = ", ".join(p.value for p in Publication)
            raise InvalidInput(Message("deliver.invalid.publication", value=part, known=known))
        found.extend(p for p in chosen if p not in found)
    if not found:
        raise InvalidInput(Message("deliver.invalid.no_publication"))
    return tuple(sorted(found))
