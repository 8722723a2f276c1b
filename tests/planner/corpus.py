"""The documents agencies and the console send, and the tests' own, for the differential test.

Each entry: a name, the document, and how to make its variables from the world the test
loaded (``World``). Read operations over the hub's tables compile; the rest of the corpus
shows that everything else still answers through the executor, unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.planner.world import World
from tests.schema.test_subjects import EVERYTHING_ABOUT_A_PERSON

Variables = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Document:
    name: str
    query: str
    variables: Variables = lambda w: {}
    # Whether a request of a profile that may run it takes the compiled path.
    compiles: bool = True


# Credit ratings (hub/schema/ratings.py): current ratings next to compiled fields, and history.
RATINGS = """query($id: ID!) { subject(id: $id) { name ... on Organisation { uscc }
  ratings { id current ratedOn expiresOn evidence ratedBy level { code rank measures { kind inspectionMultiplier } }
    scheme { code subjectKinds levels { code } } }
  ratingHistory { id current supersededBy withdrawalReason level { code } } } }"""
RATING_SCHEMES = """{ ratingSchemes { code nameZh authorityKind validityMonths
  levels { code meaningEn measures { kind descriptionEn inspectionMultiplier legalBasis } } } }"""

# README: "Asking a question".
README_LIN = """{ subjectByResidentId(residentId: "350102197604122712") { name
        listings { nodes { list active case { caseNumber court { name } amount } } }
        realEstate { nodes { share estate { certificateNumber sealed } } }
        vehicles { nodes { plate seized } }
        shareholdings { nodes { share company { name } } } } }"""

# hub/console/static/subject.js, every optional part included.
CONSOLE_SUBJECT_FIELDS = """id kind name region { code name }
... on Person { residentId sex birthDate }
... on Organisation { uscc }
listings(first: 50) { nodes { id list circumstance publishedOn expiresOn active removedOn removalReason case { caseNumber } } }
cases(first: 50) { nodes { caseNumber filedOn court { name } obligation amount performance performedAmount
  interceptions { id at matter decision operator feedback { outcome operator occurredAt reason } } } }
realEstate(first: 50) { nodes { share estate { certificateNumber address areaM2 sealed } } }
vehicles(first: 50) { nodes { plate make seized } }
shareholdings(first: 50) { nodes { share subscribedCapital company { name uscc } } }"""

ORGANISATION = """query($id: ID!, $after: String) { subject(id: $id) { __typename ... on Organisation {
  name uscc registration { companyType registeredCapital establishedOn status address industry }
  legalRepresentative { name residentId directorships { nodes { role title since company { name } } } }
  actualControllers { name birthDate }
  officers { role title since person { name } company { id } }
  shareholders(first: 2, after: $after) { edges { cursor node { share subscribedCapital holder { __typename name } } }
    pageInfo { hasNextPage endCursor } }
  listings(includeRemoved: true) { nodes { id removedOn } } } } }"""

FRAGMENTS = """query Fragments($ids: [ID!]!, $withCases: Boolean!, $skipEstate: Boolean = false) {
  subjects(ids: $ids) { ...Who ... on Person { ...Assets } }
}
fragment Who on Subject { id __typename n: name region { name } }
fragment Assets on Person {
  c: cases(first: 2) @include(if: $withCases) { nodes { id caseNumber } pageInfo { hasNextPage } }
  realEstate @skip(if: $skipEstate) { edges { cursor node { estate { id owners { share owner { name } } region { code } } } } }
  directorships { nodes { role company { name uscc } } }
}"""

ALIASES = """query($id: ID!) {
  a: subject(id: $id) { name x: listings(first: 1) { pageInfo { endCursor hasNextPage } nodes { id } } }
  b: subject(id: $id) { name y: listings(first: 5) { edges { node { id } } } }
  __typename
}"""

CASE = """query($number: String!) { enforcementCase(caseNumber: $number) {
  id caseNumber filedOn basisDocument basisIssuer obligation amount performance performedAmount
  court { code name level regionCode }
  subjects(first: 1) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }
  listings { id list circumstance publishedOn termMonths extendedMonths removedOn removalReason version expiresOn active
             subject { name } case { id } }
  interceptions { id at matter decision reasons operator subject { name }
                  feedback { id outcome reason businessReference occurredAt recordedAt operator } } } }"""

SEARCH = """query($name: String!, $first: Int, $after: String) {
  searchSubjects(name: $name, first: $first, after: $after) {
    edges { cursor node { id name ... on Person { birthDate } } } pageInfo { hasNextPage endCursor } } }"""

HOTELS = """query($after: String) { hotels(minStars: 3, region: "35", first: 4, after: $after) {
  nodes { code name address stars ratedOn status region { code name } } pageInfo { hasNextPage endCursor } }
  hotel(code: " fj-fz-0002 ") { code name stars } }"""

VEHICLES = """query($id: ID!) { subject(id: $id) { vehicles(first: 3) { nodes { id plate vin make vehicleType registeredOn
  seized owner { id } seizures { caseNumber seizedOn releasedOn case { caseNumber } } } } } }"""

# hub/console/static/dashboard.js QUERY.
CONSOLE_DASHBOARD = """query ConsoleDashboard($since: Date!, $until: Date!) {
  provinceStatistics(since: $since, until: $until) { day queries comparisons interceptions sanctions debtorsPaid }
  sanctionStatistics(since: $since, until: $until) { day agencyCode matter regionCode comparisons interceptions sanctions debtorsPaid }
  recentInterceptions(first: 15) { id at agencyCode matter decision regionCode operator outcome }
  matters { code name }
}"""

# hub/console/static/audit.js EVENTS.
CONSOLE_AUDIT = """query ConsoleAudit($agency: String, $outcome: AuditOutcome, $after: String) {
  auditEvents(agencyCode: $agency, outcome: $outcome, first: 50, after: $after) {
    nodes { seq at agencyCode operator operationType operationName purpose outcome errorCodes durationMs }
    pageInfo { hasNextPage endCursor }
  }
}"""

# hub/console/static/users.js
CONSOLE_USERS = "query ConsoleUsers { consoleUsers(first: 100) { nodes { username displayName role agencyCode disabledAt lastLoginAt } } }"

AUDIT_EVENTS = """query($until: DateTime, $since: DateTime, $subject: ID, $purpose: String, $first: Int, $after: String,
      $agency: String, $outcome: AuditOutcome) {
  auditEvents(until: $until, since: $since, subjectId: $subject, purpose: $purpose, first: $first, after: $after,
              agencyCode: $agency, outcome: $outcome) {
    edges { cursor node { seq at agencyCode operator operationType operationName documentHash fields subjectIds
                          purpose outcome errorCodes durationMs client } }
    pageInfo { hasNextPage endCursor } } }"""

AGENCY_STATISTICS = """query($since: Date!, $until: Date!, $agency: String) {
  agencyStatistics(since: $since, until: $until, agencyCode: $agency) {
    day agencyCode operations subjects denied limited errors } }"""

STATISTICS = """query($since: Date!, $until: Date!) {
  provinceStatistics(since: $since, until: $until) { __typename day queries comparisons interceptions sanctions debtorsPaid }
  sanctionStatistics(since: $since, until: $until) {
    day agencyCode matter regionCode comparisons interceptions blocks reviews sanctions debtorsPaid } }"""

CATALOGUE = """{ matters { code name description }
  measures { code name list legalBasis basisText description matters agencyKinds hotelMinStars reaches } }"""

RECENT = """query($first: Int!) { recentInterceptions(first: $first) {
  id at agencyCode matter decision regionCode hotelCode operator outcome } }"""

AGENCIES = """query($after: String) {
  agencies(first: 3, after: $after) { edges { cursor node { code name kind role regionCode mode createdAt
    apiKeys { label prefix createdAt revokedAt } } } pageInfo { hasNextPage endCursor } }
  agency(code: "W-COURT") { code name kind role regionCode mode apiKeys { label } }
  unknown: agency(code: "W-NOBODY") { code } }"""

WEBHOOK = """query($first: Int!) { webhook(parkedFirst: $first) { url createdAt state deliveredThrough backlog nextAttemptAt
  failedAttempts failingSince lastHttpStatus lastError parkedAt
  parked { seq kind happenedAt parkedAt attempts lastHttpStatus lastError redeliveryRequested } } }"""

USERS = """query($first: Int) { consoleUsers(first: $first) { edges { cursor node { username displayName role agencyCode
  createdAt createdBy disabledAt lastLoginAt } } pageInfo { hasNextPage endCursor } } }"""

MENTION_FIELDS = """id source role recordKey kind name identifier birthDate region { code name } detail batchId status
  createdAt resolvedAt subject { id name ... on Person { residentId birthDate } }"""

LINK_FIELDS = """id score agreed explanation status proposedAt decidedBy operator decidedAt reason"""

MENTIONS = f"""query($status: MentionStatus!, $first: Int, $after: String) {{
  partyMentions(status: $status, first: $first, after: $after) {{
    edges {{ cursor node {{ {MENTION_FIELDS} candidates {{ {LINK_FIELDS} subject {{ id name }} mention {{ id }} }} }} }}
    pageInfo {{ hasNextPage endCursor }} }} }}"""

LINKS = f"""query($status: CandidateStatus!, $mention: ID, $after: String) {{
  candidateLinks(status: $status, mentionId: $mention, first: 2, after: $after) {{
    nodes {{ {LINK_FIELDS} mention {{ {MENTION_FIELDS} }} subject {{ __typename id name region {{ name }} }} }}
    pageInfo {{ hasNextPage endCursor }} }} }}"""

BATCH = """query($id: ID!) { ingestBatch(id: $id) { id agency source format encoding mode sourceVersion status records
  invalid inserted updated unchanged held errors { line field reason } errorsNotShown message startedAt finishedAt } }"""

HISTORY = """query($key: String!, $after: String) {
  recordHistory(source: TOURISM, key: $key, first: 1, after: $after) {
    edges { cursor node { id batchId agency at change sourceVersion before after } }
    pageInfo { hasNextPage endCursor } }
  all: recordHistory(source: TOURISM, key: $key) { nodes { change after } } }"""


DOCUMENTS = """query($code: String, $revoked: Boolean! = false) {
  trustedDocuments(agencyCode: $code, includeRevoked: $revoked) {
    id agencyCode operations registeredAt registeredBy revokedAt document } }"""


def day(world: World, days: int) -> str:
    """The world's local day moved by ``days``."""
    return (dt.date.fromisoformat(world.today) + dt.timedelta(days=days)).isoformat()


CORPUS: list[Document] = [
    Document("readme-lin", README_LIN),
    Document(
        "console-subject",
        f"query ConsoleSubject($id: String!) {{ s: subjectByResidentId(residentId: $id) {{ {CONSOLE_SUBJECT_FIELDS} }} }}",
        lambda w: {"id": w.lin_id},
    ),
    Document(
        "console-organisation",
        f"query ConsoleSubject($id: String!) {{ s: subjectByUscc(uscc: $id) {{ {CONSOLE_SUBJECT_FIELDS} }} }}",
        lambda w: {"id": w.company_uscc},
    ),
    Document(
        "console-hotels", "query ConsoleHotels { hotels(minStars: 0, first: 100) { nodes { code name stars status } } }"
    ),
    Document("everything-about-a-person", EVERYTHING_ABOUT_A_PERSON, lambda w: {"id": w.lin_id}),
    Document("organisation", ORGANISATION, lambda w: {"id": str(w.company_id)}),
    Document(
        "organisation-next-page",
        ORGANISATION,
        lambda w: {"id": str(w.company_id), "after": w.shareholders_cursor},
    ),
    Document(
        "fragments",
        FRAGMENTS,
        lambda w: {"ids": [str(i) for i in w.person_ids[:6]] + [str(w.company_id), "999999999"], "withCases": True},
    ),
    Document(
        "fragments-skipped",
        FRAGMENTS,
        lambda w: {"ids": [str(i) for i in w.person_ids[:3]], "withCases": False, "skipEstate": True},
    ),
    Document("aliases", ALIASES, lambda w: {"id": str(w.listed_id)}),
    Document("case", CASE, lambda w: {"number": w.case_number}),
    Document("case-full-width", CASE, lambda w: {"number": "（2018）闽0102执1867号"}),
    Document("search", SEARCH, lambda w: {"name": "林", "first": 3}),
    Document("search-next", SEARCH, lambda w: {"name": "林", "first": 3, "after": w.search_cursor}),
    Document("search-exact", SEARCH, lambda w: {"name": "林文斌"}),
    Document("hotels", HOTELS),
    Document("hotels-next", HOTELS, lambda w: {"after": w.hotels_cursor}),
    Document("vehicles", VEHICLES, lambda w: {"id": str(w.owner_id)}),
    Document("unknown-subject", '{ subject(id: 123456789) { id } subjectByUscc(uscc: "91350100M000100Y43") { id } }'),
    Document("typename-only", "{ __typename }"),
    # Credit ratings are not compiled: a document selecting them runs on the executor, whole.
    Document("rating-schemes", RATING_SCHEMES, compiles=False),
    Document("ratings", RATINGS, lambda w: {"id": str(w.company_id)}, compiles=False),
    # What a resolver refuses: the executor answers, with its error.
    Document("bad-resident-id", '{ subjectByResidentId(residentId: "350102197604122713") { name } }', compiles=False),
    Document("bad-id", '{ subject(id: "abc") { name } }', compiles=False),
    Document(
        "page-too-big",
        "query($id: ID!) { subject(id: $id) { cases(first: 101) { nodes { id } } } }",
        lambda w: {"id": str(w.listed_id)},
        compiles=False,
    ),
    Document("foreign-cursor", SEARCH, lambda w: {"name": "林", "after": w.hotels_cursor}, compiles=False),
    Document("forged-cursor", HOTELS, lambda w: {"after": "AAAAAAAAAAAAAAAAWyJob3RlbHM6MzozNSIsMV0"}, compiles=False),
    Document("bad-region", '{ hotels(region: "3x") { nodes { code } } }', compiles=False),
    Document(
        "removed-history",
        "query($id: ID!) { subject(id: $id) { listings(includeRemoved: true) { nodes { id removedOn removalReason } } } }",
        lambda w: {"id": str(w.listed_id)},
    ),
    Document(
        "removed-history-sector-lists",
        "query($id: ID!) { subject(id: $id) { listings(includeRemoved: true) { nodes { id list removedOn removalReason publisherCode } } } }",
        lambda w: {"id": str(w.farm_shop_id)},
    ),
    Document(
        "variables-do-not-coerce",
        "query($id: ID!) { subject(id: $id) { name } }",
        lambda w: {"id": {"not": "an id"}},
        compiles=False,
    ),
    # The console's dashboard, its last 30 days up to today (the audit trail's figures for
    # today change with every request, the tests' own included).
    Document("console-dashboard", CONSOLE_DASHBOARD, lambda w: {"since": day(w, -29), "until": w.today}),
    Document("console-audit-denied", CONSOLE_AUDIT, lambda w: {"agency": None, "outcome": "DENIED", "after": None}),
    Document("console-audit-limited", CONSOLE_AUDIT, lambda w: {"outcome": "LIMITED"}),
    Document("console-users", CONSOLE_USERS),
    Document("audit-events", AUDIT_EVENTS, lambda w: {"until": w.audit_until, "first": 4}),
    Document(
        "audit-events-next", AUDIT_EVENTS, lambda w: {"until": w.audit_until, "first": 4, "after": w.events_cursor}
    ),
    Document(
        "audit-events-filtered",
        AUDIT_EVENTS,
        lambda w: {
            "until": w.audit_until,
            "since": f"{w.week_ago}T00:00:00+08:00",
            "subject": str(w.listed_id),
            "purpose": "_",
        },
    ),
    Document("audit-events-purpose", AUDIT_EVENTS, lambda w: {"until": w.audit_until, "purpose": "REAL_ESTATE"}),
    # The operator's own code names an agency that exists: no lookup needed.
    Document(
        "audit-events-own-agency",
        AUDIT_EVENTS,
        lambda w: {"until": w.audit_until, "agency": "W-PLATFORM", "outcome": "OK"},
    ),
    Document("agency-statistics", AGENCY_STATISTICS, lambda w: {"since": w.week_ago, "until": w.today}),
    Document(
        "agency-statistics-own",
        AGENCY_STATISTICS,
        lambda w: {"since": w.week_ago, "until": w.today, "agency": "W-PLATFORM"},
    ),
    Document("trusted-documents", DOCUMENTS),
    Document("trusted-documents-revoked", DOCUMENTS, lambda w: {"revoked": True}),
    Document("trusted-documents-own-code", DOCUMENTS, lambda w: {"code": "W-PLATFORM", "revoked": True}),
    Document("trusted-documents-empty-code", DOCUMENTS, lambda w: {"code": ""}),
    Document("statistics", STATISTICS, lambda w: {"since": w.week_ago, "until": w.today}),
    # Sanctions and interceptions do not change with a read: today's figures compare alike.
    Document(
        "sanction-statistics-today",
        "query($since: Date!, $until: Date!) { sanctionStatistics(since: $since, until: $until) { day agencyCode matter "
        "comparisons interceptions blocks reviews sanctions debtorsPaid } }",
        lambda w: {"since": day(w, -1), "until": day(w, 1)},
    ),
    Document("catalogue", CATALOGUE),
    Document("recent-interceptions", RECENT, lambda w: {"first": 100}),
    Document("recent-interceptions-clamped", RECENT, lambda w: {"first": -3}),
    Document("agencies", AGENCIES),
    Document("agencies-next", AGENCIES, lambda w: {"after": w.agencies_cursor}),
    Document("webhook", WEBHOOK, lambda w: {"first": 100}),
    Document("webhook-first-parked", WEBHOOK, lambda w: {"first": 1}),
    Document("users", USERS, lambda w: {"first": 2}),
    Document("mentions-pending", MENTIONS, lambda w: {"status": "PENDING"}),
    Document("mentions-next", MENTIONS, lambda w: {"status": "PENDING", "first": 1, "after": w.mentions_cursor}),
    Document("mentions-linked", MENTIONS, lambda w: {"status": "LINKED"}),
    Document("links-proposed", LINKS, lambda w: {"status": "PROPOSED"}),
    Document("links-next", LINKS, lambda w: {"status": "PROPOSED", "after": w.candidates_cursor}),
    Document("links-confirmed", LINKS, lambda w: {"status": "CONFIRMED"}),
    Document("links-of-a-mention", LINKS, lambda w: {"status": "REJECTED", "mention": w.mention_id}),
    Document("batch-applied", BATCH, lambda w: {"id": w.applied_batch}),
    Document("batch-rejected", BATCH, lambda w: {"id": w.rejected_batch}),
    Document("batch-interrupted", BATCH, lambda w: {"id": w.interrupted_batch}),
    Document("batch-held", BATCH, lambda w: {"id": w.vehicle_batch}),
    Document("batch-unknown", BATCH, lambda w: {"id": "2147483647"}),
    Document("batch-out-of-range", BATCH, lambda w: {"id": "99999999999"}),
    Document("history", HISTORY, lambda w: {"key": w.hotel_code}),
    Document("history-key-spaced", HISTORY, lambda w: {"key": f" {w.hotel_code} "}),
    Document("history-next-page", HISTORY, lambda w: {"key": w.hotel_code, "after": w.history_cursor}),
    # What a resolver refuses, or only the resolver can answer: the executor, as ever.
    Document("console-audit-agency", CONSOLE_AUDIT, lambda w: {"agency": "W-LAND"}, compiles=False),
    Document("console-audit-unknown-agency", CONSOLE_AUDIT, lambda w: {"agency": "W-NOBODY"}, compiles=False),
    Document("trusted-documents-of-another", DOCUMENTS, lambda w: {"code": "W-EXTRA"}, compiles=False),
    Document("trusted-documents-unknown-agency", DOCUMENTS, lambda w: {"code": "W-NOBODY"}, compiles=False),
    Document(
        "agency-statistics-of-one",
        AGENCY_STATISTICS,
        lambda w: {"since": w.week_ago, "until": w.today, "agency": "W-COURT"},
        compiles=False,
    ),
    Document("statistics-backwards", STATISTICS, lambda w: {"since": w.today, "until": w.week_ago}, compiles=False),
    Document(
        "statistics-too-long", STATISTICS, lambda w: {"since": "2018-01-01", "until": "2030-01-01"}, compiles=False
    ),
    Document(
        "audit-events-bad-subject", AUDIT_EVENTS, lambda w: {"until": w.audit_until, "subject": "12a"}, compiles=False
    ),
    Document(
        "audit-events-huge-subject",
        AUDIT_EVENTS,
        lambda w: {"until": w.audit_until, "subject": "99999999999999999999"},
        compiles=False,
    ),
    Document("audit-events-foreign-cursor", AUDIT_EVENTS, lambda w: {"after": w.agencies_cursor}, compiles=False),
    Document("webhook-too-many-parked", WEBHOOK, lambda w: {"first": 101}, compiles=False),
    Document("links-bad-mention", LINKS, lambda w: {"status": "PROPOSED", "mention": "x1"}, compiles=False),
    Document("batch-bad-id", BATCH, lambda w: {"id": "batch-1"}, compiles=False),
    Document(
        "history-of-another-source",
        '{ recordHistory(source: COURT, key: "(2018)闽0102执1867号") { nodes { id } } }',
        compiles=True,  # the court's own source compiles; another publisher's is refused by the executor
    ),
    # Not compiled: the executor runs these whole, as before.
    # (Only ok: the chain grows by each request's record, the one compared against included.)
    Document("audit-verification", "{ auditVerification { ok } }", compiles=False),
    Document("introspection", "{ __schema { queryType { name } } }", compiles=False),
    Document(
        "hotel-desk-screen",
        """mutation { screen(matter: "HOTEL_CHECK_IN", hotelCode: "FJ-FZ-0002",
                  identities: [{name: "林文斌", residentId: "350102197604122712"}]) {
  decisions { decision measures { name } } } }""",
        compiles=False,
    ),
]
