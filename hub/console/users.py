"""Console users: create, disable, check a password with a lockout per user name.

A user belongs to an agency and has a role: ``clerk`` (checks and reports), ``supervisor``
(the same, for the agency's desk leads) or ``operator`` (the platform's staff). Operators
belong to platform agencies and platform agencies' users are operators, so the console page
a role opens and the GraphQL fields its agency's policy allows always agree.

Failed logins are counted per user name whether or not the name exists; at ``MAX_FAILURES``
within ``LOCK_SECONDS`` the name is locked for ``LOCK_SECONDS``. The answer to a wrong name,
a wrong password and a disabled user is the same, and a locked name is reported as locked
whether it exists or not.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import cache

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import HubError, InvalidInput

Q = QUERIES.console

ROLES = ("clerk", "supervisor", "operator")
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
MIN_PASSWORD = 10
MAX_PASSWORD = 200
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


class LoginFailed(HubError):
    """Wrong user name or password, or a disabled user: the same answer for each."""

    code = "LOGIN_FAILED"
    http_status = 401


class LoginLocked(HubError):
    """Too many failures for this user name; try again later."""

    code = "LOGIN_LOCKED"
    http_status = 429


@cache
def hasher() -> PasswordHasher:
    # argon2-cffi's defaults (argon2id, 64 MiB, 3 passes) follow RFC 9106's second choice.
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Checked against when the user does not exist, so both cost the same time."""
    return hasher().hash("no such user: the same work as a real check")


@dataclass(frozen=True)
class ConsoleUser:
    id: int
    username: str
    display_name: str | None
    role: str
    agency_id: int
    agency_code: str
    agency_name: str
    kind: str
    region: str
    agency_role: str | None


def normalise_username(username: str) -> str:
    return username.strip().lower()


def validate_user(username: str, role: str, password: str, agency_kind: str) -> None:
    if not _USERNAME.match(username):
        raise InvalidInput(
            "a user name is 2 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
            argument="username",
        )
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}; got {role!r}", argument="role")
    if (role == "operator") != (agency_kind == "platform"):
        raise InvalidInput(
            "operators belong to a platform agency, and a platform agency's users are operators",
            argument="role",
        )
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters; got {len(password)}", argument="password"
        )


async def create_user(
    db: Database,
    *,
    agency_code: str,
    username: str,
    role: str,
    password: str,
    display_name: str | None = None,
    created_by: str | None = None,
) -> int:
    """Create a console user of an agency; the password is stored only as an argon2id hash."""
    username = normalise_username(username)
    agency = await db.fetchrow(QUERIES.agencies.agency_by_code, agency_code)
    if agency is None:
        raise InvalidInput(f"no agency with code {agency_code!r}", argument="agencyCode")
    validate_user(username, role, password, agency["kind"])
    if display_name is not None:
        display_name = display_name.strip()[:100] or None
    password_hash = await asyncio.to_thread(hasher().hash, password)
    try:
        user_id: int = await db.fetchval(
            Q.insert_user, agency["id"], username, display_name, role, password_hash, created_by
        )
    except asyncpg.UniqueViolationError:
        raise InvalidInput(f"a user named {username!r} exists already", argument="username") from None
    return user_id


async def disable_user(db: Database, username: str) -> int:
    """Disable a user and end their sessions; returns the user's id."""
    user_id = await db.fetchval(Q.disable_user, normalise_username(username))
    if user_id is None:
        raise InvalidInput(f"no user named {username!r}", argument="username")
    return int(user_id)


def _user(row: asyncpg.Record, id_column: str = "id") -> ConsoleUser:
    return ConsoleUser(
        id=row[id_column],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        agency_id=row["agency_id"],
        agency_code=row["agency_code"],
        agency_name=row["agency_name"],
        kind=row["kind"],
        region=row["region"],
        agency_role=row["agency_role"],
    )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def authenticate(db: Database, username: str, password: str) -> ConsoleUser:
    """The user whose name and password these are, or LoginFailed / LoginLocked."""
    name = normalise_username(username)[:200]
    lock = await db.fetchrow(Q.lockout_of, name)
    if lock is not None and lock["locked"]:
        raise LoginLocked("too many failed logins for this user name; try again in 15 minutes")
    row = await db.fetchrow(Q.user_by_username, name) if _USERNAME.match(name) else None
    usable = row is not None and row["disabled_at"] is None
    password_hash = row["password_hash"] if usable and row is not None else _dummy_hash()
    ok = await asyncio.to_thread(_verify, password_hash, password[:MAX_PASSWORD])
    if not (ok and usable and row is not None):
        failures = await db.fetchval(Q.record_failure, name, float(LOCK_SECONDS))
        if failures >= MAX_FAILURES:
            await db.fetchval(Q.lock_username, name, float(LOCK_SECONDS))
            raise LoginLocked("too many failed logins for this user name; try again in 15 minutes")
        raise LoginFailed("the user name or password is wrong")
    await db.execute(Q.clear_failures, name)
    await db.execute(Q.touch_login, row["id"])
    if hasher().check_needs_rehash(password_hash):
        await db.execute(Q.set_password, row["id"], await asyncio.to_thread(hasher().hash, password))
    return _user(row)


async def list_users(db: Database, after_id: int, limit: int) -> list[asyncpg.Record]:
    return await db.fetch(Q.users_page, after_id, limit)


async def user_by_id(db: Database, user_id: int) -> asyncpg.Record | None:
    return await db.fetchrow(Q.user_by_id, user_id)
