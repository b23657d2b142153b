"""Classification benchmark: ``python -m bench.classify_bench`` (part of ``make bench``).

10,000 articles built from the labelled items in tests/data/classify (titles, summaries, and bodies of
about 3 KB made by joining eight texts of the same language), classified on one core in this process:
language alone, then the whole classification (language, relevance, themes, regions, objectives).
Baseline in the same run: langdetect on the same texts, when it is installed (the design card's choice).
The whole classification is measured twice: with the taxonomy alone (``blend_weight = 0``) and blended with
the packaged base model, what a fresh installation runs (issue 15: >= 200 articles/s per core either way).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from pathlib import Path

from mediawatch.classify.language import detect_language, preload
from mediawatch.classify.learned import BASE_MODEL, DEFAULT_BLEND_WEIGHT, Model
from mediawatch.classify.pipeline import Classifier
from mediawatch.classify.taxonomy import load_taxonomy
from mediawatch.types import ClassifyInput

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "classify"
TARGET_PER_S = 500.0
MODEL_TARGET_PER_S = 200.0  # issue 15: end to end, with and without any model


def build_articles(n: int, seed: int = 7) -> list[ClassifyInput]:
    items = [json.loads(line) for name in ("dev.jsonl", "test.jsonl") for line in (GOLD / name).open()]
    by_lang: dict[str, list[str]] = {}
    for item in items:
        if item.get("text"):
            by_lang.setdefault(item["language"], []).append(item["text"])
    rng = random.Random(seed)
    articles = []
    for i, item in zip(range(n), itertools.cycle(items), strict=False):
        pool = by_lang.get(item["language"], [])
        body = " ".join(rng.sample(pool, min(8, len(pool)))) if pool and i % 10 else ""
        articles.append(
            ClassifyInput(
                id=str(i),
                title=item["title"],
                summary=item.get("summary", ""),
                text=body,
                url=item.get("url", ""),
                feed_language=item.get("feed_language", ""),
            )
        )
    return articles


def rate(func: object, articles: list[ClassifyInput]) -> tuple[float, float]:
    """(items per second of CPU, CPU seconds) for calling func on every article."""
    start = time.process_time()
    for a in articles:
        func(a)  # type: ignore[operator]
    cpu = time.process_time() - start
    return len(articles) / cpu, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.classify_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    articles = build_articles(args.articles)
    mean_chars = sum(len(a.title) + len(a.summary) + len(a.text) for a in articles) / len(articles)
    preload()
    classifier = Classifier(load_taxonomy())
    classifier.classify(articles[0])  # compile the matchers outside the measurement
    figures: dict[str, float] = {"articles": len(articles), "mean_chars": mean_chars}
    figures["language_per_s"], _ = rate(
        lambda a: detect_language(a.title, a.summary, a.text, feed_language=a.feed_language), articles
    )
    figures["classify_per_s"], _ = rate(classifier.classify, articles)
    model = Model.load(BASE_MODEL)
    blended = Classifier(load_taxonomy(), model, DEFAULT_BLEND_WEIGHT)
    blended.classify(articles[0])
    figures["classify_model_per_s"], _ = rate(blended.classify, articles)
    figures["model_trained_on"] = model.trained_on
    try:
        from langdetect import DetectorFactory, detect  # type: ignore[import-untyped]

        DetectorFactory.seed = 0
        sample = articles[:2000]
        figures["langdetect_per_s"], _ = rate(
            lambda a: detect(" ".join((a.title, a.summary, a.text[:1000]))), sample
        )
    except ImportError:
        pass
    if args.json:
        print(json.dumps(figures))
        return 0
    verdict = "PASS" if figures["classify_per_s"] >= TARGET_PER_S else "MISS"
    print(f"mediawatch classification benchmark - one core, {len(articles)} articles, {mean_chars:.0f} chars")
    print(f"language alone          {figures['language_per_s']:8.0f} articles/s")
    print(f"whole, no model        {figures['classify_per_s']:8.0f} articles/s   {verdict} (target >= 500/s)")
    model_verdict = "PASS" if figures["classify_model_per_s"] >= MODEL_TARGET_PER_S else "MISS"
    print(
        f"with the learned model  {figures['classify_model_per_s']:8.0f} articles/s   {model_verdict}"
        f" (target >= 200/s; the packaged base model, {figures['model_trained_on']:.0f} labelled items)"
    )
    if "langdetect_per_s" in figures:
        ratio = figures["language_per_s"] / figures["langdetect_per_s"]
        print(f"baseline: langdetect    {figures['langdetect_per_s']:8.0f} articles/s   ours is {ratio:.1f}x")
    else:
        print("baseline: langdetect is not installed (pip install langdetect to measure it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
