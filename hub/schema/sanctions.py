"""Screening and interception, sanction feedback, the list's lifecycle, the hotel list."""

from __future__ import annotations

import datetime
import re
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from graphql import GraphQLResolveInfo, GraphQLSchema

from hub.errors import InvalidInput
from hub.sanctions import interceptions, listings
from hub.schema.arguments import arg, hub_id
from hub.schema.context import HubContext, Info
from hub.schema.court import Circumstance, Court, CourtLevel, Listing, ListKind, case_from_row, listing_from_row
from hub.schema.tourism import Hotel, hotel_from_row
from hub.screening import MAX_BATCH, Identity, MeasureHit, Outcome, ScreeningContext, screen
from hub.screening.engine import REWARDED
from hub.sources import court, tourism
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import Subject
    from hub.schema.court import EnforcementCase

SubjectT = Annotated["Subject", strawberry.lazy("hub.schema.core")]
CaseT = Annotated["EnforcementCase", strawberry.lazy("hub.schema.court")]

_HOTEL_CODE = re.compile(r"^[A-Z0-9-]{4,32}$")


@strawberry.enum(description="What the agency must do with the transaction.")
class Decision(Enum):
    BLOCK = strawberry.enum_value("BLOCK", description="Refuse: a measure forbids this matter to this subject.")
    REVIEW = strawberry.enum_value(
        "REVIEW", description="Check by hand: a name or identifier matches a listed subject only in part."
    )
    ALLOW = strawberry.enum_value("ALLOW", description="Proceed: no active listing forbids it.")
    INVALID = strawberry.enum_value("INVALID", description="The identity could not be screened; see error.")


@strawberry.input(description="One person or organisation to screen.")
class IdentityInput:
    name: str = strawberry.field(description="Name as given by the customer.")
    resident_id: str | None = strawberry.field(default=None, description="Resident ID (persons).")
    uscc: str | None = strawberry.field(default=None, description="Unified social credit code (organisations).")
    birth_date: datetime.date | None = strawberry.field(
        default=None, description="Birth date, when no resident ID is at hand."
    )


@strawberry.type(description="Why an identity could not be screened.")
class ScreeningError:
    code: str = strawberry.field(description="Stable code, e.g. INVALID_IDENTIFIER.")
    message: str = strawberry.field(description="What is wrong, with the position where it applies.")
    position: int | None = strawberry.field(description="1-based character position in the identifier.")


@strawberry.type(
    description="A measure that applies, the listing and case (or publisher's decision) behind it, and how to lift it."
)
class AppliedMeasure:
    hit: strawberry.Private[MeasureHit]
    code: str = strawberry.field(description="Measure code in the catalogue.")
    name: str = strawberry.field(description="The measure, e.g. 限制在星级以上宾馆酒店消费.")
    legal_basis: str = strawberry.field(description="Document and article the measure rests on.")
    reach: str = strawberry.field(
        description="self, or the role through which a listed organisation's measure reaches this person."
    )

    @strawberry.field(description="The list the entry behind it is on (a list kind code, e.g. DISHONEST).")
    def list(self) -> ListKind:
        return ListKind(self.hit.list)

    @strawberry.field(
        description="Lists not resting on a court case: the publisher's decision document, e.g. 闽农黑〔2026〕3号."
    )
    def basis_document(self) -> str | None:
        return self.hit.basis_document

    @strawberry.field(description="Lists not resting on a court case: the agency that published the entry (its name).")
    def publisher_name(self) -> str | None:
        return self.hit.publisher_name

    @strawberry.field(description="The list entry that causes it.")
    async def listing(self, info: Info) -> Listing:
        if self.hit.case_id is None:
            return await _listing(info, self.hit.listing_id)
        # Court lists: batched by case, as many decisions name the same few cases.
        rows = await info.context.loaders.listings_by_case.load(self.hit.case_id)
        row = next(r for r in rows if r["id"] == self.hit.listing_id)
        return listing_from_row(row)

    @strawberry.field(description="The enforcement case behind the listing; null for lists not resting on a case.")
    async def case(self, info: Info) -> CaseT | None:
        if self.hit.case_id is None:
            return None
        row = await info.context.loaders.case_by_id.load(self.hit.case_id)
        assert row is not None
        return case_from_row(row)

    @strawberry.field(
        description="The executing court, where the debtor can pay or settle; null for lists not resting on a case."
    )
    async def court(self, info: Info) -> Court | None:
        if self.hit.court_code is None:
            return None
        row = await info.context.loaders.court_by_code.load(self.hit.court_code)
        assert row is not None
        return Court(code=row["code"], name=row["name"], level=CourtLevel(row["level"]), region_code=row["region"])

    @strawberry.field(description="What the subject can do to lift the restriction, in Chinese.")
    def how_to_resolve(self) -> str:
        if self.hit.case_number is None:
            return f"请联系{self.hit.publisher_name}，就{self.hit.basis_document}所涉失信行为整改后申请信用修复。"
        return f"请联系{self.hit.court_name}，就{self.hit.case_number}履行义务或达成和解后申请解除。"


@strawberry.type(description="An incentive measure (守信激励) the subject qualifies for, from its red-list entry.")
class GrantedReward:
    hit: strawberry.Private[MeasureHit]
    code: str = strawberry.field(description="Measure code in the catalogue, e.g. REWARD_APPROVAL_GREEN_CHANNEL.")
    name: str = strawberry.field(description="The incentive, e.g. 行政审批绿色通道.")
    legal_basis: str = strawberry.field(description="Document the incentive rests on.")

    @strawberry.field(description="The list the entry is on (a reward list kind code, e.g. RED_LIST).")
    def list(self) -> ListKind:
        return ListKind(self.hit.list)

    @strawberry.field(description="The hub's id of the list entry that earns it.")
    def listing_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.hit.listing_id))

    @strawberry.field(description="The publisher's decision document naming the subject, e.g. 闽税红〔2026〕1号.")
    def basis_document(self) -> str | None:
        return self.hit.basis_document

    @strawberry.field(description="The agency that put the subject on the list (its name).")
    def publisher_name(self) -> str | None:
        return self.hit.publisher_name


@strawberry.type(description="The decision for one screened identity.")
class ScreeningDecision:
    outcome: strawberry.Private[Outcome]
    index: int = strawberry.field(description="Position of the identity in the request, from 0.")
    decision: Decision = strawberry.field(description="BLOCK, REVIEW, ALLOW or INVALID.")
    reasons: list[str] = strawberry.field(description="Stable reason codes, e.g. LISTED, NAME_DIFFERS.")
    explanations: list[str] = strawberry.field(
        description=(
            "For SIMILAR_NAME_LISTED and PENDING_LINK_LISTED: per candidate, which features agreed (variant or "
            "same-pinyin name, birth date, region) or which pending link ties it, in words."
        )
    )
    interception_id: strawberry.ID | None = strawberry.field(
        description="The stored interception (BLOCK and REVIEW); report the sanction against it."
    )
    measures: list[AppliedMeasure] = strawberry.field(description="Every applicable measure (BLOCK).")
    error: ScreeningError | None = strawberry.field(description="Why the identity could not be screened.")
    rewards: list[GrantedReward] = strawberry.field(
        description=(
            "Incentives the subject qualifies for on this matter (reason REWARDED), from its red-list entries; "
            "only with ALLOW: punishment always prevails."
        )
    )
    reward_withheld: str | None = strawberry.field(
        description=(
            "Why a red-listed subject's incentives for this matter are withheld (reason REWARD_WITHHELD), e.g. "
            "a punishment list's measure covers the same matter; null otherwise."
        )
    )

    @strawberry.field(description="The listed subject matched by identifier; null if none.")
    async def subject(self, info: Info) -> SubjectT | None:
        from hub.schema.core import load_subject

        return None if self.outcome.subject_id is None else await load_subject(info, self.outcome.subject_id)

    @strawberry.field(description="Listed subjects behind a REVIEW (same name and birth date, or name only).")
    async def candidates(self, info: Info) -> list[SubjectT]:
        from hub.schema.core import load_subject

        found = [await load_subject(info, i) for i in self.outcome.candidates]
        return [s for s in found if s is not None]


@strawberry.type(description="The decisions for a screened batch, in request order.")
class ScreeningResult:
    matter: str = strawberry.field(description="The matter screened for.")
    decisions: list[ScreeningDecision] = strawberry.field(description="One decision per identity.")


@strawberry.enum(description="What the agency did about an interception.")
class SanctionOutcome(Enum):
    SANCTION_APPLIED = strawberry.enum_value("sanction_applied", description="The transaction was refused.")
    OVERRIDDEN = strawberry.enum_value("overridden", description="Allowed after all; a reason is required.")
    NOT_APPLICABLE = strawberry.enum_value("not_applicable", description="Not this person, or not this matter.")
    PAID_ON_THE_SPOT = strawberry.enum_value(
        "paid_on_the_spot", description="The debtor paid the court there and then."
    )
    SETTLED_ON_THE_SPOT = strawberry.enum_value(
        "settled_on_the_spot", description="The debtor settled with the creditor."
    )


@strawberry.input(description="A report of what was done about an interception.")
class SanctionReportInput:
    interception_id: strawberry.ID = strawberry.field(description="The interception reported on.")
    outcome: SanctionOutcome = strawberry.field(description="What was done.")
    reason: str | None = strawberry.field(default=None, description="Why; required for OVERRIDDEN.")
    business_reference: str | None = strawberry.field(
        default=None, description="The agency's own reference for the business matter."
    )
    occurred_at: datetime.datetime = strawberry.field(description="When it happened (with time zone).")
    idempotency_key: str = strawberry.field(
        description="8 to 200 characters, unique per report: resending the same report returns the same result."
    )


@strawberry.type(description="What an agency reported about an interception.")
class SanctionFeedback:
    id: strawberry.ID = strawberry.field(description="The report's id.")
    outcome: SanctionOutcome = strawberry.field(description="What was done.")
    reason: str | None = strawberry.field(description="Why, for an override.")
    business_reference: str | None = strawberry.field(description="The agency's reference.")
    occurred_at: datetime.datetime = strawberry.field(description="When it happened.")
    recorded_at: datetime.datetime = strawberry.field(description="When the hub recorded it.")
    operator: str | None = strawberry.field(description="Who reported it (Hub-Operator).")


def feedback_from_row(row: Any) -> SanctionFeedback:
    return SanctionFeedback(
        id=strawberry.ID(str(row["id"])),
        outcome=SanctionOutcome(row["outcome"]),
        reason=row["reason"],
        business_reference=row["business_reference"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        operator=row["operator"],
    )


@strawberry.type(description="A stored BLOCK or REVIEW decision and what was done about it.")
class Interception:
    row: strawberry.Private[Any]
    id: strawberry.ID = strawberry.field(description="The interception's id.")
    at: datetime.datetime = strawberry.field(description="When the decision was made.")
    matter: str = strawberry.field(description="The matter screened for.")
    decision: Decision = strawberry.field(description="BLOCK or REVIEW.")
    reasons: list[str] = strawberry.field(description="Reason codes.")
    operator: str | None = strawberry.field(description="The end user at the agency.")

    @strawberry.field(description="The intercepted subject; null when only candidates matched.")
    async def subject(self, info: Info) -> SubjectT | None:
        from hub.schema.core import load_subject

        subject_id = self.row["subject_id"]
        return None if subject_id is None else await load_subject(info, subject_id)

    @strawberry.field(description="Reports of what the agency did.")
    async def feedback(self, info: Info) -> list[SanctionFeedback]:
        rows = await interceptions.feedback_by_interceptions(info.context.db, [self.row["id"]])
        return [feedback_from_row(r) for r in rows.get(self.row["id"], [])]


def interception_from_row(row: Any) -> Interception:
    return Interception(
        row=row,
        id=strawberry.ID(str(row["id"])),
        at=row["at"],
        matter=row["matter"],
        decision=Decision(row["decision"]),
        reasons=list(row["reasons"]),
        operator=row["operator"],
    )


@strawberry.type(description="Joint-punishment figures for one day, agency, matter and region.")
class SanctionDay:
    day: datetime.date = strawberry.field(description="Local date (China Standard Time).")
    agency_code: str = strawberry.field(description="The screening agency.")
    matter: str = strawberry.field(description="The matter.")
    region_code: str = strawberry.field(description="The agency's division code.")
    comparisons: int = strawberry.field(description="Identities screened.")
    interceptions: int = strawberry.field(description="BLOCK and REVIEW decisions.")
    blocks: int = strawberry.field(description="BLOCK decisions.")
    reviews: int = strawberry.field(description="REVIEW decisions.")
    sanctions: int = strawberry.field(description="Interceptions reported as sanctioned, paid or settled.")
    debtors_paid: int = strawberry.field(description="Intercepted debtors who then paid or settled.")


@strawberry.enum(description="Why a listing is removed.")
class RemovalReasonInput(Enum):
    PAID = strawberry.enum_value("paid", description="The obligation was performed.")
    SETTLED = strawberry.enum_value("settled", description="A settlement agreement was performed.")
    CREDIT_REPAIR = strawberry.enum_value("credit_repair", description="Credit repair was granted.")
    TERM_EXPIRED = strawberry.enum_value("term_expired", description="The term ended.")
    PUBLISHED_IN_ERROR = strawberry.enum_value("published_in_error", description="It should never have been published.")
    OTHER = strawberry.enum_value("other", description="Another reason; say which in note.")


async def _listing(info: Info, listing_id: int) -> Listing:
    row = await court.listing_by_id(info.context.db, listing_id)
    assert row is not None
    return listing_from_row(row)


@strawberry.type(description="Screening, sanction feedback, the list's lifecycle and the hotel list.")
class SanctionsMutation:
    @strawberry.mutation(
        description=(
            "Screen up to 1,000 identities for a matter (declare the same matter in Hub-Purpose). "
            "BLOCK and REVIEW decisions are stored as interceptions; every identity counts as a comparison."
        )
    )
    async def screen(
        self,
        info: Info,
        matter: Annotated[
            str,
            arg(
                "Matter code from the catalogue, e.g. HOTEL_CHECK_IN or REAL_ESTATE_REGISTRATION (the catalogue is "
                "data, query `matters`; an unknown code is refused as BAD_USER_INPUT)."
            ),
        ],
        identities: Annotated[list[IdentityInput], arg("The identities, at most 1,000.")],
        hotel_code: Annotated[str | None, arg("The hotel, for HOTEL_CHECK_IN.")] = None,
    ) -> ScreeningResult:
        batch = [
            Identity(name=i.name, resident_id=i.resident_id, uscc=i.uscc, birth_date=i.birth_date) for i in identities
        ]
        return await run_screen(info.context, matter, batch, hotel_code)

    @strawberry.mutation(description="Report what was done about one of this agency's interceptions (idempotent).")
    async def report_sanction(
        self, info: Info, input: Annotated[SanctionReportInput, arg("The report.")]
    ) -> SanctionFeedback:
        ctx = info.context
        row = await interceptions.report(
            ctx.db,
            ctx.principal,
            ctx.operator,
            interception_id=hub_id(str(input.interception_id), "interceptionId"),
            outcome=str(input.outcome.value),
            reason=input.reason,
            business_reference=input.business_reference,
            occurred_at=input.occurred_at,
            idempotency_key=input.idempotency_key,
        )
        return feedback_from_row(row)

    @strawberry.mutation(
        description=(
            "Publish an entry of a list, by an agency of a kind that publishes it (listKinds.publisherKinds). "
            "Court lists: for a debtor of a case (caseNumber), by the executing court or one above it. Other lists "
            "(sector blacklists, the red list): with the decision's document number (basisDocument), for a subject "
            "of the agency's area. Term: the list's default term unless given."
        )
    )
    async def publish_listing(
        self,
        info: Info,
        subject_id: Annotated[strawberry.ID, arg("The subject's internal id (for court lists, a party to the case).")],
        list: Annotated[
            ListKind, arg("Which list (a code of listKinds): DISHONEST, RESTRICTED, AGRI_PRODUCT_SAFETY, RED_LIST, ...")
        ],
        case_number: Annotated[
            str | None, arg("Court lists (required there): the enforcement case, e.g. (2019)闽0102执1234号.")
        ] = None,
        basis_document: Annotated[
            str | None,
            arg("Other lists (required there): the publisher's decision document number, e.g. 闽农黑〔2026〕3号."),
        ] = None,
        circumstance: Annotated[
            Circumstance | None, arg("For the dishonest list (required there): the statutory circumstance.")
        ] = None,
        published_on: Annotated[datetime.date | None, arg("Publication date; today by default.")] = None,
        term_months: Annotated[
            int | None,
            arg(
                "Term in months; the list's default term when not given (24 for the court lists), none on the "
                "dishonest list for refusing with the ability to pay."
            ),
        ] = None,
    ) -> Listing:
        ctx = info.context
        change = await listings.publish(
            ctx.db,
            ctx.principal,
            case_number=None if case_number is None else case_number.strip().replace("（", "(").replace("）", ")"),
            basis_document=basis_document,
            subject_id=hub_id(str(subject_id), "subjectId"),
            list_kind=str(list),
            circumstance=str(circumstance.value) if circumstance else None,
            published_on=published_on or datetime.date.today(),
            term_months=term_months,
        )
        return await _listing(info, change.listing_id)

    @strawberry.mutation(
        description="Extend a listing's term, within the list's extension rule (court lists: 12 to 36 months in total)."
    )
    async def extend_listing(
        self,
        info: Info,
        listing_id: Annotated[strawberry.ID, arg("The listing.")],
        months: Annotated[int, arg("Months to add.")],
    ) -> Listing:
        change = await listings.extend(
            info.context.db, info.context.principal, hub_id(str(listing_id), "listingId"), months
        )
        return await _listing(info, change.listing_id)

    @strawberry.mutation(
        description="Correct a listing (its publisher, or one above it); its version increases and agencies are told."
    )
    async def correct_listing(
        self,
        info: Info,
        listing_id: Annotated[strawberry.ID, arg("The listing.")],
        note: Annotated[str, arg("What is corrected and why.")],
        circumstance: Annotated[Circumstance | None, arg("New circumstance (dishonest list only).")] = None,
        published_on: Annotated[datetime.date | None, arg("New publication date.")] = None,
        term_months: Annotated[int | None, arg("New term in months.")] = None,
    ) -> Listing:
        change = await listings.correct(
            info.context.db,
            info.context.principal,
            hub_id(str(listing_id), "listingId"),
            note=note,
            circumstance=str(circumstance.value) if circumstance else None,
            published_on=published_on,
            term_months=term_months,
        )
        return await _listing(info, change.listing_id)

    @strawberry.mutation(
        description=(
            "Remove a listing (its publisher, or one above it), for a reason the list allows "
            "(listKinds.removalReasons); it stops counting for every decision at once."
        )
    )
    async def remove_listing(
        self,
        info: Info,
        listing_id: Annotated[strawberry.ID, arg("The listing.")],
        reason: Annotated[RemovalReasonInput, arg("Why it is removed.")],
        removed_on: Annotated[datetime.date | None, arg("Date of removal; today by default.")] = None,
        note: Annotated[str | None, arg("A note for the record.")] = None,
    ) -> Listing:
        change = await listings.remove(
            info.context.db,
            info.context.principal,
            hub_id(str(listing_id), "listingId"),
            str(reason.value),
            removed_on or datetime.date.today(),
            note,
        )
        return await _listing(info, change.listing_id)

    @strawberry.mutation(description="Add a hotel to the star-rating list (tourism).")
    async def add_hotel(
        self,
        info: Info,
        code: Annotated[str, arg("The bureau's hotel code: 4 to 32 of A-Z, 0-9, '-'.")],
        name: Annotated[str, arg("Hotel name.")],
        region_code: Annotated[str, arg("Six-digit division code.")],
        address: Annotated[str, arg("Address.")],
        stars: Annotated[int, arg("Star rating, 0 (not rated) to 5.")],
    ) -> Hotel:
        code = code.strip().upper()
        _check_hotel(code, stars)
        if not (region_code.isdigit() and len(region_code) == 6):
            raise InvalidInput("regionCode must be a six-digit division code", argument="regionCode")
        if not name.strip() or not address.strip():
            raise InvalidInput("name and address must not be empty", argument="name")
        row = await tourism.add_hotel(
            info.context.db,
            code,
            name.strip(),
            region_code,
            address.strip(),
            stars,
            datetime.date.today() if stars else None,
        )
        if row is None:
            raise InvalidInput(f"a hotel with code {code} exists already", argument="code")
        return hotel_from_row(row)

    @strawberry.mutation(description="Record a hotel's new star rating (tourism); the next decision uses it.")
    async def rate_hotel(
        self,
        info: Info,
        code: Annotated[str, arg("The hotel code.")],
        stars: Annotated[int, arg("Star rating, 0 to 5.")],
    ) -> Hotel:
        code = code.strip().upper()
        _check_hotel(code, stars)
        row = await tourism.rate_hotel(info.context.db, code, stars, datetime.date.today() if stars else None)
        if row is None:
            raise InvalidInput(f"no hotel with code {code}", argument="code")
        return hotel_from_row(row)

    @strawberry.mutation(description="Mark a hotel closed (tourism).")
    async def close_hotel(self, info: Info, code: Annotated[str, arg("The hotel code.")]) -> Hotel:
        row = await tourism.close_hotel(info.context.db, code.strip().upper())
        if row is None:
            raise InvalidInput(f"no hotel with code {code}", argument="code")
        return hotel_from_row(row)


def _check_hotel(code: str, stars: int) -> None:
    if not _HOTEL_CODE.match(code):
        raise InvalidInput("a hotel code is 4 to 32 of A-Z, 0-9 and '-'", argument="code")
    if not 0 <= stars <= 5:
        raise InvalidInput("stars must be 0 to 5", argument="stars")


@strawberry.type(description="The whole province's joint-punishment figures for one day (the platform's dashboard).")
class ProvinceDay:
    day: datetime.date = strawberry.field(description="Local date (China Standard Time).")
    queries: int = strawberry.field(description="Queries answered by the hub.")
    comparisons: int = strawberry.field(description="Identities screened.")
    interceptions: int = strawberry.field(description="BLOCK and REVIEW decisions.")
    sanctions: int = strawberry.field(description="Interceptions reported as sanctioned, paid or settled.")
    debtors_paid: int = strawberry.field(description="Intercepted debtors who then paid or settled.")


@strawberry.type(description="A business matter an agency handles and may screen for (事项).")
class Matter:
    code: str = strawberry.field(description="Matter code, e.g. HOTEL_CHECK_IN; use it in Hub-Purpose and screen.")
    name: str = strawberry.field(description="Chinese name, e.g. 星级以上宾馆入住.")
    description: str = strawberry.field(description="What the matter covers.")


@strawberry.type(description="A joint-punishment measure (惩戒措施) and its legal basis.")
class Measure:
    code: str = strawberry.field(description="Measure code in the catalogue.")
    name: str = strawberry.field(description="The measure, in Chinese.")
    list_kind: str = strawberry.field(
        name="list",
        description=(
            "The list it follows: dishonest, restricted, both (the two court lists), or the codes joined by commas."
        ),
        deprecation_reason="Use listKinds: a measure may follow several list kinds.",
    )
    list_kinds: list[ListKind] = strawberry.field(
        description="The list kinds it follows, e.g. [DISHONEST, RESTRICTED]."
    )
    nature: str = strawberry.field(
        description="punishment (a restriction of punishment lists) or reward (an incentive of reward lists)."
    )
    legal_basis: str = strawberry.field(description="Document and article it rests on.")
    basis_text: str = strawberry.field(description="The restriction as the text words it (quoted or paraphrased).")
    description: str = strawberry.field(description="One line for agency developers.")
    matters: list[str] = strawberry.field(description="Codes of the matters it blocks.")
    agency_kinds: list[str] = strawberry.field(description="Kinds of agency that apply it.")
    hotel_min_stars: int | None = strawberry.field(
        description="For hotel check-in: the minimum current star rating at which it applies."
    )
    reaches: list[str] = strawberry.field(
        description="For a listed organisation, the related persons it also binds (legal_representative, ...)."
    )


@strawberry.type(
    description=(
        "A kind of list the hub carries (名单类型) and its rules, as data: who publishes it, whom it covers, its "
        "term and removal rules, and the measures that follow an entry."
    )
)
class SanctionList:
    code: ListKind = strawberry.field(description="The list kind's code; pass it as publishListing(list:).")
    name_zh: str = strawberry.field(description="Chinese name, e.g. 失信被执行人名单.")
    name_en: str = strawberry.field(description="English name.")
    description: str = strawberry.field(description="What the list is and who is put on it.")
    nature: str = strawberry.field(
        description="punishment (its measures restrict: 联合惩戒) or reward (its measures are incentives: 守信激励)."
    )
    publisher_kinds: list[str] = strawberry.field(
        description="Agency kinds that publish and change its entries, e.g. [court] or [agriculture]."
    )
    subject_kinds: list[str] = strawberry.field(description="Whom it covers: person, organisation or both.")
    case_based: bool = strawberry.field(
        description=(
            "True: an entry rests on a court enforcement case (give caseNumber); false: on the publisher's decision "
            "document (give basisDocument)."
        )
    )
    needs_circumstance: bool = strawberry.field(
        description="An entry states a statutory circumstance (dishonest list)."
    )
    default_term_months: int | None = strawberry.field(
        description="Term of an entry when the publisher gives none; null: until removed."
    )
    max_term_months: int = strawberry.field(description="Longest term an entry may be published with.")
    open_ended: bool = strawberry.field(description="An entry may have no term (until the obligation is performed).")
    extension_min_months: int = strawberry.field(description="Extensions must add up to at least this (0: none).")
    extension_max_months: int = strawberry.field(
        description="Extensions may add up to at most this (0: never extended)."
    )
    removal_reasons: list[str] = strawberry.field(
        description="Reasons its publisher may remove an entry for (removeListing(reason:)), e.g. CREDIT_REPAIR."
    )
    public: bool = strawberry.field(description="Its entries are disclosed to the public (信息公示).")
    repair_decision_working_days: int | None = strawberry.field(
        description=(
            "Credit repair: the working days (Monday to Friday) its publisher has to decide a repair application, "
            "counted from the application's date (applyForCreditRepair); null when entries are not repaired."
        )
    )
    legal_basis: str = strawberry.field(description="The documents the list rests on.")
    measures: list[Measure] = strawberry.field(
        description="The measures that follow an entry (restrictions or incentives), each with its legal basis."
    )


def _measure(r: Row) -> Measure:
    return Measure(
        code=r["code"],
        name=r["name"],
        list_kind=r["list"],
        list_kinds=[ListKind(k) for k in r["list_kinds"]],
        nature=r["nature"],
        legal_basis=r["legal_basis"],
        basis_text=r["basis_text"],
        description=r["description"],
        matters=list(r["matters"]),
        agency_kinds=list(r["agency_kinds"]),
        hotel_min_stars=r["hotel_min_stars"],
        reaches=list(r["reaches"]),
    )


@strawberry.type(description="Joint-punishment statistics and the catalogue of matters and measures.")
class SanctionsQuery:
    @strawberry.field(
        description=(
            "The kinds of list the hub carries (court lists, sector blacklists, the red list), with their rules and "
            "measures. Codes are those publishListing(list:) takes."
        )
    )
    async def list_kinds(self, info: Info) -> list[SanctionList]:
        measures = {r["code"]: _measure(r) for r in await interceptions.measures(info.context.db)}
        rows = await interceptions.list_kinds(info.context.db)
        return [
            SanctionList(
                code=ListKind(r["code"]),
                name_zh=r["name_zh"],
                name_en=r["name_en"],
                description=r["description"],
                nature=r["nature"],
                publisher_kinds=list(r["publisher_kinds"]),
                subject_kinds=list(r["subject_kinds"]),
                case_based=r["case_based"],
                needs_circumstance=r["needs_circumstance"],
                default_term_months=r["default_term_months"],
                max_term_months=r["max_term_months"],
                open_ended=r["open_ended"],
                extension_min_months=r["extension_min_months"],
                extension_max_months=r["extension_max_months"],
                removal_reasons=[x.upper() for x in r["removal_reasons"]],
                public=r["public"],
                repair_decision_working_days=r["repair_decision_working_days"],
                legal_basis=r["legal_basis"],
                measures=[measures[c] for c in r["measures"] if c in measures],
            )
            for r in rows
        ]

    @strawberry.field(description="Province-wide figures per day, for the dashboard every agency sees.")
    async def province_statistics(
        self,
        info: Info,
        since: Annotated[datetime.date, arg("First day (inclusive).")],
        until: Annotated[datetime.date, arg("Day after the last day.")],
    ) -> list[ProvinceDay]:
        rows = await interceptions.province_statistics(info.context.db, since, until)
        return [
            ProvinceDay(
                day=r["day"],
                queries=r["queries"],
                comparisons=r["comparisons"],
                interceptions=r["interceptions"],
                sanctions=r["sanctions"],
                debtors_paid=r["debtors_paid"],
            )
            for r in rows
        ]

    @strawberry.field(description="The business matters agencies handle and declare as purposes.")
    async def matters(self, info: Info) -> list[Matter]:
        rows = await interceptions.matters(info.context.db)
        return [Matter(code=r["code"], name=r["name"], description=r["description"]) for r in rows]

    @strawberry.field(description="The catalogue of measures: which list, matters, agency kinds, conditions, reach.")
    async def measures(self, info: Info) -> list[Measure]:
        rows = await interceptions.measures(info.context.db)
        return [_measure(r) for r in rows]

    @strawberry.field(
        description=(
            "Per day, agency, matter and region: comparisons, interceptions, sanctions reported and debtors who "
            "paid after an interception. The operator sees every agency; others their own."
        )
    )
    async def sanction_statistics(
        self,
        info: Info,
        since: Annotated[datetime.date, arg("First day (inclusive).")],
        until: Annotated[datetime.date, arg("Day after the last day.")],
    ) -> list[SanctionDay]:
        ctx = info.context
        agency = None if ctx.policy.operator else ctx.principal.agency_id
        rows = await interceptions.statistics(ctx.db, since, until, agency)
        return [
            SanctionDay(
                day=r["day"],
                agency_code=r["agency_code"],
                matter=r["matter"],
                region_code=r["region"],
                comparisons=r["comparisons"],
                interceptions=r["interceptions"],
                blocks=r["blocks"],
                reviews=r["reviews"],
                sanctions=r["sanctions"],
                debtors_paid=r["debtors_paid"],
            )
            for r in rows
        ]


async def run_screen(ctx: HubContext, matter: str, batch: list[Identity], hotel_code: str | None) -> ScreeningResult:
    """Screen, record the interceptions and counts, and shape the decisions."""
    if ctx.purpose != matter:
        raise InvalidInput("declare the matter you screen for in Hub-Purpose", argument="matter")
    if len(batch) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} identities per request, got {len(batch)}", argument="identities")
    context = ScreeningContext(
        matter=matter,
        agency_kind=ctx.principal.kind,
        hotel_code=None if hotel_code is None else hotel_code.strip().upper(),
        at=datetime.datetime.now(datetime.UTC),
    )
    outcomes = await screen(ctx.db, batch, context, ctx.facts_batcher)
    drawn = ctx.interception_ids or interceptions.InterceptionIds(ctx.db, block=1)
    new = await interceptions.prepare(drawn, ctx.principal, ctx.operator, context, outcomes)
    # Written, and counted for the statistics, in the commit of this request's audit record.
    ctx.interceptions.extend(new.values())
    # Rewards granted (REWARDED) are counted with them, for the dashboard's rewards next to punishments.
    rewarded = sum(1 for o in outcomes if REWARDED in o.reasons)
    ctx.comparisons.append((ctx.principal.agency_id, matter, ctx.principal.region, len(batch), rewarded))
    decisions = []
    for outcome in outcomes:
        error = None
        if outcome.error is not None:
            error = ScreeningError(
                code=outcome.error.code, message=outcome.error.message, position=outcome.error.position
            )
        interception = new.get(outcome.index)
        decisions.append(
            ScreeningDecision(
                outcome=outcome,
                index=outcome.index,
                decision=Decision(outcome.decision),
                reasons=list(outcome.reasons),
                explanations=list(outcome.explanations),
                interception_id=None if interception is None else strawberry.ID(str(interception.id)),
                measures=[
                    AppliedMeasure(
                        hit=m, code=m.measure_code, name=m.measure_name, legal_basis=m.legal_basis, reach=m.reach
                    )
                    for m in outcome.measures
                ],
                error=error,
                rewards=[
                    GrantedReward(hit=m, code=m.measure_code, name=m.measure_name, legal_basis=m.legal_basis)
                    for m in outcome.rewards
                ],
                reward_withheld=outcome.reward_withheld,
            )
        )
    return ScreeningResult(matter=matter, decisions=decisions)


async def _screen_raw(root: object, info: GraphQLResolveInfo[HubContext], **arguments: Any) -> ScreeningResult:
    """``Mutation.screen`` straight from graphql-core's coerced arguments.

    Strawberry turns each of up to 1,000 ``IdentityInput`` objects into a dataclass field by
    field, which cost about 40% of a batch's time; the coerced dicts are enough here. The
    schema, its types and the field's checks are unchanged.
    """
    batch = [
        Identity(
            name=raw["name"], resident_id=raw.get("residentId"), uscc=raw.get("uscc"), birth_date=raw.get("birthDate")
        )
        for raw in arguments["identities"]
    ]
    return await run_screen(info.context, arguments["matter"], batch, arguments.get("hotelCode"))


# Root fields that hub.planner.resolved may run without the executor, and their resolvers.
SHORTCUTS = {"screen": _screen_raw}


def install_fast_paths(schema: GraphQLSchema) -> None:
    """Resolve the hot screening field without strawberry's argument conversion."""
    mutation = schema.mutation_type
    assert mutation is not None
    mutation.fields["screen"].resolve = _screen_raw
