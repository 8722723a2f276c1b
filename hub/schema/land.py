"""Real estate from the land registry."""

from __future__ import annotations

import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.schema.context import Info
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import Region, Subject
    from hub.schema.court import EnforcementCase

SubjectT = Annotated["Subject", strawberry.lazy("hub.schema.core")]
RegionT = Annotated["Region", strawberry.lazy("hub.schema.core")]
CaseT = Annotated["EnforcementCase", strawberry.lazy("hub.schema.court")]


@strawberry.enum(description="Registered use of a property.")
class EstateUsage(Enum):
    RESIDENTIAL = strawberry.enum_value("residential", description="Housing (住宅).")
    COMMERCIAL = strawberry.enum_value("commercial", description="Shops and offices (商业).")
    INDUSTRIAL = strawberry.enum_value("industrial", description="Industrial (工业).")
    LAND = strawberry.enum_value("land", description="Land use right only (土地).")
    OTHER = strawberry.enum_value("other", description="Any other use.")


@strawberry.enum(description="Kind of encumbrance on a property.")
class EncumbranceKind(Enum):
    SEAL = strawberry.enum_value("seal", description="Sealed by a court (查封): cannot be transferred.")
    MORTGAGE = strawberry.enum_value("mortgage", description="Mortgaged to a lender (抵押).")


@strawberry.type(description="A property registered in the land registry (不动产).")
class RealEstate:
    db_id: strawberry.Private[int]
    region_code: strawberry.Private[str]
    id: strawberry.ID = strawberry.field(description="The hub's internal id of the property.")
    certificate_number: str = strawberry.field(
        description="Title certificate number, e.g. 闽(2018)福州市不动产权第0012345号."
    )
    unit_number: str | None = strawberry.field(description="Real-estate unit number (不动产单元号), 28 characters.")
    address: str = strawberry.field(description="Address of the property.")
    area_m2: Decimal = strawberry.field(description="Floor area in square metres.")
    usage: EstateUsage = strawberry.field(description="Registered use.")
    registered_on: datetime.date = strawberry.field(description="Date of registration.")

    @strawberry.field(description="Division where the property lies.")
    def region(self) -> RegionT:
        from hub.schema.core import Region

        return Region(code=self.region_code)

    @strawberry.field(description="Every owner and their share; shares add up to at most 1.")
    async def owners(self, info: Info) -> list[Ownership]:
        rows = await info.context.loaders.owners_by_estate.load(self.db_id)
        return [Ownership(subject_id=r["subject_id"], share=r["share"]) for r in rows]

    @strawberry.field(description="Seals and mortgages, in force or released.")
    async def encumbrances(self, info: Info) -> list[Encumbrance]:
        rows = await info.context.loaders.encumbrances_by_estate.load(self.db_id)
        return [
            Encumbrance(
                case_id=r["case_id"],
                kind=EncumbranceKind(r["kind"]),
                holder=r["holder"],
                registered_on=r["registered_on"],
                released_on=r["released_on"],
            )
            for r in rows
        ]

    @strawberry.field(description="True when a court seal on the property is in force.")
    async def sealed(self, info: Info) -> bool:
        rows = await info.context.loaders.encumbrances_by_estate.load(self.db_id)
        return any(r["kind"] == "seal" and r["released_on"] is None for r in rows)


@strawberry.type(description="A subject's share in one property.")
class RealEstateHolding:
    share: Decimal = strawberry.field(description="Fraction of the property held, in (0, 1].")
    estate: RealEstate = strawberry.field(description="The property.")


@strawberry.type(description="One owner of a property and the share held.")
class Ownership:
    subject_id: strawberry.Private[int]
    share: Decimal = strawberry.field(description="Fraction of the property held, in (0, 1].")

    @strawberry.field(description="The owner.")
    async def owner(self, info: Info) -> SubjectT:
        from hub.schema.core import load_subject

        subject = await load_subject(info, self.subject_id)
        assert subject is not None
        return subject


@strawberry.type(description="A seal or mortgage registered on a property.")
class Encumbrance:
    case_id: strawberry.Private[int | None]
    kind: EncumbranceKind = strawberry.field(description="Seal or mortgage.")
    holder: str = strawberry.field(description="Court that sealed, or lender that holds the mortgage.")
    registered_on: datetime.date = strawberry.field(description="Date registered.")
    released_on: datetime.date | None = strawberry.field(description="Date released; null while in force.")

    @strawberry.field(description="For a court seal, the enforcement case behind it.")
    async def case(self, info: Info) -> CaseT | None:
        from hub.schema.court import case_from_row

        if self.case_id is None:
            return None
        row = await info.context.loaders.case_by_id.load(self.case_id)
        return None if row is None else case_from_row(row)


def estate_from_row(row: Row) -> RealEstate:
    return RealEstate(
        db_id=row["id"],
        region_code=row["region"],
        id=strawberry.ID(str(row["id"])),
        certificate_number=row["certificate_number"],
        unit_number=row["unit_number"],
        address=row["address"],
        area_m2=row["area_m2"],
        usage=EstateUsage(row["usage"]),
        registered_on=row["registered_on"],
    )


def holding_from_row(row: Row) -> RealEstateHolding:
    return RealEstateHolding(share=row["share"], estate=estate_from_row(row))
