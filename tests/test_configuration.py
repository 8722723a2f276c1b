"""Every ``HUB_*`` variable the code reads is documented, and ``hub config show`` hides secrets."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "configuration.md"
NAME = re.compile(r"HUB_[A-Z0-9_]*")


def names_in_code() -> dict[str, list[str]]:
    """Every ``HUB_...`` name in a string of hub/'s code, with where it is. A name ending in ``_``
    is a prefix the code completes (``"HUB_LIMIT_" + name``, ``f"HUB_REMOTE_{source}_URL"``)."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "hub").rglob("*.py"))}
    # Error codes are not variables: ``code = "HUB_ERROR"``, wherever they are named after
    # (the console's messages are keyed by them).
    codes = {
        node.value.value
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }
    found: dict[str, list[str]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value not in codes:
                for name in NAME.findall(node.value):
                    if name != "HUB_":
                        found.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def documented() -> list[str]:
    """The names in the first column of the document's tables; ``<...>`` marks a pattern."""
    names = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `HUB_"):
            names += re.findall(r"`(HUB_[A-Z0-9_<>]+)`", line.split("|")[1])
    return names


def covered(name: str, entries: list[str]) -> bool:
    for entry in entries:
        pattern = re.sub(r"<[A-Z]+>", "[A-Z0-9_]+", entry)
        if re.fullmatch(pattern, name):
            return True
        # A prefix the code completes is documented when an entry starts with it.
        if name.endswith("_") and entry.startswith(name):
            return True
    return False


def test_every_variable_the_code_reads_is_documented() -> None:
    entries = documented()
    assert "HUB_DATABASE_URL" in entries
    assert "HUB_LIMIT_<NAME>" in entries
    missing = {name: where for name, where in names_in_code().items() if not covered(name, entries)}
    assert not missing, (
        "HUB_* variables read in hub/ but not listed in docs/configuration.md; add a row "
        "'| `NAME` | default | meaning |' to the table of its section there (and to README's settings table):\n"
        + "\n".join(f"  {name}  (read in {', '.join(where)})" for name, where in sorted(missing.items()))
    )


def test_the_scan_finds_names_and_prefixes() -> None:
    found = names_in_code()
    assert "HUB_POOL_TIMEOUT_SECONDS" in found
    assert "HUB_LIMIT_" in found
    assert "HUB_ERROR" not in found
    assert not covered("HUB_NOT_A_SETTING", documented())
    assert covered("HUB_REMOTE_POLICE_TOKEN", documented())


def test_every_documented_variable_is_read() -> None:
    found = names_in_code()
    stale = [
        entry
        for entry in documented()
        if "<" not in entry and entry not in found and not any(entry.startswith(p) for p in found if p.endswith("_"))
    ]
    assert not stale, f"docs/configuration.md lists variables no code reads: {stale}"


def config_show(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "config", "show"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_config_show_prints_the_effective_configuration_with_secrets_hidden() -> None:
    done = config_show(
        HUB_DATABASE_URL="postgresql://hub_app:pa55-w0rd@db.example:5432/hub?sslmode=require",
        HUB_REMOTE_POLICE_URL="https://vehicles.police.example/api",
        HUB_REMOTE_POLICE_TOKEN="tok-0123456789",
        HUB_LIMIT_MAX_DEPTH="11",
        HUB_AUDIT_SIGNING_KEY="-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "pa55-w0rd" not in out
    assert "tok-0123456789" not in out
    assert "MC4CAQAw" not in out
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert "postgresql://hub_app:****@db.example:5432/hub" in rows["HUB_DATABASE_URL"]
    assert rows["HUB_LIMIT_MAX_DEPTH"].split()[1:] == ["11", "[env]"]
    assert rows["HUB_LIMIT_MAX_ALIASES"].split()[1:] == ["15", "[default]"]
    assert "hidden" in rows["HUB_REMOTE_POLICE_TOKEN"]
    assert "hidden" in rows["HUB_AUDIT_SIGNING_KEY"]
    assert "https://vehicles.police.example/api" in rows["HUB_REMOTE_POLICE_URL"]


def test_config_show_names_a_bad_setting() -> None:
    done = config_show(HUB_POOL_MAX_SIZE="ten")
    assert done.returncode == 1
    assert "HUB_POOL_MAX_SIZE" in done.stderr
