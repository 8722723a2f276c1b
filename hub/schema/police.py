"""Vehicles from the police traffic administration."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.schema.context import Info
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import Subject
    from hub.schema.court import EnforcementCase

SubjectT = Annotated["Subject", strawberry.lazy("hub.schema.core")]
CaseT = Annotated["EnforcementCase", strawberry.lazy("hub.schema.court")]


@strawberry.enum(description="Kind of motor vehicle.")
class VehicleType(Enum):
    CAR = strawberry.enum_value("car", description="Passenger car.")
    TRUCK = strawberry.enum_value("truck", description="Goods vehicle.")
    BUS = strawberry.enum_value("bus", description="Bus or coach.")
    MOTORCYCLE = strawberry.enum_value("motorcycle", description="Motorcycle.")
    OTHER = strawberry.enum_value("other", description="Any other vehicle.")


@strawberry.type(description="A motor vehicle registered with the police.")
class Vehicle:
    db_id: strawberry.Private[int]
    owner_id: strawberry.Private[int]
    id: strawberry.ID = strawberry.field(description="The hub's internal id of the vehicle.")
    plate: str = strawberry.field(description="Licence plate, e.g. 闽A12345.")
    vin: str = strawberry.field(description="Vehicle identification number, 17 characters.")
    make: str = strawberry.field(description="Make and model.")
    vehicle_type: VehicleType = strawberry.field(description="Kind of vehicle.")
    registered_on: datetime.date = strawberry.field(description="Date of registration.")

    @strawberry.field(description="The registered owner.")
    async def owner(self, info: Info) -> SubjectT:
        from hub.schema.core import load_subject

        subject = await load_subject(info, self.owner_id)
        assert subject is not None
        return subject

    @strawberry.field(description="Seizures by courts, in force or released.")
    async def seizures(self, info: Info) -> list[VehicleSeizure]:
        rows = await info.context.loaders.seizures_by_vehicle.load(self.db_id)
        return [
            VehicleSeizure(case_id=r["case_id"], seized_on=r["seized_on"], released_on=r["released_on"]) for r in rows
        ]

    @strawberry.field(description="True when a seizure is in force: the vehicle may not be transferred.")
    async def seized(self, info: Info) -> bool:
        rows = await info.context.loaders.seizures_by_vehicle.load(self.db_id)
        return any(r["released_on"] is None for r in rows)


@strawberry.type(description="A court's seizure (扣押/查封) of a vehicle.")
class VehicleSeizure:
    case_id: strawberry.Private[int]
    seized_on: datetime.date = strawberry.field(description="Date of the seizure.")
    released_on: datetime.date | None = strawberry.field(description="Date released; null while in force.")

    @strawberry.field(description="The enforcement case behind the seizure.")
    async def case(self, info: Info) -> CaseT:
        from hub.schema.court import case_from_row

        row = await info.context.loaders.case_by_id.load(self.case_id)
        assert row is not None
        return case_from_row(row)


def vehicle_from_row(row: Row) -> Vehicle:
    return Vehicle(
        db_id=row["id"],
        owner_id=row["owner_id"],
        id=strawberry.ID(str(row["id"])),
        plate=row["plate"],
        vin=row["vin"],
        make=row["make"],
        vehicle_type=VehicleType(row["vehicle_type"]),
        registered_on=row["registered_on"],
    )
