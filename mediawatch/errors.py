"""The one error tree of mediawatch.

    MediawatchError
     +-- ConfigError            bad configuration or user input (message names what was wrong)
     |    +-- RegistryError      a source registry file (TOML/OPML) is malformed: file, line, problem
     |    +-- FileAccessError    a file or folder the user named cannot be written: path and reason
     |    +-- FieldError         fields of a form or command that are invalid: each one and why
     +-- SourceError(url)       something about one remote source or page
     |    +-- FetchError         transport/HTTP failure; carries a FetchStatus
     |    +-- ParseError         the document is not a usable feed
     +-- ExtractError           article extraction failed
     +-- TranslateError         translation provider failure
     +-- StorageError           database unavailable, locked or inconsistent
     |    +-- LockedError        another run holds the collection lock
     +-- RenderError            an edition breaks a rendering check (size, alt text, ...): the reason
     +-- WorkflowError          an operation not allowed in the current state
     |    +-- AccessError        the user may not do this (role, four-eyes rule, bad login)
     |    +-- NothingToCompose   no story left to compose an issue from: no issue is created
     +-- DeliveryError          sending failed

A failing source is turned into data (a recorded status on the source) by the
collector; only unexpected exceptions propagate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mediawatch.types import FetchStatus


class MediawatchError(Exception):
    """Base of every error mediawatch raises on purpose."""


class ConfigError(MediawatchError):
    """Configuration or user input is invalid."""


class RegistryError(ConfigError):
    """A registry file is malformed."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {problem}")


class SourceError(MediawatchError):
    """A problem with one remote URL."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        super().__init__(f"{message}: {url!r}")


class FetchError(SourceError):
    """The URL could not be fetched; ``status`` says how it failed."""

    def __init__(
        self,
        url: str,
        status: FetchStatus,
        detail: str,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.detail = detail
        self.http_status = http_status
        self.retry_after = retry_after  # seconds the server asked us to wait (429/503), if any
        super().__init__(url, f"cannot fetch ({status.value}: {detail})")

    def __reduce__(self) -> tuple[object, ...]:  # crosses process boundaries (extraction workers)
        return (type(self), (self.url, self.status, self.detail, self.http_status, self.retry_after))


class ParseError(SourceError):
    """The document could not be parsed as a feed."""

    def __init__(self, url: str, status: FetchStatus, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(url, f"cannot parse feed ({status.value}: {detail})")

    def __reduce__(self) -> tuple[object, ...]:  # feeds are parsed in worker processes
        return (type(self), (self.url, self.status, self.detail))


class ExtractError(MediawatchError):
    """Article text could not be extracted."""


class TranslateError(MediawatchError):
    """The translation provider failed."""


class StorageError(MediawatchError):
    """The database is unavailable, locked or inconsistent."""


class LockedError(StorageError):
    """Another run holds the lock."""


class RenderError(MediawatchError):
    """An edition cannot be rendered, or breaks a check an email must pass; the message says which."""


class WorkflowError(MediawatchError):
    """The requested operation is not allowed in the current state."""


class AccessError(WorkflowError):
    """The user may not do this: wrong role, the four-eyes rule, a bad login."""


class DeliveryError(MediawatchError):
    """A message could not be delivered."""


class FileAccessError(ConfigError):
    """A file or folder the user named cannot be written (or read): the message names the path and why."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


class NothingToCompose(WorkflowError):
    """A period has no story to compose an issue from (none relevant, or every one already told)."""

    def __init__(self, message: str, already_told: int = 0) -> None:
        self.already_told = already_told
        super().__init__(message)


class FieldError(ConfigError):
    """What a person typed is invalid: ``problems`` maps each bad field to why (already translated)."""

    def __init__(self, problems: dict[str, str], message: str) -> None:
        self.problems = dict(problems)
        super().__init__(message)
