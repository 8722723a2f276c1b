"""Bulk ingest over HTTP: 1M and 5M real-estate records through POST /ingest/land.

Generates two NDJSON files of the land registry's records (valid certificate numbers, one or
two owners with valid resident IDs, some mortgages), uploads each through the real HTTP
endpoint of a `hub serve` subprocess, and prints rows/s, seconds, and the hub process's
peak RSS (sampled with psutil) for both sizes and their ratio: memory must stay flat as the
file grows (ratio ~1). Target: 1M records in under two minutes.

    .venv/bin/python bench/ingest.py [--sizes 1000000,5000000] [--keep-files]

Uses HUB_DATABASE_URL's server when set (a database named hub_bench_ingest is made there,
and dropped after), else an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import orjson
import psutil
from harness import Server, bench_server, create_key, serve_hub, stop, with_database

from hub.identity import FUJIAN_COUNTIES, resident_id_check_digit
from hub.seed.names import person_name

DATABASE = "hub_bench_ingest"
USAGES = ("residential", "residential", "residential", "commercial", "other")
BANKS = ("中国建设银行", "中国工商银行", "兴业银行", "中国银行", "福建海峡银行")


def generate(path: Path, count: int, year: int, seed: int) -> None:
    """``count`` land records; certificate numbers of ``year``, so two files never collide."""
    rng = random.Random(seed)
    rnd = rng.random
    counties = [c for c in FUJIAN_COUNTIES if c.startswith("3501")]
    people: list[tuple[str, str]] = []

    def person() -> tuple[str, str]:
        # A fifth of owners own another property too: the same ID, the same name.
        if people and rnd() < 0.2:
            return people[int(rnd() * len(people))]
        born = 1950 + int(rnd() * 50)
        male = rnd() < 0.5
        seq = int(rnd() * 500) * 2 + (1 if male else 0)
        county = counties[int(rnd() * len(counties))]
        first17 = f"{county}{born}{1 + int(rnd() * 12):02d}{1 + int(rnd() * 28):02d}{seq:03d}"
        entry = (first17 + resident_id_check_digit(first17), person_name(rnd, male, born))
        if len(people) < 200_000:
            people.append(entry)
        return entry

    with path.open("wb") as out:
        for n in range(count):
            county = counties[n % len(counties)]
            owner, name = person()
            if rnd() < 0.3:
                other, other_name = person()
                while other == owner:
                    other, other_name = person()
                owners = [
                    {"name": name, "identifier": owner, "share": "0.5"},
                    {"name": other_name, "identifier": other, "share": "0.5"},
                ]
            else:
                owners = [{"name": name, "identifier": owner, "share": "1"}]
            record = {
                "certificateNumber": f"闽({year})福州市不动产权第{n:07d}号",
                "region": county,
                "address": f"福州市某区某路{1 + int(rnd() * 600)}号{1 + int(rnd() * 30)}栋{1 + int(rnd() * 3000)}室",
                "areaM2": f"{40 + int(rnd() * 200)}.{int(rnd() * 100):02d}",
                "usage": USAGES[int(rnd() * len(USAGES))],
                "registeredOn": f"20{10 + int(rnd() * 14)}-{1 + int(rnd() * 12):02d}-{1 + int(rnd() * 28):02d}",
                "owners": owners,
            }
            if rnd() < 0.2:
                record["encumbrances"] = [
                    {
                        "kind": "mortgage",
                        "holder": BANKS[int(rnd() * len(BANKS))] + "福州分行",
                        "registeredOn": record["registeredOn"],
                    }
                ]
            out.write(orjson.dumps(record) + b"\n")


class PeakRss:
    """Samples a process's resident memory every 50 ms in a thread; ``peak`` in bytes."""

    def __init__(self, pid: int) -> None:
        self._proc = psutil.Process(pid)
        self.peak = 0
        self.baseline = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as f:
        while block := f.read(size):
            yield block


def upload(base: str, key: str, path: Path) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    response = httpx.post(
        f"{base}/ingest/land",
        content=chunks(path),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
        params={"format": "ndjson"},
        timeout=httpx.Timeout(3600),
    )
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"upload failed: {response.status_code} {response.text[:500]}")
    report: dict[str, object] = response.json()
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000", help="record counts, comma-separated")
    parser.add_argument("--keep-files", action="store_true", help="keep the generated files in /tmp")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    procs: list[subprocess.Popen[bytes]] = []
    with bench_server("hubingest", drop=DATABASE, keep_tmp=args.keep_files) as server:
        try:
            run(server, sizes, procs)
        finally:
            stop(procs, 120)


def run(server: Server, sizes: list[int], procs: list[subprocess.Popen[bytes]]) -> None:
    files = []
    for index, size in enumerate(sizes):
        path = server.tmp / f"land-{size}.ndjson"
        t0 = time.perf_counter()
        generate(path, size, 2015 + index, seed=index)
        print(
            f"generated {path.name}: {size} records, {path.stat().st_size / 1e6:.0f} MB "
            f"in {time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
        )
        files.append((size, path))

    async def create() -> None:
        admin = await asyncpg.connect(server.admin_url)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            await admin.execute(f"CREATE DATABASE {DATABASE}")
        finally:
            await admin.close()

    asyncio.run(create())
    url = with_database(server.admin_url, DATABASE)
    key = create_key(url, f"BENCH-LAND-{os.getpid()}", "基准测试不动产登记中心", "land")
    proc, base = serve_hub(url, server.tmp / "hub", {"HUB_EXPIRY_SECONDS": "0"}, ready_seconds=120)
    procs.append(proc)
    results = []
    for size, path in files:
        with PeakRss(proc.pid) as rss:
            seconds, report = upload(base, key, path)
        results.append((size, seconds, rss.peak, rss.baseline, report))
        print(f"uploaded {size}: {report}", file=sys.stderr)

    print(f"land records over POST /ingest/land (NDJSON, atomic), {server.where}, hub process RSS sampled every 50 ms")
    print(f"{'records':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12} {'RSS before MB':>14}   inserted")
    for size, seconds, peak, baseline, report in results:
        print(
            f"{size:>10} {seconds:>8.1f} {size / seconds:>9.0f} {peak / 1e6:>12.0f} {baseline / 1e6:>14.0f}"
            f"   {report['inserted']}"
        )
    if len(results) >= 2:
        ratio = results[-1][2] / results[0][2]
        print(f"peak RSS {results[-1][0]} / {results[0][0]}: {ratio:.2f}  (flat memory: ~1)")


if __name__ == "__main__":
    main()
