"""The console's publishing pages through HTTP: an agriculture clerk rates a farm shop and
withdraws the rating, publishes a red-list entry and removes it; what it did is what the API
answers; another agency's clerk is refused; a POST without its CSRF token changes nothing; the
dashboard counts a reward granted and a punishment after one screening of each."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest_asyncio

from hub.agencies import create_agency
from hub.console.users import create_user
from hub.db.database import Database
from hub.identity import make_uscc
from tests.console.test_sessions import PASSWORD, csrf_of, log_in
from tests.sanctions.test_lifecycle import post

FARM_SHOP = {"name": "闽侯县绿丰农资经营部", "uscc": make_uscc("9", "1", "350121", "58340712")}
TEA = {"name": "福建安溪铁观音茶业有限公司", "uscc": make_uscc("9", "1", "350524", "61550286")}
SHOP_SCHEME = "HZ-AGRI-INPUT-SHOP"
RATINGS = """query($uscc: String!) { subjectByUscc(uscc: $uscc) {
  ratings { id level { code } scheme { code } evidence }
  listings { nodes { id list active basisDocument publisherCode } } } }"""
SCREEN = """mutation($ids: [IdentityInput!]!) { screen(matter: "GOVERNMENT_PROCUREMENT", identities: $ids) {
  decisions { decision reasons } } }"""


@pytest_asyncio.fixture
async def agriculture(db: Database, stories: dict[str, int]) -> dict[str, str]:
    """A provincial agriculture department with a console clerk (agri.clerk), the market
    regulator with one (market.clerk); the API headers the agriculture department reads with."""
    created = await create_agency(db, code="T-AGRI", name="测试农业农村厅", kind="agriculture", region="350000")
    await create_agency(db, code="T-MARKET", name="测试市场监管局", kind="market", region="350000")
    await create_user(db, agency_code="T-AGRI", username="agri.clerk", role="clerk", password=PASSWORD)
    await create_user(db, agency_code="T-MARKET", username="market.clerk", role="clerk", password=PASSWORD)
    await create_agency(db, code="T-TAX", name="测试税务局", kind="tax", region="350000")
    await create_user(db, agency_code="T-TAX", username="tax.clerk", role="clerk", password=PASSWORD)
    return {"Authorization": f"Bearer {created.key}", "Hub-Purpose": quote("AWARD_NOMINATION")}


async def _subject(client: httpx.AsyncClient, headers: dict[str, str], who: dict[str, str]) -> dict[str, Any]:
    body = await post(client, headers, RATINGS, {"uscc": who["uscc"]})
    assert "errors" not in body, body
    subject: dict[str, Any] = body["data"]["subjectByUscc"]
    return {**subject, "listings": subject["listings"]["nodes"]}


async def _last_audit(conn: asyncpg.Connection) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT operator, operation_type, operation_name, outcome, agency_code, purpose, error_codes "
        "FROM audit.event ORDER BY seq DESC LIMIT 1"
    )
    assert row is not None
    return dict(row)


async def test_the_agriculture_clerk_rates_a_farm_shop_and_withdraws_the_rating(
    app_client: httpx.AsyncClient, conn: asyncpg.Connection, agriculture: dict[str, str]
) -> None:
    assert (await log_in(app_client, "agri.clerk")).status_code == 303
    form = await app_client.get("/console/ratings?lang=en")
    assert form.status_code == 200
    assert 'id="rate-form"' in form.text
    assert f'<option value="{SHOP_SCHEME}">' in form.text
    # Only the schemes its kind owns are offered.
    assert "FJ-MARKET-CREDIT-RISK" not in form.text
    assert 'href="/console/ratings"' in form.text
    assert 'href="/console/listings"' in form.text

    rated = await app_client.post(
        "/console/ratings/rate",
        data={
            "csrf": csrf_of(form.text),
            "scheme": SHOP_SCHEME,
            "identifier": FARM_SHOP["uscc"].lower(),
            "level": "C",
            "evidence": "2026年度抽检：销售禁用农药",
            "evidence_document": "杭农信〔2026〕8号",
            "rated_on": "",
        },
    )
    assert rated.status_code == 303, rated.text
    assert rated.headers["location"] == "/console/ratings?done=rated"
    assert await _last_audit(conn) == {
        "operator": "console:agri.clerk",
        "operation_type": "mutation",
        "operation_name": "rateSubject",
        "outcome": "ok",
        "agency_code": "T-AGRI",
        "purpose": SHOP_SCHEME,
        "error_codes": [],
    }
    # The API answers what the console published.
    [rating] = (await _subject(app_client, agriculture, FARM_SHOP))["ratings"]
    assert (rating["scheme"]["code"], rating["level"]["code"]) == (SHOP_SCHEME, "C")
    assert rating["evidence"] == "2026年度抽检：销售禁用农药"

    shown = await app_client.get("/console/ratings?done=rated&lang=en")
    assert 'id="publish-done"' in shown.text
    assert f'data-rating="{rating["id"]}"' in shown.text
    assert FARM_SHOP["name"] in shown.text

    # A withdrawal needs its reason: the catalogue's message, naming the field, nothing changed.
    no_reason = await app_client.post(
        "/console/ratings/withdraw", data={"csrf": csrf_of(shown.text), "rating": rating["id"], "reason": " "}
    )
    assert no_reason.status_code == 400
    assert "A value entered is not valid; check it and try again. (Reason)" in no_reason.text
    assert (await _last_audit(conn))["error_codes"] == ["BAD_USER_INPUT"]
    chinese = await app_client.post(
        "/console/ratings/withdraw?lang=zh-CN",
        data={"csrf": csrf_of(shown.text), "rating": rating["id"], "reason": ""},
    )
    assert "输入的内容有误，请检查后重试。（撤销理由）" in chinese.text

    withdrawn = await app_client.post(
        "/console/ratings/withdraw",
        data={"csrf": csrf_of(shown.text), "rating": rating["id"], "reason": "复核发现抽检样品登记错误"},
    )
    assert withdrawn.status_code == 303
    assert (await _last_audit(conn))["operation_name"] == "withdrawRating"
    assert (await _subject(app_client, agriculture, FARM_SHOP))["ratings"] == []
    after = await app_client.get("/console/ratings?lang=en")
    assert f'data-rating="{rating["id"]}"' not in after.text


async def test_the_agriculture_clerk_publishes_a_red_list_entry_and_removes_it(
    app_client: httpx.AsyncClient, conn: asyncpg.Connection, agriculture: dict[str, str]
) -> None:
    assert (await log_in(app_client, "agri.clerk")).status_code == 303
    form = await app_client.get("/console/listings?lang=en")
    assert form.status_code == 200
    # Every list its kind publishes on a document, from the data; no court list.
    for code in ("RED_LIST", "AGRI_PRODUCT_SAFETY", "ANIMAL_EPIDEMIC", "LIVESTOCK_PRODUCT_SAFETY"):
        assert f'<option value="{code}">' in form.text
    assert 'value="DISHONEST"' not in form.text

    published = await app_client.post(
        "/console/listings/publish",
        data={
            "csrf": csrf_of(form.text),
            "list": "RED_LIST",
            "identifier": TEA["uscc"],
            "basis_document": "闽农红〔2026〕1号",
            "term_months": "",
            "published_on": "",
        },
    )
    assert published.status_code == 303, published.text
    audited = await _last_audit(conn)
    assert (audited["operator"], audited["operation_name"], audited["outcome"], audited["purpose"]) == (
        "console:agri.clerk",
        "publishListing",
        "ok",
        "RED_LIST",
    )
    [entry] = (await _subject(app_client, agriculture, TEA))["listings"]
    assert (entry["list"], entry["active"], entry["basisDocument"], entry["publisherCode"]) == (
        "RED_LIST",
        True,
        "闽农红〔2026〕1号",
        "T-AGRI",
    )

    shown = await app_client.get("/console/listings?lang=en")
    row = re.search(rf'<tr data-listing="{entry["id"]}">.*?</tr>', shown.text)
    assert row is not None
    # The reasons the red list allows (its term ends by itself), and only those.
    assert 'value="PUBLISHED_IN_ERROR"' in row.group(0)
    assert 'value="OTHER"' in row.group(0)
    assert 'value="PAID"' not in row.group(0)
    assert 'value="TERM_EXPIRED"' not in row.group(0)

    # A reason the list does not allow is refused by the lifecycle's rule.
    paid = await app_client.post(
        "/console/listings/remove", data={"csrf": csrf_of(shown.text), "listing": entry["id"], "reason": "PAID"}
    )
    assert paid.status_code == 400
    assert "(Reason)" in paid.text
    assert (await _subject(app_client, agriculture, TEA))["listings"][0]["active"] is True

    removed = await app_client.post(
        "/console/listings/remove",
        data={"csrf": csrf_of(shown.text), "listing": entry["id"], "reason": "PUBLISHED_IN_ERROR", "note": "错列"},
    )
    assert removed.status_code == 303
    assert (await _last_audit(conn))["operation_name"] == "removeListing"
    # Removed: no longer among the subject's entries agencies see.
    assert (await _subject(app_client, agriculture, TEA))["listings"] == []
    assert f'data-listing="{entry["id"]}"' not in (await app_client.get("/console/listings")).text


async def test_another_agency_sees_no_form_and_is_refused_if_it_posts_anyway(
    app_client: httpx.AsyncClient, conn: asyncpg.Connection, agriculture: dict[str, str]
) -> None:
    counts = "SELECT (SELECT count(*) FROM court.listing), (SELECT count(*) FROM ratings.rating)"
    before = tuple(await conn.fetchrow(counts))
    # The tax authority publishes the red list, not agriculture's blacklists, and owns no scheme.
    assert (await log_in(app_client, "tax.clerk")).status_code == 303
    lists = await app_client.get("/console/listings?lang=en")
    assert lists.status_code == 200
    assert '<option value="RED_LIST">' in lists.text
    assert 'value="AGRI_PRODUCT_SAFETY"' not in lists.text
    no_scheme = await app_client.get("/console/ratings?lang=en")
    assert 'id="no-scheme"' in no_scheme.text
    assert 'id="rate-form"' not in no_scheme.text
    token = csrf_of(lists.text)
    listed = await app_client.post(
        "/console/listings/publish",
        data={"csrf": token, "list": "AGRI_PRODUCT_SAFETY", "identifier": TEA["uscc"], "basis_document": "税黑1号"},
    )
    assert listed.status_code == 403
    assert 'data-code="NOT_YOUR_LIST"' in listed.text
    assert "Your agency does not publish this list here." in listed.text
    rated = await app_client.post(
        "/console/ratings/rate",
        data={"csrf": token, "scheme": SHOP_SCHEME, "identifier": FARM_SHOP["uscc"], "level": "A", "evidence": "x"},
    )
    assert rated.status_code == 403
    assert 'data-code="NOT_RATING_AUTHORITY"' in rated.text

    # The market regulator rates under its own scheme only, and publishes no list at all.
    app_client.cookies.clear()
    assert (await log_in(app_client, "market.clerk")).status_code == 303
    ratings = await app_client.get("/console/ratings?lang=en")
    assert "FJ-MARKET-CREDIT-RISK" in ratings.text
    assert SHOP_SCHEME not in ratings.text
    assert (await app_client.get("/console/listings")).status_code == 403
    token = csrf_of(ratings.text)
    rated = await app_client.post(
        "/console/ratings/rate",
        data={"csrf": token, "scheme": SHOP_SCHEME, "identifier": FARM_SHOP["uscc"], "level": "A", "evidence": "x"},
    )
    assert rated.status_code == 403
    assert "Your agency does not own this rating scheme" in rated.text
    audited = await _last_audit(conn)
    assert (audited["operator"], audited["outcome"], audited["error_codes"]) == (
        "console:market.clerk",
        "error",
        ["NOT_RATING_AUTHORITY"],
    )
    listed = await app_client.post(
        "/console/listings/publish",
        data={"csrf": token, "list": "RED_LIST", "identifier": TEA["uscc"], "basis_document": "市监红〔2026〕1号"},
    )
    assert listed.status_code == 403
    assert tuple(await conn.fetchrow(counts)) == before


async def test_a_hotel_desk_may_not_open_the_publishing_pages(
    app_client: httpx.AsyncClient, db: Database, agriculture: dict[str, str]
) -> None:
    await create_agency(db, code="T-DESK", name="测试旅馆业窗口", kind="police", mode="console", role="hotel")
    await create_user(db, agency_code="T-DESK", username="desk.clerk", role="clerk", password=PASSWORD)
    assert (await log_in(app_client, "desk.clerk")).status_code == 303
    for path in ("/console/ratings", "/console/listings"):
        assert (await app_client.get(path)).status_code == 403
    dashboard = await app_client.get("/console/dashboard")
    assert 'href="/console/ratings"' not in dashboard.text
    refused = await app_client.post(
        "/console/listings/publish",
        data={"csrf": csrf_of(dashboard.text), "list": "RED_LIST", "identifier": TEA["uscc"], "basis_document": "x"},
    )
    assert refused.status_code == 403


async def test_a_post_without_its_csrf_token_changes_nothing(
    app_client: httpx.AsyncClient, conn: asyncpg.Connection, agriculture: dict[str, str]
) -> None:
    assert (await log_in(app_client, "agri.clerk")).status_code == 303
    counts = "SELECT (SELECT count(*) FROM court.listing), (SELECT count(*) FROM ratings.rating)"
    before = tuple(await conn.fetchrow(counts))
    publish = {"list": "RED_LIST", "identifier": TEA["uscc"], "basis_document": "闽农红〔2026〕2号"}
    rate = {"scheme": SHOP_SCHEME, "identifier": FARM_SHOP["uscc"], "level": "A", "evidence": "年度评价"}
    for path, data in (
        ("/console/listings/publish", publish),
        ("/console/listings/publish", {**publish, "csrf": "forged"}),
        ("/console/ratings/rate", rate),
        ("/console/ratings/rate", {**rate, "csrf": "forged"}),
    ):
        answer = await app_client.post(path, data=data)
        assert answer.status_code == 403, path
    assert tuple(await conn.fetchrow(counts)) == before


def _tiles(html: str) -> tuple[int, int]:
    rewards = re.search(r'id="total-rewards">(\d+)<', html)
    punishments = re.search(r'id="total-punishments">(\d+)<', html)
    assert rewards, "no rewards on the dashboard"
    assert punishments, "no punishments on the dashboard"
    return int(rewards.group(1)), int(punishments.group(1))


async def test_the_dashboard_counts_a_reward_granted_and_a_punishment(
    app_client: httpx.AsyncClient, db: Database, agriculture: dict[str, str]
) -> None:
    await create_agency(db, code="T-CENTRE", name="测试省级平台", kind="platform", mode="console")
    await create_user(db, agency_code="T-CENTRE", username="ops.user", role="operator", password=PASSWORD)
    procurement = await create_agency(db, code="T-PROCURE", name="测试采购中心", kind="market", region="350000")
    buyer = {"Authorization": f"Bearer {procurement.key}", "Hub-Purpose": "GOVERNMENT_PROCUREMENT"}
    # The agriculture clerk puts the tea company on the red list and the farm shop on the
    # farm-product safety blacklist, from the console.
    assert (await log_in(app_client, "agri.clerk")).status_code == 303
    token = csrf_of((await app_client.get("/console/listings")).text)
    for kind, who, document in (
        ("RED_LIST", TEA, "闽农红〔2026〕1号"),
        ("AGRI_PRODUCT_SAFETY", FARM_SHOP, "闽农黑〔2026〕3号"),
    ):
        answer = await app_client.post(
            "/console/listings/publish",
            data={"csrf": token, "list": kind, "identifier": who["uscc"], "basis_document": document},
        )
        assert answer.status_code == 303, answer.text
    app_client.cookies.clear()
    assert (await log_in(app_client, "ops.user")).status_code == 303
    before = _tiles((await app_client.get("/console/dashboard?lang=en")).text)

    rewarded = await post(app_client, buyer, SCREEN, {"ids": [TEA]})
    assert "REWARDED" in rewarded["data"]["screen"]["decisions"][0]["reasons"]
    blocked = await post(app_client, buyer, SCREEN, {"ids": [FARM_SHOP]})
    assert blocked["data"]["screen"]["decisions"][0]["decision"] == "BLOCK"

    dashboard = await app_client.get("/console/dashboard?lang=en")
    assert "Rewards granted" in dashboard.text
    assert "Punishments (blocked)" in dashboard.text
    assert _tiles(dashboard.text) == (before[0] + 1, before[1] + 1)
    chinese = await app_client.get("/console/dashboard?lang=zh-CN")
    assert "守信激励（已给予）" in chinese.text
