"""A parked webhook on the operator's dashboard, resumed from the console or by GraphQL."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.agencies import create_agency
from hub.console.users import create_user
from hub.db.database import Database
from hub.events import webhooks
from hub.gateway.app import create_app
from hub.settings import Settings
from tests.console.test_sessions import PASSWORD, csrf_of, log_in
from tests.events.conftest import emit_committed, seed
from tests.served import Served, poll

RESUME = 'mutation { resumeAgencyWebhook(agencyCode: "EV-LAND") }'
PARKED = "{ parkedWebhooks { agencyCode pendingEvents lastHttpStatus lastError } }"


@pytest_asyncio.fixture
async def parked_land(db: Database, conn: asyncpg.Connection) -> str:
    """A land registry whose webhook is parked, and the operator's console user."""
    land = await create_agency(db, code="T-LAND-HOOK", name="测试不动产登记中心", kind="land")
    await webhooks.register(db, land.id, "http://127.0.0.1:9/hook")
    await conn.execute(
        "UPDATE events.webhook SET parked_at = now(), attempts = 11, last_http_status = 503 WHERE agency_id = $1",
        land.id,
    )
    await create_agency(db, code="T-CENTRE", name="测试省级平台", kind="platform", mode="console")
    await create_user(db, agency_code="T-CENTRE", username="ops.user", role="operator", password=PASSWORD)
    return "T-LAND-HOOK"


async def test_the_operator_sees_a_parked_webhook_and_resumes_it_from_the_console(
    app_client: httpx.AsyncClient, conn: asyncpg.Connection, parked_land: str
) -> None:
    assert (await log_in(app_client, "ops.user")).status_code == 303
    dashboard = await app_client.get("/console/dashboard?lang=en")
    assert dashboard.status_code == 200
    assert 'id="parked"' in dashboard.text
    assert "<h2>Parked webhooks</h2>" in dashboard.text
    assert f'data-agency="{parked_land}"' in dashboard.text
    assert "测试不动产登记中心" in dashboard.text
    chinese = await app_client.get("/console/dashboard?lang=zh-CN")
    assert "<h2>已暂停的推送（Webhook）</h2>" in chinese.text

    forged = await app_client.post("/console/webhooks/resume", data={"agency": parked_land, "csrf": "forged"})
    still = await conn.fetchval("SELECT parked_at FROM events.webhook WHERE active")
    resumed = await app_client.post(
        "/console/webhooks/resume", data={"agency": parked_land, "csrf": csrf_of(dashboard.text)}
    )
    after = await app_client.get(resumed.headers["location"])

    assert forged.status_code == 403
    assert still is not None
    assert resumed.status_code == 303
    assert await conn.fetchval("SELECT parked_at FROM events.webhook WHERE active") is None
    assert 'id="webhook-notice"' in after.text
    assert f'data-agency="{parked_land}"' not in after.text
    audited = await conn.fetchrow(
        "SELECT operator, operation_type, operation_name, outcome, agency_code, purpose FROM audit.event ORDER BY seq DESC LIMIT 1"
    )
    assert dict(audited) == {
        "operator": "console:ops.user",
        "operation_type": "mutation",
        "operation_name": "resumeAgencyWebhook",
        "outcome": "ok",
        "agency_code": "T-CENTRE",
        "purpose": parked_land,
    }


async def test_other_roles_see_no_card_and_may_not_resume(
    app_client: httpx.AsyncClient, db: Database, conn: asyncpg.Connection, parked_land: str
) -> None:
    await create_agency(db, code="T-COURT-DESK", name="测试法院", kind="court", mode="console")
    await create_user(db, agency_code="T-COURT-DESK", username="court.clerk", role="supervisor", password=PASSWORD)
    await log_in(app_client, "court.clerk")
    dashboard = await app_client.get("/console/dashboard?lang=en")

    refused = await app_client.post(
        "/console/webhooks/resume", data={"agency": parked_land, "csrf": csrf_of(dashboard.text)}
    )

    assert dashboard.status_code == 200
    assert 'id="parked"' not in dashboard.text
    assert parked_land not in dashboard.text
    assert refused.status_code == 403
    assert await conn.fetchval("SELECT parked_at FROM events.webhook WHERE active") is not None


@pytest.fixture
def short_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two attempts 50 ms apart, then the webhook is parked.
    monkeypatch.setenv("HUB_WEBHOOK_SCHEDULE", "0.05")
    monkeypatch.setenv("HUB_AUDIT_CHECKPOINT_SECONDS", "0")


async def test_the_operators_resume_delivers_every_pending_event_in_order(
    fresh_database_url: str, tmp_path: Path, short_schedule: None
) -> None:
    keys, subject_id = await seed(fresh_database_url)
    answering = False
    delivered: list[int] = []
    attempted: list[int] = []

    async def endpoint(request: Request) -> Response:
        seq = orjson.loads(await request.body())["seq"]
        attempted.append(seq)
        if not answering:
            return Response(status_code=503)
        delivered.append(seq)
        return Response(status_code=204)

    receiver_app = Starlette(routes=[Route("/hook", endpoint, methods=["POST"])])
    settings = Settings(env="development", data_dir=tmp_path, audit_checkpoint_seconds=0)
    async with Served(receiver_app) as receiver, Served(create_app(settings, database_url=fresh_database_url)) as hub:
        async with httpx.AsyncClient(base_url=hub.url) as http:

            async def call(key: str, query: str, variables: dict[str, str] | None = None) -> httpx.Response:
                return await http.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {key}"},
                )

            url = f"http://127.0.0.1:{receiver.port}/hook"
            await call(keys["land"], "mutation($u: String!) { registerWebhook(url: $u) { afterSeq } }", {"u": url})
            events = [
                await emit_committed(fresh_database_url, subject_id, "listing.published", listing_id=n)
                for n in (1, 2, 3)
            ]
            conn = await asyncpg.connect(fresh_database_url)
            try:

                async def parked() -> bool:
                    return await conn.fetchval("SELECT parked_at IS NOT NULL FROM events.webhook WHERE active")

                await poll(parked, "the webhook to be parked")
                before_resume = list(attempted)
                listed = await call(keys["platform"], PARKED)
                answering = True
                refused = await call(keys["land"], RESUME)
                resumed = await call(keys["platform"], RESUME)

                async def all_delivered() -> bool:
                    return len(delivered) >= len(events)

                await poll(all_delivered, "every pending event after the resume")
                audited = await conn.fetchval(
                    "SELECT count(*) FROM audit.event WHERE agency_code = 'EV-PLATFORM' AND 'Mutation.resumeAgencyWebhook' = ANY(fields)"
                )
            finally:
                await conn.close()

    # While the oldest event failed, the later ones waited behind it; the webhook was parked.
    assert before_resume == [events[0], events[0]]
    # Only the operator may resume another agency's webhook.
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    assert listed.json() == {
        "data": {
            "parkedWebhooks": [
                {"agencyCode": "EV-LAND", "pendingEvents": 3, "lastHttpStatus": 503, "lastError": "HTTP 503"}
            ]
        }
    }
    assert resumed.json() == {"data": {"resumeAgencyWebhook": True}}
    assert delivered == events
    assert audited == 1
