"""A subject's own credit repair application (信用修复) on the public side, through HTTP: the
exact name, full identifier and entry file an application with origin SUBJECT that the
publisher sees and decides; anything that does not match answers the search's neutral "no
matching public entry" and stores nothing. Limited per client network like the searches,
same-origin only from browsers, body-size capped, audited without the ID number, and never
stored without its record."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from hub.db.database import Database
from hub.identity import make_resident_id
from hub.settings import Settings
from tests.gateway.test_public import LIN, LIN_CASE, _public_events, public_client
from tests.sanctions.test_credit_repair import APPLICATIONS, DECIDE
from tests.sanctions.test_lifecycle import post
from tests.sanctions.test_list_kinds import _agency
from tests.schema.test_subjects import LIN_ID

OPEN = Settings(env="development", public_disclosure=True, public_rate_per_minute=1000, public_daily_budget=1000)
JSON = {"Accept": "application/json"}
QUERY = """query { creditRepairApplications { id origin recordedBy applicant evidenceDocuments status
  listing { id active } } }"""


def _form(**changes: str) -> dict[str, str]:
    return {
        "name": LIN,
        "id": LIN_ID,
        "entry": LIN_CASE,
        "applicant": "林文斌（本人）",
        "grounds": "已全部履行判决确定的义务",
        "evidence": "执行款收据及申请执行人出具的履行完毕证明",
        "documents": "(2026)闽0102执恢12号结案通知书\n收据 0012345",
        **changes,
    }


async def _apply(client: httpx.AsyncClient, headers: dict[str, str] | None = None, **changes: str) -> httpx.Response:
    return await client.post("/public/repair", data=_form(**changes), headers={**JSON, **(headers or {})})


def _code(response: httpx.Response) -> str:
    body: dict[str, Any] = response.json()
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def _stored(db: Database) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM sanctions.credit_repair")
    return count


async def test_the_subject_applies_and_its_publisher_sees_the_origin_and_decides(
    db: Database, stories: dict[str, int], app_client: httpx.AsyncClient
) -> None:
    gulou = await _agency(db, "T-GULOU-COURT", "court", "350102", quote(LIN_CASE))
    async with public_client(db, OPEN) as public:
        form = await public.get("/public/repair")
        assert form.status_code == 200
        assert 'action="/public/repair"' in form.text
        assert "<script" not in form.text
        assert "信用修复申请" in form.text
        assert "Credit repair application" in (await public.get("/public/repair?lang=en")).text
        # The other bracket form of the case number names the same entry.
        response = await _apply(public, entry=LIN_CASE.replace("(", "（").replace(")", "）"))
        assert response.status_code == 201, response.text
        filed = response.json()
        assert filed["status"] == "SUBMITTED"
        assert filed["dueOn"]
        # One undecided application per entry.
        again = await _apply(public)
        assert (again.status_code, _code(again)) == (409, "REPAIR_PENDING")
        # A browser's form gets the page back.
        page = await public.post("/public/repair", data=_form(), headers={"Sec-Fetch-Site": "same-origin"})
        assert page.status_code == 409
        assert 'data-code="REPAIR_PENDING"' in page.text
    assert await _stored(db) == 1
    row = await db.fetchrow("SELECT origin, recorded_by, recorded_by_user, status FROM sanctions.credit_repair")
    assert row is not None
    assert tuple(row.values()) == ("subject", None, None, "submitted")

    seen = await post(app_client, gulou, QUERY, {})
    assert "errors" not in seen, seen
    [application] = seen["data"]["creditRepairApplications"]
    assert application["id"] == filed["applicationId"]
    assert (application["origin"], application["recordedBy"], application["status"]) == (
        "SUBJECT",
        "public",
        "SUBMITTED",
    )
    assert application["evidenceDocuments"] == ["(2026)闽0102执恢12号结案通知书", "收据 0012345"]
    listed = await post(app_client, gulou, APPLICATIONS, {"status": "SUBMITTED"})
    assert [a["id"] for a in listed["data"]["creditRepairApplications"]] == [filed["applicationId"]]
    decided = await post(
        app_client, gulou, DECIDE, {"a": filed["applicationId"], "approve": True, "reasons": "核实属实"}
    )
    assert "errors" not in decided, decided
    assert decided["data"]["decideCreditRepair"]["status"] == "APPROVED"
    assert decided["data"]["decideCreditRepair"]["listing"]["removalReason"] == "CREDIT_REPAIR"


async def test_a_mismatch_answers_the_neutral_no_match_and_stores_nothing(
    db: Database, stories: dict[str, int]
) -> None:
    other_id = await db.fetchval("SELECT identifier FROM core.subject WHERE name = '龚德明'")
    async with public_client(db, OPEN) as public:
        answers = [
            await _apply(public, name="林文"),
            await _apply(public, id=other_id),
            await _apply(public, entry="(2018)闽0102执9999号"),
            await _apply(public, name="不存在的人", id=make_resident_id("110101", date(1990, 3, 7), 123)),
            await _apply(public, id="11010119900307123X"),
        ]
        for answer in answers[:4]:
            assert (answer.status_code, _code(answer)) == (404, "NO_MATCHING_PUBLIC_ENTRY"), answer.text
            assert LIN_CASE not in answer.text
            assert "court" not in answer.text.lower()
        # A malformed identifier (its checksum) is named as such, never echoed.
        assert (answers[4].status_code, _code(answers[4])) == (400, "INVALID_IDENTIFIER")
        assert "11010119900307123X" not in answers[4].text
        blank = await _apply(public, grounds=" ")
        assert (blank.status_code, _code(blank)) == (400, "BAD_USER_INPUT")
        assert "grounds" in blank.json()["errors"][0]["message"]
    assert await _stored(db) == 0


async def test_an_entry_not_in_force_or_not_public_is_not_applied_for(db: Database, stories: dict[str, int]) -> None:
    await db.execute(
        "UPDATE court.listing SET removed_on = current_date - 1, removal_reason = 'paid' "
        "WHERE subject_id = (SELECT id FROM core.subject WHERE name = $1)",
        LIN,
    )
    async with public_client(db, OPEN) as public:
        answer = await _apply(public)
        assert (answer.status_code, _code(answer)) == (404, "NO_MATCHING_PUBLIC_ENTRY")
    assert await _stored(db) == 0


async def test_every_application_is_audited_without_the_id_number(db: Database, stories: dict[str, int]) -> None:
    async with public_client(db, OPEN) as public:
        assert (await _apply(public)).status_code == 201
        assert (await _apply(public, name="林文")).status_code == 404
    filed, missed = await _public_events(db)
    assert (filed["operator"], filed["agency_id"], filed["operation_name"], filed["outcome"]) == (
        "public",
        None,
        "publicCreditRepair",
        "ok",
    )
    assert filed["subjects"] == [stories["lin"]]
    assert (missed["outcome"], missed["subjects"], missed["error_codes"]) == ("error", [], ["NO_MATCHING_PUBLIC_ENTRY"])
    assert str(filed["client"]) == "203.0.113.0"
    for event in (filed, missed):
        assert LIN_ID not in repr(event)
        assert LIN_ID[:10] not in repr(event)


async def test_no_trace_no_application(db: Database, stories: dict[str, int]) -> None:
    async with public_client(db, OPEN) as public:
        await db.execute("ALTER TABLE audit.event RENAME TO event_unreachable")
        answer = await _apply(public)
        assert (answer.status_code, _code(answer)) == (503, "AUDIT_UNAVAILABLE")
        assert answer.headers["retry-after"]
        await db.execute("ALTER TABLE audit.event_unreachable RENAME TO event")
    assert await _stored(db) == 0


async def test_applications_count_against_the_public_limits(db: Database, stories: dict[str, int]) -> None:
    settings = Settings(env="development", public_disclosure=True, public_rate_per_minute=2, public_daily_budget=100)
    async with public_client(db, settings) as public:
        assert (await public.get("/public/search", params={"name": LIN, "id": LIN_ID})).status_code == 200
        assert (await _apply(public, name="林文")).status_code == 404
        limited = await _apply(public)
        assert (limited.status_code, _code(limited)) == (429, "PUBLIC_RATE_LIMITED")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert await _stored(db) == 0


async def test_cross_site_forms_bodies_too_large_and_other_media_are_refused(
    db: Database, stories: dict[str, int]
) -> None:
    async with public_client(db, OPEN) as public:
        cross = await _apply(public, headers={"Sec-Fetch-Site": "cross-site"})
        assert (cross.status_code, _code(cross)) == (403, "CROSS_SITE_FORM")
        foreign = await _apply(public, headers={"Origin": "https://evil.example"})
        assert (foreign.status_code, _code(foreign)) == (403, "CROSS_SITE_FORM")
        large = await _apply(public, evidence="证" * 20_000)
        assert (large.status_code, _code(large)) == (413, "PAYLOAD_TOO_LARGE")
        as_json = await public.post("/public/repair", json=_form(), headers=JSON)
        assert (as_json.status_code, _code(as_json)) == (415, "FORM_REQUIRED")
        # The hub's own page, from a browser without Fetch Metadata: its Origin is the hub's.
        own = await _apply(public, headers={"Origin": "http://hub.test"})
        assert own.status_code == 201, own.text
    assert await _stored(db) == 1


async def test_the_switch_turns_applications_off(db: Database, stories: dict[str, int]) -> None:
    async with public_client(db, Settings(env="development", public_disclosure=False)) as public:
        answer = await _apply(public)
        assert (answer.status_code, _code(answer)) == (404, "PUBLIC_DISCLOSURE_OFF")
        assert (await public.get("/public/repair")).status_code == 404
    assert await _stored(db) == 0
    assert await _public_events(db) == []
