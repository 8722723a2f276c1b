"""Credit repair (信用修复, issue 14) through HTTP: the publisher records an application with its
evidence and decides it with reasons; an approval removes the entry (credit_repair) in the same
transaction, pushed to every agency, no longer screened or disclosed, and kept in history for
its publisher and the operator only. Deadlines per list kind; overdue applications listed."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from hub.db.database import Database
from hub.settings import Settings
from tests.gateway.test_public import LIN, LIN_CASE, public_client
from tests.sanctions.test_lifecycle import MakeAgency, post
from tests.sanctions.test_list_kinds import PUBLISH, _agency
from tests.schema.test_subjects import LIN_ID

APPLY = """mutation($l: ID!, $who: String!, $grounds: String!, $evidence: String!, $docs: [String!], $on: Date) {
  applyForCreditRepair(listingId: $l, applicant: $who, grounds: $grounds, evidence: $evidence,
                       evidenceDocuments: $docs, appliedOn: $on) {
    id list subjectName applicant grounds evidence evidenceDocuments appliedOn dueOn overdue status recordedBy
    decidedBy decisionReasons listing { id active } } }"""
DECIDE = """mutation($a: ID!, $approve: Boolean!, $reasons: String!) {
  decideCreditRepair(applicationId: $a, approve: $approve, reasons: $reasons) {
    id status decidedBy decisionReasons overdue listing { id active removalReason } } }"""
APPLICATIONS = """query($status: CreditRepairStatus, $overdue: Boolean) {
  creditRepairApplications(status: $status, overdue: $overdue) { id status overdue dueOn subjectName } }"""
HISTORY = """query($id: ID!) { subject(id: $id) { listings(includeRemoved: true) { nodes { id removalReason } } } }"""
CASE = """query($n: String!) { enforcementCase(caseNumber: $n) { listings { id removalReason } } }"""
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) {
  decisions { decision reasons } } }"""


def _apply_vars(listing_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "l": listing_id,
        "who": "林文斌（本人）",
        "grounds": "已全部履行判决确定的义务",
        "evidence": "执行款收据及申请执行人出具的履行完毕证明",
        "docs": ["(2026)闽0102执恢12号结案通知书"],
        **extra,
    }


def _code(body: dict[str, Any]) -> str:
    assert "errors" in body, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def _counts(db: Database) -> tuple[int, ...]:
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM sanctions.credit_repair) AS a,
                  (SELECT count(*) FILTER (WHERE status <> 'submitted') FROM sanctions.credit_repair) AS d,
                  (SELECT count(*) FROM court.listing WHERE removed_on IS NOT NULL) AS r,
                  (SELECT count(*) FROM court.listing_revision) AS v,
                  (SELECT count(*) FROM events.outbox) AS e"""
    )
    assert row is not None
    return tuple(row.values())


async def _lin_listing(db: Database, stories: dict[str, int]) -> str:
    listing_id = await db.fetchval(
        "SELECT id FROM court.listing WHERE subject_id = $1 AND removed_on IS NULL", stories["lin"]
    )
    return str(listing_id)


async def _events(db: Database, listing_id: str) -> list[str]:
    rows = await db.fetch("SELECT kind FROM events.outbox WHERE listing_id = $1 ORDER BY seq", int(listing_id))
    return [r["kind"] for r in rows]


async def test_an_approved_repair_takes_the_entry_down_everywhere_and_keeps_it_for_its_publisher_only(
    app_client: httpx.AsyncClient,
    make_agency: MakeAgency,
    stories: dict[str, int],
    db: Database,
    settings: Settings,
) -> None:
    gulou = await _agency(db, "T-GULOU-COURT", "court", "350102", quote(LIN_CASE))
    xiamen = await _agency(db, "T-XIAMEN-COURT", "court", "350200", quote(LIN_CASE))
    operator = await make_agency("platform", "PLATFORM_OVERSIGHT")
    land = await make_agency("land", "REAL_ESTATE_REGISTRATION")
    listing_id = await _lin_listing(db, stories)
    who = {"name": LIN, "residentId": LIN_ID}

    screened = await post(app_client, land, SCREEN, {"ids": [who]})
    assert "errors" not in screened, screened
    assert screened["data"]["screen"]["decisions"][0]["decision"] == "BLOCK"
    async with public_client(
        db, Settings(env="development", public_disclosure=True, public_rate_per_minute=1000)
    ) as public:
        before = (await public.get("/public/search", params={"name": LIN, "id": LIN_ID})).json()
    assert [r["caseNumber"] for r in before["records"]] == [LIN_CASE]
    # Before the repair another court sees the entry like any other.
    assert listing_id in str(await post(app_client, xiamen, HISTORY, {"id": str(stories["lin"])}))

    applied = await post(app_client, gulou, APPLY, _apply_vars(listing_id))
    assert "errors" not in applied, applied
    application = applied["data"]["applyForCreditRepair"]
    assert application["status"] == "SUBMITTED"
    assert application["list"] == "DISHONEST"
    assert application["subjectName"] == LIN
    assert application["evidenceDocuments"] == ["(2026)闽0102执恢12号结案通知书"]
    assert application["recordedBy"] == "测试T-GULOU-COURT"
    assert application["overdue"] is False
    # 15 working days (sanctions.list_kind.repair_decision_working_days), weekends skipped.
    applied_on = dt.date.fromisoformat(application["appliedOn"])
    due_on = dt.date.fromisoformat(application["dueOn"])
    working = [applied_on + dt.timedelta(days=n) for n in range(1, (due_on - applied_on).days + 1)]
    assert len([d for d in working if d.weekday() < 5]) == 15
    assert due_on.weekday() < 5
    # Recording it changes nothing yet.
    assert application["listing"]["active"] is True
    seq_before = await db.fetchval("SELECT coalesce(max(seq), 0) FROM events.outbox")

    # Another court is not the publisher: refused, and nothing is written.
    before_counts = await _counts(db)
    refused = await post(app_client, xiamen, DECIDE, {"a": application["id"], "approve": True, "reasons": "已履行完毕"})
    assert _code(refused) == "NOT_YOUR_COURT"
    assert await _counts(db) == before_counts
    assert (await post(app_client, xiamen, APPLICATIONS))["data"]["creditRepairApplications"] == []

    decided = await post(
        app_client, gulou, DECIDE, {"a": application["id"], "approve": True, "reasons": "义务已全部履行，准予修复"}
    )
    assert "errors" not in decided, decided
    result = decided["data"]["decideCreditRepair"]
    assert result["status"] == "APPROVED"
    assert result["decisionReasons"] == "义务已全部履行，准予修复"
    assert result["listing"] == {"id": listing_id, "active": False, "removalReason": "CREDIT_REPAIR"}

    # Removed through the lifecycle: the revision and the event every agency is pushed.
    assert (await _events(db, listing_id))[-1] == "listing.removed"
    event = await db.fetchrow(
        "SELECT payload FROM events.outbox WHERE listing_id = $1 AND seq > $2", int(listing_id), seq_before
    )
    assert event is not None
    payload = orjson.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
    assert payload["listing"]["removalReason"] == "credit_repair"
    revision = await db.fetchrow(
        "SELECT change, note FROM court.listing_revision WHERE listing_id = $1 ORDER BY version DESC LIMIT 1",
        int(listing_id),
    )
    assert revision is not None
    assert revision["change"] == "removed"
    assert "准予修复" in revision["note"]

    # No longer used: screening allows, the public search shows nothing.
    screened = await post(app_client, land, SCREEN, {"ids": [who]})
    assert "errors" not in screened, screened
    assert screened["data"]["screen"]["decisions"][0]["decision"] == "ALLOW"
    async with public_client(
        db, Settings(env="development", public_disclosure=True, public_rate_per_minute=1000)
    ) as public:
        after = (await public.get("/public/search", params={"name": LIN, "id": LIN_ID})).json()
    assert after["records"] == []

    # History: another court (which sees other removed entries) sees nothing of it, by subject
    # or by case; its publisher and the operator still do.
    other = await post(app_client, xiamen, HISTORY, {"id": str(stories["lin"])})
    assert "errors" not in other, other
    assert listing_id not in str(other)
    other_case = await post(app_client, xiamen, CASE, {"n": LIN_CASE})
    assert "errors" not in other_case, other_case
    assert other_case["data"]["enforcementCase"]["listings"] == []
    for reader in (gulou, operator):
        seen = await post(app_client, reader, HISTORY, {"id": str(stories["lin"])})
        assert {"id": listing_id, "removalReason": "CREDIT_REPAIR"} in seen["data"]["subject"]["listings"]["nodes"]
    own_case = await post(app_client, gulou, CASE, {"n": LIN_CASE})
    assert {"id": listing_id, "removalReason": "CREDIT_REPAIR"} in own_case["data"]["enforcementCase"]["listings"]
    # The same through graphql-core's executor (compiled reads off), not the SQL planner.
    async with public_client(db, Settings(env="development", compiled_reads=False)) as plain:
        other = await post(plain, xiamen, HISTORY, {"id": str(stories["lin"])})
        assert "errors" not in other, other
        assert listing_id not in str(other)
        assert (await post(plain, xiamen, CASE, {"n": LIN_CASE}))["data"]["enforcementCase"]["listings"] == []
        seen = await post(plain, gulou, HISTORY, {"id": str(stories["lin"])})
        assert {"id": listing_id, "removalReason": "CREDIT_REPAIR"} in seen["data"]["subject"]["listings"]["nodes"]
    listed = await post(app_client, operator, APPLICATIONS, {"status": "APPROVED"})
    assert [a["id"] for a in listed["data"]["creditRepairApplications"]] == [application["id"]]

    # Deciding again: ALREADY_DECIDED, nothing changes.
    before_counts = await _counts(db)
    again = await post(app_client, gulou, DECIDE, {"a": application["id"], "approve": False, "reasons": "再次"})
    assert _code(again) == "ALREADY_DECIDED"
    assert await _counts(db) == before_counts


async def test_the_history_rule_keeps_a_repaired_entry_for_its_publisher_courts_above_it_and_the_operator(
    stories: dict[str, int], db: Database, app_client: httpx.AsyncClient
) -> None:
    from hub.sanctions.repair import hidden_listings

    gulou = await _agency(db, "T-GULOU-COURT", "court", "350102", quote(LIN_CASE))
    listing_id = await _lin_listing(db, stories)
    applied = await post(app_client, gulou, APPLY, _apply_vars(listing_id))
    application = applied["data"]["applyForCreditRepair"]
    await post(app_client, gulou, DECIDE, {"a": application["id"], "approve": True, "reasons": "准予修复"})
    ids = {r["code"]: r["id"] for r in await db.fetch("SELECT code, id FROM core.agency WHERE code LIKE 'T-%-COURT'")}
    xiamen = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind, region) VALUES ('T-XM', '厦门', 'court', '350200') RETURNING id"
    )
    platform = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind, region) VALUES ('T-OP', '平台', 'platform', '350000') RETURNING id"
    )
    high = await db.fetchval(
        "INSERT INTO core.agency (code, name, kind, region) VALUES ('T-HIGH', '高院', 'court', '350000') RETURNING id"
    )
    # The SQL rule (court.listing_visible_to) behind listChanges replays and every list read.
    assert await hidden_listings(db, [int(listing_id)], xiamen) == {int(listing_id)}
    assert await hidden_listings(db, [int(listing_id)], ids["T-GULOU-COURT"]) == set()
    assert await hidden_listings(db, [int(listing_id)], high) == set()  # a court above the executing court
    assert await hidden_listings(db, [int(listing_id)], platform) == set()


async def test_a_rejected_application_keeps_the_entry_and_records_the_reasons(
    app_client: httpx.AsyncClient, stories: dict[str, int], db: Database
) -> None:
    agriculture = await _agency(db, "T-FJ-AGRI", "agriculture", "350000")
    published = await post(
        app_client,
        agriculture,
        PUBLISH,
        {"s": str(stories["farm_shop"]), "list": "AGRI_PRODUCT_SAFETY", "doc": "闽农黑〔2026〕9号"},
    )
    listing_id = published["data"]["publishListing"]["id"]
    applied = await post(app_client, agriculture, APPLY, _apply_vars(listing_id, who="绿丰农资经营部"))
    application = applied["data"]["applyForCreditRepair"]
    events = await _events(db, listing_id)
    rejected = await post(
        app_client, agriculture, DECIDE, {"a": application["id"], "approve": False, "reasons": "整改尚未完成"}
    )
    assert "errors" not in rejected, rejected
    result = rejected["data"]["decideCreditRepair"]
    assert result["status"] == "REJECTED"
    assert result["decisionReasons"] == "整改尚未完成"
    assert result["listing"]["active"] is True
    assert await _events(db, listing_id) == events
    again = await post(app_client, agriculture, DECIDE, {"a": application["id"], "approve": True, "reasons": "x"})
    assert _code(again) == "ALREADY_DECIDED"
    # A new application may follow a rejection.
    second = await post(app_client, agriculture, APPLY, _apply_vars(listing_id))
    assert "errors" not in second, second
    # ...but not a second one while one is undecided.
    third = await post(app_client, agriculture, APPLY, _apply_vars(listing_id))
    assert _code(third) == "BAD_USER_INPUT"
    assert "awaits its decision" in third["errors"][0]["message"]


async def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    gulou = await _agency(db, "T-GULOU-COURT", "court", "350102", quote(LIN_CASE))
    listing_id = await _lin_listing(db, stories)
    before = await _counts(db)

    unknown = await post(app_client, gulou, APPLY, _apply_vars("999999999"))
    assert _code(unknown) == "NOT_FOUND"
    blank = await post(app_client, gulou, APPLY, _apply_vars(listing_id, grounds="   "))
    assert _code(blank) == "BAD_USER_INPUT"
    assert blank["errors"][0]["extensions"]["argument"] == "grounds"
    future = await post(app_client, gulou, APPLY, _apply_vars(listing_id, on="2999-01-01"))
    assert future["errors"][0]["extensions"]["argument"] == "appliedOn"
    market = await make_agency("market", "GOVERNMENT_PROCUREMENT")
    assert _code(await post(app_client, market, APPLY, _apply_vars(listing_id))) == "FIELD_NOT_ALLOWED"
    unknown_app = await post(app_client, gulou, DECIDE, {"a": "999999999", "approve": True, "reasons": "x"})
    assert _code(unknown_app) == "NOT_FOUND"
    assert await _counts(db) == before

    applied = await post(app_client, gulou, APPLY, _apply_vars(listing_id))
    application = applied["data"]["applyForCreditRepair"]
    no_reasons = await post(app_client, gulou, DECIDE, {"a": application["id"], "approve": True, "reasons": " "})
    assert no_reasons["errors"][0]["extensions"]["argument"] == "reasons"

    # An entry already removed has nothing to repair.
    await post(app_client, gulou, DECIDE, {"a": application["id"], "approve": True, "reasons": "准予修复"})
    before = await _counts(db)
    removed = await post(app_client, gulou, APPLY, _apply_vars(listing_id))
    assert _code(removed) == "BAD_USER_INPUT"
    assert "removed already" in removed["errors"][0]["message"]
    assert await _counts(db) == before


async def test_an_approval_whose_removal_fails_writes_nothing(
    app_client: httpx.AsyncClient, stories: dict[str, int], db: Database
) -> None:
    gulou = await _agency(db, "T-GULOU-COURT", "court", "350102", quote(LIN_CASE))
    listing_id = await _lin_listing(db, stories)
    applied = await post(app_client, gulou, APPLY, _apply_vars(listing_id))
    application = applied["data"]["applyForCreditRepair"]
    # The entry was removed meanwhile (the debtor paid): the approval's removal is refused, and
    # the decision is not kept without it.
    await db.execute(
        "UPDATE court.listing SET removed_on = published_on, removal_reason = 'paid' WHERE id = $1", int(listing_id)
    )
    before = await _counts(db)
    approved = await post(app_client, gulou, DECIDE, {"a": application["id"], "approve": True, "reasons": "准予"})
    assert _code(approved) == "BAD_USER_INPUT"
    assert await _counts(db) == before
    status = await db.fetchval("SELECT status FROM sanctions.credit_repair WHERE id = $1", int(application["id"]))
    assert status == "submitted"


async def test_overdue_applications_are_listed_for_the_publisher_and_the_operator(
    app_client: httpx.AsyncClient, make_agency: MakeAgency, stories: dict[str, int], db: Database
) -> None:
    gulou = await _agency(db, "T-GULOU-COURT", "court", "350102", quote(LIN_CASE))
    operator = await make_agency("platform", "PLATFORM_OVERSIGHT")
    listing_id = await _lin_listing(db, stories)
    applied = await post(app_client, gulou, APPLY, _apply_vars(listing_id))
    application = applied["data"]["applyForCreditRepair"]
    assert (await post(app_client, gulou, APPLICATIONS, {"overdue": True}))["data"]["creditRepairApplications"] == []
    # Handed in long ago: its deadline has passed.
    await db.execute(
        """UPDATE sanctions.credit_repair SET applied_on = $2, due_on = sanctions.add_working_days($2, 15)
            WHERE id = $1""",
        int(application["id"]),
        dt.date(2026, 1, 5),
    )
    for reader in (gulou, operator):
        overdue = (await post(app_client, reader, APPLICATIONS, {"overdue": True}))["data"]["creditRepairApplications"]
        assert [(a["id"], a["overdue"], a["dueOn"]) for a in overdue] == [(application["id"], True, "2026-01-26")]
