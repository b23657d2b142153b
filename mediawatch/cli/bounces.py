"""`mediawatch bounces import`: bounces, complaints and mailed unsubscribe requests."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mediawatch.cli.context import (
    Context,
    handle_errors,
)
from mediawatch.i18n import t, tn


@click.group("bounces")
def bounces_group() -> None:
    """Bounces, complaints and mailed unsubscribe requests."""


@bounces_group.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
@handle_errors
def bounces_import(obj: Context, path: str, as_json: bool) -> None:
    """Read a Maildir folder, an mbox file or an .eml file: suppress hard bounces and complaints for ever.

    Importing the same mailbox again changes nothing (each report is read once).
    """
    from mediawatch.deliver.bounces import import_bounces

    report = import_bounces(obj.store, obj.settings, Path(path))
    if as_json:
        data = {
            "read": report.read,
            "already_seen": report.already_seen,
            "changed": report.changed,
            **report.counts,
        }
        click.echo(json.dumps(data))
        return
    c = report.counts
    click.echo(
        t(
            "deliver.cli.bounces",
            obj.lang,
            read=tn("deliver.count.read", report.read, obj.lang),
            hard=tn("deliver.count.hard", c.get("hard", 0), obj.lang),
            soft=tn("deliver.count.soft", c.get("soft", 0), obj.lang),
            complaints=tn("deliver.count.complaints", c.get("complaint", 0), obj.lang),
            unsubscribes=tn("deliver.count.unsubscribes", c.get("unsubscribe", 0), obj.lang),
            unknown=tn("deliver.count.unknown", c.get("unknown", 0), obj.lang),
            seen=tn("deliver.count.seen", report.already_seen, obj.lang),
            changed=tn("deliver.count.changed", report.changed, obj.lang),
        )
    )
