"""Credit repair (信用修复): applications against list entries, decided by their publisher."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from hub.sanctions import repair
from hub.schema.arguments import arg, hub_id
from hub.schema.context import Info
from hub.schema.court import Listing, ListKind, listing_from_row
from hub.sources import court
from hub.sources.base import Row


@strawberry.enum(description="Where a credit repair application stands.")
class CreditRepairStatus(Enum):
    SUBMITTED = strawberry.enum_value("submitted", description="Recorded; its publisher has not decided yet.")
    APPROVED = strawberry.enum_value(
        "approved", description="Approved: the entry was removed (reason CREDIT_REPAIR) with the decision."
    )
    REJECTED = strawberry.enum_value("rejected", description="Rejected, with reasons; the entry stays listed.")


@strawberry.enum(description="Who handed a credit repair application in to the hub.")
class CreditRepairOrigin(Enum):
    AGENCY = strawberry.enum_value(
        "agency", description="Recorded by the entry's publisher (or an agency above it), which checked who applied."
    )
    SUBJECT = strawberry.enum_value(
        "subject",
        description=(
            "Filed by the subject itself on the public page (POST /public/repair), giving its exact name, full "
            "identifier and the entry; nobody has checked the applicant or the evidence yet: verify before deciding."
        ),
    )


@strawberry.type(
    description=(
        "An application to repair credit (信用修复): take one punishment-list entry down. Recorded by the entry's "
        "publisher for the subject, decided by it within its list kind's deadline."
    )
)
class CreditRepairApplication:
    listing_id: strawberry.Private[int]
    id: strawberry.ID = strawberry.field(description="The hub's id of the application; decide it with this.")
    list_kind: ListKind = strawberry.field(name="list", description="The list the entry is on.")
    subject_name: str = strawberry.field(description="The listed subject's name.")
    applicant: str = strawberry.field(description="Who applied: the subject or its representative, as recorded.")
    grounds: str = strawberry.field(description="Why the subject asks for repair (the dishonest act corrected...).")
    evidence: str = strawberry.field(description="What the applicant showed, as recorded.")
    evidence_documents: list[str] = strawberry.field(
        description="References to the evidence documents (their numbers or file references)."
    )
    applied_on: datetime.date = strawberry.field(description="The date the application was handed in.")
    due_on: datetime.date = strawberry.field(
        description=(
            "The decision is due by this day: appliedOn plus the list kind's repairDecisionWorkingDays "
            "(Monday to Friday; public holidays are not counted out, so it may fall early, never late)."
        )
    )
    overdue: bool = strawberry.field(description="True while it is undecided after dueOn (China time).")
    origin: CreditRepairOrigin = strawberry.field(
        description="AGENCY when an agency recorded it, SUBJECT when the subject filed it on the public page."
    )
    recorded_by: str = strawberry.field(
        description="The agency that recorded the application; 'public' when the subject filed it (origin SUBJECT)."
    )
    recorded_at: datetime.datetime = strawberry.field(description="When it was recorded.")
    status: CreditRepairStatus = strawberry.field(description="Submitted, approved or rejected.")
    decided_at: datetime.datetime | None = strawberry.field(description="When it was decided; null until then.")
    decided_by: str | None = strawberry.field(description="The agency that decided it; null until then.")
    decision_reasons: str | None = strawberry.field(description="The reasons given with the decision.")

    @strawberry.field(description="The entry the application is about (removed once the application is approved).")
    async def listing(self, info: Info) -> Listing:
        row = await court.listing_by_id(info.context.db, self.listing_id)
        assert row is not None
        info.context.returned_subjects.add(row["subject_id"])
        return listing_from_row(row)


def application_from_row(row: Row) -> CreditRepairApplication:
    return CreditRepairApplication(
        listing_id=row["listing_id"],
        id=strawberry.ID(str(row["id"])),
        list_kind=ListKind(row["list"]),
        subject_name=row["subject_name"],
        applicant=row["applicant"],
        grounds=row["grounds"],
        evidence=row["evidence"],
        evidence_documents=list(row["evidence_documents"]),
        applied_on=row["applied_on"],
        due_on=row["due_on"],
        overdue=row["overdue"],
        origin=CreditRepairOrigin(row["origin"]),
        recorded_by=row["recorded_by_name"],
        recorded_at=row["recorded_at"],
        status=CreditRepairStatus(row["status"]),
        decided_at=row["decided_at"],
        decided_by=row["decided_by_name"],
        decision_reasons=row["decision_reasons"],
    )


async def _application(info: Info, application_id: int) -> CreditRepairApplication:
    rows = await repair.applications(info.context.db, info.context.principal, application_id=application_id)
    assert rows, "the agency that recorded or decided it may see it"
    info.context.returned_subjects.add(rows[0]["subject_id"])
    return application_from_row(rows[0])


@strawberry.type
class RepairQuery:
    @strawberry.field(
        description=(
            "Credit repair applications, oldest deadline first (at most 1000): for a publishing agency those of "
            "entries it may change (its own and those of agencies of its kind below it), for the operator all."
        )
    )
    async def credit_repair_applications(
        self,
        info: Info,
        status: Annotated[CreditRepairStatus | None, arg("Only applications in this state.")] = None,
        overdue: Annotated[bool, arg("Only undecided applications past their dueOn.")] = False,
    ) -> list[CreditRepairApplication]:
        rows = await repair.applications(
            info.context.db,
            info.context.principal,
            status=None if status is None else str(status.value),
            overdue=overdue,
        )
        info.context.returned_subjects.update(r["subject_id"] for r in rows)
        return [application_from_row(r) for r in rows]


@strawberry.type
class RepairMutation:
    @strawberry.mutation(
        description=(
            "Record a credit repair application (信用修复申请) the subject handed in to your agency, against one "
            "entry of a list that allows CREDIT_REPAIR removal. Only an agency that may change the entry (its "
            "publisher, or one of its kind above it) records it: NOT_YOUR_COURT or NOT_YOUR_LIST otherwise. "
            "Its decision is due by the list kind's repairDecisionWorkingDays. Refused with BAD_USER_INPUT naming "
            "the argument for a blank applicant, grounds or evidence, an entry already removed, a list not "
            "repaired, or an entry with an application still undecided; NOT_FOUND for an unknown listing."
        )
    )
    async def apply_for_credit_repair(
        self,
        info: Info,
        listing_id: Annotated[strawberry.ID, arg("The entry to repair (Listing.id).")],
        applicant: Annotated[str, arg("Who applies: the subject or its representative (1 to 200 characters).")],
        grounds: Annotated[str, arg("Why: how the dishonest act was corrected (1 to 4000 characters).")],
        evidence: Annotated[str, arg("What the applicant showed (1 to 4000 characters).")],
        evidence_documents: Annotated[
            list[str] | None, arg("References to the evidence documents: at most 20, each 1 to 200 characters.")
        ] = None,
        applied_on: Annotated[
            datetime.date | None, arg("The date it was handed in; today (China time) by default; not in the future.")
        ] = None,
    ) -> CreditRepairApplication:
        application_id = await repair.apply(
            info.context.db,
            info.context.principal,
            listing_id=hub_id(str(listing_id), "listingId"),
            applicant=applicant,
            grounds=grounds,
            evidence=evidence,
            evidence_documents=evidence_documents or [],
            applied_on=applied_on,
        )
        return await _application(info, application_id)

    @strawberry.mutation(
        description=(
            "Approve or reject a credit repair application, with reasons (an agency that may change the entry: "
            "NOT_YOUR_COURT or NOT_YOUR_LIST otherwise). Approval removes the entry (reason CREDIT_REPAIR) in "
            "the same transaction: it stops counting in screening and public disclosure at once, every agency is "
            "told by a listing.removed event, and it stays in history for its publisher and the operator only. "
            "ALREADY_DECIDED when the application was decided before; BAD_USER_INPUT for blank reasons; "
            "NOT_FOUND for an unknown application."
        )
    )
    async def decide_credit_repair(
        self,
        info: Info,
        application_id: Annotated[strawberry.ID, arg("The application (CreditRepairApplication.id).")],
        approve: Annotated[bool, arg("true approves (the entry is removed), false rejects.")],
        reasons: Annotated[str, arg("The reasons for the decision (1 to 4000 characters).")],
    ) -> CreditRepairApplication:
        decision = await repair.decide(
            info.context.db,
            info.context.principal,
            hub_id(str(application_id), "applicationId"),
            approve=approve,
            reasons=reasons,
        )
        return await _application(info, decision.application_id)
