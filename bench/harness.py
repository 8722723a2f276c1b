"""What the benchmarks share: a database to run on, `hub serve` subprocesses, agency keys.

A benchmark script runs as ``python bench/<name>.py``, so this module is imported as
``harness`` from the script's own folder.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
# Rate limits off and no listing expiry on start: neither is what a benchmark measures (the
# seed dates its listings up to mid-2025, and a first start would spend the run expiring them).
UNLIMITED: Mapping[str, str] = {
    "HUB_LIMIT_OPERATIONS_PER_MINUTE": "1000000000",
    "HUB_LIMIT_SUBJECTS_PER_MINUTE": "1000000000",
    "HUB_EXPIRY_SECONDS": "0",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@dataclass
class Server:
    """The PostgreSQL server a benchmark runs on, and a scratch folder."""

    admin_url: str
    where: str
    tmp: Path


@contextmanager
def bench_server(prefix: str, drop: str | None = None, keep_tmp: bool = False) -> Iterator[Server]:
    """HUB_DATABASE_URL's server when set, else an embedded one in a scratch folder; on exit
    the database ``drop`` (if given) is dropped from a configured server, an embedded one is
    stopped, and the scratch folder removed (unless ``keep_tmp``)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    configured = os.environ.get("HUB_DATABASE_URL")
    embedded = None
    try:
        if configured:
            yield Server(with_database(configured, "postgres"), "PostgreSQL server", tmp)
        else:
            from hub.db.embedded import EmbeddedServer

            embedded = EmbeddedServer(tmp / "db")
            embedded.start()
            yield Server(embedded.admin_url, "embedded PostgreSQL", tmp)
    finally:
        if embedded is not None:
            embedded.stop()
        elif configured and drop:
            asyncio.run(_drop(with_database(configured, "postgres"), drop))
        if not keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)


async def _drop(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def create_key(url: str, code: str, name: str, kind: str, role: str | None = None) -> str:
    """A new agency on ``url`` through `hub agency create`; its API key."""
    command = [sys.executable, "-m", "hub.cli", "agency", "create", "--code", code, "--name", name, "--kind", kind]
    if role:
        command += ["--role", role]
    done = subprocess.run(
        command, env={**os.environ, "HUB_DATABASE_URL": url}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def wait_ready(base: str, proc: subprocess.Popen[bytes], seconds: float = 60, path: str = "/readyz") -> None:
    """Until ``base + path`` answers (GET /readyz: 200; another path: any answer to a POST)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{base} exited")
        try:
            if path == "/readyz":
                if httpx.get(f"{base}{path}", timeout=1).status_code == 200:
                    return
            else:
                httpx.post(f"{base}{path}", timeout=1, json={})
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{base} did not become ready")


def serve_hub(
    url: str,
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    ready_seconds: float = 60,
    port: int | None = None,
    root: Path = ROOT,
) -> tuple[subprocess.Popen[bytes], str]:
    """`hub serve` on ``url`` in a subprocess (extra ``env`` and ``args``), once ready; its base
    URL. ``root``: the checkout whose code runs (another revision's worktree, say)."""
    port = port or free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), *args],
        env={**os.environ, "HUB_DATABASE_URL": url, "HUB_DATA_DIR": str(data_dir), **(env or {})},
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, proc, ready_seconds)
    return proc, base


def stop(procs: Sequence[subprocess.Popen[bytes]], seconds: float = 60) -> None:
    """SIGTERM every process, then wait for each."""
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=seconds)


async def closed_loop(
    base: str,
    headers: Mapping[str, str],
    body: Callable[[int], dict[str, Any]],
    clients: int,
    seconds: float,
    check: Callable[[httpx.Response], None] | None = None,
    warm: bool = False,
) -> tuple[float, list[float]]:
    """``clients`` Python clients, each posting to /graphql as soon as its last answer came, for
    ``seconds``: requests per second and every latency. Client n sends ``body(n)``,
    ``body(n + clients)``, ...; ``check`` sees each answer (raise to stop); with ``warm`` each
    client first sends one request that is not timed."""
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds

    async def client(offset: int) -> None:
        async with httpx.AsyncClient(base_url=base, headers=dict(headers), timeout=30) as one:
            i = offset
            if warm:
                await one.post("/graphql", json=body(i))
            while time.monotonic() < stop_at:
                sent = body(i)
                t0 = time.perf_counter()
                response = await one.post("/graphql", json=sent)
                latencies.append(time.perf_counter() - t0)
                if check is not None:
                    check(response)
                i += clients

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return len(latencies) / (time.monotonic() - started), latencies


def cpu_by_pid(processes: Sequence[Any]) -> dict[int, float]:
    """CPU seconds (user + system) each of ``processes`` (psutil) has used so far."""
    import psutil

    seconds = {}
    for process in processes:
        try:
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
        except psutil.Error:
            pass
    return seconds


def cpu_spent(before: Mapping[int, float], after: Mapping[int, float]) -> float:
    """CPU seconds between two readings; a process started in between counts whole."""
    return sum(total - before.get(pid, 0.0) for pid, total in after.items())
