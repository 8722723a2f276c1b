"""Root query fields."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.errors import InvalidInput
from hub.identity import parse_resident_id, parse_uscc
from hub.schema.admin import AdminQuery
from hub.schema.audit import AuditQuery
from hub.schema.console import ConsoleQuery
from hub.schema.context import Info
from hub.schema.core import Subject, SubjectKind, to_subject
from hub.schema.court import EnforcementCase, case_from_row
from hub.schema.documents import DocumentQuery
from hub.schema.events import WebhookQuery
from hub.schema.identity import IdentityQuery
from hub.schema.ingest import IngestQuery
from hub.schema.pagination import After, Connection, First, build_connection, decode_cursor, page_size
from hub.schema.ratings import RatingQuery
from hub.schema.repair import RepairQuery
from hub.schema.sanctions import SanctionsQuery
from hub.schema.score import ScoreQuery
from hub.schema.tourism import Hotel, hotel_from_row
from hub.sources import core, tourism

MAX_IDS = 100


def _internal_id(raw: str, argument: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or value >= 2**63:
        raise InvalidInput(f"{argument} must be a subject id issued by the hub", argument=argument)
    return value


@strawberry.type(description="Read access to subjects, cases, assets and hotels; agencies for the platform operator.")
class Query(
    AdminQuery,
    AuditQuery,
    SanctionsQuery,
    WebhookQuery,
    ConsoleQuery,
    IdentityQuery,
    IngestQuery,
    DocumentQuery,
    RatingQuery,
    RepairQuery,
    ScoreQuery,
):
    @strawberry.field(description="A subject by the hub's internal id; null if there is none.")
    async def subject(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="Internal id of the subject.")]
    ) -> Subject | None:
        row = await info.context.loaders.subject_by_id.load(_internal_id(id, "id"))
        return None if row is None else to_subject(info, row)

    @strawberry.field(
        description=("Subjects by internal ids, in the order asked (null where unknown); at most 100 ids.")
    )
    async def subjects(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Internal ids, at most 100.")],
    ) -> list[Subject | None]:
        if len(ids) > MAX_IDS:
            raise InvalidInput(f"at most {MAX_IDS} ids per request, got {len(ids)}", argument="ids")
        keys = [_internal_id(i, "ids") for i in ids]
        rows = await info.context.loaders.subject_by_id.load_many(keys)
        return [None if r is None else to_subject(info, r) for r in rows]

    @strawberry.field(
        description=(
            "A person by resident ID. 15-digit first-generation numbers, lower-case x and "
            "full-width characters are accepted and normalised; an invalid number is an "
            "INVALID_IDENTIFIER error naming the position and reason. Null if unknown."
        )
    )
    async def subject_by_resident_id(
        self,
        info: Info,
        resident_id: Annotated[str, strawberry.argument(description="Resident ID, 18 or 15 characters.")],
    ) -> Subject | None:
        number = parse_resident_id(resident_id).number
        row = await info.context.loaders.subject_by_identifier.load(number)
        return None if row is None or row["kind"] != "person" else to_subject(info, row)

    @strawberry.field(
        description=(
            "An organisation by unified social credit code; an invalid code is an "
            "INVALID_IDENTIFIER error naming the position and reason. Null if unknown."
        )
    )
    async def subject_by_uscc(
        self,
        info: Info,
        uscc: Annotated[str, strawberry.argument(description="Unified social credit code, 18 characters.")],
    ) -> Subject | None:
        code = parse_uscc(uscc).code
        row = await info.context.loaders.subject_by_identifier.load(code)
        return None if row is None or row["kind"] != "organisation" else to_subject(info, row)

    @strawberry.field(
        description=(
            "Subjects whose name equals, contains or resembles `name` (trigram similarity), "
            "best match first, then by id. Same-name people are told apart by their ids, birth "
            "dates and regions."
        )
    )
    async def search_subjects(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Name or part of a name, 1 to 100 characters.")],
        kind: Annotated[
            SubjectKind | None, strawberry.argument(description="Only persons or only organisations.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Subject]:
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("name must have 1 to 100 characters", argument="name")
        ctx = info.context
        scope = f"searchSubjects:{name}:{kind.value if kind else ''}"
        limit = page_size(ctx, first)
        after_key = None
        if after is not None:
            rank, last_id = decode_cursor(ctx.cursor_key, scope, after)
            after_key = (float(rank), int(last_id))
        rows = await core.search_subjects(ctx.db, name, str(kind.value) if kind else None, limit + 1, after_key)
        return build_connection(
            ctx,
            scope,
            rows[:limit],
            len(rows) > limit,
            lambda r: to_subject(info, r),
            sort_key=lambda r: [r["rank"], r["id"]],
        )

    @strawberry.field(description="An enforcement case by case number, e.g. (2019)闽0102执1234号.")
    async def enforcement_case(
        self,
        info: Info,
        case_number: Annotated[str, strawberry.argument(description="Case number; full-width brackets are accepted.")],
    ) -> EnforcementCase | None:
        number = case_number.strip().replace("（", "(").replace("）", ")")
        row = await info.context.loaders.case_by_number.load(number)
        return None if row is None else case_from_row(row)

    @strawberry.field(description="A hotel by the tourism bureau's code; null if unknown.")
    async def hotel(
        self, info: Info, code: Annotated[str, strawberry.argument(description="The tourism bureau's hotel code.")]
    ) -> Hotel | None:
        row = await info.context.loaders.hotel_by_code.load(code.strip().upper())
        return None if row is None else hotel_from_row(row)

    @strawberry.field(description="Hotels in the star-rating list, by id; filter by minimum stars and region prefix.")
    async def hotels(
        self,
        info: Info,
        min_stars: Annotated[int, strawberry.argument(description="Only hotels rated at least this many stars.")] = 0,
        region: Annotated[
            str | None, strawberry.argument(description="Division code prefix, e.g. 3501 for Fuzhou.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Hotel]:
        ctx = info.context
        if region is not None and not (region.isdigit() and 2 <= len(region) <= 6):
            raise InvalidInput("region must be 2 to 6 digits of a division code", argument="region")
        scope = f"hotels:{min_stars}:{region or ''}"
        limit = page_size(ctx, first)
        after_id = None if after is None else int(decode_cursor(ctx.cursor_key, scope, after))
        rows = await tourism.hotels_page(ctx.db, min_stars, region, after_id, limit + 1)
        return build_connection(ctx, scope, rows[:limit], len(rows) > limit, hotel_from_row)
