"""A bounded fuzz run: for an agency of each profile, documents generated from the schema
(only the fields it may select) and garbage (tests/fuzzing.py). No answer is a 5xx other
than 503, carries a traceback or SQL text, or shows a full resident ID to a profile whose
policy masks or hides them. ``bench/fuzz.py`` runs the same for longer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.db.database import Database
from hub.policy import Principal
from hub.policy.rules import EffectivePolicy, load_rules
from hub.schema import build_schema
from hub.sources import core
from tests.fuzzing import KINDS, LIN, NUMBER, PURPOSES, faults, full_resident_ids, requests, schema_documents

# A few examples each: bounded for the suite (about a minute in all).
SCHEMA_EXAMPLES = 6
GARBAGE_EXAMPLES = 30

_policies: dict[str, EffectivePolicy] = {}


async def _policy(db: Database, profile: str) -> EffectivePolicy:
    if profile not in _policies:
        rules = load_rules(build_schema()._schema, await core.matter_codes(db))
        principal = Principal(0, f"T-{profile}", profile, KINDS.get(profile, profile), "350100", None, role=profile)
        _policies[profile] = rules.for_principal(principal, development=True)
    return _policies[profile]


async def _agency(make_agency: Callable[..., Awaitable[dict[str, str]]], profile: str) -> dict[str, str]:
    kind = KINDS.get(profile, profile)
    return await make_agency(kind, PURPOSES[profile], profile if profile != kind else None)


async def _ask(client: httpx.AsyncClient, headers: dict[str, str], body: Any) -> tuple[int, str]:
    response = await client.post("/graphql", json=body, headers=headers)
    return response.status_code, response.text


@pytest.mark.parametrize("profile", sorted(PURPOSES))
@settings(max_examples=SCHEMA_EXAMPLES, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_generated_documents_get_clean_answers(
    profile: str,
    data: st.DataObject,
    app_client: httpx.AsyncClient,
    make_agency: Callable[..., Awaitable[dict[str, str]]],
    db: Database,
    stories: dict[str, Any],
) -> None:
    policy = await _policy(db, profile)
    headers = await _agency(make_agency, profile)
    document = data.draw(schema_documents(policy.allowed))
    status, text = await _ask(app_client, headers, {"query": document})
    assert not faults(status, text, policy), (document[:500], status, text[:500])


@pytest.mark.parametrize("profile", ["court", "land", "hotel"])
@settings(max_examples=GARBAGE_EXAMPLES, suppress_health_check=list(HealthCheck))
@given(body=requests)
async def test_garbage_gets_clean_answers(
    profile: str,
    body: Any,
    app_client: httpx.AsyncClient,
    make_agency: Callable[..., Awaitable[dict[str, str]]],
    db: Database,
    stories: dict[str, Any],
) -> None:
    policy = await _policy(db, profile)
    headers = await _agency(make_agency, profile)
    status, text = await _ask(app_client, headers, body)
    assert not faults(status, text, policy), (str(body)[:500], status, text[:500])


@pytest.mark.parametrize(("profile", "shown"), [("court", True), ("land", False)])
async def test_the_check_sees_a_full_number_where_one_is_shown(
    profile: str,
    shown: bool,
    app_client: httpx.AsyncClient,
    make_agency: Callable[..., Awaitable[dict[str, str]]],
    db: Database,
    stories: dict[str, Any],
) -> None:
    """The fuzz check can fail: a court is shown the full number and the check finds it; a
    land registry is shown the masked form, and the check finds nothing."""
    policy = await _policy(db, profile)
    headers = await _agency(make_agency, profile)
    status, text = await _ask(app_client, headers, {"query": NUMBER, "variables": {"id": LIN}})
    assert status == 200, text
    assert '"residentId"' in text
    assert (full_resident_ids(text) == [LIN]) is shown
    assert not faults(status, text, policy)
    if shown:  # the same answer, had it gone to a land registry, is a fault
        assert faults(status, text, await _policy(db, "land"))
