"""A stand-in for the police traffic administration's own vehicle system, for the hub to call
over real HTTP on loopback: its JSON API, its GraphQL API, and a write endpoint.

Its ``mode`` says how it behaves: ``healthy`` answers, ``slow`` holds every request until the
stand-in is closed (far past any timeout), ``failing`` answers 500, ``garbage`` answers 200
with vehicles that break the contract. ``fail_next`` makes the next N calls fail with 500
whatever the mode. ``calls`` counts every request that reached it.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.served import Served


@dataclass
class Seizure:
    case_number: str
    seized_on: datetime.date
    released_on: datetime.date | None = None


@dataclass
class Car:
    owner: str
    plate: str
    vin: str
    make: str = "比亚迪秦"
    vehicle_type: str = "car"
    registered_on: datetime.date = datetime.date(2018, 1, 1)
    seizures: list[Seizure] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "ownerIdentifier": self.owner,
            "plate": self.plate,
            "vin": self.vin,
            "make": self.make,
            "vehicleType": self.vehicle_type,
            "registeredOn": self.registered_on.isoformat(),
            "seizures": [
                {
                    "caseNumber": s.case_number,
                    "seizedOn": s.seized_on.isoformat(),
                    "releasedOn": s.released_on.isoformat() if s.released_on else None,
                }
                for s in self.seizures
            ],
        }


@strawberry.type
class GqlSeizure:
    case_number: str
    seized_on: datetime.date
    released_on: datetime.date | None


@strawberry.type
class GqlVehicle:
    owner_identifier: str
    plate: str
    vin: str
    make: str
    vehicle_type: str
    registered_on: datetime.date
    seizures: list[GqlSeizure]


@strawberry.type
class GqlQuery:
    @strawberry.field
    def vehicles_by_owners(self, info: strawberry.Info, owner_identifiers: list[str]) -> list[GqlVehicle]:
        system: PoliceSystem = info.context
        return [
            GqlVehicle(
                owner_identifier=car.owner,
                plate=car.plate,
                vin=car.vin,
                make=car.make,
                vehicle_type=car.vehicle_type.upper(),
                registered_on=car.registered_on,
                seizures=[
                    GqlSeizure(case_number=s.case_number, seized_on=s.seized_on, released_on=s.released_on)
                    for s in car.seizures
                ],
            )
            for car in system.cars_of(owner_identifiers)
        ]


GQL_SCHEMA = strawberry.Schema(query=GqlQuery)


class PoliceSystem:
    def __init__(self, cars: list[Car] | None = None, token: str | None = None) -> None:
        self.cars = list(cars or [])
        self.token = token
        self.mode = "healthy"
        self.fail_next = 0
        self.calls = 0
        # The owners asked for, one list per call that got an answer.
        self.asked: list[list[str]] = []
        self.authorizations: list[str | None] = []
        self._closing = asyncio.Event()

    def cars_of(self, owners: list[str]) -> list[Car]:
        wanted = set(owners)
        return [car for car in self.cars if car.owner in wanted]

    async def _gate(self, request: Request) -> Response | None:
        """How the current mode treats a request that arrived; None lets it through."""
        self.calls += 1
        self.authorizations.append(request.headers.get("authorization"))
        if self.fail_next > 0:
            self.fail_next -= 1
            return JSONResponse({"error": "internal"}, status_code=500)
        if self.mode == "failing":
            return JSONResponse({"error": "internal"}, status_code=500)
        if self.mode == "slow":
            # Holds the request far past any timeout the hub uses; let go when closed.
            await asyncio.wait_for(self._closing.wait(), 60)
        if self.token is not None and request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        return None

    async def batch_get(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        body = await request.json()
        owners = body["ownerIdentifiers"]
        self.asked.append(owners)
        if self.mode == "garbage":
            return JSONResponse({"vehicles": [{"ownerIdentifier": owners[0], "plate": 12345}]})
        return JSONResponse({"vehicles": [car.as_json() for car in self.cars_of(owners)]})

    async def graphql(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        body = await request.json()
        self.asked.append(list(body["variables"]["ownerIdentifiers"]))
        result = await GQL_SCHEMA.execute(body["query"], variable_values=body["variables"], context_value=self)
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [{"message": e.message} for e in result.errors]
        return JSONResponse(answer)

    async def note(self, request: Request) -> Response:
        """A write (not part of the hub's contract): only here to show writes are sent once."""
        refused = await self._gate(request)
        return refused or JSONResponse({"ok": True})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/vehicles:batchGet", self.batch_get, methods=["POST"]),
                Route("/graphql", self.graphql, methods=["POST"]),
                Route("/notes", self.note, methods=["POST"]),
            ]
        )

    def close(self) -> None:
        self._closing.set()


@asynccontextmanager
async def serve_police(system: PoliceSystem) -> AsyncIterator[str]:
    """The stand-in on a loopback port; its base URL."""
    async with Served(system.app()) as served:
        try:
            yield served.url
        finally:
            system.close()
