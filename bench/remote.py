"""What asking the police system at query time adds: the same nested query, vehicles local vs remote.

Two `hub serve` processes run on one seeded database: one reads vehicles from its tables, the
other (HUB_REMOTE_POLICE_URL) from a stand-in police system, a separate process serving the
JSON contract (`POST /vehicles:batchGet`) from the same tables. Rounds alternate between the
two hubs so both see the same machine noise; the figures that matter are the added latency and
the ratio.

    .venv/bin/python bench/remote.py [--subjects 5000] [--batch 20] [--clients 4] [--seconds 5] [--rounds 3]

Uses HUB_DATABASE_URL's server when set (a database named hub_bench_remote is made there, and
dropped after), else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
import orjson
from harness import (
    ROOT,
    UNLIMITED,
    Server,
    bench_server,
    closed_loop,
    create_key,
    free_port,
    serve_hub,
    stop,
    wait_ready,
    with_database,
)

DB_NAME = "hub_bench_remote"
QUERY = """query Nested($ids: [ID!]!) { subjects(ids: $ids) {
  name listings { nodes { list case { caseNumber } } }
  vehicles { nodes { plate vin vehicleType seized owner { name } seizures { caseNumber seizedOn releasedOn } } } } }"""
PURPOSE = quote("(2018)闽0102执1867号")

# The stand-in police system's one statement: each asked owner's vehicles with their seizures.
POLICE_SQL = """
SELECT s.identifier, v.plate, v.vin, v.make, v.vehicle_type, v.registered_on,
       coalesce((SELECT json_agg(json_build_object('caseNumber', c.case_number, 'seizedOn', z.seized_on,
                                                   'releasedOn', z.released_on) ORDER BY z.id)
                   FROM police.vehicle_seizure z JOIN court.enforcement_case c ON c.id = z.case_id
                  WHERE z.vehicle_id = v.id), '[]') AS seizures
  FROM core.subject s JOIN police.vehicle v ON v.owner_id = s.id
 WHERE s.identifier = ANY($1::text[])
"""


def serve_police(port: int, url: str) -> None:
    """The stand-in police system (run in its own process by the benchmark)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    pool: list[asyncpg.Pool] = []

    async def batch_get(request: Request) -> Response:
        owners = orjson.loads(await request.body())["ownerIdentifiers"]
        rows = await pool[0].fetch(POLICE_SQL, owners)
        vehicles = [
            {
                "ownerIdentifier": r["identifier"],
                "plate": r["plate"],
                "vin": r["vin"],
                "make": r["make"],
                "vehicleType": r["vehicle_type"],
                "registeredOn": r["registered_on"].isoformat(),
                "seizures": orjson.loads(r["seizures"]),
            }
            for r in rows
        ]
        return Response(orjson.dumps({"vehicles": vehicles}), media_type="application/json")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool.append(await asyncpg.create_pool(url, min_size=1, max_size=4))
        yield
        await pool[0].close()

    app = Starlette(routes=[Route("/vehicles:batchGet", batch_get, methods=["POST"])], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def prepare(admin_url: str, subjects: int) -> tuple[str, list[int]]:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {DB_NAME}")
    finally:
        await admin.close()
    url = with_database(admin_url, DB_NAME)
    env = {**os.environ, "HUB_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "seed", "--subjects", str(subjects), "--quiet"], check=True, env=env, cwd=ROOT
    )
    conn = await asyncpg.connect(url)
    try:
        owners = [r["owner_id"] for r in await conn.fetch("SELECT DISTINCT owner_id FROM police.vehicle LIMIT 5000")]
    finally:
        await conn.close()
    if not owners:
        raise SystemExit("the seed made no vehicles")
    return url, owners


def start_hub(url: str, data_dir: Path, remote: str | None) -> tuple[subprocess.Popen[bytes], str]:
    env = {**UNLIMITED, "HUB_ENV": "development", "HUB_AUDIT_CHECKPOINT_SECONDS": "0", "HUB_REMOTE_POLICE_URL": ""}
    if remote is not None:
        env["HUB_REMOTE_POLICE_URL"] = remote
    return serve_hub(url, data_dir, env)


async def load(base: str, key: str, batches: list[list[str]], clients: int, seconds: float) -> list[float]:
    def check(response: httpx.Response) -> None:
        body = response.json()
        if response.status_code != 200 or "errors" in body:
            raise SystemExit(f"unexpected answer: {response.status_code} {response.text[:300]}")
        if not any(s["vehicles"]["nodes"] for s in body["data"]["subjects"]):
            raise SystemExit("no vehicles came back")

    _, latencies = await closed_loop(
        base,
        {"Authorization": f"Bearer {key}", "Hub-Purpose": PURPOSE},
        lambda i: {"query": QUERY, "variables": {"ids": batches[i % len(batches)]}},
        clients,
        seconds,
        check,
    )
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=20, help="subjects per query")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-police", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--police-database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_police:
        serve_police(args.serve_police, args.police_database)
        return

    procs: list[subprocess.Popen[bytes]] = []
    with bench_server("hubbench", drop=DB_NAME) as server:
        try:
            run(server, args, procs)
        finally:
            stop(procs)


def run(server: Server, args: argparse.Namespace, procs: list[subprocess.Popen[bytes]]) -> None:
    url, owners = asyncio.run(prepare(server.admin_url, args.subjects))
    key = create_key(url, f"BENCH-R-{os.getpid()}", "基准测试法院", "court")
    rng = random.Random(7)
    batches = [[str(o) for o in rng.sample(owners, min(args.batch, len(owners)))] for _ in range(200)]

    police_port = free_port()
    police = subprocess.Popen(
        [sys.executable, __file__, "--serve-police", str(police_port), "--police-database", url], cwd=ROOT
    )
    procs.append(police)
    police_url = f"http://127.0.0.1:{police_port}"
    wait_ready(police_url, police, path="/vehicles:batchGet")
    local, base_local = start_hub(url, server.tmp / "local", None)
    procs.append(local)
    remote, base_remote = start_hub(url, server.tmp / "remote", police_url)
    procs.append(remote)
    modes = {"local": base_local, "remote": base_remote}
    for base in modes.values():
        asyncio.run(load(base, key, batches, args.clients, 1))  # warm up

    latencies: dict[str, list[float]] = {name: [] for name in modes}
    rates: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.rounds):
        for name, base in modes.items():
            lat = asyncio.run(load(base, key, batches, args.clients, args.seconds))
            latencies[name].extend(lat)
            rates[name].append(len(lat) / args.seconds)

    print(
        f"nested query over {args.batch} subjects (listings, vehicles, seizures) over HTTP, "
        f"{args.clients} clients, "
        f"{args.rounds} x {args.seconds:.0f} s each, {args.subjects} subjects seeded, {server.where}"
    )
    print(f"{'vehicles':<9} {'req/s (median)':>15} {'p50 ms':>8} {'p99 ms':>8}")
    p50s = {}
    for name in modes:
        lat = sorted(latencies[name])
        p50s[name] = lat[len(lat) // 2] * 1000
        p99 = lat[int(len(lat) * 0.99)] * 1000
        print(f"{name:<9} {statistics.median(rates[name]):>15.0f} {p50s[name]:>8.1f} {p99:>8.1f}")
    print(
        f"remote adds {p50s['remote'] - p50s['local']:.1f} ms at p50 "
        f"(ratio remote / local p50: {p50s['remote'] / p50s['local']:.2f}; "
        f"throughput ratio {statistics.median(rates['remote']) / statistics.median(rates['local']):.2f})"
    )


if __name__ == "__main__":
    main()
