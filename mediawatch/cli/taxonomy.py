"""`mediawatch taxonomy check`: is a team's edited taxonomy valid, before a job runs on it?"""

from __future__ import annotations

import click

from mediawatch.cli.context import Context, handle_errors
from mediawatch.i18n import and_list, language_name, t, tn


@click.group("taxonomy")
def taxonomy_group() -> None:
    """The relevance taxonomy the classifier reads (the taxonomy_dir setting, or the packaged one)."""


@taxonomy_group.command("check")
@click.argument("folder", required=False)
@click.pass_obj
@handle_errors
def check(obj: Context, folder: str | None) -> None:
    """Load and validate the four files of FOLDER (default: the taxonomy_dir setting, else the packaged
    taxonomy), as `classify` would: one line saying what it holds, or every mistake found and where
    (exit code 2); a mistake that only follows from another is not said twice.

    Needs no database.
    """
    from pathlib import Path

    from mediawatch.classify.taxonomy import DEFAULT_DIR, load_taxonomy, taxonomy_problems
    from mediawatch.errors import ConfigError
    from mediawatch.i18n import said

    if folder and not Path(folder).is_dir():  # the library's message blames the setting, not what was typed
        raise said(ConfigError, "taxonomy.no_directory_given", path=str(Path(folder)))
    directory = folder or obj.settings.taxonomy_dir or DEFAULT_DIR
    lang = obj.lang
    problems = taxonomy_problems(directory)
    if len(problems) > 1:  # every one, so a team fixes them in one edit; one alone is said as any error
        click.echo(tn("taxonomy.check_problems", len(problems), lang, path=str(directory)), err=True)
        for problem in problems[:-1]:
            click.echo(t("error.prefix", lang, message=problem.translated(lang)), err=True)
        raise problems[-1]
    if problems:
        raise problems[0]
    taxonomy = load_taxonomy(directory)
    languages = and_list([language_name(code, lang) for code in taxonomy.languages], lang)
    click.echo(
        t(
            "taxonomy.check_valid",
            lang,
            path=taxonomy.directory,
            concepts=tn("taxonomy.count_concepts", len(taxonomy.concepts), lang),
            themes=tn("taxonomy.count_themes", len(taxonomy.themes), lang),
            objectives=tn("taxonomy.count_objectives", len(taxonomy.objectives), lang),
            terms=tn("taxonomy.count_terms", len(taxonomy.terms), lang),
            languages=languages,
        )
    )
