"""Console login, sessions, CSRF, lockout, cookie flags and the operator named in the trail."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest_asyncio

from hub.agencies import create_agency
from hub.console.users import MAX_FAILURES, create_user
from hub.db.database import Database
from hub.identity import make_resident_id
from hub.settings import Settings
from tests.conftest import serve_in_process

PASSWORD = "correct horse battery"
AUDIT = "query { auditEvents(first: 5) { nodes { operator operationName } } }"
MATTERS = "query Matters { matters { code } }"
SCREEN = """mutation Check($who: [IdentityInput!]!) {
  screen(matter: "HOTEL_CHECK_IN", identities: $who, hotelCode: "FJ-FZ-0002") {
    decisions { decision interceptionId measures { name legalBasis } } } }"""
REPORT = """mutation Report($input: SanctionReportInput!) { reportSanction(input: $input) { id operator outcome } }"""
LIN = make_resident_id("350102", __import__("datetime").date(1976, 4, 12), 271)


@pytest_asyncio.fixture
async def desk(db: Database) -> str:
    """A console-mode hotel desk with a clerk; returns the clerk's user name."""
    await create_agency(db, code="T-DESK", name="测试旅馆业窗口", kind="police", mode="console", role="hotel")
    await create_user(db, agency_code="T-DESK", username="desk.clerk", role="clerk", password=PASSWORD)
    return "desk.clerk"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf(?:-token)?"\s+(?:value|content)="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def session_cookie(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """The session cookie the response sets: its value and its attributes, names lowercased
    (they are case-insensitive, RFC 6265), valueless ones as ""."""
    header = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("hub_session="))
    value, *attributes = (part.strip() for part in header.split(";"))
    named = (attribute.partition("=") for attribute in attributes)
    return value.split("=", 1)[1], {name.lower(): setting for name, _, setting in named}


async def log_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    form = await client.get("/console/login")
    return await client.post(
        "/console/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)}
    )


async def page_csrf(client: httpx.AsyncClient, path: str = "/console/dashboard") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def test_login_sets_a_strict_httponly_session_cookie(app_client: httpx.AsyncClient, desk: str) -> None:
    response = await log_in(app_client, desk)

    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    token, attributes = session_cookie(response)
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "strict"
    assert "secure" not in attributes  # plain HTTP here
    assert len(token) >= 43  # 256 random bits, URL-safe base64

    landing = await app_client.get("/console")
    assert landing.status_code == 303
    assert landing.headers["location"] == "/console/check"


async def test_the_cookie_is_secure_over_https(db: Database, settings: Settings, desk: str) -> None:
    async with serve_in_process(db, settings) as client:
        client.base_url = httpx.URL("https://hub.test")
        response = await log_in(client, desk)
    _, attributes = session_cookie(response)
    assert "secure" in attributes


async def test_login_without_its_form_token_is_refused(app_client: httpx.AsyncClient, desk: str) -> None:
    response = await app_client.post("/console/login", data={"username": desk, "password": PASSWORD, "csrf": "x"})

    assert response.status_code == 403
    assert "hub_session" not in response.headers.get("set-cookie", "")


async def test_wrong_password_and_unknown_user_get_the_same_answer(app_client: httpx.AsyncClient, desk: str) -> None:
    wrong = await log_in(app_client, desk, "not the password")
    unknown = await log_in(app_client, "nobody.here", "not the password")

    assert wrong.status_code == unknown.status_code == 401
    message = re.search(r'id="login-error">([^<]+)<', wrong.text)
    assert message
    assert message.group(1) == re.search(r'id="login-error">([^<]+)<', unknown.text).group(1)
    assert "hub_session" not in wrong.headers.get("set-cookie", "")


async def test_repeated_failures_lock_the_name_even_for_the_right_password(
    app_client: httpx.AsyncClient, desk: str
) -> None:
    for attempt in range(1, MAX_FAILURES + 1):
        response = await log_in(app_client, desk, f"guess number {attempt}")
        assert response.status_code == (429 if attempt == MAX_FAILURES else 401)

    locked = await log_in(app_client, desk)

    assert locked.status_code == 429
    assert "hub_session" not in locked.headers.get("set-cookie", "")
    # A name that does not exist locks the same way: the lockout tells nothing.
    for attempt in range(MAX_FAILURES):
        ghost = await log_in(app_client, "ghost.user", f"guess {attempt}")
    assert ghost.status_code == 429


async def test_a_session_acts_as_its_agency_and_needs_the_csrf_token_to_post(
    app_client: httpx.AsyncClient, desk: str
) -> None:
    await log_in(app_client, desk)
    token = await page_csrf(app_client)

    refused = await app_client.post("/graphql", json={"query": MATTERS})
    forged = await app_client.post("/graphql", json={"query": MATTERS}, headers={"X-CSRF-Token": "0" * 64})
    allowed = await app_client.post("/graphql", json={"query": MATTERS}, headers={"X-CSRF-Token": token})
    read = await app_client.get("/graphql", params={"query": MATTERS})

    assert refused.status_code == forged.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "CSRF_REJECTED"
    assert allowed.status_code == 200
    assert allowed.json()["data"]["matters"]
    assert read.status_code == 200
    assert read.json()["data"]["matters"]


async def test_api_keys_are_unaffected_by_csrf(
    app_client: httpx.AsyncClient, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    headers = await make_agency("court")

    response = await app_client.post("/graphql", json={"query": MATTERS}, headers=headers)

    assert response.status_code == 200
    assert response.json()["data"]["matters"]


async def test_the_trail_and_the_report_name_the_user_not_the_header(
    app_client: httpx.AsyncClient,
    desk: str,
    stories: dict[str, Any],
    make_agency: Callable[..., Awaitable[dict[str, str]]],
) -> None:
    await log_in(app_client, desk)
    headers = {"X-CSRF-Token": await page_csrf(app_client, "/console/check"), "Hub-Operator": "mallory"}

    screened = await app_client.post(
        "/graphql",
        json={"query": SCREEN, "variables": {"who": [{"name": "林文斌", "residentId": LIN}]}},
        headers={**headers, "Hub-Purpose": "HOTEL_CHECK_IN"},
    )
    decision = screened.json()["data"]["screen"]["decisions"][0]
    report = {
        "interceptionId": decision["interceptionId"],
        "outcome": "SANCTION_APPLIED",
        "occurredAt": "2026-12-01T10:00:00+08:00",
        "idempotencyKey": "console-test-0001",
    }
    reported = await app_client.post(
        "/graphql", json={"query": REPORT, "variables": {"input": report}}, headers=headers
    )

    assert decision["decision"] == "BLOCK"
    assert decision["measures"][0]["legalBasis"]
    assert reported.json()["data"]["reportSanction"]["operator"] == "console:desk.clerk"
    operator = await make_agency("platform")
    trail = await app_client.post("/graphql", json={"query": AUDIT}, headers=operator)
    operators = {e["operator"] for e in trail.json()["data"]["auditEvents"]["nodes"] if e["operationName"]}
    assert operators == {"console:desk.clerk"}


async def test_a_clerk_may_not_open_operator_pages_or_fields(app_client: httpx.AsyncClient, desk: str) -> None:
    await log_in(app_client, desk)
    token = await page_csrf(app_client)

    page = await app_client.get("/console/audit")
    users = await app_client.get("/console/users")
    api = await app_client.post("/graphql", json={"query": AUDIT}, headers={"X-CSRF-Token": token})

    assert page.status_code == users.status_code == 403
    assert page.headers["x-frame-options"] == "DENY"
    assert api.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    assert "data" not in api.json() or api.json()["data"] is None


async def test_pages_carry_the_security_headers_and_no_outside_assets(app_client: httpx.AsyncClient, desk: str) -> None:
    await log_in(app_client, desk)

    for path in ("/console/check", "/console/dashboard", "/console/login"):
        response = await app_client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        for url in re.findall(r'(?:src|href)="([^"]+)"', response.text):
            assert url.startswith(("/", "?")), f"{path} loads {url}"


async def test_logout_ends_the_session(app_client: httpx.AsyncClient, desk: str) -> None:
    await log_in(app_client, desk)
    token = await page_csrf(app_client)
    cookie = app_client.cookies.get("hub_session")

    forged = await app_client.post("/console/logout", data={"csrf": "nope"})
    out = await app_client.post("/console/logout", data={"csrf": token})
    app_client.cookies.set("hub_session", cookie or "")
    replay = await app_client.post("/graphql", json={"query": MATTERS}, headers={"X-CSRF-Token": token})

    assert forged.status_code == 403
    assert out.status_code == 303
    assert out.headers["location"].startswith("/console/login")
    assert replay.status_code == 401
    assert (await app_client.get("/console/check")).headers["location"] == "/console/login"


async def test_a_disabled_user_is_logged_out_and_cannot_log_in(
    app_client: httpx.AsyncClient, desk: str, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    await log_in(app_client, desk)
    operator = await make_agency("platform")

    disabled = await app_client.post(
        "/graphql",
        json={"query": 'mutation { disableConsoleUser(username: "desk.clerk") { username disabledAt } }'},
        headers=operator,
    )

    assert disabled.json()["data"]["disableConsoleUser"]["disabledAt"]
    assert (await app_client.get("/console/check")).status_code == 303
    assert (await log_in(app_client, desk)).status_code == 401


CREATE = """mutation Create($input: CreateConsoleUserInput!) {
  createConsoleUser(input: $input) { username role agencyCode createdBy } }"""


async def test_operators_create_users_and_others_may_not(
    app_client: httpx.AsyncClient, desk: str, make_agency: Callable[..., Awaitable[dict[str, str]]]
) -> None:
    operator = {**(await make_agency("platform")), "Hub-Operator": "ops.wang"}
    court = await make_agency("court")
    new = {"agencyCode": "T-DESK", "username": "desk.two", "role": "CLERK", "password": "another long one"}

    created = await app_client.post("/graphql", json={"query": CREATE, "variables": {"input": new}}, headers=operator)
    denied = await app_client.post("/graphql", json={"query": CREATE, "variables": {"input": new}}, headers=court)
    wrong_role = await app_client.post(
        "/graphql",
        json={"query": CREATE, "variables": {"input": {**new, "username": "desk.three", "role": "OPERATOR"}}},
        headers=operator,
    )
    short = await app_client.post(
        "/graphql",
        json={"query": CREATE, "variables": {"input": {**new, "username": "desk.four", "password": "short"}}},
        headers=operator,
    )

    assert created.json()["data"]["createConsoleUser"] == {
        "username": "desk.two",
        "role": "CLERK",
        "agencyCode": "T-DESK",
        "createdBy": "ops.wang",
    }
    assert denied.json()["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"
    assert wrong_role.json()["errors"][0]["extensions"]["argument"] == "role"
    assert short.json()["errors"][0]["extensions"]["argument"] == "password"
    assert (await log_in(app_client, "desk.two", "another long one")).status_code == 303


async def test_graphiql_is_served_from_the_hub(app_client: httpx.AsyncClient) -> None:
    page = await app_client.get("/graphql", headers={"Accept": "text/html"})

    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assets = re.findall(r'(?:src="|rel="stylesheet" href=")([^"]+)"', page.text)
    assert any(a.endswith("graphiql.min.js") for a in assets)
    for url in assets:
        assert url.startswith("/console/static/"), url
        assert (await app_client.get(url)).status_code == 200, url


async def test_graphiql_is_for_operators_in_production(db: Database, desk: str) -> None:
    async with serve_in_process(db, Settings(env="production")) as client:
        anonymous = await client.get("/graphql", headers={"Accept": "text/html"})
        await log_in(client, desk)
        clerk = await client.get("/graphql", headers={"Accept": "text/html"})

    assert anonymous.status_code == 404
    assert clerk.status_code == 403


async def test_english_is_chosen_by_parameter_and_remembered(app_client: httpx.AsyncClient, desk: str) -> None:
    english = await app_client.get("/console/login?lang=en")
    again = await app_client.get("/console/login")
    chinese = await app_client.get("/console/login?lang=zh-CN")

    assert '<html lang="en">' in english.text
    assert "Log in" in english.text
    assert '<html lang="en">' in again.text
    assert '<html lang="zh-CN">' in chinese.text
    assert "登录" in chinese.text
