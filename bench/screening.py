"""Screening throughput and latency, in-process (no HTTP): ``hub.screening.service.screen`` on a pool.

1. Batches of 1,000 identities (listed debtors, people not listed, unknown IDs, namesakes with
   the same and another birth date, organisations, invalid IDs) for real-estate registration:
   identities screened per second, the median of several runs. Target: 20,000/s.
2. Single-identity hotel check-ins from 16 concurrent tasks: screens per second and latency
   p50 / p99. Target: p99 under 20 ms.
3. The same two over HTTP through `hub serve` (policy, interception records and the audit trail
   on), with the load generator on the same machine: the figures agencies would see. Run for
   each `--workers` count (default 1 and 2 processes), side by side; batches are sent by
   `--batch-clients` concurrent clients; single screening is driven by wrk when installed
   (light on the shared cores), else by Python clients. With wrk, the CPU time the hub and
   PostgreSQL spent per request is printed too: unlike latency, it barely moves when other
   work shares the machine.

    .venv/bin/python bench/screening.py [--subjects 1000000] [--runs 5] [--batches 10] [--clients 16]
        [--workers 1,2] [--batch-clients 2]

The data is ``hub seed --subjects N`` in a database named hub_bench_screening on
HUB_DATABASE_URL's server, or on an embedded server in .hub/bench-screening when it is unset.
A database that already holds the seed is reused, so only the first run pays for it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import psutil
from harness import ROOT, UNLIMITED, closed_loop, cpu_by_pid, cpu_spent, create_key, serve_hub, with_database

sys.path.insert(0, str(ROOT))

from hub.db.database import Database, create_pool
from hub.db.embedded import EmbeddedServer, ensure_database
from hub.identity import make_resident_id
from hub.screening.engine import Identity, ScreeningContext
from hub.screening.service import screen

DATABASE = "hub_bench_screening"
SEED = 1
BATCH_TARGET = 20_000.0
P99_TARGET_MS = 20.0
ACTIVE = """court.listing_active_on(l.published_on, l.term_months, l.extended_months, l.removed_on,
                                    (now() AT TIME ZONE 'Asia/Shanghai')::date)"""


async def prepare(admin_url: str, subjects: int, database: str = DATABASE) -> str:
    """The seeded database's URL; seeds it unless the data set is there already."""
    await ensure_database(admin_url, database)
    url = with_database(admin_url, database)
    conn = await asyncpg.connect(url)
    try:
        loaded = await conn.fetchval("SELECT to_regclass('core.dataset') IS NOT NULL") and await conn.fetchval(
            "SELECT EXISTS (SELECT FROM core.dataset WHERE name = $1)", f"synthetic:{SEED}:{subjects}"
        )
    finally:
        await conn.close()
    env = {**os.environ, "HUB_DATABASE_URL": url}
    if loaded:
        # Still apply migrations newer than the seed.
        subprocess.run([sys.executable, "-m", "hub.cli", "migrate"], check=True, env=env, cwd=ROOT)
        print(f"reusing {database} ({subjects:,} subjects seeded before)")
        return url
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "seed", "--subjects", str(subjects), "--seed", str(SEED), "--quiet"],
        check=True,
        env=env,
        cwd=ROOT,
    )
    print(f"seeded {subjects:,} subjects in {time.perf_counter() - started:.1f} s")
    return url


async def identity_mix(url: str, size: int, rng: random.Random) -> tuple[list[Identity], list[Identity]]:
    """A realistic batch mix (shuffled) and a pool of hotel guests (mostly not listed)."""
    conn = await asyncpg.connect(url)
    try:
        listed = await conn.fetch(
            f"""SELECT DISTINCT ON (s.id) s.identifier, s.name, s.kind, s.birth_date
                  FROM court.listing l JOIN core.subject s ON s.id = l.subject_id
                 WHERE {ACTIVE} AND s.kind = 'person'
                 ORDER BY s.id LIMIT 5000"""
        )
        people = await conn.fetch(
            "SELECT identifier, name FROM core.subject TABLESAMPLE SYSTEM (2) WHERE kind = 'person' LIMIT 20000"
        )
        organisations = await conn.fetch(
            "SELECT identifier, name FROM core.subject TABLESAMPLE SYSTEM (2) WHERE kind = 'organisation' LIMIT 2000"
        )
    finally:
        await conn.close()
    if not listed or not people or not organisations:
        raise SystemExit("the seeded database has no listed persons, persons or organisations")

    def namesake(same_birth_date: bool) -> Identity:
        r = rng.choice(listed)
        born = r["birth_date"] if same_birth_date else r["birth_date"] + dt.timedelta(days=rng.randint(1, 3000))
        return Identity(name=r["name"], resident_id=make_resident_id("350102", born, rng.randint(600, 999)))

    def invalid() -> Identity:
        r = rng.choice(people)
        number = r["identifier"]
        return Identity(name=r["name"], resident_id=number[:-1] + ("0" if number[-1] != "0" else "1"))

    def unknown() -> Identity:
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
        return Identity(name="测试无名", resident_id=make_resident_id("350103", born, rng.randint(600, 999)))

    makers = [
        (0.10, lambda: Identity(name=(r := rng.choice(listed))["name"], resident_id=r["identifier"])),
        (0.65, lambda: Identity(name=(r := rng.choice(people))["name"], resident_id=r["identifier"])),
        (0.05, lambda: Identity(name=(r := rng.choice(organisations))["name"], uscc=r["identifier"])),
        (0.07, unknown),
        (0.05, lambda: namesake(True)),
        (0.05, lambda: namesake(False)),
        (0.03, invalid),
    ]
    batch: list[Identity] = []
    for share, make in makers:
        batch.extend(make() for _ in range(round(share * size)))
    batch = batch[:size]
    rng.shuffle(batch)
    guests = [Identity(name=r["name"], resident_id=r["identifier"]) for r in people[:4000]]
    guests += [Identity(name=r["name"], resident_id=r["identifier"]) for r in listed[:400]]
    rng.shuffle(guests)
    return batch, guests


async def bench_batches(db: Database, batches: list[list[Identity]], runs: int) -> list[float]:
    context = ScreeningContext("REAL_ESTATE_REGISTRATION", "land", at=dt.datetime.now(dt.UTC))
    await screen(db, batches[0], context)  # warm: catalogue, prepared statements
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        total = 0
        for batch in batches:
            outcomes = await screen(db, batch, context)
            total += len(outcomes)
        rates.append(total / (time.perf_counter() - started))
    return rates


async def bench_singles(
    db: Database, guests: list[Identity], hotel: str, clients: int, seconds: float
) -> tuple[float, list[float]]:
    context = ScreeningContext("HOTEL_CHECK_IN", "police", hotel_code=hotel, at=dt.datetime.now(dt.UTC))
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        i = offset
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            await screen(db, [guests[i % len(guests)]], context)
            latencies.append(time.perf_counter() - t0)
            i += clients

    for n in range(clients):  # warm every pooled connection's statement cache
        await screen(db, [guests[n]], context)
    started = time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(clients)))
    return len(latencies) / (time.monotonic() - started), latencies


def _as_json(identity: Identity) -> dict[str, str]:
    sent = {"name": identity.name}
    if identity.resident_id:
        sent["residentId"] = identity.resident_id
    if identity.uscc:
        sent["uscc"] = identity.uscc
    if identity.birth_date:
        sent["birthDate"] = identity.birth_date.isoformat()
    return sent


async def bench_http(
    url: str, batches: list[list[Identity]], guests: list[Identity], hotel: str, args: argparse.Namespace, workers: int
) -> None:
    import httpx

    label = f"[{workers} worker{'s' if workers > 1 else ''}]"
    tag = f"{os.getpid()}-{int(time.time())}-{workers}"
    land = create_key(url, f"BENCH-LAND-{tag}", f"BENCH-LAND-{tag}", "land")
    desk = create_key(url, f"BENCH-DESK-{tag}", f"BENCH-DESK-{tag}", "police", "hotel")
    server, base = serve_hub(
        url,
        ROOT / ".hub" / "bench-http",
        {**UNLIMITED, "HUB_POOL_MAX_SIZE": str(args.clients + 4)},
        args=["--workers", str(workers)],
    )
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            batch_query = """mutation($ids: [IdentityInput!]!) {
              screen(matter: "REAL_ESTATE_REGISTRATION", identities: $ids) { decisions { decision } } }"""
            headers = {"Authorization": f"Bearer {land}", "Hub-Purpose": "REAL_ESTATE_REGISTRATION"}
            bodies = [{"query": batch_query, "variables": {"ids": [_as_json(i) for i in b]}} for b in batches]
            for body in bodies[: max(2, workers)]:  # every worker warm
                await client.post("/graphql", json=body, headers=headers)
            rates = []

            async def sender(mine: list[dict[str, object]]) -> int:
                done = 0
                for body in mine:
                    response = await client.post("/graphql", json=body, headers=headers)
                    answer = response.json()
                    assert "errors" not in answer, answer["errors"][:1]
                    done += len(answer["data"]["screen"]["decisions"])
                return done

            for _ in range(args.runs):
                started = time.perf_counter()
                shares = [bodies[i :: args.batch_clients] for i in range(args.batch_clients)]
                total = sum(await asyncio.gather(*(sender(share) for share in shares)))
                rates.append(total / (time.perf_counter() - started))
        median = statistics.median(rates)
        print(
            f"{label} HTTP batch screening ({args.batch_clients} concurrent clients): {median:,.0f} identities/s "
            f"(median of {args.runs} runs; runs {', '.join(f'{r:,.0f}' for r in rates)}); "
            f"target {BATCH_TARGET:,.0f}/s: {median / BATCH_TARGET:.2f}x"
        )

        single_query = SINGLE_QUERY
        if shutil.which("wrk"):
            wrk_single(base, desk, guests, hotel, single_query, args, label, server.pid, url)
            return

        def check(response: httpx.Response) -> None:
            assert response.status_code == 200, response.text[:200]

        rps, latencies = await closed_loop(
            base,
            {"Authorization": f"Bearer {desk}", "Hub-Purpose": "HOTEL_CHECK_IN"},
            lambda i: {
                "query": single_query,
                "variables": {"ids": [_as_json(guests[i % len(guests)])], "hotel": hotel},
            },
            args.clients,
            args.seconds,
            check,
            warm=True,
        )
        p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
        print(
            f"{label} HTTP single screening ({args.clients} concurrent Python clients): {rps:,.0f} requests/s, "
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms; target p99 < {P99_TARGET_MS:.0f} ms: {P99_TARGET_MS / p99:.2f}x"
        )
    finally:
        server.terminate()
        server.wait(timeout=60)


WRK_SCRIPT = """
local guests = {}
for line in io.lines("%(guests)s") do
  local id, name = line:match("([^|]+)|(.+)")
  guests[#guests + 1] = {id, name}
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
wrk.headers["Hub-Purpose"] = "HOTEL_CHECK_IN"
request = function()
  i = i %% #guests + 1
  local body = '%(head)s' .. guests[i][2] .. '","residentId":"' .. guests[i][1] .. '"}]}}'
  return wrk.format(nil, "/graphql", nil, body)
end
"""


SINGLE_QUERY = """mutation($ids: [IdentityInput!]!, $hotel: String) {
  screen(matter: "HOTEL_CHECK_IN", identities: $ids, hotelCode: $hotel) {
    decisions { decision measures { name } } } }"""


def write_wrk_script(folder: Path, key: str, guests: list[Identity], hotel: str, query: str = SINGLE_QUERY) -> Path:
    """A wrk script in ``folder`` that checks ``guests`` in at ``hotel``, one per request, in turn."""
    import json

    listing = folder / "guests.txt"
    listing.write_text("".join(f"{g.resident_id}|{g.name}\n" for g in guests if g.resident_id), encoding="utf-8")
    prefix = json.dumps({"query": query, "variables": {"hotel": hotel, "ids": [{"name": "\u0000"}]}})
    # A Lua string literal: its backslashes and quotes escaped.
    head = prefix[: prefix.index("\\u0000")].replace("\\", "\\\\").replace("'", "\\'")
    script = folder / "screen.lua"
    script.write_text(WRK_SCRIPT % {"guests": listing, "key": key, "head": head}, encoding="utf-8")
    return script


def wrk_round(base: str, script: Path, clients: int, seconds: float, server_pid: int, url: str) -> dict[str, float]:
    """One wrk run against ``base``: requests/s, p50 and p99 (ms), and the CPU time the hub's
    processes (``hub_us``) and the database's backends (``db_us``) spent per request."""
    hub = psutil.Process(server_pid)
    database = urlsplit(url).path.lstrip("/")

    def hub_processes() -> list[psutil.Process]:
        return [hub, *hub.children(recursive=True)]

    def backends() -> list[psutil.Process]:
        # A backend's title names its database: "postgres: ... hub_bench_screening 127.0.0.1(..)".
        return [
            p for p in psutil.process_iter(["cmdline"]) if f" {database} " in " ".join(p.info["cmdline"] or []) + " "
        ]

    hub_before, db_before = cpu_by_pid(hub_processes()), cpu_by_pid(backends())
    done = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "-s", str(script), base + "/graphql"],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = _wrk_figures(done.stdout)
    figures["hub_us"] = 1e6 * cpu_spent(hub_before, cpu_by_pid(hub_processes())) / figures["requests"]
    figures["db_us"] = 1e6 * cpu_spent(db_before, cpu_by_pid(backends())) / figures["requests"]
    return figures


def wrk_single(
    base: str,
    key: str,
    guests: list[Identity],
    hotel: str,
    query: str,
    args: argparse.Namespace,
    label: str,
    server_pid: int,
    url: str,
) -> None:
    """The single-screening load from wrk (C, light on the shared cores), with the CPU time
    the hub's processes and the database's backends spent per request."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        script = write_wrk_script(Path(tmp), key, guests, hotel, query)
        rounds = [wrk_round(base, script, args.clients, args.seconds, server_pid, url) for _ in range(args.rounds)]
    for n, f in enumerate(rounds, 1):
        print(
            f"{label} HTTP single screening, round {n} "
            f"({args.clients} concurrent wrk connections, {args.seconds:.0f} s): "
            f"{f['rps']:,.0f} requests/s, p50 {f['50%']:.2f} ms, p99 {f['99%']:.2f} ms; "
            f"CPU per request: hub {f['hub_us']:,.0f} us, PostgreSQL {f['db_us']:,.0f} us"
        )
    p99 = statistics.median(f["99%"] for f in rounds)
    print(
        f"{label} HTTP single screening, median of {len(rounds)} rounds: "
        f"{statistics.median(f['rps'] for f in rounds):,.0f} requests/s, "
        f"p50 {statistics.median(f['50%'] for f in rounds):.2f} ms, p99 {p99:.2f} ms; "
        f"target p99 < {P99_TARGET_MS:.0f} ms: {P99_TARGET_MS / p99:.2f}x"
    )


def _wrk_figures(output: str) -> dict[str, float]:
    figures = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("50%", "99%"):
            number, unit = float(parts[1].rstrip("mus")), parts[1].lstrip("0123456789.")
            figures[parts[0]] = number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        if "requests in" in line:
            figures["requests"] = float(parts[0])
        if "Non-2xx" in line:
            raise SystemExit(f"wrk saw errors: {line}")
    return figures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(admin_url: str, args: argparse.Namespace) -> None:
    url = await prepare(admin_url, args.subjects, args.database)
    rng = random.Random(2018)
    batch, guests = await identity_mix(url, args.batch, rng)
    # Several different batches, so a run is not one batch's cache.
    batches = [batch]
    for _ in range(args.batches - 1):
        shuffled = batch[:]
        rng.shuffle(shuffled)
        batches.append(shuffled)
    pool = await create_pool(url, min_size=args.clients, max_size=args.clients)
    try:
        conn = await asyncpg.connect(url)
        try:
            hotel = await conn.fetchval("SELECT code FROM tourism.hotel WHERE stars >= 4 AND status = 'open' LIMIT 1")
        finally:
            await conn.close()
        db = Database(pool=pool)
        registry = ScreeningContext("REAL_ESTATE_REGISTRATION", "land", at=dt.datetime.now(dt.UTC))
        outcomes = await screen(db, batch, registry)
        decisions: dict[str, int] = {}
        for o in outcomes:
            decisions[o.decision] = decisions.get(o.decision, 0) + 1
        print(f"batch mix: {args.batch} identities -> {dict(sorted(decisions.items()))}")

        gc.freeze()  # as the hub does once started: what is loaded stays out of collections
        rates = await bench_batches(db, batches, args.runs)
        median = statistics.median(rates)
        print(
            f"batch screening: {median:,.0f} identities/s "
            f"(median of {args.runs} runs of {args.batches} x {args.batch}; "
            f"runs {', '.join(f'{r:,.0f}' for r in rates)}); target {BATCH_TARGET:,.0f}/s: "
            f"{median / BATCH_TARGET:.2f}x"
        )
        if hotel is None:
            print("no hotel of four stars or more in the data: single screening skipped")
            return
        rps, latencies = await bench_singles(db, guests, hotel, args.clients, args.seconds)
        p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
        print(
            f"single screening ({args.clients} concurrent tasks, hotel check-in at {hotel}): {rps:,.0f} screens/s, "
            f"p50 {p50:.2f} ms, p99 {p99:.2f} ms; target p99 < {P99_TARGET_MS:.0f} ms: "
            f"{P99_TARGET_MS / p99:.2f}x headroom"
        )
    finally:
        await pool.close()
    if args.http and hotel is not None:
        for workers in args.workers:
            await bench_http(url, batches, guests, hotel, args, workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument(
        "--database",
        default=DATABASE,
        help="database name on HUB_DATABASE_URL's server (e.g. a copy, to try a branch's migrations)",
    )
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=10, help="batches per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the single-screening load")
    parser.add_argument("--no-http", dest="http", action="store_false", help="skip the HTTP measurements")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="hub serve worker counts to measure over HTTP, side by side (default 1,2)",
    )
    parser.add_argument("--batch-clients", type=int, default=2, help="concurrent clients sending batches over HTTP")
    parser.add_argument(
        "--rounds", type=int, default=3, help="wrk rounds of single screening (the median is the figure)"
    )
    args = parser.parse_args()
    configured = os.environ.get("HUB_DATABASE_URL")
    if configured:
        asyncio.run(run(with_database(configured, "postgres"), args))
        return
    server = EmbeddedServer(ROOT / ".hub" / "bench-screening")
    server.start()
    try:
        asyncio.run(run(server.admin_url, args))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
