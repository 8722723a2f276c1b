"""Vehicles from the police traffic administration."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.loaders.base import PageKey
from hub.schema.context import Info
from hub.schema.pagination import Connection, Edge, PageInfo, encode_cursor, page_args, page_connection
from hub.sources.base import Row
from hub.sources.police import RemoteSeizure, RemoteVehicle

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
    # The hub's row, or None when the vehicle came from the police system (remote source)
    # with its seizures.
    db_id: strawberry.Private[int | None]
    owner_id: strawberry.Private[int]
    remote_seizures: strawberry.Private[tuple[RemoteSeizure, ...] | None]
    id: strawberry.ID = strawberry.field(
        description=(
            "An id of the vehicle, stable across requests: the hub's internal id, or the VIN "
            "where the police keep their vehicles and the hub asks them at query time."
        )
    )
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
        if self.remote_seizures is not None:
            return [
                VehicleSeizure(
                    case_id=None, case_number=s.case_number, seized_on=s.seized_on, released_on=s.released_on
                )
                for s in self.remote_seizures
            ]
        assert self.db_id is not None
        rows = await info.context.loaders.seizures_by_vehicle.load(self.db_id)
        return [
            VehicleSeizure(
                case_id=r["case_id"],
                case_number=r["case_number"],
                seized_on=r["seized_on"],
                released_on=r["released_on"],
            )
            for r in rows
        ]

    @strawberry.field(description="True when a seizure is in force: the vehicle may not be transferred.")
    async def seized(self, info: Info) -> bool:
        if self.remote_seizures is not None:
            return any(s.released_on is None for s in self.remote_seizures)
        assert self.db_id is not None
        rows = await info.context.loaders.seizures_by_vehicle.load(self.db_id)
        return any(r["released_on"] is None for r in rows)


@strawberry.type(description="A court's seizure (扣押/查封) of a vehicle.")
class VehicleSeizure:
    # The hub's case row, or None when the police system named the case by its number.
    case_id: strawberry.Private[int | None]
    case_number: str = strawberry.field(
        description="Number of the enforcement case behind the seizure, e.g. (2019)闽0102执1234号."
    )
    seized_on: datetime.date = strawberry.field(description="Date of the seizure.")
    released_on: datetime.date | None = strawberry.field(description="Date released; null while in force.")

    @strawberry.field(
        description=(
            "The enforcement case behind the seizure; null when the police system names a case "
            "the hub's court records do not hold (`caseNumber` still says which)."
        )
    )
    async def case(self, info: Info) -> CaseT | None:
        from hub.schema.court import case_from_row

        if self.case_id is not None:
            row = await info.context.loaders.case_by_id.load(self.case_id)
        else:
            row = await info.context.loaders.case_by_number.load(self.case_number)
        return None if row is None else case_from_row(row)


def vehicle_from_row(row: Row) -> Vehicle:
    return Vehicle(
        db_id=row["id"],
        owner_id=row["owner_id"],
        remote_seizures=None,
        id=strawberry.ID(str(row["id"])),
        plate=row["plate"],
        vin=row["vin"],
        make=row["make"],
        vehicle_type=VehicleType(row["vehicle_type"]),
        registered_on=row["registered_on"],
    )


def vehicle_from_remote(vehicle: RemoteVehicle, owner_id: int) -> Vehicle:
    return Vehicle(
        db_id=None,
        owner_id=owner_id,
        remote_seizures=vehicle.seizures,
        id=strawberry.ID(vehicle.vin),
        plate=vehicle.plate,
        vin=vehicle.vin,
        make=vehicle.make,
        vehicle_type=VehicleType(vehicle.vehicle_type),
        registered_on=vehicle.registered_on,
    )


# Cursors of remote pages hold a position, not a row id: a cursor of one mode is refused by
# the other (INVALID_CURSOR) rather than misread.
REMOTE_SCOPE = "Subject.vehicles@police"


async def owner_vehicles(
    info: Info, owner_id: int, identifier: str, first: int | None, after: str | None
) -> Connection[Vehicle]:
    """A page of the vehicles registered to a subject: from the hub's tables, or (remote
    source) from the police system, which knows owners by resident ID or USCC."""
    remote = info.context.loaders.remote_vehicles_by_owner
    if remote is None:
        args = page_args(info.context, "Subject.vehicles", first, after)
        page = await info.context.loaders.vehicles_by_owner.load(PageKey(owner_id, args))
        return page_connection(info.context, "Subject.vehicles", page, vehicle_from_row)
    args = page_args(info.context, REMOTE_SCOPE, first, after)
    vehicles = await remote.load(identifier)
    start = args.after or 0
    window = vehicles[start : start + args.first]
    key = info.context.cursor_key
    edges = [
        Edge(cursor=encode_cursor(key, REMOTE_SCOPE, start + i + 1), node=vehicle_from_remote(v, owner_id))
        for i, v in enumerate(window)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(vehicles) > start + args.first, end_cursor=edges[-1].cursor if edges else None
        ),
    )
