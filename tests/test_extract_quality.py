"""Extraction quality gate on third-party pages in ../shared/corpus (read in place, never copied).

Three measures, each for our ``extract_page`` and for plain ``trafilatura.extract`` with its defaults,
computed in the same run:

1. readability_test_pages: word 4-gram ("shingle") overlap with the text of Readability's expected output;
   per page precision and recall (multiset overlap over our shingles / over the gold's), averaged over
   the pages of a group, F1 of the two averages. Groups by the page's declared language.
2. trafilatura_eval_en_fr_es: per document, each 'with' snippet found in the text is a true positive,
   missing a false negative; each 'without' snippet found a false positive, absent a true negative;
   counts pooled per language, then precision, recall, F1 and accuracy.
3. Metadata on readability_test_pages: title, byline, published date and language against
   expected-metadata.json where it has a value.

Ours must not be worse than trafilatura's defaults, and not below the floors pinned in
tests/quality_floors.toml ([extraction]); floors are only ever raised. Run with ``-s`` to see the tables.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import trafilatura
from trafilatura.settings import Document

from mediawatch.collect.extract import extract_page, normalise_language
from mediawatch.types import Extracted

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FLOORS_FILE = Path(__file__).parent / "quality_floors.toml"
GROUPS = ("en", "fr", "es", "other", "all")
# Ours must match trafilatura's defaults group by group too. No tolerance: both runs are deterministic,
# and our only departure from the defaults (comments left out) cannot lose text the gold wants.
GROUP_TOLERANCE = 0.0


def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(
            f"third-party corpus folder {name} is absent (looked in {CORPUS}); it lives outside the "
            "repository, in ../shared/corpus, and is never copied into it"
        )
    return path


def _floors() -> dict[str, float]:
    with FLOORS_FILE.open("rb") as handle:
        return {key: float(value) for key, value in tomllib.load(handle)["extraction"].items()}


def _check_floors(measured: dict[str, float], *prefixes: str) -> list[str]:
    """Floors named with one of ``prefixes`` that ``measured`` falls below (each must have a measure)."""
    failures = []
    for key, floor in _floors().items():
        if not key.startswith(prefixes):
            continue
        assert key in measured, f"floor {key} in {FLOORS_FILE.name} measures nothing"
        if measured[key] < floor - 1e-9:
            failures.append(f"{key}: {measured[key]:.4f} < floor {floor:.3f}")
    return failures


@pytest.fixture(autouse=True, scope="module")
def _quiet_trafilatura() -> Iterator[None]:
    # trafilatura logs a warning per page it discards; hundreds of them would bury the report
    logger = logging.getLogger("trafilatura")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


# -- 1. readability_test_pages: shingle F1 -------------------------------------------------------------

_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return Counter(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def shingle_pr(candidate: str, gold: str) -> tuple[float, float]:
    """Precision and recall of ``candidate``'s word 4-grams against ``gold``'s (multisets)."""
    ours, theirs = shingles(candidate), shingles(gold)
    overlap = sum((ours & theirs).values())
    n_ours, n_gold = sum(ours.values()), sum(theirs.values())
    if not n_ours or not n_gold:
        both_empty = float(n_ours == n_gold)
        return both_empty, both_empty
    return overlap / n_ours, overlap / n_gold


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def language_group(lang: str | None) -> str:
    lang = (lang or "").lower()
    if lang.startswith("en"):
        return "en"
    return lang if lang in ("fr", "es") else "other"


@dataclass(frozen=True)
class ReadabilityCase:
    name: str
    group: str
    gold: str
    meta: dict[str, object]
    ours: Extracted
    baseline_text: str
    baseline_meta: Document


@pytest.fixture(scope="module")
def readability_cases() -> list[ReadabilityCase]:
    root = _corpus("readability_test_pages")
    cases = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        with gzip.open(folder / "source.html.gz", "rt", encoding="utf-8") as handle:
            source = handle.read()
        with gzip.open(folder / "expected.html.gz", "rt", encoding="utf-8") as handle:
            expected = handle.read()
        gold = lxml.html.fromstring(expected).text_content() if expected.strip() else ""
        meta = json.loads((folder / "expected-metadata.json").read_text("utf-8"))
        cases.append(
            ReadabilityCase(
                name=folder.name,
                group=language_group(meta.get("lang")),
                gold=gold,
                meta=meta,
                ours=extract_page(source, ""),
                baseline_text=trafilatura.extract(source) or "",
                baseline_meta=trafilatura.extract_metadata(source),
            )
        )
    assert len(cases) >= 100, f"readability_test_pages holds only {len(cases)} cases"
    return cases


def _shingle_scores(pairs: list[tuple[str, str, str]]) -> dict[str, tuple[int, float, float, float]]:
    """(group, candidate, gold) -> group: (pages, mean precision, mean recall, F1 of the means)."""
    scored = [(group, *shingle_pr(candidate, gold)) for group, candidate, gold in pairs]
    result = {}
    for group in GROUPS:
        chosen = [(p, r) for g, p, r in scored if group in ("all", g)]
        if not chosen:
            continue
        precision = sum(p for p, _ in chosen) / len(chosen)
        recall = sum(r for _, r in chosen) / len(chosen)
        result[group] = (len(chosen), precision, recall, f1(precision, recall))
    return result


def test_readability_pages_text(readability_cases: list[ReadabilityCase]) -> None:
    ours = _shingle_scores([(c.group, c.ours.text, c.gold) for c in readability_cases])
    base = _shingle_scores([(c.group, c.baseline_text, c.gold) for c in readability_cases])
    print("\nreadability_test_pages, word 4-gram overlap with the expected text")
    print(f"{'group':<6} {'pages':>5}   {'ours P / R / F1':<22} {'trafilatura defaults P / R / F1':<22}")
    for group, (n, p, r, f) in ours.items():
        _, bp, br, bf = base[group]
        print(f"{group:<6} {n:>5}   {p:.3f} / {r:.3f} / {f:.3f}    {bp:.3f} / {br:.3f} / {bf:.3f}")

    assert ours["all"][3] >= base["all"][3], "worse than trafilatura's defaults overall"
    for group in ours:
        assert ours[group][3] >= base[group][3] - GROUP_TOLERANCE, (
            f"worse than trafilatura's defaults on {group}"
        )
    measured = {f"readability_f1_{group}": score[3] for group, score in ours.items()}
    measured["readability_precision_all"] = ours["all"][1]
    measured["readability_recall_all"] = ours["all"][2]
    prefixes = ("readability_f1_", "readability_precision_", "readability_recall_")
    assert not _check_floors(measured, *prefixes), _check_floors(measured, *prefixes)


def test_readability_pages_are_not_flagged_partial(readability_cases: list[ReadabilityCase]) -> None:
    """Readable pages with a real article must come back whole: no false paywall or too-short."""
    articles = [c for c in readability_cases if c.meta.get("readerable") and len(c.gold.strip()) >= 500]
    flagged = [f"{c.name}: {c.ours.partial_reason}" for c in articles if c.ours.partial_reason is not None]
    rate = 1 - len(flagged) / len(articles)
    print(
        f"\nreadability_test_pages: {len(articles)} article pages, {len(flagged)} flagged partial {flagged}"
    )
    assert not _check_floors({"readability_whole_rate": rate}, "readability_whole"), flagged


# -- 2. trafilatura_eval_en_fr_es: snippets ------------------------------------------------------------


@dataclass(frozen=True)
class EvalCase:
    url: str
    lang: str
    with_: tuple[str, ...]
    without: tuple[str, ...]
    ours: Extracted
    baseline_text: str


@pytest.fixture(scope="module")
def eval_cases() -> list[EvalCase]:
    root = _corpus("trafilatura_eval_en_fr_es")
    annotations = json.loads((root / "evaldata_en_fr_es.json").read_text("utf-8"))
    cases = []
    for url, entry in annotations.items():
        with gzip.open(root / entry["file"], "rb") as handle:
            html = handle.read()
        cases.append(
            EvalCase(
                url=url,
                lang=entry["lang_guess"],  # a grouping only; never a gold label for language ID
                with_=tuple(entry["with"]),
                without=tuple(entry["without"]),
                ours=extract_page(html, url, ""),
                baseline_text=trafilatura.extract(html, url=url) or "",
            )
        )
    assert len(cases) >= 200, f"trafilatura_eval_en_fr_es holds only {len(cases)} documents"
    return cases


def snippet_scores(rows: list[tuple[str, str, EvalCase]]) -> dict[str, tuple[float, float, float, float]]:
    """(lang, text, case) -> lang: (precision, recall, F1, accuracy) over pooled snippet counts."""
    result = {}
    for lang in ("en", "fr", "es", "all"):
        tp = fn = fp = tn = 0
        for row_lang, text, case in rows:
            if lang not in ("all", row_lang):
                continue
            found = sum(s in text for s in case.with_)
            leaked = sum(s in text for s in case.without)
            tp, fn = tp + found, fn + len(case.with_) - found
            fp, tn = fp + leaked, tn + len(case.without) - leaked
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        result[lang] = (precision, recall, f1(precision, recall), (tp + tn) / (tp + tn + fp + fn))
    return result


def test_trafilatura_eval_snippets(eval_cases: list[EvalCase]) -> None:
    ours = snippet_scores([(c.lang, c.ours.text, c) for c in eval_cases])
    base = snippet_scores([(c.lang, c.baseline_text, c) for c in eval_cases])
    counts = Counter(c.lang for c in eval_cases)
    print("\ntrafilatura_eval_en_fr_es, must-have / must-not-have snippets")
    print(
        f"{'lang':<5} {'docs':>4}   {'ours P / R / F1 / acc':<28} {'trafilatura defaults P / R / F1 / acc'}"
    )
    for lang, (p, r, f, a) in ours.items():
        bp, br, bf, ba = base[lang]
        n = sum(counts.values()) if lang == "all" else counts[lang]
        row = f"{p:.3f} / {r:.3f} / {f:.3f} / {a:.3f}   {bp:.3f} / {br:.3f} / {bf:.3f} / {ba:.3f}"
        print(f"{lang:<5} {n:>4}   {row}")

    for lang in ours:
        tolerance = 0.0 if lang == "all" else GROUP_TOLERANCE
        assert ours[lang][2] >= base[lang][2] - tolerance, f"F1 worse than trafilatura's defaults on {lang}"
        assert ours[lang][3] >= base[lang][3] - tolerance, (
            f"accuracy worse than trafilatura's defaults on {lang}"
        )
    measured: dict[str, float] = {}
    for lang, (p, r, f, a) in ours.items():
        measured |= {
            f"snippet_precision_{lang}": p,
            f"snippet_recall_{lang}": r,
            f"snippet_f1_{lang}": f,
            f"snippet_accuracy_{lang}": a,
        }
    whole = sum(c.ours.partial_reason is None for c in eval_cases) / len(eval_cases)
    print(f"documents returned whole (no partial reason): {whole:.3f}")
    measured["snippet_whole_rate"] = whole
    assert not _check_floors(measured, "snippet_"), _check_floors(measured, "snippet_")


# -- 3. metadata on readability_test_pages ---------------------------------------------------------


def _words(text: object) -> str:
    return " ".join(_WORD.findall(text.casefold())) if isinstance(text, str) else ""


def title_match(ours: str | None, gold: str) -> bool:
    """Equal once case, punctuation and spacing are ignored, or one contains the other (a site suffix)."""
    a, b = _words(ours), _words(gold)
    return bool(a) and (a in b or b in a)


def _byline_words(text: object) -> list[str]:
    return [word for word in _words(text).split() if word not in ("by", "par", "por")]


def byline_match(ours: str | None, gold: str) -> bool:
    """The words of one are all among the other's ("Martin Untersinger" in "Par Martin Untersinger")."""
    a, b = set(_byline_words(ours)), set(_byline_words(gold))
    return bool(a) and bool(b) and (a <= b or b <= a)


def date_match(ours: datetime | None, gold: str) -> bool:
    """Same calendar day, as written in the gold (its local day) or in UTC."""
    if ours is None:
        return False
    stated = datetime.fromisoformat(gold.replace("Z", "+00:00"))
    days = {stated.date()} | ({stated.astimezone(UTC).date()} if stated.tzinfo else set())
    return ours.astimezone(UTC).date() in days


def _baseline_date(day: str | None) -> datetime | None:
    return datetime.strptime(day[:10], "%Y-%m-%d").replace(tzinfo=UTC) if day else None


def test_readability_pages_metadata(readability_cases: list[ReadabilityCase]) -> None:
    def rate(field: str, check: Callable[[Any, str], bool]) -> tuple[int, float, float]:
        with_gold = [c for c in readability_cases if c.meta.get(field)]
        if field == "byline":  # two pages give a dateline as byline ("Last Updated: January 7, 2025")
            with_gold = [c for c in with_gold if "updated" not in str(c.meta[field]).lower()]
        ours = base = 0
        for case in with_gold:
            gold = str(case.meta[field])
            ours_value, base_value = {
                "title": (case.ours.title, case.baseline_meta.title),
                "byline": (case.ours.author, case.baseline_meta.author),
                "publishedTime": (case.ours.date, _baseline_date(case.baseline_meta.date)),
                "lang": (case.ours.language, ""),
            }[field]
            ours += check(ours_value, gold)
            base += check(base_value, gold)
        return len(with_gold), ours / len(with_gold), base / len(with_gold)

    exact = rate("title", lambda a, b: bool(_words(a)) and _words(a) == _words(b))
    results = {
        "metadata_title_exact": exact,
        "metadata_title": rate("title", title_match),
        "metadata_author": rate("byline", byline_match),
        "metadata_author_exact": rate(
            "byline", lambda a, b: bool(_words(a)) and _byline_words(a) == _byline_words(b)
        ),
        "metadata_date": rate("publishedTime", date_match),
        "metadata_language": rate("lang", lambda a, b: bool(a) and a == normalise_language(b)),
    }
    print("\nreadability_test_pages metadata, agreement with expected-metadata.json")
    print(f"{'field':<22} {'pages':>5}  {'ours':>6}  {'trafilatura':>11}")
    for key, (n, ours, base) in results.items():
        shown = "-" if key == "metadata_language" else f"{base:.3f}"  # trafilatura has no declared language
        print(f"{key:<22} {n:>5}  {ours:.3f}  {shown:>11}")
    for key, (_, ours, base) in results.items():
        if key != "metadata_language":
            assert ours >= base, f"{key}: worse than trafilatura's own metadata"
    measured = {key: ours for key, (_, ours, _) in results.items()}
    assert not _check_floors(measured, "metadata_"), _check_floors(measured, "metadata_")


def test_floors_are_sane() -> None:
    floors = _floors()
    assert floors, f"no [extraction] floors in {FLOORS_FILE}"
    for key, value in floors.items():
        assert not math.isnan(value), key
        assert 0.0 <= value <= 1.0, key
