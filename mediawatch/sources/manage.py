"""Registry operations the CLI needs beyond reading: importing OPML into TOML files."""

from __future__ import annotations

from pathlib import Path

from mediawatch.collect.urls import url_identity
from mediawatch.errors import RegistryError
from mediawatch.sources.opml import import_opml
from mediawatch.sources.registry import add_source, load_registry


def import_opml_file(directory: str | Path, opml_path: str | Path, filename: str) -> tuple[int, list[str]]:
    """Add the OPML's sources to ``filename``; sources whose id or URL is known are skipped and named."""
    path = Path(opml_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError(str(path), f"cannot read: {exc.strerror}") from None
    incoming = import_opml(data, str(path))
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
    return added, skipped
