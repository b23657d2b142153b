"""Plural forms: ``plural("title.stories", 1, "en")`` reads ``title.stories.one``, else ``.other``.

French, English and Spanish need two forms each; they differ on zero: French says "0 source importée",
English and Spanish "0 sources", "0 fuentes" (CLDR plural rules). A catalogue gives every plural key as
two entries, ``<key>.one`` and ``<key>.other``, both with a ``{count}`` field.
"""

from __future__ import annotations

from mediawatch.i18n import t, ui_language

__all__ = ["plural", "plural_form"]


def plural_form(count: int, lang: str) -> str:
    """``"one"`` or ``"other"``: the CLDR category of ``count`` in ``lang`` (fr, en, es)."""
    if lang == "fr":
        return "one" if count in (0, 1) else "other"
    return "one" if count == 1 else "other"


def plural(key: str, count: int, lang: str | None = None, /, **fields: object) -> str:
    """The text of ``<key>.one`` or ``<key>.other`` for ``count``, formatted with ``count`` and ``fields``."""
    code = lang or ui_language()
    name = f"{key}.{plural_form(count, code)}"
    return t(name, code, count=count, **fields)
