"""Screening a batch: validate and normalise identities, fetch the facts in one batch, decide.

The engine (``hub.screening.engine``) holds the rules; this module only gathers what they
need, in the same few statements for one identity or a thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta, timezone
from typing import Final

from hub.db.database import Database
from hub.errors import InvalidIdentifier, InvalidInput
from hub.identity import parse_resident_id, parse_uscc
from hub.screening.engine import (
    Facts,
    Identity,
    ListedFact,
    Outcome,
    Rules,
    ScreeningContext,
    decide,
    invalid,
    normalise_name,
)
from hub.sources import screening as source

MAX_BATCH: Final = 1000
# Namesakes and name-only matches per identity: enough for a reviewer, bounded for the database.
MAX_CANDIDATES: Final = 20
# Listing dates are days in China (UTC+8 all year).
CHINA: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


class UnknownMatter(InvalidInput):
    code = "UNKNOWN_MATTER"


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


async def screen(
    db: Database,
    identities: Sequence[Identity],
    context: ScreeningContext,
    batcher: source.FactsBatcher | None = None,
) -> list[Outcome]:
    """Decide every identity of the batch for ``context``; outcomes in input order.

    Raises ``InvalidInput`` for the whole call: more than ``MAX_BATCH`` identities, an identity
    with no name and no identifier, an unknown matter (``UnknownMatter``), a hotel matter
    without a hotel or with a hotel code not in the tourism bureau's list. An identifier that
    fails validation only makes its own outcome ``INVALID``. With a ``batcher`` the facts
    statement may be shared with concurrent calls (``hub.sources.screening.FactsBatcher``).
    """
    if len(identities) > MAX_BATCH:
        raise InvalidInput(f"at most {MAX_BATCH} identities per call, got {len(identities)}", argument="identities")
    if context.at.tzinfo is None:
        raise InvalidInput("the screening time needs a time zone", argument="at")
    for index, identity in enumerate(identities):
        if _blank(identity.resident_id) and _blank(identity.uscc) and _blank(identity.name):
            raise InvalidInput(
                f"identity {index} has neither a resident ID, a USCC nor a name", argument="identities", index=index
            )

    code = None if context.hotel_code is None else context.hotel_code.strip().upper() or None
    day = context.at.astimezone(CHINA).date()

    outcomes: list[Outcome | None] = [None] * len(identities)
    positions: list[int] = []
    identifiers: list[str | None] = []
    names: list[str] = []
    birth_dates: list[date | None] = []
    regions: list[str | None] = []
    by_name: list[bool] = []
    for index, identity in enumerate(identities):
        identifier: str | None = None
        region: str | None = None
        born = identity.birth_date
        try:
            if not _blank(identity.resident_id) and not _blank(identity.uscc):
                raise InvalidIdentifier("identity", "give a resident ID or a USCC, not both")
            if not _blank(identity.resident_id):
                assert identity.resident_id is not None
                parsed = parse_resident_id(identity.resident_id, today=day)
                identifier, born, region = parsed.number, parsed.birth_date, parsed.region_code
            elif not _blank(identity.uscc):
                assert identity.uscc is not None
                uscc = parse_uscc(identity.uscc)
                identifier, region = uscc.code, uscc.region_code
        except InvalidIdentifier as error:
            outcomes[index] = invalid(index, error)
            continue
        positions.append(index)
        identifiers.append(identifier)
        names.append(normalise_name(identity.name))
        birth_dates.append(born)
        regions.append(region)
        by_name.append(identifier is None and born is None)

    # One round trip: the facts of every valid identity, the catalogue's token and the hotel
    # (shared with concurrent screenings when a batcher is given).
    keyer = await source.name_keys(db)
    request = source.FactsRequest(
        identifiers,
        names,
        [keyer.key(name) for name in names],
        birth_dates,
        regions,
        by_name,
        day=day,
        candidate_cap=MAX_CANDIDATES,
        hotel_code=code,
    )
    # On a replica only when it has replayed every list change this process knows of.
    if batcher is None:
        answer = await db.on_reader(lambda reader: source.facts(reader, request))
    else:
        answer = await batcher.facts(request)
    catalogue, hotel, rows = answer.catalogue, answer.hotel, answer.rows
    if context.matter not in catalogue.matters:
        raise UnknownMatter(f"unknown matter {context.matter!r}", argument="matter")
    if catalogue.needs_hotel(context.matter):
        if code is None:
            raise InvalidInput(f"{context.matter} needs the hotel's code", argument="hotelCode")
        if hotel is None:
            raise InvalidInput(f"hotel {code} is not in the tourism bureau's list", argument="hotelCode", hotel=code)
    else:
        hotel = None
    rules = Rules(catalogue, context.matter, context.agency_kind, hotel)

    if positions:
        facts = [Facts() for _ in positions]
        for row in rows:
            f = facts[row["pos"] - 1 - answer.offset]
            kind = row["source"]
            if kind == "self":
                f.subject_id = row["subject_id"]
                f.subject_name = row["subject_name"]
                if row["listing_id"] is None:
                    continue
            fact = ListedFact(
                row["subject_id"],
                row["listing_id"],
                row["listing_version"],
                row["list"],
                row["case_id"],
                row["case_number"],
                row["court_code"],
                row["court_name"],
                row["role"],
                row["subject_name"],
                row["subject_birth_date"],
                row["subject_region"],
                row["basis_document"],
                row["publisher_code"],
                row["publisher_name"],
            )
            if catalogue.is_reward(fact.list):
                # A reward list entry only ever rewards its own subject; it never makes anyone
                # "listed" for a decision.
                if kind == "self":
                    f.rewards.append(fact)
                continue
            if kind == "self":
                f.own.append(fact)
            elif kind == "via":
                f.via.append(fact)
            elif kind == "namesake":
                f.namesakes.append(fact)
            elif kind == "similar":
                f.similar.append(fact)
            elif kind == "pending":
                f.pending.append(fact)
            else:
                f.name_matches.append(fact)
        for pos, index in enumerate(positions):
            outcomes[index] = decide(index, names[pos], facts[pos], rules, birth_dates[pos], regions[pos])

    done = [o for o in outcomes if o is not None]
    assert len(done) == len(identities)
    return done
