"""The error tree: its docstring, its classes and the exit codes the command line gives them agree.

mediawatch/errors.py draws every error class with its parent and exit code; these tests read that drawing
and compare it with the classes, check that no error class is defined anywhere else, and run each class
through the CLI's real error handler.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import mediawatch
from mediawatch import errors
from mediawatch.cli import cli
from mediawatch.cli.context import handle_errors
from mediawatch.i18n import Message
from mediawatch.sources.registry import registry_error

# One line of the drawing: the connector, the class name (optionally "(url)"), the exit code, the comment.
TREE_LINE = re.compile(r"^(?P<lead>[ |+\-]*?)(?P<name>[A-Z]\w+)(?:\(\w+\))?\s+(?P<code>\d)\s{2}\S")

# Exceptions that are no error of mediawatch: private control flow, each said why beside its class.
PRIVATE_CONTROL_FLOW = {
    "mediawatch.collect.workers._OverBudget",  # BaseException inside a worker, never leaves it
    "mediawatch.collect.netguard.AddressRefused",  # must be an OSError for aiohttp's resolver
    "mediawatch.sources.registry._Problem",  # turned into a RegistryError in its module
    "mediawatch.demo.server._Forbidden",  # the demo site's request handler answers 403
    "mediawatch.web.base.FormExpired",  # werkzeug's BadRequest, for Flask's error handler
    "mediawatch.web.base.WrongOrigin",  # a FormExpired whose page names the addresses
    "mediawatch.cli.usage.LocalisedUsageError",  # click's UsageError, shown by click in the user's language
}


def drawn_tree() -> dict[str, tuple[str | None, int]]:
    """``name -> (parent name, exit code)`` as drawn in the docstring of errors.py."""
    doc = errors.__doc__ or ""
    found: dict[str, tuple[str | None, int]] = {}
    stack: list[tuple[int, str]] = []  # (column of the name, name) of the open ancestors
    for line in doc.splitlines():
        match = TREE_LINE.match(line)
        if not match:
            continue
        column = match.start("name")
        while stack and stack[-1][0] >= column:
            stack.pop()
        name = match.group("name")
        assert name not in found, f"{name} is drawn twice"
        found[name] = (stack[-1][1] if stack else None, int(match.group("code")))
        stack.append((column, name))
    return found


def defined_tree() -> dict[str, tuple[str | None, int]]:
    """``name -> (parent name, exit code)`` of the error classes defined in errors.py."""
    found: dict[str, tuple[str | None, int]] = {}
    for name, cls in inspect.getmembers(errors, inspect.isclass):
        if cls.__module__ != errors.__name__ or not issubclass(cls, errors.MediawatchError):
            continue
        (base,) = cls.__bases__
        parent = None if cls is errors.MediawatchError else base.__name__
        found[name] = (parent, cls.exit_code)
    return found


def test_the_docstring_draws_exactly_the_classes_their_parents_and_exit_codes():
    drawn, defined = drawn_tree(), defined_tree()
    assert len(drawn) >= 25  # the drawing was read (a parser that reads nothing would pass otherwise)
    assert drawn == defined


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def _import_every_module() -> list[str]:
    names = []
    root = Path(mediawatch.__file__).parent
    for info in pkgutil.walk_packages([str(root)], prefix="mediawatch."):
        if info.name.rsplit(".", 1)[-1] == "__main__":  # running them starts a program
            continue
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def test_no_error_class_is_defined_outside_errors_py():
    modules = _import_every_module()
    assert "mediawatch.cli.send" in modules
    assert "mediawatch.deliver.smtp" in modules
    elsewhere = sorted(
        f"{c.__module__}.{c.__qualname__}"
        for c in _all_subclasses(errors.MediawatchError)
        if c.__module__ != errors.__name__
    )
    assert not elsewhere, f"MediawatchError subclasses outside mediawatch/errors.py: {elsewhere}"
    # nor any other exception class, but the private control flow that says why it stays put
    others = set()
    for name in modules:
        for _, cls in inspect.getmembers(importlib.import_module(name), inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == name and name != errors.__name__:
                others.add(f"{name}.{cls.__qualname__}")
    assert others == PRIVATE_CONTROL_FLOW


def test_translation_errors_are_not_key_errors():
    # a `except KeyError` around a lookup must not swallow a missing catalogue key in strict mode
    assert not issubclass(errors.TranslationError, KeyError)
    assert issubclass(errors.TranslationError, errors.MediawatchError)


# -- through the command line's error handler -------------------------------------------------------------
def _instance(cls: type[errors.MediawatchError]) -> errors.MediawatchError:
    """One error of each class, built as the code that raises it does."""
    from mediawatch.types import FetchStatus

    message = Message("error.prefix", message="boom")
    made: dict[type, errors.MediawatchError] = {
        errors.RegistryError: registry_error("feeds/local.toml", message, 3),
        errors.FileAccessError: errors.FileAccessError("out.html", "boom"),
        errors.InvalidInput: errors.InvalidInput(message),
        errors.QueryError: errors.QueryError(message),
        errors.FieldError: errors.FieldError({"title": "empty"}, "boom"),
        errors.UnsafeLink: errors.UnsafeLink("base_url", "http://localhost", message),
        errors.SourceError: errors.SourceError("https://example.org/feed", "boom"),
        errors.FetchError: errors.FetchError("https://example.org/feed", FetchStatus.TIMEOUT, "boom"),
        errors.ParseError: errors.ParseError("https://example.org/feed", FetchStatus.NOT_A_FEED, "boom"),
        errors.Forbidden: errors.Forbidden(message),
        errors.Refused: errors.Refused(message),
        errors.AlreadyComposed: errors.AlreadyComposed(message, 7, "newsletter-2026-12-31"),
        errors.NotSendable: errors.NotSendable("2024-w19", [message]),
        errors.NotYetDue: errors.NotYetDue("boom", datetime(2030, 1, 1, tzinfo=UTC)),
        errors.NothingToCompose: errors.NothingToCompose("boom"),
    }
    return made.get(cls) or cls("boom")


ERROR_CLASSES = sorted(
    (c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.MediawatchError)),
    key=lambda c: c.__name__,
)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_each_error_exits_with_its_class_code_through_the_cli_handler(cls):
    error = _instance(cls)
    assert type(error) is cls

    @click.command()
    @handle_errors
    def fails() -> None:
        raise error

    result = CliRunner().invoke(fails, [])
    assert result.exit_code == cls.exit_code, result.output
    assert isinstance(result.exception, SystemExit)  # a message and a code, never a traceback
    assert "boom" in result.output
    assert "Traceback" not in result.output


def test_the_codes_mean_what_the_readme_says():
    assert errors.MediawatchError.exit_code == 1
    assert errors.ConfigError.exit_code == errors.WorkflowError.exit_code == errors.RenderError.exit_code == 2
    assert errors.LockedError.exit_code == 3
    assert errors.StorageError.exit_code == errors.NothingToCompose.exit_code == 5
    assert errors.DeliveryError.exit_code == errors.ServerUnreachable.exit_code == 1


def test_a_database_that_is_not_one_exits_with_the_storage_code(tmp_path, monkeypatch):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_text("this is not SQLite", encoding="utf-8")
    for command in (["sources", "health"], ["articles", "list"], ["issues", "list"]):
        result = CliRunner().invoke(cli, ["--db", str(bad), "--lang", "en", *command])
        assert result.exit_code == errors.StorageError.exit_code == 5, result.output
        assert "file is not a database" in result.output
        assert isinstance(result.exception, SystemExit)


def test_an_error_with_a_reason_speaks_the_users_language_through_the_handler(tmp_path, monkeypatch):
    # a bad address (InvalidInput, raised deep in deliver/) is said in Spanish with --lang es, exit 2
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("MEDIAWATCH_CONFIG", str(tmp_path / "empty.toml"))
    args = ["subscribers", "add", "not an email", "--language", "fr", "--publication", "newsletter"]
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "db.sqlite3"), "--lang", "es", *args, "--confirmed"]
    )
    assert result.exit_code == errors.InvalidInput.exit_code == 2
    assert "«not an email» no es una dirección de correo" in result.output
    assert "is not an email address" not in result.output


def test_a_file_no_code_path_explained_exits_like_a_file_access_error(tmp_path):
    @click.command()
    @handle_errors
    def fails() -> None:
        (tmp_path / "no-such-folder" / "out.txt").read_text(encoding="utf-8")

    result = CliRunner().invoke(fails, [])
    assert result.exit_code == errors.FileAccessError.exit_code == 2, result.output
    assert str(tmp_path / "no-such-folder" / "out.txt") in result.output
    assert isinstance(result.exception, SystemExit)
