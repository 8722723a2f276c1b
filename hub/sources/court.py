"""Courts, enforcement cases, parties and listings."""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, fetch_grouped, fetch_page, index_by

Q = QUERIES.court


async def courts_by_codes(db: Database, codes: Sequence[str]) -> dict[str, Row]:
    return index_by(await db.fetch(Q.courts_by_codes, list(codes)), "code")


async def cases_by_ids(db: Database, ids: Sequence[int]) -> dict[int, Row]:
    return index_by(await db.fetch(Q.cases_by_ids, list(ids)), "id")


async def cases_by_numbers(db: Database, numbers: Sequence[str]) -> dict[str, Row]:
    return index_by(await db.fetch(Q.cases_by_numbers, list(numbers)), "case_number")


async def cases_by_subjects(
    db: Database, subject_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.cases_by_subjects, subject_ids, after, limit)


async def subject_ids_by_cases(
    db: Database, case_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.subject_ids_by_cases, case_ids, after, limit)


async def listings_by_subjects(
    db: Database,
    subject_ids: Sequence[int],
    after: int | None,
    limit: int,
    include_removed: bool,
    viewer: int,
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.listings_by_subjects, subject_ids, after, limit, include_removed, viewer)


async def listings_by_cases(db: Database, case_ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.listings_by_cases, case_ids)


async def listing_by_id(db: Database, listing_id: int) -> Row | None:
    return await db.fetchrow(Q.listing_by_id, listing_id)
