"""`hub user create` and `hub user disable` as an administrator runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import pytest

from hub.console.users import LoginFailed, authenticate
from hub.db.database import Database
from tests.test_cli import ROOT, hub


def create_user(url: str, agency: str, username: str, role: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "user", "create", "--agency", agency, "--username", username]
        + ["--role", role, "--password-stdin"],
        cwd=ROOT,
        env={**os.environ, "HUB_DATABASE_URL": url},
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_user_create_reads_the_password_from_stdin_and_it_logs_in(fresh_database_url: str) -> None:
    made = hub(
        fresh_database_url, "agency", "create", "--code", "XM-DESK", "--name", "厦门旅馆业窗口", "--kind", "police"
    )
    assert made.returncode == 0, made.stderr

    created = create_user(fresh_database_url, "XM-DESK", "Xu.Min", "clerk", "a password long enough")

    assert created.returncode == 0, created.stderr
    assert "a password long enough" not in created.stdout + created.stderr

    conn = await asyncpg.connect(fresh_database_url)
    try:
        user = await authenticate(Database(connection=conn), "xu.min", "a password long enough")
        stored = await conn.fetchval("SELECT password_hash FROM console.app_user WHERE username = 'xu.min'")
    finally:
        await conn.close()
    assert user.agency_code == "XM-DESK"
    assert user.role == "clerk"
    assert stored.startswith("$argon2id$")

    disabled = hub(fresh_database_url, "user", "disable", "--username", "xu.min")
    assert disabled.returncode == 0, disabled.stderr
    conn = await asyncpg.connect(fresh_database_url)
    try:
        with pytest.raises(LoginFailed):
            await authenticate(Database(connection=conn), "xu.min", "a password long enough")
    finally:
        await conn.close()


def test_an_operator_must_belong_to_a_platform_agency(fresh_database_url: str) -> None:
    made = hub(fresh_database_url, "agency", "create", "--code", "XM-LAND", "--name", "厦门不动产", "--kind", "land")
    assert made.returncode == 0, made.stderr

    refused = create_user(fresh_database_url, "XM-LAND", "boss", "operator", "a password long enough")

    assert refused.returncode == 1
    assert "operators belong to a platform agency" in refused.stderr
