"""The explainable integrity score: the rule sets (versions) and a subject's score with its items."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry

from hub.errors import InvalidInput
from hub.identity import parse_resident_id, parse_uscc
from hub.sanctions import score as scoring
from hub.schema.arguments import arg
from hub.schema.context import Info
from hub.schema.court import ListKind
from hub.schema.sanctions import SanctionOutcome

# What the audit record of a read that asks for a score notes next to its fields, per version.
AUDIT_PREFIX = "IntegrityScoreRules:"


@strawberry.enum(description="The kind of fact a score rule matches.")
class ScoreFact(Enum):
    LISTING = strawberry.enum_value(
        "listing", description="An entry of a list kind (punishment or red list) active on the day asked about."
    )
    RATING = strawberry.enum_value(
        "rating", description="A credit rating of a scheme at a level, current at the time asked about."
    )
    FEEDBACK = strawberry.enum_value(
        "feedback",
        description=(
            "What an agency reported after an interception, within the rule's window: a sanction applied, or "
            "the debtor paying or settling on the spot (payment after an interception)."
        ),
    )


@strawberry.type(description="One rule of an integrity score rule set: what it matches, its points, cap and basis.")
class ScoreRule:
    code: str = strawberry.field(description="The rule's code within its version, e.g. DISHONEST_LISTED.")
    fact: ScoreFact = strawberry.field(description="The kind of fact it matches.")
    list_kind: ListKind | None = strawberry.field(
        description="LISTING rules: the list kind whose active entries count."
    )
    scheme: str | None = strawberry.field(description="RATING rules: the rating scheme's code.")
    level: str | None = strawberry.field(description="RATING rules: the level that counts.")
    outcome: SanctionOutcome | None = strawberry.field(
        description="FEEDBACK rules: the outcome an agency reported that counts."
    )
    window_months: int | None = strawberry.field(
        description="FEEDBACK rules: only what occurred in this many months before the time asked about counts."
    )
    points: int = strawberry.field(description="Points per matching fact; negative lowers the score.")
    cap: int | None = strawberry.field(
        description="The most the rule's facts together move the score (absolute value); null: no cap."
    )
    description: str = strawberry.field(description="What the rule counts, in a sentence.")
    legal_basis: str = strawberry.field(description="The rule or policy the rule rests on, as the rule set cites it.")


def _rule(rule: scoring.Rule) -> ScoreRule:
    return ScoreRule(
        code=rule.code,
        fact=ScoreFact(rule.fact),
        list_kind=None if rule.list_kind is None else ListKind(rule.list_kind),
        scheme=rule.scheme,
        level=rule.level_code,
        outcome=None if rule.outcome is None else SanctionOutcome(rule.outcome),
        window_months=rule.window_months,
        points=rule.points,
        cap=rule.cap,
        description=rule.description,
        legal_basis=rule.legal_basis,
    )


@strawberry.type(description="A version of the integrity score's rules; published versions never change.")
class ScoreRuleSet:
    version: str = strawberry.field(description="The version code; pass it as integrityScore(rules:).")
    effective_from: datetime.date = strawberry.field(
        description="The first day (China time) the version is used when no version is asked for."
    )
    base_score: int = strawberry.field(description="The score of a subject no rule matches.")
    min_score: int = strawberry.field(description="The lowest score: base plus items is clamped to it.")
    max_score: int = strawberry.field(description="The highest score: base plus items is clamped to it.")
    description: str = strawberry.field(description="What the rule set is.")
    source_note: str = strawberry.field(
        description="Where the rules come from and how far they may be relied on (e.g. illustrative, not official)."
    )
    published_at: datetime.datetime = strawberry.field(description="When the version was published and frozen.")
    rules: list[ScoreRule] = strawberry.field(description="Its rules, in order.")


def _rule_set(rules: scoring.RuleSet) -> ScoreRuleSet:
    return ScoreRuleSet(
        version=rules.version,
        effective_from=rules.effective_from,
        base_score=rules.base_score,
        min_score=rules.min_score,
        max_score=rules.max_score,
        description=rules.description,
        source_note=rules.source_note,
        published_at=rules.published_at,
        rules=[_rule(r) for r in rules.rules],
    )


@strawberry.type(description="One item of a score: the rule, the fact it matched, the points it counts.")
class ScoreItem:
    rule: str = strawberry.field(description="The code of the rule that matched.")
    fact: ScoreFact = strawberry.field(description="The kind of fact matched.")
    points: int = strawberry.field(
        description="The points counted: the rule's points, less once the rule's cap is reached (then 0)."
    )
    rule_points: int = strawberry.field(description="The rule's points per fact, before its cap.")
    capped: bool = strawberry.field(description="True when the rule's cap cut this item's points.")
    legal_basis: str = strawberry.field(description="The rule's legal basis or policy source.")
    explanation: str = strawberry.field(
        description="The fact in a sentence, e.g. 'active dishonest list entry 12 ...'."
    )
    list_kind: ListKind | None = strawberry.field(description="LISTING: the entry's list kind.")
    listing_id: strawberry.ID | None = strawberry.field(description="LISTING: the entry's id.")
    published_on: datetime.date | None = strawberry.field(description="LISTING: when the entry was published.")
    scheme: str | None = strawberry.field(description="RATING: the scheme's code.")
    level: str | None = strawberry.field(description="RATING: the level given.")
    rating_id: strawberry.ID | None = strawberry.field(description="RATING: the rating's id.")
    rated_on: datetime.date | None = strawberry.field(description="RATING: the date of the rating.")
    expires_on: datetime.date | None = strawberry.field(description="RATING: the rating holds on the days before.")
    outcome: SanctionOutcome | None = strawberry.field(description="FEEDBACK: the outcome the agency reported.")
    interception_id: strawberry.ID | None = strawberry.field(description="FEEDBACK: the interception it followed.")
    occurred_at: datetime.datetime | None = strawberry.field(description="FEEDBACK: when it happened.")


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


def _item(item: scoring.Item) -> ScoreItem:
    return ScoreItem(
        rule=item.rule.code,
        fact=ScoreFact(item.rule.fact),
        points=item.points,
        rule_points=item.rule.points,
        capped=item.capped,
        legal_basis=item.rule.legal_basis,
        explanation=item.fact,
        list_kind=None if item.list_kind is None else ListKind(item.list_kind),
        listing_id=_id(item.listing_id),
        published_on=item.published_on,
        scheme=item.scheme,
        level=item.level_code,
        rating_id=_id(item.rating_id),
        rated_on=item.rated_on,
        expires_on=item.expires_on,
        outcome=None if item.outcome is None else SanctionOutcome(item.outcome),
        interception_id=_id(item.interception_id),
        occurred_at=item.occurred_at,
    )


@strawberry.type(
    description="A subject's integrity score with everything that made it: score = clamp(baseScore + sum(items))."
)
class IntegrityScore:
    score: int = strawberry.field(description="The score: baseScore plus the items' points, clamped to the bounds.")
    base_score: int = strawberry.field(description="The rule set's base score.")
    unclamped: int = strawberry.field(description="baseScore plus the items' points, before clamping.")
    min_score: int = strawberry.field(description="The rule set's lowest score.")
    max_score: int = strawberry.field(description="The rule set's highest score.")
    rules_version: str = strawberry.field(description="The version of the rules used (recorded in the audit trail).")
    as_of: datetime.datetime = strawberry.field(description="The time the score is as of.")
    explanation: str = strawberry.field(
        description="The sum in one line, e.g. '600 (base) - 200 (DISHONEST_LISTED) = 400'."
    )
    items: list[ScoreItem] = strawberry.field(description="The items, in rule order then fact date.")


def to_integrity_score(info: Info, found: scoring.Score) -> IntegrityScore:
    info.context.returned_subjects.add(found.subject_id)
    info.context.audit_notes.add(AUDIT_PREFIX + found.rules.version)
    return IntegrityScore(
        score=found.score,
        base_score=found.rules.base_score,
        unclamped=found.unclamped,
        min_score=found.rules.min_score,
        max_score=found.rules.max_score,
        rules_version=found.rules.version,
        as_of=found.as_of,
        explanation=found.explanation,
        items=[_item(i) for i in found.items],
    )


@strawberry.type
class ScoreQuery:
    @strawberry.field(
        description=(
            "A person's or organisation's integrity score as of a time, under a version of the rules, with "
            "every item that made it (rule, fact, points, legal basis): no black box. Give exactly one of "
            "residentId and uscc (BAD_USER_INPUT otherwise; INVALID_IDENTIFIER for a number failing its "
            "checks). Null when the hub does not know the subject. An unknown rules version is BAD_USER_INPUT "
            "with extensions.unknownVersion and extensions.versions (the versions there are). The same version "
            "and asOf give the same answer again: published rules never change. The audit record of the read "
            "notes the version used."
        )
    )
    async def integrity_score(
        self,
        info: Info,
        resident_id: Annotated[str | None, arg("The person's resident ID (18 or 15 characters).")] = None,
        uscc: Annotated[str | None, arg("The organisation's unified social credit code (18 characters).")] = None,
        as_of: Annotated[
            datetime.datetime | None,
            arg("The time the score is as of, with its offset; now by default; never in the future."),
        ] = None,
        rules: Annotated[
            str | None,
            arg("The rules version (see integrityScoreRules); by default the newest in effect on asOf's day."),
        ] = None,
    ) -> IntegrityScore | None:
        if (resident_id is None) == (uscc is None):
            raise InvalidInput("give exactly one of residentId and uscc", argument="residentId")
        if resident_id is not None:
            identifier, kind = parse_resident_id(resident_id).number, "person"
        else:
            assert uscc is not None
            identifier, kind = parse_uscc(uscc).code, "organisation"
        version = None if rules is None else rules.strip().upper()
        # The version is checked before the subject is looked up: the answer to a wrong version
        # says nothing about whether the hub knows the subject.
        if version is not None:
            await scoring.rule_sets(info.context.db, version)
        row = await info.context.loaders.subject_by_identifier.load(identifier)
        if row is None or row["kind"] != kind:
            return None
        return to_integrity_score(info, await scoring.compute(info.context.db, row["id"], version, as_of))

    @strawberry.field(
        description=(
            "The versions of the integrity score's rules, newest in effect first, each with its rules (what "
            "they match, points, cap, legal basis); only `version` when given (BAD_USER_INPUT naming the "
            "versions there are when unknown)."
        )
    )
    async def integrity_score_rules(
        self, info: Info, version: Annotated[str | None, arg("Only this version.")] = None
    ) -> list[ScoreRuleSet]:
        chosen = None if version is None else version.strip().upper()
        return [_rule_set(r) for r in await scoring.rule_sets(info.context.db, chosen)]
