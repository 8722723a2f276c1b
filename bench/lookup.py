"""Throughput of one subject lookup over HTTP, with the audit trail on and off, side by side.

Two `hub serve` processes run on one database: one as shipped (policy and audit on), one with
HUB_AUDIT_DISABLED=1 (policy still on). Rounds alternate between them so both see the same
machine noise; the figure that matters is the ratio.

    .venv/bin/python bench/lookup.py [--subjects 20000] [--clients 16] [--seconds 10] [--rounds 3]

Uses HUB_DATABASE_URL's server when set (a database named hub_bench is made there, and
dropped after), else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
from harness import ROOT, UNLIMITED, Server, bench_server, closed_loop, create_key, serve_hub, stop, with_database

QUERY = """query Lookup($id: String!) { subjectByResidentId(residentId: $id) {
  id name ... on Person { residentId } listings { nodes { list active case { caseNumber } } } } }"""
PURPOSE = quote("(2018)闽0102执1867号")


async def prepare(admin_url: str, subjects: int) -> tuple[str, list[str]]:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute("DROP DATABASE IF EXISTS hub_bench WITH (FORCE)")
        await admin.execute("CREATE DATABASE hub_bench")
    finally:
        await admin.close()
    url = with_database(admin_url, "hub_bench")
    env = {**os.environ, "HUB_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "seed", "--subjects", str(subjects), "--quiet"], check=True, env=env, cwd=ROOT
    )
    conn = await asyncpg.connect(url)
    try:
        ids = [
            r["identifier"]
            for r in await conn.fetch(
                "SELECT identifier FROM core.subject WHERE kind = 'person' ORDER BY id LIMIT 5000"
            )
        ]
    finally:
        await conn.close()
    return url, ids


def start(url: str, data_dir: Path, audit: bool) -> tuple[subprocess.Popen[bytes], str]:
    env = {**UNLIMITED, "HUB_ENV": "development", "HUB_POOL_MAX_SIZE": "20"}
    if not audit:
        env["HUB_AUDIT_DISABLED"] = "1"
    return serve_hub(url, data_dir, env)


async def load(base: str, key: str, ids: list[str], clients: int, seconds: float) -> tuple[float, list[float]]:
    def check(response: httpx.Response) -> None:
        if response.status_code != 200 or "errors" in response.json():
            raise SystemExit(f"unexpected answer: {response.status_code} {response.text[:300]}")

    return await closed_loop(
        base,
        {"Authorization": f"Bearer {key}", "Hub-Purpose": PURPOSE},
        lambda i: {"query": QUERY, "variables": {"id": ids[i % len(ids)]}},
        clients,
        seconds,
        check,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    procs: list[subprocess.Popen[bytes]] = []
    with bench_server("hubbench", drop="hub_bench") as server:
        try:
            run(server, args, procs)
        finally:
            stop(procs)


def run(server: Server, args: argparse.Namespace, procs: list[subprocess.Popen[bytes]]) -> None:
    url, ids = asyncio.run(prepare(server.admin_url, args.subjects))
    key = create_key(url, f"BENCH-{os.getpid()}", "基准测试法院", "court")
    on, base_on = start(url, server.tmp / "on", audit=True)
    procs.append(on)
    off, base_off = start(url, server.tmp / "off", audit=False)
    procs.append(off)
    asyncio.run(load(base_on, key, ids, args.clients, 2))  # warm both up
    asyncio.run(load(base_off, key, ids, args.clients, 2))

    results: dict[str, list[float]] = {"audit on": [], "audit off": []}
    latencies: dict[str, list[float]] = {"audit on": [], "audit off": []}
    for _ in range(args.rounds):
        for name, base in (("audit on", base_on), ("audit off", base_off)):
            rate, lat = asyncio.run(load(base, key, ids, args.clients, args.seconds))
            results[name].append(rate)
            latencies[name].extend(lat)

    print(
        f"subject lookup over HTTP, {args.clients} clients, {args.rounds} x {args.seconds:.0f} s each, "
        f"{args.subjects} subjects, {server.where}"
    )
    print(f"{'':<10} {'req/s (median)':>15} {'p50 ms':>8} {'p99 ms':>8}   rounds")
    for name in results:
        lat = sorted(latencies[name])
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[int(len(lat) * 0.99)] * 1000
        rounds = " ".join(f"{r:.0f}" for r in results[name])
        print(f"{name:<10} {statistics.median(results[name]):>15.0f} {p50:>8.1f} {p99:>8.1f}   {rounds}")
    ratio = statistics.median(results["audit on"]) / statistics.median(results["audit off"])
    print(f"ratio audit on / off: {ratio:.3f}  (audit costs {100 * (1 - ratio):.1f}% of throughput; target < 20%)")


if __name__ == "__main__":
    main()
