"""The root command group: global options, the command's context, and every noun's commands.

The noun modules define their commands and groups without knowing the root; this module imports them and
adds them here (``cli.add_command``), so the import graph has no cycle: ``main`` -> nouns -> ``context``.
"""

from __future__ import annotations

import click
from click.core import ParameterSource

from mediawatch import __version__
from mediawatch.cli import (
    articles,
    backup,
    blocks,
    bounces,
    classify,
    collect,
    compose,
    extract,
    issues,
    nightly,
    render,
    report,
    send,
    serve,
    sources,
    stories,
    submissions,
    subscribers,
    taxonomy,
    users,
    watches,
    worker,
)
from mediawatch.cli.context import Context, handle_errors
from mediawatch.cli.usage import RootGroup, install
from mediawatch.config import load_settings
from mediawatch.i18n import LANGUAGES, t, ui_language, use_language

install()  # click's own messages (usage errors) speak the user's language: see cli/usage.py


def _ui_lang_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """--lang must be fr, en or es; MEDIAWATCH_LANG and the locale are read leniently (fr_FR -> fr).

    A MEDIAWATCH_LANG naming no interface language (``de``) is not fatal (a cron job still runs, in
    English), but it is an explicit setting, unlike the locale: said once on stderr, not ignored."""
    source = ctx.get_parameter_source(param.name or "lang")
    if value and source is ParameterSource.COMMANDLINE:
        if value.strip().lower() not in LANGUAGES:
            raise click.BadParameter(t("error.unknown_language", ui_language(), value=value))
    if value and value.strip() and source is ParameterSource.ENVIRONMENT:
        code = value.strip().replace("-", "_").split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].lower()
        if code not in LANGUAGES:
            click.echo(t("error.unknown_env_language", "en", value=value), err=True)
    return ui_language(value)


@click.group(
    cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="mediawatch")
@click.option(
    "--db", envvar="MEDIAWATCH_DB", help="Database: a file path or an SQLAlchemy URL [env MEDIAWATCH_DB]."
)
@click.option(
    "--config", "config_path", envvar="MEDIAWATCH_CONFIG", help="TOML config file [env MEDIAWATCH_CONFIG]."
)
@click.option(
    "--feeds",
    "feeds_dir",
    envvar="MEDIAWATCH_FEEDS",  # the older name; MEDIAWATCH_FEEDS_DIR, as every setting, is read by config
    help="Source registry folder [env MEDIAWATCH_FEEDS_DIR; default: feeds].",
)
@click.option(
    "--lang",
    "lang",
    envvar="MEDIAWATCH_LANG",
    metavar="[fr|en|es]",
    callback=_ui_lang_option,
    help="Language of messages and tables, not of --help [env MEDIAWATCH_LANG, else the locale; default en].",
)
@click.pass_context
@handle_errors
def cli(
    ctx: click.Context, db: str | None, config_path: str | None, feeds_dir: str | None, lang: str
) -> None:
    """mediawatch: media watch, press review and newsletter pipeline."""
    use_language(lang)
    ctx.call_on_close(lambda: use_language(None))  # the choice lasts one command (tests run many)
    settings = load_settings(config_path).with_overrides(db=db, feeds_dir=feeds_dir)
    ctx.obj = Context(settings, lang)
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)


def main() -> None:
    cli(prog_name="mediawatch")


for command in (
    sources.sources,
    collect.collect,
    articles.articles,
    classify.classify,
    classify.retrain,
    taxonomy.taxonomy_group,
    stories.stories,
    extract.extract,
    compose.compose,
    compose.translate,
    issues.issues_group,
    users.users_group,
    submissions.submissions_group,
    serve.serve,
    render.render,
    subscribers.subscribers_group,
    send.send,
    bounces.bounces_group,
    report.report,
    nightly.nightly,
    watches.watches_group,
    worker.worker,
    backup.backup,
    backup.restore,
):
    cli.add_command(command)
# blocks are composed content, edited within an issue: `mediawatch issues block ...`
issues.issues_group.add_command(blocks.block)
