"""The console's downloads: CSV and Excel of exactly what the list, interception and audit views
show, with the page's masking and labels, each one in the audit trail like a query."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest_asyncio
from openpyxl import load_workbook

from hub.agencies import create_agency
from hub.console.users import create_user
from hub.db.database import Database
from tests.console.test_sessions import LIN, PASSWORD, SCREEN, log_in, page_csrf

CASE = "(2018)闽0102执1867号"
LISTINGS = """query($id: String!) { subjectByResidentId(residentId: $id) { name ... on Person { residentId }
  listings(first: 50) { nodes { list case { caseNumber } } } } }"""


@pytest_asyncio.fixture
async def users(db: Database) -> None:
    await create_agency(db, code="T-COURT", name="测试法院", kind="court", mode="console")
    await create_user(db, agency_code="T-COURT", username="court.c", role="clerk", password=PASSWORD)
    await create_agency(db, code="T-OPS", name="测试平台", kind="platform", mode="console")
    await create_user(db, agency_code="T-OPS", username="ops.o", role="operator", password=PASSWORD)
    await create_agency(db, code="T-DESK", name="测试旅馆业窗口", kind="police", mode="console", role="hotel")
    await create_user(db, agency_code="T-DESK", username="desk.c", role="clerk", password=PASSWORD)


def read_csv(response: httpx.Response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response: httpx.Response) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]


async def last_record(db: Database) -> Any:
    return await db.fetchrow(
        "SELECT operator, operation_type, operation_name, purpose, outcome, subjects, error_codes"
        " FROM audit.event ORDER BY seq DESC LIMIT 1"
    )


async def test_the_listings_download_is_the_debtor_view_masked_labelled_and_audited(
    app_client: httpx.AsyncClient, users: None, stories: dict[str, int], db: Database
) -> None:
    # Given a court clerk, and what the API answers the same user for the debtor.
    await log_in(app_client, "court.c")
    token = await page_csrf(app_client, "/console/subject")
    api = await app_client.post(
        "/graphql",
        json={"query": LISTINGS, "variables": {"id": LIN}},
        headers={"X-CSRF-Token": token, "Hub-Purpose": "(2018)%E9%97%BD0102%E6%89%A71867%E5%8F%B7"},
    )
    subject = api.json()["data"]["subjectByResidentId"]

    # When the listings are downloaded, as Excel and as CSV.
    xlsx = await app_client.get("/console/export/listings.xlsx", params={"id": LIN, "purpose": CASE})
    as_csv = await app_client.get("/console/export/listings.csv", params={"id": LIN, "purpose": CASE, "lang": "en"})

    # Then both hold the view's rows, the identifier as the API shows it to this agency.
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx.headers["content-disposition"]
    header, *rows = read_xlsx(xlsx)
    assert header[:4] == ["姓名或名称", "证件号码", "执行案号", "名单"]
    assert [row[2] for row in rows] == [n["case"]["caseNumber"] for n in subject["listings"]["nodes"]]
    assert {row[1] for row in rows} == {subject["residentId"]}
    assert rows[0][0] == "林文斌"
    assert "失信被执行人名单" in {row[3] for row in rows}
    en_header, *en_rows = read_csv(as_csv)
    assert en_header[3] == "List"
    assert "Dishonest debtors list" in {row[3] for row in en_rows}
    # And each download is in the trail like a query: the user, the purpose, the subject.
    record = await last_record(db)
    assert record["operator"] == "console:court.c"
    assert record["operation_type"] == "query"
    assert record["operation_name"] == "ConsoleExportListings:csv"
    assert record["purpose"] == CASE
    assert record["outcome"] == "ok"
    assert list(record["subjects"]) == [stories["lin"]]
    assert (
        await db.fetchval("SELECT count(*) FROM audit.event WHERE operation_name LIKE 'ConsoleExportListings:%'") == 2
    )


async def test_the_interceptions_download_holds_the_desk_s_interceptions(
    app_client: httpx.AsyncClient, users: None, stories: dict[str, int], db: Database
) -> None:
    await log_in(app_client, "desk.c")
    token = await page_csrf(app_client, "/console/check")
    screened = await app_client.post(
        "/graphql",
        json={"query": SCREEN, "variables": {"who": [{"name": "林文斌", "residentId": LIN}]}},
        headers={"X-CSRF-Token": token, "Hub-Purpose": "HOTEL_CHECK_IN"},
    )
    assert screened.json()["data"]["screen"]["decisions"][0]["decision"] == "BLOCK"

    response = await app_client.get("/console/export/interceptions.csv", params={"first": "15"})

    assert response.status_code == 200, response.text
    header, *rows = read_csv(response)
    assert header == ["时间", "单位", "事项", "结果", "经办人", "反馈"]
    assert rows == [[rows[0][0], "T-DESK", "星级以上宾馆入住", "拦截", "console:desk.c", "未反馈"]]
    # No identifier of the guest is in it: the view shows none to a hotel desk.
    assert LIN not in response.text
    record = await last_record(db)
    assert (record["operator"], record["operation_name"], record["outcome"]) == (
        "console:desk.c",
        "ConsoleExportInterceptions:csv",
        "ok",
    )


async def test_the_audit_download_follows_the_view_s_filter(
    app_client: httpx.AsyncClient, users: None, db: Database
) -> None:
    await log_in(app_client, "ops.o")
    await app_client.get("/console/export/audit.csv")  # one record to find

    response = await app_client.get("/console/export/audit.xlsx", params={"agency": "T-OPS", "outcome": "OK"})

    assert response.status_code == 200, response.text
    header, *rows = read_xlsx(response)
    assert header[0] == "序号"
    assert rows
    assert {row[2] for row in rows} == {"T-OPS"}
    assert {row[6] for row in rows} == {"成功"}
    assert "query ConsoleExportAudit:csv" in {row[4] for row in rows}
    record = await last_record(db)
    assert record["operation_name"] == "ConsoleExportAudit:xlsx"


async def test_a_download_is_refused_as_the_page_and_the_refusal_is_audited(
    app_client: httpx.AsyncClient, users: None, db: Database
) -> None:
    anonymous = await app_client.get("/console/export/audit.csv")
    assert anonymous.status_code == 401
    assert "text/html" in anonymous.headers["content-type"]

    await log_in(app_client, "desk.c")
    operator_only = await app_client.get("/console/export/audit.csv")
    assert operator_only.status_code == 403
    assert "text/html" in operator_only.headers["content-type"]

    app_client.cookies.clear()
    await log_in(app_client, "court.c")
    before = await db.fetchval("SELECT count(*) FROM audit.event")
    no_purpose = await app_client.get("/console/export/listings.csv", params={"id": LIN})
    assert no_purpose.status_code in (400, 403)
    assert "请填写查询目的" in no_purpose.text
    assert LIN not in no_purpose.text
    assert await db.fetchval("SELECT count(*) FROM audit.event") == before + 1
    record = await last_record(db)
    assert record["operation_name"] == "ConsoleExportListings:csv"
    assert list(record["error_codes"]) == ["PURPOSE_REQUIRED"]

    unknown = await app_client.get("/console/export/nothing.csv")
    assert unknown.status_code == 404
