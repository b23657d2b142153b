"""Users of the review: roles, argon2id password hashes, interface language, login with a rate limit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mediawatch.errors import Forbidden, Refused
from mediawatch.i18n import LANGUAGES
from mediawatch.review.workflow import SYSTEM_ACTORS, Permission, Reason, ReasonKind, may, reason
from mediawatch.store.protocols import ReviewStore
from mediawatch.types import Role, User

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 is happy with more; this only stops a megabyte "password" from a form

# Login limits, computed from the recorded attempts (so they hold across server processes), each counted
# within LOGIN_WINDOW and after the last success that matches:
# - one address and one name: MAX_FAILURES_PER_PAIR failures lock that address out of that account;
# - one address, any name: MAX_FAILURES_PER_ADDRESS failures lock that address out (guessing many names);
# - one name, any address: past MAX_FAILURES_PER_NAME failures, an address that has not signed into that
#   account within KNOWN_ADDRESS_DAYS may try it only once per ACCOUNT_PAUSE. The account's owner, at an
#   address they used before, is never slowed down by a stranger; nobody locks an account for good.
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_NAME = 10
ACCOUNT_PAUSE = timedelta(minutes=1)
KNOWN_ADDRESS_DAYS = 30


@dataclass(frozen=True, slots=True)
class LoginHistory:
    """What the recorded attempts say about one login (name, address) now."""

    pair_failures: int
    address_failures: int
    name_failures: int
    last_name_failure: datetime | None
    known_address: bool


def login_refusal(history: LoginHistory, now: datetime) -> Reason | None:
    """Why this attempt is refused before its password is even checked, or None."""
    if history.pair_failures >= MAX_FAILURES_PER_PAIR or history.address_failures >= MAX_FAILURES_PER_ADDRESS:
        minutes = int(LOGIN_WINDOW.total_seconds() // 60)
        return reason("review.login.rate_limited", ReasonKind.ACCESS, minutes=minutes)
    if (
        not history.known_address
        and history.name_failures >= MAX_FAILURES_PER_NAME
        and history.last_name_failure is not None
        and now - history.last_name_failure < ACCOUNT_PAUSE
    ):
        return reason("review.login.account_slowed", ReasonKind.ACCESS)
    return None


def login_history(store: ReviewStore, name: str, remote: str, now: datetime) -> LoginHistory:
    since = now - LOGIN_WINDOW
    pair, _ = store.login_failures(since, name=name, remote=remote)
    address, _ = store.login_failures(since, remote=remote)
    by_name, last = store.login_failures(since, name=name)
    known = bool(name) and store.signed_in_from(name, remote, now - timedelta(days=KNOWN_ADDRESS_DAYS))
    return LoginHistory(pair, address, by_name, last, known)


# argon2-cffi's defaults are RFC 9106's "low memory" profile (argon2id, t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()
# Verified against when the name is unknown, so a login takes as long whether the user exists or not.
_DUMMY_HASH = _hasher.hash("not a password of anybody")


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Refused(reason("review.users.password_short", minimum=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise Refused(reason("review.users.password_long", maximum=MAX_PASSWORD))


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME.match(name) or name.lower() in SYSTEM_ACTORS:
        raise Refused(reason("review.users.bad_name", name=name))
    return name


def check_language(language: str) -> str:
    code = language.strip().lower()
    if code not in LANGUAGES:
        raise Refused(reason("review.users.bad_language", language=language))
    return code


def add_user(
    store: ReviewStore, name: str, role: Role, password: str, language: str = "en", *, email: str = ""
) -> User:
    """A new user; ``email`` (already checked, "" : none) is where their saved watches go."""
    name = check_name(name)
    if store.user(name) is not None:
        raise Refused(reason("review.users.exists", name=name))
    user = store.add_user(name, role, hash_password(password), check_language(language))
    if user is None:  # taken a moment ago, by another request: the store's insert is the atomic check
        raise Refused(reason("review.users.exists", name=name))
    if email:
        user = store.update_user(name, email=email) or user
    store.log_event(None, "system", "user.add", target=f"user:{name}", after=role.value)
    return user


def set_password(store: ReviewStore, name: str, password: str) -> User:
    """A new password; every open web session of the user ends."""
    if store.user(name) is None:
        raise Refused(reason("review.users.unknown", name=name))
    user = store.update_user(name, password_hash=hash_password(password))
    if user is None:  # removed meanwhile
        raise Refused(reason("review.users.unknown", name=name))
    store.log_event(None, "system", "user.password", target=f"user:{name}")
    return user


def update_user(
    store: ReviewStore,
    name: str,
    *,
    role: Role | None = None,
    language: str | None = None,
    active: bool | None = None,
    email: str | None = None,
) -> User:
    """Change a user's role, language, email address (already checked; "" : none) or whether the account
    may sign in (disabling ends its sessions)."""
    before = store.user(name)
    if before is None:
        raise Refused(reason("review.users.unknown", name=name))
    user = store.update_user(
        name,
        role=role,
        language=None if language is None else check_language(language),
        active=active,
        email=email,
    )
    if user is None:  # removed meanwhile
        raise Refused(reason("review.users.unknown", name=name))
    store.log_event(
        None,
        "system",
        "user.update",
        target=f"user:{name}",
        before=f"{before.role.value} {before.language} {'active' if before.active else 'disabled'}",
        after=f"{user.role.value} {user.language} {'active' if user.active else 'disabled'}",
    )
    return user


def acting_user(store: ReviewStore, name: str, permission: Permission | None = None) -> User:
    """The user a CLI command acts as (``--as NAME``): registered, enabled and, when the command needs
    it, with a role that has ``permission``. The name lands in the audit log and the four-eyes rule reads
    it, so a name nobody owns (or a viewer's) must never act."""
    user = store.user(name.strip())
    if user is None:
        raise Forbidden(reason("review.users.unknown", ReasonKind.ACCESS, name=name))
    if not user.active:
        raise Forbidden(reason("review.users.disabled", ReasonKind.ACCESS, name=user.name))
    if permission is not None and not may(user.role, permission):
        raise Forbidden(
            reason(
                "review.users.not_allowed",
                ReasonKind.ACCESS,
                name=user.name,
                role=user.role.value,
                action=permission.value,
            )
        )
    return user


def authenticate(
    store: ReviewStore, name: str, password: str, remote: str, now: datetime | None = None
) -> User:
    """The user whose name and password these are, or :class:`Forbidden` (bad login, or rate-limited).

    The message of a bad login never says whether the name exists.
    """
    now = now or datetime.now(UTC)
    name = name.strip()[:120]
    refused = login_refusal(login_history(store, name, remote, now), now)
    if refused is not None:
        raise Forbidden(refused)
    found = store.user_password_hash(name) if name else None
    user: User | None = None
    try:
        _hasher.verify(found[1] if found else _DUMMY_HASH, password[:MAX_PASSWORD])
        if found is not None and found[0].active:
            user = found[0]
    except (VerificationError, InvalidHashError):
        user = None
    store.record_login_attempt(name, remote, user is not None, at=now)
    if user is None:
        raise Forbidden(reason("review.login.failed", ReasonKind.ACCESS))
    if found is not None and _hasher.check_needs_rehash(found[1]):
        # The hash was made with older parameters: upgrade it now that we know the password.
        store.update_user(user.name, password_hash=_hasher.hash(password), end_sessions=False)
    return user
