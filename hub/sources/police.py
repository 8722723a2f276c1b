"""Vehicles and seizures: from the hub's tables, or from the police system itself.

With ``HUB_REMOTE_POLICE_URL`` set, vehicles are asked of the police traffic administration's
own system at query time (``remote_vehicles_by_owners``), by the owners' resident IDs and
USCCs; the contract is in the README ("Remote sources").
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, fetch_grouped, fetch_page
from hub.sources.remote import RemoteSource

Q = QUERIES.police

VEHICLE_TYPES = frozenset({"car", "truck", "bus", "motorcycle", "other"})
# The JSON API's batch read (POST, but a read: safe to send again).
VEHICLES_PATH = "/vehicles:batchGet"
# The GraphQL API's query.
VEHICLES_QUERY = """
query HubVehiclesByOwners($ownerIdentifiers: [String!]!) {
  vehiclesByOwners(ownerIdentifiers: $ownerIdentifiers) {
    ownerIdentifier plate vin make vehicleType registeredOn
    seizures { caseNumber seizedOn releasedOn }
  }
}
"""
# Owners per call: a larger batch goes out as several calls at once.
MAX_OWNERS_PER_CALL = 500


async def vehicles_by_owners(
    db: Database, owner_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.vehicles_by_owners, owner_ids, after, limit)


async def seizures_by_vehicles(db: Database, vehicle_ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.seizures_by_vehicles, vehicle_ids)


@dataclass(frozen=True, slots=True)
class RemoteSeizure:
    case_number: str
    seized_on: datetime.date
    released_on: datetime.date | None


@dataclass(frozen=True, slots=True)
class RemoteVehicle:
    owner_identifier: str
    plate: str
    vin: str
    make: str
    vehicle_type: str
    registered_on: datetime.date
    seizures: tuple[RemoteSeizure, ...]


async def remote_vehicles_by_owners(remote: RemoteSource, identifiers: Sequence[str]) -> dict[str, list[RemoteVehicle]]:
    """The vehicles of each owner (resident ID or USCC), ordered by VIN; owners without any are
    left out. One call per ``MAX_OWNERS_PER_CALL`` owners."""
    chunks = [list(identifiers[i : i + MAX_OWNERS_PER_CALL]) for i in range(0, len(identifiers), MAX_OWNERS_PER_CALL)]
    answers = await asyncio.gather(*(_fetch(remote, chunk) for chunk in chunks))
    asked = set(identifiers)
    found: dict[str, list[RemoteVehicle]] = {}
    for vehicles in answers:
        for vehicle in vehicles:
            # Whatever the source adds beyond what was asked is not returned.
            if vehicle.owner_identifier in asked:
                found.setdefault(vehicle.owner_identifier, []).append(vehicle)
    for vehicles in found.values():
        vehicles.sort(key=lambda v: v.vin)
    return found


async def _fetch(remote: RemoteSource, identifiers: list[str]) -> list[RemoteVehicle]:
    if remote.kind == "graphql":
        return await remote.graphql(
            VEHICLES_QUERY, {"ownerIdentifiers": identifiers}, lambda data: _vehicles(data, "vehiclesByOwners")
        )
    return await remote.post(
        VEHICLES_PATH,
        {"ownerIdentifiers": identifiers},
        idempotent=True,
        parse=lambda answer: _vehicles(answer, "vehicles"),
    )


def _vehicles(answer: Any, key: str) -> list[RemoteVehicle]:
    """The answer's vehicles, checked against the contract; ValueError naming the first field
    that breaks it (never its value)."""
    if not isinstance(answer, dict) or not isinstance(answer.get(key), list):
        raise ValueError(f"no {key} list in the answer")
    return [_vehicle(item, f"{key}[{i}]") for i, item in enumerate(answer[key])]


def _vehicle(item: Any, where: str) -> RemoteVehicle:
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    vehicle_type = _text(item, "vehicleType", where).lower()
    if vehicle_type not in VEHICLE_TYPES:
        raise ValueError(f"{where}.vehicleType is not one of {sorted(VEHICLE_TYPES)}")
    seizures = item.get("seizures") or []
    if not isinstance(seizures, list):
        raise ValueError(f"{where}.seizures is not a list")
    return RemoteVehicle(
        owner_identifier=_text(item, "ownerIdentifier", where).upper(),
        plate=_text(item, "plate", where),
        vin=_text(item, "vin", where),
        make=_text(item, "make", where),
        vehicle_type=vehicle_type,
        registered_on=_date(item, "registeredOn", where),
        seizures=tuple(_seizure(s, f"{where}.seizures[{i}]") for i, s in enumerate(seizures)),
    )


def _seizure(item: Any, where: str) -> RemoteSeizure:
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    return RemoteSeizure(
        case_number=_text(item, "caseNumber", where).replace("（", "(").replace("）", ")"),
        seized_on=_date(item, "seizedOn", where),
        released_on=None if item.get("releasedOn") is None else _date(item, "releasedOn", where),
    )


def _text(item: dict[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}.{name} is missing or not a string")
    return value.strip()


def _date(item: dict[str, Any], name: str, where: str) -> datetime.date:
    value = item.get(name)
    try:
        if not isinstance(value, str):
            raise TypeError
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}.{name} is not a date (YYYY-MM-DD)") from None
