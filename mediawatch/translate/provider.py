"""Translation providers behind one protocol, built on deep-translator.

``make_translator(name, url=, api_key=, timeout=)`` returns a :class:`Translator`.  Whatever goes wrong
(deep-translator's exceptions, requests' timeouts and connection errors, HTTP 429/5xx, answers that are
not JSON or lack the translation, empty answers) comes out as one :class:`TranslateError` whose message
names the provider and the cause, never the API key.

deep-translator calls ``requests`` without a timeout, so each request runs in a daemon thread that the
caller waits for at most ``timeout`` seconds (bounded to [MIN_TIMEOUT, MAX_TIMEOUT]); a provider that
never answers leaves that thread blocked on its socket, but the caller goes on.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import requests
from deep_translator import (  # type: ignore[import-untyped]
    DeeplTranslator,
    GoogleTranslator,
    LibreTranslator,
    MyMemoryTranslator,
)
from deep_translator import exceptions as dt_errors

from mediawatch.errors import ConfigError, TranslateError

PROVIDERS = ("none", "libretranslate", "google", "deepl", "mymemory")
MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 60.0

# deep-translator's ServerException carries only a name such as "ERR_TOO_MANY_REQUESTS".
_STATUS_OF = {message: status for status, message in dt_errors.ServerException.errors.items()}
# MyMemory wants regional codes.
_MYMEMORY_CODES = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES", "pt": "pt-PT", "de": "de-DE", "it": "it-IT"}

T = TypeVar("T")


class Translator(Protocol):
    """Translates a batch of texts; raises :class:`TranslateError`, nothing else."""

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]: ...


class NoTranslator:
    """The "none" provider: texts stay as written (composing shows a language badge instead)."""

    name = "none"

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        return list(texts)


def _call_with_deadline(function: Callable[[], T], timeout: float) -> T:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="mediawatch-translate", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def _cause(exc: BaseException, timeout: float) -> str:
    """A short, key-free description of why a provider call failed."""
    if isinstance(exc, TimeoutError | requests.Timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect ({type(exc).__name__})"
    if isinstance(exc, dt_errors.TooManyRequests):
        return "HTTP 429 (rate limited)"
    if isinstance(exc, dt_errors.ServerException):
        message = str(exc.args[0]) if exc.args else ""
        status = _STATUS_OF.get(message)
        if status == 429:
            return "HTTP 429 (rate limited)"
        return f"HTTP {status} ({message})" if status else f"server error ({message})"
    if isinstance(exc, dt_errors.AuthorizationException):
        return "the API key was refused (HTTP 403)"
    if isinstance(exc, dt_errors.TranslationNotFound):
        return "empty answer"
    if isinstance(exc, dt_errors.RequestError):
        return f"request failed ({exc})"
    if isinstance(exc, ValueError):  # requests' JSONDecodeError among them
        return "malformed answer (not JSON)"
    if isinstance(exc, KeyError | TypeError | IndexError | AttributeError):
        return f"malformed answer ({type(exc).__name__}: {exc})"
    if isinstance(exc, requests.RequestException | dt_errors.BaseError):
        return f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    return f"unexpected {type(exc).__name__}: {exc}"


class DeepTranslator:
    """A deep-translator class used one text at a time, each request bounded by ``timeout``."""

    def __init__(
        self,
        name: str,
        factory: Callable[[str, str], Any],
        *,
        timeout: float,
        where: str = "",
        codes: Callable[[str], str] = lambda code: code,
    ) -> None:
        self.name = name
        self._factory = factory
        self._timeout = timeout
        self._where = where
        self._codes = codes

    def _error(self, cause: str) -> TranslateError:
        where = f" at {self._where!r}" if self._where else ""
        return TranslateError(f"cannot translate with {self.name}{where}: {cause}")

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        try:
            engine = self._factory(self._codes(source), self._codes(target))
        except (dt_errors.BaseError, ValueError) as exc:
            detail = " ".join(str(exc).split())[:200]
            raise self._error(f"{source}->{target} not supported: {detail}") from exc
        results: list[str] = []
        for text in texts:
            if not text.strip():
                results.append(text)
                continue
            try:
                answer = _call_with_deadline(functools.partial(engine.translate, text), self._timeout)
            except Exception as exc:
                raise self._error(_cause(exc, self._timeout)) from exc
            if not isinstance(answer, str):
                raise self._error(f"malformed answer (expected text, got {type(answer).__name__})")
            if not answer.strip():
                raise self._error("empty answer")
            results.append(answer)
        return results


def _bounded(timeout: float) -> float:
    if not timeout > 0:  # also refuses NaN
        raise ConfigError(f"translation timeout must be a positive number of seconds, got {timeout!r}")
    return min(max(timeout, MIN_TIMEOUT), MAX_TIMEOUT)


def make_translator(name: str, *, url: str = "", api_key: str = "", timeout: float = 10.0) -> Translator:
    """The provider called ``name`` (one of :data:`PROVIDERS`); ``ConfigError`` when it cannot be set up.

    ``url`` is the LibreTranslate server (required for "libretranslate", e.g. a self-hosted instance);
    ``api_key`` is required by DeepL (keys ending in ":fx" use the free API) and optional elsewhere.
    """
    provider = name.strip().lower()
    seconds = _bounded(timeout)
    if provider == "none":
        return NoTranslator()
    if provider == "libretranslate":
        if not url.strip():
            raise ConfigError("translation provider libretranslate needs a url (translate.url)")
        base = url.strip().rstrip("/") + "/"
        # deep-translator refuses an empty key; a LibreTranslate without API keys ignores this one.
        key = api_key or "none"
        return DeepTranslator(
            "libretranslate",
            lambda s, t: LibreTranslator(source=s, target=t, api_key=key, custom_url=base),
            timeout=seconds,
            where=base,
        )
    if provider == "google":
        return DeepTranslator("google", lambda s, t: GoogleTranslator(source=s, target=t), timeout=seconds)
    if provider == "deepl":
        if not api_key:
            raise ConfigError("translation provider deepl needs an API key (translate.api_key)")
        free = api_key.endswith(":fx")
        return DeepTranslator(
            "deepl",
            lambda s, t: DeeplTranslator(source=s, target=t, api_key=api_key, use_free_api=free),
            timeout=seconds,
        )
    if provider == "mymemory":
        return DeepTranslator(
            "mymemory",
            lambda s, t: MyMemoryTranslator(source=s, target=t, **({"email": api_key} if api_key else {})),
            timeout=seconds,
            codes=lambda code: _MYMEMORY_CODES.get(code, code),
        )
    raise ConfigError(f"unknown translation provider {name!r}; expected one of {', '.join(PROVIDERS)}")
