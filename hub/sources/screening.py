"""Screening facts: the catalogue, a hotel, and everything known about a batch of identities.

A batch costs the same two statements whatever its size: the catalogue's version token with
the hotel, and one ``facts`` statement over arrays of the batch's identifiers, names and birth
dates. The catalogue is kept per process and reloaded (two more) when its token moves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.identity.names import NameKeys
from hub.screening.engine import Catalogue, Hotel, Measure
from hub.sources import core
from hub.sources.base import Row

Q = QUERIES.screening

_cached: tuple[str, Catalogue] | None = None
_name_keys: NameKeys | None = None


async def name_keys(db: Database) -> NameKeys:
    """``core.name_key`` as Python, from the database's maps (read once per process: they
    change only with a migration, and a migration restarts the hub)."""
    global _name_keys
    if _name_keys is None:
        row = await db.fetchrow(Q.name_key_maps)
        assert row is not None
        _name_keys = NameKeys(json.loads(row["readings"]), json.loads(row["surnames"]))
    return _name_keys


async def catalogue_and_hotel(db: Database, hotel_code: str | None) -> tuple[Catalogue, Hotel | None]:
    """The measures catalogue (cached while its version token holds) and the hotel, if any."""
    row = await db.fetchrow(Q.catalogue_version_and_hotel, hotel_code)
    assert row is not None
    hotel = None if row["code"] is None else Hotel(code=row["code"], stars=row["stars"], status=row["status"])
    cached = _cached
    if cached is not None and cached[0] == row["token"]:
        return cached[1], hotel
    return await _load_catalogue(db, row["token"]), hotel


async def _load_catalogue(db: Database, token: str) -> Catalogue:
    global _cached
    rows = await db.fetch(Q.catalogue_measures)
    matters = await core.matter_codes(db)
    loaded = Catalogue(
        measures=tuple(
            Measure(
                code=r["code"],
                name=r["name"],
                list=r["list"],
                legal_basis=r["legal_basis"],
                matters=frozenset(r["matters"]),
                agency_kinds=frozenset(r["agency_kinds"]),
                condition=None if r["condition"] is None else json.loads(r["condition"]),
                reaches=frozenset(r["reaches"]),
            )
            for r in rows
        ),
        matters=frozenset(matters),
    )
    _cached = (token, loaded)
    return loaded


async def facts(
    db: Database,
    identifiers: Sequence[str | None],
    names: Sequence[str],
    keys: Sequence[str],
    birth_dates: Sequence[date | None],
    regions: Sequence[str | None],
    by_name: Sequence[bool],
    *,
    day: date,
    candidate_cap: int,
) -> list[Row]:
    """Rows of ``sql/queries/screening.sql`` ``facts``; ``pos`` is the 1-based position in the arrays."""
    return await db.fetch(
        Q.facts,
        list(identifiers),
        list(names),
        list(keys),
        list(birth_dates),
        list(regions),
        list(by_name),
        candidate_cap,
        day,
    )
