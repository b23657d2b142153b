"""Registry operations the CLI needs beyond reading: importing OPML into TOML files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mediawatch.files import ReadProblem
from mediawatch.i18n import Message
from mediawatch.identity import url_identity
from mediawatch.sources.opml import OutlineProblem, read_opml
from mediawatch.sources.registry import add_source, load_registry, registry_error


@dataclass(frozen=True, slots=True)
class OpmlReport:
    added: int
    skipped: list[str]  # "id (url)" of sources already in the registry
    bad: list[OutlineProblem]  # outlines that are not valid sources: line and reason


def import_opml_file(directory: str | Path, opml_path: str | Path, filename: str) -> OpmlReport:
    """Add the OPML's valid sources to ``filename``; sources whose id or URL is known are skipped and named,
    and every outline that is not a valid source is reported with its line and why (the others still go in,
    as with the subscribers' CSV import)."""
    path = Path(opml_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise registry_error(
            str(path), Message("sources.opml.cannot_read", detail=ReadProblem(exc, path))
        ) from None
    found = read_opml(data, str(path))
    incoming = found.sources
    known = load_registry(directory) if Path(directory).exists() else []
    ids = {s.id for s in known}
    urls = {url_identity(s.url) for s in known}
    added = 0
    skipped: list[str] = []
    for source in incoming:
        if source.id in ids or url_identity(source.url) in urls:
            skipped.append(f"{source.id} ({source.url})")
            continue
        add_source(directory, source, filename)
        ids.add(source.id)
        urls.add(url_identity(source.url))
        added += 1
    return OpmlReport(added, skipped, found.problems)
