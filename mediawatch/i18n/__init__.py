"""User-facing text in French, English and Spanish.

Every message a person reads (CLI tables and messages today, emails and web pages later) comes from the
catalogues next to this file: ``fr.toml``, ``en.toml`` and ``es.toml``, plus domain catalogues
``<domain>.<lang>.toml`` (``render.fr.toml``, ``web.es.toml``, ...) merged into them. The names of
languages in words, for every stage, are ``languages.<lang>.toml`` (:func:`language_name`). Keys are dotted
(``column.title``, written as TOML tables or dotted keys); values are :meth:`str.format` templates with
named fields (``"{count} sources"``). The three catalogues hold the same keys with the same fields:
``tests/test_i18n.py`` fails otherwise.

    t("sources.added", "fr", source="agro-blog", path="feeds/local.toml")

A key missing from a catalogue falls back to English (and a key missing everywhere shows the key
itself), so a user never gets a crash over a translation. In strict mode (``MEDIAWATCH_I18N_STRICT=1``
or ``mediawatch.i18n.STRICT = True``, meant for tests) the same cases raise
:class:`mediawatch.errors.TranslationError`.

Machine-readable output (``--json``, the ``key=value`` summary lines) is never translated.

Counts pick a plural form with :func:`tn`: the catalogue holds ``<key>.one`` and ``<key>.other``
(CLDR's categories for these three languages), and ``{count}`` is filled in::

    tn("review.cli.users_title", 1, "fr")   # "1 utilisateur"; 0 is "one" in French, "other" in English
"""

from __future__ import annotations

import contextvars
import logging
import os
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from mediawatch.errors import ConfigError, MediawatchError, TranslationError

__all__ = [
    "ARTICLE_LANGUAGES",
    "DEFAULT_LANGUAGE",
    "Counted",
    "Joined",
    "Listed",
    "LANGUAGES",
    "STRICT",
    "Message",
    "catalogue",
    "catalogue_files",
    "catalogue_path",
    "fields_of",
    "language_name",
    "language_names",
    "plural_form",
    "said",
    "t",
    "tn",
    "ui_language",
    "unknown_article_language",
    "use_language",
]

LANGUAGES = ("fr", "en", "es")
DEFAULT_LANGUAGE = "en"
STRICT = False
"""Set to True (or MEDIAWATCH_I18N_STRICT=1) to raise on a missing key or a bad template."""

CATALOGUE_DIR = Path(__file__).resolve().parent

log = logging.getLogger("mediawatch.i18n")


def _strict() -> bool:
    return STRICT or os.environ.get("MEDIAWATCH_I18N_STRICT", "").strip().lower() in {"1", "true", "yes"}


def catalogue_path(lang: str) -> Path:
    return CATALOGUE_DIR / f"{lang}.toml"


def _flatten(table: Mapping[str, Any], prefix: str, path: Path, out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{full}.", path, out)
        elif isinstance(value, str):
            out[full] = value
        else:
            raise ConfigError(f"{path}: key {full!r} must be a string, not {type(value).__name__}")


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read translation catalogue: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed translation catalogue: {exc}") from None


def catalogue_files(lang: str) -> list[Path]:
    """``<lang>.toml`` then every domain catalogue ``<domain>.<lang>.toml`` (email, web, render, ...)."""
    return [catalogue_path(lang), *sorted(CATALOGUE_DIR.glob(f"*.{lang}.toml"))]


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """The flat ``key -> template`` catalogue of ``lang`` (read once, then cached).

    Domain catalogues let each stage keep its own strings; a key defined in two files is an error,
    so one file can never silently override another.
    """
    if lang not in LANGUAGES:
        raise ConfigError(f"no catalogue for language {lang!r} (known: {', '.join(LANGUAGES)})")
    flat: dict[str, str] = {}
    for path in catalogue_files(lang):
        part: dict[str, str] = {}
        _flatten(_read(path), "", path, part)
        clash = sorted(set(part) & set(flat))
        if clash:
            raise ConfigError(f"{path}: key(s) already defined in another catalogue: {', '.join(clash[:5])}")
        flat.update(part)
    return MappingProxyType(flat)


def fields_of(template: str) -> frozenset[str]:
    """The named fields of a :meth:`str.format` template (``"{n} of {total}"`` -> ``{"n", "total"}``)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)


def _language_code(value: str | None) -> str | None:
    """``fr_FR.UTF-8`` -> ``fr``; ``None`` for an empty value."""
    if not value or not value.strip():
        return None
    code = value.strip().replace("-", "_").split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


_CHOSEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("mediawatch_ui_language", default=None)


def use_language(lang: str | None) -> None:
    """Make ``lang`` the UI language of this command or request (the CLI's ``--lang``, a web user's
    preference), so library messages raised deeper down speak it too."""
    _CHOSEN.set(_language_code(lang) if lang else None)


def ui_language(explicit: str | None = None) -> str:
    """The language to talk to the user in.

    ``explicit`` (the ``--lang`` option) > ``MEDIAWATCH_LANG`` > ``LC_ALL`` > ``LC_MESSAGES`` > ``LANG`` >
    English. The first of these that is set decides; a language other than fr/en/es (or the C/POSIX
    locale) means English.
    """
    for value in (
        explicit,
        _CHOSEN.get(),
        os.environ.get("MEDIAWATCH_LANG"),
        os.environ.get("LC_ALL"),
        os.environ.get("LC_MESSAGES"),
        os.environ.get("LANG"),
    ):
        code = _language_code(value)
        if code is not None:
            return code
    return DEFAULT_LANGUAGE


def _format(template: str, key: str, lang: str, fields: Mapping[str, object]) -> str:
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        problem = f"template {key!r} ({lang}) does not format with {sorted(fields)}: {exc!r}"
        if _strict():
            raise TranslationError(problem) from None
        log.warning("%s", problem)
        return template


def t(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The text of ``key`` in ``lang`` (default: :func:`ui_language`), formatted with ``fields``."""
    code = lang if lang in LANGUAGES else ui_language(lang)
    template = catalogue(code).get(key)
    if template is None:
        problem = f"translation key {key!r} is missing from {catalogue_path(code).name}"
        if _strict():
            raise TranslationError(problem)
        log.warning("%s", problem)
        template = catalogue(DEFAULT_LANGUAGE).get(key) if code != DEFAULT_LANGUAGE else None
        if template is None:
            return key
        code = DEFAULT_LANGUAGE
    return _format(template, key, code, fields)


def plural_form(count: int, lang: str) -> str:
    """CLDR plural category of a whole number: French counts 0 and 1 as singular, English and Spanish
    only 1 (Spanish's "many" applies to compact notations like "1 M", which we never print)."""
    n = abs(int(count))
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def tn(key: str, count: int, lang: str | None = None, /, **fields: object) -> str:
    """The text of ``<key>.one`` or ``<key>.other``, whichever agrees with ``count`` (also a field)."""
    code = lang if lang in LANGUAGES else ui_language(lang)
    form = f"{key}.{plural_form(count, code)}"
    return t(form, code, count=count, **fields)


ARTICLE_LANGUAGES = ("fr", "en", "es", "pt", "it", "ca", "de", "nl", "ar", "sw")
"""The languages an article, a source or a search filter may be given (the classifier decides among
them); :func:`language_name` names each in every interface language."""


def unknown_article_language(value: str, lang: str | None = None) -> str | None:
    """Why ``value`` is not one of :data:`ARTICLE_LANGUAGES` (the languages listed by name, in ``lang``),
    or None when it is one."""
    if value.strip().lower() in ARTICLE_LANGUAGES:
        return None
    code = lang if lang in LANGUAGES else ui_language(lang)
    known = ", ".join(f"{language_name(c, code)} ({c})" for c in ARTICLE_LANGUAGES)
    shown = " ".join(value.split())
    shown = shown if len(shown) <= 80 else shown[:79] + "…"
    return t("add.bad_language", code, value=shown, known=known)


_LANGUAGE_TABLE = "language."
"""The table of ``languages.<lang>.toml``: a language's name by its ISO code (``language.en``)."""


def language_name(code: str, lang: str) -> str:
    """A language in words as written inside a sentence in ``lang``: ``en`` -> "anglais" for a French
    reader, "English" for an English one; ``und`` is the unknown language. An unknown code is shown
    upper-case (``xx`` -> "XX"), an empty one as "–".

    The one place that names languages (articles, editions, filters, reports): not the interface
    switcher's endonyms (``web.lang.*``, "Français" for everyone).
    """
    code = (code or "").strip()
    if not code:
        return "–"
    reader = lang if lang in LANGUAGES else ui_language(lang)
    key = _LANGUAGE_TABLE + code.lower()
    return t(key, reader) if key in catalogue(reader) else code.upper()


def number(value: int, lang: str) -> str:
    """``value`` with its digits grouped as ``lang``'s typography writes a number in a sentence: French with
    a narrow no-break space (5\u202f000), English with a comma (5,000), Spanish with a no-break space from
    five digits on (5000, 12\u00a0000, as the RAE advises); a group never breaks across lines."""
    grouped = f"{value:,}"
    if lang == "en":
        return grouped
    if lang == "es" and abs(value) < 10_000:
        return str(value)
    return grouped.replace(",", "\u202f" if lang == "fr" else "\u00a0")


def and_list(words: Sequence[str], lang: str) -> str:
    """Names listed in a sentence as ``lang`` ends a list: "anglais et espagnol", "French, English and
    Spanish". Spanish "y" is "e" before an /i/ sound ("francés e inglés"), not before "hie" ("y hierro").
    Every such list goes through here, so a page, a CLI message and a review reason say one list alike."""
    if len(words) < 2:
        return "".join(words)
    last = words[-1]
    key = "common.list_and"
    if lang == "es" and last.lower().startswith(("i", "hi")) and not last.lower().startswith("hie"):
        key = "common.list_and_i"
    return t(key, lang, first=", ".join(words[:-1]), last=last)


def _in(lang: str, value: object) -> object:
    """A field as the reader reads it: a field that is itself a text not yet in a language (a
    :class:`Message`, :class:`LanguageNames`) is said in ``lang``; anything else as it is."""
    text = getattr(value, "text", None)
    return text(lang) if callable(text) and not isinstance(value, str) else value


class Message:
    """A text a person will read, not yet in a language: a catalogue key and its fields.

    Errors raised deep down carry one (``InvalidInput(Message("deliver.invalid.email_empty"))``) and are
    said later in the reader's language; ``str()`` speaks the current UI language. A field may itself be
    a Message (a problem inside "file, line 3: {problem}"), said in the same language.
    """

    __slots__ = ("fields", "key")

    def __init__(self, key: str, /, **fields: object) -> None:
        self.key = key
        self.fields = MappingProxyType(fields)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **{name: _in(lang, value) for name, value in self.fields.items()})

    def __str__(self) -> str:
        return self.text(ui_language())

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {dict(self.fields)!r})"


class LanguageNames:
    """Languages named in the reader's words when the text is said ("français, anglais"), for a field of
    a :class:`Message` raised before anyone knows who will read it. ``with_codes`` adds each code after
    its name ("français (fr)") where the person must type a code (an option, a setting, a CSV cell)."""

    __slots__ = ("codes", "with_codes")

    def __init__(self, codes: Iterable[str], *, with_codes: bool = False) -> None:
        self.codes = tuple(codes)
        self.with_codes = with_codes

    def text(self, lang: str) -> str:
        if self.with_codes:  # a choice to type ("one of: …"), where "and" would say the wrong thing
            return ", ".join(f"{language_name(code, lang)} ({code})" for code in self.codes)
        return and_list([language_name(code, lang) for code in self.codes], lang)

    def __str__(self) -> str:
        return self.text(ui_language())


class Counted:
    """A count in words said in the reader's language (``tn(key, count)``: "1 editor decision"), for a
    field of a :class:`Message`."""

    __slots__ = ("count", "fields", "key")

    def __init__(self, key: str, count: int, /, **fields: object) -> None:
        self.key, self.count, self.fields = key, count, MappingProxyType(fields)

    def text(self, lang: str) -> str:
        return tn(
            self.key, self.count, lang, **{name: _in(lang, value) for name, value in self.fields.items()}
        )

    def __str__(self) -> str:
        return self.text(ui_language())


class Joined:
    """Texts not yet in a language, said one after the other with ``separator`` (a list of problems
    "a; b"), for a field of a :class:`Message`. Without one, the language's own (French puts a space
    before the semicolon)."""

    __slots__ = ("parts", "separator")

    def __init__(self, parts: Iterable[object], separator: str | None = None) -> None:
        self.parts, self.separator = tuple(parts), separator

    def text(self, lang: str) -> str:
        separator = self.separator if self.separator is not None else t("common.list_separator", lang)
        return separator.join(str(_in(lang, part)) for part in self.parts)

    def __str__(self) -> str:
        return self.text(ui_language())


class Listed:
    """Names listed in a sentence as the reader's language ends a list (:func:`and_list`: "a, b et c"),
    for a field of a :class:`Message` raised before anyone knows who will read it."""

    __slots__ = ("names",)

    def __init__(self, names: Iterable[object]) -> None:
        self.names = tuple(names)

    def text(self, lang: str) -> str:
        return and_list([str(_in(lang, name)) for name in self.names], lang)

    def __str__(self) -> str:
        return self.text(ui_language())


def language_names(*codes: str, with_codes: bool = False) -> LanguageNames:
    """``language_names("fr", "en")``: a field that names these languages in the reader's language."""
    return LanguageNames(codes, with_codes=with_codes)


E = TypeVar("E", bound=MediawatchError)


def said(kind: type[E], key: str, /, **fields: object) -> E:
    """An error of ``kind`` whose message is said in the reader's language (catalogue ``key``); its
    ``str()`` is the English text (logs), :meth:`~mediawatch.errors.MediawatchError.translated` any other.

    For the error classes built from one message string (ConfigError, WorkflowError, RenderError, ...)."""
    reason = Message(key, **fields)
    error = kind(reason.text(DEFAULT_LANGUAGE))
    error.reason = reason
    return error
