"""The documents agencies and the console send, and the tests' own, for the differential test.

Each entry: a name, the document, and how to make its variables from the world the test
loaded (``World``). Read operations over the hub's tables compile; the rest of the corpus
shows that everything else still answers through the executor, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.planner.world import World

Variables = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Document:
    name: str
    query: str
    variables: Variables = lambda w: {}
    # Whether a request of a profile that may run it takes the compiled path.
    compiles: bool = True


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

# tests/schema/test_subjects.py
EVERYTHING_ABOUT_A_PERSON = """
query($id: String!) {
  subjectByResidentId(residentId: $id) {
    id name kind region { code name }
    ... on Person { residentId sex birthDate }
    listings { nodes { list circumstance publishedOn termMonths expiresOn active
                       case { caseNumber court { code name level } amount performance } } }
    cases { nodes { caseNumber filedOn obligation } }
    realEstate { nodes { share estate { certificateNumber address areaM2 sealed
                         encumbrances { kind holder case { caseNumber } } } } }
    vehicles { nodes { plate vin seized seizures { seizedOn case { caseNumber } } } }
    shareholdings { nodes { share company { name ... on Organisation { uscc } } } }
  }
}
"""

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
    Document("console-hotels", "query ConsoleHotels { hotels(minStars: 0, first: 100) { nodes { code name stars status } } }"),
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
    Document("unknown-subject", "{ subject(id: 123456789) { id } subjectByUscc(uscc: \"91350100M000100Y43\") { id } }"),
    Document("typename-only", "{ __typename }"),
    # What a resolver refuses: the executor answers, with its error.
    Document("bad-resident-id", '{ subjectByResidentId(residentId: "350102197604122713") { name } }', compiles=False),
    Document("bad-id", '{ subject(id: "abc") { name } }', compiles=False),
    Document("page-too-big", "query($id: ID!) { subject(id: $id) { cases(first: 101) { nodes { id } } } }",
             lambda w: {"id": str(w.listed_id)}, compiles=False),
    Document("foreign-cursor", SEARCH, lambda w: {"name": "林", "after": w.hotels_cursor}, compiles=False),
    Document("forged-cursor", HOTELS, lambda w: {"after": "AAAAAAAAAAAAAAAAWyJob3RlbHM6MzozNSIsMV0"}, compiles=False),
    Document("bad-region", '{ hotels(region: "3x") { nodes { code } } }', compiles=False),
    Document(
        "removed-history",
        "query($id: ID!) { subject(id: $id) { listings(includeRemoved: true) { nodes { id removedOn removalReason } } } }",
        lambda w: {"id": str(w.listed_id)},
    ),
    Document(
        "variables-do-not-coerce",
        "query($id: ID!) { subject(id: $id) { name } }",
        lambda w: {"id": {"not": "an id"}},
        compiles=False,
    ),
    # Not compiled: the executor runs these whole, as before.
    Document(
        "console-dashboard",
        """query ConsoleDashboard($since: Date!, $until: Date!) {
  provinceStatistics(since: $since, until: $until) { day queries comparisons interceptions sanctions debtorsPaid }
  sanctionStatistics(since: $since, until: $until) { day agencyCode matter regionCode comparisons interceptions sanctions debtorsPaid }
  recentInterceptions(first: 15) { id at agencyCode matter decision regionCode operator outcome }
  matters { code name }
}""",
        lambda w: {"since": "2018-01-01", "until": "2030-01-01"},
        compiles=False,
    ),
    Document("introspection", "{ __schema { queryType { name } } }", compiles=False),
    Document(
        "hotel-desk-screen",
        """mutation { screen(matter: "HOTEL_CHECK_IN", hotelCode: "FJ-FZ-0002",
                  identities: [{name: "林文斌", residentId: "350102197604122712"}]) {
  decisions { decision measures { name } } } }""",
        compiles=False,
    ),
]
