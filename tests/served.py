"""An ASGI app served for real on a free loopback port (uvicorn in the test's loop), and a
deadline-bound poll for what happens in the background."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable

import uvicorn
from starlette.types import ASGIApp

DEADLINE = 10.0


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
    """An ASGI app on a free loopback port, served by uvicorn as a task of this loop."""

    def __init__(self, app: ASGIApp) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning")
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Served:
        self.task = asyncio.get_running_loop().create_task(self.server.serve())

        async def started() -> bool:
            assert self.task is not None
            if self.task.done():
                self.task.result()
            return self.server.started

        await poll(started, "the server to start")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        assert self.task is not None
        await asyncio.wait_for(self.task, DEADLINE)
