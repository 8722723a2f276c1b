"""Sources publish their own records one at a time (upserts); batches and record history.

Each upsert is a batch of one through the same checks and merge as ``POST /ingest/{source}``:
it answers the batch, whose status says whether the record was applied or rejected (and why).
"""

from __future__ import annotations

import dataclasses
import datetime
from enum import Enum
from typing import Annotated, Any

import orjson
import strawberry
from strawberry.scalars import JSON

from hub.errors import InvalidInput, SourceNotAllowed
from hub.ingest import pipeline
from hub.ingest.pipeline import BatchReport
from hub.schema.arguments import arg
from hub.schema.context import Info
from hub.schema.core import SubjectKind
from hub.schema.court import Performance
from hub.schema.land import EncumbranceKind, EstateUsage
from hub.schema.market import CompanyStatus, CompanyType, DirectorshipRole
from hub.schema.pagination import After, Connection, First, build_connection, decode_cursor, page_size
from hub.schema.police import VehicleType
from hub.schema.tourism import HotelStatus


@strawberry.enum(description="A data source of the hub, published by its own agency kind.")
class IngestSource(Enum):
    COURT = strawberry.enum_value("court", description="Courts: enforcement cases and their parties.")
    LAND = strawberry.enum_value("land", description="Land registry: real estate, owners, encumbrances.")
    MARKET = strawberry.enum_value("market", description="Market supervision: companies, shareholders, officers.")
    POLICE = strawberry.enum_value("police", description="Police: vehicles, their owners and seizures.")
    TOURISM = strawberry.enum_value("tourism", description="Tourism bureau: hotels and their star ratings.")


@strawberry.enum(description="Where a batch stands.")
class BatchStatus(Enum):
    RECEIVED = strawberry.enum_value("received", description="Being read and staged.")
    VALIDATING = strawberry.enum_value("validating", description="Being checked and merged.")
    APPLIED = strawberry.enum_value("applied", description="Committed: its valid records are stored.")
    REJECTED = strawberry.enum_value(
        "rejected", description="Bad records in atomic mode: nothing was applied; see errors."
    )
    FAILED = strawberry.enum_value(
        "failed", description="Interrupted or refused by the database: nothing was applied; see message."
    )


@strawberry.type(description="A bad record of a batch: where, which field, and what is wrong.")
class IngestError:
    line: int = strawberry.field(description="Line of the file where the record starts (1 for an upsert).")
    field: str = strawberry.field(description="The field at fault, e.g. owners[2].identifier; 'record' for all.")
    reason: str = strawberry.field(description="What is wrong, in words an agency developer can act on.")


@strawberry.type(description="A batch of records a source published (a file, or one upserted record).")
class IngestBatch:
    id: strawberry.ID = strawberry.field(description="The batch id; `hub ingest status ID` shows it too.")
    agency: str = strawberry.field(description="Code of the agency that sent it.")
    source: IngestSource = strawberry.field(description="The source written.")
    format: str = strawberry.field(description="ndjson, csv, or graphql for an upsert.")
    encoding: str = strawberry.field(description="utf-8 or gb18030.")
    mode: str = strawberry.field(description="atomic (any bad record rejects all) or partial.")
    source_version: str | None = strawberry.field(description="The version of its data the agency declared.")
    status: BatchStatus = strawberry.field(description="Where the batch stands.")
    records: int = strawberry.field(description="Records read.")
    invalid: int = strawberry.field(description="Records with at least one error.")
    inserted: int = strawberry.field(description="Records stored for the first time.")
    updated: int = strawberry.field(description="Records whose stored form changed.")
    unchanged: int = strawberry.field(description="Valid records identical to what was stored (nothing written).")
    held: int = strawberry.field(
        description="Parties not linked (no identifier, or a name that disagrees with the identifier's subject), "
        "held for an operator to confirm."
    )
    errors: list[IngestError] = strawberry.field(description="Bad records, by line (at most 1,000 kept).")
    errors_not_shown: int = strawberry.field(description="Errors beyond those listed.")
    message: str | None = strawberry.field(description="Why the batch was rejected or failed, in words.")
    started_at: datetime.datetime = strawberry.field(description="When the batch was received.")
    finished_at: datetime.datetime | None = strawberry.field(description="When it was applied, rejected or failed.")


def batch_from_report(report: BatchReport) -> IngestBatch:
    assert report.started_at is not None
    return IngestBatch(
        id=strawberry.ID(str(report.id)),
        agency=report.agency_code,
        source=IngestSource(report.source),
        format=report.format,
        encoding=report.encoding,
        mode=report.mode,
        source_version=report.source_version,
        status=BatchStatus(report.status),
        records=report.records,
        invalid=report.invalid,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        held=report.held,
        errors=[IngestError(line=e["line"], field=e["field"], reason=e["reason"]) for e in report.errors],
        errors_not_shown=report.errors_not_shown,
        message=report.message,
        started_at=report.started_at,
        finished_at=report.finished_at,
    )


@strawberry.enum(description="How a record changed.")
class ChangeKind(Enum):
    INSERTED = strawberry.enum_value("inserted", description="Stored for the first time.")
    UPDATED = strawberry.enum_value("updated", description="Its stored form changed.")


@strawberry.type(description="One change of a published record: what it was, what it became, from which batch.")
class RecordChange:
    id: strawberry.ID = strawberry.field(description="Id of the change (ascending in time).")
    batch_id: strawberry.ID = strawberry.field(description="The batch that made it.")
    agency: str = strawberry.field(description="Code of the agency that sent the batch.")
    at: datetime.datetime = strawberry.field(description="When it was committed.")
    change: ChangeKind = strawberry.field(description="Inserted or updated.")
    source_version: str | None = strawberry.field(
        description="The record's own version, or the batch's declared source version."
    )
    before: JSON | None = strawberry.field(description="The record as stored before (null when inserted).")
    after: JSON = strawberry.field(description="The record as stored after the change.")


def _change(row: Any) -> RecordChange:
    return RecordChange(
        id=strawberry.ID(str(row["id"])),
        batch_id=strawberry.ID(str(row["batch_id"])),
        agency=row["agency_code"],
        at=row["at"],
        change=ChangeKind(row["change"]),
        source_version=row["source_version"],
        before=None if row["before"] is None else orjson.loads(row["before"]),
        after=orjson.loads(row["after"]),
    )


@strawberry.type(description="Reading batches and record history.")
class IngestQuery:
    @strawberry.field(
        description="A batch by id: an agency sees its own batches, the platform operator every batch; "
        "null otherwise or when there is none."
    )
    async def ingest_batch(self, info: Info, id: Annotated[strawberry.ID, arg("The batch id.")]) -> IngestBatch | None:
        try:
            batch_id = int(id)
        except ValueError:
            raise InvalidInput("id must be a batch id issued by the hub", argument="id") from None
        if not 0 < batch_id < 2**31:
            return None
        ctx = info.context
        report = await pipeline.batch_by_id(ctx.db, batch_id)
        if report is None or not (ctx.policy.operator or report.agency_code == ctx.principal.agency_code):
            return None
        return batch_from_report(report)

    @strawberry.field(
        description="What changed in one record of a source over time, oldest first: before and after, when, "
        "from which batch. A source's own agency and the platform operator may read it."
    )
    async def record_history(
        self,
        info: Info,
        source: Annotated[IngestSource, arg("The source of the record.")],
        key: Annotated[str, arg("The record's natural key: case number, certificate number, VIN, USCC or hotel code.")],
        first: First = None,
        after: After = None,
    ) -> Connection[RecordChange]:
        ctx = info.context
        name = str(source.value)
        if not ctx.policy.operator and name not in ctx.policy.ingest_sources:
            raise SourceNotAllowed(f"only the {name} source's own agencies read its history", source=name)
        limit = page_size(ctx, first)
        scope = f"history:{name}:{key}"
        after_id = 0 if after is None else int(decode_cursor(ctx.cursor_key, scope, after))
        rows = await pipeline.record_history(ctx.db, name, key.strip(), after_id, limit + 1)
        return build_connection(ctx, scope, rows[:limit], len(rows) > limit, _change)


# ---------------------------------------------------------------- inputs


@strawberry.input(description="A party of a record: a person or an organisation.")
class PartyInput:
    name: str = strawberry.field(description="Name as the source registered it.")
    identifier: str | None = strawberry.field(
        default=None,
        description="Resident ID (18 or 15 digits) or USCC; without it the party is held for an operator.",
    )
    kind: SubjectKind | None = strawberry.field(
        default=None, description="PERSON or ORGANISATION; required only when there is no identifier."
    )


@strawberry.input(description="An owner of real estate.")
class OwnerInput(PartyInput):
    share: str = strawberry.field(description="Fraction held, in (0, 1], up to 6 decimals, e.g. '0.5'.")


@strawberry.input(description="A seal (by a court) or mortgage (by a lender) on real estate.")
class EncumbranceInput:
    kind: EncumbranceKind = strawberry.field(description="SEAL or MORTGAGE.")
    holder: str = strawberry.field(description="The court or lender.")
    case_number: str | None = strawberry.field(default=None, description="A seal's enforcement case number.")
    registered_on: datetime.date = strawberry.field(description="Date registered.")
    released_on: datetime.date | None = strawberry.field(default=None, description="Date released; null in force.")


@strawberry.input(description="Real estate as the land registry keeps it; the certificate number is its key.")
class RealEstateInput:
    certificate_number: str = strawberry.field(description="闽(2018)福州市不动产权第0012345号.")
    unit_number: str | None = strawberry.field(default=None, description="28-character unit number, if any.")
    region: str = strawberry.field(description="Six-digit division code where it lies.")
    address: str = strawberry.field(description="Address.")
    area_m2: str = strawberry.field(description="Floor area in square metres, up to 2 decimals.")
    usage: EstateUsage = strawberry.field(description="What the estate is used for.")
    registered_on: datetime.date = strawberry.field(description="Date of registration.")
    owners: list[OwnerInput] = strawberry.field(description="All owners with their shares (the full set).")
    encumbrances: list[EncumbranceInput] = strawberry.field(
        default_factory=list, description="All seals and mortgages (the full set)."
    )
    version: str | None = strawberry.field(default=None, description="The registry's version of this record.")


@strawberry.input(description="A seizure of a vehicle for an enforcement case.")
class SeizureInput:
    case_number: str = strawberry.field(description="The enforcement case number.")
    seized_on: datetime.date = strawberry.field(description="Date seized.")
    released_on: datetime.date | None = strawberry.field(default=None, description="Date released; null in force.")


@strawberry.input(description="A vehicle as the police register keeps it; the VIN is its key.")
class VehicleInput:
    plate: str = strawberry.field(description="Plate number, e.g. 闽A12345.")
    vin: str = strawberry.field(description="17-character VIN.")
    make: str = strawberry.field(description="Make.")
    vehicle_type: VehicleType = strawberry.field(description="The kind of vehicle.")
    registered_on: datetime.date = strawberry.field(description="Date of registration.")
    owner: PartyInput = strawberry.field(
        description="The owner; when it cannot be linked the whole record is held for an operator."
    )
    seizures: list[SeizureInput] = strawberry.field(default_factory=list, description="All seizures (the full set).")
    version: str | None = strawberry.field(default=None, description="The register's version of this record.")


@strawberry.input(description="A shareholder of a company.")
class ShareholderInput(PartyInput):
    share: str = strawberry.field(description="Fraction of the equity, in (0, 1], up to 6 decimals.")
    subscribed_capital: str = strawberry.field(description="Capital subscribed, in yuan.")


@strawberry.input(description="A person holding a role in a company.")
class OfficerInput(PartyInput):
    role: DirectorshipRole = strawberry.field(description="The role the person holds.")
    title: str | None = strawberry.field(default=None, description="Title, e.g. 执行董事.")
    since: datetime.date = strawberry.field(description="Date the role began.")


@strawberry.input(description="A company as market supervision registers it; the USCC is its key.")
class CompanyInput:
    uscc: str = strawberry.field(description="Unified social credit code.")
    name: str = strawberry.field(description="Registered name.")
    company_type: CompanyType = strawberry.field(description="The legal form.")
    registered_capital: str = strawberry.field(description="Registered capital in yuan.")
    established_on: datetime.date = strawberry.field(description="Date established.")
    status: CompanyStatus = strawberry.field(default=CompanyStatus.ACTIVE, description="Registration status.")
    address: str = strawberry.field(description="Registered address.")
    industry: str = strawberry.field(description="Industry.")
    shareholders: list[ShareholderInput] = strawberry.field(
        default_factory=list, description="All shareholders (the full set)."
    )
    officers: list[OfficerInput] = strawberry.field(default_factory=list, description="All officers (the full set).")
    version: str | None = strawberry.field(default=None, description="The register's version of this record.")


@strawberry.input(description="An enforcement case as the court keeps it; the case number is its key.")
class EnforcementCaseInput:
    case_number: str = strawberry.field(description="(2019)闽0102执1234号.")
    court_code: str | None = strawberry.field(default=None, description="Executing court; read from the number.")
    filed_on: datetime.date = strawberry.field(description="Date filed.")
    basis_document: str = strawberry.field(description="Number of the document enforced.")
    basis_issuer: str = strawberry.field(description="The unit that issued it.")
    obligation: str = strawberry.field(description="The obligation, in words.")
    amount: str = strawberry.field(description="Amount to perform, in yuan.")
    performance: Performance = strawberry.field(
        default=Performance.NONE, description="How far the obligation has been performed."
    )
    performed_amount: str = strawberry.field(default="0", description="Amount performed, in yuan.")
    parties: list[PartyInput] = strawberry.field(description="The subjects enforced against (the full set).")
    version: str | None = strawberry.field(default=None, description="The court's version of this record.")


@strawberry.input(description="A hotel in the tourism bureau's list; the code is its key.")
class HotelInput:
    code: str = strawberry.field(description="The bureau's code, 4 to 32 of A-Z, 0-9 and '-'.")
    name: str = strawberry.field(description="Hotel name.")
    region: str = strawberry.field(description="Six-digit division code.")
    address: str = strawberry.field(description="Address.")
    stars: int = strawberry.field(description="Star rating 0 (not rated) to 5.")
    rated_on: datetime.date | None = strawberry.field(default=None, description="Date of the rating; null for 0.")
    status: HotelStatus = strawberry.field(default=HotelStatus.OPEN, description="Operating or closed.")
    version: str | None = strawberry.field(default=None, description="The bureau's version of this record.")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def as_record(value: Any) -> Any:
    """An input as the JSON record of a file: camelCase keys, dates as YYYY-MM-DD."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_camel(f.name): as_record(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [as_record(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Enum):
        # The schema's enums carry the records' own spelling (REFUSES... -> "refuses..."): a
        # mutation's record goes through the same checks and merge as a file's.
        return value.value
    return value


async def _publish(info: Info, source: str, record: Any, source_version: str | None) -> IngestBatch:
    ctx = info.context
    pipeline.authorise(ctx.policy, ctx.principal, source)
    report = await pipeline.publish_record(ctx.db, ctx.principal, source, as_record(record), source_version)
    return batch_from_report(report)


SourceVersion = Annotated[str | None, arg("The version of the agency's data this change belongs to.")]


@strawberry.type(description="Sources publish their own records, one at a time.")
class IngestMutation:
    @strawberry.mutation(
        description="Store or update one real estate record (land registry), owners and encumbrances included."
    )
    async def upsert_real_estate(
        self, info: Info, input: Annotated[RealEstateInput, arg("The record.")], source_version: SourceVersion = None
    ) -> IngestBatch:
        return await _publish(info, "land", input, source_version)

    @strawberry.mutation(description="Store or update one vehicle (police), its owner and seizures included.")
    async def upsert_vehicle(
        self, info: Info, input: Annotated[VehicleInput, arg("The record.")], source_version: SourceVersion = None
    ) -> IngestBatch:
        return await _publish(info, "police", input, source_version)

    @strawberry.mutation(
        description="Store or update one company (market supervision), shareholders and officers included."
    )
    async def upsert_company(
        self, info: Info, input: Annotated[CompanyInput, arg("The record.")], source_version: SourceVersion = None
    ) -> IngestBatch:
        return await _publish(info, "market", input, source_version)

    @strawberry.mutation(description="Store or update one enforcement case (courts) and its parties.")
    async def upsert_enforcement_case(
        self,
        info: Info,
        input: Annotated[EnforcementCaseInput, arg("The record.")],
        source_version: SourceVersion = None,
    ) -> IngestBatch:
        return await _publish(info, "court", input, source_version)

    @strawberry.mutation(description="Store or update one hotel of the star-rating list (tourism).")
    async def upsert_hotel(
        self, info: Info, input: Annotated[HotelInput, arg("The record.")], source_version: SourceVersion = None
    ) -> IngestBatch:
        return await _publish(info, "tourism", input, source_version)
