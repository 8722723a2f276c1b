"""An ASGI app served for real on a free loopback port (uvicorn in the test's loop), `hub serve`
in a subprocess, and a deadline-bound poll for what happens in the background."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvicorn
from starlette.types import ASGIApp

DEADLINE = 10.0
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def poll(check: Callable[[], Awaitable[bool]], what: str, deadline_s: float = DEADLINE) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Served:
    """An ASGI app on a free loopback port (or on ``port``: a server started again where it was),
    served by uvicorn as a task of this loop."""

    def __init__(self, app: ASGIApp, port: int | None = None, **options: Any) -> None:
        self.port = free_port() if port is None else port
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning", **options)
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Served:
        self.task = asyncio.get_running_loop().create_task(self.server.serve())

        async def started() -> bool:
            # Served once the port takes connections: uvicorn listens after the lifespan's startup.
            assert self.task is not None
            if self.task.done():
                self.task.result()
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                return False
            writer.close()
            await writer.wait_closed()
            return True

        await poll(started, "the server to start")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        assert self.task is not None
        await asyncio.wait_for(self.task, DEADLINE)


class HubProcess:
    """`hub serve` on ``database_url`` (None: its embedded server in ``data_dir``) in a
    subprocess, its output in a log in ``data_dir``; ``serve_args`` are more options of
    `hub serve` (``--workers 2``), ``env`` adds settings. Poll ``ready`` before use; ``stop``
    sends SIGTERM (then kills)."""

    def __init__(self, database_url: str | None, data_dir: Path, *serve_args: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url, self.data_dir = database_url, data_dir
        self.log = data_dir / f"hub-{self.port}.log"
        settings = {**os.environ, "HUB_DATA_DIR": str(data_dir), **env}
        if database_url is None:
            settings.pop("HUB_DATABASE_URL", None)
        else:
            settings["HUB_DATABASE_URL"] = database_url
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--port", str(self.port), *serve_args],
                cwd=ROOT,
                env=settings,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def ready(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()
        try:
            async with httpx.AsyncClient() as http:
                return (await http.get(f"{self.url}/readyz", timeout=2)).status_code == 200
        except httpx.TransportError:
            return False

    def keys(self) -> dict[str, str]:
        """The demo agencies' keys by code, as `hub serve --demo` printed them."""
        keys = {}
        for line in self.log.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2].startswith("hub_"):
                keys[parts[1]] = parts[2]
        return keys

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """The PostgreSQL processes running on a data directory under ``data_dir``."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(data_dir.resolve()) in cmdline:
            found.append(proc)
    return found
