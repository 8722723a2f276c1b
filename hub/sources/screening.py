"""Screening facts: the catalogue, a hotel, and everything known about a batch of identities.

A batch costs one statement whatever its size: ``facts_and_hotels`` over arrays of the
batch's identifiers, names, name keys, birth dates and regions, carrying the catalogue's
version token and the hotels; concurrent small batches share one (``FactsBatcher``). The
catalogue is kept per process and reloaded (two more) when its token moves; the name-key
maps are read once per process (one more).
"""

from __future__ import annotations

import asyncio
import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
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
                lists=frozenset(r["list_kinds"]),
                legal_basis=r["legal_basis"],
                matters=frozenset(r["matters"]),
                agency_kinds=frozenset(r["agency_kinds"]),
                condition=None if r["condition"] is None else json.loads(r["condition"]),
                reaches=frozenset(r["reaches"]),
                nature=r["nature"],
            )
            for r in rows
        ),
        matters=frozenset(matters),
        list_kinds={r["code"]: r["nature"] for r in await db.fetch(Q.list_kinds)},
    )
    _cached = (token, loaded)
    return loaded


@dataclass(frozen=True, slots=True)
class FactsRequest:
    """What one screening call asks: its valid identities as parallel lists, and the context."""

    identifiers: Sequence[str | None]
    names: Sequence[str]
    keys: Sequence[str]
    birth_dates: Sequence[date | None]
    regions: Sequence[str | None]
    by_name: Sequence[bool]
    day: date
    candidate_cap: int
    hotel_code: str | None


@dataclass(frozen=True, slots=True)
class FactsAnswer:
    """The catalogue, the hotel (if asked and listed), and the facts rows of the request's
    identities: ``row["pos"] - offset`` is the identity's 1-based position in the request."""

    catalogue: Catalogue
    hotel: Hotel | None
    rows: list[Row]
    offset: int = 0


async def facts(db: Database, request: FactsRequest) -> FactsAnswer:
    """The answer to ``request`` in one round trip (``facts_and_hotels``)."""
    [answer] = await _facts_for(db, [request])
    return answer


async def _facts_for(db: Database, requests: Sequence[FactsRequest]) -> list[FactsAnswer]:
    """One statement for requests of one day and candidate cap: their identities in a row."""
    identifiers: list[str | None] = []
    names: list[str] = []
    keys: list[str] = []
    birth_dates: list[date | None] = []
    regions: list[str | None] = []
    by_name: list[bool] = []
    offsets = []
    for r in requests:
        offsets.append(len(names))
        identifiers.extend(r.identifiers)
        names.extend(r.names)
        keys.extend(r.keys)
        birth_dates.extend(r.birth_dates)
        regions.extend(r.regions)
        by_name.extend(r.by_name)
    hotel_codes = sorted({r.hotel_code for r in requests if r.hotel_code is not None})
    first = requests[0]
    rows = await db.fetch(
        Q.facts_and_hotels,
        identifiers,
        names,
        keys,
        birth_dates,
        regions,
        by_name,
        first.candidate_cap,
        first.day,
        hotel_codes,
    )
    token = None
    hotels: dict[str, Hotel] = {}
    found: list[Row] = []
    for row in rows:
        if row["catalogue_token"] is not None:
            token = row["catalogue_token"]
            if row["source"] is not None:
                found.append(row)
        else:
            code = row["hotel_code"]
            hotels[code] = Hotel(code=code, stars=row["hotel_stars"], status=row["hotel_status"])
    assert token is not None
    cached = _cached
    catalogue = cached[1] if cached is not None and cached[0] == token else await _load_catalogue(db, token)
    if len(requests) == 1:
        return [FactsAnswer(catalogue, hotels.get(first.hotel_code or ""), found)]
    # Each row to the request whose range of positions holds it.
    mine: list[list[Row]] = [[] for _ in requests]
    for row in found:
        mine[bisect.bisect_left(offsets, row["pos"]) - 1].append(row)
    return [
        FactsAnswer(catalogue, hotels.get(r.hotel_code or ""), rows, offset)
        for r, rows, offset in zip(requests, mine, offsets, strict=True)
    ]


class FactsBatcher:
    """Concurrent small screenings share one facts statement.

    A hotel front desk screens one guest at a time, and many desks do at once; one statement
    per guest spends most of the database's time on what every statement costs. Here a
    screening of at most ``small`` identities waits in a queue; each of ``lanes`` tasks takes
    everything queued (up to ``max_identities``), asks for it in one statement, and hands
    each caller its own rows, as the audit writer does with records. An idle hub adds no
    wait: a lone request is taken at once. Larger screenings are one statement already and go
    straight to the database. Rows are as fresh as ever: read when the statement runs, after
    the request arrived.
    """

    def __init__(self, db: Database, *, small: int = 20, max_identities: int = 500, lanes: int = 2) -> None:
        self._db = db
        self._small = small
        self._max = max_identities
        self._lanes = lanes
        self._queue: asyncio.Queue[tuple[FactsRequest, asyncio.Future[FactsAnswer]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        # Statements run for queued requests (fewer than the requests under load).
        self.statements = 0

    def start(self) -> None:
        """Start the lanes (in the running event loop)."""
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._lane(), name=f"facts-lane-{n}") for n in range(self._lanes)]

    async def stop(self) -> None:
        """Stop the lanes; requests still queued fail (the server stops taking requests first)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._tasks = []
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("the hub is stopping"))

    async def facts(self, request: FactsRequest) -> FactsAnswer:
        """The answer to ``request``, shared with concurrent ones when it is small."""
        if len(request.names) > self._small or not self._tasks:
            return await self._db.on_reader(lambda db: facts(db, request))
        future: asyncio.Future[FactsAnswer] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((request, future))
        return await future

    async def _lane(self) -> None:
        while True:
            taken = [await self._queue.get()]
            try:
                size = len(taken[0][0].names)
                while size < self._max and not self._queue.empty():
                    item = self._queue.get_nowait()
                    taken.append(item)
                    size += len(item[0].names)
                # One statement per day and cap (they differ only across midnight).
                groups: dict[tuple[date, int], list[tuple[FactsRequest, asyncio.Future[FactsAnswer]]]] = {}
                for item in taken:
                    groups.setdefault((item[0].day, item[0].candidate_cap), []).append(item)
                for group in groups.values():
                    await self._answer(group)
            finally:
                # Cancelled while answering (the hub stops): nobody waits forever.
                for _, future in taken:
                    if not future.done():
                        future.set_exception(RuntimeError("the hub is stopping"))

    async def _answer(self, group: list[tuple[FactsRequest, asyncio.Future[FactsAnswer]]]) -> None:
        waiting = [(r, f) for r, f in group if not f.done()]  # a caller that went away: skipped
        if not waiting:
            return
        self.statements += 1
        try:
            # A fresh replica, or the primary (``Database.reader``): decided per statement.
            asked = [r for r, _ in waiting]
            answers = await self._db.on_reader(lambda db: _facts_for(db, asked))
        except Exception as exc:  # every caller of the statement gets its error
            for _, future in waiting:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), answer in zip(waiting, answers, strict=True):
            if not future.done():
                future.set_result(answer)
