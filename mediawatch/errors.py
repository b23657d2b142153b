"""The one error tree of mediawatch, each class with the exit code the command line gives it.

    MediawatchError                  1  something failed; the same command may work later
     +-- ConfigError                 2  bad configuration or user input (message names what was wrong)
     |    +-- RegistryError          2  a source registry file (TOML/OPML) is malformed: file, line, problem
     |    +-- FileAccessError        2  a file or folder the user named cannot be written: path and reason
     |    +-- InvalidInput           2  bad input (an address, a language, a CSV row), said in any language
     |    +-- UnsafeLink             2  a link a mail would carry is not a public URL: the setting to fix
     |    +-- QueryError             2  a search the query syntax does not allow: what, in any language
     |    +-- FieldError             2  fields of a form or command that are invalid: each one and why
     +-- SourceError(url)            1  something about one remote source or page
     |    +-- FetchError             1  transport/HTTP failure; carries a FetchStatus
     |    +-- ParseError             1  the document is not a usable feed
     +-- ExtractError                1  article extraction failed
     +-- TranslateError              1  translation provider failure
     +-- TranslationError            1  strict mode (tests): a catalogue key is missing or does not format
     +-- WaitTimedOut                1  a wait ran out before the work was done: the work goes on without it
     +-- BrokerUnavailable           5  the broker (Redis) of the distributed mode does not answer: its URL
     +-- NothingToCollect            5  the source registry has no enabled source: what to do about it
     +-- StorageError                5  database unavailable, locked or inconsistent: nothing could be done
     |    +-- LockedError            3  another run holds the lock (collection, or a send of the same issue)
     |    +-- ConflictError          5  a conditional write found its rows gone or changed: nothing changed
     +-- RenderError                 2  an edition breaks a rendering check (size, alt text, ...): the reason
     +-- WorkflowError               2  an operation not allowed in the current state
     |    +-- AccessError            2  the user may not do this (role, four-eyes rule, bad login)
     |    |    +-- Forbidden         2  the same, with a reason to show in the reader's language
     |    +-- Refused                2  not allowed now, with a reason to show in the reader's language
     |    |    +-- AlreadyComposed  2  the period already has its issue: which one (compose makes no twin)
     |    +-- InvalidLink            2  a subscriber's link is forged, damaged, expired or outdated
     |    +-- NotSendable            2  review does not allow this issue to be sent: the reasons
     |    +-- NotYetDue              2  a scheduled issue whose time has not come
     |    +-- NothingToCompose       5  no story left to compose an issue from: no issue is created
     +-- DeliveryError               1  sending failed; the outbox keeps what is left for the next run
          +-- SmtpUnavailable        1  the SMTP server cannot be reached, or the connection broke
          |    +-- EndNotSent        1  it broke before the end of a message: the server has none of it
          +-- SenderRefused          1  the server refuses our envelope sender (or wants authentication)
          +-- ServerUnreachable      1  the SMTP server stayed unreachable: the run stopped

The exit code is ``exit_code``, a class attribute: the CLI's error handler exits with it, so a command
never picks a number for an error. Exit code 4 belongs to no class: it says that part of a batch failed
(some sources, some rows of an import) while the rest was done.

A failing source is turned into data (a recorded status on the source) by the collector; only unexpected
exceptions propagate. Errors whose text a person reads in their own language carry a ``reason`` (a
catalogue key and its fields, see :class:`Explanation`); :meth:`MediawatchError.translated` says them in
any language. This module imports nothing of mediawatch at run time: every other module may import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from mediawatch.types import FetchStatus, Subscriber


class Explanation(Protocol):
    """A text a person reads, not yet in a language: :class:`mediawatch.i18n.Message`, or the review's
    ``Reason``. ``str()`` of it speaks the current UI language."""

    @property
    def key(self) -> str: ...

    def text(self, lang: str) -> str: ...


class MediawatchError(Exception):
    """Base of every error mediawatch raises on purpose."""

    exit_code: ClassVar[int] = 1
    reason: Explanation | None = None  # set by errors whose text is said in the reader's language

    def translated(self, lang: str) -> str:
        """The message in ``lang`` when the error carries a reason, else its own (English) text."""
        return self.reason.text(lang) if self.reason is not None else str(self)


class ConfigError(MediawatchError):
    """Configuration or user input is invalid."""

    exit_code = 2


class RegistryError(ConfigError):
    """A registry file is malformed: ``problem`` says what, ``reason`` the same after the file and line
    ("feeds/local.toml, line 3: …"), both in any language; ``str()`` is the English text.

    Built by ``mediawatch.sources.registry.registry_error``, which words the location."""

    def __init__(self, path: str, problem: Explanation, line: int | None, reason: Explanation) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.reason = reason
        super().__init__(reason.text("en"))


class FileAccessError(ConfigError):
    """A file or folder the user named cannot be written (or read): the message names the path and why."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


class InvalidInput(ConfigError):
    """Bad input (web forms, CSV lines, command options) whose reason says why in any language.

    ``str()`` is the English text, like every other error; :meth:`translated` speaks the reader's.
    """

    def __init__(self, why: Explanation) -> None:
        self.reason = why
        self.key = why.key
        super().__init__(why.text("en"))


class UnsafeLink(ConfigError):
    """A link we would put in a mail is not an absolute public URL (or a one-click link is not https).

    ``reason`` says it in any language; ``str()`` is the English text."""

    def __init__(self, setting: str, url: str, why: Explanation) -> None:
        self.setting = setting
        self.url = url
        self.reason = why
        self.key = why.key
        super().__init__(why.text("en"))


class QueryError(ConfigError):
    """A search the watch's query syntax does not allow (an open quote, only exclusions, too long).

    ``reason`` says what in any language (the web page shows it beside the search box); ``str()`` is the
    English text."""

    def __init__(self, why: Explanation) -> None:
        self.reason = why
        self.key = why.key
        super().__init__(why.text("en"))


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


class TranslationError(MediawatchError):
    """Strict mode only (tests): a key is missing from a catalogue or its template does not format."""


class WaitTimedOut(MediawatchError):
    """`collect --wait --timeout` ran out before the workers closed the run; the run goes on (raised with
    ``mediawatch.i18n.said``, which gives it its ``reason`` in any language)."""


class BrokerUnavailable(MediawatchError):
    """The broker of the distributed mode (``broker_url``) cannot be reached: nothing was enqueued.

    Not a :class:`StorageError`: the database still works, so the nightly's other stages go on."""

    exit_code = 5


class NothingToCollect(MediawatchError):
    """The registry has no enabled source, so a collection can do nothing (``collect`` and ``nightly``
    agree: exit 5, as for an unusable database); raised with ``mediawatch.i18n.said``."""

    exit_code = 5


class StorageError(MediawatchError):
    """The database is unavailable, locked or inconsistent."""

    exit_code = 5


class LockedError(StorageError):
    """Another run holds the lock."""

    exit_code = 3


class ConflictError(StorageError):
    """A conditional write found its rows gone or in another state than the caller saw: nothing changed."""


class RenderError(MediawatchError):
    """An edition cannot be rendered, or breaks a check an email must pass; the message says which."""

    exit_code = 2


class WorkflowError(MediawatchError):
    """The requested operation is not allowed in the current state."""

    exit_code = 2


class AccessError(WorkflowError):
    """The user may not do this: wrong role, the four-eyes rule, a bad login."""


class Forbidden(AccessError):
    """This user may not do this (role, four-eyes rule, bad login); ``reason`` says why.

    ``str()`` speaks the current UI language (:func:`mediawatch.i18n.use_language`).
    """

    reason: Explanation

    def __init__(self, why: Explanation) -> None:
        self.reason = why
        super().__init__(why.key)

    def __str__(self) -> str:
        return str(self.reason)


class Refused(WorkflowError):
    """An operation the workflow does not allow now; ``reason`` says why (translatable).

    ``str()`` speaks the current UI language (:func:`mediawatch.i18n.use_language`).
    """

    reason: Explanation

    def __init__(self, why: Explanation) -> None:
        self.reason = why
        super().__init__(why.key)

    def __str__(self) -> str:
        return str(self.reason)


class AlreadyComposed(Refused):
    """The publication already has an issue for exactly this period, so compose makes none (unless asked
    for another); ``reason`` names that issue in any language, ``issue_id`` and ``slug`` tell a script."""

    def __init__(self, why: Explanation, issue_id: int, slug: str) -> None:
        self.issue_id = issue_id
        self.slug = slug
        super().__init__(why)


class InvalidLink(WorkflowError):
    """A forged, damaged, expired or outdated subscriber link; ``expired`` tells the last case apart."""

    def __init__(self, message: str, *, expired: bool = False, subscriber: Subscriber | None = None) -> None:
        self.expired = expired
        self.subscriber = subscriber  # whose expired link it is, when they still subscribe
        super().__init__(message)


class NotSendable(WorkflowError):
    """Review does not allow this issue to be sent; ``reasons`` says why, in any language (``str()`` is
    the English text)."""

    def __init__(self, slug: str, reasons: Sequence[Explanation]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(f"issue {slug} cannot be sent: " + "; ".join(r.text("en") for r in self.reasons))


class NotYetDue(WorkflowError):
    """A scheduled issue whose time has not come: `send` refuses it (``--now`` overrides)."""

    def __init__(self, slug: str, when: datetime) -> None:
        self.slug = slug
        self.when = when
        super().__init__(f"issue {slug} is scheduled for {when:%Y-%m-%d %H:%M UTC}; not sent before then")


class NothingToCompose(WorkflowError):
    """A period has no story to compose an issue from (none relevant, or every one already told)."""

    exit_code = 5

    def __init__(self, message: str, already_told: int = 0) -> None:
        self.already_told = already_told
        super().__init__(message)


class DeliveryError(MediawatchError):
    """A message could not be delivered."""


class SmtpUnavailable(DeliveryError):
    """The server could not be reached, or the connection broke before the end of a message."""


class EndNotSent(SmtpUnavailable):
    """The connection broke before the end-of-data dot was written (detected just before it, or the write
    failed): the server never had a whole message, and the caller's "handed over" mark must be undone."""


class SenderRefused(DeliveryError):
    """The server refuses our envelope sender (or demands authentication): no message can go."""


class ServerUnreachable(DeliveryError):
    """The SMTP server stayed unreachable: the run stopped, the remaining messages wait in the outbox."""


class FieldError(ConfigError):
    """What a person typed is invalid: ``problems`` maps each bad field to why (already translated)."""

    def __init__(self, problems: dict[str, str], message: str, reasons: dict[str, str] | None = None) -> None:
        self.problems = dict(problems)
        # Each field's reason alone, when the raiser kept it apart: a form names the field as its label
        # does, a command as its option (see watch.add_fields.relabelled).
        self.reasons = dict(reasons) if reasons is not None else None
        super().__init__(message)
