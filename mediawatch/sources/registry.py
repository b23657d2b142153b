"""The source registry: human-edited TOML files (``feeds/*.toml``), each a list of ``[[source]]`` tables.

Reading uses :mod:`tomllib` (exact line numbers for syntax errors); editing uses :mod:`tomlkit` so that
comments and layout written by people survive ``add_source`` and ``set_enabled``.  Every problem is a
:class:`RegistryError` naming the file, the line of the offending ``[[source]]`` table and the source id.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit
from tomlkit.items import AoT, Table

from mediawatch.errors import Explanation, NothingToCollect, RegistryError
from mediawatch.files import ReadProblem, replace_file
from mediawatch.i18n import Message, said
from mediawatch.i18n.toml_errors import toml_cause
from mediawatch.identity import host_reason
from mediawatch.types import OutletType, Region, Source, SourceKind

FIELDS = (
    "id", "name", "url", "kind", "language", "country", "region", "outlet_type",
    "tags", "enabled", "verified", "homepage", "notes",
)  # fmt: skip
REQUIRED = ("id", "name", "url", "kind", "language")
UNDETERMINED_LANGUAGE = "und"  # BCP 47 "undetermined": used when an import cannot tell the language

_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")  # the store's sources.id is VARCHAR(120)
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_COUNTRY_RE = re.compile(r"[A-Z]{2}")
_FILENAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.toml")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_RE = re.compile(r"""^[ \t]*\[\[[ \t]*(?:source|"source"|'source')[ \t]*\]\]""", re.MULTILINE)
_TOML_AT_LINE_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END_RE = re.compile(r"\s*\(at end of document\)\s*$")


def _choices(enum_type: Iterable[Any]) -> str:
    return ", ".join(str(member.value) for member in enum_type)


# --- validation ------------------------------------------------------------------------------------


# Not in errors.py: private control flow, always turned into a RegistryError before it leaves this module.
class _Problem(Exception):
    """A semantic problem in one table; turned into a RegistryError by the caller."""

    def __init__(self, key: str, /, **fields: object) -> None:
        self.message = Message(key, **fields)
        super().__init__(key)


def registry_error(path: str, problem: Explanation, line: int | None = None) -> RegistryError:
    """The error for ``problem`` in the registry file (or folder) ``path``, at ``line`` when known."""
    if line:
        where = Message("sources.registry.where_line", path=path, line=line, problem=problem)
    else:
        where = Message("sources.registry.where", path=path, problem=problem)
    return RegistryError(path, problem, line, where)


def _in_source(table: Mapping[str, object], problem: Message) -> Message:
    sid = table.get("id")
    if isinstance(sid, str) and sid:
        return Message("sources.registry.in_source", id=sid, problem=problem)
    return Message("sources.registry.in_source_without_id", problem=problem)


def _of(source_id: str, key: str, /, **fields: object) -> Message:
    """A problem of the source ``source_id``: "source 'x': <problem>"."""
    return Message("sources.registry.in_source", id=source_id, problem=Message(key, **fields))


def _string(table: Mapping[str, object], key: str, default: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise _Problem("sources.registry.not_string", key=key, value=value)
    if _CONTROL_RE.search(value):
        raise _Problem("sources.registry.control_character", key=key)
    return value


def _boolean(table: Mapping[str, object], key: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise _Problem("sources.registry.not_boolean", key=key, value=value)
    return value


def _check_http_url(key: str, value: str) -> None:
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:  # a malformed IPv6 literal or port
        hostname = None
    if not hostname or parts.scheme.lower() not in ("http", "https") or any(c.isspace() for c in value):
        raise _Problem("sources.registry.not_http_url", key=key, value=value)
    problem = host_reason(hostname)
    if (
        problem is not None
    ):  # the collector would refuse every fetch of it: said once, here, where it is written
        raise _Problem("sources.registry.bad_host", key=key, problem=problem, value=value)


def _tags(table: Mapping[str, object]) -> tuple[str, ...]:
    value = table.get("tags", [])
    if not isinstance(value, list):
        raise _Problem("sources.registry.tags_not_array", value=value)
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or not tag.strip() or tag != tag.strip() or "," in tag:
            raise _Problem("sources.registry.bad_tag", value=tag)
        tags.append(tag)
    return tuple(tags)


def _validated(table: Mapping[str, object]) -> Source:
    unknown = sorted(set(table) - set(FIELDS))
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, FIELDS, n=1)
        allowed = ", ".join(FIELDS)
        if close:
            raise _Problem("sources.registry.unknown_key_close", key=key, close=close[0], allowed=allowed)
        raise _Problem("sources.registry.unknown_key", key=key, allowed=allowed)
    missing = [key for key in REQUIRED if key not in table]
    if missing:
        which = "sources.registry.missing_keys" if len(missing) > 1 else "sources.registry.missing_key"
        raise _Problem(which, keys=", ".join(missing))
    sid = _string(table, "id")
    if not _ID_RE.fullmatch(sid):
        raise _Problem("sources.registry.bad_id", value=sid)
    name = _string(table, "name").strip()
    if not name:
        raise _Problem("sources.registry.empty_name")
    url = _string(table, "url")
    _check_http_url("url", url)
    kind = _string(table, "kind")
    if kind not in {k.value for k in SourceKind}:
        raise _Problem("sources.registry.not_one_of", key="kind", known=_choices(SourceKind), value=kind)
    language = _string(table, "language")
    if not (_LANGUAGE_RE.fullmatch(language) or language == UNDETERMINED_LANGUAGE):
        raise _Problem("sources.registry.bad_language", value=language)
    country = _string(table, "country")
    if country and not _COUNTRY_RE.fullmatch(country):
        raise _Problem("sources.registry.bad_country", value=country)
    region = _string(table, "region", Region.GLOBAL.value)
    if region not in {r.value for r in Region}:
        raise _Problem("sources.registry.not_one_of", key="region", known=_choices(Region), value=region)
    outlet_type = _string(table, "outlet_type", OutletType.PRESS.value)
    if outlet_type not in {o.value for o in OutletType}:
        raise _Problem(
            "sources.registry.not_one_of",
            key="outlet_type",
            known=_choices(OutletType),
            value=outlet_type,
        )
    homepage = _string(table, "homepage")
    if homepage:
        _check_http_url("homepage", homepage)
    return Source(
        id=sid,
        name=name,
        url=url,
        kind=SourceKind(kind),
        language=language,
        country=country,
        region=Region(region),
        outlet_type=OutletType(outlet_type),
        tags=_tags(table),
        enabled=_boolean(table, "enabled", True),
        verified=_boolean(table, "verified", False),
        homepage=homepage,
        notes=_string(table, "notes"),
    )


def source_from_table(table: Mapping[str, object], path: str, line: int | None = None) -> Source:
    """Validate one ``[[source]]`` table; ``path``/``line`` only locate errors (``Source.file`` stays "")."""
    try:
        return _validated(table)
    except _Problem as problem:
        raise registry_error(path, _in_source(table, problem.message), line) from None


def source_to_table(source: Source) -> dict[str, object]:
    """The TOML fields of ``source``, in the documented order; defaults of optional fields are omitted."""
    table: dict[str, object] = {
        "id": source.id,
        "name": source.name,
        "url": source.url,
        "kind": source.kind.value,
        "language": source.language,
        "country": source.country,
        "region": source.region.value,
        "outlet_type": source.outlet_type.value,
    }
    if source.tags:
        table["tags"] = list(source.tags)
    if not source.enabled:
        table["enabled"] = False
    if source.verified:
        table["verified"] = True
    if source.homepage:
        table["homepage"] = source.homepage
    if source.notes:
        table["notes"] = source.notes
    return table


def slugify(text: str, max_length: int = 60) -> str:
    """``"Le Monde – Planète"`` -> ``"le-monde-planete"`` (ASCII, may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def url_key(url: str) -> str:
    """What makes two feed URLs "the same" for duplicate detection (scheme/host case, trailing slash)."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}{query}"


# --- reading ---------------------------------------------------------------------------------------

_Located = tuple[Source, int | None]


def _toml_problem(message: str, text: str) -> tuple[Message, int | None]:
    """tomllib's error in the reader's words: its cause (:func:`toml_cause`) and the place it gives."""
    at_line = _TOML_AT_LINE_RE.search(message)
    if at_line:
        detail, column = message[: at_line.start()], at_line.group(2)
        cause = toml_cause(detail)
        return Message("sources.registry.invalid_toml_at", detail=cause, column=column), int(at_line.group(1))
    at_end = _TOML_AT_END_RE.search(message)
    if at_end:
        cause = toml_cause(message[: at_end.start()])
        return Message("sources.registry.invalid_toml_end", detail=cause), max(1, len(text.splitlines()))
    return Message("sources.registry.invalid_toml", detail=toml_cause(message)), None


def _decode(raw: bytes, path: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise registry_error(path, Message("sources.registry.not_utf8"), line) from None
    return text.removeprefix("\ufeff")


def _key_line(text: str, key: str) -> int | None:
    match = re.search(rf"^[ \t]*(?:\[+[ \t]*)?[\"']?{re.escape(key)}\b", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _parse(text: str, path: str) -> list[_Located]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem, line = _toml_problem(str(exc), text)
        raise registry_error(path, problem, line) from None
    for key in data:
        if key != "source":
            which = (
                "sources.registry.unknown_top_source"
                if key.startswith("source")
                else "sources.registry.unknown_top"
            )
            raise registry_error(path, Message(which, key=key), _key_line(text, key))
    tables = data.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise registry_error(path, Message("sources.registry.not_tables"), _key_line(text, "source"))
    headers = [text.count("\n", 0, m.start()) + 1 for m in _HEADER_RE.finditer(text)]
    lines: list[int | None] = list(headers) if len(headers) == len(tables) else [None] * len(tables)
    return [
        (replace(source_from_table(table, path, line), file=path), line)
        for table, line in zip(tables, lines, strict=True)
    ]


def _read_located(path: Path) -> list[_Located]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise registry_error(
            str(path), Message("sources.registry.cannot_read", detail=ReadProblem(exc, path))
        ) from None
    located = _parse(_decode(raw, str(path)), str(path))
    _check_unique(located)
    return located


def _where(source: Source, line: int | None) -> Message:
    if line:
        return Message("sources.registry.file_line", path=source.file, line=line)
    return Message("sources.registry.file", path=source.file)


def _check_unique(located: Iterable[_Located]) -> None:
    by_id: dict[str, _Located] = {}
    by_url: dict[str, _Located] = {}
    for source, line in located:
        first = by_id.setdefault(source.id, (source, line))
        if first[0] is not source:
            problem = _of(source.id, "sources.registry.duplicate_id", where=_where(*first))
            raise registry_error(source.file, problem, line)
        first = by_url.setdefault(url_key(source.url), (source, line))
        if first[0] is not source:
            problem = _of(
                source.id,
                "sources.registry.duplicate_url",
                url=source.url,
                other=first[0].id,
                where=_where(*first),
            )
            raise registry_error(source.file, problem, line)


def _registry_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise registry_error(str(directory), Message("sources.registry.no_directory"))
    files = (p for p in directory.glob("*.toml") if p.is_file() and not p.name.startswith("."))
    return sorted(files, key=lambda p: p.name)


def _load_located(directory: Path) -> list[_Located]:
    located = [entry for path in _registry_files(directory) for entry in _read_located(path)]
    _check_unique(located)
    return located


def load_registry_file(path: str | Path) -> list[Source]:
    """The sources of one registry file, validated, with ``Source.file`` set to ``str(path)``."""
    return [source for source, _ in _read_located(Path(path))]


def load_registry(directory: str | Path) -> list[Source]:
    """All sources of ``directory/*.toml`` (files in name order); ids and URLs unique across files."""
    return [source for source, _ in _load_located(Path(directory))]


def collectable_registry(directory: str | Path) -> list[Source]:
    """The registry a collection reads (``collect``, ``nightly``, with or without a broker): all of its
    sources, or NothingToCollect when none is enabled, so that every command says the same thing."""
    sources = load_registry(directory)
    if not any(source.enabled for source in sources):
        raise said(NothingToCollect, "collect.no_source", folder=str(directory))
    return sources


# --- editing ---------------------------------------------------------------------------------------

_NEW_FILE_HEADER = """\
# mediawatch source registry: one [[source]] table per feed (format: feeds/README.md).
# Added by `mediawatch sources add` / `sources import`; edit freely, comments are kept.
"""


def _write_checked(path: Path, text: str) -> None:
    """Validate ``text`` as a registry file, then replace ``path`` atomically."""
    _check_unique(_parse(text, str(path)))
    replace_file(path, lambda out: out.write(text.encode("utf-8")))


# The field a problem of one table is about, for a command given the fields one by one (`sources add`).
_FIELD_OF_PROBLEM = {
    "sources.registry.bad_id": "id",
    "sources.registry.empty_name": "name",
}


def new_source_problem(directory: str | Path, source: Source) -> tuple[str, Message] | None:
    """What keeps ``source`` out of the registry in ``directory`` (as :func:`add_source` would refuse it),
    with the field it is about; None when it may go in. The problem is not located in a file: the person
    typed the fields, and the command names its own options."""
    try:
        _validated(source_to_table(source))
    except _Problem as problem:
        key = problem.message.key
        field = problem.message.fields.get("key") or _FIELD_OF_PROBLEM.get(key, "")
        return str(field), problem.message
    root = Path(directory)
    for other, line in _load_located(root) if root.is_dir() else []:
        if other.id == source.id:
            return "id", _of(source.id, "sources.registry.id_used", where=_where(other, line))
        if url_key(other.url) == url_key(source.url):
            where = _where(other, line)
            return "url", _of(
                source.id,
                "sources.registry.url_used",
                url=source.url,
                other=other.id,
                where=where,
            )
    return None


def add_source(directory: str | Path, source: Source, filename: str = "local.toml") -> Path:
    """Append ``source`` as a new ``[[source]]`` to ``directory/filename`` (created if needed).

    Existing text is kept byte for byte; the id and URL must be new to the whole registry. The directory
    is created when missing (a first source starts a registry).
    """
    root = Path(directory)
    target = root / filename
    if not _FILENAME_RE.fullmatch(filename):
        raise registry_error(str(target), Message("sources.registry.bad_file_name"))
    root.mkdir(parents=True, exist_ok=True)
    located = _load_located(root)
    table = source_to_table(source)
    new = source_from_table(table, str(target))
    for other, line in located:
        if other.id == new.id:
            problem = _of(new.id, "sources.registry.id_used", where=_where(other, line))
            raise registry_error(str(target), problem)
        if url_key(other.url) == url_key(new.url):
            problem = _of(
                new.id,
                "sources.registry.url_used",
                url=new.url,
                other=other.id,
                where=_where(other, line),
            )
            raise registry_error(str(target), problem)
    old = _decode(target.read_bytes(), str(target)) if target.exists() else _NEW_FILE_HEADER
    if old and not old.endswith("\n"):
        old += "\n"
    separator = "\n" if old.strip() and not old.endswith("\n\n") else ""
    rendered = tomlkit.dumps({"source": [table]})
    _write_checked(target, old + separator + rendered)
    return target


def _find_table(document: tomlkit.TOMLDocument, source_id: str) -> Table | None:
    tables = document.get("source")
    if isinstance(tables, AoT):
        for table in tables:
            if isinstance(table, Table) and table.get("id") == source_id:
                return table
    return None


def _set_flag(directory: str | Path, source_id: str, key: str, value: bool, default: bool) -> Path:
    root = Path(directory)
    found = [(source, line) for source, line in _load_located(root) if source.id == source_id]
    if not found:
        raise registry_error(str(root), Message("sources.registry.no_source", id=source_id))
    source, header_line = found[0]
    path = Path(source.file)
    text = _decode(path.read_bytes(), str(path))
    document = tomlkit.parse(text)
    table = _find_table(document, source_id)
    if table is None:  # pragma: no cover - the file parsed a moment ago
        raise registry_error(str(path), _of(source_id, "sources.registry.no_table"))
    if key in table:
        table[key] = value
        new_text = tomlkit.dumps(document)
    elif value == default:
        return path  # an absent key already means the default: leave the file untouched
    elif header_line is None:
        raise registry_error(str(path), _of(source_id, "sources.registry.no_header"))
    else:
        new_text = _insert_after_last_key(text, header_line, key, value)
    _write_checked(path, new_text)
    written = {s.id: s for s, _ in _parse(new_text, str(path))}
    if getattr(written[source_id], key) != value:  # pragma: no cover - guard against a misplaced line
        raise registry_error(str(path), _of(source_id, "sources.registry.not_set", key=key))
    return path


def set_enabled(directory: str | Path, source_id: str, enabled: bool) -> Path:
    """Set ``enabled`` of one source in the file that defines it, keeping comments; returns that file."""
    return _set_flag(directory, source_id, "enabled", enabled, default=True)


def set_verified(directory: str | Path, source_id: str, verified: bool) -> Path:
    """Set ``verified`` of one source (``sources check --mark-verified``), like :func:`set_enabled`."""
    return _set_flag(directory, source_id, "verified", verified, default=False)


def _insert_after_last_key(text: str, header_line: int, key: str, value: object) -> str:
    """Add ``key = value`` after the last key line of the table whose header is on ``header_line``.

    Done on lines rather than through tomlkit's containers, whose only insert-at-position helpers are
    private (and changed between releases): comments after the last key belong to the next table, so the
    new line goes before them.
    """
    lines = text.splitlines(keepends=True)
    end = next((i for i in range(header_line, len(lines)) if _HEADER_RE.match(lines[i])), len(lines))
    body = [i for i in range(header_line, end) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    last = body[-1] if body else header_line - 1
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += "\n"
    newline = "\r\n" if lines[last].endswith("\r\n") else "\n"
    lines.insert(last + 1, f"{key} = {tomlkit.item(value).as_string()}{newline}")
    return "".join(lines)
