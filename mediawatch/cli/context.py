"""What every command module shares: the command's :class:`Context`, its language, the error handler.

Each noun module (``sources.py``, ``issues.py``, ``send.py``, ...) imports this module and nothing else of
the CLI; :mod:`mediawatch.cli.main` builds the root group and adds their commands to it, so no module
imports the root and there is no import cycle.

What it prints for people speaks the user's language (``--lang``, ``MEDIAWATCH_LANG``, the locale; see
:mod:`mediawatch.i18n`), click's usage errors included (:mod:`mediawatch.cli.usage`); ``--help`` texts are
click's and stay in English, and machine-readable output (``--json``, ``--jsonl``, the key=value summary
lines) is never translated.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from mediawatch.config import Settings, database_url, parse_timezone
from mediawatch.errors import ConfigError, Explanation, FileAccessError, LockedError, MediawatchError
from mediawatch.i18n import t, ui_language
from mediawatch.store import Store, open_store
from mediawatch.types import MAX_ROW_ID, usable_day

if TYPE_CHECKING:
    from mediawatch.review.workflow import Permission
    from mediawatch.types import User

F = TypeVar("F", bound=Callable[..., Any])

# An error exits with its class's code (``exit_code``, the table in mediawatch/errors.py); these name the
# outcomes that are not an error of one class.
EXIT_OK = 0
EXIT_ERROR = 1  # not finished (messages still queued, a stage or a line failed): the same command goes on
EXIT_USAGE = ConfigError.exit_code  # refused (an address on the suppression list)
EXIT_LOCKED = LockedError.exit_code
EXIT_SOURCES_FAILED = 4  # part of a batch failed (sources, rows of an import); the rest was done


class Context:
    def __init__(self, settings: Settings, lang: str = "en") -> None:
        self.settings = settings
        self.lang = lang  # the language of what is printed for people (fr, en or es)
        self._store: Store | None = None

    @property
    def zone(self) -> ZoneInfo:
        """``nightly_timezone``: whose midnights end a period, so whose days an issue's name counts."""
        return parse_timezone(self.settings.nightly_timezone)

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(database_url(self.settings.db))
        return self._store


class BadLines:
    """The bad input lines of a ``--jsonl`` command (``on_error`` of ``classify.jsonl.read_jsonl``): each
    said on stderr in the user's language, its number and why, as it is found; :meth:`exit_if_any` then
    ends the command with exit 4, a batch partly done, like an import with bad rows."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.count = 0

    def __call__(self, number: int, problem: Explanation) -> None:
        self.count += 1
        line = t("classify.jsonl.bad_line", self.lang, line=number, problem=problem.text(self.lang))
        click.echo(t("error.prefix", self.lang, message=line), err=True)

    def exit_if_any(self) -> None:
        if self.count:
            sys.exit(EXIT_SOURCES_FAILED)


def current_lang() -> str:
    """The UI language of the running command: ``--lang`` once parsed, else the environment."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        obj = ctx.find_object(Context)
        if obj is not None:
            return obj.lang
        lang = ctx.find_root().params.get("lang")
        if isinstance(lang, str):
            return lang
    return ui_language()


def handle_errors(func: F) -> F:
    """Bad input and known failures become a one-line message and the error class's exit code, never a
    traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MediawatchError as exc:
            lang = current_lang()
            click.echo(t("error.prefix", lang, message=exc.translated(lang)), err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:
            # A file the command reads or writes that no code path above turned into a message: say
            # which and why, in the user's language, rather than a traceback.
            if exc.filename is None:
                raise
            from mediawatch.files import os_error_reason

            lang = current_lang()
            reason = os_error_reason(exc, exc.filename, lang)
            message = t("file.cannot_use", lang, path=exc.filename, reason=reason)
            click.echo(t("error.prefix", lang, message=message), err=True)
            sys.exit(FileAccessError.exit_code)  # what it is: a file the user named cannot be used

    return wrapper  # type: ignore[return-value]


RELATIVE_UNITS = {"d": "days", "h": "hours", "w": "weeks"}


def relative_amount(value: str | None) -> tuple[int, str] | None:
    """``(7, "d")`` for a relative '7d' (also 'h', 'w'); None for a date, a datetime or nothing."""
    text = (value or "").strip()
    if text[:-1].isascii() and text[:-1].isdigit() and text[-1:] in RELATIVE_UNITS:
        return int(text[:-1]), text[-1]
    return None


def parse_since(value: str | None, lang: str | None = None, option: str | None = None) -> datetime | None:
    """'2024-05-01', an ISO datetime, or a relative '7d' / '12h'. A refusal names ``option`` (``--since``):
    it is read in the command's body, where click does not know which option the value came from."""
    if not value:
        return None
    text = value.strip()
    message = t("error.not_a_date", lang or current_lang(), value=value)
    refused = click.BadParameter(message, param_hint=option)
    relative = relative_amount(text)
    if relative is not None:
        amount, unit = relative
        try:  # 99999999999d reaches before year 1
            moment = datetime.now(UTC) - timedelta(**{RELATIVE_UNITS[unit]: amount})
        except OverflowError:
            raise refused from None
        if not usable_day(moment):
            raise refused
        return moment
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise refused from None
    if not usable_day(parsed):  # 0001-01-01T00:00+14:00 is no instant in UTC
        raise refused
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# A row id given on the command line (a story, a block): a number past the database's INTEGER names nothing
ROW_ID = click.IntRange(1, MAX_ROW_ID)


def as_option(help: str, *, required: bool = True, dest: str = "actor") -> Callable[[F], F]:
    """``--as NAME``, the one definition every command acting as a user shares, so that each reads
    ``MEDIAWATCH_USER`` the same way (README: "``--as NAME`` (or ``MEDIAWATCH_USER``)"). Not ``required``:
    the command's own default ("" : the system, or the library's message naming the field)."""
    # no default at all when required: click 8.3+ takes an explicit default=None as a value given, and the
    # command then ran with no user instead of saying "Missing option '--as'"
    if required:
        return click.option(
            "--as", dest, envvar="MEDIAWATCH_USER", show_envvar=True, metavar="NAME", required=True, help=help
        )
    return click.option(
        "--as", dest, envvar="MEDIAWATCH_USER", show_envvar=True, metavar="NAME", default="", help=help
    )


def acting(obj: Context, name: str, permission: Permission) -> User:
    """``--as NAME``: a registered, enabled user allowed ``permission``, checked before anything is read or
    written (the name goes in the audit log and counts for the four-eyes rule)."""
    from mediawatch.review.users import acting_user

    return acting_user(obj.store, name, permission)
