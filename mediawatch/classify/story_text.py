"""Text helpers of story grouping: folding, function words of FR/EN/ES, numbers written any way."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["NUMBER_RUN", "STOP", "STOPWORDS", "content_words", "fold", "normalise_numbers", "words"]

# Function words of EN/FR/ES (folded: lower case, no accents). Dropped before shingling so that shingles
# are made of content words, never taken as names when capitalised at the start of a sentence, and
# counted to guess the language of a doc that comes without one.
STOP = {
    "en": frozenset(
        """
a about after against all also an and any are as at be been before between both but by can could did do
does during each for from had has have he her his how if in into is it its just may more most new no not
now of on one only or other our out over said says so some such than that the their them then there these
they this those through to two under up us was we were what when where which while who will with would you
your year years per she her i
""".split()
    ),
    "fr": frozenset(
        """
au aux avec ce ces cette comme dans de des du elle elles en est et etre eux il ils je la le les leur leurs
lui mais meme mes moi mon ne nos notre nous on ou par pas plus pour qu que qui sa sans se ses son sont sur
ta te tes toi ton tu un une vos votre vous ete etait ont fait faire entre aussi selon apres avant depuis
tres tout tous toute toutes deux ans annee contre ainsi lors dont ni car si sous chez ses cet
""".split()
    ),
    "es": frozenset(
        """
al algo ante antes como con contra cual cuando del desde donde durante el ella ellas ellos en entre era
es esa ese eso esta estan este esto estos fue fueron ha han hasta hay la las le les lo los mas mi muy nos
nuestro para pero por porque que se segun ser si sin sobre su sus tambien tiene todo todos tras un una
uno unos unas ya y o e dos anos ano cada otro otra otros otras asi de
""".split()
    ),
}
STOPWORDS = STOP["en"] | STOP["fr"] | STOP["es"]


_WORD = re.compile(r"\w+")
_COMBINING = re.compile("[\u0300-\u036f]")
# a run of digits and separators, split by normalise_numbers()
NUMBER_RUN = re.compile(r"\d[\d.,\u00a0\u202f ]*")
_SPACES = re.compile(r"[ \u00a0\u202f]+")
_GROUP = re.compile(r"\d{3}(?:[.,]\d+)?")
_LAST_RUN = re.compile(r"\d+$")
_THOUSANDS = re.compile(r"[.,](?=\d{3}(?:\D|$))")


def fold(text: str) -> str:
    """The folding of ``identity.title_key`` (NFKC, casefold, generic accents off), vectorised."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    return _COMBINING.sub("", text)


def words(text: str, limit: int) -> list[str]:
    """Folded words; punctuation and symbols separate words, as in title keys."""
    # Cut the raw text first: folding a 20,000-character page to keep 150 words is wasted work.
    return _WORD.findall(fold(text[: limit * 12]))[:limit]


def content_words(words: Iterable[str]) -> list[str]:
    # Single letters are elisions (l', d', qu') or one-letter function words.
    return [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def normalise_numbers(raw: str) -> list[str]:
    """Normalised numbers in a run of digits and separators: "12 000", "12,000" and "12.000" are 12000,
    "1,5" and "1.5" are 1.5 (a separator followed by exactly three digits groups thousands)."""
    out: list[str] = []
    current = ""
    for part in _SPACES.split(raw.strip(" .,\u00a0\u202f")):
        last = _LAST_RUN.search(current)
        if last and len(last.group()) <= 3 and _GROUP.fullmatch(part):
            current += part
        else:
            if current:
                out.append(current)
            current = part
    if current:
        out.append(current)
    keys = []
    for number in out:
        number = _THOUSANDS.sub("", number).replace(",", ".")
        if "." in number:
            number = number.rstrip("0").rstrip(".")
        keys.append(number.lstrip("0") or "0")
    return keys
