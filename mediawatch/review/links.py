"""The secret key, and signed, expiring, revocable, read-only preview links of an edition.

The key is ``settings.secret_key`` (``MEDIAWATCH_SECRET_KEY``) when set; otherwise a random key created
once in a file beside the SQLite database (``<database>.secret-key``, mode 0600), so links and sessions
survive a restart without any setup. With PostgreSQL there is no such place: set ``secret_key``.
Changing the key logs everybody out and voids every preview link.

Each link carries a random id. Making one and revoking one are lines of the issue's audit log
(``preview.link`` and ``preview.revoke``, target ``preview:<id>``): the log is the list of links, and a
token whose id was revoked is refused, in every server process, without another table to keep.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from mediawatch.config import Settings, secret_key_file
from mediawatch.errors import ConfigError, Forbidden, Refused
from mediawatch.files import ReadProblem, WriteProblem
from mediawatch.i18n import said
from mediawatch.review.workflow import ReasonKind, reason
from mediawatch.store.issues import coded_note
from mediawatch.store.protocols import IssueRepository

PREVIEW_DAYS = 7
# v2: tokens carry a link id (revocable). v1 tokens (7 days at most, not revocable) are void.
_PREVIEW_SALT = "mediawatch.preview.v2"
LINK_TARGET = "preview:"


def secret_key(settings: Settings) -> str:
    if settings.secret_key:
        if len(settings.secret_key) < 16:
            raise said(ConfigError, "review.secret.too_short")
        return settings.secret_key
    path = secret_key_file(settings)
    if path is None:
        raise said(ConfigError, "review.secret.no_place")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # created before (or by a concurrent process): read it below
    except OSError as exc:
        raise said(
            ConfigError, "review.secret.cannot_create", path=str(path), reason=WriteProblem(exc, path)
        ) from None
    else:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48))
    try:
        key = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise said(
            ConfigError, "review.secret.cannot_read", path=str(path), reason=ReadProblem(exc, path)
        ) from None
    if len(key) < 16:
        raise said(ConfigError, "review.secret.damaged", path=str(path))
    return key


@dataclass(frozen=True, slots=True)
class PreviewGrant:
    issue_id: int
    language: str
    expires: datetime
    link_id: str = ""


@dataclass(frozen=True, slots=True)
class SharedLink:
    """A preview link as the audit log knows it (the token itself is never stored)."""

    link_id: str
    issue_id: int
    language: str
    created_by: str
    created_at: datetime
    expires: datetime
    revoked_by: str = ""
    revoked_at: datetime | None = None


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key(settings), salt=_PREVIEW_SALT)


def preview_token(
    settings: Settings,
    issue_id: int,
    language: str,
    *,
    days: float = PREVIEW_DAYS,
    now: datetime | None = None,
) -> tuple[str, PreviewGrant]:
    """A token granting read access to one edition for ``days``, and what it grants (its random link id
    included: :func:`create_share_link` records it so that it can be revoked)."""
    grant = PreviewGrant(
        issue_id=issue_id,
        language=language,
        expires=(now or datetime.now(UTC)) + timedelta(days=days),
        link_id=secrets.token_urlsafe(9),
    )
    data = {"i": issue_id, "l": language, "e": int(grant.expires.timestamp()), "n": grant.link_id}
    return str(_serializer(settings).dumps(data)), grant


def preview_url(settings: Settings, token: str) -> str:
    """The absolute link, always on ``base_url`` (never the host a request happened to use)."""
    return f"{settings.base_url.rstrip('/')}/p/{token}"


def read_preview_token(settings: Settings, token: str, now: datetime | None = None) -> PreviewGrant:
    """What a token grants; :class:`Forbidden` when it is forged, damaged or expired."""
    try:
        data = _serializer(settings).loads(token)
        grant = PreviewGrant(
            issue_id=int(data["i"]),
            language=str(data["l"]),
            expires=datetime.fromtimestamp(int(data["e"]), UTC),
            link_id=str(data["n"]),
        )
    except (BadSignature, KeyError, TypeError, ValueError):
        raise Forbidden(reason("review.preview.invalid", ReasonKind.ACCESS)) from None
    if grant.expires <= (now or datetime.now(UTC)):
        raise Forbidden(reason("review.preview.expired", ReasonKind.ACCESS))
    return grant


# -- links that can be listed and revoked -----------------------------------------------------------------
def create_share_link(
    store: IssueRepository,
    settings: Settings,
    issue_id: int,
    language: str,
    actor: str,
    *,
    days: float = PREVIEW_DAYS,
    now: datetime | None = None,
) -> tuple[str, SharedLink]:
    """A new link (its absolute URL, and what the log keeps of it), recorded in the audit log."""
    token, grant = preview_token(settings, issue_id, language, days=days, now=now)
    link_id, expires = grant.link_id, grant.expires
    store.log_event(
        issue_id,
        actor,
        "preview.link",
        language=language,
        target=LINK_TARGET + link_id,
        after=expires.isoformat(),
        detail=coded_note(
            f"expires {expires.isoformat()}",
            "editor.audit.note.expires",
            when=expires.isoformat(),  # each reader gets it in words (audit.note_text)
        ),
    )
    link = SharedLink(link_id, issue_id, language, actor, now or datetime.now(UTC), expires)
    return preview_url(settings, token), link


def share_links(store: IssueRepository, issue_id: int) -> list[SharedLink]:
    """Every revocable link of an issue, newest first, revoked and expired ones included."""
    links: dict[str, SharedLink] = {}
    for entry in store.audit(issue_id):
        if not entry.target.startswith(LINK_TARGET):
            continue
        link_id = entry.target[len(LINK_TARGET) :]
        if entry.action == "preview.link" and entry.after:
            try:
                expires = datetime.fromisoformat(entry.after)
            except ValueError:
                continue
            links[link_id] = SharedLink(link_id, issue_id, entry.language, entry.actor, entry.at, expires)
        elif entry.action == "preview.revoke" and link_id in links:
            links[link_id] = replace(links[link_id], revoked_by=entry.actor, revoked_at=entry.at)
    return sorted(links.values(), key=lambda link: link.created_at, reverse=True)


def revoke_share_link(store: IssueRepository, issue_id: int, link_id: str, actor: str) -> SharedLink:
    """Revoke one link of the issue; :class:`Refused` when it is unknown or already revoked."""
    found = next((link for link in share_links(store, issue_id) if link.link_id == link_id.strip()), None)
    if found is None:
        raise Refused(reason("review.preview.unknown_link", link=link_id.strip()[:40]))
    if found.revoked_at is not None:
        raise Refused(reason("review.preview.already_revoked", link=found.link_id))
    store.log_event(issue_id, actor, "preview.revoke", language=found.language, target=LINK_TARGET + link_id)
    return replace(found, revoked_by=actor, revoked_at=datetime.now(UTC))


def open_shared(
    store: IssueRepository, settings: Settings, token: str, now: datetime | None = None
) -> PreviewGrant:
    """What a token grants now: :class:`Forbidden` when forged, expired or revoked."""
    grant = read_preview_token(settings, token, now)
    link = next((ln for ln in share_links(store, grant.issue_id) if ln.link_id == grant.link_id), None)
    if link is None or link.revoked_at is not None:
        raise Forbidden(reason("review.preview.revoked", ReasonKind.ACCESS))
    return grant
