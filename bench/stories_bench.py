"""Story grouping benchmark: ``python -m bench.stories_bench`` (see docs/stories.md).

Generates N synthetic-but-realistic articles and groups them with :class:`StoryIndex`, for N = 10,000 and
100,000 by default, each size in a child process of its own (so its peak memory is its own), then prints
the time, its split (signatures / index), the ratio 100k / 10k (near-linear means ~10) and peak memory.

The articles are made at run time from real text: the pages of ``../shared/corpus`` (trafilatura eval and
Readability test pages, EN/FR/ES and more) go through trafilatura, are split into sentences, and each
synthetic article draws 8-16 sentences from the pool with a quarter of their words replaced by words drawn
from the pool's vocabulary (so unrelated articles share words and phrases, as real ones do, without being
copies of each other). 15 % of the articles are planted near-duplicates of another article, two to five
per group, published within two days: wire copies (cut tail, changed words, new headline, agency prefix),
feed copies (same title, first sentence only) and rewrites (sentences reordered, 15 % of words changed).
Dates spread over 90 days, so the 14-day window matters. Nothing from the corpus is written anywhere but
a cache of the sentence pool in the system's temporary directory.

The figures inform; the command fails only when the harness breaks. Planted-pair precision and recall are
printed as a sanity check of the synthetic set, not as a quality measure (tests/test_stories_quality.py
measures quality on labelled pairs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mediawatch.classify.stories import StoryDoc, StoryIndex, signature_of

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PER_DAY = 2000  # articles a day: 10,000 is five days of news, 100,000 fifty
CACHE = Path(tempfile.gettempdir()) / "mediawatch-stories-bench-pool.json"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[«\"“A-ZÀ-Ý¿¡])")


def _log(message: str) -> None:
    print(f"[stories-bench] {message}", file=sys.stderr, flush=True)


def sentence_pool() -> list[str]:
    """Sentences of 8-45 words from the corpus pages, extracted with trafilatura (cached)."""
    if CACHE.exists():
        pool: list[str] = json.loads(CACHE.read_text(encoding="utf-8"))
        return pool
    import trafilatura

    pages = sorted((CORPUS / "trafilatura_eval_en_fr_es" / "html").glob("*.gz"))
    pages += sorted((CORPUS / "readability_test_pages").glob("*/source.html*"))
    if not pages:
        raise SystemExit(f"corpus not found under {CORPUS}")
    _log(f"extracting {len(pages)} corpus pages with trafilatura (cached in {CACHE})")
    seen: set[str] = set()
    pool = []
    for page in pages:
        raw = gzip.decompress(page.read_bytes()) if page.suffix == ".gz" else page.read_bytes()
        text = trafilatura.extract(raw.decode("utf-8", "replace")) or ""
        for paragraph in text.splitlines():
            for sentence in _SENTENCE.split(paragraph):
                if 8 <= len(sentence.split()) <= 45 and sentence not in seen:
                    seen.add(sentence)
                    pool.append(sentence)
    CACHE.write_text(json.dumps(pool, ensure_ascii=False), encoding="utf-8")
    return pool


class Generator:
    def __init__(self, pool: list[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.pool = pool
        self.vocab = [w for s in pool for w in s.split()]

    def mutate(self, sentence: str, rate: float) -> str:
        words = sentence.split()
        for i in range(len(words)):
            if self.rng.random() < rate:
                words[i] = self.rng.choice(self.vocab)
        return " ".join(words)

    def article(self) -> tuple[str, list[str]]:
        title = " ".join(self.mutate(self.rng.choice(self.pool), 0.25).split()[: self.rng.randint(6, 12)])
        return title, [self.mutate(self.rng.choice(self.pool), 0.25) for _ in range(self.rng.randint(8, 16))]

    def variant(self, title: str, sentences: list[str]) -> tuple[str, list[str], str]:
        kind = self.rng.choices(["wire", "feed", "rewrite"], weights=[6, 2, 2])[0]
        if kind == "feed":
            return title, sentences[:1], kind
        if kind == "wire":
            keep = sentences[: max(3, len(sentences) - self.rng.randint(0, 5))]
            keep = [self.mutate(s, 0.03) for s in keep]
            keep[0] = (
                self.rng.choice(["PARIS (AFP) - ", "MADRID (EFE). - ", "LONDON (Reuters) - ", ""]) + keep[0]
            )
            new_title = self.mutate(title, 0.5) if self.rng.random() < 0.7 else title
            return new_title, keep, kind
        head = sentences[:6]
        self.rng.shuffle(head)
        return self.mutate(title, 0.6), [self.mutate(s, 0.15) for s in head + sentences[6:]], kind


def generate(
    n: int, pool: list[str], per_day: int = PER_DAY, seed: int = 4
) -> tuple[list[StoryDoc], list[int]]:
    """``n`` docs published at ``per_day`` a day and, per doc, the planted group it belongs to (its own id
    when it was not planted)."""
    gen = Generator(pool, seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    minutes = max(1, round(n / per_day * 24 * 60))
    docs: list[StoryDoc] = []
    group: list[int] = []
    while len(docs) < n:
        title, sentences = gen.article()
        when = start + timedelta(minutes=gen.rng.randrange(minutes))
        base = len(docs) + 1
        docs.append(StoryDoc(base, title, " ".join(sentences), "", when, f"outlet{gen.rng.randrange(500)}"))
        group.append(base)
        copies = gen.rng.randint(1, 4) if gen.rng.random() < 0.06 else 0
        for _ in range(min(copies, n - len(docs))):
            v_title, v_sentences, _kind = gen.variant(title, sentences)
            v_when = when + timedelta(minutes=gen.rng.randrange(2 * 24 * 60))
            doc_id = len(docs) + 1
            outlet = f"outlet{gen.rng.randrange(500)}"
            docs.append(StoryDoc(doc_id, v_title, " ".join(v_sentences), "", v_when, outlet))
            group.append(base)
    order = list(range(len(docs)))
    order.sort(key=lambda i: (docs[i].published or start, docs[i].id))  # the nightly runs add in date order
    return [docs[i] for i in order], [group[i] for i in order]


def _pairs(sizes: Counter[Any]) -> int:
    return sum(k * (k - 1) // 2 for k in sizes.values())


def vm(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def child(n: int, nightly: bool, per_day: int = PER_DAY) -> dict[str, Any]:
    pool = sentence_pool()
    t0 = time.perf_counter()
    docs, planted = generate(n, pool, per_day)
    gen_s = time.perf_counter() - t0
    words = sum(len(d.text.split()) for d in docs) / len(docs)
    rss_before = vm("VmRSS")
    t0 = time.perf_counter()
    signatures = [signature_of(d) for d in docs]
    sig_s = time.perf_counter() - t0
    index = StoryIndex()
    story: dict[int, int] = {}
    day = None
    t0 = time.perf_counter()
    for doc, sig in zip(docs, signatures, strict=True):
        assert doc.published is not None
        if nightly and doc.published.date() != day:
            # the nightly run: keep the window in the index, remember the story of every doc added
            day = doc.published.date()
            story.update(index.assignments())
            index.prune(doc.published - timedelta(days=index.window_days + 1))
        index.add_signature(doc.id, doc.published, sig)
    story.update(index.assignments())
    index_s = time.perf_counter() - t0
    rss_after = vm("VmRSS")
    truth = dict(zip((d.id for d in docs), planted, strict=True))
    both = Counter((truth[i], story[i]) for i in story)
    true_pairs, found_pairs, common = (
        _pairs(Counter(truth.values())),
        _pairs(Counter(story.values())),
        _pairs(both),
    )
    return {
        "n": n,
        "mode": "nightly" if nightly else "batch",
        "days": round((docs[-1].published - docs[0].published).total_seconds() / 86400, 1)  # type: ignore[operator]
        if docs
        else 0,
        "docs_in_index": len(index),
        "generate_s": round(gen_s, 2),
        "words_per_doc": round(words, 1),
        "signature_s": round(sig_s, 2),
        "index_s": round(index_s, 2),
        "total_s": round(sig_s + index_s, 2),
        "verified_pairs": index.verified,
        "stories": len(set(story.values())),
        "signature_bytes": sum(len(s) for s in signatures),
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "peak_rss_mb": round(vm("VmHWM") / 2**20, 1),
        "planted_pairs": true_pairs,
        "planted_precision": round(common / found_pairs, 4) if found_pairs else 1.0,
        "planted_recall": round(common / true_pairs, 4) if true_pairs else 1.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--modes", nargs="+", choices=["nightly", "batch"], default=["nightly", "batch"])
    parser.add_argument("--per-day", type=int, default=PER_DAY, help="articles published a day (%(default)s)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.modes == ["nightly"], args.per_day)))
        return 0
    _log(f"{len(sentence_pool())} sentences in the pool")
    results = []
    for mode in args.modes:
        for n in args.sizes:
            _log(f"grouping {n:,} articles ({mode}) in a child process")
            out = subprocess.run(
                [sys.executable, "-m", "bench.stories_bench", "--child", str(n), "--modes", mode]
                + ["--per-day", str(args.per_day)],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(out.stdout))
    print(
        f"{'mode':>8} {'articles':>9} {'days':>5} {'signatures s':>12} {'index s':>8} {'total s':>8} "
        f"{'us/doc':>7} {'verified':>9} {'stories':>8} {'peak RSS MB':>11} {'index MB':>8} "
        f"{'planted P/R':>11}"
    )
    for r in results:
        print(
            f"{r['mode']:>8} {r['n']:>9,} {r['days']:>5.0f} {r['signature_s']:>12.2f} {r['index_s']:>8.2f} "
            f"{r['total_s']:>8.2f} {1e6 * r['total_s'] / r['n']:>7.0f} {r['verified_pairs']:>9,} "
            f"{r['stories']:>8,} {r['peak_rss_mb']:>11.0f} {r['rss_after_mb'] - r['rss_before_mb']:>8.0f} "
            f"{r['planted_precision']:>6.3f}/{r['planted_recall']:.3f}"
        )
    for mode in args.modes:
        runs = [r for r in results if r["mode"] == mode]
        if len(runs) >= 2:
            a, b = runs[0], runs[-1]
            print(
                f"{mode}: time ratio {b['n']:,} / {a['n']:,} = {b['total_s'] / a['total_s']:.1f} "
                f"(index alone {b['index_s'] / a['index_s']:.1f}; size ratio {b['n'] / a['n']:.0f}: "
                "near-linear means about the same)"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
