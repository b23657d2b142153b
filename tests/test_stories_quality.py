"""Quality gate of story grouping: precision and recall of "same story" on labelled pairs.

Two sets:

* ``tests/data/classify/story_pairs.jsonl``: pairs written and labelled by another engineer, without reading
  this code, per tests/data/classify/GUIDELINES.md section 6 (kinds: wire_copy, press_release_rewrite,
  same_item_two_feeds, same_topic_different_story, unrelated; some cross-language). Skipped with a
  message while the file is absent.
* every pair of our own fixtures (tests/data/stories/articles.json), always.
* ``tests/data/stories/xlang_pairs_{tune,heldout}.jsonl``: REAL title + lead pairs across FR/EN/ES, same
  event or hard negative (same organisation or subject, another event), with publication dates (see
  tests/data/stories/README.md). Held out by event hash; rules are tuned on the tune part only.

Each pair is decided twice: by :func:`same_story` (the verification rules alone) and by a fresh
:class:`StoryIndex` holding the two docs (LSH candidates, then the rules), which must agree with it.
Floors live in tests/quality_floors.toml ([stories]); a floor is a measured value rounded down and only
goes up. Run with ``-s`` to see the tables.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mediawatch.classify.grouping import group_jsonl
from mediawatch.classify.stories import (
    DEFAULT_RULES,
    StoryDoc,
    StoryIndex,
    StoryRules,
    features_of,
    same_story,
)

HERE = Path(__file__).parent
PAIRS_FILE = HERE / "data" / "classify" / "story_pairs.jsonl"
FIXTURES = HERE / "data" / "stories" / "articles.json"
FLOORS_FILE = HERE / "quality_floors.toml"
XLANG = {
    split: HERE / "data" / "stories" / f"xlang_pairs_{split}.jsonl"
    for split in ("tune", "heldout", "final", "final2", "final3", "final4")
}
# The first two files split one gathering by event; "final" is a later gathering of other events and families
# (tests/data/stories/README.md), wholly held out and measured once, after the third round's last change, then
# tuned on; "final2", a third gathering of yet other events, was measured once at the end of the fourth, and
# "final3", a fourth gathering, at the end of the fifth; "final4", a fifth, at the end of the sixth.
SPLIT_BY_EVENT = ("tune", "heldout")
POSITIVE_KINDS = ("wire_copy", "press_release_rewrite", "same_item_two_feeds")
NEGATIVE_KINDS = ("same_topic_different_story", "unrelated")


@dataclass
class Pair:
    id: str
    a: StoryDoc
    b: StoryDoc
    same: bool
    kind: str
    cross_language: bool


def _doc(doc_id: int, item: dict[str, Any]) -> StoryDoc:
    return StoryDoc(
        id=doc_id,
        title=str(item.get("title") or ""),
        text=str(item.get("text") or ""),
        language=str(item.get("language") or ""),
        published=None,
        outlet=str(item.get("outlet") or ""),
    )


def load_pairs(path: Path = PAIRS_FILE) -> list[Pair]:
    pairs = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            pairs.append(
                Pair(
                    id=str(row["id"]),
                    a=_doc(1, row["a"]),
                    b=_doc(2, row["b"]),
                    same=bool(row["same_story"]),
                    kind=str(row.get("kind", "")),
                    cross_language=bool(row.get("cross_language", False)),
                )
            )
    return pairs


def fixture_pairs() -> list[Pair]:
    articles = json.loads(FIXTURES.read_text(encoding="utf-8"))
    pairs = []
    for x, y in itertools.combinations(articles, 2):
        pairs.append(
            Pair(
                id=f"{x['key']}|{y['key']}",
                a=_doc(1, x),
                b=_doc(2, y),
                same=x["story"] == y["story"],
                kind="",
                cross_language=x["language"] != y["language"],
            )
        )
    return pairs


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, gold: bool, pred: bool, what: str) -> None:
        if gold and pred:
            self.tp += 1
        elif pred:
            self.fp += 1
            self.errors.append(f"FP {what}")
        elif gold:
            self.fn += 1
            self.errors.append(f"FN {what}")
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


def language_of(pair: Pair) -> str:
    """The pair's language group: "cross", the id's prefix ("fr-p001"), else the guessed language."""
    if pair.cross_language:
        return "cross"
    prefix = pair.id.split("-", 1)[0]
    if prefix in ("en", "fr", "es"):
        return prefix
    return features_of(pair.a).language or features_of(pair.b).language or "unknown"


def measure(pairs: list[Pair], rules: StoryRules = DEFAULT_RULES) -> dict[str, Any]:
    overall, by_kind, by_lang = Tally(), dict[str, Tally](), dict[str, Tally]()
    disagreements = []
    for pair in pairs:
        pred = same_story(pair.a, pair.b, rules=rules)
        index = StoryIndex(rules=rules)
        index.add_many([pair.a, pair.b])
        if (index.story_of(2) == 1) != pred:
            disagreements.append(pair.id)
        cross = ", cross" if pair.cross_language else ""
        what = f"{pair.id} [{pair.kind}{cross}]: {pair.a.title!r} / {pair.b.title!r}"
        overall.add(pair.same, pred, what)
        by_kind.setdefault(pair.kind, Tally()).add(pair.same, pred, what)
        by_lang.setdefault(language_of(pair), Tally()).add(pair.same, pred, what)
    return {"overall": overall, "kind": by_kind, "language": by_lang, "disagreements": disagreements}


def figures(result: dict[str, Any], prefix: str = "") -> dict[str, float]:
    overall: Tally = result["overall"]
    out = {f"{prefix}precision": overall.precision, f"{prefix}recall": overall.recall}
    for kind, tally in result["kind"].items():
        if kind in POSITIVE_KINDS:
            out[f"{prefix}recall_{kind}"] = tally.recall
        elif kind in NEGATIVE_KINDS:
            out[f"{prefix}specificity_{kind}"] = (
                tally.tn / (tally.tn + tally.fp) if tally.tn + tally.fp else 1.0
            )
    for lang, tally in result["language"].items():
        out[f"{prefix}precision_{lang}"] = tally.precision
        out[f"{prefix}recall_{lang}"] = tally.recall
    return out


def render(result: dict[str, Any], title: str) -> str:
    lines = [title, f"{'':32} {'n':>5} {'tp':>4} {'fp':>4} {'fn':>4} {'tn':>4} {'P':>6} {'R':>6}"]

    def row(name: str, t: Tally) -> None:
        lines.append(
            f"{name:32} {t.n:>5} {t.tp:>4} {t.fp:>4} {t.fn:>4} {t.tn:>4} {t.precision:>6.3f} {t.recall:>6.3f}"
        )

    row("all", result["overall"])
    for kind, tally in sorted(result["kind"].items()):
        row(f"kind {kind or '-'}", tally)
    for lang, tally in sorted(result["language"].items()):
        row(f"language {lang}", tally)
    lines.append(f"index disagrees with the pair decision on {len(result['disagreements'])} pairs")
    lines.extend("  " + e for e in result["overall"].errors)
    return "\n".join(lines)


def floors() -> dict[str, float]:
    with FLOORS_FILE.open("rb") as handle:
        return {key: float(value) for key, value in tomllib.load(handle).get("stories", {}).items()}


def check_floors(measured: dict[str, float], prefix: str) -> list[str]:
    flagged = []
    for key, floor in floors().items():
        if not key.startswith(prefix):
            continue
        if key not in measured:
            flagged.append(f"{key}: floor {floor} but nothing measured")
        elif measured[key] < floor:
            flagged.append(f"{key}: {measured[key]:.4f} < floor {floor}")
    return flagged


def test_labelled_pairs() -> None:
    if not PAIRS_FILE.exists():
        pytest.skip(
            f"{PAIRS_FILE.relative_to(HERE.parent)} is not there yet (labelled pairs are written separately)"
        )
    pairs = load_pairs()
    assert len(pairs) >= 100, f"only {len(pairs)} labelled pairs"
    result = measure(pairs)
    print("\n" + render(result, f"story_pairs.jsonl ({len(pairs)} pairs), default rules"))
    assert not result["disagreements"], result["disagreements"]
    measured = figures(result, "pairs_")
    assert measured["pairs_precision"] >= 0.95, result["overall"].errors
    flagged = check_floors(measured, "pairs_")
    assert not flagged, flagged


def test_fixture_pairs() -> None:
    result = measure(fixture_pairs())
    print("\n" + render(result, "tests/data/stories fixtures, all pairs, default rules"))
    assert not result["disagreements"], result["disagreements"]
    flagged = check_floors(figures(result, "fixtures_"), "fixtures_")
    assert not flagged, flagged


def test_fixture_pairs_cross_language_off() -> None:
    rules = StoryRules(cross_language=False)
    result = measure(fixture_pairs(), rules)
    print("\n" + render(result, "tests/data/stories fixtures, all pairs, cross-language off"))
    assert not result["disagreements"], result["disagreements"]
    assert result["overall"].precision == 1.0, result["overall"].errors


def test_floors_are_sane() -> None:
    found = floors()
    assert found, f"no [stories] floors in {FLOORS_FILE}"
    for key, value in found.items():
        assert 0.0 <= value <= 1.0, key
        assert key.startswith(("pairs_", "fixtures_", "xlang_")), key
    assert found.get("pairs_precision", 0.95) >= 0.95, "the target is precision >= 0.95"


# -- real cross-language pairs -----------------------------------------------------------------------------
def _xlang_doc(doc_id: int, item: dict[str, Any]) -> StoryDoc:
    published = datetime.fromisoformat(item["published"]).replace(tzinfo=UTC)
    return StoryDoc(doc_id, item["title"], item["lead"], item["language"], published, item["outlet"])


def load_xlang(split: str) -> list[dict[str, Any]]:
    with XLANG[split].open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def held_out(event: str) -> bool:
    """The split rule, fixed before any tuning: a third of the events, by hash."""
    return int(hashlib.sha256(event.encode("utf-8")).hexdigest()[:8], 16) % 3 == 0


def test_xlang_pairs_are_real_labelled_items_split_by_event() -> None:
    for split in XLANG:
        rows = load_xlang(split)
        events = {row[side]["event"] for row in rows for side in "ab"}
        if split not in SPLIT_BY_EVENT:  # a later gathering: other events than every earlier one's
            order = list(XLANG)
            earlier = order[: order.index(split)]
            seen = {row[side]["event"] for other in earlier for row in load_xlang(other) for side in "ab"}
            assert not events & seen, sorted(events & seen)
        assert len(rows) >= 100, (split, len(rows))
        for row in rows:
            a, b = row["a"], row["b"]
            assert a["language"] != b["language"], row["id"]
            assert {a["language"], b["language"]} <= {"fr", "en", "es"}, row["id"]
            assert row["same_event"] == (a["event"] == b["event"]), row["id"]
            # the split is by event: no item of a held-out event is ever seen in the tuning part
            if split in SPLIT_BY_EVENT:
                assert held_out(a["event"]) == held_out(b["event"]) == (split == "heldout"), row["id"]
            for item in (a, b):
                assert item["url"].startswith(("http://", "https://")), row["id"]
                assert item["lead"], row["id"]
                assert len(item["lead"]) <= 460, row["id"]  # a lead, never a copied text
    positives = sum(r["same_event"] for split in XLANG for r in load_xlang(split))
    assert positives >= 60, positives


def measure_xlang(split: str) -> tuple[Tally, list[str]]:
    """Same event? As stored grouping decides it (StoryIndex, 14-day window), checked against
    :func:`same_story` and against ``stories group --jsonl`` (:func:`group_jsonl`) on every pair."""
    tally, disagreements = Tally(), []
    for row in load_xlang(split):
        a, b = _xlang_doc(1, row["a"]), _xlang_doc(2, row["b"])
        index = StoryIndex()
        index.add_many([a, b])
        pred = index.story_of(2) == index.story_of(1)
        lines = [
            json.dumps({"id": n, "title": d.title, "text": d.text, "language": d.language,
                        "published": d.published.isoformat() if d.published else None})
            for n, d in (("a", a), ("b", b))
        ]  # fmt: skip
        stories = [r["story"] for r in group_jsonl(lines, 14)]
        if pred != same_story(a, b) or pred != (stories[0] == stories[1]):
            disagreements.append(row["id"])
        what = f"{row['id']} ({row['days_apart']} days): {row['a']['url']} / {row['b']['url']}"
        tally.add(row["same_event"], pred, what)
    return tally, disagreements


@pytest.mark.parametrize("split", list(XLANG))
def test_xlang_real_pairs(split: str) -> None:
    tally, disagreements = measure_xlang(split)
    print(
        f"\nxlang_pairs_{split}: {tally.n} pairs, tp {tally.tp} fp {tally.fp} fn {tally.fn} tn {tally.tn},"
        f" precision {tally.precision:.3f} recall {tally.recall:.3f}"
    )
    if split == "tune":  # a held-out pair's text is never printed (it is not to be read while tuning)
        print("\n".join("  " + e for e in tally.errors))
    assert not disagreements, disagreements
    measured = {f"xlang_{split}_precision": tally.precision, f"xlang_{split}_recall": tally.recall}
    flagged = check_floors(measured, f"xlang_{split}_")
    assert not flagged, flagged
    assert tally.precision >= 0.95
