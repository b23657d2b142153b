"""Text analysis for full-text search: one analyser, so that SQLite and PostgreSQL see the same words.

A leaf module (imports nothing of mediawatch): the query parser (:mod:`mediawatch.watch.query`) and the
search index (:mod:`mediawatch.store.search`) both build on it.

Every word goes through the same steps, in Python, for an article being indexed and for a query:

1. case folding (``str.casefold``) and accent folding (NFKD, combining marks dropped, a few letters
   that do not decompose spelt out: ``œ`` -> ``oe``, ``ø`` -> ``o``, ...);
2. splitting on anything that is not a letter or a digit (``l'agriculture`` -> ``l``, ``agriculture``);
3. Snowball stemming in the article's language (French, English, Spanish; any other language is
   indexed unstemmed), after folding, so a word typed with or without its accents stems the same way;
4. the stem is tagged with its language: ``fr_sol``, ``en_soil``, ``es_suel``, ``xx_boden``.

The tag makes an article match only in its own language's stemming: ``politiques`` looks for
``fr_polit`` in French articles, ``en_politiqu`` in English ones, never French stems inside English
text. A query word is looked for under each language's stem (or one language's with a language filter).
The backends get finished tokens (SQLite FTS5 a space-separated string, PostgreSQL a ``tsvector`` literal
with positions) and never apply stemming or stop words of their own: see docs/design.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

import snowballstemmer

__all__ = [
    "ANALYZER",
    "MAX_POSITION",
    "MAX_REPEATS",
    "MAX_TOKEN_LENGTH",
    "STEMMED_LANGUAGES",
    "AllOf",
    "AnyOf",
    "Node",
    "Term",
    "fold",
    "index_language",
    "positioned_tokens",
    "stem",
    "words",
]

STEMMED_LANGUAGES = {"fr": "french", "en": "english", "es": "spanish"}
OTHER = "xx"  # the tag of every other (or unknown) language: words indexed as they are, folded
TAGS = (*STEMMED_LANGUAGES, OTHER)

# PostgreSQL keeps at most 256 positions per lexeme and positions up to 16,383 (later ones are clamped);
# SQLite has no such limits. A document is cut where either would bite, so both hold the same positions.
MAX_POSITION = 16_383
MAX_REPEATS = 256
MAX_TOKEN_LENGTH = 64  # longer "words" (hashes, base64) are noise, and PostgreSQL refuses > 2 KB lexemes


def _engine() -> str:
    # snowballstemmer hands over to PyStemmer (the C build of the same Snowball algorithms) when present
    try:
        return f"pystemmer{version('PyStemmer')}"
    except PackageNotFoundError:
        return f"snowballstemmer{version('snowballstemmer')}"


# Recorded with each indexed article: a new analyser (or a new Snowball release) reindexes everything.
ANALYZER = f"a1-{_engine()}"

_SPELT_OUT = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ħ": "h", "ı": "i", "ŀ": "l"}
)
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Case- and accent-folded text: ``"Énergie SOLS"`` -> ``"energie sols"``."""
    lowered = text.casefold().translate(_SPELT_OUT)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of ``text``, split on every character that is not a letter or a digit.

    Split first, then each word folded (cached: news text repeats its words), which is several times
    faster than folding the whole text character by character; NFC first, so a decomposed accent does
    not split a word.
    """
    out: list[str] = []
    for raw in _WORD.findall(unicodedata.normalize("NFC", text)):
        out.extend(_folded_word(raw))
    return out


@lru_cache(maxsize=200_000)
def _folded_word(raw: str) -> tuple[str, ...]:
    # folding can make a separator appear (NFKD of "½" is "1⁄2"): split again
    return tuple(w for w in _WORD.findall(fold(raw)) if len(w) <= MAX_TOKEN_LENGTH)


@lru_cache(maxsize=8)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(STEMMED_LANGUAGES[language])


_STEMS: dict[str, dict[str, str]] = {tag: {} for tag in TAGS}
_STEMS_KEPT = 200_000  # per language: a cache, emptied when full (a day of news has far fewer words)


def stem(word: str, tag: str) -> str:
    """The index token of one folded word for a language tag (``fr``, ``en``, ``es`` or ``xx``)."""
    cache = _STEMS[tag if tag in _STEMS else OTHER]
    token = cache.get(word)
    if token is None:
        if tag in STEMMED_LANGUAGES:
            token = f"{tag}_{_stemmer(tag).stemWord(word) or word}"
        else:
            token = f"{OTHER}_{word}"
        if len(cache) >= _STEMS_KEPT:
            cache.clear()
        cache[word] = token
    return token


def index_language(language: str) -> str:
    """The tag an article of ``language`` is indexed under."""
    code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in STEMMED_LANGUAGES else OTHER


def positioned_tokens(fields: Sequence[str], tag: str) -> Iterator[tuple[int, list[str]]]:
    """Each field's tokens with the position (1-based) of its first one.

    Fields are kept two positions apart, so a phrase never runs from the end of a title into the lead
    (FTS5 keeps columns apart; a PostgreSQL tsvector is one sequence). The document ends at the
    :data:`MAX_POSITION`-th token or before a token's :data:`MAX_REPEATS`-th + 1 occurrence, whichever
    comes first, the same way for both backends.
    """
    position = 1
    seen: dict[str, int] = {}
    for text in fields:
        tokens: list[str] = []
        full = False
        for word in words(text):
            token = stem(word, tag)
            count = seen.get(token, 0) + 1
            if position + len(tokens) > MAX_POSITION or count > MAX_REPEATS:
                full = True
                break
            seen[token] = count
            tokens.append(token)
        yield position, tokens
        position += len(tokens) + 1
        if full:
            position = MAX_POSITION + 1  # nothing more fits: later fields stay empty


# -- the parsed query (built by mediawatch.watch.query) -----------------------------------------------
@dataclass(frozen=True, slots=True)
class Term:
    """A word, or a phrase (``words`` adjacent, in order); ``prefix``: the last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False
    quoted: bool = False  # typed as "a phrase" (for display only; matching is the same)

    def variants(self, tags: Iterable[str]) -> list[tuple[str, ...]]:
        """The token sequence to look for under each language tag (duplicates dropped)."""
        out: list[tuple[str, ...]] = []
        for tag in tags:
            seq = tuple(stem(w, tag) for w in self.words)
            if seq not in out:
                out.append(seq)
        return out

    def text(self) -> str:
        body = " ".join(self.words) + ("*" if self.prefix else "")
        return f'"{body}"' if self.quoted or len(self.words) > 1 else body


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one of ``options`` (``a OR b``)."""

    options: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every node of ``include`` and none of ``exclude``; ``include`` is never empty."""

    include: tuple[Node, ...]
    exclude: tuple[Node, ...] = ()


Node = Term | AnyOf | AllOf
