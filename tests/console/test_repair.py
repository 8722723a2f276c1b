"""The credit repair page: a clerk of the publishing court records an application, a supervisor
approves it (CSRF-checked, audited); overdue applications show on the dashboard."""

from __future__ import annotations

import datetime as dt

import asyncpg
import httpx

from hub.agencies import create_agency
from hub.console.users import create_user
from hub.db.database import Database
from tests.console.test_sessions import PASSWORD, csrf_of, log_in


async def _users(db: Database) -> None:
    await create_agency(db, code="T-GULOU", name="测试鼓楼法院", kind="court", region="350102", mode="console")
    await create_agency(db, code="T-XIAMEN", name="测试厦门法院", kind="court", region="350200", mode="console")
    await create_agency(db, code="T-CENTRE", name="测试省级平台", kind="platform", mode="console")
    await create_user(db, agency_code="T-GULOU", username="gl.clerk", role="clerk", password=PASSWORD)
    await create_user(db, agency_code="T-GULOU", username="gl.boss", role="supervisor", password=PASSWORD)
    await create_user(db, agency_code="T-XIAMEN", username="xm.boss", role="supervisor", password=PASSWORD)
    await create_user(db, agency_code="T-CENTRE", username="ops.user", role="operator", password=PASSWORD)


async def _audited(conn: asyncpg.Connection) -> dict[str, object]:
    row = await conn.fetchrow(
        "SELECT operator, operation_name, outcome, agency_code FROM audit.event ORDER BY seq DESC LIMIT 1"
    )
    assert row is not None
    return dict(row)


async def test_a_clerk_records_a_supervisor_approves_and_overdue_ones_show_on_the_dashboard(
    app_client: httpx.AsyncClient, db: Database, conn: asyncpg.Connection, stories: dict[str, int]
) -> None:
    await _users(db)
    listing_id = await conn.fetchval(
        "SELECT id FROM court.listing WHERE subject_id = $1 AND removed_on IS NULL", stories["lin"]
    )

    assert (await log_in(app_client, "gl.clerk")).status_code == 303
    page = await app_client.get("/console/repair?lang=en")
    assert page.status_code == 200
    assert 'id="repair-apply"' in page.text
    assert 'id="repair-none"' in page.text
    form = {
        "listing": str(listing_id),
        "applicant": "林文斌",
        "grounds": "已履行完毕",
        "evidence": "结案通知书",
        "documents": "(2026)闽0102执恢12号\n",
    }
    forged = await app_client.post("/console/repair/apply", data={**form, "csrf": "forged"})
    assert forged.status_code == 403
    assert await conn.fetchval("SELECT count(*) FROM sanctions.credit_repair") == 0
    blank = await app_client.post("/console/repair/apply", data={**form, "grounds": " ", "csrf": csrf_of(page.text)})
    assert blank.headers["location"] == "/console/repair?error=BAD_USER_INPUT"
    recorded = await app_client.post("/console/repair/apply", data={**form, "csrf": csrf_of(page.text)})
    assert recorded.status_code == 303
    assert recorded.headers["location"] == "/console/repair?done=applied"
    assert await _audited(conn) == {
        "operator": "console:gl.clerk",
        "operation_name": "applyForCreditRepair",
        "outcome": "ok",
        "agency_code": "T-GULOU",
    }
    application = await conn.fetchval("SELECT id FROM sanctions.credit_repair")
    listed = await app_client.get("/console/repair?lang=zh-CN")
    assert f'data-application="{application}"' in listed.text
    assert "待决定" in listed.text
    # A clerk records; only a supervisor decides.
    assert 'action="/console/repair/decide"' not in listed.text
    clerk_decides = await app_client.post(
        "/console/repair/decide",
        data={"application": str(application), "approve": "1", "reasons": "x", "csrf": csrf_of(listed.text)},
    )
    assert clerk_decides.status_code == 403

    # Overdue: handed in long ago. The court's dashboard and the operator's show it.
    await conn.execute(
        "UPDATE sanctions.credit_repair SET applied_on = $1, due_on = sanctions.add_working_days($1, 15)",
        dt.date(2026, 1, 5),
    )
    await app_client.post("/console/logout", data={"csrf": csrf_of(listed.text)})
    for user in ("ops.user", "gl.boss"):
        await log_in(app_client, user)
        dashboard = await app_client.get("/console/dashboard?lang=en")
        assert 'id="repair-overdue"' in dashboard.text, user
        assert f'data-application="{application}"' in dashboard.text
        assert "2026-01-26" in dashboard.text
        page = await app_client.get("/console/repair")
        await app_client.post("/console/logout", data={"csrf": csrf_of(page.text)})

    # Another court's supervisor sees nothing of it and may not decide it.
    await log_in(app_client, "xm.boss")
    other = await app_client.get("/console/dashboard?lang=en")
    assert 'id="repair-overdue-none"' in other.text
    other_page = await app_client.get("/console/repair")
    assert f'data-application="{application}"' not in other_page.text
    refused = await app_client.post(
        "/console/repair/decide",
        data={"application": str(application), "approve": "1", "reasons": "准予", "csrf": csrf_of(other_page.text)},
    )
    assert refused.headers["location"] == "/console/repair?error=NOT_YOUR_COURT"
    assert await conn.fetchval("SELECT status FROM sanctions.credit_repair") == "submitted"
    await app_client.post("/console/logout", data={"csrf": csrf_of(other_page.text)})

    await log_in(app_client, "gl.boss")
    boss_page = await app_client.get("/console/repair")
    assert 'action="/console/repair/decide"' in boss_page.text
    approved = await app_client.post(
        "/console/repair/decide",
        data={
            "application": str(application),
            "approve": "1",
            "reasons": "义务已履行",
            "csrf": csrf_of(boss_page.text),
        },
    )
    assert approved.headers["location"] == "/console/repair?done=approved"
    assert await _audited(conn) == {
        "operator": "console:gl.boss",
        "operation_name": "decideCreditRepair",
        "outcome": "ok",
        "agency_code": "T-GULOU",
    }
    assert await conn.fetchval("SELECT removal_reason FROM court.listing WHERE id = $1", listing_id) == "credit_repair"
    again = await app_client.post(
        "/console/repair/decide",
        data={"application": str(application), "approve": "0", "reasons": "再次", "csrf": csrf_of(boss_page.text)},
    )
    assert again.headers["location"] == "/console/repair?error=ALREADY_DECIDED"
    shown = await app_client.get(again.headers["location"] + "&lang=zh-CN")
    assert "该事项已处理过" in shown.text
    dashboard = await app_client.get("/console/dashboard?lang=en")
    assert 'id="repair-overdue-none"' in dashboard.text
