"""Click's own messages (a missing option, a value out of range, an unknown option...) in the user's language.

Click words its errors through :mod:`gettext` (``_("Missing option")``, ``ngettext(...)``), each module
holding its own reference to ``gettext.gettext``. :func:`install` points those references at
:func:`gettext_`, which looks the English message up in :data:`CLICK_KEYS` and answers the template of
the catalogue key (``cli.click.*``) in the UI language of the run (:func:`mediawatch.i18n.ui_language`:
``--lang``, ``MEDIAWATCH_LANG``, the locale); a message the table does not know stays click's English.
Click then fills in the fields itself, so our templates use click's field names (a subset of them).

The usage block above a usage error ("Usage: mediawatch users add [OPTIONS] NAME", the ``--help`` hint)
is printed by :class:`LocalisedUsageError`, which :class:`RootGroup` raises in place of click's own:
``--help`` pages, which share click's "Usage:" label, stay click's English like the rest of their text.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import IO, Any

import click
import click.core
import click.exceptions
import click.parser
import click.termui
import click.types

from mediawatch.i18n import LANGUAGES, catalogue, plural_form, t, ui_language, use_language

# click's English message -> our catalogue key. Plural messages (ngettext) map the singular to a key with
# ``.one`` and ``.other`` forms. tests/test_i18n_cli.py checks every message here is in click's source,
# so a click release that rewords one fails a test instead of quietly speaking English.
CLICK_KEYS: Mapping[str, str] = {
    # exceptions.py
    "Invalid value: {message}": "cli.click.invalid_value",
    "Invalid value for {param_hint}: {message}": "cli.click.invalid_value_for",
    "Missing argument": "cli.click.missing_argument",
    "Missing option": "cli.click.missing_option",
    "Missing parameter": "cli.click.missing_parameter",
    "Missing parameter: {param_name}": "cli.click.missing_parameter_named",
    "No such option {name!r}.": "cli.click.no_such_option",
    "No such command {name!r}.": "cli.click.no_such_command",
    "Did you mean {possibility}?": "cli.click.did_you_mean",
    "Error: {message}": "error.prefix",
    # parser.py
    "Option {name!r} does not take a value.": "cli.click.no_value_taken",
    "Option {name!r} requires an argument.": "cli.click.requires_argument",
    "Argument {name!r} takes {nargs} values.": "cli.click.argument_values",
    # core.py
    "Got unexpected extra argument ({args})": "cli.click.extra_arguments",
    "Missing command.": "cli.click.missing_command",
    "Aborted!": "cli.click.aborted",
    # types.py
    "Choose from:\n\t{choices}": "cli.click.choose_from",
    "{value!r} is not {choice}.": "cli.click.not_choice",
    "{value!r} is not a valid {number_type}.": "cli.click.not_a_number",
    "{value} is not in the range {range}.": "cli.click.not_in_range",
    "{name} {filename!r} does not exist.": "cli.click.path_missing",
    "{name} {filename!r} is a file.": "cli.click.path_is_file",
    "{name} {filename!r} is a directory.": "cli.click.path_is_folder",
    "{name} {filename!r} is not readable.": "cli.click.path_not_readable",
    "{name} {filename!r} is not writable.": "cli.click.path_not_writable",
    # termui.py (the password prompt of `users add`)
    "Repeat for confirmation": "cli.click.repeat",
    "Error: The two entered values do not match.": "cli.click.no_match",
    "Error: invalid input": "cli.click.invalid_input",
}
# The plural message of each ngettext pair above, by its singular.
CLICK_PLURALS: Mapping[str, str] = {
    "Did you mean {possibility}?": "(Did you mean one of: {possibilities}?)",
    "Option {name!r} requires an argument.": "Option {name!r} requires {nargs} arguments.",
    "Got unexpected extra argument ({args})": "Got unexpected extra arguments ({args})",
    "{value!r} is not {choice}.": "{value!r} is not one of {choices}.",
}
_PLURAL_KEYS = frozenset(CLICK_KEYS[singular] for singular in CLICK_PLURALS)
_MODULES: Sequence[types.ModuleType] = (click.core, click.exceptions, click.parser, click.termui, click.types)


def _template(key: str, lang: str) -> str | None:
    return catalogue(lang).get(key)


def gettext_(message: str) -> str:
    """``gettext`` for click: our template of ``message`` in the UI language, else ``message``."""
    key = CLICK_KEYS.get(message)
    if key is None or key in _PLURAL_KEYS:
        return message
    return _template(key, ui_language()) or message


def ngettext_(singular: str, plural: str, n: int) -> str:
    """``ngettext`` for click: the form of our template that agrees with ``n`` in the UI language."""
    key = CLICK_KEYS.get(singular)
    if key is None or key not in _PLURAL_KEYS:
        return singular if n == 1 else plural
    lang = ui_language()
    return _template(f"{key}.{plural_form(n, lang)}", lang) or (singular if n == 1 else plural)


def install() -> None:
    """Make click word its messages through :func:`gettext_` (once per process; harmless twice)."""
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = gettext_  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext_  # type: ignore[attr-defined]


class LocalisedUsageError(click.UsageError):
    """A usage error of click's, shown with its usage line and ``--help`` hint in the user's language."""

    def __init__(self, original: click.UsageError) -> None:
        super().__init__(original.message, original.ctx)
        # Worded now: click shows the error after the command's context closed, and with it the
        # command's choice of language (cli.main resets it on close).
        lang = ui_language()
        self.text = original.format_message()
        self.usage: list[str] = []
        ctx = original.ctx
        if ctx is not None:
            pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
            self.usage.append(t("cli.usage.line", lang, usage=f"{ctx.command_path} {pieces}".rstrip()))
            if ctx.command.get_help_option(ctx) is not None:
                option = max(ctx.command.get_help_option_names(ctx), key=len)
                self.usage.append(t("cli.usage.help", lang, command=ctx.command_path, option=option))
            self.usage.append("")
        self.lines = [*self.usage, t("error.prefix", lang, message=self.text)]

    def format_message(self) -> str:
        return self.text

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.lines:
            click.echo(line, file=file, err=file is None)


def _lang_before_command(group: click.Group, args: Sequence[str]) -> str | None:
    """The root ``--lang`` among ``args`` before the command name (a command's own ``--lang`` is an
    edition or filter language, not the interface's)."""
    takes_value = {"--db", "--config", "--feeds"}
    words = iter(args)
    for word in words:
        if word in group.commands:
            return None
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang":
            return next(words, None)
        if word in takes_value:
            next(words, None)  # its value, which may look like a command's name
    return None


class RootGroup(click.Group):
    """The root command: click's usage errors leave it as :class:`LocalisedUsageError`, and the interface
    language is known before the root options are parsed (an error there speaks it too)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        early = _lang_before_command(self, args)
        if early is not None and early.strip().lower() in LANGUAGES:
            use_language(early)
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _localised(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _localised(exc) from None


def _localised(exc: click.UsageError) -> click.UsageError:
    return exc if isinstance(exc, LocalisedUsageError) else LocalisedUsageError(exc)
