"""The console in a real browser against `hub serve --demo`: log in, check, report, watch the
dashboard move, log out; a wrong password and the lockout; a clerk at an operator page."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from hub.identity import make_resident_id
from tests.console.conftest import DemoHub

LIN = make_resident_id("350102", datetime.date(1976, 4, 12), 271)
# The same number with a wrong check digit.
LIN_TYPO = LIN[:17] + ("1" if LIN[17] != "1" else "2")
WAIT_MS = 15_000
NUMBER = re.compile(r"^\d+$")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(WAIT_MS)
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    errors: list[str] = []
    ctx.on("weberror", lambda e: errors.append(str(e.error)))
    try:
        yield ctx
    finally:
        ctx.close()
    assert not errors, errors


def log_in(page: Any, hub: DemoHub, username: str, password: str | None = None) -> None:
    page.goto(f"{hub.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", hub.passwords[username] if password is None else password)
    page.click("#login-submit")
    page.wait_for_load_state()


def graphql_posts(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.method == "POST" and r.url.endswith("/graphql") else None)
    return seen


def test_check_block_report_and_the_dashboard_rises(demo_hub: DemoHub, context: Any, screenshot: Any) -> None:
    from playwright.sync_api import expect

    # Given a hotel desk clerk logged in, with the dashboard open in a second tab.
    page = context.new_page()
    page.goto(f"{demo_hub.url}/console")
    expect(page).to_have_url(f"{demo_hub.url}/console/login")
    screenshot(page, "01-login")
    log_in(page, demo_hub, "hotel.clerk")
    expect(page).to_have_url(f"{demo_hub.url}/console/check")
    dashboard = context.new_page()
    dashboard.goto(f"{demo_hub.url}/console/dashboard")
    expect(dashboard.locator("#live")).to_have_attribute("data-live", "1")
    tile = dashboard.locator("#total-sanctions")
    expect(tile).to_have_attribute("data-value", NUMBER)
    before = int(tile.get_attribute("data-value"))

    # When an ID with a wrong check digit is entered, the form says why and sends nothing.
    posts = graphql_posts(page)
    page.fill("#name", "林文斌")
    page.fill("#identifier", LIN_TYPO)
    page.select_option("#matter", "HOTEL_CHECK_IN")
    page.select_option("#hotel", "FJ-FZ-0002")  # 福州温泉宾馆, four stars
    page.click("#check-submit")
    expect(page.locator("#form-error")).to_contain_text("第 18 位")
    expect(page.locator("#form-error")).to_contain_text("校验码")
    assert posts == []

    # When the right ID is checked for hotel check-in at the four-star hotel: BLOCK, with the
    # measure, its legal basis and what the person can do.
    page.fill("#identifier", LIN)
    page.click("#check-submit")
    expect(page.locator("#decision-value")).to_have_attribute("data-decision", "BLOCK")
    expect(page.locator("#decision-value")).to_contain_text("拦截")
    expect(page.locator(".measure-name dd").first).to_contain_text("星级以上宾馆")
    expect(page.locator(".legal-basis dd").first).to_contain_text("最高人民法院")
    expect(page.locator(".resolve dd").first).to_contain_text("执行法院")
    screenshot(page, "02-check-block")

    # And the sanction is reported with the same mutation systems use.
    page.select_option("#outcome", "SANCTION_APPLIED")
    page.click("#report-submit")
    expect(page.locator("#report-done")).to_be_visible()
    expect(page.locator("#report-done")).to_contain_text("已实施惩戒")
    screenshot(page, "03-reported")

    # Then the open dashboard counts it, live (no reload), and lists the interception.
    expect(tile).to_have_attribute("data-value", str(before + 1))
    expect(dashboard.locator("#recent tbody tr").first).to_contain_text("console:hotel.clerk")
    expect(dashboard.locator("#series svg polyline")).to_have_count(4)
    expect(dashboard.locator("#bars svg rect").first).to_be_visible()
    screenshot(dashboard, "04-dashboard")

    # And logging out ends the session: the pages send the browser back to the login.
    page.click("#logout")
    expect(page).to_have_url(f"{demo_hub.url}/console/login?bye=1")
    expect(page.locator("#login-bye")).to_be_visible()
    page.goto(f"{demo_hub.url}/console/check")
    expect(page).to_have_url(f"{demo_hub.url}/console/login")


def test_wrong_password_then_lockout(demo_hub: DemoHub, context: Any, screenshot: Any) -> None:
    from playwright.sync_api import expect

    page = context.new_page()
    log_in(page, demo_hub, "hotel.lead", "not-the-password")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
    screenshot(page, "05-wrong-password")
    for attempt in range(4):
        log_in(page, demo_hub, "hotel.lead", f"still-wrong-{attempt}")
    expect(page.locator("#login-error")).to_contain_text("15 分钟")
    # Locked: even the right password is refused now.
    log_in(page, demo_hub, "hotel.lead")
    expect(page.locator("#login-error")).to_contain_text("15 分钟")
    expect(page).to_have_url(f"{demo_hub.url}/console/login")
    screenshot(page, "06-locked")


def test_a_clerk_is_refused_operator_pages_and_fields(demo_hub: DemoHub, context: Any, screenshot: Any) -> None:
    from playwright.sync_api import expect

    page = context.new_page()
    log_in(page, demo_hub, "hotel.clerk")
    expect(page.locator("nav.main")).not_to_contain_text("审计")

    response = page.goto(f"{demo_hub.url}/console/audit")
    assert response is not None
    assert response.status == 403
    expect(page.locator("#error-message")).to_have_text("您的角色无权访问此页面。")
    screenshot(page, "07-clerk-forbidden")

    page.goto(f"{demo_hub.url}/console/dashboard")
    answer = page.evaluate(
        """async () => {
          const csrf = document.querySelector('meta[name="csrf-token"]').content;
          const r = await fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json',
            'X-CSRF-Token': csrf}, body: JSON.stringify({query: '{ auditEvents { nodes { seq } } }'})});
          return r.json();
        }"""
    )
    assert answer["errors"][0]["extensions"]["code"] == "FIELD_NOT_ALLOWED"


def test_court_and_operator_pages_in_both_languages(demo_hub: DemoHub, context: Any, screenshot: Any) -> None:
    from playwright.sync_api import expect

    # A court clerk sees the debtor on one page: listing, case, estate, shares, interceptions.
    court = context.new_page()
    log_in(court, demo_hub, "court.clerk")
    court.goto(f"{demo_hub.url}/console/subject?purpose=(2018)闽0102执1867号")
    court.fill("#identifier", LIN)
    court.click("#subject-submit")
    expect(court.locator("#subject-name")).to_have_text("林文斌")
    expect(court.locator("#listings")).to_contain_text("(2018)闽0102执1867号")
    expect(court.locator("#estate")).to_contain_text("已查封")
    expect(court.locator("#shares")).to_contain_text("福州鑫源贸易有限公司")
    # Codes are shown as words: the list and the circumstance, not DISHONEST or REFUSES_WITH_ABILITY.
    expect(court.locator("#listings")).to_contain_text("失信被执行人名单")
    expect(court.locator("#listings")).not_to_contain_text("DISHONEST")
    expect(court.locator("#cases")).not_to_contain_text("NONE")
    screenshot(court, "08-subject")
    # The listings download holds the rows the view shows, as the view shows them.
    with court.expect_download() as listed:
        court.click("#export-listings-csv")
    rows = Path(listed.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("姓名或名称,证件号码,执行案号,名单")
    assert any("(2018)闽0102执1867号" in row and "失信被执行人名单" in row for row in rows[1:])
    # A refusal from the hub (its messages are English) reaches the Chinese console in Chinese.
    court.fill("#purpose", "HOTEL_CHECK_IN")
    court.click("#subject-submit")
    expect(court.locator("#form-error")).to_have_text("本单位不能以该目的查询。")
    court.click("#logout")

    # The operator verifies the chain and searches the trail, in English.
    operator = context.new_page()
    log_in(operator, demo_hub, "operator")
    operator.goto(f"{demo_hub.url}/console/audit?lang=en")
    expect(operator.locator("#chain")).to_have_attribute("data-ok", "true", timeout=60_000)
    expect(operator.locator("#chain")).to_contain_text("The chain is intact")
    expect(operator.locator("#events tbody tr").first).to_be_visible()
    screenshot(operator, "09-audit-en")
    with operator.expect_download() as audited:
        operator.click("#export-audit-xlsx")
    assert audited.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(audited.value.path()).read_bytes()), read_only=True).active
    header, *events = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Seq"
    assert len(events) == operator.locator("#events tbody tr").count()
    operator.goto(f"{demo_hub.url}/console/dashboard")
    expect(operator.locator("h1")).to_have_text("Joint punishment at a glance")
    expect(operator.locator("#total-comparisons")).to_have_attribute("data-value", NUMBER)
    operator.select_option("#bars-by", "agency")
    screenshot(operator, "10-dashboard-en")
    operator.goto(f"{demo_hub.url}/console/users?lang=zh-CN")
    expect(operator.locator("#users tbody")).to_contain_text("hotel.clerk")
    screenshot(operator, "11-users")

    # GraphiQL runs from the hub's own copy.
    operator.goto(f"{demo_hub.url}/graphql")
    expect(operator.locator(".graphiql-container")).to_be_visible()
    screenshot(operator, "12-graphiql")


def _python_verdict(kind: str, value: str) -> int | str | None:
    """None when valid, else the position the hub names (or 'whole' for the length)."""
    from hub.errors import InvalidIdentifier
    from hub.identity import parse_resident_id, parse_uscc

    try:
        (parse_resident_id if kind == "id" else parse_uscc)(value)
    except InvalidIdentifier as error:
        return "whole" if error.position is None else error.position
    return None


def _samples() -> list[tuple[str, str]]:
    """Valid identifiers and every single-character change of a few of them."""
    import random

    from hub.identity import make_uscc

    rng = random.Random(11643)
    ids = [make_resident_id("350102", datetime.date(1950 + i * 7, 1 + i % 12, 1 + i * 3), 100 + i) for i in range(6)]
    codes = [make_uscc("9", "1", "350105", f"{73212345 + i * 1111:08d}") for i in range(6)]
    samples = [("id", v) for v in ids] + [("uscc", v) for v in codes]
    for kind, value in list(samples):
        for position in range(18):
            for ch in rng.sample("0123456789XAYZ", 3):
                samples.append((kind, value[:position] + ch + value[position + 1 :]))
    samples += [("id", ids[0][:15]), ("id", ids[0][:17]), ("uscc", codes[0][:10]), ("id", ids[0].lower())]
    return samples


def test_the_form_checks_identifiers_as_the_hub_does(demo_hub: DemoHub, context: Any) -> None:
    # The console's GB 11643 / GB 32100 checks, run in the browser, agree with hub.identity
    # on validity and on the position they name, for valid codes and single-character typos.
    page = context.new_page()
    log_in(page, demo_hub, "hotel.clerk")
    samples = _samples()

    verdicts = page.evaluate(
        """async (samples) => {
          const m = await import('/console/static/identifiers.js');
          return samples.map(([kind, value]) => {
            const problem = kind === 'id' ? m.checkResidentId(value, 'en') : m.checkUscc(value, 'en');
            return problem === null ? null : (problem.position === null ? 'whole' : problem.position);
          });
        }""",
        samples,
    )

    expected = [_python_verdict(kind, value) for kind, value in samples]
    mismatches = [(s, v, e) for s, v, e in zip(samples, verdicts, expected, strict=True) if v != e]
    assert not mismatches, mismatches[:5]
    assert None in expected
    assert any(e is not None for e in expected)


def test_the_agriculture_clerk_rates_a_company_from_the_console(
    demo_hub: DemoHub, context: Any, screenshot: Any
) -> None:
    from playwright.sync_api import expect

    from hub.identity import make_uscc

    tea = make_uscc("9", "1", "350524", "61550286")
    page = context.new_page()
    log_in(page, demo_hub, "agri.clerk")
    page.click('nav a[href="/console/ratings"]')
    page.select_option('select[name="scheme"]', "HZ-AGRI-INPUT-SHOP")
    page.fill('input[name="identifier"]', tea)
    page.select_option('select[name="level"]', "A")
    page.fill('textarea[name="evidence"]', "年度信用评价：经营记录完整，抽检合格")
    page.click("#rate-form button[type=submit]")
    expect(page.locator("#publish-done")).to_have_text("评价已发布。")
    expect(page.locator("#current-ratings")).to_contain_text("福建安溪铁观音茶业有限公司")
    screenshot(page, "13-ratings")
    page.click('nav a[href="/console/listings"]')
    expect(page.locator('#list-form select[name="list"] option[value="RED_LIST"]')).to_have_count(1)
    page.click('nav a[href="/console/dashboard"]')
    expect(page.locator("#total-rewards")).to_have_text(NUMBER)
    page.click("#logout")
