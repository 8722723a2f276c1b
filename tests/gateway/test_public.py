"""Public disclosure (信息公示) over HTTP, without a key: an exact name plus the full identifier
or a case number finds the entries in force of the public lists, in the courts' public form;
anything less is refused or finds nothing, and nothing else is ever shown. Every search is
limited per client address (shared by every process) and audited, and none is answered
without its record."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from starlette.types import Receive, Scope, Send

from hub.cli import proxy_options
from hub.db.database import Database
from hub.gateway.app import create_app
from hub.identity import make_resident_id, make_uscc, mask_resident_id
from hub.seed.demo import load_stories
from hub.settings import Settings
from tests.schema.test_subjects import LIN_ID, WU_ID
from tests.served import Served

LIN = "林文斌"
LIN_CASE = "(2018)闽0102执1867号"
FIRM = "福州鑫源贸易有限公司"
FIRM_USCC = make_uscc("9", "1", "350105", "73212345")
# What no public answer may hold: assets (the flat, its address, the seal), shares, vehicles.
ASSETS = ("不动产", "五四路128号", "闽(2016)", "闽C8K726", "LSVAM", "大众", "shares", "estate", "vehicle", "486000")


@pytest.fixture
def settings() -> Settings:
    return Settings(env="development", public_disclosure=True, public_rate_per_minute=1000, public_daily_budget=1000)


@asynccontextmanager
async def public_client(
    db: Database, settings: Settings, address: str = "203.0.113.7"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real app, lifespan run, asking from ``address``."""
    app = create_app(settings, db=db)
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client


@pytest_asyncio.fixture
async def public(db: Database, settings: Settings, stories: dict[str, int]) -> AsyncIterator[httpx.AsyncClient]:
    async with public_client(db, settings) as client:
        yield client


async def _search(client: httpx.AsyncClient, **params: str) -> tuple[int, dict[str, Any]]:
    response = await client.get("/public/search", params=params)
    body: dict[str, Any] = response.json()
    return response.status_code, body


def _code(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def _public_events(db: Database) -> list[dict[str, Any]]:
    rows = await db.fetch("SELECT * FROM audit.event WHERE operation_type = 'public' ORDER BY seq")
    return [dict(r) for r in rows]


async def test_exact_name_and_id_show_the_entry_in_the_courts_public_form(public: httpx.AsyncClient) -> None:
    status, body = await _search(public, name=LIN, id=LIN_ID)
    assert status == 200
    [record] = body["records"]
    assert record == {
        "name": LIN,
        "subjectKind": "PERSON",
        "identifier": mask_resident_id(LIN_ID),
        "list": "DISHONEST",
        "caseNumber": LIN_CASE,
        "court": "福州市鼓楼区人民法院",
        "filedOn": "2018-03-06",
        "basisDocument": "(2017)闽0102民初4321号民事判决书",
        "basisIssuer": "福州市鼓楼区人民法院",
        "duty": "偿还民间借贷本金及利息",
        "performance": "NONE",
        "circumstance": "REFUSES_WITH_ABILITY",
        "publishedOn": "2018-05-20",
    }
    assert record["identifier"] == LIN_ID[:10] + "****" + LIN_ID[14:]
    text = str(body)
    assert LIN_ID not in text
    assert not [word for word in ASSETS if word in text]


async def test_a_case_number_finds_the_same_entry_in_either_bracket_form(public: httpx.AsyncClient) -> None:
    _, by_id = await _search(public, name=LIN, id=LIN_ID)
    for case in (LIN_CASE, "（2018）闽0102执1867号"):
        status, body = await _search(public, name=LIN, case=case)
        assert status == 200
        assert body["records"] == by_id["records"]


async def test_the_page_shows_the_entry_with_zh_and_en_labels(public: httpx.AsyncClient) -> None:
    page = await public.get("/public", params={"name": LIN, "id": LIN_ID})
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "信息公示查询" in page.text
    assert "执行法院" in page.text
    assert mask_resident_id(LIN_ID) in page.text
    assert LIN_CASE in page.text
    assert "失信被执行人名单" in page.text
    # The identifier typed is not written back into the form.
    assert LIN_ID not in page.text
    english = await public.get("/public", params={"name": LIN, "id": LIN_ID, "lang": "en"})
    assert "Executing court" in english.text
    assert "Dishonest debtors list" in english.text
    form = await public.get("/public")
    assert form.status_code == 200
    assert 'id="public-form"' in form.text
    assert "public-entry" not in form.text


async def test_an_organisation_shows_its_uscc_in_full_and_only_public_lists(
    public: httpx.AsyncClient, db: Database
) -> None:
    # The firm is on the consumption-restriction list only: not public.
    status, body = await _search(public, name=FIRM, id=FIRM_USCC)
    assert (status, body["records"]) == (200, [])
    # Given it on the dishonest list too, that entry shows, its USCC unmasked.
    await db.execute(
        "UPDATE court.listing SET list = 'dishonest', circumstance = 'breaches_settlement' "
        "WHERE subject_id = (SELECT id FROM core.subject WHERE identifier = $1)",
        FIRM_USCC,
    )
    _, body = await _search(public, name=FIRM, id=FIRM_USCC)
    [record] = body["records"]
    assert (record["identifier"], record["subjectKind"], record["list"]) == (FIRM_USCC, "ORGANISATION", "DISHONEST")


FARM_SHOP = "闽侯县绿丰农资经营部"
FARM_SHOP_USCC = make_uscc("9", "1", "350121", "58340712")
PUBLISH = """mutation($s: ID!, $list: ListKind!, $doc: String) {
  publishListing(subjectId: $s, list: $list, basisDocument: $doc) { id publisherName publishedOn } }"""


async def _publish(
    client: httpx.AsyncClient, headers: dict[str, str], subject_id: int, kind: str, document: str
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": PUBLISH, "variables": {"s": str(subject_id), "list": kind, "doc": document}},
        headers=headers,
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    entry: dict[str, Any] = body["data"]["publishListing"]
    return entry


async def test_a_red_list_entry_shows_its_publisher_and_decision_not_a_case(
    public: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    make_agency: Callable[..., Awaitable[dict[str, str]]],
    stories: dict[str, int],
    db: Database,
) -> None:
    # Given the farm shop red-listed by agriculture (an entry on a decision, with no case)
    agriculture = await make_agency("agriculture")
    entry = await _publish(app_client, agriculture, stories["farm_shop"], "RED_LIST", "闽农信〔2026〕8号")
    # When the public searches its exact name and USCC, Then the entry shows in the decision shape
    status, body = await _search(public, name=FARM_SHOP, id=FARM_SHOP_USCC)
    assert status == 200
    assert body["records"] == [
        {
            "name": FARM_SHOP,
            "subjectKind": "ORGANISATION",
            "identifier": FARM_SHOP_USCC,
            "list": "RED_LIST",
            "publisher": entry["publisherName"],
            "basisDocument": "闽农信〔2026〕8号",
            "publishedOn": entry["publishedOn"],
        }
    ]
    # The audit record names the fields of this shape: the publisher, no court.
    [event] = [e for e in await _public_events(db) if e["subjects"]]
    assert event["subjects"] == [stories["farm_shop"]]
    assert "PublicEntry.publisher" in event["fields"]
    assert "PublicEntry.court" not in event["fields"]
    # A partial name finds nothing, as for every list.
    _, partial = await _search(public, name="绿丰农资经营部", id=FARM_SHOP_USCC)
    assert partial["records"] == []
    # The page shows both labels in each language, and no court rows.
    page = await public.get("/public", params={"name": FARM_SHOP, "id": FARM_SHOP_USCC})
    assert page.status_code == 200
    assert "守信红名单" in page.text
    assert "发布单位" in page.text
    assert "认定文书文号" in page.text
    assert "闽农信〔2026〕8号" in page.text
    assert "执行法院" not in page.text
    english = await public.get("/public", params={"name": FARM_SHOP, "id": FARM_SHOP_USCC, "lang": "en"})
    assert "Red list of the trustworthy" in english.text
    assert "Published by" in english.text
    assert "Decision document" in english.text


async def test_a_sector_blacklist_entry_shows_only_while_its_kind_is_public(
    public: httpx.AsyncClient,
    app_client: httpx.AsyncClient,
    make_agency: Callable[..., Awaitable[dict[str, str]]],
    stories: dict[str, int],
    db: Database,
) -> None:
    agriculture = await make_agency("agriculture")
    await _publish(app_client, agriculture, stories["farm_shop"], "AGRI_PRODUCT_SAFETY", "闽农黑〔2026〕3号")
    # The sector blacklists are public (sanctions.list_kind.public, 0019): the entry shows.
    _, body = await _search(public, name=FARM_SHOP, id=FARM_SHOP_USCC)
    [record] = body["records"]
    assert (record["list"], record["basisDocument"]) == ("AGRI_PRODUCT_SAFETY", "闽农黑〔2026〕3号")
    assert "caseNumber" not in record
    # The flag, and nothing else, decides: the kind made non-public, the same search finds nothing.
    await db.execute("UPDATE sanctions.list_kind SET public = false WHERE code = 'agri_product_safety'")
    _, body = await _search(public, name=FARM_SHOP, id=FARM_SHOP_USCC)
    assert body["records"] == []
    assert body["message"] == "no public record for this name and identifier or case number"


async def test_the_consumption_restriction_list_is_never_public(public: httpx.AsyncClient, db: Database) -> None:
    assert await db.fetchval("SELECT public FROM sanctions.list_kind WHERE code = 'restricted'") is False
    # The firm's only entry is on the restriction list: by identifier or by case, nothing shows.
    case = await db.fetchval(
        "SELECT c.case_number FROM court.listing l JOIN court.enforcement_case c ON c.id = l.case_id"
        " JOIN core.subject s ON s.id = l.subject_id WHERE s.identifier = $1 AND l.list = 'restricted'",
        FIRM_USCC,
    )
    assert case is not None
    for params in ({"id": FIRM_USCC}, {"case": case}):
        status, body = await _search(public, name=FIRM, **params)
        assert (status, body["records"]) == (200, [])


async def test_a_name_alone_is_refused_with_a_clear_error(public: httpx.AsyncClient) -> None:
    status, body = await _search(public, name=LIN)
    assert status == 400
    assert _code(body) == "IDENTIFIER_OR_CASE_REQUIRED"
    assert "name alone is not searched" in body["errors"][0]["message"]
    assert "records" not in body
    status, body = await _search(public, id=LIN_ID)
    assert (status, _code(body)) == (400, "NAME_REQUIRED")
    page = await public.get("/public", params={"name": LIN})
    assert page.status_code == 400
    assert "仅凭姓名不能查询" in page.text


async def test_an_invalid_identifier_or_case_number_is_refused(public: httpx.AsyncClient) -> None:
    bad_check = LIN_ID[:17] + ("0" if LIN_ID[17] != "0" else "1")
    status, body = await _search(public, name=LIN, id=bad_check)
    assert (status, _code(body)) == (400, "INVALID_IDENTIFIER")
    assert "check digit" in body["errors"][0]["message"]
    assert bad_check not in str(body)
    status, body = await _search(public, name=LIN, id=LIN_ID[:14])
    assert (status, _code(body)) == (400, "INVALID_IDENTIFIER")
    assert "full 18 characters" in body["errors"][0]["message"]
    status, body = await _search(public, name=FIRM, id=FIRM_USCC[:17] + "Z")
    assert (status, _code(body)) == (400, "INVALID_IDENTIFIER")
    status, body = await _search(public, name=LIN, case="2018-1867")
    assert (status, _code(body)) == (400, "INVALID_CASE_NUMBER")


async def test_a_wrong_or_partial_name_finds_no_record_like_an_unknown_subject(public: httpx.AsyncClient) -> None:
    unknown = make_resident_id("110101", date(1990, 3, 7), 777)  # valid, held by nobody in the hub
    answers = [
        await _search(public, name="林文", id=LIN_ID),  # partial
        await _search(public, name="林", case=LIN_CASE),  # partial, by case
        await _search(public, name="吴国栋", id=LIN_ID),  # another debtor's name
        await _search(public, name="林文斌斌", id=LIN_ID),
        await _search(public, name=LIN, id=unknown),  # nobody
        await _search(public, name=LIN, id=WU_ID),  # someone else, listed
    ]
    # The same answer whether or not the subject exists: nothing to tell them apart.
    assert {(status, str(body)) for status, body in answers} == {
        (
            200,
            str({"count": 0, "records": [], "message": "no public record for this name and identifier or case number"}),
        )
    }
    page = await public.get("/public", params={"name": "林文", "id": LIN_ID})
    assert page.status_code == 200
    assert "无公示信息" in page.text
    assert "public-entry" not in page.text


async def test_removed_and_expired_listings_are_not_shown(public: httpx.AsyncClient, db: Database) -> None:
    gong_id = await db.fetchval("SELECT identifier FROM core.subject WHERE name = '龚德明'")
    _, body = await _search(public, name="龚德明", id=gong_id)
    assert body["count"] == 1
    # Its term ended (one month from 2025-06-10), not yet marked removed by the expiry task.
    await db.execute(
        "UPDATE court.listing SET term_months = 1 WHERE subject_id = (SELECT id FROM core.subject WHERE name = '龚德明')"
    )
    assert (await _search(public, name="龚德明", id=gong_id))[1]["records"] == []
    # Removed: the debt paid.
    await db.execute(
        "UPDATE court.listing SET removed_on = current_date - 1, removal_reason = 'paid' "
        "WHERE subject_id = (SELECT id FROM core.subject WHERE name = $1)",
        LIN,
    )
    assert (await _search(public, name=LIN, id=LIN_ID))[1]["records"] == []
    assert (await _search(public, name=LIN, case=LIN_CASE))[1]["records"] == []


async def test_every_search_is_audited_without_the_id_number(
    public: httpx.AsyncClient, db: Database, stories: dict[str, int]
) -> None:
    await _search(public, name=LIN, id=LIN_ID)
    await _search(public, name="林文", id=LIN_ID)
    await _search(public, name=LIN)
    hit, miss, refused = await _public_events(db)
    assert (hit["operator"], hit["agency_id"], hit["operation_name"], hit["purpose"]) == (
        "public",
        None,
        "publicSearch",
        "PUBLIC_DISCLOSURE",
    )
    assert (hit["outcome"], hit["subjects"], hit["error_codes"]) == ("ok", [stories["lin"]], [])
    assert "PublicEntry.identifier" in hit["fields"]
    assert "PublicEntry.court" in hit["fields"]
    # The client's network, not its address.
    assert str(hit["client"]) == "203.0.113.0"
    assert (miss["outcome"], miss["subjects"], miss["fields"]) == ("ok", [], [])
    assert (refused["outcome"], refused["error_codes"]) == ("error", ["IDENTIFIER_OR_CASE_REQUIRED"])
    for event in (hit, miss, refused):
        assert LIN_ID not in repr(event)
        assert LIN_ID[:10] not in repr(event)
        assert event["document_hash"] is None


async def test_no_trace_no_answer(public: httpx.AsyncClient, db: Database) -> None:
    # Given the trail cannot be written
    await db.execute("ALTER TABLE audit.event RENAME TO event_unreachable")
    response = await public.get("/public/search", params={"name": LIN, "id": LIN_ID})
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert _code(response.json()) == "AUDIT_UNAVAILABLE"
    assert LIN not in response.text
    assert "闽0102" not in response.text
    page = await public.get("/public", params={"name": LIN, "id": LIN_ID})
    assert page.status_code == 503
    assert LIN_CASE not in page.text
    assert "public-entry" not in page.text
    assert "审计记录暂时无法写入" in page.text


async def test_errors_show_no_internals(public: httpx.AsyncClient) -> None:
    for params in ({"name": "x" * 500, "id": LIN_ID}, {"name": LIN, "id": "'; DROP TABLE x; --"}, {"name": LIN}):
        response = await public.get("/public/search", params=params)
        assert response.status_code == 400
        text = response.text.lower()
        for internal in ("traceback", "asyncpg", "sql", "select", "core.", "court.", 'file "'):
            assert internal not in text, (params, response.text)


async def test_the_daily_budget_refuses_with_retry_after(db: Database, stories: dict[str, int]) -> None:
    settings = Settings(env="development", public_disclosure=True, public_rate_per_minute=100, public_daily_budget=2)
    async with public_client(db, settings) as client:
        assert [(await _search(client, name=LIN, id=LIN_ID))[0] for _ in range(2)] == [200, 200]
        response = await client.get("/public/search", params={"name": LIN, "id": LIN_ID})
        assert response.status_code == 429
        assert _code(response.json()) == "PUBLIC_BUDGET_SPENT"
        assert "daily budget of 2 public searches" in response.json()["errors"][0]["message"]
        assert 1 <= int(response.headers["retry-after"]) <= 86_400
        assert "records" not in response.json()
        page = await client.get("/public", params={"name": LIN, "id": LIN_ID})
        assert page.status_code == 429
        assert "今日查询次数已用完" in page.text
        assert LIN_CASE not in page.text
    # Another address has its own budget.
    async with public_client(db, settings, address="198.51.100.20") as client:
        assert (await _search(client, name=LIN, id=LIN_ID))[0] == 200
    [*_, limited, _] = await _public_events(db)
    assert (limited["outcome"], limited["error_codes"]) == ("limited", ["PUBLIC_BUDGET_SPENT"])


async def test_the_switch_turns_the_search_off(db: Database, stories: dict[str, int]) -> None:
    settings = Settings(env="development", public_disclosure=False)
    async with public_client(db, settings) as client:
        status, body = await _search(client, name=LIN, id=LIN_ID)
        assert (status, _code(body)) == (404, "PUBLIC_DISCLOSURE_OFF")
        page = await client.get("/public")
        assert page.status_code == 404
        assert "未开放信息公示查询" in page.text
    assert await _public_events(db) == []
    assert Settings.from_env({"HUB_ENV": "development"}).public_disclosure
    assert not Settings.from_env({"HUB_ENV": "production", "HUB_DATABASE_URL": "postgresql://x/y"}).public_disclosure
    assert not Settings.from_env({"HUB_PUBLIC_DISCLOSURE": "off"}).public_disclosure


async def test_two_processes_share_one_rate_limit_per_address(fresh_database_url: str) -> None:
    """Two apps on two connections of one database: 3 a minute in all, not 3 each; forged
    X-Forwarded-For headers change nothing without a trusted proxy."""
    given = await asyncpg.connect(fresh_database_url)
    try:
        await load_stories(given)
    finally:
        await given.close()
    settings = Settings(env="development", public_disclosure=True, public_rate_per_minute=3, public_daily_budget=100)
    a_conn, b_conn = await asyncpg.connect(fresh_database_url), await asyncpg.connect(fresh_database_url)
    try:
        async with (
            public_client(Database(connection=a_conn), settings) as a,
            public_client(Database(connection=b_conn), settings) as b,
        ):
            statuses = []
            for n, client in enumerate((a, b, a, b, a, b)):
                response = await client.get(
                    "/public/search", params={"name": LIN, "id": LIN_ID}, headers={"X-Forwarded-For": f"10.9.9.{n}"}
                )
                statuses.append(response.status_code)
            assert statuses == [200, 200, 200, 429, 429, 429]
            refused = await b.get("/public/search", params={"name": LIN, "id": LIN_ID})
            assert _code(refused.json()) == "PUBLIC_RATE_LIMITED"
            assert "over 3 public searches a minute" in refused.json()["errors"][0]["message"]
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            # The windows are kept under keys that name no agency and hold no address.
            keys = await a_conn.fetch("SELECT agency_id FROM core.limit_window")
            assert len(keys) == 2
            assert all(k["agency_id"] < 0 for k in keys)
    finally:
        await a_conn.close()
        await b_conn.close()


async def test_x_forwarded_for_names_the_client_only_from_a_trusted_proxy(fresh_database_url: str) -> None:
    given = await asyncpg.connect(fresh_database_url)
    try:
        await load_stories(given)
        for trusted, expected in (((), "127.0.0.0"), (("127.0.0.1/32",), "198.51.100.0")):
            settings = Settings(env="development", public_disclosure=True, trusted_proxies=trusted)
            app = create_app(settings, database_url=fresh_database_url)
            async with Served(app, **proxy_options(settings)) as served, httpx.AsyncClient() as http:
                response = await http.get(
                    f"{served.url}/public/search",
                    params={"name": LIN, "id": LIN_ID},
                    headers={"X-Forwarded-For": "198.51.100.9"},
                )
                assert response.status_code == 200
            client = await given.fetchval(
                "SELECT client FROM audit.event WHERE operation_type = 'public' ORDER BY seq DESC LIMIT 1"
            )
            assert str(client) == expected
    finally:
        await given.close()
