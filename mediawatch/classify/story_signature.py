"""Story signatures: what story grouping keeps of an article, computed once and storable as bytes.

32-bit hashes of the word 3-gram shingles of the folded title and lead (first ``LEAD_WORDS`` words of text,
function words removed), the title key of ``identity``, the content words, the *anchors* (numbers,
names, acronyms: what survives a rewrite) and the cross-language *concepts* of
:mod:`mediawatch.classify.story_concepts` (figures, dates and names, folded across FR/EN/ES).
:mod:`mediawatch.classify.stories` decides on pairs of signatures and indexes them.
"""

from __future__ import annotations

import hashlib
import re
import struct
import sys
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mediawatch.classify.story_concepts import concepts_of, hash_concepts
from mediawatch.classify.story_text import (
    NUMBER_RUN,
    STOP,
    STOPWORDS,
    content_words,
    fold,
    normalise_numbers,
    words,
)
from mediawatch.errors import StorageError
from mediawatch.identity import title_key

__all__ = [
    "LEAD_WORDS",
    "LEDE_WORDS",
    "SIGNATURE_VERSION",
    "Features",
    "StoryDoc",
    "features_of",
    "signature_of",
]

SIGNATURE_VERSION = 2  # 2 added the cross-language concepts; a version 1 signature reads with none
LEAD_WORDS = 150  # words of text (after the title) that are shingled: wire copies differ in the tail
LEDE_WORDS = 30  # content words of the opening, sketched apart to find a summary inside its full text
_MAX_ANCHORS = 64
_MAX_CONCEPTS = 64
_MAX_TITLE_WORDS = 40

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_BOUNDARY = frozenset('.!?:;«»"“”(')
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][\w-]*")  # capitalised word (Latin scripts of FR/EN/ES)


@dataclass(frozen=True, slots=True)
class StoryDoc:
    """What story grouping reads of an article."""

    id: int
    title: str
    text: str
    language: str = ""
    published: datetime | None = None  # aware UTC; None: the window is not enforced for this doc
    outlet: str = ""


def _hash_words(words: Sequence[str]) -> list[int]:
    return [zlib.crc32(w.encode()) for w in words]


def _shingles(h: Sequence[int]) -> set[int]:
    """32-bit hashes of the word 3-grams of ``h`` (word hashes); one shingle when there are fewer words."""
    if len(h) < 3:
        h = [*h, 0, 0][:3] if h else []
    m1, m2, mask = _M1, _M2, _MASK64
    return {
        ((((a * m1 ^ b) * m1 & mask) ^ c) * m2 & mask) >> 32 for a, b, c in zip(h, h[1:], h[2:], strict=False)
    }


def _anchors(title: str, text: str) -> set[str]:
    """Numbers (>= 10), acronyms and proper names of title and lead, folded.

    A capitalised word counts as a name mid-sentence; at the start of a sentence only when it is also met
    mid-sentence (so "Farmers" opening a sentence is no name). Title words count only as numbers and
    acronyms (English titles capitalise every word).
    """
    out: set[str] = set()
    for run in NUMBER_RUN.findall(title + " \n " + text):
        for key in normalise_numbers(run):
            if "." in key or len(key) >= 2:
                out.add("#" + key)
    for word in _CAPITALISED.findall(title):
        if len(word) >= 2 and word.isupper() and word.isalpha():
            out.add(fold(word))
    mid: list[str] = []
    initial: list[str] = []
    for match in _CAPITALISED.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # a capital inside a word: "McDonald", "iPhone"
        before = text[max(0, start - 3) : start].rstrip()
        at_start = not before and not text[:start].strip() or before[-1:] in _BOUNDARY
        (initial if at_start else mid).append(match.group())
    mid_folded = {w for w in fold("\x00".join(mid)).split("\x00") if len(w) >= 2 and w not in STOPWORDS}
    initial_folded = set(fold("\x00".join(initial)).split("\x00"))
    out |= mid_folded
    out |= initial_folded & mid_folded
    return out


# version, title key, text words, one size per set (6 in version 1, 7 since), length of the language tag
_HEADS = {1: struct.Struct("<BQH6HB"), 2: struct.Struct("<BQH7HB")}


@dataclass(frozen=True, slots=True)
class Features:
    """A parsed signature: the hashed sets of one article (32-bit hashes)."""

    title_key: int  # 64-bit hash of identity.title_key, 0 when the title is too short for a key
    text_words: int  # content words in the lead of the text (not the title)
    shingles: frozenset[int]  # word 3-grams of the lead of the text
    title_shingles: frozenset[int]
    lede: frozenset[int]  # the first LEDE_WORDS words' shingles (a subset of shingles)
    content: frozenset[int]  # content words of the lead
    title_words: frozenset[int]
    anchors: frozenset[int]  # numbers (odd hashes) and names (even hashes)
    concepts: frozenset[int]  # cross-language figures, dates, names (story_concepts; kind in the low 3 bits)
    language: str  # given, or guessed from function words; "" when unknown

    _SETS = ("shingles", "title_shingles", "lede", "content", "title_words", "anchors", "concepts")

    def to_bytes(self) -> bytes:
        """Little-endian: version, title key, text words, the seven set sizes, language; then the sets."""
        sets = [sorted(getattr(self, name)) for name in self._SETS]
        lang = self.language.encode()[:8]
        head = _HEADS[SIGNATURE_VERSION].pack(
            SIGNATURE_VERSION, self.title_key, self.text_words, *map(len, sets), len(lang)
        )
        body = array("I", [h for values in sets for h in values])
        if sys.byteorder == "big":
            body.byteswap()
        return head + lang + body.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Features:
        """A stored signature; version 1 (before the concepts) reads with no concepts."""
        head = _HEADS.get(data[0]) if data else None
        if head is None:
            version = data[0] if data else None
            raise StorageError(
                f"story signature version {version}, expected {SIGNATURE_VERSION}: recompute it"
            )
        if len(data) < head.size:
            raise StorageError("truncated story signature")
        _version, tkey, text_words, *sizes, n_lang = head.unpack_from(data)
        body = array("I")
        start = head.size + n_lang
        body.frombytes(data[start : start + (len(data) - start) // 4 * 4])
        if len(body) != sum(sizes) or len(data) != start + 4 * len(body):
            raise StorageError("truncated story signature")
        if sys.byteorder == "big":
            body.byteswap()
        sets: list[frozenset[int]] = []
        start = 0
        for size in sizes:
            sets.append(frozenset(body[start : start + size]))
            start += size
        language = data[head.size : head.size + n_lang].decode()
        if len(sets) == 6:
            sets.append(frozenset())
        shingles, title_shingles, lede, content, title_words, anchors, concepts = sets
        return cls(
            tkey,
            text_words,
            shingles,
            title_shingles,
            lede,
            content,
            title_words,
            anchors,
            concepts,
            language,
        )


def _anchor_hash(anchor: str) -> int:
    """32-bit hash whose two low bits keep the anchor's kind through the trip to bytes: 00 a name,
    01 a number, 11 a weak number (below 100, a year, or the 1000 of "4 per 1000": common to many
    stories, so they do not count among the numbers the cross-language rule asks for)."""
    h = zlib.crc32(anchor.encode()) & ~3 & _MASK32
    if not anchor.startswith("#"):
        return h
    number = anchor[1:]
    weak = number.isdigit() and (int(number) < 100 or 1900 <= int(number) <= 2100 or number == "1000")
    return h | (3 if weak else 1)


def _guess_language(words: Sequence[str]) -> str:
    """ "en", "fr" or "es" by function words, for docs that come without a language; "" when unsure."""
    counts = sorted(((sum(1 for w in words if w in stop), lang) for lang, stop in STOP.items()), reverse=True)
    (best, lang), (second, _) = counts[0], counts[1]
    return lang if best >= 4 and best >= 1.5 * second else ""


def features_of(doc: StoryDoc) -> Features:
    """The hashed sets of ``doc`` (what :func:`signature_of` serialises)."""
    key = title_key(doc.title)
    title_words = content_words(words(key or doc.title, _MAX_TITLE_WORDS))
    lead_words = words(doc.text, LEAD_WORDS)
    text_words = content_words(lead_words)
    hashed_words = _hash_words(text_words)
    lead = " ".join(doc.text[: LEAD_WORDS * 14].split()[:LEAD_WORDS])
    anchors = sorted(_anchors(doc.title, lead))[:_MAX_ANCHORS]
    hashed = frozenset(_anchor_hash(a) for a in anchors)
    tkey = int.from_bytes(_digest(key), "little") if key else 0
    language = (doc.language or "").lower()[:8] or _guess_language(lead_words)
    return Features(
        title_key=tkey,
        text_words=min(len(text_words), 0xFFFF),
        shingles=frozenset(_shingles(hashed_words)),
        lede=frozenset(_shingles(hashed_words[:LEDE_WORDS])),
        title_shingles=frozenset(_shingles(_hash_words(title_words))),
        title_words=frozenset(_hash_words(title_words)),
        content=frozenset(hashed_words),
        anchors=hashed,
        concepts=frozenset(
            sorted(hash_concepts(concepts_of(doc.title, doc.text, language, doc.published)))[:_MAX_CONCEPTS]
        ),
        language=language,
    )


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


def signature_of(doc: StoryDoc) -> bytes:
    """The storable signature of ``doc``: :meth:`StoryIndex.add_signature` rebuilds from it alone."""
    return features_of(doc).to_bytes()
