"""Latency at 1M and at 10M subjects, side by side: does the hub keep its speed at national size?

For each size a database ``hub_scale_<size>`` is made and seeded once with ``hub seed``
(its time, the seed's peak memory and the database's size are printed; a database already
seeded is reused), and one `hub serve` runs on each. Rounds then alternate between the
sizes, so both see the same machine noise, with one client at a time (latency, not
throughput) on three workloads:

- lookup     a person by resident ID with their listings
- nested     a subject by id with its cases (and each case's court), real estate, vehicles
             and shareholdings
- screen     one identity screened for a real-estate registration

Identities are drawn at random from the whole table (TABLESAMPLE), so the larger database is
not asked only about its first, cached rows. It prints p50 and p99 per size and the ratio of
the largest size to the smallest (the target is a p99 within 1.2x), then the plan
(EXPLAIN ANALYZE with BUFFERS, by auto_explain, so statements inside functions show too) of
every statement each workload runs on the hub's tables, on the largest size, flagging a
sequential scan.

    .venv/bin/python bench/scale.py [--sizes 1000000,10000000] [--seconds 15] [--rounds 3]

Uses HUB_DATABASE_URL's server when set (its databases are kept for the next run: a 10M seed
takes a while; ``--drop`` drops them after), else an embedded PostgreSQL in a temporary
directory (for a small run: ``--sizes 2000,20000``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from harness import ROOT, UNLIMITED, bench_server, closed_loop, create_key, serve_hub, stop, with_database

LOOKUP = """query Lookup($residentId: String!) { subjectByResidentId(residentId: $residentId) {
  id name listings { nodes { list active publishedOn } } } }"""
NESTED = """query Nested($id: ID!) { subject(id: $id) { id name
  cases(first: 20) { nodes { caseNumber amount court { name } } }
  realEstate(first: 20) { nodes { share estate { certificateNumber areaM2 } } }
  vehicles(first: 20) { nodes { plate make } }
  shareholdings(first: 20) { nodes { share company { name } } } } }"""
SCREEN = """mutation Screen($ids: [IdentityInput!]!) {
  screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) { decisions { decision } } }"""
WORKLOADS = ("lookup", "nested", "screen")
BIG_TABLES = ("core.subject", "court.", "land.", "police.", "market.", "sanctions.screening_facts")


@dataclass
class Size:
    subjects: int
    url: str
    seeded: str = ""
    database_bytes: int = 0
    people: list[tuple[str, str]] = field(default_factory=list)  # (resident id, name)
    subject_ids: list[str] = field(default_factory=list)
    court_key: str = ""
    land_key: str = ""
    base: str = ""
    proc: subprocess.Popen[bytes] | None = None
    latencies: dict[str, list[float]] = field(default_factory=dict)


def body(size: Size, workload: str, rng: random.Random) -> dict[str, Any]:
    if workload == "lookup":
        return {"query": LOOKUP, "variables": {"residentId": rng.choice(size.people)[0]}}
    if workload == "nested":
        return {"query": NESTED, "variables": {"id": rng.choice(size.subject_ids)}}
    resident_id, name = rng.choice(size.people)
    return {"query": SCREEN, "variables": {"ids": [{"name": name, "residentId": resident_id}]}}


def headers(size: Size, workload: str) -> dict[str, str]:
    if workload == "screen":
        return {"Authorization": f"Bearer {size.land_key}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"}
    return {
        "Authorization": f"Bearer {size.court_key}",
        "Hub-Purpose": quote("(2018)闽0102执1867号"),
        "Hub-Operator": "bench-scale",
    }


def check(response: httpx.Response) -> None:
    answer = response.json()
    if response.status_code != 200 or answer.get("errors"):
        raise SystemExit(f"unexpected answer {response.status_code}: {response.text[:400]}")


async def prepare(admin_url: str, subjects: int) -> Size:
    """The seeded, migrated database of ``subjects`` subjects (seeded now unless it was)."""
    name = f"hub_scale_{subjects}"
    admin = await asyncpg.connect(admin_url)
    try:
        if not await admin.fetchval("SELECT true FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    size = Size(subjects, with_database(admin_url, name))
    env = {**os.environ, "HUB_DATABASE_URL": size.url}
    subprocess.run([sys.executable, "-m", "hub.cli", "migrate"], check=True, env=env, cwd=ROOT, capture_output=True)
    conn = await asyncpg.connect(size.url)
    try:
        done = await conn.fetchval("SELECT true FROM core.dataset WHERE name = $1", f"synthetic:1:{subjects}")
    finally:
        await conn.close()
    if done:
        size.seeded = "seeded before (reused)"
    else:
        took, samples = seed_watched(subjects, env)
        quarters = [samples[int(len(samples) * q)] for q in (0.25, 0.5, 0.75)] + [samples[-1]] if samples else []
        size.seeded = (
            f"seeded in {took / 60:.1f} min; seed RSS (process and worker) peak {max(samples, default=0):.0f} MB,"
            f" at 1/4, 1/2, 3/4, end: {', '.join(f'{q:.0f}' for q in quarters)} MB"
        )
    conn = await asyncpg.connect(size.url)
    try:
        size.database_bytes = await conn.fetchval("SELECT pg_database_size(current_database())")
        # A random sample of the whole table (pages at random), not its first rows.
        percent = min(100.0, 100.0 * 40_000 / max(subjects, 1))
        rows = await conn.fetch(
            f"SELECT id, kind, identifier, name FROM core.subject TABLESAMPLE SYSTEM ({percent}) REPEATABLE (7)"
        )
    finally:
        await conn.close()
    rng = random.Random(subjects)
    rng.shuffle(rows := list(rows))
    size.people = [(r["identifier"], r["name"]) for r in rows if r["kind"] == "person"][:20_000]
    size.subject_ids = [str(r["id"]) for r in rows[:20_000]]
    tag = uuid.uuid4().hex[:8].upper()
    size.court_key = create_key(size.url, f"BENCH-SCALE-COURT-{tag}", f"规模测试法院 {tag}", "court")
    size.land_key = create_key(size.url, f"BENCH-SCALE-LAND-{tag}", f"规模测试不动产 {tag}", "land")
    return size


def seed_watched(subjects: int, env: dict[str, str]) -> tuple[float, list[float]]:
    """Run `hub seed`; its wall time and the RSS of it and its worker, sampled every half second."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "seed", "--subjects", str(subjects), "--seed", "1", "--quiet"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    watched = psutil.Process(proc.pid)
    samples: list[float] = []
    while proc.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [watched, *watched.children(recursive=True)])
            samples.append(rss / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.5)
    if proc.returncode:
        raise SystemExit(f"hub seed --subjects {subjects} failed ({proc.returncode})")
    return time.perf_counter() - started, samples


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# ---------------------------------------------------------------- EXPLAIN


class Recording(asyncpg.Connection):  # type: ignore[misc]
    """A connection that remembers every statement it runs with its arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorded: list[tuple[str, tuple[Any, ...]]] = []

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.recorded.append((query, args))
        return await super().fetch(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.recorded.append((query, args))
        return await super().fetchrow(query, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self.recorded.append((query, args))
        return await super().fetchval(query, *args, **kwargs)


async def explain(size: Size) -> None:
    """Each workload once through the real ASGI app on one recording connection (in a
    transaction rolled back after), then EXPLAIN (ANALYZE, BUFFERS) of what it ran."""
    from hub.db.database import Database
    from hub.gateway.app import create_app
    from hub.settings import Settings

    conn: Recording = await asyncpg.connect(size.url, connection_class=Recording)
    try:
        transaction = conn.transaction()
        await transaction.start()
        try:
            settings = Settings.from_env({**UNLIMITED, "HUB_DATABASE_URL": size.url, "HUB_ENV": "development"})
            app = create_app(settings, db=Database(connection=conn))
            rng = random.Random(1)
            statements: dict[str, list[tuple[str, tuple[Any, ...]]]] = {}
            async with app.router.lifespan_context(app) as state:

                async def with_state(scope: Any, receive: Any, send: Any) -> None:
                    scope["state"] = dict(state or {})
                    await app(scope, receive, send)

                transport = httpx.ASGITransport(app=with_state)
                async with httpx.AsyncClient(transport=transport, base_url="http://hub.bench") as client:
                    for workload in WORKLOADS:
                        # The second request is the one recorded: the first warms the caches.
                        for _ in range(2):
                            conn.recorded.clear()
                            response = await client.post(
                                "/graphql", json=body(size, workload, rng), headers=headers(size, workload)
                            )
                            check(response)
                        statements[workload] = list(conn.recorded)
            for workload, ran in statements.items():
                print(f"\n== {workload}: {len(ran)} statement(s) on {size.subjects:,} subjects")
                for query, args in ran:
                    if not any(t in query for t in BIG_TABLES):
                        continue  # the audit trail's and the catalogue's own statements
                    plan = await explain_plan(conn, query, args)
                    scans = [line.strip() for line in plan if "Seq Scan" in line]
                    head = " ".join(query.split())[:110]
                    print(f"-- {head}...")
                    for line in plan:
                        print("   " + line)
                    if scans:
                        print("   !! sequential scan (fine on a small table only): " + "; ".join(scans))
        finally:
            await transaction.rollback()
    finally:
        await conn.close()


async def explain_plan(conn: asyncpg.Connection, query: str, args: tuple[Any, ...]) -> list[str]:
    """The plans of ``query`` as it runs, and of the statements inside the functions it calls
    (the screening's facts are a PL/pgSQL function, which a plain EXPLAIN shows as one node):
    auto_explain with ANALYZE and BUFFERS, sent to this client as notices."""
    notices: list[str] = []

    def listen(_conn: Any, message: Any) -> None:
        notices.append(str(message.message))

    conn.add_log_listener(listen)
    try:
        # In a savepoint: the statement runs again, and a write that now conflicts costs the plan.
        async with conn.transaction():
            await conn.execute(
                "LOAD 'auto_explain'; SET LOCAL auto_explain.log_min_duration = 0;"
                " SET LOCAL auto_explain.log_analyze = on; SET LOCAL auto_explain.log_buffers = on;"
                " SET LOCAL auto_explain.log_timing = on; SET LOCAL auto_explain.log_nested_statements = on;"
                " SET LOCAL auto_explain.log_level = notice; SET LOCAL auto_explain.log_format = json"
            )
            # The base class's fetch: this run is not recorded.
            await asyncpg.Connection.fetch(conn, query, *args)
    except asyncpg.PostgresError as exc:
        return [f"(no plan: {type(exc).__name__})"]
    finally:
        conn.remove_log_listener(listen)
    lines: list[str] = []
    for notice in notices:
        _, _, text = notice.partition("plan:")
        try:
            found = json.loads(text)
        except ValueError:
            continue
        inner = found["Query Text"] != query
        lines.append(("inside a function: " if inner else "") + f"{found['Plan'].get('Actual Total Time', 0):.3f} ms")
        _render(found["Plan"], 1, lines)
    return lines


def _render(node: dict[str, Any], depth: int, lines: list[str]) -> None:
    """One line per plan node: what it does, on what, rows and loops, time, buffers."""
    what = node["Node Type"]
    if "Index Name" in node:
        what += f" using {node['Index Name']}"
    if "Relation Name" in node:
        what += f" on {node.get('Schema', '')}{'.' if 'Schema' in node else ''}{node['Relation Name']}"
    if "Function Name" in node:
        what += f" {node['Function Name']}()"
    detail = f"rows={node.get('Actual Rows', 0):g} loops={node.get('Actual Loops', 0)}"
    if node.get("Actual Loops"):
        detail += f" {node.get('Actual Total Time', 0):.3f} ms"
    hit, read = node.get("Shared Hit Blocks", 0), node.get("Shared Read Blocks", 0)
    if hit or read:
        detail += f" buffers hit={hit} read={read}"
    for key in ("Index Cond", "Filter", "Join Filter"):
        if key in node:
            detail += f" {key.lower()}: {node[key][:90]}"
    lines.append("  " * depth + f"{what} ({detail})")
    for child in node.get("Plans", ()):
        _render(child, depth + 1, lines)


# ---------------------------------------------------------------- main


async def run(args: argparse.Namespace) -> None:
    sizes_wanted = [int(s) for s in args.sizes.split(",")]
    with bench_server("hubscale", keep_tmp=False) as server:
        print(f"on {server.where}")
        sizes = [await prepare(server.admin_url, n) for n in sizes_wanted]
        for size in sizes:
            print(f"{size.subjects:>12,} subjects: {size.seeded}; database {size.database_bytes / 2**30:.1f} GiB")
        try:
            for size in sizes:
                size.proc, size.base = serve_hub(
                    size.url, server.tmp / f"hub-{size.subjects}", env={**UNLIMITED, "HUB_POOL_MAX_SIZE": "4"}
                )
            rng = random.Random(3)
            for round_ in range(args.rounds):
                for workload in WORKLOADS:
                    for size in sizes if round_ % 2 == 0 else reversed(sizes):
                        _, latencies = await closed_loop(
                            size.base,
                            headers(size, workload),
                            lambda _n, s=size, w=workload: body(s, w, rng),
                            args.clients,
                            args.seconds,
                            check=check,
                            warm=True,
                        )
                        size.latencies.setdefault(workload, []).extend(latencies)
        finally:
            stop([s.proc for s in sizes if s.proc is not None])
        small, large = sizes[0], sizes[-1]
        print(f"\n{args.rounds} rounds x {args.seconds:g} s per workload and size, {args.clients} client(s); ms")
        print(f"{'workload':<8} {'subjects':>12} {'requests':>9} {'p50':>8} {'p99':>8}")
        for workload in WORKLOADS:
            for size in sizes:
                lat = size.latencies[workload]
                print(
                    f"{workload:<8} {size.subjects:>12,} {len(lat):>9} "
                    f"{percentile(lat, 50) * 1000:>8.2f} {percentile(lat, 99) * 1000:>8.2f}"
                )
            if large is not small:
                a, b = small.latencies[workload], large.latencies[workload]
                print(
                    f"{workload:<8} {'ratio':>12} {'':>9} {percentile(b, 50) / percentile(a, 50):>7.2f}x"
                    f" {percentile(b, 99) / percentile(a, 99):>7.2f}x   ({large.subjects:,} / {small.subjects:,})"
                )
        summary = {
            w: {
                str(s.subjects): {
                    "p50_ms": round(percentile(s.latencies[w], 50) * 1000, 3),
                    "p99_ms": round(percentile(s.latencies[w], 99) * 1000, 3),
                    "median_ms": round(statistics.median(s.latencies[w]) * 1000, 3),
                }
                for s in sizes
            }
            for w in WORKLOADS
        }
        print("\n" + json.dumps(summary))
        if not args.no_explain:
            await explain(large)
        if args.drop and os.environ.get("HUB_DATABASE_URL"):
            admin = await asyncpg.connect(server.admin_url)
            try:
                for size in sizes:
                    await admin.execute(f'DROP DATABASE IF EXISTS "hub_scale_{size.subjects}" WITH (FORCE)')
            finally:
                await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated subject counts, smallest first")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--drop", action="store_true", help="drop the server's hub_scale_* databases after")
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
