"""Companies, shareholdings and directorships."""

from __future__ import annotations

from collections.abc import Sequence

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.sources.base import Row, fetch_grouped, fetch_page, index_by

Q = QUERIES.market


async def companies_by_subjects(db: Database, subject_ids: Sequence[int]) -> dict[int, Row]:
    return index_by(await db.fetch(Q.companies_by_subjects, list(subject_ids)), "subject_id")


async def shareholdings_by_holders(
    db: Database, holder_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.shareholdings_by_holders, holder_ids, after, limit)


async def shareholdings_by_companies(
    db: Database, company_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.shareholdings_by_companies, company_ids, after, limit)


async def directorships_by_persons(
    db: Database, person_ids: Sequence[int], after: int | None, limit: int
) -> dict[int, list[Row]]:
    return await fetch_page(db, Q.directorships_by_persons, person_ids, after, limit)


async def directorships_by_companies(db: Database, company_ids: Sequence[int]) -> dict[int, list[Row]]:
    return await fetch_grouped(db, Q.directorships_by_companies, company_ids)
