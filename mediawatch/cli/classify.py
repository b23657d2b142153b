"""`mediawatch classify` and `mediawatch retrain`: language, relevance and the learned model."""

from __future__ import annotations

import json
import sys

import click

from mediawatch.cli.context import BadLines, Context, handle_errors
from mediawatch.i18n import t, tn


@click.command()
@click.option("--all", "everything", is_flag=True, help="Reclassify every article (after a taxonomy change).")
@click.option("--jsonl", is_flag=True, help="Read JSON lines on stdin, write results on stdout; no database.")
@click.pass_obj
@handle_errors
def classify(obj: Context, everything: bool, jsonl: bool) -> None:
    """Language, relevance, themes, regions and objectives of collected articles; then group stories.

    With --jsonl, each input line is {"id", "title", "summary", "text", "url", "feed_language"} (all but id
    optional); each output line has language, language_confidence, relevant, relevance, matched_terms
    (with the learned model's words, concept "model", when it alone judged the article relevant), themes,
    regions, objectives. A bad line gets an error line naming it (and one on stderr saying what is wrong,
    in your language), the rest go on, and the exit code is then 4 (some lines failed).
    """
    from mediawatch.classify.pipeline import classify_jsonl, classify_stored, load_classifier

    classifier = load_classifier(obj.settings)
    if jsonl:
        bad_lines = BadLines(obj.lang)
        for record in classify_jsonl(sys.stdin, classifier, on_error=bad_lines):
            click.echo(json.dumps(record, ensure_ascii=False))
        bad_lines.exit_if_any()
        return
    report = classify_stored(obj.store, classifier, everything=everything)
    click.echo(report.summary_line())
    from mediawatch.classify.grouping import group_stories

    click.echo(group_stories(obj.store, obj.settings).summary_line())


@click.command()
@click.option("--no-labelled", is_flag=True, help="Train on editors' decisions only, not the labelled set.")
@click.pass_obj
@handle_errors
def retrain(obj: Context, no_labelled: bool) -> None:
    """Retrain the learned relevance model from editors' accept/reject decisions and the labelled set.

    The model is blended with the taxonomy score on the next `mediawatch classify` (use --all to rescore).
    `mediawatch nightly` does the same on its own once nightly_retrain_after new decisions exist (20 by
    default; 0 turns that off). Each database has its own model file (beside an SQLite file; keyed to the
    URL for PostgreSQL), unless the model_path setting names one.
    """
    from mediawatch.classify.pipeline import labelled_files
    from mediawatch.classify.pipeline import retrain as run_retrain

    gold = [] if no_labelled else labelled_files()
    report = run_retrain(obj.store, obj.settings, gold)
    decisions = tn("retrain.decisions", report.decisions, obj.lang)
    labelled = tn("retrain.gold", report.gold, obj.lang)
    click.echo(t("retrain.done", obj.lang, decisions=decisions, gold=labelled, path=report.path))
