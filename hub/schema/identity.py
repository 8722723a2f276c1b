"""Identity resolution for the platform operator: held party mentions, candidates, decisions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.errors import NotFound
from hub.identity import resolution
from hub.schema.arguments import arg, hub_id
from hub.schema.context import Info
from hub.schema.core import Region
from hub.schema.pagination import After, Connection, First, build_connection, decode_cursor, page_size
from hub.sources import identity as source
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import Subject

SubjectT = Annotated["Subject", strawberry.lazy("hub.schema.core")]


@strawberry.enum(description="Where a held party mention stands.")
class MentionStatus(Enum):
    PENDING = strawberry.enum_value("pending", description="Waiting for an operator to confirm a candidate.")
    LINKED = strawberry.enum_value("linked", description="A candidate was confirmed; the link is written.")
    REJECTED = strawberry.enum_value("rejected", description="Set aside without a link.")


@strawberry.enum(description="Where a candidate link stands.")
class CandidateStatus(Enum):
    PROPOSED = strawberry.enum_value("proposed", description="Proposed by the hub, not yet decided.")
    CONFIRMED = strawberry.enum_value("confirmed", description="Confirmed by an operator: the link is written.")
    REJECTED = strawberry.enum_value(
        "rejected", description="Rejected by an operator, or because another candidate was confirmed."
    )


@strawberry.type(
    description=(
        "A party named by a source record that did not resolve exactly to one subject (no identifier, or a name "
        "that disagrees with the identifier's subject). Nothing is merged until an operator confirms a candidate."
    )
)
class PartyMention:
    db_id: strawberry.Private[int]
    linked_id: strawberry.Private[int | None]
    id: strawberry.ID = strawberry.field(description="The mention's id.")
    source: str = strawberry.field(description="The source that wrote the record: court, land, market or police.")
    role: str = strawberry.field(
        description=(
            "What the party is to the record: case_party, real_estate_owner, vehicle_owner, shareholder or officer; "
            "decides the link a confirmation writes."
        )
    )
    record_key: str = strawberry.field(
        description="The record: case number, certificate number, plate, or the company's USCC."
    )
    kind: str = strawberry.field(description="person or organisation.")
    name: str = strawberry.field(description="The name as the record writes it.")
    identifier: str | None = strawberry.field(description="The resident ID or USCC the record gave, if any.")
    birth_date: datetime.date | None = strawberry.field(description="The birth date the record gave, if any.")
    region: Region | None = strawberry.field(description="The region the record gave for the party, if any.")
    detail: str = strawberry.field(
        description="What the link needs once confirmed (share, role, the vehicle record), as a JSON object."
    )
    batch_id: strawberry.ID | None = strawberry.field(description="The ingest batch that brought the mention.")
    status: MentionStatus = strawberry.field(description="pending, linked or rejected.")
    created_at: datetime.datetime = strawberry.field(description="When the mention was held.")
    resolved_at: datetime.datetime | None = strawberry.field(description="When it was linked; null while pending.")

    @strawberry.field(description="The subject it was linked to; null while pending.")
    async def subject(self, info: Info) -> SubjectT | None:
        from hub.schema.core import load_subject

        return None if self.linked_id is None else await load_subject(info, self.linked_id)

    @strawberry.field(description="Its candidate links, best score first, whatever their status.")
    async def candidates(self, info: Info) -> list[CandidateLink]:
        rows = await info.context.loaders.candidates_by_mention.load(self.db_id)
        return [candidate_from_row(r) for r in rows]


def mention_from_row(row: Row) -> PartyMention:
    return PartyMention(
        db_id=row["id"],
        linked_id=row["subject_id"],
        id=strawberry.ID(str(row["id"])),
        source=row["source"],
        role=row["role"],
        record_key=row["record_key"],
        kind=row["kind"],
        name=row["name"],
        identifier=row["identifier"],
        birth_date=row["birth_date"],
        region=None if row["region"] is None else Region(code=row["region"]),
        detail=row["detail"],
        batch_id=None if row["batch_id"] is None else strawberry.ID(str(row["batch_id"])),
        status=MentionStatus(row["status"]),
        created_at=row["created_at"],
        resolved_at=row["resolved_at"],
    )


@strawberry.type(description="A subject the hub proposes as the party of a held mention, with why.")
class CandidateLink:
    mention_id: strawberry.Private[int]
    subject_id: strawberry.Private[int]
    id: strawberry.ID = strawberry.field(description="The candidate's id; confirm or reject it by this id.")
    score: float = strawberry.field(
        description="0 to 1: identifier 1.0 (decisive); name exact 0.5, variant 0.45, pinyin 0.3; "
        "birth date +0.3; region +0.2 (-0.2 when it differs)."
    )
    agreed: list[str] = strawberry.field(
        description="Features that agreed: identifier, exact_name, variant_name, pinyin, birth_date, region."
    )
    explanation: str = strawberry.field(description="The comparison in words, feature by feature.")
    status: CandidateStatus = strawberry.field(description="proposed, confirmed or rejected.")
    proposed_at: datetime.datetime = strawberry.field(description="When the hub proposed it.")
    decided_by: str | None = strawberry.field(description="Code of the agency that decided it.")
    operator: str | None = strawberry.field(description="The end user who decided it (Hub-Operator).")
    decided_at: datetime.datetime | None = strawberry.field(description="When it was decided.")
    reason: str | None = strawberry.field(description="Why it was rejected.")

    @strawberry.field(description="The held mention.")
    async def mention(self, info: Info) -> PartyMention:
        row = await info.context.loaders.mention_by_id.load(self.mention_id)
        assert row is not None
        return mention_from_row(row)

    @strawberry.field(description="The proposed subject.")
    async def subject(self, info: Info) -> SubjectT:
        from hub.schema.core import load_subject

        found = await load_subject(info, self.subject_id)
        assert found is not None
        return found


def candidate_from_row(row: Row) -> CandidateLink:
    score: Decimal = row["score"]
    return CandidateLink(
        mention_id=row["mention_id"],
        subject_id=row["subject_id"],
        id=strawberry.ID(str(row["id"])),
        score=float(score),
        agreed=list(row["agreed"]),
        explanation=row["explanation"],
        status=CandidateStatus(row["status"]),
        proposed_at=row["proposed_at"],
        decided_by=row["decided_by"],
        operator=row["operator"],
        decided_at=row["decided_at"],
        reason=row["reason"],
    )


@strawberry.type(description="Held party mentions and their candidates, for the platform operator.")
class IdentityQuery:
    @strawberry.field(description="Held party mentions of a status (pending by default), oldest first.")
    async def party_mentions(
        self,
        info: Info,
        status: Annotated[MentionStatus, arg("Which mentions: pending (default), linked or rejected.")] = (
            MentionStatus.PENDING
        ),
        first: First = None,
        after: After = None,
    ) -> Connection[PartyMention]:
        ctx = info.context
        limit = page_size(ctx, first)
        scope = f"partyMentions:{status.value}"
        after_id = 0 if after is None else int(decode_cursor(ctx.cursor_key, scope, after))
        rows = await source.mentions_page(ctx.db, str(status.value), after_id, limit + 1)
        return build_connection(ctx, scope, rows[:limit], len(rows) > limit, mention_from_row)

    @strawberry.field(description="Candidate links of a status (proposed by default), optionally of one mention.")
    async def candidate_links(
        self,
        info: Info,
        status: Annotated[CandidateStatus, arg("Which candidates: proposed (default), confirmed or rejected.")] = (
            CandidateStatus.PROPOSED
        ),
        mention_id: Annotated[strawberry.ID | None, arg("Only the candidates of this mention.")] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[CandidateLink]:
        ctx = info.context
        limit = page_size(ctx, first)
        mention = None if mention_id is None else hub_id(str(mention_id), "mentionId")
        scope = f"candidateLinks:{status.value}:{mention or ''}"
        after_id = 0 if after is None else int(decode_cursor(ctx.cursor_key, scope, after))
        rows = await source.candidates_page(ctx.db, str(status.value), mention, after_id, limit + 1)
        return build_connection(ctx, scope, rows[:limit], len(rows) > limit, candidate_from_row)


async def _decided(info: Info, decided: resolution.Decided) -> CandidateLink:
    # The audit record names the subject decided on, whether or not the answer selects it.
    info.context.returned_subjects.add(decided.subject_id)
    row = await source.candidate_by_id(info.context.db, decided.link_id)
    if row is None:
        raise NotFound(f"no candidate link {decided.link_id}", argument="id")
    return candidate_from_row(row)


@strawberry.type(description="The operator's decisions on candidate links.")
class IdentityMutation:
    @strawberry.mutation(
        description=(
            "Confirm a proposed candidate: writes the link the mention's role means (case party, owner with share, "
            "shareholder, officer, vehicle owner), marks the mention linked and rejects its other candidates, in one "
            "transaction. Errors: NOT_FOUND, ALREADY_DECIDED, LINK_NOT_POSSIBLE (the record is missing or refuses "
            "the link; nothing is changed)."
        )
    )
    async def confirm_candidate(
        self, info: Info, id: Annotated[strawberry.ID, arg("The candidate link.")]
    ) -> CandidateLink:
        ctx = info.context
        decided = await resolution.confirm(ctx.db, hub_id(str(id), "id"), ctx.principal.agency_id, ctx.operator)
        return await _decided(info, decided)

    @strawberry.mutation(
        description=(
            "Reject a proposed candidate with a reason; the same party features and subject are never proposed "
            "again. Errors: NOT_FOUND, ALREADY_DECIDED, BAD_USER_INPUT (no reason)."
        )
    )
    async def reject_candidate(
        self,
        info: Info,
        id: Annotated[strawberry.ID, arg("The candidate link.")],
        reason: Annotated[str, arg("Why this subject is not the party (1 to 1,000 characters).")],
    ) -> CandidateLink:
        ctx = info.context
        decided = await resolution.reject(ctx.db, hub_id(str(id), "id"), reason, ctx.principal.agency_id, ctx.operator)
        return await _decided(info, decided)
