"""Every edition's words for every item: the original, a machine translation, or the original kept
with a language badge when translation is off or failed (and a warning saying so)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from mediawatch.compose.select import Planned
from mediawatch.config import Settings
from mediawatch.store.protocols import TranslationCacheRepository, TranslationStore
from mediawatch.translate import NoTranslator, Translator, make_translator, translate_cached
from mediawatch.translate.cache import TranslationResult
from mediawatch.types import ItemText, TextOrigin

UNKNOWN_LANGUAGES = {"", "und", "unknown"}


class StoreCache:
    """The translation cache kept in the database (table ``translations``)."""

    def __init__(self, store: TranslationCacheRepository, provider: str = "") -> None:
        self.store = store
        self.provider = provider

    def get(self, source_lang: str, target_lang: str, text_hash: str) -> str | None:
        return self.store.cached_translation(source_lang, target_lang, text_hash)

    def put(self, source_lang: str, target_lang: str, text_hash: str, translation: str) -> None:
        self.store.cache_translation(source_lang, target_lang, text_hash, translation, self.provider)


def translator_from(settings: Settings) -> Translator:
    return make_translator(
        settings.translate_provider,
        url=settings.translate_url,
        api_key=settings.translate_api_key,
        timeout=settings.translate_timeout,
    )


@dataclass(frozen=True, slots=True)
class _Source:
    """One item's words waiting for one target language."""

    key: int  # story id when composing, item id when retrying
    title: str
    summary: str


def edition_texts(
    planned: Sequence[Planned],
    editions: Sequence[str],
    translator: Translator,
    cache: StoreCache,
    *,
    provider: str,
) -> tuple[dict[int, list[ItemText]], tuple[str, ...]]:
    """story id -> one ItemText per edition language, and the warnings to record on the issue."""
    texts: dict[int, list[ItemText]] = {p.candidate.story_id: [] for p in planned}
    if isinstance(translator, NoTranslator):
        provider = "none"
    cache.provider = provider
    # (source language, target language) -> items, so each pair is one batched call
    work: dict[tuple[str, str], list[_Source]] = defaultdict(list)
    for p in planned:
        c = p.candidate
        for lang in editions:
            if c.language == lang:
                texts[c.story_id].append(
                    ItemText(lang, c.title, c.summary, TextOrigin.ORIGINAL, source_language=c.language)
                )
            elif c.language in UNKNOWN_LANGUAGES:
                texts[c.story_id].append(
                    ItemText(
                        lang,
                        c.title,
                        c.summary,
                        TextOrigin.UNTRANSLATED,
                        source_language=c.language,
                        error="the article's language is unknown",
                    )
                )
            else:
                work[(c.language, lang)].append(_Source(c.story_id, c.title, c.summary))
    failures: dict[str, tuple[int, str]] = {}  # target language -> (count, first error)
    for (source, target), sources in sorted(work.items()):
        translated = _translate(sources, source, target, translator, cache, provider)
        for item, text in zip(sources, translated, strict=True):
            texts[item.key].append(text)
            if text.error:
                count, first = failures.get(target, (0, text.error))
                failures[target] = (count + 1, first)
    warnings = tuple(
        f"translation into {target} failed for {count} item(s): {error} (run `mediawatch translate --retry`)"
        for target, (count, error) in sorted(failures.items())
    )
    order = {lang: n for n, lang in enumerate(editions)}
    for values in texts.values():
        values.sort(key=lambda x: order[x.language])
    return texts, warnings


def _translate(
    items: Sequence[_Source],
    source: str,
    target: str,
    translator: Translator,
    cache: StoreCache,
    provider: str,
) -> list[ItemText]:
    """One batched, cached call for every title and summary of one language pair."""
    words = [i.title for i in items] + [i.summary for i in items]
    results = translate_cached(words, source, target, translator, cache)
    half = len(items)
    return [
        _item_text(target, source, item, results[n], results[half + n], provider)
        for n, item in enumerate(items)
    ]


def _item_text(
    target: str,
    source: str,
    item: _Source,
    title: TranslationResult,
    summary: TranslationResult,
    provider: str,
) -> ItemText:
    error = title.error or summary.error or ""
    # Title and summary travel together: half a translation would mix two languages in one item.
    if title.machine and (summary.machine or not item.summary.strip()):
        return ItemText(
            target, title.text, summary.text, TextOrigin.MACHINE, source_language=source, provider=provider
        )
    return ItemText(
        target, item.title, item.summary, TextOrigin.UNTRANSLATED, source_language=source, error=error
    )


@dataclass(frozen=True, slots=True)
class RetryReport:
    filled: int
    failed: int
    errors: tuple[str, ...]
    issues: tuple[str, ...]  # slugs touched


def retry_translations(
    store: TranslationStore,
    settings: Settings,
    *,
    issue_id: int | None = None,
    translator: Translator | None = None,
    actor: str = "",
) -> RetryReport:
    """Fill the texts left untranslated (never those an editor wrote), and clear fixed warnings."""
    translator = translator if translator is not None else translator_from(settings)
    provider = "none" if isinstance(translator, NoTranslator) else settings.translate_provider
    cache = StoreCache(store, provider)
    pending = [
        (item_id, text, slug)
        for item_id, article_language, text, slug in store.untranslated_texts(issue_id)
        if text.source_language not in UNKNOWN_LANGUAGES and text.source_language != text.language
    ]
    by_pair: dict[tuple[str, str], list[tuple[int, ItemText, str]]] = defaultdict(list)
    for item_id, text, slug in pending:
        by_pair[(text.source_language, text.language)].append((item_id, text, slug))
    filled = failed = 0
    errors: list[str] = []
    touched: set[str] = set()
    for (source, target), rows in sorted(by_pair.items()):
        sources = [_Source(item_id, text.title, text.summary) for item_id, text, _ in rows]
        translated = _translate(sources, source, target, translator, cache, provider)
        for (item_id, _text, slug), got in zip(rows, translated, strict=True):
            if got.origin is TextOrigin.MACHINE:
                if store.fill_translation(
                    item_id, target, title=got.title, summary=got.summary, provider=provider, actor=actor
                ):
                    filled += 1
                    touched.add(slug)
            else:
                failed += 1
                reason = got.error or f"translation provider is {provider!r}"
                store.mark_translation_failed(item_id, target, reason)
                if reason not in errors:
                    errors.append(reason)
    _refresh_warnings(store, touched)
    return RetryReport(filled, failed, tuple(errors), tuple(sorted(touched)))


def _refresh_warnings(store: TranslationStore, slugs: set[str]) -> None:
    """Drop an issue's translation warnings once none of its texts is missing for that language."""
    for slug in slugs:
        issue = store.find_issue(slug)
        if issue is None:
            continue
        missing = {text.language for _, _, text, _ in store.untranslated_texts(issue.id) if text.error}
        kept = [w for w in issue.warnings if not w.startswith("translation into ") or w.split()[2] in missing]
        if len(kept) != len(issue.warnings):
            store.set_issue_warnings(issue.id, kept)
