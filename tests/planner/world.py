"""A small province for the differential tests: synthetic subjects, the newspaper's stories, an
agency of every profile, a removed listing, an interception with its feedback, and two hubs
over it that differ only in whether reads compile."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from starlette.types import Receive, Scope, Send

from hub.agencies import create_agency
from hub.db.database import Database
from hub.gateway.app import create_app
from hub.policy import Principal
from hub.policy.limits import Limits
from hub.seed.demo import load_stories
from hub.seed.synthetic import seed_synthetic
from hub.settings import Settings

# Every profile of rules.toml: (kind, role, purpose it declares).
PROFILES: dict[str, tuple[str, str | None, str]] = {
    "court": ("court", None, "(2018)闽0102执1867号"),
    "land": ("land", None, "REAL_ESTATE_REGISTRATION"),
    "market": ("market", None, "ENTERPRISE_REGISTRATION_CHANGE"),
    "police": ("police", None, "VEHICLE_ENFORCEMENT"),
    "hotel": ("police", "hotel", "HOTEL_CHECK_IN"),
    "tourism": ("tourism", None, ""),
    "housing": ("housing", None, "HOUSING_SUBSIDY"),
    "finance": ("finance", None, "LOAN_APPROVAL"),
    "civil_affairs": ("civil_affairs", None, "SOCIAL_ASSISTANCE"),
    "township": ("township", None, "VILLAGE_COMMITTEE_CANDIDACY"),
    "platform": ("platform", None, "PLATFORM_OVERSIGHT"),
}


@dataclass
class Hub:
    client: httpx.AsyncClient
    state: Any


@dataclass
class World:
    conn: asyncpg.Connection
    compiled: Hub
    executor: Hub
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    lin_id: str = "350102197604122712"
    listed_id: int = 0
    company_id: int = 0
    company_uscc: str = ""
    person_ids: list[int] = field(default_factory=list)
    owner_id: int = 0
    case_number: str = "(2018)闽0102执1867号"
    shareholders_cursor: str = ""
    search_cursor: str = ""
    hotels_cursor: str = ""

    async def ask(self, hub: Hub, profile: str, query: str, variables: dict[str, Any]) -> httpx.Response:
        return await hub.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers[profile]
        )

    def allowed(self, profile: str) -> frozenset[str]:
        """The schema coordinates the profile's policy lets it select."""
        kind, role, _ = PROFILES[profile]
        principal = Principal(0, f"W-{profile.upper()}", "", kind, "350000", None, role)
        return self.compiled.state.rules.for_principal(principal, development=True).allowed

    async def last_record(self) -> tuple[tuple[int, ...], tuple[str, ...], str]:
        row = await self.conn.fetchrow("SELECT subjects, fields, outcome FROM audit.event ORDER BY seq DESC LIMIT 1")
        assert row is not None
        return tuple(row["subjects"]), tuple(row["fields"]), row["outcome"]


@asynccontextmanager
async def served(db: Database, settings: Settings) -> AsyncIterator[Hub]:
    """The real ASGI app, lifespan run, its state at hand, over the test's connection."""
    app = create_app(settings, db=db)
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Hub(client, state["hub"])


@asynccontextmanager
async def world_of(conn: asyncpg.Connection, subjects: int = 300) -> AsyncIterator[World]:
    await seed_synthetic(conn, subjects=subjects, seed=11, progress=False)
    stories = await load_stories(conn)
    db = Database(connection=conn)
    # Rate limits off: the tests ask thousands of questions a minute, on purpose.
    settings = Settings(env="development", limits=Limits(operations_per_minute=10**9, subjects_per_minute=10**9))
    async with AsyncExitStack() as stack:
        compiled = await stack.enter_async_context(served(db, settings))
        executor = await stack.enter_async_context(served(db, dataclasses.replace(settings, compiled_reads=False)))
        world = World(conn, compiled, executor)
        for name, (kind, role, purpose) in PROFILES.items():
            created = await create_agency(db, code=f"W-{name.upper()}", name=f"测试{name}", kind=kind, role=role)
            headers = {"Authorization": f"Bearer {created.key}"}
            if purpose:
                headers["Hub-Purpose"] = quote(purpose)
            world.headers[name] = headers
        await _fill(world, stories)
        yield world


async def _fill(world: World, stories: dict[str, int]) -> None:
    conn = world.conn
    world.listed_id = stories["lin"]
    company = await conn.fetchrow(
        """SELECT s.id, s.identifier FROM core.subject s
            WHERE s.kind = 'organisation'
              AND EXISTS (SELECT FROM market.directorship d WHERE d.company_id = s.id AND d.role = 'legal_representative')
            ORDER BY (SELECT count(*) FROM market.shareholding h WHERE h.company_id = s.id) DESC, s.id LIMIT 1"""
    )
    assert company is not None
    world.company_id, world.company_uscc = company["id"], company["identifier"]
    world.person_ids = [
        r["id"]
        for r in await conn.fetch(
            """SELECT DISTINCT s.id FROM core.subject s JOIN land.ownership o ON o.subject_id = s.id
                WHERE s.kind = 'person' ORDER BY s.id LIMIT 8"""
        )
    ]
    world.owner_id = await conn.fetchval(
        "SELECT v.owner_id FROM police.vehicle v JOIN police.vehicle_seizure z ON z.vehicle_id = v.id ORDER BY v.id LIMIT 1"
    ) or await conn.fetchval("SELECT owner_id FROM police.vehicle ORDER BY id LIMIT 1")
    # History: one of the listed's entries removed (courts and the operator still see it).
    await conn.execute(
        """UPDATE court.listing SET removed_on = published_on + 30, removal_reason = 'paid'
            WHERE id = (SELECT id FROM court.listing WHERE subject_id <> $1 AND list = 'dishonest'
                         ORDER BY id LIMIT 1)""",
        world.listed_id,
    )
    # An interception of the listed debtor at the land registry, and what the registry did.
    screened = await world.ask(
        world.compiled,
        "land",
        """mutation { screen(matter: "REAL_ESTATE_REGISTRATION",
             identities: [{name: "林文斌", residentId: "350102197604122712"}]) { decisions { interceptionId } } }""",
        {},
    )
    interception = screened.json()["data"]["screen"]["decisions"][0]["interceptionId"]
    reported = await world.ask(
        world.compiled,
        "land",
        """mutation($id: ID!) { reportSanction(input: {interceptionId: $id, outcome: SANCTION_APPLIED,
             occurredAt: "2026-11-28T20:15:00.5+08:00", idempotencyKey: "world-report-0001"}) { id } }""",
        {"id": interception},
    )
    assert "errors" not in reported.json(), reported.text
    # Cursors as agencies hold them: from the executor, which always issued them.
    court = "court"
    page = await world.ask(
        world.executor,
        court,
        "query($id: ID!) { subject(id: $id) { ... on Organisation { shareholders(first: 2) { pageInfo { endCursor } } } } }",
        {"id": str(world.company_id)},
    )
    world.shareholders_cursor = page.json()["data"]["subject"]["shareholders"]["pageInfo"]["endCursor"]
    found = await world.ask(
        world.executor, court, '{ searchSubjects(name: "林", first: 3) { pageInfo { endCursor } } }', {}
    )
    world.search_cursor = found.json()["data"]["searchSubjects"]["pageInfo"]["endCursor"]
    hotels = await world.ask(
        world.executor, court, '{ hotels(minStars: 3, region: "35", first: 4) { pageInfo { endCursor } } }', {}
    )
    world.hotels_cursor = hotels.json()["data"]["hotels"]["pageInfo"]["endCursor"]
