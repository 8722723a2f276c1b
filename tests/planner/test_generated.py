"""Generated documents answer alike on both paths: random selections from the schema over
the compiled roots, with aliases, inline and named fragments, variables, pagination and
``@include``/``@skip``, each cut down to a random profile's policy (hypothesis)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest_asyncio
from graphql import GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.planner import model
from tests.planner.prune import prune
from tests.planner.test_equivalence import compare, count_compiled
from tests.planner.world import PROFILES, World, world_of

# Each compiled root with its arguments, as variables the world gives values to.
ROOTS: dict[str, tuple[str, str]] = {
    "subject": ("$subject: ID!", "id: $subject"),
    "subjects": ("$ids: [ID!]!", "ids: $ids"),
    "subjectByResidentId": ("$rid: String!", "residentId: $rid"),
    "subjectByUscc": ("$uscc: String!", "uscc: $uscc"),
    "searchSubjects": ("$name: String!", "name: $name"),
    "enforcementCase": ("$case: String!", "caseNumber: $case"),
    "hotel": ("$hotel: String!", "code: $hotel"),
    "hotels": ("", "minStars: 3"),
    "agencies": ("", ""),
    "agency": ("$agency: String!", "code: $agency"),
    # The trail and its statistics up to the tests' own requests (tests/planner/world.py).
    "auditEvents": ("$auditUntil: DateTime", "until: $auditUntil"),
    "agencyStatistics": ("$asSince: Date!, $asUntil: Date!", "since: $asSince, until: $asUntil"),
    "provinceStatistics": ("$psSince: Date!, $psUntil: Date!", "since: $psSince, until: $psUntil"),
    "sanctionStatistics": ("$ssSince: Date!, $ssUntil: Date!", "since: $ssSince, until: $ssUntil"),
    "matters": ("", ""),
    "measures": ("", ""),
    "webhook": ("", "parkedFirst: 2"),
    "consoleUsers": ("", ""),
    "recentInterceptions": ("", "first: 5"),
    "partyMentions": ("$mentionStatus: MentionStatus!", "status: $mentionStatus"),
    "candidateLinks": ("$linkStatus: CandidateStatus!", "status: $linkStatus"),
    "ingestBatch": ("$batch: ID!", "id: $batch"),
    "recordHistory": ("$historyKey: String!", "source: TOURISM, key: $historyKey"),
    "trustedDocuments": ("", "includeRevoked: true"),
}


def unwrap(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


class Builder:
    """Draws one document, field by field."""

    def __init__(self, schema: GraphQLSchema, data: st.DataObject) -> None:
        self.schema = schema
        self.data = data
        self.fragments: list[str] = []
        self.aliases = 0

    def draw(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.data.draw(strategy)

    def selection(self, kind: Any, depth: int) -> str:
        if isinstance(kind, GraphQLInterfaceType):
            parts = [self.fields(kind, depth)]
            for name in self.draw(st.lists(st.sampled_from(["Person", "Organisation"]), max_size=2, unique=True)):
                target = self.schema.get_type(name)
                if self.draw(st.booleans()):
                    parts.append(f"... on {name} {{ {self.fields(target, depth)} }}")
                else:
                    fragment = f"F{len(self.fragments)}"
                    self.fragments.append(f"fragment {fragment} on {name} {{ {self.fields(target, depth)} }}")
                    parts.append(f"...{fragment}")
            return " ".join(parts)
        return self.fields(kind, depth)

    def fields(self, kind: GraphQLObjectType | GraphQLInterfaceType, depth: int) -> str:
        names = [n for n in kind.fields if self._usable(kind.fields[n].type, depth)]
        if not names:  # only objects below, and no depth left for them
            return "__typename"
        chosen = self.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
        out = []
        for name in chosen:
            field = kind.fields[name]
            text = name
            if self.draw(st.integers(0, 4)) == 0:
                self.aliases += 1
                text = f"a{self.aliases}: {name}"
            if "first" in field.args:
                first = self.draw(st.sampled_from([None, 0, 1, 2, "$first"]))
                if first is not None:
                    text += f"(first: {first})"
            text += self.draw(
                st.sampled_from(["", "", "", " @include(if: $yes)", " @skip(if: $yes)", " @include(if: $no)"])
            )
            target = unwrap(field.type)
            if isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
                text += f" {{ {self.selection(target, depth - 1)} }}"
            out.append(text)
        if self.draw(st.integers(0, 5)) == 0:
            out.append("__typename")
        return " ".join(out)

    def _usable(self, kind: Any, depth: int) -> bool:
        target = unwrap(kind)
        if isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
            return depth > 0 and (
                target.name in model.TYPES
                or target.name in model.ABSTRACT
                or target.name.endswith(("Connection", "Edge"))
                or target.name == "PageInfo"
            )
        return True

    def document(self) -> str:
        root_type = self.schema.query_type
        assert root_type is not None
        roots = self.draw(st.lists(st.sampled_from(sorted(ROOTS)), min_size=1, max_size=2, unique=True))
        definitions = ["$yes: Boolean = true", "$no: Boolean = false", "$first: Int = 2"]
        parts = []
        for root in roots:
            declared, arguments = ROOTS[root]
            if declared:
                definitions.append(declared)
            target = unwrap(root_type.fields[root].type)
            call = f"{root}({arguments})" if arguments else root
            parts.append(f"{call} {{ {self.selection(target, 2)} }}")
        operation = f"query Generated({', '.join(definitions)}) {{ {' '.join(parts)} }}"
        return "\n".join([operation, *self.fragments])


@pytest_asyncio.fixture
async def world(conn: asyncpg.Connection) -> AsyncIterator[World]:
    async with world_of(conn, subjects=200) as made:
        yield made


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_generated_documents_answer_alike_on_both_paths(world: World, data: st.DataObject) -> None:
    schema = world.compiled.state.executor.schema._schema
    query = Builder(schema, data).document()
    profile = data.draw(st.sampled_from(sorted(PROFILES)))
    pruned = prune(schema, query, world.allowed(profile))
    if pruned is None:
        return
    variables = {
        "subject": str(data.draw(st.sampled_from([world.listed_id, world.company_id, *world.person_ids]))),
        "ids": [
            str(i)
            for i in data.draw(
                st.lists(st.sampled_from([world.listed_id, world.company_id, *world.person_ids]), max_size=4)
            )
        ],
        "rid": world.lin_id,
        "uscc": world.company_uscc,
        "name": data.draw(st.sampled_from(["林", "林文斌", "公司", "陈"])),
        "case": world.case_number,
        "hotel": "FJ-FZ-0002",
        "first": data.draw(st.sampled_from([0, 1, 3])),
        "agency": data.draw(st.sampled_from(["W-COURT", "W-PLATFORM", "W-NOBODY"])),
        "auditUntil": world.audit_until,
        "asSince": world.week_ago,
        "asUntil": world.today,
        "psSince": world.week_ago,
        "psUntil": world.today,
        "ssSince": world.week_ago,
        "ssUntil": (dt.date.fromisoformat(world.today) + dt.timedelta(days=1)).isoformat(),
        "mentionStatus": data.draw(st.sampled_from(["PENDING", "LINKED", "REJECTED"])),
        "linkStatus": data.draw(st.sampled_from(["PROPOSED", "CONFIRMED", "REJECTED"])),
        "batch": data.draw(st.sampled_from([world.applied_batch, world.rejected_batch, world.vehicle_batch])),
        "historyKey": world.hotel_code,
    }
    runs = count_compiled(world)
    problems, ok = await compare(world, profile, pruned, variables)
    assert not problems, f"as {profile}:\n{pruned}\n" + "\n".join(problems)
    if ok:
        assert runs[0] == 1, f"as {profile}, answered by the executor:\n{pruned}"
