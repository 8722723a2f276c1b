"""The upper bound for bench/peers.py: one hand-written SQL statement per workload, no GraphQL.

A minimal starlette app on asyncpg (uvicorn, uvloop, one process, a pool of 10): one POST
route per workload, each running ONE statement that builds the whole answer as JSON in
PostgreSQL (json_build_object / json_agg over LATERAL subqueries); PostgreSQL's bytes are the
HTTP body as they arrive (the json type is read in binary, which is its text, undecoded). No
policy, no audit, no validation beyond what the statement's parameters need.

    .venv/bin/python bench/peers_raw.py --database-url postgresql://... --port 8100

Routes (bodies are JSON objects; answers mirror the hub's shapes, with snake_case columns):
    POST /w1  {"residentId": "..."}   a person with listings (removed ones too) and cases
    POST /w2  {"ids": ["1", ...]}     subjects' scalar fields, in the order asked
    POST /w3  {"ids": ["1", ...]}     subjects with cases (and court), real estate, vehicles, shareholdings
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Each connection list is the first 20 by the hub's order, as the hub's default page.
PAGE = 20

W1 = f"""
SELECT json_build_object('subject', json_build_object(
         'id', s.id, 'name', s.name, 'listings', l.items, 'cases', c.items))
  FROM core.subject s
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
             'list', x.list, 'published_on', x.published_on, 'removed_on', x.removed_on,
             'case_number', ec.case_number) ORDER BY x.id), '[]') AS items
      FROM (SELECT id, case_id, list, published_on, removed_on FROM court.listing
             WHERE subject_id = s.id ORDER BY id LIMIT {PAGE}) x
      JOIN court.enforcement_case ec ON ec.id = x.case_id) l
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
             'case_number', ec.case_number, 'amount', ec.amount) ORDER BY ec.id), '[]') AS items
      FROM (SELECT case_id FROM court.case_party WHERE subject_id = s.id
             ORDER BY case_id LIMIT {PAGE}) p
      JOIN court.enforcement_case ec ON ec.id = p.case_id) c
 WHERE s.identifier = $1 AND s.kind = 'person'
"""

W2 = """
SELECT json_build_object('subjects', coalesce(json_agg(json_build_object(
         'id', s.id, 'kind', s.kind, 'name', s.name, 'region', s.region,
         'identifier', s.identifier, 'birth_date', s.birth_date) ORDER BY a.n), '[]'))
  FROM unnest($1::bigint[]) WITH ORDINALITY AS a(id, n)
  LEFT JOIN core.subject s ON s.id = a.id
"""

W3 = f"""
SELECT json_build_object('subjects', coalesce(json_agg(json_build_object(
         'id', s.id, 'name', s.name, 'cases', c.items, 'real_estate', e.items,
         'vehicles', v.items, 'shareholdings', h.items) ORDER BY a.n), '[]'))
  FROM unnest($1::bigint[]) WITH ORDINALITY AS a(id, n)
  JOIN core.subject s ON s.id = a.id
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
             'case_number', ec.case_number, 'amount', ec.amount, 'court', ct.name) ORDER BY ec.id), '[]') AS items
      FROM (SELECT case_id FROM court.case_party WHERE subject_id = s.id
             ORDER BY case_id LIMIT {PAGE}) p
      JOIN court.enforcement_case ec ON ec.id = p.case_id
      JOIN court.court ct ON ct.code = ec.court_code) c
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
             'share', o.share, 'certificate_number', re.certificate_number, 'area_m2', re.area_m2)
             ORDER BY re.id), '[]') AS items
      FROM (SELECT estate_id, share FROM land.ownership WHERE subject_id = s.id
             ORDER BY estate_id LIMIT {PAGE}) o
      JOIN land.real_estate re ON re.id = o.estate_id) e
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object('plate', x.plate, 'make', x.make) ORDER BY x.id), '[]') AS items
      FROM (SELECT id, plate, make FROM police.vehicle WHERE owner_id = s.id ORDER BY id LIMIT {PAGE}) x) v
  CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object('share', x.share, 'company', co.name) ORDER BY x.company_id), '[]')
             AS items
      FROM (SELECT company_id, share FROM market.shareholding WHERE holder_id = s.id
             ORDER BY company_id LIMIT {PAGE}) x
      JOIN core.subject co ON co.id = x.company_id) h
"""

NO_SUBJECT = b'{"subject" : null}'


async def _init(conn: asyncpg.Connection) -> None:
    # json in binary is its text: hand PostgreSQL's bytes over as they are.
    conn_any: Any = conn
    await conn_any.set_type_codec("json", encoder=str.encode, decoder=lambda b: b, schema="pg_catalog", format="binary")


def build(database_url: str, pool_size: int = 10) -> Starlette:
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        nonlocal pool
        # Each statement planned once, generically, as the hub's compiled reads are (its read
        # pool): a custom plan of these statements costs PostgreSQL more than running them.
        pool = await asyncpg.create_pool(
            database_url,
            min_size=pool_size,
            max_size=pool_size,
            init=_init,
            server_settings={"plan_cache_mode": "force_generic_plan"},
        )
        try:
            yield
        finally:
            await pool.close()

    async def answer(sql: str, *args: object) -> bytes | None:
        assert pool is not None
        async with pool.acquire() as conn:
            found: bytes | None = await conn.fetchval(sql, *args)
            return found

    def ids(body: dict[str, Any]) -> list[int]:
        return [int(i) for i in body["ids"]]

    async def w1(request: Request) -> Response:
        body = json.loads(await request.body())
        found = await answer(W1, body["residentId"])
        return Response(found or NO_SUBJECT, media_type="application/json")

    async def w2(request: Request) -> Response:
        found = await answer(W2, ids(json.loads(await request.body())))
        return Response(found, media_type="application/json")

    async def w3(request: Request) -> Response:
        found = await answer(W3, ids(json.loads(await request.body())))
        return Response(found, media_type="application/json")

    return Starlette(
        routes=[
            Route("/w1", w1, methods=["POST"]),
            Route("/w2", w2, methods=["POST"]),
            Route("/w3", w3, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool", type=int, default=10)
    args = parser.parse_args()
    uvicorn.run(
        build(args.database_url, args.pool),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
