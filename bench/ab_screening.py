"""Single screening over HTTP, side by side: hub configurations in alternating rounds.

The machine is shared and its speed drifts between runs, so a change is measured against
what it changes in one run: every configuration serves at once, and each round runs wrk
(16 connections, hotel check-ins) against each in turn, the order reversed every other
round. Prints every round, the medians, and each configuration's ratios to the first.

A configuration is NAME=REV[:SETTING=VALUE,...]: REV is a git revision (run from a scratch
worktree of this repository) or "." for this checkout; settings are added to its
environment. Revisions must have the migrations of the database (a hub refuses a database
newer than its code).

    .venv/bin/python bench/ab_screening.py before=HEAD~3 after=.
    .venv/bin/python bench/ab_screening.py pool4=.:HUB_POOL_MAX_SIZE=4 pool20=.:HUB_POOL_MAX_SIZE=20 --rounds 8

The data is bench/screening.py's (seeded by it when missing), on HUB_DATABASE_URL's server or
an embedded one in .hub/bench-screening. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import ROOT, UNLIMITED, create_key, serve_hub, with_database
from screening import identity_mix, prepare, write_wrk_script, wrk_round

sys.path.insert(0, str(ROOT))

from hub.db.embedded import EmbeddedServer

FIGURES = (
    ("rps", "requests/s", "{:,.0f}"),
    ("50%", "p50 ms", "{:.2f}"),
    ("99%", "p99 ms", "{:.2f}"),
    ("hub_us", "hub CPU us", "{:,.0f}"),
    ("db_us", "PostgreSQL CPU us", "{:,.0f}"),
)


def line(figures: dict[str, float], first: dict[str, float] | None = None) -> str:
    """The figures as text; with ``first``, each one's ratio to it."""
    parts = []
    for key, label, fmt in FIGURES:
        part = f"{label} {fmt.format(figures[key])}"
        if first is not None:
            part += f" ({figures[key] / first[key]:.2f}x)"
        parts.append(part)
    return ", ".join(parts)


@dataclass
class Config:
    name: str
    revision: str
    env: dict[str, str]
    rounds: list[dict[str, float]] = field(default_factory=list)


def parse_config(text: str) -> Config:
    name, _, spec = text.partition("=")
    revision, _, settings = spec.partition(":")
    if not name or not revision:
        raise SystemExit(f"a configuration is NAME=REV[:SETTING=VALUE,...], not {text!r}")
    env = dict(pair.split("=", 1) for pair in settings.split(",") if pair)
    return Config(name, revision, env)


def run(admin_url: str, args: argparse.Namespace) -> None:
    url = asyncio.run(prepare(admin_url, args.subjects))
    _, guests = asyncio.run(identity_mix(url, 1000, random.Random(2018)))
    tag = f"{os.getpid()}-{int(time.time())}"
    key = create_key(url, f"AB-DESK-{tag}", f"AB-DESK-{tag}", "police", "hotel")
    scratch = Path(tempfile.mkdtemp(prefix="hub-ab-", dir="/tmp"))
    servers = []
    try:
        for n, config in enumerate(args.configs):
            root = ROOT
            if config.revision != ".":
                root = scratch / f"tree-{n}"
                subprocess.run(["git", "worktree", "add", "--detach", str(root), config.revision], cwd=ROOT, check=True)
            env = {**UNLIMITED, "HUB_POOL_MAX_SIZE": str(args.clients + 4), **config.env}
            servers.append(serve_hub(url, scratch / f"data-{n}", env, root=root))
        script = write_wrk_script(scratch, key, guests, args.hotel)
        for _, base in servers:  # warm: caches, prepared statements, the pool
            warm = ["wrk", "-t2", f"-c{args.clients}", "-d3s", "-s", str(script), base + "/graphql"]
            subprocess.run(warm, capture_output=True, check=True)
        for r in range(args.rounds):
            order = list(zip(args.configs, servers, strict=True))
            for config, (proc, base) in order if r % 2 == 0 else reversed(order):
                figures = wrk_round(base, script, args.clients, args.seconds, proc.pid, url)
                config.rounds.append(figures)
                print(f"round {r + 1} {config.name:>12}: {line(figures)}", flush=True)
    finally:
        for proc, _ in servers:
            proc.terminate()
        for proc, _ in servers:
            proc.wait(timeout=60)
        for n, config in enumerate(args.configs):
            if config.revision != ".":
                subprocess.run(["git", "worktree", "remove", "--force", str(scratch / f"tree-{n}")], cwd=ROOT)
        shutil.rmtree(scratch, ignore_errors=True)
    first = {k: statistics.median(f[k] for f in args.configs[0].rounds) for k, _, _ in FIGURES}
    print(f"medians of {args.rounds} rounds of {args.seconds:.0f} s, {args.clients} connections:")
    for config in args.configs:
        medians = {k: statistics.median(f[k] for f in config.rounds) for k, _, _ in FIGURES}
        print(f"{config.name:>12}: {line(medians, first)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+", type=parse_config, help="NAME=REV[:SETTING=VALUE,...]")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--hotel", default="FJ-HOTEL-000010")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    configured = os.environ.get("HUB_DATABASE_URL")
    if configured:
        run(with_database(configured, "postgres"), args)
        return
    server = EmbeddedServer(ROOT / ".hub" / "bench-screening")
    server.start()
    try:
        run(server.admin_url, args)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
