"""Fuzzing the GraphQL endpoint: what to send, and what no answer may contain.

Two sources of requests, for an agency of each profile in the rules:

- documents generated from ``schema.graphql`` by ``hypothesis-graphql``, restricted to the
  fields the profile may select (so they reach the resolvers and the masking, instead of
  stopping at the field policy);
- garbage: huge strings, deep nesting, unicode, nulls, wrong types, 15-digit and full-width
  resident IDs, in documents and variables, and bodies that are not GraphQL at all.

``faults`` lists what is wrong with one answer: a 5xx other than 503, a traceback or SQL
text, or a full resident ID where the profile's policy masks them (or hides them). The suite
runs a few examples (tests/gateway/test_fuzz.py); ``bench/fuzz.py`` runs many.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, date
from functools import cache

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from hub.identity.resident_id import make_resident_id, resident_id_check_digit
from hub.policy.rules import EffectivePolicy

# The stories' people, and a valid number nobody has.
LIN = "350102197604122712"
NOBODY = make_resident_id("350104", date(1990, 1, 1), 123)
# Profiles and a purpose each may declare (courts: a case number).
PURPOSES = {
    "court": "(2018)闽0102执1867号",
    "land": "REAL_ESTATE_REGISTRATION",
    "market": "ENTERPRISE_REGISTRATION_CHANGE",
    "police": "VEHICLE_REGISTRATION",
    "hotel": "HOTEL_CHECK_IN",
    "tourism": None,
    "housing": "HOUSING_SUBSIDY",
    "finance": "LOAN_APPROVAL",
    "civil_affairs": "SOCIAL_ASSISTANCE",
    "township": "CIVIL_SERVICE_RECRUITMENT",
    "platform": "PLATFORM_OVERSIGHT",
    "agriculture": "FISCAL_SUPPORT",
    "tax": "PUBLIC_SERVICE",
}
# The kind of agency a profile is a role of (others: the kind of its own name).
KINDS = {"hotel": "police"}

# Text an answer must never carry: a traceback, the driver's or the database's own words.
LEAKS = ("Traceback", 'File "', "asyncpg", "SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "psycopg")
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def full_resident_ids(text: str) -> list[str]:
    """The valid 18-character resident IDs in ``text`` (check digit right), written out."""
    return [m for m in _ID_LIKE.findall(text) if resident_id_check_digit(m[:17]) == m[17].upper()]


def faults(status: int, body: str, policy: EffectivePolicy) -> list[str]:
    """What is wrong with one answer (empty: nothing)."""
    found = []
    if status >= 500 and status != 503:
        found.append(f"status {status}")
    found.extend(f"leaks {word!r}" for word in LEAKS if word in body)
    if policy.identifier_mode("resident_id") != "FULL":
        found.extend(f"full resident ID {number[:6]}... under {policy.profile}" for number in full_resident_ids(body))
    return found


# -- documents from the schema, per profile --------------------------------------------------


@cache
def _sdl() -> str:
    from hub.schema import schema_sdl

    return schema_sdl()


def profile_schema(allowed: Iterable[str]) -> graphql.GraphQLSchema:
    """The hub's schema with only the fields a profile may select (no subscriptions: they
    travel over WebSocket). A type left with no field, and every field of it, goes too."""
    schema = graphql.build_schema(_sdl())
    allowed = frozenset(allowed)
    objects = [
        t
        for name, t in schema.type_map.items()
        if isinstance(t, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType) and not name.startswith("__")
    ]
    for kind in objects:
        for name in [n for n in kind.fields if f"{kind.name}.{n}" not in allowed]:
            del kind.fields[name]
    changed = True
    while changed:  # fields whose type lost all its fields
        changed = False
        for kind in objects:
            for name, definition in list(kind.fields.items()):
                target = graphql.get_named_type(definition.type)
                if isinstance(target, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType) and not target.fields:
                    del kind.fields[name]
                    changed = True
    # An interface keeps only the fields every implementation kept.
    for kind in objects:
        if isinstance(kind, graphql.GraphQLInterfaceType):
            for implementation in schema.get_implementations(kind).objects:
                for name in [n for n in kind.fields if n not in implementation.fields]:
                    del kind.fields[name]
    query = schema.query_type
    mutation = schema.mutation_type if schema.mutation_type and schema.mutation_type.fields else None
    assert query is not None
    if not query.fields:  # a profile that may read nothing still has a root to ask
        query.fields["__typename_only"] = graphql.GraphQLField(graphql.GraphQLString)
    return graphql.GraphQLSchema(query=query, mutation=mutation, types=list(schema.type_map.values()))


# Valid values of the custom scalars (garbage has its own strategies below): a document
# generated from the schema should pass validation and reach the resolvers.
SCALARS = {
    "Date": st.dates().map(nodes.String),
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda d: nodes.String(d.isoformat())),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False, places=2).map(nodes.String),
    "JSON": st.text(max_size=20).map(lambda t: nodes.String(json.dumps(t))),
    # List kind codes (data, 0019_list_kinds.sql) in either case, and one that is no kind.
    "ListKind": st.sampled_from(
        ["DISHONEST", "restricted", "AGRI_PRODUCT_SAFETY", "ANIMAL_EPIDEMIC", "RED_LIST", "PARKING_FINES"]
    ).map(nodes.String),
}


def schema_documents(allowed: Iterable[str]) -> st.SearchStrategy[str]:
    """Queries and mutations a profile may send, as hypothesis-graphql writes them."""
    return from_schema(profile_schema(allowed), custom_scalars=SCALARS, allow_x00=False)


# -- garbage --------------------------------------------------------------------------------

BY_ID = "query($id: String!) { subjectByResidentId(residentId: $id) { name listings { nodes { list active } } } }"
# The number itself, where the profile may see it (masked or in full); refused where it may not.
NUMBER = "query($id: String!) { subjectByResidentId(residentId: $id) { name ... on Person { residentId } } }"
BY_IDS = "query($ids: [ID!]!) { subjects(ids: $ids) { name } }"
SEARCH = "query($q: String!, $n: Int) { searchSubjects(name: $q, first: $n) { nodes { name } } }"
SCREEN = 'mutation($ids: [IdentityInput!]!) { screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) { decisions { decision } } }'

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
identifiers = st.one_of(
    st.just(LIN),
    st.just(NOBODY),
    st.just(LIN.translate(FULL_WIDTH)),  # full-width digits
    st.just(LIN[:6] + LIN[8:17]),  # the 15-digit first-generation form
    st.just(LIN[:17] + "x"),
    st.from_regex(r"\A[0-9]{15}\Z"),
    st.from_regex(r"\A[0-9]{17}[0-9X]\Z"),
    st.from_regex(r"\A[0-9０-９]{15,18}\Z"),
)
huge = st.sampled_from([10_000, 100_000, 1_000_000]).map(lambda n: "林" * n)
strings = st.one_of(st.text(max_size=50), huge, identifiers)
# Values of the wrong type wherever a variable goes: nulls, numbers, lists, nested objects.
wrong = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), strings),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=20,
)
identity = st.fixed_dictionaries(
    {"name": st.one_of(strings, st.none())},
    optional={"residentId": st.one_of(identifiers, wrong), "birthDate": wrong, "uscc": strings},
)


def _nested(depth: int) -> str:
    return "{" + "subject(id: 1) {" * depth + "name" + "}" * depth + "}"


def _deep_list(depth: int) -> str:
    return "{ subjects(ids: " + "[" * depth + "1" + "]" * depth + ") { name } }"


requests = st.one_of(
    st.builds(lambda v: {"query": BY_ID, "variables": {"id": v}}, st.one_of(identifiers, wrong)),
    st.builds(lambda v: {"query": NUMBER, "variables": {"id": v}}, identifiers),
    st.builds(lambda v: {"query": BY_IDS, "variables": {"ids": v}}, wrong),
    st.builds(lambda q, n: {"query": SEARCH, "variables": {"q": q, "n": n}}, strings, wrong),
    st.builds(lambda ids: {"query": SCREEN, "variables": {"ids": ids}}, st.lists(identity, max_size=5)),
    st.builds(lambda ids: {"query": SCREEN, "variables": {"ids": ids}}, wrong),
    st.builds(lambda n: {"query": _nested(n)}, st.integers(1, 400)),
    st.builds(lambda n: {"query": _deep_list(n)}, st.integers(1, 400)),
    st.builds(lambda i: {"query": f'{{ subjectByResidentId(residentId: "{i}") {{ name }} }}'}, identifiers),
    st.builds(lambda t: {"query": t}, st.text(max_size=200)),
    st.builds(lambda t: {"query": t}, huge),
    st.builds(lambda v: {"query": BY_ID, "variables": v}, wrong),  # variables not an object
    st.builds(lambda o: {"query": BY_ID, "operationName": o, "variables": {"id": LIN}}, wrong),
    st.builds(lambda q: {"query": q}, wrong),  # the query not a string
    wrong.map(lambda v: {"not graphql": v}),
)
"""A request body (JSON) of garbage."""
