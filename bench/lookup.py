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
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
QUERY = """query Lookup($id: String!) { subjectByResidentId(residentId: $id) {
  id name ... on Person { residentId } listings { nodes { list active case { caseNumber } } } } }"""
PURPOSE = quote("(2018)闽0102执1867号")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


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
    port = free_port()
    env = {
        **os.environ,
        "HUB_DATABASE_URL": url,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_ENV": "development",
        "HUB_LIMIT_OPERATIONS_PER_MINUTE": "1000000000",
        "HUB_LIMIT_SUBJECTS_PER_MINUTE": "1000000000",
        "HUB_POOL_MAX_SIZE": "20",
        # Not what this measures (the seed's listings would expire on the first start).
        "HUB_EXPIRY_SECONDS": "0",
    }
    if not audit:
        env["HUB_AUDIT_DISABLED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("a hub did not become ready")


async def load(base: str, key: str, ids: list[str], clients: int, seconds: float) -> tuple[float, list[float]]:
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {key}", "Hub-Purpose": PURPOSE}
    stop_at = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            i = offset
            while time.monotonic() < stop_at:
                t0 = time.perf_counter()
                response = await client.post("/graphql", json={"query": QUERY, "variables": {"id": ids[i % len(ids)]}})
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200 or "errors" in response.json():
                    raise SystemExit(f"unexpected answer: {response.status_code} {response.text[:300]}")
                i += clients

    started = time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(clients)))
    return len(latencies) / (time.monotonic() - started), latencies


def create_key(url: str) -> str:
    env = {**os.environ, "HUB_DATABASE_URL": url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "agency",
            "create",
            "--code",
            f"BENCH-{os.getpid()}",
            "--name",
            "基准测试法院",
            "--kind",
            "court",
        ],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hubbench", dir="/tmp"))
    server = None
    procs: list[subprocess.Popen[bytes]] = []
    try:
        admin_url = os.environ.get("HUB_DATABASE_URL")
        if admin_url:
            admin_url = with_database(admin_url, "postgres")
            where = "PostgreSQL server"
        else:
            from hub.db.embedded import EmbeddedServer

            server = EmbeddedServer(tmp / "db")
            server.start()
            admin_url = server.admin_url
            where = "embedded PostgreSQL"
        url, ids = asyncio.run(prepare(admin_url, args.subjects))
        key = create_key(url)
        on, base_on = start(url, tmp / "on", audit=True)
        off, base_off = start(url, tmp / "off", audit=False)
        procs = [on, off]
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
            f"{args.subjects} subjects, {where}"
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
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        if server is not None:
            server.stop()
        elif os.environ.get("HUB_DATABASE_URL"):

            async def drop() -> None:
                conn = await asyncpg.connect(with_database(os.environ["HUB_DATABASE_URL"], "postgres"))
                try:
                    await conn.execute("DROP DATABASE IF EXISTS hub_bench WITH (FORCE)")
                finally:
                    await conn.close()

            asyncio.run(drop())
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
