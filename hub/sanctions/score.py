"""The explainable integrity score: rules as data, versioned (``score.rule_set``, ``score.rule``).

A score is computed for one subject under one published rule set as of a time, from what the
hub holds then: active entries of every list kind (the red list too), current ratings, and what
agencies reported after interceptions (a sanction applied; payment or settlement on the spot).
Every item names its rule, the fact it matched and the points it counts; the score is the rule
set's base plus the items, clamped to its bounds, and nothing else. A published rule set never
changes (the database refuses it), so the same version and time give the same answer again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.errors import InvalidInput

Q = QUERIES.score
CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    position: int
    fact: str
    list_kind: str | None
    scheme: str | None
    level_code: str | None
    outcome: str | None
    window_months: int | None
    points: int
    cap: int | None
    description: str
    legal_basis: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    effective_from: dt.date
    base_score: int
    min_score: int
    max_score: int
    description: str
    source_note: str
    published_at: dt.datetime
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """One fact a rule matched and the points it counts (0 once the rule's cap is reached)."""

    rule: Rule
    points: int
    capped: bool
    list_kind: str | None
    listing_id: int | None
    published_on: dt.date | None
    scheme: str | None
    level_code: str | None
    rating_id: int | None
    rated_on: dt.date | None
    expires_on: dt.date | None
    outcome: str | None
    interception_id: int | None
    occurred_at: dt.datetime | None

    @property
    def fact(self) -> str:
        """The fact in a sentence, for people (the console, the API's explanation)."""
        if self.rule.fact == "listing":
            return f"active {self.list_kind} list entry {self.listing_id} published on {self.published_on}"
        if self.rule.fact == "rating":
            return (
                f"current rating {self.rating_id}: {self.scheme} level {self.level_code}, "
                f"rated on {self.rated_on}, holds until {self.expires_on}"
            )
        return f"{self.outcome} reported after interception {self.interception_id} on {self.occurred_at:%Y-%m-%d}"


@dataclass(frozen=True, slots=True)
class Score:
    subject_id: int
    rules: RuleSet
    as_of: dt.datetime
    items: tuple[Item, ...]

    @property
    def total(self) -> int:
        return sum(i.points for i in self.items)

    @property
    def unclamped(self) -> int:
        return self.rules.base_score + self.total

    @property
    def score(self) -> int:
        return max(self.rules.min_score, min(self.rules.max_score, self.unclamped))

    @property
    def explanation(self) -> str:
        parts = " ".join(f"{'+' if i.points >= 0 else '-'} {abs(i.points)} ({i.rule.code})" for i in self.items)
        text = f"{self.rules.base_score} (base) {parts}".rstrip() + f" = {self.unclamped}"
        if self.score != self.unclamped:
            text += f", clamped to [{self.rules.min_score}, {self.rules.max_score}]: {self.score}"
        return text


def _rule(row: Any) -> Rule:
    return Rule(
        code=row["code"],
        position=row["position"],
        fact=row["fact"],
        list_kind=row["list_kind"],
        scheme=row["scheme"],
        level_code=row["level_code"],
        outcome=row["outcome"],
        window_months=row["window_months"],
        points=row["points"],
        cap=row["cap"],
        description=row["description"],
        legal_basis=row["legal_basis"],
    )


async def rule_sets(db: Database, version: str | None = None) -> list[RuleSet]:
    """The published rule sets (newest effective first), or the one named; unknown: an error
    naming it and the versions there are."""
    sets = await db.fetch(Q.rule_sets)
    if version is not None:
        chosen = [r for r in sets if r["version"] == version]
        if not chosen:
            raise unknown_version(version, [r["version"] for r in sets])
        sets = chosen
    rules: dict[str, list[Rule]] = {}
    for row in await db.fetch(Q.rules_of, [r["version"] for r in sets]):
        rules.setdefault(row["version"], []).append(_rule(row))
    return [
        RuleSet(
            version=r["version"],
            effective_from=r["effective_from"],
            base_score=r["base_score"],
            min_score=r["min_score"],
            max_score=r["max_score"],
            description=r["description"],
            source_note=r["source_note"],
            published_at=r["published_at"],
            rules=tuple(rules.get(r["version"], ())),
        )
        for r in sets
    ]


def unknown_version(version: str, versions: list[str]) -> InvalidInput:
    known = ", ".join(versions) or "none"
    return InvalidInput(
        f"no integrity score rules of version {version}; the versions are: {known}",
        argument="rules",
        unknownVersion=version,
        versions=versions,
    )


async def choose(db: Database, version: str | None, as_of: dt.datetime) -> RuleSet:
    """The rule set named, or the newest in effect on ``as_of``'s day (China time)."""
    if version is not None:
        return (await rule_sets(db, version))[0]
    sets = await rule_sets(db)
    day = as_of.astimezone(CHINA).date()
    for candidate in sets:
        if candidate.effective_from <= day:
            return candidate
    raise InvalidInput(
        f"no integrity score rules were in effect on {day}; the versions are: "
        + (", ".join(s.version for s in sets) or "none"),
        argument="asOf",
        versions=[s.version for s in sets],
    )


async def compute(db: Database, subject_id: int, version: str | None, as_of: dt.datetime | None = None) -> Score:
    """Subject ``subject_id``'s score under rule set ``version`` (None: the one in effect) as of
    ``as_of`` (None: now; not in the future)."""
    now = dt.datetime.now(dt.UTC)
    if as_of is None:
        as_of = now
    elif as_of.tzinfo is None:
        raise InvalidInput("asOf needs a time zone offset, e.g. 2026-12-01T00:00:00+08:00", argument="asOf")
    elif as_of > now:
        raise InvalidInput("asOf may not be in the future: facts to come are not known", argument="asOf")
    rules = await choose(db, version, as_of)
    by_code = {r.code: r for r in rules.rules}
    items = tuple(
        Item(
            rule=by_code[row["code"]],
            points=row["points"],
            capped=row["capped"],
            list_kind=row["list_kind"],
            listing_id=row["listing_id"],
            published_on=row["published_on"],
            scheme=row["scheme"],
            level_code=row["level_code"],
            rating_id=row["rating_id"],
            rated_on=row["rated_on"],
            expires_on=row["expires_on"],
            outcome=row["outcome"],
            interception_id=row["interception_id"],
            occurred_at=row["occurred_at"],
        )
        for row in await db.fetch(Q.score_items, subject_id, rules.version, as_of)
    )
    return Score(subject_id=subject_id, rules=rules, as_of=as_of, items=items)
