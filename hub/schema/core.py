"""Subjects: persons and organisations, and the lists that hang off them."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.errors import InvalidInput
from hub.identity import mask_resident_id, mask_uscc
from hub.identity.regions import region_name
from hub.loaders.base import PageKey
from hub.schema.context import Info
from hub.schema.pagination import After, Connection, First, page_args, page_connection
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.policy.rules import EffectivePolicy
    from hub.schema.court import EnforcementCase, Listing
    from hub.schema.land import RealEstateHolding
    from hub.schema.market import CompanyRegistration, Directorship, Shareholding
    from hub.schema.police import Vehicle
    from hub.schema.ratings import Rating

CaseT = Annotated["EnforcementCase", strawberry.lazy("hub.schema.court")]
ListingT = Annotated["Listing", strawberry.lazy("hub.schema.court")]
HoldingT = Annotated["RealEstateHolding", strawberry.lazy("hub.schema.land")]
VehicleT = Annotated["Vehicle", strawberry.lazy("hub.schema.police")]
ShareholdingT = Annotated["Shareholding", strawberry.lazy("hub.schema.market")]
DirectorshipT = Annotated["Directorship", strawberry.lazy("hub.schema.market")]
RegistrationT = Annotated["CompanyRegistration", strawberry.lazy("hub.schema.market")]
RatingT = Annotated["Rating", strawberry.lazy("hub.schema.ratings")]


@strawberry.enum(description="Whether a subject is a natural person or an organisation.")
class SubjectKind(Enum):
    PERSON = strawberry.enum_value("person", description="A natural person, keyed by resident ID.")
    ORGANISATION = strawberry.enum_value(
        "organisation", description="An organisation, keyed by unified social credit code."
    )


@strawberry.enum(description="Sex as encoded in the 17th digit of the resident ID.")
class Sex(Enum):
    MALE = strawberry.enum_value("male", description="Odd 17th digit.")
    FEMALE = strawberry.enum_value("female", description="Even 17th digit.")


@strawberry.type(description="An administrative division (GB/T 2260 six-digit code).")
class Region:
    code: str = strawberry.field(description="Six-digit division code, e.g. 350102.")

    @strawberry.field(description="Full name of the division, e.g. 福建省福州市鼓楼区; null if the code is unknown.")
    def name(self) -> str | None:
        return region_name(self.code)


@strawberry.interface(
    description=(
        "A person or organisation known to the hub: a debtor on a list, an owner of assets, an "
        "officer of a company. Query `... on Person` or `... on Organisation` for the fields "
        "of each kind."
    )
)
class Subject:
    db_id: strawberry.Private[int]
    id: strawberry.ID = strawberry.field(
        description="The hub's internal id of the subject; stable, use it with `subject(id:)`."
    )
    kind: SubjectKind = strawberry.field(description="Person or organisation.")
    name: str = strawberry.field(description="Name as registered (Chinese characters).")
    region: Region = strawberry.field(
        description="Persons: the region encoded in the resident ID; organisations: in the USCC."
    )

    @strawberry.field(
        description=(
            "Entries of this subject on the hub's lists (every list kind: listKinds), "
            "oldest first. Removed entries are left out unless `includeRemoved` is true, and then shown per "
            "entry: to the platform operator, and to agencies of a kind that publishes the entry's list kind "
            "(listKinds.publisherKinds: courts the courts' lists, agriculture its blacklists and the red list); "
            "an entry removed by credit repair (CREDIT_REPAIR) only to its publisher (an agency of its kind "
            "whose area covers it) and the operator."
        )
    )
    async def listings(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        include_removed: Annotated[
            bool,
            strawberry.argument(
                description=(
                    "Also return entries already removed from the list, those you may see in history. Refused "
                    "(BAD_USER_INPUT) for agencies that publish no list."
                )
            ),
        ] = False,
    ) -> Connection[ListingT]:
        from hub.schema.court import listing_from_row

        if include_removed and not sees_removed(info):
            raise InvalidInput(REMOVED_REFUSED, argument="includeRemoved")
        scope = f"Subject.listings:{int(include_removed)}"
        args = page_args(info.context, scope, first, after, include_removed, info.context.principal.agency_id)
        page = await info.context.loaders.listings_by_subject.load(PageKey(self.db_id, args))
        return page_connection(info.context, scope, page, listing_from_row)

    @strawberry.field(description="Enforcement cases in which this subject is a debtor, oldest first.")
    async def cases(self, info: Info, first: First = None, after: After = None) -> Connection[CaseT]:
        from hub.schema.court import case_from_row

        args = page_args(info.context, "Subject.cases", first, after)
        page = await info.context.loaders.cases_by_subject.load(PageKey(self.db_id, args))
        return page_connection(info.context, "Subject.cases", page, case_from_row)

    @strawberry.field(description="Real estate this subject owns in the land registry, with its share of each.")
    async def real_estate(self, info: Info, first: First = None, after: After = None) -> Connection[HoldingT]:
        from hub.schema.land import holding_from_row

        args = page_args(info.context, "Subject.realEstate", first, after)
        page = await info.context.loaders.holdings_by_subject.load(PageKey(self.db_id, args))
        return page_connection(info.context, "Subject.realEstate", page, holding_from_row)

    @strawberry.field(
        description=(
            "Motor vehicles registered to this subject with the police. Null, with an error at "
            "this path, when they could not be read: code SOURCE_UNAVAILABLE when the police "
            "system, asked at query time, is slow or down (the rest of the response is complete)."
        )
    )
    async def vehicles(self, info: Info, first: First = None, after: After = None) -> Connection[VehicleT] | None:
        from hub.schema.police import owner_vehicles

        return await owner_vehicles(info, self.db_id, identifier_of(self), first, after)

    @strawberry.field(description="Equity this subject holds in companies registered with market supervision.")
    async def shareholdings(self, info: Info, first: First = None, after: After = None) -> Connection[ShareholdingT]:
        from hub.schema.market import shareholding_from_row

        args = page_args(info.context, "Subject.shareholdings", first, after)
        page = await info.context.loaders.shareholdings_by_holder.load(PageKey(self.db_id, args))
        return page_connection(info.context, "Subject.shareholdings", page, shareholding_from_row)

    @strawberry.field(
        description=(
            "The subject's current credit ratings, one per scheme that rates it: neither withdrawn nor "
            "superseded, and before their expiry. Empty when no scheme rates it now."
        )
    )
    async def ratings(self, info: Info) -> list[RatingT]:
        from hub.schema.ratings import current_ratings

        return await current_ratings(info, self.db_id)

    @strawberry.field(
        description=(
            "Every rating of the subject, newest first: current, superseded, withdrawn and expired. Rating "
            "authorities see the ratings of the schemes their agency kind owns, the platform operator all."
        )
    )
    async def rating_history(
        self,
        info: Info,
        scheme: Annotated[str | None, strawberry.argument(description="Only this scheme's ratings (its code).")] = None,
    ) -> list[RatingT]:
        from hub.schema.ratings import rating_history

        return await rating_history(info, self.db_id, scheme)


@strawberry.type(description="A natural person identified by an 18-character resident ID.")
class Person(Subject):
    number: strawberry.Private[str]
    sex: Sex = strawberry.field(description="Sex derived from the resident ID.")
    birth_date: datetime.date = strawberry.field(description="Birth date derived from the resident ID.")

    @strawberry.field(
        description=(
            "Resident ID number (GB 11643), 18 characters, normalised (upper-case X). Shown in "
            "full or in the courts' public form with birth month and day hidden "
            "(3501021964****3224), as the agency's policy says."
        )
    )
    def resident_id(self, info: Info) -> str:
        if info.context.policy.identifier_mode("resident_id") == "FULL":
            return self.number
        return mask_resident_id(self.number)

    @strawberry.field(
        description=(
            "Roles this person holds in companies: legal representative, executive, director, "
            "supervisor, actual controller. This is how to reach a person's companies."
        )
    )
    async def directorships(self, info: Info, first: First = None, after: After = None) -> Connection[DirectorshipT]:
        from hub.schema.market import directorship_from_row

        args = page_args(info.context, "Person.directorships", first, after)
        page = await info.context.loaders.directorships_by_person.load(PageKey(self.db_id, args))
        return page_connection(info.context, "Person.directorships", page, directorship_from_row)


@strawberry.type(description="An organisation identified by its unified social credit code.")
class Organisation(Subject):
    code: strawberry.Private[str]

    @strawberry.field(
        description=(
            "Unified social credit code (GB 32100), 18 characters; masked in the middle "
            "(91350100********43) where the agency's policy says so."
        )
    )
    def uscc(self, info: Info) -> str:
        if info.context.policy.identifier_mode("uscc") == "FULL":
            return self.code
        return mask_uscc(self.code)

    @strawberry.field(
        description="Registration with market supervision; null if the organisation is not a registered company."
    )
    async def registration(self, info: Info) -> RegistrationT | None:
        from hub.schema.market import registration_from_row

        row = await info.context.loaders.company_by_subject.load(self.db_id)
        return None if row is None else registration_from_row(row)

    @strawberry.field(description="The company's legal representative (法定代表人), if registered.")
    async def legal_representative(self, info: Info) -> Person | None:
        officers = await info.context.loaders.directorships_by_company.load(self.db_id)
        for row in officers:
            if row["role"] == "legal_representative":
                subject = await load_subject(info, row["person_id"])
                return subject if isinstance(subject, Person) else None
        return None

    @strawberry.field(description="Persons registered as the company's actual controllers (实际控制人).")
    async def actual_controllers(self, info: Info) -> list[Person]:
        officers = await info.context.loaders.directorships_by_company.load(self.db_id)
        ids = [r["person_id"] for r in officers if r["role"] == "actual_controller"]
        subjects = await info.context.loaders.subject_by_id.load_many(ids)
        return [to_subject(info, r) for r in subjects if r is not None]  # type: ignore[misc]

    @strawberry.field(
        description=(
            "Every registered role in the company: legal representative, executives, "
            "directors, supervisors, controllers."
        )
    )
    async def officers(self, info: Info) -> list[DirectorshipT]:
        from hub.schema.market import directorship_from_row

        rows = await info.context.loaders.directorships_by_company.load(self.db_id)
        return [directorship_from_row(r) for r in rows]

    @strawberry.field(description="The company's shareholders and their shares, largest holder id order.")
    async def shareholders(self, info: Info, first: First = None, after: After = None) -> Connection[ShareholdingT]:
        from hub.schema.market import shareholding_from_row

        args = page_args(info.context, "Organisation.shareholders", first, after)
        page = await info.context.loaders.shareholdings_by_company.load(PageKey(self.db_id, args))
        return page_connection(info.context, "Organisation.shareholders", page, shareholding_from_row)


def identifier_of(subject: Subject) -> str:
    """The subject's resident ID or USCC, as other agencies' systems know it."""
    if isinstance(subject, Person):
        return subject.number
    assert isinstance(subject, Organisation)
    return subject.code


def sees_removed(info: Info) -> bool:
    """Whether the reading agency may ask for removed list entries at all."""
    return sees_removed_policy(info.context.policy)


def sees_removed_policy(policy: EffectivePolicy) -> bool:
    """Removed list entries stay in history for the operator and for the agencies that keep
    lists: those whose policy lets them change a list (``Mutation.removeListing``, the
    ``list_publishers`` of rules.toml, kinds named in sanctions.list_kind.publisher_kinds).
    Which removed entries each sees is decided per entry and list kind in SQL
    (``court.listing_history_visible_to``, 0026_listing_history.sql)."""
    return policy.operator or "Mutation.removeListing" in policy.allowed


REMOVED_REFUSED = (
    "removed entries are kept for the platform operator and the agencies that publish a list only "
    "(each sees its own list kinds' entries)"
)


def to_subject(info: Info, row: Row) -> Subject:
    """The GraphQL object for a subject row; notes that its data is being returned."""
    info.context.returned_subjects.add(row["id"])
    common = {
        "db_id": row["id"],
        "id": strawberry.ID(str(row["id"])),
        "name": row["name"],
        "region": Region(code=row["region"]),
    }
    if row["kind"] == "person":
        return Person(
            kind=SubjectKind.PERSON,
            number=row["identifier"],
            sex=Sex(row["sex"]),
            birth_date=row["birth_date"],
            **common,
        )
    return Organisation(kind=SubjectKind.ORGANISATION, code=row["identifier"], **common)


async def load_subject(info: Info, subject_id: int) -> Subject | None:
    row = await info.context.loaders.subject_by_id.load(subject_id)
    return None if row is None else to_subject(info, row)
