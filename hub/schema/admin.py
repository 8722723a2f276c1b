"""Administration of agencies and their API keys (the platform operator's)."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from hub import agencies
from hub.errors import InvalidInput
from hub.events import webhooks
from hub.schema.console import ConsoleMutation
from hub.schema.context import Info
from hub.schema.documents import DocumentMutation
from hub.schema.events import WebhookMutation
from hub.schema.identity import IdentityMutation
from hub.schema.ingest import IngestMutation
from hub.schema.pagination import After, Connection, First, build_connection, decode_cursor, page_size
from hub.schema.ratings import RatingMutation
from hub.schema.repair import RepairMutation
from hub.schema.sanctions import SanctionsMutation
from hub.sources.base import Row


@strawberry.enum(description="The kind of a linked agency; it selects the agency's default policy.")
class AgencyKind(Enum):
    COURT = strawberry.enum_value("court", description="A people's court.")
    LAND = strawberry.enum_value("land", description="Land and real-estate registry.")
    MARKET = strawberry.enum_value("market", description="Market supervision (company registration).")
    POLICE = strawberry.enum_value("police", description="Public security (vehicles, hotels).")
    TOURISM = strawberry.enum_value("tourism", description="Tourism bureau (hotel ratings).")
    HOUSING = strawberry.enum_value("housing", description="Housing and urban-rural development.")
    FINANCE = strawberry.enum_value("finance", description="Banks and credit institutions.")
    CIVIL_AFFAIRS = strawberry.enum_value("civil_affairs", description="Civil affairs.")
    TOWNSHIP = strawberry.enum_value("township", description="Township and town governments.")
    PLATFORM = strawberry.enum_value("platform", description="The platform operator (provincial centre).")
    AGRICULTURE = strawberry.enum_value(
        "agriculture", description="Agriculture and rural affairs (farm-product and animal-health blacklists, ratings)."
    )
    TAX = strawberry.enum_value("tax", description="Tax authority (taxpayer credit ratings, red list).")


@strawberry.enum(description="How an agency is connected.")
class AgencyMode(Enum):
    API = strawberry.enum_value("api", description="System to system, with API keys.")
    CONSOLE = strawberry.enum_value("console", description="Clerks log in to the web console.")


@strawberry.type(description="An API key of an agency; the key itself is never shown again after issue.")
class ApiKey:
    label: str = strawberry.field(description="The key's label, unique among the agency's active keys.")
    prefix: str = strawberry.field(description="The first characters of the key, to tell keys apart.")
    created_at: datetime.datetime = strawberry.field(description="When the key was issued.")
    revoked_at: datetime.datetime | None = strawberry.field(description="When it was revoked; null while active.")


@strawberry.type(description="A linked agency (联动单位).")
class Agency:
    db_id: strawberry.Private[int]
    code: str = strawberry.field(description="The agency's code, e.g. FZ-LAND-REGISTRY.")
    name: str = strawberry.field(description="Full name.")
    kind: AgencyKind = strawberry.field(description="Kind; selects the default policy.")
    role: str | None = strawberry.field(description="Role narrowing the kind's policy, e.g. hotel.")
    region_code: str = strawberry.field(description="Six-digit division code of the agency's area.")
    mode: AgencyMode = strawberry.field(description="System API or manual console.")
    created_at: datetime.datetime = strawberry.field(description="When the agency was created.")
    trusted_documents_only: bool = strawberry.field(
        description="True: in production the agency's systems may send registered (trusted) documents only."
    )

    @strawberry.field(description="The agency's keys, newest first, active and revoked.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        rows = await agencies.list_keys(info.context.db, self.db_id)
        return [
            ApiKey(label=r["label"], prefix=r["prefix"], created_at=r["created_at"], revoked_at=r["revoked_at"])
            for r in rows
        ]


def agency_from_row(row: Row) -> Agency:
    return Agency(
        db_id=row["id"],
        code=row["code"],
        name=row["name"],
        kind=AgencyKind(row["kind"]),
        role=row["role"],
        region_code=row["region"],
        mode=AgencyMode(row["mode"]),
        created_at=row["created_at"],
        trusted_documents_only=row["trusted_documents_only"],
    )


@strawberry.input(description="A new agency.")
class CreateAgencyInput:
    code: str = strawberry.field(description="Unique code: 2 to 64 letters, digits, '.', '_' or '-'.")
    name: str = strawberry.field(description="Full name.")
    kind: AgencyKind = strawberry.field(description="Kind of agency.")
    region_code: str = strawberry.field(default="350000", description="Six-digit division code.")
    mode: AgencyMode = strawberry.field(default=AgencyMode.API, description="System API or console.")
    role: str | None = strawberry.field(default=None, description="Optional role narrowing the kind, e.g. hotel.")


@strawberry.type(description="A key just issued: store `apiKey` now, it is not shown again.")
class IssuedApiKey:
    agency: Agency = strawberry.field(description="The agency the key belongs to.")
    label: str = strawberry.field(description="The key's label.")
    api_key: str = strawberry.field(description="The key itself; send it as 'Authorization: Bearer <key>'.")


MAX_PARKED_WEBHOOKS = 100


@strawberry.type(
    description=(
        "A webhook parked after its whole retry schedule failed: nothing is sent to it until it is resumed "
        "(`resumeAgencyWebhook`, or the agency's own `resumeWebhook`), which delivers every pending event in order."
    )
)
class ParkedWebhook:
    agency_code: str = strawberry.field(description="The code of the agency whose webhook it is.")
    agency_name: str = strawberry.field(description="The agency's full name.")
    url: str = strawberry.field(description="The endpoint the webhook posts to.")
    parked_at: datetime.datetime = strawberry.field(description="When its last scheduled attempt failed.")
    pending_events: int = strawberry.field(
        description="Events waiting for it, oldest first once resumed (at most 100,000 are counted)."
    )
    last_http_status: int | None = strawberry.field(
        description="The HTTP status of the last failed attempt; null if the endpoint did not answer."
    )
    last_error: str | None = strawberry.field(description="What the last failed attempt met, e.g. HTTP 503.")


@strawberry.type(description="Read access to agencies and their parked webhooks, for the platform operator.")
class AdminQuery:
    @strawberry.field(description="Every agency's parked webhook, longest parked first (the operator's).")
    async def parked_webhooks(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=f"How many to list, 1 to {MAX_PARKED_WEBHOOKS}.")] = 50,
    ) -> list[ParkedWebhook]:
        if not 1 <= first <= MAX_PARKED_WEBHOOKS:
            raise InvalidInput(f"first must be 1 to {MAX_PARKED_WEBHOOKS}", argument="first")
        return [
            ParkedWebhook(
                agency_code=r["agency_code"],
                agency_name=r["agency_name"],
                url=r["url"],
                parked_at=r["parked_at"],
                pending_events=int(r["backlog"]),
                last_http_status=r["last_http_status"],
                last_error=r["last_error"],
            )
            for r in await webhooks.parked(info.context.db, first)
        ]

    @strawberry.field(description="Linked agencies in the order they were created.")
    async def agencies(self, info: Info, first: First = None, after: After = None) -> Connection[Agency]:
        ctx = info.context
        limit = page_size(ctx, first)
        after_id = 0 if after is None else int(decode_cursor(ctx.cursor_key, "agencies", after))
        rows = await agencies.list_agencies(ctx.db, after_id, limit + 1)
        return build_connection(ctx, "agencies", rows[:limit], len(rows) > limit, agency_from_row)

    @strawberry.field(description="One agency by code; null if unknown.")
    async def agency(
        self, info: Info, code: Annotated[str, strawberry.argument(description="The agency's code.")]
    ) -> Agency | None:
        row = await info.context.db.fetchrow(agencies.Q.agency_by_code, code)
        return None if row is None else agency_from_row(row)


@strawberry.type(
    description=(
        "Changes: screening and feedback, the list's lifecycle, hotels, webhooks, sources publishing their records; "
        "agencies, keys, console users and identity decisions for the operator."
    )
)
class Mutation(
    SanctionsMutation,
    WebhookMutation,
    ConsoleMutation,
    IdentityMutation,
    IngestMutation,
    DocumentMutation,
    RatingMutation,
    RepairMutation,
):
    @strawberry.mutation(description="Create an agency with a first API key labelled 'default'.")
    async def create_agency(
        self, info: Info, input: Annotated[CreateAgencyInput, strawberry.argument(description="The new agency.")]
    ) -> IssuedApiKey:
        created = await agencies.create_agency(
            info.context.db,
            code=input.code,
            name=input.name,
            kind=str(input.kind.value),
            region=input.region_code,
            mode=str(input.mode.value),
            role=input.role,
        )
        row = await agencies.agency_by_code(info.context.db, created.code)
        return IssuedApiKey(agency=agency_from_row(row), label="default", api_key=created.key)

    @strawberry.mutation(
        description="Issue another key to an agency (to rotate: issue under a new label, then revoke the old)."
    )
    async def issue_api_key(
        self,
        info: Info,
        agency_code: Annotated[str, strawberry.argument(description="The agency's code.")],
        label: Annotated[str, strawberry.argument(description="Label for the new key, unique among active keys.")],
    ) -> IssuedApiKey:
        row = await agencies.agency_by_code(info.context.db, agency_code)
        key = await agencies.issue_key(info.context.db, row["id"], label)
        return IssuedApiKey(agency=agency_from_row(row), label=label, api_key=key)

    @strawberry.mutation(description="Revoke an agency's active key by label; it is refused from now on.")
    async def revoke_api_key(
        self,
        info: Info,
        agency_code: Annotated[str, strawberry.argument(description="The agency's code.")],
        label: Annotated[str, strawberry.argument(description="Label of the key to revoke.")],
    ) -> Agency:
        row = await agencies.agency_by_code(info.context.db, agency_code)
        await agencies.revoke_key(info.context.db, row["id"], label)
        info.context.keys_revoked()
        return agency_from_row(row)

    @strawberry.mutation(
        description=(
            "Re-enable an agency's parked webhook (the operator's, e.g. once the agency reports its endpoint "
            "fixed): it delivers again from its oldest undelivered event, in order, the retry schedule from its "
            "start. True if it was parked; false if not (nothing changes). NO_WEBHOOK if the agency has none."
        )
    )
    async def resume_agency_webhook(
        self,
        info: Info,
        agency_code: Annotated[str, strawberry.argument(description="The code of the agency whose webhook to resume.")],
    ) -> bool:
        row = await agencies.agency_by_code(info.context.db, agency_code)
        return await webhooks.resume(info.context.db, row["id"], by=f"the operator ({info.context.operator or '-'})")
