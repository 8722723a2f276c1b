"""Compiled reads answer exactly as graphql-core's executor: the same status, the same JSON
(keys in the same order), the same audit record (subjects disclosed, fields, outcome), for
every agency profile, over the corpus of documents agencies, the console and the tests send."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from tests.planner.corpus import CORPUS
from tests.planner.prune import prune
from tests.planner.world import PROFILES, World, world_of


def count_compiled(world: World) -> list[int]:
    """How many requests the compiled hub answered with a compiled statement, so far."""
    runs = [0]
    executor = world.compiled.state.executor
    real = executor._run_compiled

    async def counted(*args: Any) -> Any:
        runs[0] += 1
        return await real(*args)

    executor._run_compiled = counted
    return runs


async def compare(world: World, profile: str, query: str, variables: dict[str, Any]) -> tuple[list[str], bool]:
    """Differences between the two hubs' answers to one request; and whether it answered data."""
    expected = await world.ask(world.executor, profile, query, variables)
    expected_record = await world.last_record()
    answered = await world.ask(world.compiled, profile, query, variables)
    answered_record = await world.last_record()
    problems = []
    if answered.status_code != expected.status_code:
        problems.append(f"status {answered.status_code} != {expected.status_code}")
    expected_body, answered_body = expected.json(), answered.json()
    if json.dumps(answered_body, ensure_ascii=False) != json.dumps(expected_body, ensure_ascii=False):
        problems.append(
            f"body\n  compiled: {json.dumps(answered_body, ensure_ascii=False)[:1500]}"
            f"\n  executor: {json.dumps(expected_body, ensure_ascii=False)[:1500]}"
        )
    if answered_record != expected_record:
        problems.append(f"audit record {answered_record} != {expected_record}")
    ok = expected.status_code == 200 and "errors" not in expected_body
    return problems, ok


async def test_the_corpus_answers_alike_on_both_paths_for_every_profile(conn: asyncpg.Connection) -> None:
    async with world_of(conn) as world:
        runs = count_compiled(world)
        failures: list[str] = []
        compiled = dict.fromkeys(PROFILES, 0)
        schema = world.compiled.state.executor.schema._schema
        for document in CORPUS:
            variables = document.variables(world)
            for profile in PROFILES:
                # As sent (a profile that may not select a field is refused alike), then cut
                # down to what the profile may select (its own questions, answered alike).
                pruned = prune(schema, document.query, world.allowed(profile))
                for label, query in (("", document.query), (" (pruned)", pruned)):
                    if query is None:
                        continue
                    before = runs[0]
                    problems, ok = await compare(world, profile, query, variables)
                    took_compiled = runs[0] > before
                    if document.compiles and ok and not took_compiled:
                        problems.append("answered by the executor, not compiled")
                    if not document.compiles and took_compiled:
                        problems.append("compiled, though it must run on the executor")
                    compiled[profile] += took_compiled
                    failures += [f"{document.name} as {profile}{label}: {p}" for p in problems]
        assert not failures, "\n".join(failures)
        # Every profile that may read anything compiled: masked and full identifiers alike.
        assert {p for p, n in compiled.items() if n} == set(PROFILES), compiled
