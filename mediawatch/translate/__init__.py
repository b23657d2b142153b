"""Translation of titles and summaries into each edition's language.

    provider.py   the ``Translator`` protocol and ``make_translator`` (deep-translator underneath); every
                  provider failure becomes a ``TranslateError`` naming the provider and the cause
    glossary.py   fixed terms ("4 per 1000" / "4 pour 1000" / "4 por 1000") and names (FAO, CIRAD, ...)
                  protected by placeholders while the text is away, restored in the target's form
    cache.py      ``TranslationCache`` (an interface; compose keeps it in the database), ``MemoryCache``
                  and ``translate_cached``, which never raises: a failed text keeps its original wording
                  and carries the error, so composing is never blocked

See docs/translate.md.

Layer: a service of compose and render; imports leaves only. The layers: pyproject.toml [tool.importlinter]
and docs/design.md.
"""

from mediawatch.translate.cache import MemoryCache, TranslationCache, TranslationResult, translate_cached
from mediawatch.translate.glossary import Glossary, default_glossary, load_glossary
from mediawatch.translate.provider import NoTranslator, Translator, make_translator

__all__ = [
    "Glossary",
    "MemoryCache",
    "NoTranslator",
    "TranslationCache",
    "TranslationResult",
    "Translator",
    "default_glossary",
    "load_glossary",
    "make_translator",
    "translate_cached",
]
