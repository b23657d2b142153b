"""Subscribers in and out of CSV files.

Import reads columns ``email``, ``language``, ``publications`` (plus an optional ``fallback``), in any
order, with a comma, semicolon or tab between them (spreadsheets in French locales write semicolons),
UTF-8 with or without BOM. Good rows are imported, each in its own transaction; every other row is
reported with its line number and the reason, in the user's language. Export writes the same columns
(and more), so an export can be imported again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from mediawatch.config import Settings
from mediawatch.deliver.addresses import normalise_email, parse_fallback, parse_language, parse_publications
from mediawatch.deliver.subscribers import Origin, add_confirmed, subscribe, subscriber_row
from mediawatch.errors import ConfigError, DeliveryError, InvalidInput, WorkflowError
from mediawatch.files import ReadProblem
from mediawatch.i18n import Message, said, t
from mediawatch.store.protocols import SubscriberRepository
from mediawatch.store.subscribers import email_key
from mediawatch.types import Publication, Subscriber, SubscriberStatus

REQUIRED = ("email", "language", "publications")
EXPORT_COLUMNS = ("email", "language", "publications", "status", "fallback", "created_at", "confirmed_at")


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    email: str
    reason: str  # already in the user's language
    column: str = ""  # the column at fault, as the file's header names it ("" for the whole row)


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    mailed: int = 0  # confirmation mails sent (--double-opt-in)
    skipped: list[RowProblem] = field(default_factory=list)  # already subscribers: not an error
    bad: list[RowProblem] = field(default_factory=list)


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_rows(stream: TextIO, name: str = "stdin") -> Iterable[tuple[int, dict[str, str], bool]]:
    """(line number, row, has extra cells) for every data row; ConfigError when the header lacks a
    required column."""
    text = stream.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:4096]))
    try:
        header = next(reader)
    except StopIteration:
        raise said(ConfigError, "deliver.import.file.empty", name=name) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        found = ", ".join(names) if any(names) else Message("deliver.import.file.nothing")
        raise said(
            ConfigError, "deliver.import.file.no_columns", name=name, missing=", ".join(missing), found=found
        )
    previous_end = reader.line_num
    for values in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)}
        yield start, row, len(values) > len(names)


def import_csv(
    store: SubscriberRepository,
    settings: Settings,
    source: Path | TextIO,
    lang: str,
    *,
    double_opt_in: bool = False,
    wording_version: str = "",
    actor: str = "",
) -> ImportReport:
    """Import subscribers; without ``double_opt_in`` they are active (consent obtained elsewhere, the
    consent record says so and names the file); with it they are pending and get a confirmation mail."""
    if isinstance(source, Path):
        try:
            stream: TextIO = source.open(encoding="utf-8", newline="")
        except OSError as exc:
            raise said(
                ConfigError,
                "deliver.import.file.unreadable",
                name=str(source),
                reason=ReadProblem(exc, source),
            ) from None
        name = source.name
    else:
        stream, name = source, "stdin"
    origin = Origin(
        method="csv-import",
        form=name,
        wording_version=wording_version,
        detail=f"imported by {actor or 'cli'}",
    )
    report = ImportReport()
    seen: dict[str, int] = {}
    pending: list[Subscriber] = []
    with stream:
        try:
            rows = list(read_rows(stream, name))
        except UnicodeDecodeError as exc:
            raise said(ConfigError, "deliver.import.file.not_utf8", name=name, byte=exc.start) from None
    for line, row, extra in rows:
        raw_email = row.get("email", "")
        column = ""
        try:
            if extra:
                raise InvalidInput(Message("deliver.import.extra_columns"))
            column = "email"
            address = normalise_email(raw_email)
            column = "language"
            language = parse_language(row.get("language", ""))
            column = "publications"
            parse_publications(row.get("publications", ""))
            column = "fallback"
            parse_fallback(row.get("fallback", ""), language)
        except InvalidInput as exc:
            report.bad.append(RowProblem(line, raw_email, exc.translated(lang), column))
            continue
        key = email_key(address)
        if key in seen:
            report.bad.append(
                RowProblem(line, raw_email, t("deliver.import.duplicate", lang, line=seen[key]))
            )
            continue
        seen[key] = line
        if store.find_subscriber(address) is not None:
            report.skipped.append(RowProblem(line, raw_email, t("deliver.import.known", lang)))
            continue
        suppressed = store.suppression(address)
        if suppressed is not None:
            report.bad.append(RowProblem(line, raw_email, t("deliver.import.suppressed", lang)))
            continue
        try:
            if double_opt_in:
                result = subscribe(
                    store,
                    email=address,
                    language=row["language"],
                    publications=row["publications"],
                    origin=origin,
                    fallback=row.get("fallback", ""),
                )
                if result.subscriber is not None and result.mail == "confirm":
                    pending.append(result.subscriber)
            else:
                add_confirmed(
                    store,
                    email=address,
                    language=row["language"],
                    publications=row["publications"],
                    origin=origin,
                    fallback=row.get("fallback", ""),
                )
        except InvalidInput as exc:
            report.bad.append(RowProblem(line, raw_email, exc.translated(lang)))
            continue
        except WorkflowError:
            report.skipped.append(RowProblem(line, raw_email, t("deliver.import.known", lang)))
            continue
        report.imported += 1
    if pending:
        report.mailed = _mail_confirmations(store, settings, pending)
    return report


def _mail_confirmations(store: SubscriberRepository, settings: Settings, pending: list[Subscriber]) -> int:
    from mediawatch.deliver.optin import OptinMailer

    sent = 0
    with OptinMailer(store, settings) as mailer:
        for subscriber in pending:
            try:
                mailer.send(subscriber)
            except DeliveryError:
                continue
            sent += 1
    return sent


def export_csv(
    store: SubscriberRepository,
    out: TextIO,
    *,
    status: SubscriberStatus | None = None,
    publication: Publication | None = None,
) -> int:
    """Write subscribers as CSV (streamed); the number written."""
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    count = 0
    for subscriber in store.iter_subscribers(status=status, publication=publication):
        writer.writerow(subscriber_row(subscriber))
        count += 1
    return count
