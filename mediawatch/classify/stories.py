"""Story grouping: articles that tell the same story, across outlets, feeds and languages.

Method (docs/stories.md has the figures):

1. A *signature* per article, computed once and storable as bytes: 32-bit hashes of the word 3-gram
   shingles of the folded title and lead (first ``LEAD_WORDS`` words of text, function words removed), the
   title key of ``collect.titles``, the content words, and the *anchors* (numbers, names, acronyms: what
   survives a rewrite or a translation).
2. Candidates come from LSH buckets, not all pairs: MinHash bands of the shingles (one-permutation hashing
   with densification, ``num_perm`` bins), of the lede and of the anchors, plus one bucket per title key.
3. Each candidate within ``window_days`` is verified by the rules of :func:`decide` on the *exact* sets of
   the two signatures (precision first); verified pairs are joined with union-find.

Groups are the connected components of the verified pairs, so they do not depend on insertion order; a
story's id is its earliest-published doc (ties: smallest id; undated docs come last).
"""

from __future__ import annotations

import hashlib
import re
import struct
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice

from mediawatch.errors import ConfigError, StorageError
from mediawatch.identity import title_key

__all__ = [
    "DEFAULT_RULES",
    "LEAD_WORDS",
    "SIGNATURE_VERSION",
    "Features",
    "StoryDoc",
    "StoryIndex",
    "StoryRules",
    "decide",
    "features_of",
    "same_story",
    "signature_of",
]

SIGNATURE_VERSION = 1
LEAD_WORDS = 150  # words of text (after the title) that are shingled: wire copies differ in the tail
LEDE_WORDS = 30  # content words of the opening, sketched apart to find a summary inside its full text
_MAX_ANCHORS = 64
_MAX_TITLE_WORDS = 40

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_MIX = 0x9E3779B97F4A7C15  # odd 64-bit multipliers (golden ratio, splitmix64)
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB

# Function words of EN/FR/ES (folded: lower case, no accents). Dropped before shingling so that shingles
# are made of content words, never taken as names when capitalised at the start of a sentence, and
# counted to guess the language of a doc that comes without one.
_STOP = {
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
_STOPWORDS = _STOP["en"] | _STOP["fr"] | _STOP["es"]
_OWN_STOP = {
    lang: stop - frozenset().union(*(o for k, o in _STOP.items() if k != lang))
    for lang, stop in _STOP.items()
}

_WORD = re.compile(r"\w+")
_COMBINING = re.compile("[\u0300-\u036f]")
# Capitalised or upper-case word, or a number with thousands separators / decimals.
_NUMBER = re.compile(r"\d[\d.,\u00a0\u202f ]*")  # a run of digits and separators, split by _numbers()
_SPACES = re.compile(r"[ \u00a0\u202f]+")
_GROUP = re.compile(r"\d{3}(?:[.,]\d+)?")
_LAST_RUN = re.compile(r"\d+$")
_THOUSANDS = re.compile(r"[.,](?=\d{3}(?:\D|$))")
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


@dataclass(frozen=True, slots=True)
class StoryRules:
    """Thresholds of the pair decision; every one is a verified (exact) set measure.

    A pair in the window is the same story when any rule fires:

    - near-duplicate: Jaccard of lead shingles >= ``threshold`` (both with >= ``min_shingles``);
    - containment: shingles of the smaller doc (>= ``min_contained``) found in the other >= ``containment``
      (a feed summary or a cut wire copy inside the full text);
    - same title: equal title keys (``collect.titles``), and texts that do not disagree: one has fewer
      than ``bare_words`` content words (title only), or shingle Jaccard >= ``title_support``, or one is
      short (< ``short_words``: a feed summary) and >= ``title_content_support`` of its content words are
      in the other.
      Short docs with different keys but title-word Jaccard >= ``title_jaccard`` (>= ``min_title_words``
      words each) match on the same condition;
    - rewrite: anchors (numbers, names) Jaccard >= ``anchor_jaccard`` with >= ``min_shared_anchors`` shared,
      and lead content-word Jaccard >= ``content_jaccard`` (a rewritten press release keeps its facts);
    - cross-language (if ``cross_language``): languages (given or guessed) known and different, anchors
      Jaccard >= ``cross_anchor_jaccard`` with >= ``cross_min_shared`` shared, two of them strong numbers.
    """

    threshold: float = 0.5
    min_shingles: int = 8
    containment: float = 0.8
    min_contained: int = 12
    title_support: float = 0.1
    title_content_support: float = 0.6
    bare_words: int = 8  # a doc with fewer content words of text has nothing to set against its title
    title_jaccard: float = 0.8
    min_title_words: int = 5
    short_words: int = 25  # a doc with fewer content words of text is "short"
    anchor_jaccard: float = 0.35
    min_shared_anchors: int = 5
    content_jaccard: float = 0.25
    cross_language: bool = True  # chosen on the even ids of story_pairs.jsonl (docs/stories.md)
    cross_anchor_jaccard: float = 0.5
    cross_min_shared: int = 6


DEFAULT_RULES = StoryRules()


# -- features --------------------------------------------------------------------------------------------
def _fold(text: str) -> str:
    """The folding of ``identity.title_key`` (NFKC, casefold, generic accents off), vectorised."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    return _COMBINING.sub("", text)


def _words(text: str, limit: int) -> list[str]:
    """Folded words; punctuation and symbols separate words, as in title keys."""
    # Cut the raw text first: folding a 20,000-character page to keep 150 words is wasted work.
    return _WORD.findall(_fold(text[: limit * 12]))[:limit]


def _content(words: Iterable[str]) -> list[str]:
    # Single letters are elisions (l', d', qu') or one-letter function words.
    return [w for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]


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


def _numbers(raw: str) -> list[str]:
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


def _anchors(title: str, text: str) -> set[str]:
    """Numbers (>= 10), acronyms and proper names of title and lead, folded.

    A capitalised word counts as a name mid-sentence; at the start of a sentence only when it is also met
    mid-sentence (so "Farmers" opening a sentence is no name). Title words count only as numbers and
    acronyms (English titles capitalise every word).
    """
    out: set[str] = set()
    for run in _NUMBER.findall(title + " \n " + text):
        for key in _numbers(run):
            if "." in key or len(key) >= 2:
                out.add("#" + key)
    for word in _CAPITALISED.findall(title):
        if len(word) >= 2 and word.isupper() and word.isalpha():
            out.add(_fold(word))
    mid: list[str] = []
    initial: list[str] = []
    for match in _CAPITALISED.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue  # a capital inside a word: "McDonald", "iPhone"
        before = text[max(0, start - 3) : start].rstrip()
        at_start = not before and not text[:start].strip() or before[-1:] in _BOUNDARY
        (initial if at_start else mid).append(match.group())
    mid_folded = {w for w in _fold("\x00".join(mid)).split("\x00") if len(w) >= 2 and w not in _STOPWORDS}
    initial_folded = set(_fold("\x00".join(initial)).split("\x00"))
    out |= mid_folded
    out |= initial_folded & mid_folded
    return out


_HEAD = "<BQH6HB"
_HEAD_SIZE = struct.calcsize(_HEAD)


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
    language: str  # given, or guessed from function words; "" when unknown

    _SETS = ("shingles", "title_shingles", "lede", "content", "title_words", "anchors")

    def to_bytes(self) -> bytes:
        """Little-endian: version, title key, text words, the six set sizes, language; then the sets."""
        sets = [sorted(getattr(self, name)) for name in self._SETS]
        lang = self.language.encode()[:8]
        head = struct.pack(
            _HEAD, SIGNATURE_VERSION, self.title_key, self.text_words, *map(len, sets), len(lang)
        )
        body = array("I", [h for values in sets for h in values])
        if sys.byteorder == "big":
            body.byteswap()
        return head + lang + body.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Features:
        if not data or data[0] != SIGNATURE_VERSION:
            version = data[0] if data else None
            raise StorageError(
                f"story signature version {version}, expected {SIGNATURE_VERSION}: recompute it"
            )
        if len(data) < _HEAD_SIZE:
            raise StorageError("truncated story signature")
        _version, tkey, text_words, *sizes, n_lang = struct.unpack_from(_HEAD, data)
        body = array("I")
        body.frombytes(data[_HEAD_SIZE + n_lang :])
        if len(body) != sum(sizes) or len(data) != _HEAD_SIZE + n_lang + 4 * len(body):
            raise StorageError("truncated story signature")
        if sys.byteorder == "big":
            body.byteswap()
        sets: list[frozenset[int]] = []
        start = 0
        for size in sizes:
            sets.append(frozenset(body[start : start + size]))
            start += size
        language = data[_HEAD_SIZE : _HEAD_SIZE + n_lang].decode()
        shingles, title_shingles, lede, content, title_words, anchors = sets
        return cls(tkey, text_words, shingles, title_shingles, lede, content, title_words, anchors, language)


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
    counts = sorted(
        ((sum(1 for w in words if w in stop), lang) for lang, stop in _STOP.items()), reverse=True
    )
    (best, lang), (second, _) = counts[0], counts[1]
    return lang if best >= 4 and best >= 1.5 * second else ""


def features_of(doc: StoryDoc) -> Features:
    """The hashed sets of ``doc`` (what :func:`signature_of` serialises)."""
    key = title_key(doc.title)
    title_words = _content(_words(key or doc.title, _MAX_TITLE_WORDS))
    words = _words(doc.text, LEAD_WORDS)
    text_words = _content(words)
    hashed_words = _hash_words(text_words)
    lead = " ".join(doc.text[: LEAD_WORDS * 14].split()[:LEAD_WORDS])
    anchors = sorted(_anchors(doc.title, lead))[:_MAX_ANCHORS]
    hashed = frozenset(_anchor_hash(a) for a in anchors)
    tkey = int.from_bytes(_digest(key), "little") if key else 0
    return Features(
        title_key=tkey,
        text_words=min(len(text_words), 0xFFFF),
        shingles=frozenset(_shingles(hashed_words)),
        lede=frozenset(_shingles(hashed_words[:LEDE_WORDS])),
        title_shingles=frozenset(_shingles(_hash_words(title_words))),
        title_words=frozenset(_hash_words(title_words)),
        content=frozenset(hashed_words),
        anchors=hashed,
        language=(doc.language or "").lower()[:8] or _guess_language(words),
    )


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


def signature_of(doc: StoryDoc) -> bytes:
    """The storable signature of ``doc``: :meth:`StoryIndex.add_signature` rebuilds from it alone."""
    return features_of(doc).to_bytes()


# -- pair decision ---------------------------------------------------------------------------------------
def _jaccard(a: frozenset[int], b: frozenset[int]) -> tuple[float, int]:
    if not a or not b:
        return 0.0, 0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter), inter


def decide(a: Features, b: Features, rules: StoryRules = DEFAULT_RULES) -> bool:
    """Same story? The pair rules of :class:`StoryRules` on two signatures (no window check)."""
    all_a, all_b = a.shingles | a.title_shingles, b.shingles | b.title_shingles
    jac = _jaccard(all_a, all_b)[0]
    if min(len(all_a), len(all_b)) >= rules.min_shingles and jac >= rules.threshold:
        return True
    inter = len(a.shingles & b.shingles)
    small = min(len(a.shingles), len(b.shingles))
    if small >= rules.min_contained and inter >= rules.containment * small:
        return True
    words = min(a.text_words, b.text_words)
    short = words < rules.short_words
    content_jac, content_inter = _jaccard(a.content, b.content)
    # An equal title needs the texts not to disagree: one has (almost) none, or they share phrases, or the
    # words of a short one (a feed summary) are found in the other.
    title_support = (
        words < rules.bare_words
        or jac >= rules.title_support
        or (short and content_inter >= rules.title_content_support * min(len(a.content), len(b.content)))
    )
    if title_support and a.title_key and a.title_key == b.title_key:
        return True
    if title_support and short and min(len(a.title_words), len(b.title_words)) >= rules.min_title_words:
        if _jaccard(a.title_words, b.title_words)[0] >= rules.title_jaccard:
            return True
    anchor_jac, shared = _jaccard(a.anchors, b.anchors)
    if not short and anchor_jac >= rules.anchor_jaccard and shared >= rules.min_shared_anchors:
        if content_jac >= rules.content_jaccard:
            return True
    if rules.cross_language and a.language and b.language and a.language != b.language:
        if anchor_jac >= rules.cross_anchor_jaccard and shared >= rules.cross_min_shared:
            if sum(1 for x in a.anchors & b.anchors if x & 3 == 1) >= 2:
                return True
    return False


def _in_window(a: datetime | None, b: datetime | None, days: int) -> bool:
    return a is None or b is None or abs((a - b).total_seconds()) <= days * 86400


def same_story(a: StoryDoc, b: StoryDoc, *, rules: StoryRules = DEFAULT_RULES, window_days: int = 14) -> bool:
    """Pair decision used by the evaluation: the verification step of :class:`StoryIndex`."""
    if not _in_window(a.published, b.published, window_days):
        return False
    return decide(features_of(a), features_of(b), rules)


# -- index -----------------------------------------------------------------------------------------------
def _sketch(shingles: Iterable[int], bins: int) -> list[int]:
    """One-permutation MinHash: each hash picks a bin by its top bits and keeps the bin's minimum; empty
    bins borrow from the next non-empty bin to their right, offset by the distance (rotation
    densification, Shrivastava & Li 2014), so both docs of a pair fill them alike."""
    shift = 64 - (bins.bit_length() - 1)
    low = (1 << shift) - 1
    empty = 1 << 32
    mins = [empty] * bins
    for h in shingles:
        x = (h * _MIX) & _MASK64
        i = x >> shift
        v = (x & low) >> (shift - 32)  # the bin's 32 top bits of value
        if v < mins[i]:
            mins[i] = v
    if empty in mins:
        if all(m == empty for m in mins):
            return []
        out = list(mins)
        for i in range(bins):
            if mins[i] == empty:
                d = 1
                while mins[(i + d) % bins] == empty:
                    d += 1
                out[i] = (mins[(i + d) % bins] + d * 0x9E3779B1) & _MASK32
        return out
    return mins


def _splitmix(seed: int) -> Iterator[int]:
    while True:
        seed = (seed + 0x9E3779B97F4A7C15) & _MASK64
        z = seed
        z = ((z ^ (z >> 30)) * _M1) & _MASK64
        z = ((z ^ (z >> 27)) * _M2) & _MASK64
        yield z ^ (z >> 31)


_LEDE_BINS = 16  # 8 bands of two rows: a summary whose lede Jaccard is 0.6 is a candidate with p = 0.97
# Anchor sketch: 20 bands of three rows. A pair with anchor Jaccard 0.45 is a candidate with p = 0.85,
# 0.55 with p = 0.97; two stories sharing a tenth of their anchors with p = 0.02.
_ANCHOR_BANDS = 20
_ANCHOR_ROWS = 3
_RANDOM = list(islice(_splitmix(4), 2 * _ANCHOR_BANDS * _ANCHOR_ROWS))
_ANCHOR_PERMS = tuple((_RANDOM[i] | 1, _RANDOM[i + 1]) for i in range(0, len(_RANDOM), 2))
_MAX_BUCKET = 64  # a fuller bucket takes no more members: its key is too common to mean anything


_ANCHOR_CACHE: dict[int, array[int]] = {}


def _anchor_values(anchor: int) -> array[int]:
    """The anchor's value under each permutation of the anchor sketch (cached: anchors recur)."""
    values = _ANCHOR_CACHE.get(anchor)
    if values is None:
        if len(_ANCHOR_CACHE) >= 50_000:
            _ANCHOR_CACHE.clear()
        values = array("I", [((anchor * a + b) & _MASK64) >> 32 for a, b in _ANCHOR_PERMS])
        _ANCHOR_CACHE[anchor] = values
    return values


def _bands(space: int, sketch: list[int], rows: int = 2) -> list[int]:
    """One bucket key per band of ``rows`` sketch values: (space, band, the rows) packed in an int."""
    keys = []
    for band in range(len(sketch) // rows):
        key = (space << 8) | band
        for value in sketch[band * rows : (band + 1) * rows]:
            key = (key << 32) | value
        keys.append(key)
    return keys


class StoryIndex:
    """Incremental: the nightly run adds the day's articles to an index built from the recent window."""

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_RULES.threshold,
        num_perm: int = 32,
        window_days: int = 14,
        rules: StoryRules | None = None,
    ) -> None:
        if num_perm < 2 or num_perm & (num_perm - 1):
            raise ConfigError(f"num_perm must be a power of two >= 2, not {num_perm}")
        self.rules = rules if rules is not None else replace(DEFAULT_RULES, threshold=threshold)
        self.num_perm = num_perm
        self.window_days = window_days
        self._sigs: dict[int, bytes] = {}
        self._when: dict[int, datetime | None] = {}
        self._parent: dict[int, int] = {}
        self._first: dict[int, tuple[bool, float, int]] = {}  # root -> key of its story's first doc
        self._buckets: dict[int, int | list[int]] = {}
        self.verified = 0  # candidate pairs checked by the rules (for the bench)

    # union-find
    def _find(self, x: int) -> int:
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def _union(self, a: int, b: int) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        if self._first[rb] < self._first[ra]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        del self._first[rb]

    def _keys(self, feats: Features) -> list[int]:
        """LSH bucket keys of a doc: bands of the shingle, lede and anchor sketches, and its title key."""
        rules = self.rules
        keys: list[int] = []
        shingles = feats.shingles | feats.title_shingles
        if len(shingles) >= rules.min_shingles:
            keys += _bands(1, _sketch(shingles, self.num_perm))
        if len(feats.lede) >= rules.min_contained:
            keys += _bands(2, _sketch(feats.lede, _LEDE_BINS))
        if feats.anchors and len(feats.anchors) >= min(rules.min_shared_anchors, rules.cross_min_shared):
            rows = [_anchor_values(x) for x in feats.anchors]
            keys += _bands(3, list(map(min, *rows)) if len(rows) > 1 else list(rows[0]), _ANCHOR_ROWS)
        if feats.title_key:
            keys.append(feats.title_key)  # below 2**64 (space 0): the exact title-key bucket
        return keys

    def signature_of(self, doc: StoryDoc) -> bytes:
        return signature_of(doc)

    def add(self, doc: StoryDoc) -> int:
        """Add ``doc``; returns its story id (the id of the story's first doc).

        Adding an id already in the index changes nothing and returns its story.
        """
        return self.add_signature(doc.id, doc.published, signature_of(doc))

    def add_many(self, docs: Iterable[StoryDoc]) -> dict[int, int]:
        """Add ``docs``; returns doc id -> story id for them, after all are in."""
        ids = []
        for doc in docs:
            self.add(doc)
            ids.append(doc.id)
        return {i: self.story_of(i) for i in ids}

    def add_signature(self, doc_id: int, published: datetime | None, signature: bytes) -> int:
        """Add a doc from its stored signature (rebuilding the index without the text)."""
        if doc_id in self._sigs:
            return self.story_of(doc_id)
        feats = Features.from_bytes(signature)
        self._sigs[doc_id] = signature
        self._when[doc_id] = published
        self._parent[doc_id] = doc_id
        self._first[doc_id] = (published is None, published.timestamp() if published else 0.0, doc_id)
        seen: set[int] = set()
        for key in self._keys(feats):
            bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = doc_id
                continue
            if isinstance(bucket, int):
                members = [bucket]
                self._buckets[key] = [bucket, doc_id]
            else:
                members = list(bucket)
                if len(bucket) < _MAX_BUCKET:
                    bucket.append(doc_id)
                else:
                    continue
            for other in members:
                if other in seen:
                    continue
                seen.add(other)
                if self._find(other) == self._find(doc_id):
                    continue
                if not _in_window(published, self._when[other], self.window_days):
                    continue
                self.verified += 1
                if decide(feats, Features.from_bytes(self._sigs[other]), self.rules):
                    self._union(other, doc_id)
        return self.story_of(doc_id)

    def prune(self, before: datetime) -> int:
        """Forget docs published before ``before`` (undated ones stay); returns how many.

        Forgotten docs can no longer be matched; the docs that stay keep their story and its id.
        """
        old = [i for i, when in self._when.items() if when is not None and when < before]
        gone = set(old)
        for doc_id in old:
            for key in self._keys(Features.from_bytes(self._sigs[doc_id])):
                bucket = self._buckets.get(key)
                if isinstance(bucket, list):
                    rest = [m for m in bucket if m not in gone]
                    if len(rest) > 1:
                        self._buckets[key] = rest
                    elif rest:
                        self._buckets[key] = rest[0]
                    else:
                        del self._buckets[key]
                elif bucket is not None and bucket in gone:
                    del self._buckets[key]
        # The remaining docs keep their story and its id: re-root each story on a remaining member.
        groups: dict[int, list[int]] = {}
        for doc_id in self._sigs:
            groups.setdefault(self._find(doc_id), []).append(doc_id)
        first = self._first
        for doc_id in old:
            del self._sigs[doc_id], self._when[doc_id]
        self._parent = {}
        self._first = {}
        for root, members in groups.items():
            kept = [m for m in members if m not in gone]
            for m in kept:
                self._parent[m] = kept[0]
            if kept:
                self._first[kept[0]] = first[root]
        return len(old)

    def story_of(self, doc_id: int) -> int:
        return self._first[self._find(doc_id)][2]

    def assignments(self) -> dict[int, int]:
        """Doc id -> story id, for every doc in the index."""
        return {doc_id: self.story_of(doc_id) for doc_id in self._sigs}

    def stories(self) -> dict[int, list[int]]:
        """Story id -> its doc ids (ascending), for every doc in the index."""
        out: dict[int, list[int]] = {}
        for doc_id in sorted(self._sigs):
            out.setdefault(self.story_of(doc_id), []).append(doc_id)
        return out

    def __len__(self) -> int:
        return len(self._sigs)
