"""Text normalisation and the compiled phrase matcher behind the taxonomy (see taxonomy.py).

Terms and article text go through the same steps: NFKD, accents dropped, casefold, acronyms marked,
punctuation turned into a boundary token, stopwords dropped and simple plurals folded (:func:`stem`). Every
term becomes a tuple of tokens; a :class:`Matcher` holds them in a dictionary and finds them all in one
left-to-right pass over a field's tokens, looking up only the positions whose token starts some term.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ACRONYM_MARK",
    "BOUNDARY",
    "GROUP_OBJECTIVE",
    "GROUP_REGION",
    "GROUP_RELEVANCE",
    "GROUP_THEME",
    "Entry",
    "Matcher",
    "StemCache",
    "phrase_keys",
    "raw_tokens",
    "stem",
    "tokens",
]

# Matches are made per group: inside a group the longest term wins at a position and the words it covers
# are not matched again; the groups are independent ("soil carbon market" may be a theme term and
# "soil carbon" a relevance term in the same place).
GROUP_RELEVANCE = 0
GROUP_THEME = 1
GROUP_REGION = 2
GROUP_OBJECTIVE = 3
_GROUPS = 4

BOUNDARY = "|"  # token standing for sentence punctuation: no term spans it

# -- normalisation ---------------------------------------------------------------------------------------
ACRONYM_MARK = "ǂ"  # a letter no text uses: "CAP" becomes the token "ǂcap" (see raw_tokens)
_DECIMAL_MARK = "ǀ"  # "0,4" and "0.4" become the token "0ǀ4"
_COMBINING = re.compile(r"[\u0300-\u036f]")
_NUMBER = re.compile(r"\d+(?:[,.\u00a0\u202f' ]\d+)+")  # "1,000", "0,4", "12 345", "1.000.000"
_NUMBER_SEPARATOR = re.compile(r"[,.\u00a0\u202f' ]")
_DOTTED = re.compile(r"[A-Z]\.[A-Z]\.(?:[A-Z]\.)*")  # "U.S.", "U.K."
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]+")
_TOKEN = re.compile(r"\w+|[‰|]")
_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}
_LIGATURE = re.compile("[" + "".join(_LIGATURES) + "]")
# Quotation marks and guillemets are not boundaries: a name is still one phrase when it is quoted
# ("the “4 per 1000” initiative", "l'initiative « 4 pour 1000 »").
_BOUNDARY_CHARS = re.compile(r"[.!?;:,()\[\]{}]")
# Three or more words in capitals inside ordinary text ("SOIL MONITORING LAW", "DIRECTIVE OF THE EUROPEAN
# PARLIAMENT"): a shouted phrase, not a row of acronyms, when one word is long or the run has four words.
_SHOUTED = re.compile(r"\b[A-Z][A-Z0-9]*(?:[ \t'’\-–]+[A-Z][A-Z0-9]*){2,}\b")


def stem(token: str) -> str:
    """Fold simple French, English and Spanish plurals and final -e so both sides meet.

    Applied identically to terms and to text, so it only has to be consistent, not linguistic:
    ``sols -> sol``, ``soils -> soil``, ``suelos -> suelo``, ``végétaux -> vegetal``, ``policies -> policy``,
    ``emisiones -> emision``, ``pratiques -> pratiqu``, ``practice(s) -> practic``, ``carbone -> carbon``.
    Tokens of three characters or fewer and tokens with digits are left alone.
    """
    if len(token) <= 3 or not token.isalpha() or token[0] == ACRONYM_MARK:
        return token
    if token.endswith("ies") and len(token) > 4:
        token = token[:-3] + "y"
    elif token.endswith("aux") and len(token) > 4:
        token = token[:-3] + "al"
    elif token[-1] in "sx" and not token.endswith("ss"):
        token = token[:-1]
    if len(token) > 3 and token[-1] == "e":
        token = token[:-1]
    return token


def _in_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] touches a letter, digit or underscore on either side."""
    return (start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")) or (
        end < len(text) and (text[end].isalnum() or text[end] == "_")
    )


def _fix_number(match: re.Match[str]) -> str:
    number = match.group(0)
    parts = _NUMBER_SEPARATOR.split(number)
    if all(len(part) == 3 for part in parts[1:]):  # "1,000", "12 345", "1.000.000": thousands
        return "".join(parts)
    separator = number[len(parts[0])]
    if len(parts) == 2 and separator in ",.":  # "0,4", "0.4": a decimal number
        return parts[0] + _DECIMAL_MARK + parts[1]
    return number


def _mark_dotted(match: re.Match[str]) -> str:
    start = match.start()
    if start > 0 and (match.string[start - 1].isalnum() or match.string[start - 1] == "_"):
        return match.group(0)
    return ACRONYM_MARK + match.group(0).replace(".", "")


def _unshout(match: re.Match[str]) -> str:
    words = match.group(0).split()
    return match.group(0).lower() if len(words) >= 4 or any(len(w) > 6 for w in words) else match.group(0)


def _mark_acronym(match: re.Match[str]) -> str:
    word = match.group(0)
    if len(word) > 6 or _in_word(match.string, *match.span()) or sum(ch.isalpha() for ch in word) < 2:
        return word
    return ACRONYM_MARK + word


def raw_tokens(text: str) -> list[str]:
    """Accent-free, casefolded word tokens; sentence punctuation becomes :data:`BOUNDARY`.

    A word written in capitals (2-6 letters and digits, at least two letters: "CAP", "EU", "SOC", "COP29",
    "U.S.") gets :data:`ACRONYM_MARK` in front, so that a term written in capitals only matches capitals:
    the "CAP" of farm policy is not a "cap" on prices, the "EU" is not the French "eu". A text written
    in capitals throughout (a shouted title of three words or more) has no acronyms, nor has a shouted run of
    words inside a text (see ``_SHOUTED``). Quotation marks and guillemets, with or without no-break spaces,
    do not break a phrase. Decimal numbers stay
    one token ("0,4" and "0.4" give the same token) and thousands separators are dropped ("1,000" is "1000").
    All of it is done by C-level string methods and regular expressions: no loop over characters.
    """
    text = unicodedata.normalize("NFKD", _LIGATURE.sub(lambda m: _LIGATURES[m.group(0)], text))
    text = _NUMBER.sub(_fix_number, _COMBINING.sub("", text))
    if not text.isupper() or text.count(" ") < 2:  # "UK" and "EU ETS" are acronyms, "SOIL IS LIFE" is not
        text = _ACRONYM.sub(_mark_acronym, _DOTTED.sub(_mark_dotted, _SHOUTED.sub(_unshout, text)))
    return _TOKEN.findall(_BOUNDARY_CHARS.sub(" | ", text.casefold()))


def tokens(text: str, stopwords: frozenset[str] = frozenset(), stemmed: bool = True) -> list[str]:
    """Normalised tokens of ``text``: raw tokens, stopwords dropped, plurals folded (see :func:`stem`)."""
    return [stem(t) if stemmed else t for t in raw_tokens(text) if t not in stopwords]


# -- matching ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Entry:
    """What one normalised phrase means in one place of the taxonomy (compared by identity: fast to hash)."""

    group: int
    concept: str  # "soil_carbon", "theme:policy", "region:africa", "objective:A5"
    term: str  # as written in the file
    weight: float
    country: str = ""  # ISO code for region entries naming a country

    @property
    def key(self) -> str:
        """The concept without its group prefix: "policy", "africa", "A5", "soil_carbon"."""
        return self.concept.partition(":")[2] or self.concept


# -- matcher ---------------------------------------------------------------------------------------------
class Matcher:
    """All terms of one language (plus language-independent ones) keyed by their token tuple."""

    __slots__ = ("_first", "_phrases")

    def __init__(self, phrases: Mapping[tuple[str, ...], tuple[Entry, ...]]) -> None:
        self._phrases: dict[tuple[str, ...], tuple[tuple[int, tuple[Entry, ...]], ...]] = {}
        lengths: dict[str, set[int]] = {}
        for key, entries in phrases.items():
            by_group: dict[int, list[Entry]] = {}
            for entry in entries:
                by_group.setdefault(entry.group, []).append(entry)
            self._phrases[key] = tuple((g, tuple(es)) for g, es in sorted(by_group.items()))
            lengths.setdefault(key[0], set()).add(len(key))
        # first token -> the lengths of the terms that start with it, longest first
        self._first = {tok: tuple(sorted(ls, reverse=True)) for tok, ls in lengths.items()}

    def __len__(self) -> int:
        return len(self._phrases)

    def scan(self, toks: list[str]) -> list[Entry]:
        """Leftmost-longest matches of every group in one pass over ``toks``."""
        first = self._first
        phrases = self._phrases
        covered = [0] * _GROUPS
        found_entries: list[Entry] = []
        n = len(toks)
        # Only positions whose token starts some term are looked at (a set test per token, in C).
        for i in [i for i, tok in enumerate(toks) if tok in first]:
            for length in first[toks[i]]:
                if i + length > n:
                    continue
                found = phrases.get(tuple(toks[i : i + length]))
                if found is None:
                    continue
                for group, entries in found:
                    if covered[group] <= i:
                        covered[group] = i + length
                        found_entries.extend(entries)
        return found_entries


class StemCache(dict[str, str]):
    """token -> stem, computed on first use."""

    def __missing__(self, token: str) -> str:
        value = self[token] = stem(token)
        return value


def phrase_keys(term: str, stopwords: frozenset[str], exact: bool = False) -> list[tuple[str, ...]]:
    """The token tuples under which ``term`` is looked up.

    Stemmed terms: their tokens, and for 2-3 words also the words written together ("no till" ->
    "notill", "soil carbon" -> "#soilcarbon"). Exact terms (place names: "Landes" must not become
    "land"): their unstemmed tokens, and the same with a final "s" ("kenyan" -> "kenyans").
    """
    toks = tokens(term, stopwords, stemmed=not exact)
    while toks and toks[0] == BOUNDARY:  # punctuation inside a term must be in the text too
        toks.pop(0)
    while toks and toks[-1] == BOUNDARY:
        toks.pop()
    key = tuple(toks)
    if not key:
        return []
    keys = [key]
    if exact:
        if key[-1].isalpha() and not key[-1].endswith("s"):
            keys.append((*key[:-1], key[-1] + "s"))
    elif 1 < len(key) <= 3 and BOUNDARY not in key:
        keys.append((stem("".join(key)),))
    return keys
