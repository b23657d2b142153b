"""Cross-language story signals: the facts a translation keeps (figures, dates, names), as hashed concepts.

Two reports of one event in French, English and Spanish share almost no words, but they give the same
figures ("126,9 points" / "126.9 points"), the same dates ("8 septembre" / "September 8" / "8 de
septiembre"), and the same names, some of them spelled per language ("ONU" / "UN", "Maroc" / "Morocco"),
which ``story_terms.toml`` (and the glossary's fixed terms) fold to one concept. Each concept is a 32-bit
hash whose low three bits keep its kind, so a stored signature keeps the weights without the text.

:func:`cross_score` weighs the concepts two docs share: a figure or a date weighs most, a name less, the
month, a recurring organisation or a word of the subject little (a subject alone never makes a story).
The decision (thresholds by publication gap) is :func:`mediawatch.classify.stories.decide`'s.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import resources

from mediawatch.classify.story_text import NUMBER_RUN, STOPWORDS, fold, normalise_numbers
from mediawatch.collect.dates import day_and_month

__all__ = [
    "CONCEPT_WORDS",
    "DATE",
    "KIND_WEIGHTS",
    "NAME",
    "ROUND",
    "STRONG",
    "WEAK",
    "concepts_of",
    "cross_score",
    "hash_concepts",
]

CONCEPT_WORDS = 80  # words of text read after the title: what a feed summary or a lead holds

# kind code (low 3 bits of a concept hash) -> weight in cross_score
STRONG = 0  # a figure: a decimal, or >= 100 and not a year
DATE = 6  # a day of a month ("8 September"): a fact of the story more often than a month is
NAME = 1  # a proper name or acronym met in the text, not in the table
ALIAS = 2  # an organisation or place of the table (recurring: FAO, the UN, Europe)
MONTH = 3  # a month, a weekday, a year: implied by publication dates a few days apart
TOPIC = 4
WEAK = 5  # a small number (10-99)
ROUND = 7  # a figure of one or two significant digits (150, 1.5, 2 million): many stories give it
KIND_WEIGHTS = {
    STRONG: 1.0, ROUND: 1.0, DATE: 0.6, NAME: 0.5, ALIAS: 0.3, MONTH: 0.1, TOPIC: 0.15, WEAK: 0.2,
}  # fmt: skip
# What a lone round figure, or a lone day of a month, needs besides it: an organisation, a name or a
# number for the figure; a name, a number or two organisations for the day (publication dates close
# together imply a day near them, and one organisation's two releases of a Wednesday both say "Wednesday")
SUPPORT = {ROUND: 0.3, DATE: 0.5}
_MAX_TOPIC = 0.3  # the words of a subject, however many, weigh no more than two

_MONTH_NAMES = (
    "january jan janvier janv enero ene",
    "february feb fevrier fevr febrero",
    "march mar mars marzo",
    "april apr avril abril",
    "may mai mayo",
    "june jun juin junio",
    "july jul juillet juil julio",
    "august aug aout agosto",
    "september sep sept septembre septiembre setiembre",
    "october oct octobre octubre",
    "november nov novembre noviembre",
    "december dec decembre diciembre dic",
)
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
# Month names that are also common words ("may", "march", "mar"): months only when capitalised.
_CAPITAL_MONTHS = frozenset(
    {
        "may",
        "march",
        "mar",
        "jan",
        "feb",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "ene",
        "dic",
        "mai",
    }
)
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            "monday lundi lunes",
            "tuesday mardi martes",
            "wednesday mercredi miercoles",
            "thursday jeudi jueves",
            "friday vendredi viernes",
            "saturday samedi sabado",
            "sunday dimanche domingo",
        ),
        1,
    )
    for name in names.split()
}
_LETTERS = re.compile(r"[^\W\d_]+")
_ORDINALS = frozenset(
    {
        "st",
        "nd",
        "rd",
        "th",
        "e",
        "er",
        "re",
        "eme",
        "ieme",
        "o",
        "a",
        "os",
        "as",
        "ro",
        "do",
        "to",
        "vo",
        "no",
    }
)
_SCALES = {
    "thousand": 1e3, "mille": 1e3, "mil": 1e3,
    "million": 1e6, "millions": 1e6, "millon": 1e6, "millones": 1e6, "mln": 1e6,
    "milliard": 1e9, "milliards": 1e9, "bn": 1e9, "md": 1e9, "mds": 1e9,
    "trillion": 1e12, "trillions": 1e12, "billon": 1e12, "billones": 1e12,
}  # fmt: skip
_SCALE_WORDS = re.compile(r"[ \u00a0\u202f]*([^\W\d_]+)(?:[ \u00a0\u202f]+([^\W\d_]+))?")
_DAY = re.compile(r"(\d{1,2})(?:er|re|ro|st|nd|rd|th|e|º|°)?")
_TOKEN = re.compile(r"\w+")
_BOUNDARY = frozenset('.!?:;«»"“”(')
_MAX_TERM_WORDS = 5


@functools.cache
def _lexicon() -> tuple[dict[tuple[str, ...], tuple[str, int]], dict[str, int], frozenset[str]]:
    """Folded word sequence -> (concept, kind), from story_terms.toml and the glossary's terms; the longest
    sequence each first word opens; the words that are no names."""
    root = resources.files("mediawatch")
    terms: dict[tuple[str, ...], tuple[str, int]] = {}

    def add(forms: Iterable[str], concept: str, kind: int) -> None:
        for form in forms:
            words = tuple(_TOKEN.findall(fold(form)))
            if words and len(words) <= _MAX_TERM_WORDS:
                terms.setdefault(words, (concept, kind))

    data = tomllib.loads((root / "classify" / "story_terms.toml").read_text(encoding="utf-8"))
    for concept, forms in data["alias"].items():
        add(forms, "@" + concept, ALIAS)
    for concept, forms in data["topic"].items():
        add(forms, "~" + concept, TOPIC)
    glossary = tomllib.loads((root / "translate" / "glossary.toml").read_text(encoding="utf-8"))
    for number, term in enumerate(glossary.get("term", [])):
        forms = [v for k, v in term.items() if k != "variants" and isinstance(v, str)]
        add([*forms, *term.get("variants", [])], f"@glossary{number}", ALIAS)
    longest: dict[str, int] = {}
    for words in terms:
        longest[words[0]] = max(longest.get(words[0], 0), len(words))
    return terms, longest, frozenset(fold(w) for w in data["ignore"]["words"])


_DAY_BIT = 8  # set in the hash of a day of a month ("D12-13"), clear in every other concept's


def _concept_hash(concept: str, kind: int) -> int:
    day = _DAY_BIT if concept.startswith("D") else 0
    return (zlib.crc32(concept.encode()) & ~15 & 0xFFFFFFFF) | day | kind


def _scale(raw: str, end: int, language: str) -> float:
    """The multiplier written after a number: "300 billion" = "300 milliards" = "300 mil millones"."""
    following = _SCALE_WORDS.match(raw, end)
    if not following:
        return 1.0
    first, second = fold(following.group(1)), fold(following.group(2) or "")
    if first == "mil" and second in ("millones", "millon"):
        return 1e9
    if first in ("billion", "billions"):  # the long scale of French: a billion is 10**12
        return 1e12 if language == "fr" else 1e9
    return _SCALES.get(first, 1.0)


# letters glued to an amount of money that give its magnitude ("$1.5m" = "1,5 million de dollars"); without
# the currency sign, "5m" is as often five metres
_CURRENCIES = frozenset("$€£¥")
_MONEY_SCALES = {"k": 1e3, "m": 1e6, "M": 1e6, "bn": 1e9, "B": 1e9}


def _figure_kind(key: str) -> int:
    """STRONG, or ROUND for a figure of at most two significant digits ("150", "1.5", "2e+06")."""
    mantissa = key.split("e")[0].replace(".", "").strip("0")
    return ROUND if len(mantissa) <= 2 else STRONG


# A share: "66 %", "66 percent", "66 pour cent", "66 por ciento". Its figure is small, but a story's share is
# one of its facts in every language (a weak small number otherwise).
_PERCENT = re.compile(
    r"[ \u00a0\u202f]*(?:%|percent\b|per cent\b|pour cent\b|por ciento\b|pct\b)", re.IGNORECASE
)

# "713 to 757 million", "entre 713 y 757 millones": the scale written once applies to both ends
_RANGE = re.compile(r"[ \u00a0\u202f]*(?:-|–|to|a|à|y|et|and|ou|or|o)[ \u00a0\u202f]+")


def _numbers(raw: str, out: dict[str, int], language: str) -> None:
    runs = list(NUMBER_RUN.finditer(raw))
    for n, match in enumerate(runs):
        start = match.start()
        end = start + len(match.group().rstrip(" .,\u00a0\u202f"))
        suffix = _LETTERS.match(raw, end)
        if start and raw[start - 1].isalpha() or suffix and fold(suffix.group()) in _ORDINALS:
            continue  # part of a name (COP28, C3S, G20) or an ordinal (12th, 12e); "1.5C" is a figure
        keys = normalise_numbers(match.group())
        scale = _scale(raw, end, language)
        if suffix and raw[start - 1 : start] in _CURRENCIES and suffix.group() in _MONEY_SCALES:
            scale = _MONEY_SCALES[suffix.group()]  # "$1.5m", "£300k", "€2bn" (bn is a scale word anyway)
        if scale == 1.0 and n + 1 < len(runs) and _RANGE.fullmatch(raw, end, runs[n + 1].start()):
            nxt = runs[n + 1]
            scale = _scale(raw, nxt.start() + len(nxt.group().rstrip(" .,\u00a0\u202f")), language)
        if scale > 1.0 and keys:
            # one figure however the language writes its magnitude: 300 billion, 300.000 millones
            figure = f"{float(keys.pop()) * scale:.3g}"
            out.setdefault("#" + figure, _figure_kind(figure))
        if len(keys) == 1 and _PERCENT.match(raw, end) and keys[0] != "100":
            out.setdefault("%" + keys[0], _figure_kind(keys[0]))
            continue
        for key in keys:
            if "." in key:
                out.setdefault("#" + key, _figure_kind(key))
                continue
            value = int(key)
            if 1900 <= value <= 2100:
                out.setdefault("#" + key, MONTH)  # a year: as implied by the dates as a month
            elif value >= 100 and value != 1000:
                out.setdefault("#" + key, _figure_kind(key))
            elif value >= 10:
                out.setdefault("#" + key, WEAK)


def _dates(words: list[str], folded: list[str], out: dict[str, int], published: datetime | None) -> None:
    """Months, and days of a month ("8 septembre", "8 de septiembre", "September 8", "1er décembre"), and
    month-year ("mars 2023", "March of 2023")."""
    for i, word in enumerate(folded):
        weekday = _WEEKDAYS.get(word)
        if weekday is not None:
            out.setdefault(f"W{weekday}", MONTH)
            if published is not None:
                # "mercredi" in a report published on a Thursday is the day before: the day it names
                # ("Wednesday" = "13 de diciembre"), the latest such day up to the publication day
                named = published - timedelta(days=(published.isoweekday() - weekday) % 7)
                out.setdefault(f"D{named.month}-{named.day}", DATE)
            continue
        month = MONTHS.get(word)
        if month is None or (word in _CAPITAL_MONTHS and not words[i][:1].isupper()):
            continue
        out.setdefault(f"M{month}", MONTH)
        before = i - 2 if i >= 2 and folded[i - 1] == "de" else i - 1
        after = i + 2 if i + 2 < len(folded) and folded[i + 1] in ("de", "of") else i + 1
        for j in (before, i + 1):
            day = _DAY.fullmatch(folded[j]) if 0 <= j < len(folded) else None
            if day and 1 <= int(day.group(1)) <= 31:
                out[f"D{month}-{int(day.group(1))}"] = DATE
                out.pop("#" + day.group(1), None)  # the day is no figure of its own
                break
        if after < len(folded) and len(folded[after]) == 4 and folded[after].isdigit():
            # a month of a year near the publication date is implied by it ("in December" of a December
            # release); another one ("the previous record, July 2019") is a fact of the story
            months = int(folded[after]) * 12 + month
            implied = published is not None and abs(months - (published.year * 12 + published.month)) <= 1
            out[f"Y{folded[after]}-{month}"] = WEAK if implied else DATE


# A date written in figures: "09.07.2024", "9/7/2024", "2024-07-09". Without this the dotted one read as the
# figure 9.07 and the others as small numbers, so "despegó hoy (09.07.2024)" shared nothing with "July 9".
_NUMERIC_DATE = re.compile(
    r"(?<![\d.,/])(\d{1,2})([./])(\d{1,2})\2((?:19|20)\d\d)(?![\d])|(?<![\d-])((?:19|20)\d\d)-(\d\d)-(\d\d)(?![\d-])"
)


def _numeric_dates(raw: str, out: dict[str, int], language: str) -> str:
    """Days written in figures, as concepts; the text with them blanked, so no figure is read in them."""

    def found(match: re.Match[str]) -> str:
        if match.group(5):  # 2024-07-09: year, month, day in every language
            decided = day_and_month(int(match.group(7)), int(match.group(6)), language, "-")
        else:
            decided = day_and_month(int(match.group(1)), int(match.group(3)), language, match.group(2))
        if decided:
            out[f"D{decided[1]}-{decided[0]}"] = DATE
            out.setdefault(f"M{decided[1]}", MONTH)
        return " " * len(match.group())

    return _NUMERIC_DATE.sub(found, raw)


def concepts_of(
    title: str, text: str, language: str = "", published: datetime | None = None
) -> dict[str, int]:
    """Concept -> kind for a doc's title and the first :data:`CONCEPT_WORDS` words of its text."""
    terms, longest, ignore = _lexicon()
    lead = " ".join(text[: CONCEPT_WORDS * 12].split()[:CONCEPT_WORDS])
    raw = unicodedata.normalize("NFKC", f"{title}\n{lead}")
    out: dict[str, int] = {}
    _numbers(_numeric_dates(raw, out, language), out, language)
    matches = list(_TOKEN.finditer(raw))
    words = [m.group() for m in matches]
    folded = _TOKEN.findall(fold(raw))
    if len(folded) != len(words):  # folding split or joined a word: fold them one by one
        folded = [fold(w) for w in words]
    _dates(words, folded, out, published)
    title_end = len(title)
    # A title in title case ("World Food Prices Fall") capitalises words that are no names.
    title_words = [w for w in _TOKEN.findall(title) if len(w) > 3]
    title_case = sum(1 for w in title_words if w[:1].isupper()) > len(title_words) // 2
    i = 0
    while i < len(folded):
        for n in range(min(longest.get(folded[i], 0), len(folded) - i), 0, -1):
            hit = terms.get(tuple(folded[i : i + n]))
            # a short one-word form ("UN", "EU", "PAM") must be written in capitals: "un", "eau" are words;
            # one of four letters capitalised ("Baku", "Inde")
            word = words[i]
            plain = len(word) > 4 or word.isupper() or (len(word) == 4 and word[0].isupper())
            if hit and (n > 1 or plain or hit[1] == TOPIC):
                out.setdefault(hit[0], hit[1])
                i += n
                break
        else:
            word, key = words[i], folded[i]
            start = matches[i].start()
            if (
                word[:1].isupper()
                and len(key) >= 3
                and not key.isdigit()
                and key not in STOPWORDS
                and key not in ignore
                and key not in MONTHS
                and key not in _WEEKDAYS
                and (word.isupper() or ((start > title_end or not title_case) and _mid_sentence(raw, start)))
            ):
                out.setdefault("$" + (_acronym_key(key) if word.isupper() else _name_key(key)), NAME)
            i += 1
    return out


# Spellings of one name across languages and transliterations: "Babaïev" / "Babayev", "Bakou" / "Baku",
# "Azerbaïdjan" / "Azerbaijan", "Khalid" / "Jalid" stay apart, "Philippe" / "Felipe" too (a name is no
# translation), but the letters that only transcribe a sound differently fold together.
_SPELLINGS = (("ph", "f"), ("kh", "k"), ("dj", "j"), ("ou", "u"), ("ck", "k"), ("y", "i"), ("w", "v"))
_DOUBLED = re.compile(r"(\w)\1+")


def _name_key(key: str) -> str:
    for written, sound in _SPELLINGS:
        key = key.replace(written, sound)
    return _DOUBLED.sub(r"\1", key)


def _acronym_key(key: str) -> str:
    """An acronym's letters in order: French and Spanish put the adjective after the noun, so "ECB" is
    "BCE", "CAP" is "PAC", "IMF" is "FMI", "NATO" is "OTAN", "UNEP" is "PNUE" with the same letters."""
    return "".join(sorted(key)) if len(key) <= 6 else key


def _mid_sentence(raw: str, start: int) -> bool:
    """A capital after a word, not after a sentence end or a line break: a name, not a sentence opening."""
    before = raw[max(0, start - 3) : start].rstrip(" ")
    return bool(before) and before[-1] not in _BOUNDARY and before[-1] != "\n"


def hash_concepts(concepts: dict[str, int]) -> frozenset[int]:
    return frozenset(_concept_hash(concept, kind) for concept, kind in concepts.items())


def cross_score(a: frozenset[int], b: frozenset[int]) -> tuple[float, int, int]:
    """Weight of the concepts ``a`` and ``b`` share; how many of them are figures or dates, and how many
    are figures, dates or names. A lone round figure ("150", "1.5") or a lone day counts only with
    :data:`SUPPORT` of other facts (an organisation, a name, a number): alone, or with a subject and
    a month, it joins unrelated stories that give the same round figure or were published the same week
    ("Wednesday" is a day: see :func:`_dates`)."""
    shared = a & b
    weights = KIND_WEIGHTS
    score = sum(weights.get(h & 7, 0.0) for h in shared if h & 7 != TOPIC)
    topics = sum(1 for h in shared if h & 7 == TOPIC)
    lone = [h for h in shared if h & 7 in (STRONG, ROUND, DATE)]
    strong = len(lone)
    kind = lone[0] & 7 if strong == 1 else STRONG
    if kind == ROUND or kind == DATE and lone[0] & _DAY_BIT:
        support = score - weights[kind] - weights[MONTH] * sum(1 for h in shared if h & 7 == MONTH)
        if support < SUPPORT[kind] - 1e-9:
            strong = 0
    specific = strong + sum(1 for h in shared if h & 7 == NAME)
    return score + min(topics * weights[TOPIC], _MAX_TOPIC), strong, specific
