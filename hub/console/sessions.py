"""Console sessions: the cookie, the principal behind it, and its CSRF token.

A session id is 256 random bits, sent only in an HttpOnly, SameSite=Strict cookie (Secure
over HTTPS); the database keeps its SHA-256 and an expiry, and logout deletes the row. A
session acts as the user's agency (its policy) with the user named as the operator in the
audit trail; a ``Hub-Operator`` header is ignored for it.

Every state-changing request made with the cookie must carry the session's CSRF token (a
synchronizer token: an HMAC of the session id under an instance secret, so every hub process
computes the same one without storing it) in the ``X-CSRF-Token`` header or, for the HTML
forms, the ``csrf`` field. Requests with an API key carry no cookie and are unaffected.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from hub.console.users import ConsoleUser
from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.policy import Principal

Q = QUERIES.console

COOKIE = "hub_session"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 8 * 60 * 60
_MAX_TOKEN = 100


@dataclass(frozen=True)
class ConsoleSession:
    """A live session: who is logged in, and the principal they act as."""

    token: str
    user_id: int
    username: str
    display_name: str | None
    role: str
    principal: Principal

    @property
    def operator(self) -> str:
        """How the audit trail names the user: ``console:<user name>``."""
        return f"console:{self.username}"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def csrf_token(secret: bytes, session_token: str) -> str:
    return hmac.new(secret, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, session_token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token(secret, session_token), presented)


async def start_session(db: Database, user: ConsoleUser, client: str | None) -> str:
    """A new session for a user who just logged in; returns the cookie's value."""
    token = secrets.token_urlsafe(32)
    await db.execute(Q.insert_session, _digest(token), user.id, float(SESSION_SECONDS), client)
    return token


async def end_session(db: Database, token: str) -> None:
    await db.execute(Q.delete_session, _digest(token[:_MAX_TOKEN]))


async def session_for(db: Database, token: str | None) -> ConsoleSession | None:
    """The live session of a cookie value, or None (unknown, expired, user disabled)."""
    if not token or len(token) > _MAX_TOKEN:
        return None
    row = await db.fetchrow(Q.session_principal, _digest(token))
    if row is None:
        return None
    return ConsoleSession(
        token=token,
        user_id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        principal=Principal(
            agency_id=row["agency_id"],
            agency_code=row["agency_code"],
            agency_name=row["agency_name"],
            kind=row["kind"],
            region=row["region"],
            key_id=None,
            role=row["agency_role"],
            user_id=row["user_id"],
        ),
    )


async def delete_expired(db: Database) -> None:
    await db.execute(Q.delete_expired_sessions)
