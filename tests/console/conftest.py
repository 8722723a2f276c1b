"""A real `hub serve --demo` and headless Chromium (Debian's package, driven by Playwright).

Without /usr/bin/chromium the browser tests are skipped with the install command, unless
``HUB_REQUIRE_BROWSER=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HUB_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "test-output" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class DemoHub:
    url: str
    proc: subprocess.Popen[bytes]
    out: Path
    passwords: dict[str, str] = field(default_factory=dict)

    def read_passwords(self) -> None:
        found = re.findall(r"console-user \S+\s+(\S+)\s+\S+\s+(\S+)", self.out.read_text())
        self.passwords = dict(found)


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    message = f"headless Chromium is not installed at {CHROMIUM}: apt-get install -y chromium"
    if os.environ.get("HUB_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def demo_hub() -> Iterator[DemoHub]:
    """`hub serve --demo` on a free port over its own embedded database."""
    _require_browser()
    data_dir = Path(tempfile.mkdtemp(prefix="hubcon", dir="/tmp"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "HUB_DATABASE_URL"}
    env["HUB_DATA_DIR"] = str(data_dir)
    out = data_dir / "stdout.txt"
    with out.open("wb") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "serve", "--demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
        )
    hub = DemoHub(url=f"http://127.0.0.1:{port}", proc=proc, out=out)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, out.read_text()
            try:
                if httpx.get(f"{hub.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the hub did not become ready:\n" + out.read_text()
            time.sleep(0.2)
        hub.read_passwords()
        yield hub
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(demo_hub: DemoHub) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
