"""The storage of the review stage's people: users, web sessions, login attempts.

Mixed into :class:`mediawatch.store.Store`. Passwords arrive here already hashed; the review stage
(:mod:`mediawatch.review.users`) owns hashing and the rules (valid names, roles, who may do what).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from mediawatch.store import schema_review as r
from mediawatch.store.core import Database, inserted_id, utcnow
from mediawatch.store.rows import from_row
from mediawatch.types import Role, User


def _user_from_row(row: Any) -> User:
    return from_row(User, row._mapping, role=Role(row.role))


class UserRecords(Database):
    """Users, sessions and login attempts."""

    # -- users ------------------------------------------------------------------------------------
    def add_user(self, name: str, role: Role, password_hash: str, language: str) -> User | None:
        """A new user; None (nothing written) when the name is taken."""
        now = utcnow()
        with self._tx() as conn:
            taken = conn.execute(sa.select(r.users.c.id).where(r.users.c.name == name)).first()
            if taken is not None:
                return None
            user_id = inserted_id(
                conn.execute(
                    sa.insert(r.users).values(
                        name=name,
                        role=role.value,
                        password_hash=password_hash,
                        language=language,
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
            )
            return _user_from_row(conn.execute(sa.select(r.users).where(r.users.c.id == user_id)).one())

    def user(self, name: str) -> User | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(r.users).where(r.users.c.name == name)).first()
        return None if row is None else _user_from_row(row)

    def user_by_id(self, user_id: int) -> User | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(r.users).where(r.users.c.id == user_id)).first()
        return None if row is None else _user_from_row(row)

    def user_password_hash(self, name: str) -> tuple[User, str] | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(r.users).where(r.users.c.name == name)).first()
        return None if row is None else (_user_from_row(row), str(row.password_hash))

    def list_users(self) -> list[User]:
        """Every user, by name ignoring case. Sorted here, not by ORDER BY: SQLite compares bytes ("Zoe"
        before "ana") while PostgreSQL follows the server's collation, so one database would list them
        differently from the other."""
        with self._tx() as conn:
            users = [_user_from_row(row) for row in conn.execute(sa.select(r.users))]
        return sorted(users, key=lambda u: (u.name.casefold(), u.name))

    def update_user(
        self,
        name: str,
        *,
        password_hash: str | None = None,
        role: Role | None = None,
        language: str | None = None,
        active: bool | None = None,
        end_sessions: bool = True,
        email: str | None = None,
    ) -> User | None:
        """Change a user; a new password or a deactivation also ends every session of that user (unless
        ``end_sessions`` is False: a hash upgraded at login, same password). None when there is no such
        user."""
        values: dict[str, Any] = {"updated_at": utcnow()}
        if password_hash is not None:
            values["password_hash"] = password_hash
        if role is not None:
            values["role"] = role.value
        if language is not None:
            values["language"] = language
        if active is not None:
            values["active"] = active
        if email is not None:
            values["email"] = email
        with self._tx() as conn:
            row = conn.execute(sa.select(r.users).where(r.users.c.name == name)).first()
            if row is None:
                return None
            conn.execute(sa.update(r.users).where(r.users.c.id == row.id).values(values))
            if end_sessions and (password_hash is not None or active is False):
                conn.execute(sa.delete(r.web_sessions).where(r.web_sessions.c.user_id == row.id))
            return _user_from_row(conn.execute(sa.select(r.users).where(r.users.c.id == row.id)).one())

    # -- web sessions -----------------------------------------------------------------------------
    def create_session(self, token_hash: str, user_id: int, expires_at: datetime) -> None:
        now = utcnow()
        with self._tx() as conn:
            conn.execute(sa.delete(r.web_sessions).where(r.web_sessions.c.expires_at < now))
            conn.execute(
                sa.insert(r.web_sessions).values(
                    token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at
                )
            )

    def session_user(self, token_hash: str, now: datetime) -> User | None:
        """The active user of a live session, else None."""
        s, u = r.web_sessions, r.users
        with self._tx() as conn:
            row = conn.execute(
                sa.select(u)
                .join(s, s.c.user_id == u.c.id)
                .where(s.c.token_hash == token_hash, s.c.expires_at > now, u.c.active.is_(True))
            ).first()
        return None if row is None else _user_from_row(row)

    def delete_session(self, token_hash: str) -> None:
        with self._tx() as conn:
            conn.execute(sa.delete(r.web_sessions).where(r.web_sessions.c.token_hash == token_hash))

    # -- login attempts ---------------------------------------------------------------------------
    def record_login_attempt(self, name: str, remote: str, success: bool, at: datetime | None = None) -> None:
        with self._tx() as conn:
            conn.execute(
                sa.insert(r.login_attempts).values(
                    name=name[:120], remote=remote[:64], at=at or utcnow(), success=success
                )
            )

    def failed_logins(self, since: datetime, *, name: str, remote: str) -> tuple[int, int]:
        """(failures for this name, failures from this address) since ``since``, each counted after the
        last success of that name or address (a good login clears the slate)."""
        a = r.login_attempts
        counts = []
        with self._tx() as conn:
            for column, value in ((a.c.name, name), (a.c.remote, remote)):
                last_ok = conn.execute(
                    sa.select(sa.func.max(a.c.id)).where(column == value, a.c.success.is_(True))
                ).scalar()
                query = sa.select(sa.func.count()).where(
                    column == value, a.c.success.is_(False), a.c.at >= since
                )
                if last_ok is not None:
                    query = query.where(a.c.id > last_ok)
                counts.append(int(conn.execute(query).scalar_one()))
        return counts[0], counts[1]

    def login_failures(
        self, since: datetime, *, name: str | None = None, remote: str | None = None
    ) -> tuple[int, datetime | None]:
        """(count, time of the latest) of failed logins since ``since`` matching the name and/or address
        given, counted after the last success that matches the same (a good login clears the slate)."""
        a = r.login_attempts
        match = []
        if name is not None:
            match.append(a.c.name == name)
        if remote is not None:
            match.append(a.c.remote == remote)
        with self._tx() as conn:
            last_ok = conn.execute(
                sa.select(sa.func.max(a.c.id)).where(*match, a.c.success.is_(True))
            ).scalar()
            query = sa.select(sa.func.count(), sa.func.max(a.c.at)).where(
                *match, a.c.success.is_(False), a.c.at >= since
            )
            if last_ok is not None:
                query = query.where(a.c.id > last_ok)
            count, latest = conn.execute(query).one()
        return int(count), latest

    def signed_in_from(self, name: str, remote: str, since: datetime) -> bool:
        """Whether ``name`` logged in successfully from ``remote`` since ``since``."""
        a = r.login_attempts
        with self._tx() as conn:
            found = conn.execute(
                sa.select(a.c.id)
                .where(a.c.name == name, a.c.remote == remote, a.c.success.is_(True), a.c.at >= since)
                .limit(1)
            ).first()
        return found is not None
