"""The web console's part of the schema: console users (the operator's), the dashboard's
recent interceptions and its activity stream."""

from __future__ import annotations

import datetime
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated, Any

import strawberry

from hub.console import activity, users
from hub.events.listener import EventListener
from hub.schema.context import Info
from hub.schema.pagination import After, Connection, First, build_connection, decode_cursor, page_size
from hub.schema.sanctions import Decision, SanctionOutcome

# How often the activity stream looks for new interceptions and reports between wake-ups.
ACTIVITY_POLL_SECONDS = 2.0
MAX_RECENT = 100


@strawberry.enum(description="What a console user may do.")
class ConsoleRole(Enum):
    CLERK = strawberry.enum_value("clerk", description="Checks people and reports what was done.")
    SUPERVISOR = strawberry.enum_value("supervisor", description="A clerk's lead: the same pages as a clerk.")
    OPERATOR = strawberry.enum_value(
        "operator", description="Platform staff (platform agencies only): audit, users, every agency's figures."
    )


@strawberry.type(description="A person who logs in to the web console for an agency.")
class ConsoleUser:
    username: str = strawberry.field(description="Login name, lower case.")
    display_name: str | None = strawberry.field(description="Name shown in the console.")
    role: ConsoleRole = strawberry.field(description="What the user may do in the console.")
    agency_code: str = strawberry.field(description="The agency the user acts for (its policy applies).")
    created_at: datetime.datetime = strawberry.field(description="When the user was created.")
    created_by: str | None = strawberry.field(description="Who created the user: cli or console:<operator>.")
    disabled_at: datetime.datetime | None = strawberry.field(description="When the user was disabled; null if active.")
    last_login_at: datetime.datetime | None = strawberry.field(description="The last successful login.")


def user_from_row(row: Any) -> ConsoleUser:
    return ConsoleUser(
        username=row["username"],
        display_name=row["display_name"],
        role=ConsoleRole(row["role"]),
        agency_code=row["agency_code"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        disabled_at=row["disabled_at"],
        last_login_at=row["last_login_at"],
    )


@strawberry.input(description="A new console user.")
class CreateConsoleUserInput:
    agency_code: str = strawberry.field(description="The agency the user acts for.")
    username: str = strawberry.field(description="2 to 64 lower-case letters, digits, '.', '_' or '-'.")
    role: ConsoleRole = strawberry.field(description="clerk or supervisor; operator for platform agencies only.")
    password: str = strawberry.field(description="Initial password, 10 to 200 characters; stored only as a hash.")
    display_name: str | None = strawberry.field(default=None, description="Name shown in the console.")


@strawberry.type(description="An interception as the dashboard lists it: no data about the subject.")
class InterceptionSummary:
    id: strawberry.ID = strawberry.field(description="The interception's id.")
    at: datetime.datetime = strawberry.field(description="When the decision was made.")
    agency_code: str = strawberry.field(description="The agency that screened.")
    matter: str = strawberry.field(description="The matter screened for.")
    decision: Decision = strawberry.field(description="BLOCK or REVIEW.")
    region_code: str = strawberry.field(description="The agency's division code.")
    hotel_code: str | None = strawberry.field(description="The hotel, for HOTEL_CHECK_IN.")
    operator: str | None = strawberry.field(description="The end user at the agency (console:<user> from the console).")
    outcome: SanctionOutcome | None = strawberry.field(description="The latest reported outcome; null if none yet.")


@strawberry.type(description="Something the dashboard shows has changed: read the figures again.")
class ActivityTick:
    at: datetime.datetime = strawberry.field(description="When the change was seen.")
    interceptions: bool = strawberry.field(description="New interceptions were recorded.")
    sanctions: bool = strawberry.field(description="New sanction reports were recorded.")
    list_changes: bool = strawberry.field(description="The lists changed (published, corrected, removed...).")


@strawberry.type(description="Console users and the dashboard's recent interceptions.")
class ConsoleQuery:
    @strawberry.field(description="Console users in the order they were created (the operator's).")
    async def console_users(self, info: Info, first: First = None, after: After = None) -> Connection[ConsoleUser]:
        ctx = info.context
        limit = page_size(ctx, first)
        after_id = 0 if after is None else int(decode_cursor(ctx.cursor_key, "consoleUsers", after))
        rows = await users.list_users(ctx.db, after_id, limit + 1)
        return build_connection(ctx, "consoleUsers", rows[:limit], len(rows) > limit, user_from_row)

    @strawberry.field(
        description=(
            "The latest interceptions, newest first, without subject data. The operator sees every agency's; "
            "others their own."
        )
    )
    async def recent_interceptions(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="How many, 1 to 100.")] = 20,
    ) -> list[InterceptionSummary]:
        ctx = info.context
        agency = None if ctx.policy.operator else ctx.principal.agency_id
        rows = await activity.recent_interceptions(ctx.db, agency, max(1, min(first, MAX_RECENT)))
        return [
            InterceptionSummary(
                id=strawberry.ID(str(r["id"])),
                at=r["at"],
                agency_code=r["agency_code"],
                matter=r["matter"],
                decision=Decision(r["decision"]),
                region_code=r["region"],
                hotel_code=r["hotel_code"],
                operator=r["operator"],
                outcome=None if r["outcome"] is None else SanctionOutcome(r["outcome"]),
            )
            for r in rows
        ]


@strawberry.type(description="Creating and disabling console users (the operator's).")
class ConsoleMutation:
    @strawberry.mutation(description="Create a console user; the password is stored only as an argon2id hash.")
    async def create_console_user(
        self,
        info: Info,
        input: Annotated[CreateConsoleUserInput, strawberry.argument(description="The new user.")],
    ) -> ConsoleUser:
        ctx = info.context
        user_id = await users.create_user(
            ctx.db,
            agency_code=input.agency_code,
            username=input.username,
            role=str(input.role.value),
            password=input.password,
            display_name=input.display_name,
            created_by=ctx.operator or ctx.principal.agency_code,
        )
        row = await users.user_by_id(ctx.db, user_id)
        assert row is not None
        return user_from_row(row)

    @strawberry.mutation(description="Disable a console user: they cannot log in, and their sessions end at once.")
    async def disable_console_user(
        self,
        info: Info,
        username: Annotated[str, strawberry.argument(description="The user's login name.")],
    ) -> ConsoleUser:
        ctx = info.context
        user_id = await users.disable_user(ctx.db, username)
        row = await users.user_by_id(ctx.db, user_id)
        assert row is not None
        return user_from_row(row)


@strawberry.type(description="The console's live stream.")
class ConsoleSubscription:
    @strawberry.subscription(
        description=(
            "A tick whenever interceptions, sanction reports or list changes are recorded anywhere in the "
            "province: the dashboard reads its figures again on each. Looks every 2 seconds at most."
        )
    )
    async def activity(self, info: Info) -> AsyncGenerator[ActivityTick, None]:
        ctx = info.context
        root = info.root_value
        listener = root if isinstance(root, EventListener) else EventListener()
        with listener.waiter() as waiter:
            last = await activity.marker(ctx.db)
            while True:
                waiter.clear()
                await waiter.wait(ACTIVITY_POLL_SECONDS)
                now = await activity.marker(ctx.db)
                if now != last:
                    yield ActivityTick(
                        at=datetime.datetime.now(datetime.UTC),
                        interceptions=now[0] != last[0],
                        sanctions=now[1] != last[1],
                        list_changes=now[2] != last[2],
                    )
                    last = now
