"""The secret key, and signed, expiring, read-only preview links of an edition.

The key is ``settings.secret_key`` (``MEDIAWATCH_SECRET_KEY``) when set; otherwise a random key created
once in a file beside the SQLite database (``<database>.secret-key``, mode 0600), so links and sessions
survive a restart without any setup. With PostgreSQL there is no such place: set ``secret_key``.
Changing the key logs everybody out and voids every preview link.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from mediawatch.config import Settings, database_url
from mediawatch.errors import ConfigError
from mediawatch.review.workflow import Forbidden, ReasonKind, reason

PREVIEW_DAYS = 7
_PREVIEW_SALT = "mediawatch.preview.v1"


def secret_key_file(settings: Settings) -> Path | None:
    """Where the generated key lives: beside the SQLite file; None for other databases."""
    url = sa.engine.make_url(database_url(settings.db))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    db = Path(url.database)
    return db.with_name(db.name + ".secret-key")


def secret_key(settings: Settings) -> str:
    if settings.secret_key:
        if len(settings.secret_key) < 16:
            raise ConfigError("secret_key is too short: give at least 16 random characters")
        return settings.secret_key
    path = secret_key_file(settings)
    if path is None:
        raise ConfigError(
            "set secret_key in the [web] section of the config (or MEDIAWATCH_SECRET_KEY): without an "
            "SQLite file there is no place to keep a generated one"
        )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # created before (or by a concurrent process): read it below
    except OSError as exc:
        raise ConfigError(f"cannot create the secret key file {str(path)!r}: {exc.strerror}") from None
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48))
    try:
        key = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the secret key file {str(path)!r}: {exc.strerror}") from None
    if len(key) < 16:
        raise ConfigError(
            f"the secret key file {str(path)!r} is empty or damaged: delete it to make a new one"
        )
    return key


@dataclass(frozen=True, slots=True)
class PreviewGrant:
    issue_id: int
    language: str
    expires: datetime


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key(settings), salt=_PREVIEW_SALT)


def preview_token(
    settings: Settings,
    issue_id: int,
    language: str,
    *,
    days: float = PREVIEW_DAYS,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """A token granting read access to one edition until the returned time."""
    expires = (now or datetime.now(UTC)) + timedelta(days=days)
    token = _serializer(settings).dumps({"i": issue_id, "l": language, "e": int(expires.timestamp())})
    return str(token), expires


def preview_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/p/{token}"


def read_preview_token(settings: Settings, token: str, now: datetime | None = None) -> PreviewGrant:
    """What a token grants; :class:`Forbidden` when it is forged, damaged or expired."""
    try:
        data = _serializer(settings).loads(token)
        grant = PreviewGrant(
            issue_id=int(data["i"]),
            language=str(data["l"]),
            expires=datetime.fromtimestamp(int(data["e"]), UTC),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Forbidden(reason("review.preview.invalid", ReasonKind.ACCESS)) from None
    if grant.expires <= (now or datetime.now(UTC)):
        raise Forbidden(reason("review.preview.expired", ReasonKind.ACCESS))
    return grant
