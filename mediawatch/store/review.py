"""Storage for the review stage: users, web sessions, comments on items, login attempts, unsure items.

Mixed into :class:`mediawatch.store.Store`. Passwords arrive here already hashed; the review stage
(:mod:`mediawatch.review.users`) owns hashing and the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from mediawatch.errors import WorkflowError
from mediawatch.store import schema as t
from mediawatch.store import schema_review as r
from mediawatch.store.core import Database, utcnow
from mediawatch.store.issues import _block_from_row
from mediawatch.types import Block, Comment, Role, User


@dataclass(frozen=True, slots=True)
class UnsureItem:
    """An article the classifier was unsure about, with what an editor needs to decide."""

    article_id: int
    title: str
    url: str
    language: str
    relevance: float
    relevant: bool
    published: datetime | None
    decided: bool | None  # the latest editor decision, None when nobody decided yet




def _user_from_row(row: Any) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        language=row.language,
        active=row.active,
        created_at=row.created_at,
    )


class ReviewRecords(Database):
    """Users, sessions, comments and login attempts."""

    # -- users ------------------------------------------------------------------------------------
    def add_user(self, name: str, role: Role, password_hash: str, language: str) -> User:
        now = utcnow()
        with self._tx() as conn:
            taken = conn.execute(sa.select(r.users.c.id).where(r.users.c.name == name)).first()
            if taken is not None:
                raise WorkflowError(f"a user named {name!r} already exists")
            user_id = conn.execute(
                sa.insert(r.users).values(
                    name=name,
                    role=role.value,
                    password_hash=password_hash,
                    language=language,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            row = conn.execute(sa.select(r.users).where(r.users.c.id == user_id)).one()
            return _user_from_row(row)

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
    ) -> User:
        """Change a user; a new password or a deactivation also ends every session of that user (unless
        ``end_sessions`` is False: a hash upgraded at login, same password)."""
        values: dict[str, Any] = {"updated_at": utcnow()}
        if password_hash is not None:
            values["password_hash"] = password_hash
        if role is not None:
            values["role"] = role.value
        if language is not None:
            values["language"] = language
        if active is not None:
            values["active"] = active
        with self._tx() as conn:
            row = conn.execute(sa.select(r.users).where(r.users.c.name == name)).first()
            if row is None:
                raise WorkflowError(f"no user {name!r} (`mediawatch users list`)")
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
    def record_login_attempt(
        self, name: str, remote: str, success: bool, at: datetime | None = None
    ) -> None:
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

    # -- comments ---------------------------------------------------------------------------------
    def add_comment(self, item_id: int, author: str, body: str) -> Comment:
        """A comment on an item; also a line in the issue's audit log."""
        text = body.strip()
        if not text:
            raise WorkflowError("a comment cannot be empty")
        now = utcnow()
        with self._tx() as conn:
            issue_id = conn.execute(
                sa.select(t.issue_items.c.issue_id).where(t.issue_items.c.id == item_id)
            ).scalar()
            if issue_id is None:
                raise WorkflowError(f"no item {item_id}")
            comment_id = conn.execute(
                sa.insert(r.item_comments).values(
                    issue_id=issue_id, item_id=item_id, author=author, body=text, at=now
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            conn.execute(
                sa.insert(t.audit_log).values(
                    issue_id=issue_id,
                    at=now,
                    actor=author,
                    action="item.comment",
                    language="",
                    target=f"item:{item_id}",
                    before=None,
                    after=text,
                    detail="",
                )
            )
        return Comment(
            id=int(comment_id), issue_id=int(issue_id), item_id=item_id, author=author, body=text, at=now
        )

    def comments(self, issue_id: int) -> list[Comment]:
        c = r.item_comments
        with self._tx() as conn:
            return [
                Comment(
                    id=row.id,
                    issue_id=row.issue_id,
                    item_id=row.item_id,
                    author=row.author,
                    body=row.body,
                    at=row.at,
                )
                for row in conn.execute(sa.select(c).where(c.c.issue_id == issue_id).order_by(c.c.id))
            ]

    # -- reading issues by their parts --------------------------------------------------------------
    def item_issue_id(self, item_id: int) -> int:
        with self._tx() as conn:
            issue_id = conn.execute(
                sa.select(t.issue_items.c.issue_id).where(t.issue_items.c.id == item_id)
            ).scalar()
        if issue_id is None:
            raise WorkflowError(f"no item {item_id}")
        return int(issue_id)

    def block(self, block_id: int) -> Block:
        with self._tx() as conn:
            row = conn.execute(sa.select(t.issue_blocks).where(t.issue_blocks.c.id == block_id)).first()
        if row is None:
            raise WorkflowError(f"no block {block_id}")
        return _block_from_row(row)

    # -- what the classifier was unsure about -----------------------------------------------------
    def unsure_items(self, *, limit: int = 200) -> list[UnsureItem]:
        """Articles classified ``uncertain``, newest first, with the latest editor decision if any."""
        a, c, d = t.articles, t.classifications, t.editor_decisions
        latest = (
            sa.select(d.c.accepted)
            .where(d.c.article_id == a.c.id)
            .order_by(d.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = (
            sa.select(
                a.c.id,
                a.c.title,
                a.c.url,
                a.c.published,
                c.c.language,
                c.c.relevance,
                c.c.relevant,
                latest.label("decided"),
            )
            .join(c, c.c.article_id == a.c.id)
            .where(c.c.uncertain.is_(True), a.c.duplicate_of.is_(None))
            .order_by(sa.func.coalesce(a.c.published, a.c.discovered).desc(), a.c.id.desc())
            .limit(limit)
        )
        with self._tx() as conn:
            return [
                UnsureItem(
                    article_id=row.id,
                    title=row.title,
                    url=row.url,
                    language=row.language,
                    relevance=float(row.relevance),
                    relevant=bool(row.relevant),
                    published=row.published,
                    decided=None if row.decided is None else bool(row.decided),
                )
                for row in conn.execute(query)
            ]
