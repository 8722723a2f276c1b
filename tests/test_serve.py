"""`hub serve --demo` as a user runs it: a subprocess on the embedded default, over real HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
import psutil
import pytest

from hub.db.embedded import EmbeddedServer
from hub.identity import make_resident_id
from tests.served import postgres_processes

ROOT = Path(__file__).resolve().parent.parent
LIN = make_resident_id("350102", __import__("datetime").date(1976, 4, 12), 271)
QUERY = """query($id: String!) { subjectByResidentId(residentId: $id) {
  name listings { nodes { case { caseNumber court { name } } } }
  realEstate { nodes { estate { certificateNumber sealed } } }
  shareholdings { nodes { company { name } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _poll(check: object, deadline_s: float, what: str) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _serving(port: int, processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` that hold the socket listening on ``port``: the ones serving it."""
    found = []
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            sockets = proc.net_connections(kind="tcp")
            if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets):
                found.append(proc)
    return found


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Short path: PostgreSQL's socket lives in it.
    directory = Path(tempfile.mkdtemp(prefix="hubsrv", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


class Served:
    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.port = _free_port()
        self.out = data_dir / f"stdout-{self.port}.txt"
        env = {k: v for k, v in os.environ.items() if k != "HUB_DATABASE_URL"}
        env["HUB_DATA_DIR"] = str(data_dir)
        env["HUB_AUDIT_CHECKPOINT_SECONDS"] = "1"
        with self.out.open("wb") as stdout:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--demo", "--port", str(self.port), *extra],
                cwd=ROOT,
                env=env,
                stdout=stdout,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{self.port}"

    def ready(self) -> bool:
        assert self.proc.poll() is None, self.out.read_text()
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def keys(self) -> dict[str, str]:
        keys = {}
        for line in self.out.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2].startswith("hub_"):
                keys[parts[1]] = parts[2]
        return keys

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def test_serve_demo_answers_over_http_and_stops_cleanly(data_dir: Path) -> None:
    served = Served(data_dir)
    try:
        _poll(served.ready, 180, "the hub to become ready")
        keys = served.keys()
        assert set(keys) >= {"FJ-HIGH-COURT", "FZ-LAND-REGISTRY", "FJ-PLATFORM", "FJ-POLICE-HOTELS"}

        auth = {"Authorization": f"Bearer {keys['FJ-HIGH-COURT']}", "Hub-Purpose": quote("(2018)闽0102执1867号")}
        response = httpx.post(f"{served.url}/graphql", json={"query": QUERY, "variables": {"id": LIN}}, headers=auth)
        assert response.status_code == 200
        lin = response.json()["data"]["subjectByResidentId"]
        assert lin["name"] == "林文斌"
        assert lin["listings"]["nodes"][0]["case"]["court"]["name"] == "福州市鼓楼区人民法院"
        assert lin["realEstate"]["nodes"][0]["estate"]["sealed"] is True
        assert lin["shareholdings"]["nodes"][0]["company"]["name"] == "福州鑫源贸易有限公司"

        # A GET carries its variables in the URL; the logs must not keep the ID number.
        got = httpx.get(
            f"{served.url}/graphql", params={"query": QUERY, "variables": json.dumps({"id": LIN})}, headers=auth
        )
        assert got.json()["data"]["subjectByResidentId"]["name"] == "林文斌"

        ide = httpx.get(f"{served.url}/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 200
        assert "graphiql" in ide.text.lower()
        assert httpx.post(f"{served.url}/graphql", json={"query": "{ __typename }"}).status_code == 401

        # The chain head is signed periodically while serving.
        operator = {"Authorization": f"Bearer {keys['FJ-PLATFORM']}"}

        def signed() -> bool:
            body = httpx.post(
                f"{served.url}/graphql", json={"query": "{ auditVerification { ok checkpoints } }"}, headers=operator
            ).json()
            assert body["data"]["auditVerification"]["ok"] is True, body
            return bool(body["data"]["auditVerification"]["checkpoints"] >= 1)

        _poll(signed, 30, "a signed checkpoint")
    finally:
        code = served.stop()
    assert code == 0, served.out.read_text()
    log = served.out.read_text()
    assert LIN not in log
    assert LIN[:14] not in log
    assert postgres_processes(data_dir) == [], "the embedded PostgreSQL was left running"

    # A second start on the same data directory reuses the data and the keys; with two
    # worker processes on one port, both answer, and both stop with the embedded server.
    again = Served(data_dir, "--workers", "2")
    try:
        _poll(again.ready, 180, "the hub to become ready again")
        assert again.keys() == keys
        workers = _serving(again.port, psutil.Process(again.proc.pid).children(recursive=True))
        for _ in range(20):
            answer = httpx.post(f"{again.url}/graphql", json={"query": QUERY, "variables": {"id": LIN}}, headers=auth)
            assert answer.json()["data"]["subjectByResidentId"]["name"] == "林文斌"
    finally:
        assert again.stop() == 0, again.out.read_text()
    assert postgres_processes(data_dir) == []
    assert len(workers) == 2
    assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]

    # Every question left its trace, and the chain holds.
    env = {k: v for k, v in os.environ.items() if k != "HUB_DATABASE_URL"}
    env["HUB_DATA_DIR"] = str(data_dir)
    verified = subprocess.run(
        [sys.executable, "-m", "hub.cli", "audit", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert postgres_processes(data_dir) == []

    import asyncio

    async def count() -> tuple[int, int, int, int]:
        with EmbeddedServer(data_dir) as server:
            conn = await asyncpg.connect(server.start())
            try:
                return (
                    await conn.fetchval("SELECT count(*) FROM core.subject WHERE name = '林文斌'"),
                    await conn.fetchval("SELECT count(*) FROM core.agency"),
                    await conn.fetchval("SELECT count(*) FROM core.dataset WHERE name = 'demo'"),
                    await conn.fetchval("SELECT count(*) FROM audit.event WHERE outcome = 'ok'"),
                )
            finally:
                await conn.close()

    subjects, agencies, demo, answered = asyncio.run(count())
    # The demo agencies (hub.seed.demo.AGENCIES), FJ-AGRICULTURE and FJ-TAX included.
    assert (subjects, agencies, demo) == (1, 14, 1)
    assert answered >= 1
