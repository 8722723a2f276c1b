"""Credit ratings: the schemes rating authorities define, and the ratings they publish."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.errors import InvalidInput
from hub.identity import parse_resident_id, parse_uscc
from hub.sanctions import ratings
from hub.schema.arguments import arg, hub_id
from hub.schema.context import Info
from hub.sources import ratings as source
from hub.sources.base import Row

if TYPE_CHECKING:
    from hub.schema.core import SubjectKind

SubjectKindT = Annotated["SubjectKind", strawberry.lazy("hub.schema.core")]


@strawberry.enum(description="What a rating level brings with it.")
class RatingMeasureKind(Enum):
    SUPERVISION = strawberry.enum_value(
        "supervision", description="A supervision class: how often the subject is inspected (see inspectionMultiplier)."
    )
    INCENTIVE = strawberry.enum_value("incentive", description="A reward for the trustworthy (priority, support).")
    RESTRICTION = strawberry.enum_value("restriction", description="A restriction or punishment.")


@strawberry.type(description="What follows a rating level, with its legal basis.")
class RatingMeasure:
    kind: RatingMeasureKind = strawberry.field(description="Supervision class, incentive or restriction.")
    description_zh: str = strawberry.field(description="What the measure is, in Chinese.")
    description_en: str = strawberry.field(description="What the measure is, in English.")
    inspection_multiplier: float | None = strawberry.field(
        description=(
            "Supervision classes: routine or random inspections relative to the ordinary frequency "
            "(2.0: inspected twice as often; 0.5: half as often); null for other measures."
        )
    )
    legal_basis: str = strawberry.field(description="The rule the measure rests on, as the scheme cites it.")


@strawberry.type(description="One level of a rating scheme (A, B, C...).")
class RatingLevel:
    scheme_id: strawberry.Private[int]
    code: str = strawberry.field(description="The level as published, e.g. A.")
    rank: int = strawberry.field(description="Order within the scheme: 1 is the best level.")
    meaning_zh: str = strawberry.field(description="What the level means, in Chinese.")
    meaning_en: str = strawberry.field(description="What the level means, in English.")

    @strawberry.field(description="The measures or supervision class this level maps to, in order.")
    async def measures(self, info: Info) -> list[RatingMeasure]:
        rows = await info.context.loaders.measures_by_level.load(f"{self.scheme_id}:{self.code}")
        return [
            RatingMeasure(
                kind=RatingMeasureKind(r["kind"]),
                description_zh=r["description_zh"],
                description_en=r["description_en"],
                inspection_multiplier=None if r["inspection_multiplier"] is None else float(r["inspection_multiplier"]),
                legal_basis=r["legal_basis"],
            )
            for r in rows
        ]


def _level(row: Row) -> RatingLevel:
    return RatingLevel(
        scheme_id=row["scheme_id"],
        code=row["code"],
        rank=row["rank"],
        meaning_zh=row["meaning_zh"],
        meaning_en=row["meaning_en"],
    )


@strawberry.type(description="A credit rating scheme, defined as data by the authority that owns it.")
class RatingScheme:
    db_id: strawberry.Private[int]
    code: str = strawberry.field(description="The scheme's code, e.g. FJ-MARKET-CREDIT-RISK; use it in rateSubject.")
    name_zh: str = strawberry.field(description="Name in Chinese, e.g. 企业信用风险分类.")
    name_en: str = strawberry.field(description="Name in English.")
    authority_kind: str = strawberry.field(
        description="The agency kind that owns the scheme and alone may rate under it: agriculture, market or tax."
    )
    subject_kinds: list[SubjectKindT] = strawberry.field(description="Whom the scheme rates.")
    validity_months: int = strawberry.field(description="How long a rating holds from its date, in months.")
    legal_basis: str = strawberry.field(description="The rules the scheme rests on.")
    source_note: str | None = strawberry.field(
        description="How the scheme's text was checked against its sources (what is paraphrased or not verified)."
    )

    @strawberry.field(description="The levels, best first.")
    async def levels(self, info: Info) -> list[RatingLevel]:
        return [_level(r) for r in await info.context.loaders.levels_by_scheme.load(self.db_id)]


def scheme_from_row(row: Row) -> RatingScheme:
    from hub.schema.core import SubjectKind

    return RatingScheme(
        db_id=row["id"],
        code=row["code"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        authority_kind=row["authority_kind"],
        subject_kinds=[SubjectKind(k) for k in row["subject_kinds"]],
        validity_months=row["validity_months"],
        legal_basis=row["legal_basis"],
        source_note=row["source_note"],
    )


@strawberry.type(description="A rating of a subject under a scheme, with its evidence.")
class Rating:
    scheme_id: strawberry.Private[int]
    level_code: strawberry.Private[str]
    id: strawberry.ID = strawberry.field(description="The hub's id of the rating; use it with withdrawRating.")
    rated_on: datetime.date = strawberry.field(description="The date of the rating.")
    expires_on: datetime.date = strawberry.field(
        description="The rating holds on the days before this one (its date plus the scheme's validity)."
    )
    current: bool = strawberry.field(
        description="True while it counts: neither withdrawn nor superseded, and before expiresOn (China time)."
    )
    evidence: str = strawberry.field(description="What the rating rests on, as the authority wrote it.")
    evidence_document: str | None = strawberry.field(
        description="Reference to the evidence document (its number or file reference), if given."
    )
    rated_by: str = strawberry.field(description="The name of the agency that published the rating.")
    superseded_at: datetime.datetime | None = strawberry.field(
        description="When a newer rating of the same scheme replaced it; null if it was not replaced."
    )
    superseded_by: strawberry.ID | None = strawberry.field(description="The rating that replaced it.")
    withdrawn_at: datetime.datetime | None = strawberry.field(description="When it was withdrawn; null if not.")
    withdrawal_reason: str | None = strawberry.field(description="Why it was withdrawn.")

    @strawberry.field(description="The scheme the rating is under.")
    async def scheme(self, info: Info) -> RatingScheme:
        row = await info.context.loaders.scheme_by_id.load(self.scheme_id)
        assert row is not None, "a scheme is never deleted"
        return scheme_from_row(row)

    @strawberry.field(description="The level given, with its meaning and measures.")
    async def level(self, info: Info) -> RatingLevel:
        for row in await info.context.loaders.levels_by_scheme.load(self.scheme_id):
            if row["code"] == self.level_code:
                return _level(row)
        raise AssertionError("a rating's level belongs to its scheme")


def rating_from_row(row: Row) -> Rating:
    superseded = row["superseded_by"]
    return Rating(
        scheme_id=row["scheme_id"],
        level_code=row["level_code"],
        id=strawberry.ID(str(row["id"])),
        rated_on=row["rated_on"],
        expires_on=row["expires_on"],
        current=row["current"],
        evidence=row["evidence"],
        evidence_document=row["evidence_document"],
        rated_by=row["rated_by_name"],
        superseded_at=row["superseded_at"],
        superseded_by=None if superseded is None else strawberry.ID(str(superseded)),
        withdrawn_at=row["withdrawn_at"],
        withdrawal_reason=row["withdrawal_reason"],
    )


async def current_ratings(info: Info, subject_id: int) -> list[Rating]:
    return [rating_from_row(r) for r in await info.context.loaders.current_ratings_by_subject.load(subject_id)]


async def rating_history(info: Info, subject_id: int, scheme: str | None) -> list[Rating]:
    principal = info.context.principal
    # The operator sees every scheme's history; an authority its own kind's schemes.
    kind = None if principal.kind == "platform" else principal.kind
    rows = await info.context.loaders.rating_history_by_subject.load((subject_id, kind))
    if scheme is not None:
        ids = {r["id"] for r in await source.schemes(info.context.db, None) if r["code"] == scheme}
        if not ids:
            raise InvalidInput(f"no rating scheme {scheme}; see ratingSchemes", argument="scheme")
        rows = [r for r in rows if r["scheme_id"] in ids]
    return [rating_from_row(r) for r in rows]


async def _rating(info: Info, rating_id: int) -> Rating:
    row = await source.rating_by_id(info.context.db, rating_id)
    assert row is not None
    info.context.returned_subjects.add(row["subject_id"])
    return rating_from_row(row)


@strawberry.type
class RatingQuery:
    @strawberry.field(
        description=(
            "The credit rating schemes the hub holds, by code: who owns each, its levels in order, what "
            "each level means and the measures or supervision class it maps to, with their legal basis."
        )
    )
    async def rating_schemes(
        self,
        info: Info,
        authority_kind: Annotated[
            str | None, arg("Only the schemes owned by this agency kind, e.g. market or agriculture.")
        ] = None,
    ) -> list[RatingScheme]:
        return [scheme_from_row(r) for r in await source.schemes(info.context.db, authority_kind)]


@strawberry.input(description="A measure a level maps to, with its legal basis.")
class RatingMeasureInput:
    kind: RatingMeasureKind = strawberry.field(
        description="SUPERVISION (give inspectionMultiplier), INCENTIVE or RESTRICTION."
    )
    description_zh: str = strawberry.field(description="What the measure is, in Chinese (1 to 1000 characters).")
    description_en: str = strawberry.field(description="What the measure is, in English (1 to 1000 characters).")
    legal_basis: str = strawberry.field(description="The rule it rests on (1 to 2000 characters).")
    inspection_multiplier: float | None = strawberry.field(
        default=None,
        description=(
            "SUPERVISION only: inspections relative to the ordinary frequency, 0.01 to 99.99 (2: twice as often)."
        ),
    )


@strawberry.input(description="One level of a new scheme.")
class RatingLevelInput:
    code: str = strawberry.field(description="The level as published: 1 to 8 of A-Z, 0-9, '+', '-', e.g. A.")
    meaning_zh: str = strawberry.field(description="What the level means, in Chinese.")
    meaning_en: str = strawberry.field(description="What the level means, in English.")
    measures: list[RatingMeasureInput] = strawberry.field(
        default_factory=list, description="The measures or supervision class the level maps to, in order."
    )


@strawberry.input(description="A new credit rating scheme, owned by the defining agency's kind.")
class RatingSchemeInput:
    code: str = strawberry.field(
        description="Its code: 2 to 64 of A-Z, 0-9, '_', '-', starting with a letter; never reused."
    )
    name_zh: str = strawberry.field(description="Name in Chinese.")
    name_en: str = strawberry.field(description="Name in English.")
    subject_kinds: list[SubjectKindT] = strawberry.field(description="Whom it rates: PERSON, ORGANISATION or both.")
    validity_months: int = strawberry.field(description="How long a rating holds from its date, 1 to 120 months.")
    legal_basis: str = strawberry.field(description="The rules the scheme rests on.")
    levels: list[RatingLevelInput] = strawberry.field(description=f"2 to {ratings.MAX_LEVELS} levels, best first.")
    source_note: str | None = strawberry.field(
        default=None, description="How the text was checked against its sources (what is paraphrased)."
    )


@strawberry.type
class RatingMutation:
    @strawberry.mutation(
        description=(
            "Define a credit rating scheme as data, owned by your agency kind (agriculture, market or tax: "
            "NOT_RATING_AUTHORITY for any other): its levels in order, what each means, the validity of a "
            "rating and the measures or supervision class each level maps to, with their legal basis. A "
            "scheme is not redefined: a changed scheme gets a new code. Refused with BAD_USER_INPUT naming "
            "the argument when a value breaks a rule; nothing is stored then."
        )
    )
    async def define_rating_scheme(
        self, info: Info, input: Annotated[RatingSchemeInput, arg("The new scheme.")]
    ) -> RatingScheme:
        definition = ratings.SchemeDefinition(
            code=input.code.strip().upper(),
            name_zh=input.name_zh,
            name_en=input.name_en,
            subject_kinds=tuple(dict.fromkeys(str(k.value) for k in input.subject_kinds)),
            validity_months=input.validity_months,
            legal_basis=input.legal_basis,
            source_note=input.source_note,
            levels=tuple(
                ratings.LevelDefinition(
                    code=level.code.strip().upper(),
                    meaning_zh=level.meaning_zh,
                    meaning_en=level.meaning_en,
                    measures=tuple(
                        ratings.MeasureDefinition(
                            kind=str(m.kind.value),
                            description_zh=m.description_zh,
                            description_en=m.description_en,
                            inspection_multiplier=m.inspection_multiplier,
                            legal_basis=m.legal_basis,
                        )
                        for m in level.measures
                    ),
                )
                for level in input.levels
            ),
        )
        scheme_id = await ratings.define_scheme(info.context.db, info.context.principal, definition)
        row = (await source.schemes_by_ids(info.context.db, [scheme_id]))[scheme_id]
        return scheme_from_row(row)

    @strawberry.mutation(
        description=(
            "Publish a credit rating of a subject under a scheme your agency kind owns (rating authorities; "
            "the subject's region must lie in your area). Give exactly one of residentId and uscc. A newer "
            "rating of the same scheme supersedes the subject's previous one, which stays in the history; "
            "agencies are told by a rating.published event. Refused with NOT_RATING_AUTHORITY when your agency "
            "does not own the scheme, BAD_USER_INPUT naming the argument for an unknown scheme or a level "
            "outside it, INVALID_IDENTIFIER for an identifier failing its checksum, NOT_FOUND for a subject "
            "the hub does not know."
        )
    )
    async def rate_subject(
        self,
        info: Info,
        scheme: Annotated[str, arg("The scheme's code, e.g. FJ-MARKET-CREDIT-RISK (see ratingSchemes).")],
        level: Annotated[str, arg("One of the scheme's levels, e.g. A.")],
        evidence: Annotated[str, arg("What the rating rests on (1 to 4000 characters).")],
        resident_id: Annotated[str | None, arg("The person's resident ID (18 characters).")] = None,
        uscc: Annotated[str | None, arg("The organisation's unified social credit code (18 characters).")] = None,
        evidence_document: Annotated[
            str | None, arg("Reference to the evidence document: its number or file reference (at most 500).")
        ] = None,
        rated_on: Annotated[datetime.date | None, arg("The date of the rating; today (China time) by default.")] = None,
    ) -> Rating:
        if (resident_id is None) == (uscc is None):
            raise InvalidInput("give exactly one of residentId and uscc", argument="residentId")
        if resident_id is not None:
            identifier, kind = parse_resident_id(resident_id).number, "person"
        else:
            assert uscc is not None
            identifier, kind = parse_uscc(uscc).code, "organisation"
        change = await ratings.rate(
            info.context.db,
            info.context.principal,
            scheme=scheme.strip().upper(),
            identifier=identifier,
            subject_kind=kind,
            level=level.strip().upper(),
            evidence=evidence,
            evidence_document=evidence_document,
            rated_on=rated_on or ratings.today(),
        )
        return await _rating(info, change.rating_id)

    @strawberry.mutation(
        description=(
            "Withdraw a rating (the scheme's authority, for a subject in its area) with the reason: it stops "
            "counting at once, stays in the history, and agencies are told by a rating.withdrawn event."
        )
    )
    async def withdraw_rating(
        self,
        info: Info,
        rating_id: Annotated[strawberry.ID, arg("The rating.")],
        reason: Annotated[str, arg("Why it is withdrawn (1 to 1000 characters).")],
    ) -> Rating:
        change = await ratings.withdraw(
            info.context.db, info.context.principal, hub_id(str(rating_id), "ratingId"), reason
        )
        return await _rating(info, change.rating_id)
