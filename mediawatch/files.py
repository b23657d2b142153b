"""Writing the files a user names (``--out``, ``-o``): failures become a clear message, never a traceback.

The operating system's own wording (``[Errno 20] Not a directory``) is English and says little about
which part of the path is wrong, so the reason is worked out from the path itself and told in the user's
language: the folder that does not exist, the file that stands where a folder should be, a denied
permission.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mediawatch.errors import FileAccessError
from mediawatch.i18n import t

__all__ = ["existing_folder", "file_error", "os_error_reason", "replace_file", "write_text", "writing"]


def _nearest_existing(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.exists():
            return parent
    return None


def os_error_reason(
    exc: OSError, path: str | os.PathLike[str], lang: str | None = None, *, reading: bool = False
) -> str:
    """Why ``path`` could not be written (or, ``reading``, read), in ``lang``, naming the part of the path
    at fault."""
    target = Path(path)
    code = exc.errno
    if reading and code == errno.ENOENT and target.parent.is_dir():
        return t("file.reason.no_file", lang)
    if code == errno.EEXIST and target.exists() and not target.is_dir():  # a folder was to be made here
        return t("file.reason.not_a_folder", lang, folder=str(target))
    if code in (errno.ENOENT, errno.ENOTDIR, errno.EEXIST):  # mkdir(parents=True) says EEXIST
        existing = _nearest_existing(target)
        if existing is not None and not existing.is_dir():
            return t("file.reason.not_a_folder", lang, folder=str(existing))
        missing = target.parent
        if existing is not None:
            # The first missing folder on the way, which is the one to create.
            for parent in reversed(target.parents):
                if not parent.exists():
                    missing = parent
                    break
        return t("file.reason.no_folder", lang, folder=str(missing))
    if code in (errno.EACCES, errno.EPERM):
        return t("file.reason.denied", lang)
    if code == errno.EISDIR or target.is_dir():
        return t("file.reason.is_folder", lang)
    if code == errno.ENOSPC:
        return t("file.reason.no_space", lang)
    if code == errno.EROFS:
        return t("file.reason.read_only", lang)
    if code == errno.ENAMETOOLONG:
        return t("file.reason.too_long", lang)
    return t("file.reason.other", lang, detail=exc.strerror or str(exc))


class ReadProblem:
    """Why a file could not be read, said when the message is (a field of a :class:`~mediawatch.i18n.Message`
    raised before anyone knows who will read it)."""

    __slots__ = ("exc", "path")

    def __init__(self, exc: OSError, path: str | os.PathLike[str]) -> None:
        self.exc, self.path = exc, path

    def text(self, lang: str) -> str:
        return os_error_reason(self.exc, self.path, lang, reading=True)


class WriteProblem(ReadProblem):
    """Why a file could not be written (or created), said when the message is."""

    __slots__ = ()

    def text(self, lang: str) -> str:
        return os_error_reason(self.exc, self.path, lang)


def file_error(exc: OSError, path: str | os.PathLike[str], lang: str | None = None) -> FileAccessError:
    return FileAccessError(
        str(path), t("file.cannot_write", lang, path=str(path), reason=os_error_reason(exc, path, lang))
    )


def existing_folder(path: str | os.PathLike[str], lang: str | None = None) -> Path:
    """A folder the user named to write into (``render --out``, ``send --dry-run --out``): it must
    exist, as the folder of a file named with ``--out`` must; nothing is created for a mistyped name."""
    target = Path(path)
    if target.is_dir():
        return target
    existing = target if target.exists() else _nearest_existing(target)
    if existing is not None and not existing.is_dir():
        reason = t("file.reason.not_a_folder", lang, folder=str(existing))
    else:  # the first missing folder on the way, which may be the named one itself
        missing = next(p for p in (*reversed(target.parents), target) if not p.exists())
        reason = t("file.reason.no_folder", lang, folder=str(missing))
    raise FileAccessError(str(target), t("file.cannot_write", lang, path=str(target), reason=reason))


@contextmanager
def writing(path: str | os.PathLike[str], lang: str | None = None) -> Iterator[None]:
    """Turn an :class:`OSError` raised while writing ``path`` into a :class:`FileAccessError`."""
    try:
        yield
    except OSError as exc:
        raise file_error(exc, path, lang) from None


def write_text(path: str | os.PathLike[str], text: str, lang: str | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path``; a missing folder or a file in the way is a clear error."""
    target = Path(path)
    with writing(target, lang):
        target.write_text(text, encoding="utf-8")
    return target


def replace_file(
    path: Path,
    write: Callable[[BinaryIO], object],
    *,
    mode: int | None = None,
    new_mode: int = 0o600,
    durable: bool = False,
) -> None:
    """Replace ``path`` whole or not at all: ``write`` fills a temporary file in the same folder, which is
    then renamed over ``path``, so a reader sees the old file or the new one and a writer killed midway
    leaves the old one (at worst a stray ``.<name>.*.tmp``). ``mode``: the new file's permissions; None
    keeps those of the file it replaces (``new_mode`` for a new one). ``durable``: on disk before the rename.
    An OSError is raised as is; callers turn it into their own error."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is None:
            mode = path.stat().st_mode & 0o777 if path.exists() else new_mode
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
