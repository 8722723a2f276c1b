"""Keys are cached per process; a revocation anywhere reaches every process's cache."""

from __future__ import annotations

import asyncpg
import httpx
from websockets.asyncio.client import connect

from hub.agencies import PrincipalCache, create_agency, revoke_key
from hub.console.users import create_user
from hub.db.database import Database
from tests.console.test_sessions import PASSWORD, log_in, page_csrf
from tests.events.conftest import GraphQLWs, Hub, close_code, open_ws
from tests.served import poll

WHO = "{ __typename }"
REVOKE = 'mutation { revokeApiKey(agencyCode: "EV-LAND", label: "default") { code } }'


async def status(hub: Hub, key: str, query: str = WHO) -> int:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{hub.url}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {key}"}
        )
    return response.status_code


async def test_the_cache_answers_known_keys_and_forgets_on_revocation(db: Database) -> None:
    created = await create_agency(db, code="CACHE-LAND", name="缓存", kind="land")
    trusted = True
    cache = PrincipalCache(lambda: trusted)

    first = await cache.principal(db, created.key)
    before = db.statements
    again = await cache.principal(db, created.key)
    cached_statements = db.statements - before
    await revoke_key(db, created.id, "default")
    cache.forget()
    after_revocation = await cache.principal(db, created.key)
    trusted = False  # announcements may be missed: every lookup goes to the database
    before = db.statements
    await cache.principal(db, "hub_unknown")
    await cache.principal(db, "hub_unknown")

    assert first is not None
    assert again == first
    assert cached_statements == 0
    assert after_revocation is None
    assert db.statements - before == 2


async def test_a_key_revoked_by_another_process_is_refused(hub: Hub) -> None:
    assert await status(hub, hub.keys["land"]) == 200  # now cached by the hub

    conn = await asyncpg.connect(hub.database_url)  # as `hub agency key revoke` does
    try:
        db = Database(connection=conn)
        agency_id = await conn.fetchval("SELECT id FROM core.agency WHERE code = 'EV-LAND'")
        await revoke_key(db, agency_id, "default")
    finally:
        await conn.close()

    async def refused() -> bool:
        return await status(hub, hub.keys["land"]) == 401

    # Well before the cache's own expiry (5 s): the announcement emptied it.
    await poll(refused, "the revoked key refused", deadline_s=2)


async def test_a_key_revoked_here_is_refused_by_the_next_request(hub: Hub) -> None:
    assert await status(hub, hub.keys["land"]) == 200

    assert await status(hub, hub.keys["platform"], REVOKE) == 200

    assert await status(hub, hub.keys["land"]) == 401


async def test_an_open_websocket_is_closed_when_its_key_is_revoked(hub: Hub) -> None:
    land = await open_ws(hub, hub.keys["land"])
    court = await open_ws(hub, hub.keys["court"])
    await land.subscribe("1", "subscription { listChanges(after: 0) { seq } }")
    await court.subscribe("1", "subscription { listChanges(after: 0) { seq } }")

    assert await status(hub, hub.keys["platform"], REVOKE) == 200

    assert await close_code(land) == 4403
    await court.send({"type": "ping"})
    assert (await court.receive())["type"] == "pong"  # another agency's connection stays
    await court.ws.close()


async def test_a_console_sessions_socket_stays_open_when_a_key_is_revoked(hub: Hub) -> None:
    conn = await asyncpg.connect(hub.database_url)
    try:
        db = Database(connection=conn)
        await create_agency(db, code="EV-DESK", name="前台", kind="police", mode="console", role="hotel")
        await create_user(db, agency_code="EV-DESK", username="desk.clerk", role="clerk", password=PASSWORD)
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=hub.url) as browser:
        await log_in(browser, "desk.clerk")
        token = await page_csrf(browser)
        cookie = browser.cookies["hub_session"]
    console = GraphQLWs(
        await connect(
            hub.ws_url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers={"Cookie": f"hub_session={cookie}"},
        )
    )
    await console.send({"type": "connection_init", "payload": {"csrf": token}})
    assert (await console.receive())["type"] == "connection_ack"
    land = await open_ws(hub, hub.keys["land"])

    assert await status(hub, hub.keys["platform"], REVOKE) == 200

    assert await close_code(land) == 4403  # the announcement has been handled
    await console.send({"type": "ping"})
    assert (await console.receive())["type"] == "pong"
    await console.ws.close()
