"""Joint rewards and punishments (issue 14), the whole cycle through HTTP against a served hub
(`hub serve --demo` in a subprocess, the demo agencies' keys as it printed them):

1. FJ-AGRICULTURE rates a farm-input shop A (rateSubject);
2. red-lists it (publishListing RED_LIST): procurement screening ALLOWs it with the reward,
   its measure and basis; the public search shows the red-list entry;
3. blacklists it (AGRI_PRODUCT_SAFETY): procurement BLOCKs it, the reward is refused and the
   answer says why (punishment prevails); the public search shows both entries;
4. repairs the blacklist entry (``repair_the_blacklist_entry``: the shop's credit repair
   application, recorded and approved by FJ-AGRICULTURE): the reward is back, the entry gone
   from screening, other agencies' view of the subject and the public search at once, kept in
   the history of its publisher and the operator only;
5. another agency's webhook (FJ-TAX) received every change, in order, signed.

First, the demo itself: the Hangzhou ratings and the demo's red and black list entries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.events.webhooks import verify
from hub.identity import make_uscc
from tests.served import HubProcess, Served, poll

SHOP = "闽侯县绿丰农资经营部"
SHOP_USCC = make_uscc("9", "1", "350121", "58340712")
WHO = {"name": SHOP, "uscc": SHOP_USCC}
RED_DOC = "闽农信〔2026〕101号"
BLACK_DOC = "闽农黑〔2026〕102号"

RATE = """mutation($uscc: String!) { rateSubject(scheme: "HZ-AGRI-INPUT-SHOP", uscc: $uscc, level: "A",
  evidence: "年度信用评价：经营记录完整，抽检合格", evidenceDocument: "杭农信评〔2026〕7号") {
  id level { code } expiresOn } }"""
SUBJECT = """query($uscc: String!) { subjectByUscc(uscc: $uscc) { id
  ratings { scheme { code } level { code } } listings { nodes { id list active } } } }"""
PUBLISH = """mutation($s: ID!, $list: ListKind!, $doc: String) {
  publishListing(subjectId: $s, list: $list, basisDocument: $doc) { id list active publisherCode } }"""
REMOVE = """mutation($id: ID!, $reason: RemovalReasonInput!) {
  removeListing(listingId: $id, reason: $reason) { id active removalReason } }"""
APPLY = """mutation($id: ID!) { applyForCreditRepair(listingId: $id, applicant: "闽侯县绿丰农资经营部（法定代表人）",
  grounds: "问题农资已全部召回销毁，整改验收合格，罚款已缴清", evidence: "整改验收报告；罚没款缴纳凭证",
  evidenceDocuments: ["闽侯农整〔2026〕15号"]) { id status dueOn overdue } }"""
DECIDE = """mutation($id: ID!) { decideCreditRepair(applicationId: $id, approve: true,
  reasons: "整改到位，符合信用修复条件") { id status } }"""
APPLICATIONS = """{ creditRepairApplications(status: APPROVED) { status listing { id list active removalReason } } }"""
HISTORY = """query($uscc: String!) { subjectByUscc(uscc: $uscc) {
  listings(includeRemoved: true) { nodes { id list active removalReason } } } }"""
SCREEN = """mutation($matter: String!, $ids: [IdentityInput!]!) { screen(matter: $matter, identities: $ids) {
  decisions { decision reasons rewardWithheld measures { code legalBasis list basisDocument }
    rewards { code name legalBasis list basisDocument publisherName } } } }"""
LIST_KINDS = "{ listKinds { code public } }"
REGISTER = "mutation($url: String!) { registerWebhook(url: $url) { secret afterSeq } }"


@dataclass
class Receiver:
    """FJ-TAX's webhook endpoint: every call, as received."""

    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        self.calls.append((dict(request.headers), await request.body()))
        return Response(status_code=200)

    def events(self, subject_id: str) -> list[dict[str, Any]]:
        found = [orjson.loads(body) for _, body in self.calls]
        return [e for e in found if str(e["subject"]["id"]) == subject_id]


@dataclass
class Hub:
    """The served hub and the demo agencies' keys."""

    process: HubProcess
    http: httpx.AsyncClient
    keys: dict[str, str]

    async def gql(self, agency: str, query: str, purpose: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.keys[agency]}"}
        if purpose is not None:
            headers["Hub-Purpose"] = purpose
        response = await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        body: dict[str, Any] = response.json()
        return body

    async def ok(self, agency: str, query: str, purpose: str | None = None, **variables: Any) -> dict[str, Any]:
        body = await self.gql(agency, query, purpose, **variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def screen(self, agency: str, matter: str) -> dict[str, Any]:
        data = await self.ok(agency, SCREEN, matter, matter=matter, ids=[WHO])
        decision: dict[str, Any] = data["screen"]["decisions"][0]
        return decision

    async def public(self) -> list[dict[str, Any]]:
        response = await self.http.get("/public/search", params={"name": SHOP, "id": SHOP_USCC})
        assert response.status_code == 200, response.text
        records: list[dict[str, Any]] = response.json()["records"]
        return records


@pytest_asyncio.fixture
async def hub(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[Hub]:
    # The public search allows more than the default 10 a minute: this test is one client.
    process = HubProcess(fresh_database_url, tmp_path, "--demo", HUB_PUBLIC_RATE_PER_MINUTE="100")
    try:
        await poll(process.ready, "the demo hub to become ready", 180)
        keys = process.keys()
        assert {"FJ-AGRICULTURE", "FJ-MARKET", "FJ-TAX"} <= set(keys), process.log.read_text()
        async with httpx.AsyncClient(base_url=process.url, timeout=30) as http:
            yield Hub(process, http, keys)
    finally:
        process.stop()


def _active(subject: dict[str, Any]) -> set[str]:
    """The lists of a subject's entries in force, as an agency sees them."""
    return {n["list"] for n in subject["listings"]["nodes"] if n["active"]}


async def repair_the_blacklist_entry(hub: Hub, entry_id: str) -> None:
    """Step 4: credit repair (信用修复). The shop hands its application in to FJ-AGRICULTURE,
    which records it and approves it; the entry is removed (CREDIT_REPAIR) in the same
    transaction. A plain removal for a reason the kind does not allow is refused first, and a
    second decision is ALREADY_DECIDED. The entry stays in the history of its publisher (its
    applications and the subject's listings) and of the operator, and nobody else's."""
    refused = await hub.gql("FJ-AGRICULTURE", REMOVE, id=entry_id, reason="PAID")
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", refused
    application = (await hub.ok("FJ-AGRICULTURE", APPLY, id=entry_id))["applyForCreditRepair"]
    assert (application["status"], application["overdue"]) == ("SUBMITTED", False), application
    # Nobody but the publisher decides it.
    assert (await hub.gql("FJ-MARKET", DECIDE, id=application["id"]))["errors"]
    decided = (await hub.ok("FJ-AGRICULTURE", DECIDE, id=application["id"]))["decideCreditRepair"]
    assert decided["status"] == "APPROVED", decided
    again = await hub.gql("FJ-AGRICULTURE", DECIDE, id=application["id"])
    assert again["errors"][0]["extensions"]["code"] == "ALREADY_DECIDED", again

    def history(answer: dict[str, Any]) -> list[tuple[str, str, bool, str | None]]:
        nodes = answer["subjectByUscc"]["listings"]["nodes"]
        return [(n["id"], n["list"], n["active"], n["removalReason"]) for n in nodes]

    repaired = (entry_id, "AGRI_PRODUCT_SAFETY", False, "CREDIT_REPAIR")
    # The publisher keeps it with its decision; the operator in the subject's history too.
    kept = (await hub.ok("FJ-AGRICULTURE", APPLICATIONS))["creditRepairApplications"]
    assert [tuple(a["listing"].values()) for a in kept] == [repaired], kept
    assert repaired in history(await hub.ok("FJ-PLATFORM", HISTORY, "PLATFORM_OVERSIGHT", uscc=SHOP_USCC))
    # The publisher in the subject's history as well (its list kind's removed entries).
    assert repaired in history(await hub.ok("FJ-AGRICULTURE", HISTORY, "FISCAL_SUPPORT", uscc=SHOP_USCC))
    # Nobody else: not another agency's view of the subject, not its applications.
    others = (await hub.ok("FJ-MARKET", SUBJECT, "GOVERNMENT_PROCUREMENT", uscc=SHOP_USCC))["subjectByUscc"]
    assert entry_id not in [n["id"] for n in others["listings"]["nodes"]], others
    assert (await hub.gql("FJ-MARKET", APPLICATIONS)).get("data") in (None, {"creditRepairApplications": []})
    # Market publishes no list: no history at all, refused by name.
    refused = await hub.gql("FJ-MARKET", HISTORY, "GOVERNMENT_PROCUREMENT", uscc=SHOP_USCC)
    assert refused["errors"][0]["extensions"]["argument"] == "includeRemoved", refused


async def test_rate_reward_blacklist_refuse_repair_and_every_agency_told(hub: Hub) -> None:
    # FJ-TAX follows list and rating changes by webhook (plain http to loopback: development).
    receiver = Receiver()
    async with Served(Starlette(routes=[Route("/hook", receiver.endpoint, methods=["POST"])])) as endpoint:
        registered = await hub.ok("FJ-TAX", REGISTER, url=f"{endpoint.url}/hook")
        secret = registered["registerWebhook"]["secret"].encode()
        public_kinds = {k["code"]: k["public"] for k in (await hub.ok("FJ-MARKET", LIST_KINDS))["listKinds"]}
        assert public_kinds["RED_LIST"] is True

        # 0. The demo as `hub serve --demo` loads it: the Hangzhou ratings at a tenth (17 A shops
        # first), the first A shops red-listed and the C shop blacklisted by FJ-AGRICULTURE.
        for number, level, entry in ((1, "A", "RED_LIST"), (35, "C", "AGRI_PRODUCT_SAFETY")):
            name, uscc = f"示范农资经营部{number:03d}号", make_uscc("9", "3", "350000", f"H{number:07d}")
            demo = (await hub.ok("FJ-AGRICULTURE", SUBJECT, "FISCAL_SUPPORT", uscc=uscc))["subjectByUscc"]
            assert [(r["scheme"]["code"], r["level"]["code"]) for r in demo["ratings"]] == [
                ("HZ-AGRI-INPUT-SHOP", level)
            ]
            assert _active(demo) == {entry}
            found = await hub.http.get("/public/search", params={"name": name, "id": uscc})
            assert [r["list"] for r in found.json()["records"]] == [entry]

        # 1. FJ-AGRICULTURE rates the shop A.
        rated = await hub.ok("FJ-AGRICULTURE", RATE, uscc=SHOP_USCC)
        assert rated["rateSubject"]["level"]["code"] == "A"
        subject = (await hub.ok("FJ-AGRICULTURE", SUBJECT, "FISCAL_SUPPORT", uscc=SHOP_USCC))["subjectByUscc"]
        shop_id = subject["id"]
        assert [(r["scheme"]["code"], r["level"]["code"]) for r in subject["ratings"]] == [("HZ-AGRI-INPUT-SHOP", "A")]
        # Nothing yet: procurement allows it, with no reward.
        plain = await hub.screen("FJ-MARKET", "GOVERNMENT_PROCUREMENT")
        assert (plain["decision"], plain["rewards"]) == ("ALLOW", [])

        # 2. Red-listed: the reward, with its measure and basis, for procurement and for approvals.
        red = (await hub.ok("FJ-AGRICULTURE", PUBLISH, s=shop_id, list="RED_LIST", doc=RED_DOC))["publishListing"]
        assert (red["list"], red["active"], red["publisherCode"]) == ("RED_LIST", True, "FJ-AGRICULTURE")
        rewarded = await hub.screen("FJ-MARKET", "GOVERNMENT_PROCUREMENT")
        assert rewarded["decision"] == "ALLOW"
        assert rewarded["reasons"] == ["NOT_LISTED", "REWARDED"]
        [reward] = rewarded["rewards"]
        assert (reward["code"], reward["list"], reward["basisDocument"]) == (
            "REWARD_PROCUREMENT_DEPOSIT",
            "RED_LIST",
            RED_DOC,
        )
        assert "国发〔2016〕33号" in reward["legalBasis"]
        assert reward["publisherName"] == "福建省农业农村厅"
        approval = await hub.screen("FJ-TAX", "ADMINISTRATIVE_APPROVAL")
        assert [r["code"] for r in approval["rewards"]] == ["REWARD_APPROVAL_GREEN_CHANNEL"]
        assert [(r["list"], r["basisDocument"]) for r in await hub.public()] == [("RED_LIST", RED_DOC)]

        # 3. Blacklisted: procurement BLOCKs, the reward is withheld and the answer says why.
        black = await hub.ok("FJ-AGRICULTURE", PUBLISH, s=shop_id, list="AGRI_PRODUCT_SAFETY", doc=BLACK_DOC)
        black_id = black["publishListing"]["id"]
        refused = await hub.screen("FJ-MARKET", "GOVERNMENT_PROCUREMENT")
        assert refused["decision"] == "BLOCK"
        assert refused["reasons"] == ["LISTED", "REWARD_WITHHELD"]
        assert refused["rewards"] == []
        assert refused["rewardWithheld"].startswith("punishment prevails: BAR_PROCUREMENT_SUPPLIER")
        [measure] = refused["measures"]
        assert (measure["code"], measure["list"], measure["basisDocument"]) == (
            "BAR_PROCUREMENT_SUPPLIER",
            "AGRI_PRODUCT_SAFETY",
            BLACK_DOC,
        )
        assert "国发〔2016〕33号" in measure["legalBasis"]
        # Fiscal support is refused too (the blacklist's own measure).
        assert (await hub.screen("FJ-AGRICULTURE", "FISCAL_SUPPORT"))["decision"] == "BLOCK"
        seen = (await hub.ok("FJ-MARKET", SUBJECT, "GOVERNMENT_PROCUREMENT", uscc=SHOP_USCC))["subjectByUscc"]
        assert _active(seen) == {"RED_LIST", "AGRI_PRODUCT_SAFETY"}
        shown = [(r["list"], r["basisDocument"]) for r in await hub.public()]
        expected = [("RED_LIST", RED_DOC)] + (
            [("AGRI_PRODUCT_SAFETY", BLACK_DOC)] if public_kinds["AGRI_PRODUCT_SAFETY"] else []
        )
        assert shown == expected

        # 4. Repaired: the reward is back, and the entry gone from every answer at once.
        await repair_the_blacklist_entry(hub, black_id)
        back = await hub.screen("FJ-MARKET", "GOVERNMENT_PROCUREMENT")
        assert (back["decision"], back["reasons"], back["measures"]) == ("ALLOW", ["NOT_LISTED", "REWARDED"], [])
        assert [r["code"] for r in back["rewards"]] == ["REWARD_PROCUREMENT_DEPOSIT"]
        assert (await hub.screen("FJ-AGRICULTURE", "FISCAL_SUPPORT"))["decision"] == "ALLOW"
        assert [(r["list"], r["basisDocument"]) for r in await hub.public()] == [("RED_LIST", RED_DOC)]
        seen = (await hub.ok("FJ-MARKET", SUBJECT, "GOVERNMENT_PROCUREMENT", uscc=SHOP_USCC))["subjectByUscc"]
        assert _active(seen) == {"RED_LIST"}

        # 5. FJ-TAX was told of every change, in order, each signed.
        wanted = ["rating.published", "listing.published", "listing.published", "listing.removed"]

        async def all_arrived() -> bool:
            return len(receiver.events(shop_id)) >= len(wanted)

        await poll(all_arrived, "FJ-TAX's webhook to receive the four changes", 30)
        events = receiver.events(shop_id)
        assert [e["kind"] for e in events] == wanted
        assert events[0]["listing"] is None
        assert events[0]["rating"] is not None
        assert [e["listing"]["list"] for e in events[1:]] == [
            "red_list",
            "agri_product_safety",
            "agri_product_safety",
        ]
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs)  # in order, each once
        assert len(set(seqs)) == len(seqs)
        for headers, body in receiver.calls:
            assert verify(secret, headers["hub-timestamp"], body, headers["hub-signature"])
