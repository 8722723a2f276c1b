"""A small province for the differential tests: synthetic subjects, the newspaper's stories, an
agency of every profile, a removed listing, an interception with its feedback, a week of past
activity (audit records, interceptions, reports, comparisons), console users, a webhook with
parked events, published batches with their record history, held party mentions with their
candidates, and two hubs over it that differ only in whether reads compile.

What the requests of a test themselves change (each writes an audit record) is kept out of
the answers compared: the trail is read up to ``audit_until`` and the statistics of the audit
trail up to ``today`` (exclusive)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from starlette.types import Receive, Scope, Send

from hub.agencies import create_agency
from hub.audit.chain import append_records
from hub.audit.record import AuditRecord, document_hash
from hub.console.users import create_user, disable_user
from hub.db.database import Database
from hub.events.outbox import emit
from hub.gateway.app import create_app
from hub.identity.mentions import Mention, hold
from hub.identity.resolution import confirm, reject
from hub.policy import Principal
from hub.policy.limits import Limits
from hub.seed.demo import load_stories
from hub.seed.synthetic import seed_synthetic
from hub.settings import Settings

# Every profile of rules.toml: (kind, role, purpose it declares).
PROFILES: dict[str, tuple[str, str | None, str]] = {
    "court": ("court", None, "(2018)闽0102执1867号"),
    "land": ("land", None, "REAL_ESTATE_REGISTRATION"),
    "market": ("market", None, "ENTERPRISE_REGISTRATION_CHANGE"),
    "police": ("police", None, "VEHICLE_ENFORCEMENT"),
    "hotel": ("police", "hotel", "HOTEL_CHECK_IN"),
    "tourism": ("tourism", None, ""),
    "housing": ("housing", None, "HOUSING_SUBSIDY"),
    "finance": ("finance", None, "LOAN_APPROVAL"),
    "civil_affairs": ("civil_affairs", None, "SOCIAL_ASSISTANCE"),
    "township": ("township", None, "VILLAGE_COMMITTEE_CANDIDACY"),
    "platform": ("platform", None, "PLATFORM_OVERSIGHT"),
    "agriculture": ("agriculture", None, "FISCAL_SUPPORT"),
    "tax": ("tax", None, "PUBLIC_SERVICE"),
}


@dataclass
class Hub:
    client: httpx.AsyncClient
    state: Any


@dataclass
class World:
    conn: asyncpg.Connection
    compiled: Hub
    executor: Hub
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    lin_id: str = "350102197604122712"
    listed_id: int = 0
    # A farm shop with two removed entries on agriculture's blacklist (one for credit repair).
    farm_shop_id: int = 0
    company_id: int = 0
    company_uscc: str = ""
    person_ids: list[int] = field(default_factory=list)
    owner_id: int = 0
    case_number: str = "(2018)闽0102执1867号"
    shareholders_cursor: str = ""
    search_cursor: str = ""
    hotels_cursor: str = ""
    # The trail as it stood before the tests' own requests (a DateTime), and the local day
    # (China Standard Time) the tests run on: the audit statistics are read up to it.
    audit_until: str = ""
    today: str = ""
    week_ago: str = ""
    agency_ids: dict[str, int] = field(default_factory=dict)
    applied_batch: str = ""
    rejected_batch: str = ""
    interrupted_batch: str = ""
    vehicle_batch: str = ""
    hotel_code: str = "FJ-FZ-9001"
    mention_id: str = ""
    agencies_cursor: str = ""
    events_cursor: str = ""
    mentions_cursor: str = ""
    candidates_cursor: str = ""
    history_cursor: str = ""

    async def ask(self, hub: Hub, profile: str, query: str, variables: dict[str, Any]) -> httpx.Response:
        return await hub.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers[profile]
        )

    def allowed(self, profile: str) -> frozenset[str]:
        """The schema coordinates the profile's policy lets it select."""
        kind, role, _ = PROFILES[profile]
        principal = Principal(0, f"W-{profile.upper()}", "", kind, "350000", None, role)
        return self.compiled.state.rules.for_principal(principal, development=True).allowed

    async def last_record(self) -> tuple[tuple[int, ...], tuple[str, ...], str]:
        row = await self.conn.fetchrow("SELECT subjects, fields, outcome FROM audit.event ORDER BY seq DESC LIMIT 1")
        assert row is not None
        return tuple(row["subjects"]), tuple(row["fields"]), row["outcome"]


@asynccontextmanager
async def served(db: Database, settings: Settings) -> AsyncIterator[Hub]:
    """The real ASGI app, lifespan run, its state at hand, over the test's connection."""
    app = create_app(settings, db=db)
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Hub(client, state["hub"])


@asynccontextmanager
async def world_of(conn: asyncpg.Connection, subjects: int = 300) -> AsyncIterator[World]:
    await seed_synthetic(conn, subjects=subjects, seed=11, progress=False)
    stories = await load_stories(conn)
    db = Database(connection=conn)
    # Rate limits off: the tests ask thousands of questions a minute, on purpose.
    settings = Settings(env="development", limits=Limits(operations_per_minute=10**9, subjects_per_minute=10**9))
    async with AsyncExitStack() as stack:
        compiled = await stack.enter_async_context(served(db, settings))
        executor = await stack.enter_async_context(served(db, dataclasses.replace(settings, compiled_reads=False)))
        world = World(conn, compiled, executor)
        for name, (kind, role, purpose) in PROFILES.items():
            created = await create_agency(db, code=f"W-{name.upper()}", name=f"测试{name}", kind=kind, role=role)
            headers = {"Authorization": f"Bearer {created.key}"}
            if purpose:
                headers["Hub-Purpose"] = quote(purpose)
            world.headers[name] = headers
        await _fill(world, stories)
        yield world


async def _fill(world: World, stories: dict[str, int]) -> None:
    conn = world.conn
    world.listed_id = stories["lin"]
    world.agency_ids = {
        r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM core.agency WHERE code LIKE 'W-%'")
    }
    await _past_week(world, stories)
    company = await conn.fetchrow(
        """SELECT s.id, s.identifier FROM core.subject s
            WHERE s.kind = 'organisation'
              AND EXISTS (SELECT FROM market.directorship d WHERE d.company_id = s.id AND d.role = 'legal_representative')
            ORDER BY (SELECT count(*) FROM market.shareholding h WHERE h.company_id = s.id) DESC, s.id LIMIT 1"""
    )
    assert company is not None
    world.company_id, world.company_uscc = company["id"], company["identifier"]
    world.person_ids = [
        r["id"]
        for r in await conn.fetch(
            """SELECT DISTINCT s.id FROM core.subject s JOIN land.ownership o ON o.subject_id = s.id
                WHERE s.kind = 'person' ORDER BY s.id LIMIT 8"""
        )
    ]
    world.owner_id = await conn.fetchval(
        "SELECT v.owner_id FROM police.vehicle v JOIN police.vehicle_seizure z ON z.vehicle_id = v.id ORDER BY v.id LIMIT 1"
    ) or await conn.fetchval("SELECT owner_id FROM police.vehicle ORDER BY id LIMIT 1")
    # History: one of the listed's entries removed (courts and the operator still see it: a court list).
    await conn.execute(
        """UPDATE court.listing SET removed_on = published_on + 30, removal_reason = 'paid'
            WHERE id = (SELECT id FROM court.listing WHERE subject_id <> $1 AND list = 'dishonest'
                         ORDER BY id LIMIT 1)""",
        world.listed_id,
    )
    # Agriculture's history: entries removed from its blacklist, plainly and by credit repair
    # (agriculture and the operator see them; courts and tax do not; others are refused).
    world.farm_shop_id = stories["farm_shop"]
    await conn.execute(
        """INSERT INTO court.listing (subject_id, list, basis_document, publisher_id, published_on, term_months,
                                      removed_on, removal_reason)
           SELECT $1, 'agri_product_safety', d, $2, current_date - 90, 36, current_date - 10, r
             FROM (VALUES ('闽农黑〔2026〕21号', 'published_in_error'), ('闽农黑〔2026〕22号', 'credit_repair')) v(d, r)""",
        world.farm_shop_id,
        world.agency_ids["W-AGRICULTURE"],
    )
    # An interception of the listed debtor at the land registry, and what the registry did.
    screened = await world.ask(
        world.compiled,
        "land",
        """mutation { screen(matter: "REAL_ESTATE_REGISTRATION",
             identities: [{name: "林文斌", residentId: "350102197604122712"}]) { decisions { interceptionId } } }""",
        {},
    )
    interception = screened.json()["data"]["screen"]["decisions"][0]["interceptionId"]
    reported = await world.ask(
        world.compiled,
        "land",
        """mutation($id: ID!) { reportSanction(input: {interceptionId: $id, outcome: SANCTION_APPLIED,
             occurredAt: "2026-11-28T20:15:00.5+08:00", idempotencyKey: "world-report-0001"}) { id } }""",
        {"id": interception},
    )
    assert "errors" not in reported.json(), reported.text
    # The company classed C, then B (the C kept in its history), by market supervision.
    for level in ("C", "B"):
        rated = await world.ask(
            world.executor,
            "market",
            """mutation($u: String!, $level: String!) { rateSubject(scheme: "FJ-MARKET-CREDIT-RISK", uscc: $u,
                 level: $level, evidence: "双随机抽查") { id } }""",
            {"u": world.company_uscc, "level": level},
        )
        assert "errors" not in rated.json(), rated.text
    # Cursors as agencies hold them: from the executor, which always issued them.
    court = "court"
    page = await world.ask(
        world.executor,
        court,
        "query($id: ID!) { subject(id: $id) { ... on Organisation { shareholders(first: 2) { pageInfo { endCursor } } } } }",
        {"id": str(world.company_id)},
    )
    world.shareholders_cursor = page.json()["data"]["subject"]["shareholders"]["pageInfo"]["endCursor"]
    found = await world.ask(
        world.executor, court, '{ searchSubjects(name: "林", first: 3) { pageInfo { endCursor } } }', {}
    )
    world.search_cursor = found.json()["data"]["searchSubjects"]["pageInfo"]["endCursor"]
    hotels = await world.ask(
        world.executor, court, '{ hotels(minStars: 3, region: "35", first: 4) { pageInfo { endCursor } } }', {}
    )
    world.hotels_cursor = hotels.json()["data"]["hotels"]["pageInfo"]["endCursor"]
    await _operations(world, stories)
    operator = "platform"
    cursors = await world.ask(
        world.executor,
        operator,
        """query($key: String!) { agencies(first: 3) { pageInfo { endCursor } }
             partyMentions(first: 1) { pageInfo { endCursor } }
             candidateLinks(first: 1) { pageInfo { endCursor } }
             recordHistory(source: TOURISM, key: $key, first: 1) { pageInfo { endCursor } } }""",
        {"key": world.hotel_code},
    )
    found = cursors.json()["data"]
    world.agencies_cursor = found["agencies"]["pageInfo"]["endCursor"]
    world.mentions_cursor = found["partyMentions"]["pageInfo"]["endCursor"]
    world.candidates_cursor = found["candidateLinks"]["pageInfo"]["endCursor"]
    world.history_cursor = found["recordHistory"]["pageInfo"]["endCursor"]
    world.audit_until = dt.datetime.now(dt.UTC).isoformat()
    events = await world.ask(
        world.executor,
        operator,
        "query($until: DateTime) { auditEvents(until: $until, first: 4) { pageInfo { endCursor } } }",
        {"until": world.audit_until},
    )
    world.events_cursor = events.json()["data"]["auditEvents"]["pageInfo"]["endCursor"]


_CHINA = ZoneInfo("Asia/Shanghai")


async def _past_week(world: World, stories: dict[str, int]) -> None:
    """A week of activity before today: audit records of several agencies and outcomes (and of
    requests without a key), interceptions with what was reported, comparisons counted."""
    conn, ids = world.conn, world.agency_ids
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(_CHINA).date()
    world.today = today.isoformat()
    world.week_ago = (today - dt.timedelta(days=7)).isoformat()
    lin, company = stories["lin"], await conn.fetchval("SELECT min(id) FROM core.subject WHERE kind = 'organisation'")
    # (days ago, agency code or None, outcome, purpose, subjects, error codes, operation)
    history: list[tuple[int, str | None, str, str | None, tuple[int, ...], tuple[str, ...], str]] = [
        (6, "W-COURT", "ok", "(2018)闽0102执1867号", (lin,), (), "query"),
        (6, "W-COURT", "ok", "(2018)闽0102执1867号", (lin, company), (), "query"),
        (5, "W-LAND", "ok", "REAL_ESTATE_REGISTRATION", (lin,), (), "query"),
        (5, "W-LAND", "denied", "REAL_ESTATE_REGISTRATION", (), ("FIELD_NOT_ALLOWED",), "query"),
        (5, None, "denied", None, (), ("UNAUTHENTICATED",), "query"),
        (3, "W-MARKET", "limited", "ENTERPRISE_REGISTRATION_CHANGE", (), ("COST_LIMIT_EXCEEDED",), "query"),
        (3, "W-MARKET", "ok", "ENTERPRISE_REGISTRATION_CHANGE", (company,), (), "query"),
        (3, "W-POLICE", "error", "VEHICLE_ENFORCEMENT", (), ("INVALID_IDENTIFIER",), "query"),
        (2, "W-HOTEL", "ok", "HOTEL_CHECK_IN", (), (), "mutation"),
        (1, "W-PLATFORM", "ok", "PLATFORM_OVERSIGHT", (lin,), (), "query"),
        (1, "W-COURT", "ok", None, (), (), "mutation"),
    ]
    records = []
    for n, (days, code, outcome, purpose, subjects, errors, operation) in enumerate(history):
        query = f"query Past{n} {{ subject(id: {lin}) {{ name }} }}"
        records.append(
            AuditRecord(
                at=now - dt.timedelta(days=days, minutes=n),
                agency_id=None if code is None else ids[code],
                agency_code=code,
                key_id=None,
                operator=None if n % 3 else f"clerk-{n}",
                operation_type=operation,
                operation_name=f"Past{n}" if n % 2 else None,
                document_hash=document_hash(query),
                fields=("Query.subject", "Subject.name") if outcome == "ok" else (),
                subjects=subjects,
                purpose=purpose,
                outcome=outcome,
                error_codes=errors,
                duration_us=1234 + 977 * n,
                client="127.0.0.1" if n % 4 else "2001:db8::7",
            )
        )
    await append_records(Database(connection=conn), records)
    # Interceptions of the past week and what was reported (paid on the spot: a debtor paid).
    past = [
        (6, "W-LAND", "REAL_ESTATE_REGISTRATION", "BLOCK", lin, "{}", "paid_on_the_spot"),
        (4, "W-HOTEL", "HOTEL_CHECK_IN", "BLOCK", lin, '{"hotel_code": "FJ-FZ-0002"}', "sanction_applied"),
        (4, "W-HOTEL", "HOTEL_CHECK_IN", "REVIEW", None, '{"hotel_code": "FJ-FZ-0002"}', None),
        (2, "W-FINANCE", "LOAN_APPROVAL", "BLOCK", company, "{}", "overridden"),
    ]
    for n, (days, code, matter, decision, subject, context, outcome) in enumerate(past):
        interception = await conn.fetchval(
            """INSERT INTO sanctions.interception (at, agency_id, operator, subject_id, matter, context, decision,
                                                   reasons, region)
               VALUES (now() - make_interval(days => $1), $2, $3, $4, $5, $6::jsonb, $7, $8, '350102')
               RETURNING id""",
            days,
            ids[code],
            f"desk-{n}" if n % 2 else None,
            subject,
            matter,
            context,
            decision,
            ["LISTED"] if decision == "BLOCK" else ["SIMILAR_NAME_LISTED"],
        )
        if outcome is not None:
            await conn.execute(
                """INSERT INTO sanctions.feedback (interception_id, agency_id, operator, outcome, reason, occurred_at,
                                                   recorded_at, idempotency_key, request_hash)
                   VALUES ($1, $2, NULL, $3, $4, now() - make_interval(days => $5), now() - make_interval(days => $5),
                           $6, $7)""",
                interception,
                ids[code],
                outcome,
                "持有效证明" if outcome == "overridden" else None,
                days,
                f"past-report-{n:04d}",
                hashlib.sha256(str(n).encode()).digest(),
            )
        await conn.execute(
            """INSERT INTO sanctions.comparison_count (day, agency_id, matter, region, shard, comparisons)
               VALUES ($1, $2, $3, '350102', $4, $5)""",
            today - dt.timedelta(days=days),
            ids[code],
            matter,
            n % 2,
            40 + 7 * n,
        )


async def _operations(world: World, stories: dict[str, int]) -> None:
    """Console users, a webhook with parked events, published batches and their record
    history, held party mentions with their candidates (proposed, confirmed, rejected)."""
    conn, ids = world.conn, world.agency_ids
    db = Database(connection=conn)
    await create_user(
        db,
        agency_code="W-PLATFORM",
        username="ops.wang",
        role="operator",
        password="correct horse battery",
        display_name="王运维",
        created_by="cli",
    )
    await create_user(
        db,
        agency_code="W-LAND",
        username="clerk.chen",
        role="clerk",
        password="correct horse battery",
        display_name=None,
        created_by="console:ops.wang",
    )
    await create_user(
        db,
        agency_code="W-HOTEL",
        username="desk.li",
        role="clerk",
        password="correct horse battery",
        display_name="李前台",
        created_by="cli",
    )
    await disable_user(db, "desk.li")
    await conn.execute("UPDATE console.app_user SET last_login_at = now() WHERE username = 'ops.wang'")

    # The court's webhook: two events parked (one asked again), one parked then delivered (the
    # former scheme, before 0017), and the webhook itself parked.
    registered = await world.ask(
        world.compiled,
        "court",
        'mutation { registerWebhook(url: "https://hooks.example.test/court") { afterSeq } }',
        {},
    )
    assert "errors" not in registered.json(), registered.text
    payload = {"listing": {"id": 1}, "subject": {"id": world.listed_id}}
    seqs = [
        await emit(conn, kind, listing_id=1, subject_id=world.listed_id, payload=payload)
        for kind in (
            "listing.published",
            "listing.corrected",
            "listing.removed",
            "listing.expired",
            "listing.published",
        )
    ]
    hook = await conn.fetchval("SELECT id FROM events.webhook WHERE agency_id = $1 AND active", ids["W-COURT"])
    deliveries = [
        (seqs[0], 1, "failed", 500, "HTTP 500"),
        (seqs[0], 2, "parked", 502, "HTTP 502"),
        (seqs[1], 1, "parked", None, "timeout after 10 s"),
        (seqs[2], 1, "parked", 404, "HTTP 404"),
        (seqs[2], 2, "delivered", 200, None),
        (seqs[3], 1, "delivered", 204, None),
    ]
    for seq, attempt, status, http_status, error in deliveries:
        await conn.execute(
            "INSERT INTO events.delivery (webhook_id, seq, attempt, status, http_status, error) VALUES ($1, $2, $3, $4, $5, $6)",
            hook,
            seq,
            attempt,
            status,
            http_status,
            error,
        )
    await conn.execute("INSERT INTO events.redelivery (webhook_id, seq) VALUES ($1, $2)", hook, seqs[1])
    await conn.execute("UPDATE events.webhook SET last_seq = $2 WHERE id = $1", hook, seqs[3])
    # Then the last event failed every attempt of the schedule: the webhook itself is parked.
    await conn.execute(
        """UPDATE events.webhook SET attempts = 11, failing_since = now() - interval '1 day', last_http_status = 502,
                  last_error = 'HTTP 502', parked_at = now(), next_attempt_at = now() WHERE id = $1""",
        hook,
    )

    # Batches: a hotel published, then changed; a record refused; a vehicle whose owner is held.
    upsert = """mutation($input: HotelInput!) { upsertHotel(input: $input, sourceVersion: "2026-12") { id } }"""
    hotel = {
        "code": world.hotel_code,
        "name": "福州闽江大酒店",
        "region": "350102",
        "address": "福州市鼓楼区五一北路1号",
        "stars": 4,
        "ratedOn": "2024-03-01",
    }
    first = await world.ask(world.compiled, "tourism", upsert, {"input": hotel})
    world.applied_batch = first.json()["data"]["upsertHotel"]["id"]
    changed = {**hotel, "stars": 5, "ratedOn": "2026-06-01", "version": "r2"}
    await world.ask(world.compiled, "tourism", upsert, {"input": changed})
    bad = {**hotel, "stars": 9, "region": "35010X"}
    refused = await world.ask(world.compiled, "tourism", upsert, {"input": bad})
    world.rejected_batch = refused.json()["data"]["upsertHotel"]["id"]
    vehicle = await world.ask(
        world.compiled,
        "police",
        """mutation { upsertVehicle(input: {plate: "闽A9Z901", vin: "LSVAU2180N2100901", make: "大众",
             vehicleType: CAR, registeredOn: "2021-04-02", owner: {name: "陳建華", kind: PERSON}}) { id held } }""",
        {},
    )
    assert "errors" not in vehicle.json(), vehicle.text
    world.vehicle_batch = vehicle.json()["data"]["upsertVehicle"]["id"]
    world.interrupted_batch = str(
        await conn.fetchval(
            "INSERT INTO ingest.batch (agency_id, source, format, encoding, mode) "
            "VALUES ($1, 'land', 'ndjson', 'utf-8', 'atomic') RETURNING id",
            ids["W-LAND"],
        )
    )

    # Trusted documents: the court's (one revoked), the operator's own, another agency's.
    await create_agency(db, code="W-EXTRA", name="测试extra", kind="land")
    register = """mutation($agency: String!, $document: String!) {
        registerDocument(agencyCode: $agency, document: $document) { id } }"""
    registered_ids = []
    for code, text in (
        ("W-COURT", "query CourtLookup($id: ID!) { subject(id: $id) { name } }"),
        ("W-COURT", "query CourtCase($n: String!) { enforcementCase(caseNumber: $n) { caseNumber } }"),
        ("W-COURT", "{ hotels { nodes { code } } }"),
        ("W-PLATFORM", "query Matters { matters { code } }"),
        ("W-EXTRA", "{ hotels { nodes { code name } } }"),
    ):
        done = await world.ask(world.compiled, "platform", register, {"agency": code, "document": text})
        assert "errors" not in done.json(), done.text
        registered_ids.append(done.json()["data"]["registerDocument"]["id"])
    revoked = await world.ask(
        world.compiled,
        "platform",
        'mutation($id: String!) { revokeDocument(agencyCode: "W-COURT", id: $id) { id } }',
        {"id": registered_ids[1]},
    )
    assert "errors" not in revoked.json(), revoked.text
    only = await world.ask(
        world.compiled,
        "platform",
        'mutation { setTrustedDocumentsOnly(agencyCode: "W-EXTRA", only: true) { code } }',
        {},
    )
    assert "errors" not in only.json(), only.text

    # Mentions held for the operator: one linked by a confirmation, one with a candidate rejected.
    case = "(2018)闽0102执1867号"
    linked = await hold(
        conn, Mention("court", "case_party", case, "person", "陳建華", birth_date=dt.date(1980, 9, 18), region="350105")
    )
    pending = await hold(
        conn,
        Mention(
            "land",
            "real_estate_owner",
            "闽(2016)福州市不动产权第0031522号",
            "person",
            "林文斌",
            birth_date=dt.date(1976, 4, 12),
            region="350102",
            detail={"share": "0.5"},
        ),
    )
    await hold(
        conn,
        Mention(
            "market",
            "shareholder",
            world.company_uscc,
            "organisation",
            "福州某某贸易有限公司",
            detail={"share": "0.25", "subscribedCapital": "250000.00"},
        ),
    )
    await hold(
        conn,
        Mention(
            "market",
            "officer",
            world.company_uscc,
            "person",
            "陈建华",
            birth_date=dt.date(1980, 9, 18),
            region="350105",
            detail={"role": "director", "title": "董事", "since": "2020-01-01"},
        ),
    )
    await hold(conn, Mention("court", "case_party", case, "person", "林文斌", birth_date=dt.date(1976, 4, 12)))
    world.mention_id = str(pending)
    for mention, decide in ((linked, "confirm"), (pending, "reject")):
        link = await conn.fetchval(
            "SELECT id FROM core.candidate_link WHERE mention_id = $1 ORDER BY score DESC, id LIMIT 1", mention
        )
        assert link is not None, mention
        if decide == "confirm":
            await confirm(db, link, ids["W-PLATFORM"], "ops.wang")
        else:
            await reject(db, link, "另一人，出生地不同", ids["W-PLATFORM"], None)
