"""Measure the topic classifier on the labelled sets in tests/data/classify (``make eval``).

For each set: relevance precision, recall and F1 per language and overall; for the items labelled relevant,
per-theme precision, recall, F1 and accuracy, region accuracy (exact set) and per-region P/R/F1,
objectives P/R/F1. The language given to the classifier is the item's gold ``language`` (the language
detector is measured separately); with ``--detector`` the figures are also computed with
``mediawatch.classify.language`` when it exists.

    python -m mediawatch.classify.evaluate                 # dev and test
    python -m mediawatch.classify.evaluate --set dev --errors   # show what dev gets wrong (for tuning)
    python -m mediawatch.classify.evaluate --json
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediawatch.classify.relevance import TopicResult, classify_topic
from mediawatch.classify.taxonomy import Taxonomy, load_taxonomy
from mediawatch.errors import ConfigError
from mediawatch.types import ClassifyInput, Region, Theme

__all__ = ["GOLD_DIR", "LABELLED_FILES", "GoldItem", "Report", "evaluate", "load_gold", "main", "prf"]

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "classify"
# The labelled files a model may learn from (the base model, `mediawatch retrain`); the held-out measures
# (test.jsonl, real_final12.jsonl to real_final15.jsonl) are never among them.
LABELLED_FILES = (
    "dev.jsonl",
    "dev2.jsonl",
    "real_tune.jsonl",
    "real_heldout.jsonl",
    "real_tune2.jsonl",
    "real_final.jsonl",
    "real_final2.jsonl",
    "real_tune3.jsonl",
    "real_final3.jsonl",
    "real_final4.jsonl",
    "real_final5.jsonl",
    "real_final6.jsonl",
    "real_final7.jsonl",
    "real_final8.jsonl",
    "real_final9.jsonl",
    "real_final10.jsonl",
    "real_final11.jsonl",
)
LANGUAGES = ("en", "fr", "es")

LanguageOf = Callable[[ClassifyInput], str]
Scorer = Callable[[ClassifyInput, str], TopicResult]


@dataclass(frozen=True, slots=True)
class GoldItem:
    input: ClassifyInput
    language: str
    relevant: bool
    themes: frozenset[str]
    regions: frozenset[str]
    objectives: frozenset[str]
    kind: str


def input_from_raw(raw: dict[str, Any]) -> ClassifyInput:
    """The classifier's input from one labelled JSON object (labels are read separately)."""
    return ClassifyInput(
        id=str(raw["id"]),
        title=raw.get("title", ""),
        summary=raw.get("summary", ""),
        text=raw.get("text", ""),
        url=raw.get("url", ""),
        feed_language=raw.get("feed_language", ""),
        source_region=raw.get("source_region", ""),
    )


def load_gold(path: Path) -> list[GoldItem]:
    """Items of a labelled JSON-lines file; raises ConfigError naming the line of a malformed item."""
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                items.append(
                    GoldItem(
                        input=input_from_raw(raw),
                        language=raw["language"],
                        relevant=bool(raw["relevant"]),
                        themes=frozenset(raw.get("themes", ())),
                        regions=frozenset(raw.get("regions", ())),
                        objectives=frozenset(raw.get("objectives", ())),
                        kind=raw.get("kind", ""),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}, line {number}: malformed gold item: {exc}") from None
    return items


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1; an empty denominator counts as a perfect 1.0 (nothing to get wrong)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


@dataclass
class Report:
    name: str
    n: int
    relevance: dict[str, dict[str, float]]  # "all", "en", "fr", "es" -> P/R/F1/accuracy/counts
    themes: dict[str, dict[str, float]]  # theme -> P/R/F1/accuracy, on gold-relevant items
    themes_exact: float  # share of gold-relevant items whose theme set is exactly right
    regions: dict[str, dict[str, float]]  # region -> P/R/F1, on gold-relevant items
    regions_exact: float  # share of gold-relevant items whose region set is exactly right
    objectives: dict[str, float]  # micro P/R/F1 over codes, on gold-relevant items
    uncertain_share: float
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "relevance": self.relevance,
            "themes": self.themes,
            "themes_exact": self.themes_exact,
            "regions": self.regions,
            "regions_exact": self.regions_exact,
            "objectives": self.objectives,
            "uncertain_share": self.uncertain_share,
        }

    def flat(self) -> dict[str, float]:
        """The figures pinned as floors: relevance_{p,r,f1}_{all,en,fr,es}, theme_*, region_*, objectives."""
        out: dict[str, float] = {}
        short = {"precision": "p", "recall": "r", "f1": "f1", "accuracy": "acc"}
        for group, values in self.relevance.items():
            for key, s in short.items():
                out[f"relevance_{s}_{group}"] = values[key]
        for theme, values in self.themes.items():
            out[f"theme_f1_{theme}"] = values["f1"]
            out[f"theme_acc_{theme}"] = values["accuracy"]
        out["theme_acc_mean"] = sum(v["accuracy"] for v in self.themes.values()) / max(len(self.themes), 1)
        out["theme_f1_macro"] = sum(v["f1"] for v in self.themes.values()) / max(len(self.themes), 1)
        out["themes_exact"] = self.themes_exact
        out["regions_exact"] = self.regions_exact
        out["objectives_f1"] = self.objectives["f1"]
        return out

    def render(self) -> str:
        lines = [f"== {self.name}: {self.n} items"]
        lines.append("relevance        P      R      F1     acc    n")
        for group, v in self.relevance.items():
            lines.append(
                f"  {group:<10} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}  "
                f"{v['accuracy']:.3f}  {int(v['n'])}"
            )
        lines.append("themes (gold-relevant items)   P      R      F1     acc")
        for theme, v in self.themes.items():
            lines.append(
                f"  {theme:<26} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}  {v['accuracy']:.3f}"
            )
        lines.append(f"  exact theme set: {self.themes_exact:.3f}")
        lines.append("regions (gold-relevant items)  P      R      F1")
        for region, v in self.regions.items():
            lines.append(f"  {region:<26} {v['precision']:.3f}  {v['recall']:.3f}  {v['f1']:.3f}")
        lines.append(f"  exact region set (accuracy): {self.regions_exact:.3f}")
        o = self.objectives
        lines.append(f"objectives (micro)  P {o['precision']:.3f}  R {o['recall']:.3f}  F1 {o['f1']:.3f}")
        lines.append(f"uncertain: {self.uncertain_share:.1%} of items")
        return "\n".join(lines)


def evaluate(
    items: Sequence[GoldItem],
    taxonomy: Taxonomy | None = None,
    name: str = "set",
    language_of: LanguageOf | None = None,
    scorer: Scorer | None = None,
) -> Report:
    """Classify ``items`` and compare with their labels.

    ``language_of`` gives the language passed to the classifier (default: the gold language);
    ``scorer`` replaces the taxonomy classifier (used to measure a blended model).
    """
    if scorer is None:
        tax = taxonomy or load_taxonomy()

        def scorer(item: ClassifyInput, language: str) -> TopicResult:
            return classify_topic(item, language, tax)

    results = [scorer(g.input, language_of(g.input) if language_of else g.language) for g in items]

    relevance: dict[str, dict[str, float]] = {}
    for group in ("all", *LANGUAGES):
        pairs = [(g, r) for g, r in zip(items, results, strict=True) if group in ("all", g.language)]
        tp = sum(1 for g, r in pairs if g.relevant and r.relevant)
        fp = sum(1 for g, r in pairs if not g.relevant and r.relevant)
        fn = sum(1 for g, r in pairs if g.relevant and not r.relevant)
        values = prf(tp, fp, fn)
        values["accuracy"] = sum(1 for g, r in pairs if g.relevant == r.relevant) / max(len(pairs), 1)
        values["n"] = len(pairs)
        relevance[group] = values

    gold_rel = [(g, r) for g, r in zip(items, results, strict=True) if g.relevant]
    themes = {}
    for theme in Theme:
        t = theme.value
        tp = sum(1 for g, r in gold_rel if t in g.themes and theme in r.themes)
        fp = sum(1 for g, r in gold_rel if t not in g.themes and theme in r.themes)
        fn = sum(1 for g, r in gold_rel if t in g.themes and theme not in r.themes)
        values = prf(tp, fp, fn)
        values["accuracy"] = (len(gold_rel) - fp - fn) / max(len(gold_rel), 1)
        themes[t] = values
    regions = {}
    for region in Region:
        v = region.value
        tp = sum(1 for g, r in gold_rel if v in g.regions and region in r.regions)
        fp = sum(1 for g, r in gold_rel if v not in g.regions and region in r.regions)
        fn = sum(1 for g, r in gold_rel if v in g.regions and region not in r.regions)
        regions[v] = prf(tp, fp, fn)
    tp = sum(len(g.objectives & set(r.objectives)) for g, r in gold_rel)
    fp = sum(len(set(r.objectives) - g.objectives) for g, r in gold_rel)
    fn = sum(len(g.objectives - set(r.objectives)) for g, r in gold_rel)

    errors = []
    for g, r in zip(items, results, strict=True):
        problems = []
        if g.relevant != r.relevant:
            problems.append(f"relevant gold={g.relevant} got={r.relevant} ({r.relevance:.2f})")
        if g.relevant:
            got_t = {t.value for t in r.themes}
            if got_t != g.themes:
                problems.append(f"themes gold={sorted(g.themes)} got={sorted(got_t)}")
            got_r = {x.value for x in r.regions}
            if got_r != g.regions:
                problems.append(f"regions gold={sorted(g.regions)} got={sorted(got_r)}")
            if set(r.objectives) != g.objectives:
                problems.append(f"objectives gold={sorted(g.objectives)} got={sorted(r.objectives)}")
        if problems:
            terms = ", ".join(
                f"{m.term}/{m.field[:2]}{m.weight:+.1f}"
                for m in r.matched_terms
                if not m.concept.startswith(("theme:", "objective:"))
            )
            errors.append(
                f"{g.input.id} [{g.kind}] {g.input.title!r}\n    "
                + "\n    ".join(problems)
                + f"\n    terms: {terms}"
            )

    return Report(
        name=name,
        n=len(items),
        relevance=relevance,
        themes=themes,
        themes_exact=sum(1 for g, r in gold_rel if {t.value for t in r.themes} == g.themes)
        / max(len(gold_rel), 1),
        regions=regions,
        regions_exact=sum(1 for g, r in gold_rel if {x.value for x in r.regions} == g.regions)
        / max(len(gold_rel), 1),
        objectives=prf(tp, fp, fn),
        uncertain_share=sum(1 for r in results if r.uncertain) / max(len(results), 1),
        errors=errors,
    )


def _language_of(detect: Callable[..., Any]) -> LanguageOf:
    def language_of(item: ClassifyInput) -> str:
        guess = detect(
            title=item.title,
            summary=item.summary,
            text=item.text,
            feed_language=item.feed_language,
            page_language=item.page_language,
        )
        return str(getattr(guess, "code", guess))

    return language_of


def _detector() -> LanguageOf | None:
    """The project's language detector (mediawatch.classify.language.detect_language), if present."""
    try:
        module = importlib.import_module("mediawatch.classify.language")
    except ImportError:
        return None
    detect = getattr(module, "detect_language", None)
    return _language_of(detect) if callable(detect) else None


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mediawatch.classify.evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--set", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--gold", type=Path, default=GOLD_DIR, help="folder with dev.jsonl and test.jsonl")
    parser.add_argument("--taxonomy", type=Path, default=os.environ.get("MEDIAWATCH_TAXONOMY") or None)
    parser.add_argument("--errors", action="store_true", help="list the items classified wrongly")
    parser.add_argument(
        "--detector",
        action="store_true",
        help="also classify with the language detector's language instead of the gold one",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)

    try:
        taxonomy = load_taxonomy(args.taxonomy)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    names = ("dev", "test") if args.set == "both" else (args.set,)
    detector = _detector() if args.detector else None
    if args.detector and detector is None:
        print("note: mediawatch.classify.language has no detector yet; gold languages only", file=sys.stderr)
    reports = []
    for name in names:
        path = args.gold / f"{name}.jsonl"
        if not path.is_file():
            print(f"note: {path} is absent, skipped", file=sys.stderr)
            continue
        items = load_gold(path)
        reports.append(evaluate(items, taxonomy, name=f"{name} (gold language)"))
        if detector is not None:
            reports.append(
                evaluate(items, taxonomy, name=f"{name} (detected language)", language_of=detector)
            )
    if args.json:
        print(
            json.dumps(
                {"taxonomy": taxonomy.fingerprint, "reports": [r.as_dict() for r in reports]}, indent=2
            )
        )
        return 0
    print(f"taxonomy {taxonomy.fingerprint} ({taxonomy.directory})")
    for report in reports:
        print(report.render())
        if args.errors:
            print(f"-- {len(report.errors)} items with an error")
            print("\n".join(report.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
