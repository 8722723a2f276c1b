"""The planner's resolved root (the screening shortcut) answers exactly as graphql-core's executor does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from hub.planner import resolved
from tests.schema.test_subjects import LIN_ID

MakeAgency = Callable[..., Awaitable[dict[str, str]]]

LIN = {"name": "林文斌", "residentId": LIN_ID}
STRANGER = {"name": "张三", "residentId": "11010519491231002X"}
BAD_CHECK_DIGIT = {"name": "林文斌", "residentId": LIN_ID[:17] + ("0" if LIN_ID[17] != "0" else "1")}

DESK = """mutation($ids: [IdentityInput!]!, $hotel: String) {
  screen(matter: "HOTEL_CHECK_IN", identities: $ids, hotelCode: $hotel) {
    decisions { decision interceptionId measures { name } } } }"""
LAND = """mutation Registry($ids: [IdentityInput!]!, $matter: String!) {
  r: screen(matter: $matter, identities: $ids) {
    __typename m: matter
    decisions { __typename d: decision index reasons interceptionId
      error { code message position } measures { code name legalBasis reach } } } }"""
LITERAL = (
    'mutation { screen(matter: "REAL_ESTATE_REGISTRATION", identities: [{name: "林文斌", residentId: "'
    + LIN_ID
    + '"}, {name: "张三"}]) { decisions { decision reasons } } }'
)
WITH_RESOLVER = """mutation($ids: [IdentityInput!]!) {
  screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) { decisions { measures { howToResolve } } } }"""

CASES: list[tuple[str, str, dict[str, Any], bool]] = [
    # (agency, document, variables, planned)
    ("desk", DESK, {"ids": [LIN], "hotel": "FJ-FZ-0002"}, True),
    ("desk", DESK, {"ids": [LIN, STRANGER, BAD_CHECK_DIGIT], "hotel": "FJ-SM-0001"}, True),
    ("desk", DESK, {"ids": [LIN]}, True),  # the resolver refuses: no hotel
    ("desk", DESK, {"ids": [LIN], "hotel": "NO-SUCH-HOTEL"}, True),
    ("land", LAND, {"ids": [LIN, STRANGER, BAD_CHECK_DIGIT], "matter": "REAL_ESTATE_REGISTRATION"}, True),
    ("land", LAND, {"ids": [LIN], "matter": "NO_SUCH_MATTER"}, True),
    ("land", LAND, {"ids": [STRANGER] * 1001, "matter": "REAL_ESTATE_REGISTRATION"}, True),
    ("land", LAND, {"ids": [{"residentId": LIN_ID}], "matter": "REAL_ESTATE_REGISTRATION"}, True),  # no name
    ("land", LAND, {"ids": "not a list", "matter": "REAL_ESTATE_REGISTRATION"}, True),  # does not coerce
    ("land", LITERAL, {}, True),
    ("land", WITH_RESOLVER, {"ids": [LIN]}, False),
]


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """Interception ids differ between two runs; whether there is one does not."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (v is not None if k == "interceptionId" else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(body)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("agency", "query", "variables", "planned"), CASES)
async def test_the_shortcut_answers_as_the_executor(
    app_client: httpx.AsyncClient,
    make_agency: MakeAgency,
    stories: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    agency: str,
    query: str,
    variables: dict[str, Any],
    planned: bool,
) -> None:
    headers = (
        await make_agency("police", "HOTEL_CHECK_IN", role="hotel")
        if agency == "desk"
        else await make_agency("land", "REAL_ESTATE_REGISTRATION")
    )

    async def ask() -> tuple[int, dict[str, Any]]:
        response = await app_client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        return response.status_code, _comparable(response.json())

    # Given the answer of graphql-core's executor (the shortcut declining every request)
    real_run = resolved.run

    async def declined(*args: Any) -> Any:
        return None

    with monkeypatch.context() as patched:
        patched.setattr(resolved, "run", declined)
        expected = await ask()
    # When the same request may take the shortcut
    runs = 0

    async def counted(*args: Any) -> Any:
        nonlocal runs
        runs += 1
        return await real_run(*args)

    monkeypatch.setattr(resolved, "run", counted)
    answered = await ask()
    # Then the answer is the same, status, data and errors alike, and the shortcut was taken
    assert answered == expected
    assert runs == (1 if planned else 0)
