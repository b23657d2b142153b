"""The fingerprint of an edition's archive copy, remembered in this process by everything it is made of.

Deciding whether an approval went stale means knowing what the edition renders now, and the approver's
navigation count asks on every page she opens. Rendering is a pure function of the edition's view (built
from the issue's content and the settings), the template files and the code, so the fingerprint is
remembered under a digest of the first two: any change to the content, a setting the view reads, or a
template file gives another key, whichever process made it. The code and the message catalogues are read
once per process, as rendering itself reads them, so a process never outlives their version.

    templates_version(settings)            the template files' digest, read now (once for many editions)
    edition_fingerprint(content, "fr", settings, templates=version)   fingerprint(render_edition(...))
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

from mediawatch.config import Settings
from mediawatch.errors import RenderError
from mediawatch.render.edition import fingerprint, render_edition
from mediawatch.render.environment import FileStamp, file_stamp, templates_dir
from mediawatch.render.model import edition_view
from mediawatch.types import IssueContent

# Fingerprints (or the refusal) remembered; a key is ~100 bytes, so this is well under a megabyte, and the
# editions still open to approval at any time are far fewer.
MAX_REMEMBERED = 4096

_lock = threading.Lock()
_remembered: OrderedDict[str, str | RenderError] = OrderedDict()
_file_hashes: dict[str, tuple[FileStamp, bytes]] = {}


@dataclass(frozen=True, slots=True)
class TemplatesVersion:
    """The templates folder and a digest of its files' names and contents, read at one moment."""

    key: str
    # every file older than the stat's granularity: a render made now may be remembered under ``key``
    # (a file written within it may change again without its stat showing it)
    settled: bool


def forget() -> None:
    """Forget every fingerprint and file hash (a fresh worker's state)."""
    with _lock:
        _remembered.clear()
        _file_hashes.clear()


def _file_hash(path: str) -> tuple[bytes, bool]:
    """The sha256 of a file and whether it is settled; read again unless its settled stamp is known."""
    stamp, settled = file_stamp(path)  # before reading: a write meanwhile changes it for the next time
    with _lock:
        known = _file_hashes.get(path)
    if settled and known is not None and known[0] == stamp:
        return known[1], True
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).digest()
    if settled:
        with _lock:
            _file_hashes[path] = (stamp, digest)
    return digest, settled


def templates_version(settings: Settings) -> TemplatesVersion:
    """Every file under the templates folder (what a template may include), read now; RenderError when the
    folder is missing. Read once for many editions: it is the same for all of them."""
    folder = templates_dir(settings)
    digest = hashlib.sha256(str(folder).encode("utf-8", "surrogateescape"))
    settled = True
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder).encode("utf-8", "surrogateescape")
            file_digest, file_settled = _file_hash(path)
            settled = settled and file_settled
            digest.update(len(relative).to_bytes(8, "big"))
            digest.update(relative)
            digest.update(file_digest)
    return TemplatesVersion(digest.hexdigest(), settled)


def _still(settings: Settings, templates: TemplatesVersion) -> bool:
    try:
        return templates_version(settings) == templates
    except RenderError:
        return False


def edition_fingerprint(
    content: IssueContent, language: str, settings: Settings, *, templates: TemplatesVersion | None = None
) -> str:
    """``fingerprint(render_edition(content, language, settings))``, rendered only when this process has not
    rendered the same view with the same template files before; RenderError as rendering raises it.
    ``templates``: :func:`templates_version`, when the caller read it for several editions."""
    if templates is None:
        templates = templates_version(settings)
    # The view is all a template is given of the content and the settings (with the language and the
    # catalogues' t()); its repr spells every field, so two views with one repr render alike.
    view = edition_view(content, language, settings)
    key = hashlib.sha256(f"{templates.key}\0{view!r}".encode("utf-8", "surrogateescape")).hexdigest()
    with _lock:
        known = _remembered.get(key)
        if known is not None:
            _remembered.move_to_end(key)
    if known is None:
        try:
            known = fingerprint(render_edition(content, language, settings))
        except RenderError as exc:
            known = exc
        # Remembered only if no template changed while it rendered (nor is too fresh to tell).
        if templates.settled and _still(settings, templates):
            with _lock:
                _remembered[key] = known
                while len(_remembered) > MAX_REMEMBERED:
                    _remembered.popitem(last=False)
    if isinstance(known, RenderError):
        raise known.with_traceback(None)
    return known
