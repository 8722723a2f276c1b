"""The long fuzz run: many generated and garbage requests per agency profile, over HTTP to
`hub serve` (HUB_DATABASE_URL's server, or an embedded one).

    python bench/fuzz.py [--examples 300]

For every profile in the rules: ``--examples`` documents generated from the schema (only the
fields the profile may select) and as many garbage requests (tests/fuzzing.py). Prints, per
profile, the examples tried, the answers by status, and the failures found (a 5xx other than
503, a traceback or SQL text, a full resident ID where the policy masks it), with the first
few requests that failed. Exits 1 if any failed. The suite runs a few of the same
(tests/gateway/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from harness import ROOT, UNLIMITED, bench_server, serve_hub, stop, with_database
from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(ROOT))  # tests.fuzzing: the strategies and the checks the suite uses

from hub.agencies import create_agency
from hub.db.database import Database
from hub.db.embedded import ensure_database
from hub.db.migrate import migrate
from hub.policy import Principal
from hub.policy.rules import EffectivePolicy, load_rules
from hub.schema import build_schema
from hub.seed.demo import load_stories
from hub.sources import core
from tests.fuzzing import KINDS, PURPOSES, faults, requests, schema_documents


@dataclass
class Tally:
    tried: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


async def prepare(url: str) -> dict[str, tuple[dict[str, str], EffectivePolicy]]:
    """Migrate, load the stories, and make an agency of each profile: its headers and policy."""
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        await load_stories(conn)
        db = Database(connection=conn)
        rules = load_rules(build_schema()._schema, await core.matter_codes(db))
        agencies = {}
        for profile, purpose in PURPOSES.items():
            kind = KINDS.get(profile, profile)
            role = profile if profile != kind else None
            made = await create_agency(db, code=f"FUZZ-{profile}", name=profile, kind=kind, role=role)
            headers = {"Authorization": f"Bearer {made.key}"}
            if purpose is not None:
                headers["Hub-Purpose"] = quote(purpose)
            principal = Principal(made.id, made.code, profile, kind, "350100", None, role=role)
            agencies[profile] = (headers, rules.for_principal(principal, development=True))
    finally:
        await conn.close()
    return agencies


def run(base: str, headers: dict[str, str], policy: EffectivePolicy, bodies: Any, examples: int, tally: Tally) -> None:
    """Send ``examples`` bodies drawn by hypothesis; count them, keep what failed."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # every failure is kept, none shrunk: the run goes on
            suppress_health_check=list(HealthCheck),
        )
        @given(body=bodies)
        def send(body: Any) -> None:
            tally.tried += 1
            response = http.post("/graphql", json=body)
            tally.statuses[response.status_code] += 1
            found = faults(response.status_code, response.text, policy)
            if found:
                tally.failures.append(f"{found}: {str(body)[:300]!r} -> {response.text[:300]!r}")

        send()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=300, help="of each kind, per profile (default 300)")
    args = parser.parse_args()
    name = f"hub_fuzz_{uuid.uuid4().hex[:8]}"
    with bench_server("hubfuzz", drop=name) as server:
        asyncio.run(ensure_database(server.admin_url, name))
        url = with_database(server.admin_url, name)
        agencies = asyncio.run(prepare(url))
        proc, base = serve_hub(url, server.tmp, env=UNLIMITED)
        started = time.monotonic()
        total = Tally()
        try:
            print(f"fuzz on {server.where}, {args.examples} schema documents and garbage requests per profile")
            print(f"{'profile':<14} {'tried':>6} {'failed':>6}  statuses")
            for profile, (headers, policy) in agencies.items():
                tally = Tally()
                run(
                    base,
                    headers,
                    policy,
                    schema_documents(policy.allowed).map(lambda q: {"query": q}),
                    args.examples,
                    tally,
                )
                run(base, headers, policy, requests, args.examples, tally)
                statuses = " ".join(f"{s}:{n}" for s, n in sorted(tally.statuses.items()))
                print(f"{profile:<14} {tally.tried:>6} {len(tally.failures):>6}  {statuses}", flush=True)
                total.tried += tally.tried
                total.statuses.update(tally.statuses)
                total.failures.extend(f"{profile}: {f}" for f in tally.failures)
        finally:
            stop([proc])
    statuses = " ".join(f"{s}:{n}" for s, n in sorted(total.statuses.items()))
    print(f"{'all':<14} {total.tried:>6} {len(total.failures):>6}  {statuses}")
    print(f"{total.tried} examples tried in {time.monotonic() - started:.0f} s, {len(total.failures)} failures found")
    for failure in total.failures[:20]:
        print("  " + failure)
    return 1 if total.failures else 0


if __name__ == "__main__":
    sys.exit(main())
