"""Title keys for exact-duplicate detection across outlets and feeds."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MIN_KEY_CHARS", "MIN_KEY_WORDS", "title_key"]

MIN_KEY_WORDS = 4
MIN_KEY_CHARS = 20
_MAX_TAIL_WORDS = 5
_MAX_TAIL_CHARS = 40
_MAX_SUFFIXES = 2  # "Title - World - Reuters"

# " - Le Monde", " | Reuters", " — El País", " – BBC News", " · Libération"
_SEPARATOR = re.compile(r"\s+(?:-{1,2}|\||\u2014|\u2013|\u00b7|::)\s+")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
    )


def _word_count(text: str) -> int:
    # Each ideograph/kana counts as a word: those scripts do not separate words with spaces.
    cjk = sum(1 for ch in text if _is_cjk(ch))
    return len(text.split()) + cjk


def _strip_outlet_suffixes(text: str) -> str:
    for _ in range(_MAX_SUFFIXES):
        separators = list(_SEPARATOR.finditer(text))
        if not separators:
            break
        last = separators[-1]
        head, tail = text[: last.start()], text[last.end() :].strip()
        if not tail:
            break
        if len(tail) > _MAX_TAIL_CHARS or _word_count(tail) > _MAX_TAIL_WORDS:
            break
        if _word_count(head) < _word_count(tail):  # "Opinion - what the budget means" is no suffix
            break
        text = head
    return text


def _strip_accents(text: str) -> str:
    # Only the generic diacritics block (U+0300-U+036F: acute, grave, tilde, cedilla...): the voicing
    # marks of kana (が -> か) and other scripts' combining signs carry meaning, not accent.
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f"))


def _drop_punctuation(text: str) -> str:
    # Punctuation and symbols become spaces: "l'État" and "l’état" both give "l etat".
    return "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)


def title_key(title: str) -> str:
    """Normalised title for exact-duplicate detection, or "" when too short to mean anything.

    Steps: NFKC; collapse whitespace; drop up to two trailing outlet suffixes (a separator
    `` - ``, `` | ``, `` — ``, `` – ``, `` · `` or `` :: `` followed by a tail of at most five words
    and 40 characters, not longer than what precedes it); casefold; strip accents; punctuation
    and symbols to spaces; collapse spaces. Keys of fewer than four words or 20 characters are
    returned as "" (CJK ideographs and kana count as one word and two characters each).
    """
    text = " ".join(unicodedata.normalize("NFKC", title).split())
    text = _strip_outlet_suffixes(text)
    text = _strip_accents(text.casefold())
    text = " ".join(_drop_punctuation(text).split())
    wide = sum(1 for ch in text if _is_cjk(ch))
    if _word_count(text) < MIN_KEY_WORDS or len(text) + wide < MIN_KEY_CHARS:
        return ""
    return text
