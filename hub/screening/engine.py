"""The screening decision: facts about one identity + the catalogue + the context -> an outcome.

Pure: no I/O, no clock. ``hub.screening.service`` gathers the facts and calls ``decide``.

Rules
-----
Only listings active at ``context.at`` are facts (published, not removed, term not run out;
a corrected listing in its current version); removed and expired listings never block.

A measure applies to a listing when
  * it follows the listing's list kind (sanctions.measure_list_kind), and that kind is a
    punishment list (entries of reward lists, such as the red list, never block);
  * it blocks ``context.matter``;
  * ``context.agency_kind`` is among its agency kinds (the ``platform`` kind is not filtered);
  * its condition holds in the context: ``hotel_min_stars`` needs the hotel open and rated
    at least that many stars.

For an identity, in this order:
  * INVALID     the identifier failed validation (``error``); the rest of the batch goes on.
  * BLOCK       the identifier resolves to a subject, the given name equals the subject's name
                (NFKC, whitespace removed) and a measure applies to one of its own listings
                (``LISTED``, reach ``self``) or, for a person, to a listing of a company where
                the person holds a role the measure ``reaches`` (``LISTED_VIA_ORGANISATION``,
                reach = the role: legal_representative, actual_controller, or executive for
                a principal or directly responsible person).
  * REVIEW      the identifier resolves to such a subject but the name differs
                (``NAME_DIFFERS``); or another listed subject with an applicable measure has
                the same name and birth date (from the resident ID or the given birth date:
                ``SAME_NAME_AND_BIRTH_DATE_LISTED``), which also applies when the identifier is
                unknown or not listed; or another listed subject's name is a traditional/
                simplified variant of the given name or reads the same in pinyin, with the
                same birth date (an identity without one: the same region)
                (``SIMILAR_NAME_LISTED``); or a pending candidate link ties the identity's
                subject to a listed subject (``PENDING_LINK_LISTED``: both are proposed
                candidates of one held mention, so which of them a source record means is
                open); or,
                given a name only, a listed subject of that exact name has an applicable
                measure (``NAME_ONLY_MATCH``). ``candidates`` holds the listed subjects behind
                it, ``measures`` what would apply to them and ``explanations`` which features
                agreed. Namesakes with another birth date are other people: no review.
  * ALLOW       otherwise: ``HOTEL_BELOW_THRESHOLD`` / ``HOTEL_CLOSED`` when a measure would
                apply but for the hotel, ``NO_MEASURE_FOR_MATTER`` when the subject is listed
                but no measure forbids this matter, else ``NOT_LISTED``.

Rewards: an identity resolved by identifier, with the subject's name, on a reward list (the
red list) whose incentive measures cover the matter, the agency kind and the context, gets
them in ``rewards`` (``REWARDED``) when the decision is ALLOW. Punishment prevails: with a
BLOCK or a REVIEW the rewards are withheld and ``REWARD_WITHHELD`` says why.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Final

from hub.errors import InvalidIdentifier
from hub.identity.names import Party, score

BLOCK: Final = "BLOCK"
REVIEW: Final = "REVIEW"
ALLOW: Final = "ALLOW"
INVALID: Final = "INVALID"

LISTED: Final = "LISTED"
LISTED_VIA_ORGANISATION: Final = "LISTED_VIA_ORGANISATION"
NAME_DIFFERS: Final = "NAME_DIFFERS"
SAME_NAME_AND_BIRTH_DATE_LISTED: Final = "SAME_NAME_AND_BIRTH_DATE_LISTED"
NAME_ONLY_MATCH: Final = "NAME_ONLY_MATCH"
SIMILAR_NAME_LISTED: Final = "SIMILAR_NAME_LISTED"
PENDING_LINK_LISTED: Final = "PENDING_LINK_LISTED"
HOTEL_BELOW_THRESHOLD: Final = "HOTEL_BELOW_THRESHOLD"
HOTEL_CLOSED: Final = "HOTEL_CLOSED"
CONDITION_NOT_MET: Final = "CONDITION_NOT_MET"
NOT_LISTED: Final = "NOT_LISTED"
NO_MEASURE_FOR_MATTER: Final = "NO_MEASURE_FOR_MATTER"
INVALID_IDENTIFIER: Final = "INVALID_IDENTIFIER"
REWARDED: Final = "REWARDED"
REWARD_WITHHELD: Final = "REWARD_WITHHELD"

PUNISHMENT: Final = "punishment"
REWARD: Final = "reward"

PLATFORM: Final = "platform"
# market.directorship roles -> the persons of 限高规定 art. 3 para. 2 they stand for.
ROLE_REACHES: Final[Mapping[str, frozenset[str]]] = {
    "legal_representative": frozenset({"legal_representative"}),
    "actual_controller": frozenset({"actual_controller"}),
    "executive": frozenset({"principal", "directly_responsible"}),
}


# ---------------------------------------------------------------- the API's types


@dataclass(frozen=True, slots=True)
class Identity:
    """One identity to screen: a name plus a resident ID or USCC, or a birth date, or nothing more."""

    name: str
    resident_id: str | None = None
    uscc: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class ScreeningContext:
    """The business matter and where it happens; ``at`` is aware (UTC)."""

    matter: str
    agency_kind: str
    hotel_code: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class MeasureHit:
    """A measure that applies, the listing and case (or decision) behind it, and how it reaches the subject."""

    measure_code: str
    measure_name: str
    legal_basis: str
    listing_id: int
    listing_version: int
    list: str
    # Court lists: the enforcement case and the executing court; null for other list kinds.
    case_id: int | None
    case_number: str | None
    court_code: str | None
    court_name: str | None
    # 'self', or the role through which an organisation's listing reaches this person.
    reach: str
    # The listed organisation when reach != 'self'.
    via_subject_id: int | None
    # Other list kinds: the publisher's decision document and the publisher.
    basis_document: str | None = None
    publisher_code: str | None = None
    publisher_name: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The decision for the identity at ``index`` of the batch."""

    index: int
    decision: str
    subject_id: int | None
    reasons: tuple[str, ...]
    measures: tuple[MeasureHit, ...]
    candidates: tuple[int, ...]
    error: InvalidIdentifier | None
    # For SIMILAR_NAME_LISTED and PENDING_LINK_LISTED: per candidate, what agreed and why.
    explanations: tuple[str, ...] = ()
    # Incentive measures the subject qualifies for (ALLOW only), from reward-list entries.
    rewards: tuple[MeasureHit, ...] = ()
    # Why the subject's rewards for this matter are withheld (punishment prevails); None if not.
    reward_withheld: str | None = None


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True, slots=True)
class Measure:
    code: str
    name: str
    # The list kinds it follows (sanctions.measure_list_kind).
    lists: frozenset[str]
    legal_basis: str
    matters: frozenset[str]
    agency_kinds: frozenset[str]
    condition: Mapping[str, Any] | None
    reaches: frozenset[str]
    nature: str = PUNISHMENT


@dataclass(frozen=True, slots=True)
class Catalogue:
    measures: tuple[Measure, ...]
    # Every matter code (core.matter), including those no measure blocks.
    matters: frozenset[str]
    # Every list kind's code and nature (punishment or reward).
    list_kinds: Mapping[str, str] = field(default_factory=dict)

    def is_reward(self, list_kind: str) -> bool:
        return self.list_kinds.get(list_kind) == REWARD

    def needs_hotel(self, matter: str) -> bool:
        return any(
            m.condition is not None and "hotel_min_stars" in m.condition and matter in m.matters for m in self.measures
        )


@dataclass(frozen=True, slots=True)
class Hotel:
    code: str
    stars: int
    status: str


def condition_failure(condition: Mapping[str, Any] | None, hotel: Hotel | None) -> str | None:
    """None when the condition holds in the context, else the reason it does not."""
    if not condition:
        return None
    for key, value in condition.items():
        if key == "hotel_min_stars":
            if hotel is None or hotel.status != "open":
                return HOTEL_CLOSED if hotel is not None else CONDITION_NOT_MET
            if hotel.stars < int(value):
                return HOTEL_BELOW_THRESHOLD
        else:
            # A condition this engine does not know cannot be shown to hold.
            return CONDITION_NOT_MET
    return None


# ---------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class ListedFact:
    """An active listing of a subject; ``role`` set when it reaches the screened person through a company."""

    subject_id: int
    listing_id: int
    listing_version: int
    list: str
    case_id: int | None
    case_number: str | None
    court_code: str | None
    court_name: str | None
    role: str | None = None
    # Similar and pending candidates: the listed subject's name, birth date and region.
    subject_name: str | None = None
    birth_date: date | None = None
    region: str | None = None
    # Entries of non-court list kinds: the decision document and the publisher.
    basis_document: str | None = None
    publisher_code: str | None = None
    publisher_name: str | None = None


@dataclass(slots=True)
class Facts:
    """What the database knows about one identity."""

    subject_id: int | None = None
    subject_name: str | None = None
    own: list[ListedFact] = field(default_factory=list)
    via: list[ListedFact] = field(default_factory=list)
    namesakes: list[ListedFact] = field(default_factory=list)
    name_matches: list[ListedFact] = field(default_factory=list)
    similar: list[ListedFact] = field(default_factory=list)
    pending: list[ListedFact] = field(default_factory=list)
    # The subject's own entries on reward lists (the red list).
    rewards: list[ListedFact] = field(default_factory=list)


def normalise_name(name: str) -> str:
    """NFKC (full-width to half-width) with all whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", name).split())


# ---------------------------------------------------------------- deciding


class Rules:
    """The catalogue narrowed to one context: measures that apply, per list."""

    __slots__ = ("_applies", "_rewards", "_withheld")

    def __init__(self, catalogue: Catalogue, matter: str, agency_kind: str, hotel: Hotel | None) -> None:
        applies: dict[str, list[Measure]] = {}
        rewards: dict[str, list[Measure]] = {}
        withheld: dict[str, str] = {}
        for m in catalogue.measures:
            if matter not in m.matters:
                continue
            if agency_kind != PLATFORM and agency_kind not in m.agency_kinds:
                continue
            failure = condition_failure(m.condition, hotel)
            for lst in sorted(m.lists):
                if catalogue.is_reward(lst):
                    if failure is None:
                        rewards.setdefault(lst, []).append(m)
                elif failure is None:
                    applies.setdefault(lst, []).append(m)
                else:
                    withheld.setdefault(lst, failure)
        self._applies = {k: tuple(v) for k, v in applies.items()}
        self._rewards = {k: tuple(v) for k, v in rewards.items()}
        # Per list: why measures that would apply do not (the first condition that failed).
        self._withheld = withheld

    def rewards(self, facts: Sequence[ListedFact]) -> list[MeasureHit]:
        """The incentive measures that the subject's reward-list entries give for this context."""
        found: list[MeasureHit] = []
        for fact in facts:
            found.extend(self._hit(m, fact, False) for m in self._rewards.get(fact.list, ()))
        return found

    @staticmethod
    def _hit(m: Measure, fact: ListedFact, via: bool) -> MeasureHit:
        return MeasureHit(
            measure_code=m.code,
            measure_name=m.name,
            legal_basis=m.legal_basis,
            listing_id=fact.listing_id,
            listing_version=fact.listing_version,
            list=fact.list,
            case_id=fact.case_id,
            case_number=fact.case_number,
            court_code=fact.court_code,
            court_name=fact.court_name,
            reach=(fact.role or "self") if via else "self",
            via_subject_id=fact.subject_id if via else None,
            basis_document=fact.basis_document,
            publisher_code=fact.publisher_code,
            publisher_name=fact.publisher_name,
        )

    def hits(self, fact: ListedFact, via: bool = False) -> list[MeasureHit]:
        measures = self._applies.get(fact.list, ())
        if via:
            reached = ROLE_REACHES.get(fact.role or "", frozenset())
            measures = tuple(m for m in measures if m.reaches & reached)
        return [self._hit(m, fact, via) for m in measures]

    def withheld(self, facts: Sequence[ListedFact]) -> str | None:
        for f in facts:
            reason = self._withheld.get(f.list)
            if reason is not None:
                return reason
        return None


def invalid(index: int, error: InvalidIdentifier) -> Outcome:
    return Outcome(index, INVALID, None, (INVALID_IDENTIFIER,), (), (), error)


def _candidates(facts: Sequence[ListedFact], rules: Rules) -> tuple[list[int], list[MeasureHit]]:
    ids: list[int] = []
    hits: list[MeasureHit] = []
    for f in facts:
        found = rules.hits(f)
        if found:
            hits.extend(found)
            if f.subject_id not in ids:
                ids.append(f.subject_id)
    return ids, hits


def _explained(
    facts: Sequence[ListedFact], rules: Rules, party: Party, pending: bool
) -> tuple[list[int], list[MeasureHit], list[str]]:
    ids, hits = _candidates(facts, rules)
    notes: list[str] = []
    for subject_id in ids:
        fact = next(f for f in facts if f.subject_id == subject_id)
        if pending:
            notes.append(f"subject {subject_id}: a held mention has both it and this identity as proposed candidates")
        else:
            subject = Party(fact.subject_name or "", None, None, fact.birth_date, fact.region)
            notes.append(f"subject {subject_id}: {score(party, subject).explanation}")
    return ids, hits, notes


def _review(
    facts: Facts, rules: Rules, name: str, birth_date: date | None, region: str | None
) -> tuple[tuple[str, ...], list[int], list[MeasureHit], list[str]]:
    """Reasons, candidates, hits and explanations from namesakes, similar names and pending links."""
    reasons: tuple[str, ...] = ()
    candidates: list[int] = []
    hits: list[MeasureHit] = []
    notes: list[str] = []
    if facts.namesakes:
        ids, found = _candidates(facts.namesakes, rules)
        if ids:
            reasons += (SAME_NAME_AND_BIRTH_DATE_LISTED,)
            candidates += ids
            hits += found
    party = Party(name, None, None, birth_date, region)
    for kind, listed, pending in (
        (SIMILAR_NAME_LISTED, facts.similar, False),
        (PENDING_LINK_LISTED, facts.pending, True),
    ):
        if not listed:
            continue
        ids, found, why = _explained(listed, rules, party, pending)
        if ids:
            reasons += (kind,)
            candidates += [i for i in ids if i not in candidates]
            hits += found
            notes += why
    return reasons, candidates, hits, notes


def decide(
    index: int,
    name: str,
    facts: Facts,
    rules: Rules,
    birth_date: date | None = None,
    region: str | None = None,
) -> Outcome:
    """The outcome for one identity; ``name`` is already normalised (``normalise_name``);
    ``birth_date`` and ``region`` (from the identifier, or given) only word explanations."""
    outcome = _decide(index, name, facts, rules, birth_date, region)
    earned = rules.rewards(facts.rewards) if facts.rewards else []
    if not earned:
        return outcome
    if outcome.decision == BLOCK:
        why = "punishment prevails: " + "; ".join(
            sorted({f"{h.measure_code} ({h.list} entry {h.listing_id})" for h in outcome.measures})
        )
    elif outcome.decision == REVIEW:
        why = "punishment may prevail: a listed subject matches in part and must be checked first"
    elif facts.subject_name is None or normalise_name(facts.subject_name) != name:
        why = "the name given differs from the subject's"
    else:
        return replace(outcome, reasons=(*outcome.reasons, REWARDED), rewards=tuple(earned))
    return replace(outcome, reasons=(*outcome.reasons, REWARD_WITHHELD), reward_withheld=why)


def _decide(
    index: int,
    name: str,
    facts: Facts,
    rules: Rules,
    birth_date: date | None,
    region: str | None,
) -> Outcome:
    subject_id = facts.subject_id
    own: list[MeasureHit] = []
    via: list[MeasureHit] = []
    for f in facts.own:
        own.extend(rules.hits(f))
    for f in facts.via:
        via.extend(rules.hits(f, via=True))

    if subject_id is not None and (own or via):
        if facts.subject_name is not None and normalise_name(facts.subject_name) == name:
            reasons = ((LISTED,) if own else ()) + ((LISTED_VIA_ORGANISATION,) if via else ())
            return Outcome(index, BLOCK, subject_id, reasons, tuple(own + via), (), None)
        candidates = [subject_id] if own else []
        for hit in via:
            if hit.via_subject_id is not None and hit.via_subject_id not in candidates:
                candidates.append(hit.via_subject_id)
        more, others, extra, notes = _review(facts, rules, name, birth_date, region)
        candidates += [c for c in others if c not in candidates]
        return Outcome(
            index,
            REVIEW,
            subject_id,
            (NAME_DIFFERS, *more),
            tuple(own + via + extra),
            tuple(candidates),
            None,
            tuple(notes),
        )

    if facts.namesakes or facts.similar or facts.pending:
        reasons, candidates, hits, notes = _review(facts, rules, name, birth_date, region)
        if candidates:
            return Outcome(index, REVIEW, subject_id, reasons, tuple(hits), tuple(candidates), None, tuple(notes))
    if facts.name_matches:
        matches, match_hits = _candidates(facts.name_matches, rules)
        if matches:
            return Outcome(index, REVIEW, None, (NAME_ONLY_MATCH,), tuple(match_hits), tuple(matches), None)

    listed = facts.own or facts.via
    if listed or facts.namesakes or facts.name_matches or facts.similar or facts.pending:
        withheld = rules.withheld(
            [*facts.own, *facts.via, *facts.namesakes, *facts.name_matches, *facts.similar, *facts.pending]
        )
        if withheld is not None:
            return Outcome(index, ALLOW, subject_id, (withheld,), (), (), None)
    reason = NO_MEASURE_FOR_MATTER if listed else NOT_LISTED
    return Outcome(index, ALLOW, subject_id, (reason,), (), (), None)
