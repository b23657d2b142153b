"""Cached, glossary-protected, never-blocking translation of a batch of texts.

``translate_cached`` is what composing calls.  It never raises for a provider failure: the text keeps
its original wording and its result carries ``error`` (the issue records a warning, and a later
``mediawatch translate --retry`` asks again, since failures are never cached).  A cache hit never calls
the provider, so nothing is paid for twice.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mediawatch.errors import TranslateError
from mediawatch.translate.glossary import Glossary, Protected, default_glossary
from mediawatch.translate.provider import NoTranslator, Translator

DEFAULT_BATCH_SIZE = 20
_SPACES = re.compile(r"\s+")


class TranslationCache(Protocol):
    """Machine translations by (source language, target language, :func:`text_key`)."""

    def get(self, source_lang: str, target_lang: str, text_hash: str) -> str | None: ...

    def put(self, source_lang: str, target_lang: str, text_hash: str, translation: str) -> None: ...


class MemoryCache:
    """A :class:`TranslationCache` in a dict (tests, one-off runs)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], str] = {}

    def get(self, source_lang: str, target_lang: str, text_hash: str) -> str | None:
        return self.entries.get((source_lang, target_lang, text_hash))

    def put(self, source_lang: str, target_lang: str, text_hash: str, translation: str) -> None:
        self.entries[(source_lang, target_lang, text_hash)] = translation


@dataclass(frozen=True, slots=True)
class TranslationResult:
    """One text in the target language, or its original wording when ``machine`` is False.

    ``machine``: made by a provider (now or from the cache); composing marks it until an editor
    changes it.  ``error``: why the original was kept (provider failure), for the issue's warnings.
    """

    text: str
    machine: bool
    cached: bool
    error: str | None = None


def normalise_text(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalise_lang(code: str) -> str:
    return code.strip().lower().replace("_", "-")


def text_key(text: str, source: str, target: str) -> str:
    """Provider-independent cache key: SHA-256 of the languages and the normalised text."""
    payload = "\x1f".join((normalise_lang(source), normalise_lang(target), normalise_text(text)))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def translate_cached(
    texts: Sequence[str],
    source: str,
    target: str,
    translator: Translator,
    cache: TranslationCache,
    *,
    glossary: Glossary | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[TranslationResult]:
    """Translate ``texts`` from ``source`` to ``target``; one result per text, in order; never raises
    :class:`TranslateError`.

    Same-language, empty and "none"-provider texts come back untouched (``machine=False``).  Misses are
    deduplicated, protected by the glossary and sent in batches of ``batch_size``; after a provider
    failure the remaining batches are not sent (a slow provider costs one timeout, not one per batch).
    """
    src, dst = normalise_lang(source), normalise_lang(target)
    results: list[TranslationResult | None] = [None] * len(texts)
    pending: dict[str, list[int]] = {}  # text_key -> positions waiting for it
    for position, text in enumerate(texts):
        if src == dst or not text.strip() or isinstance(translator, NoTranslator):
            results[position] = TranslationResult(text, machine=False, cached=False)
            continue
        key = text_key(text, src, dst)
        hit = cache.get(src, dst, key)
        if hit is not None:
            results[position] = TranslationResult(hit, machine=True, cached=True)
        else:
            pending.setdefault(key, []).append(position)

    words = glossary if glossary is not None else default_glossary()
    keys = list(pending)
    failure: str | None = None
    for start in range(0, len(keys), max(1, batch_size)):
        batch = keys[start : start + max(1, batch_size)]
        if failure is not None:
            _fail(results, texts, pending, batch, f"not sent after an earlier failure: {failure}")
            continue
        protected: list[Protected] = [words.protect(texts[pending[key][0]], dst) for key in batch]
        try:
            answers = translator.translate([p.text for p in protected], src, dst)
            if len(answers) != len(batch):
                raise TranslateError(f"provider returned {len(answers)} texts for {len(batch)}")
        except TranslateError as exc:
            failure = str(exc)
            _fail(results, texts, pending, batch, failure)
            continue
        for key, answer, shield in zip(batch, answers, protected, strict=True):
            try:
                translation = words.restore(answer, shield)
            except TranslateError as exc:
                _fail(results, texts, pending, [key], str(exc))
                continue
            cache.put(src, dst, key, translation)
            for position in pending[key]:
                results[position] = TranslationResult(translation, machine=True, cached=False)
    return [result for result in results if result is not None]


def _fail(
    results: list[TranslationResult | None],
    texts: Sequence[str],
    pending: dict[str, list[int]],
    keys: Sequence[str],
    error: str,
) -> None:
    for key in keys:
        for position in pending[key]:
            results[position] = TranslationResult(texts[position], machine=False, cached=False, error=error)
