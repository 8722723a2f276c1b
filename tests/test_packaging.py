"""Packaging habits: one version, printed by ``hub --version``; the package is typed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import hub

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_version() -> str:
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    return version


def test_the_version_is_written_once_and_the_package_reports_it() -> None:
    assert hub.__version__ == _pyproject_version()
    source = (ROOT / "hub" / "__init__.py").read_text(encoding="utf-8")
    assert _pyproject_version() not in source


def test_hub_version_prints_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"hub {_pyproject_version()}"


def test_the_package_is_marked_typed_and_shipped() -> None:
    marker = Path(hub.__file__).parent / "py.typed"
    assert marker.is_file()
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "hub/py.typed"], cwd=ROOT, capture_output=True, text=True
    )
    assert tracked.returncode == 0, "hub/py.typed must be committed, or the wheel ships without it"


def test_the_changelog_has_an_unreleased_section() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text
    assert "## [Unreleased]" in text
