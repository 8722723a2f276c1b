"""Screening facts: the catalogue, a hotel, and everything known about a batch of identities.

A batch costs one statement whatever its size: ``facts_with_catalogue`` over arrays of the
batch's identifiers, names, name keys, birth dates and regions, carrying the catalogue's
version token and the hotel on every row. The catalogue is kept per process and reloaded (two
more) when its token moves; the name-key maps are read once per process (one more).
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
    hotel_code: str | None,
) -> tuple[Catalogue, Hotel | None, list[Row]]:
    """The catalogue, the hotel (if any) and the rows of ``sql/queries/screening.sql``
    ``facts`` (``pos``: the 1-based position in the arrays), in one round trip."""
    rows = await db.fetch(
        Q.facts_with_catalogue,
        list(identifiers),
        list(names),
        list(keys),
        list(birth_dates),
        list(regions),
        list(by_name),
        candidate_cap,
        day,
        hotel_code,
    )
    first = rows[0]
    hotel = None
    if first["hotel_code"] is not None:
        hotel = Hotel(code=first["hotel_code"], stars=first["hotel_stars"], status=first["hotel_status"])
    cached = _cached
    if cached is not None and cached[0] == first["catalogue_token"]:
        catalogue = cached[1]
    else:
        catalogue = await _load_catalogue(db, first["catalogue_token"])
    return catalogue, hotel, [r for r in rows if r["source"] is not None]
