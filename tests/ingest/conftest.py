"""Fixtures for ingest: the example files, the courts, and an upload helper."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest_asyncio

from hub.seed.courts import ensure_courts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ingest"

Upload = Callable[..., Awaitable[httpx.Response]]


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


@pytest_asyncio.fixture
async def courts(conn: asyncpg.Connection) -> None:
    await ensure_courts(conn)


@pytest_asyncio.fixture
async def upload(app_client: httpx.AsyncClient, courts: None) -> Upload:
    """POST a body to /ingest/{source} with an agency's headers and parameters."""

    async def post(source: str, headers: dict[str, str], body: bytes, **params: Any) -> httpx.Response:
        return await app_client.post(f"/ingest/{source}", content=body, headers=headers, params=params)

    return post
