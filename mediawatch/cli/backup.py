"""`mediawatch backup` and `mediawatch restore`: the whole database to one portable file and back.

The file format and what it leaves out: :mod:`mediawatch.store.backup`. The same pair moves an
installation from SQLite to PostgreSQL (back up with one --db, restore with the other).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click

from mediawatch.cli.context import Context, handle_errors
from mediawatch.config import secret_key_file
from mediawatch.errors import FileAccessError
from mediawatch.files import os_error_reason, replace_file, writing
from mediawatch.i18n import t, tn


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_obj
@handle_errors
def backup(obj: Context, file: str, force: bool) -> None:
    """Write the whole database to FILE ('-' for stdout): one gzip file that `mediawatch restore` reads
    into SQLite or PostgreSQL. Safe while the web app or the nightly runs: it is one consistent moment."""
    from mediawatch.store.backup import BackupSummary, write_backup

    store = obj.store
    if file == "-":
        write_backup(store, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    target = Path(file)
    if target.exists() and not force:
        reason = t("backup.cli.exists", obj.lang)
        raise FileAccessError(file, t("file.cannot_write", obj.lang, path=file, reason=reason))
    done: list[BackupSummary] = []

    def fill(handle: BinaryIO) -> None:
        done.append(write_backup(store, handle))

    with writing(target, obj.lang):
        # written beside, then renamed: a backup killed midway leaves the previous one whole; 0600, since
        # it holds subscribers' addresses and password hashes
        replace_file(target, fill, mode=0o600, durable=True)
    summary = done[0]
    tables = sum(1 for count in summary.rows.values() if count)
    rows = tn("count.backup_rows", summary.total, obj.lang)
    in_tables = tn("count.backup_tables", tables, obj.lang)
    click.echo(t("backup.cli.written", obj.lang, path=file, rows=rows, tables=in_tables))
    _remind_secret(obj)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_obj
@handle_errors
def restore(obj: Context, file: str) -> None:
    """Put a backup FILE ('-' for stdin) into the database, which must be empty (a new SQLite file or a
    new PostgreSQL database): everything or nothing. The search index is rebuilt after."""
    from mediawatch.store.backup import check_backup, restore_backup

    if file == "-":
        summary = restore_backup(obj.store, sys.stdin.buffer)
    else:
        try:
            handle = open(file, "rb")  # noqa: SIM115  (closed below; opened first to say a missing file)
        except OSError as exc:
            reason = os_error_reason(exc, file, obj.lang, reading=True)
            raise FileAccessError(file, t("file.cannot_use", obj.lang, path=file, reason=reason)) from None
        with handle:
            if handle.seekable():  # before obj.store, which makes the new SQLite file (a pipe: as stdin)
                check_backup(handle)
                handle.seek(0)
            summary = restore_backup(obj.store, handle)
    tables = sum(1 for count in summary.rows.values() if count)
    rows = tn("count.backup_rows", summary.total, obj.lang)
    in_tables = tn("count.backup_tables", tables, obj.lang)
    made = summary.created[:16].replace("T", " ")
    click.echo(t("backup.cli.restored", obj.lang, rows=rows, tables=in_tables, created=made))
    _remind_secret(obj, restored=True)


def _remind_secret(obj: Context, restored: bool = False) -> None:
    """Links in mail already sent (unsubscribe, preferences) are signed: they work after a move only with
    the same secret key, which is not in the database, so the backup does not carry it."""
    if obj.settings.secret_key:
        click.echo(t("backup.cli.secret_setting", obj.lang), err=True)
        return
    kept = secret_key_file(obj.settings)
    if restored and kept is not None:
        # A new database has no key file yet, and the first link signed would make one that no mail
        # already sent was signed with: the moment to say where the old one goes is now.
        key = "backup.cli.secret_kept" if kept.exists() else "backup.cli.secret_missing"
        click.echo(t(key, obj.lang, path=str(kept)), err=True)
        return
    if kept is not None and kept.exists():  # none yet: no link was ever signed
        click.echo(t("backup.cli.secret_file", obj.lang, path=str(kept)), err=True)
