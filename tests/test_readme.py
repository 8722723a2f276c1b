"""The README's commands and queries run as copied (a README doctest).

Every fenced block of README.md is one of:

- ``sh``: run with bash against a served hub with the demo (`hub serve --demo`), in README order
  and as one terminal session would (a variable set in one block is there in the next); it must
  exit 0 and no answer it prints may carry GraphQL ``errors``. The demo's key replaces ``hub_...``
  on a line ``NAME=hub_...  # ... <AGENCY CODE> ...``, and the hub's address ``127.0.0.1:8000``.
- ``graphql``: each operation sent to the hub as the agency and with the purpose its directive
  names, ``<!-- doctest: agency=CODE purpose=PURPOSE -->`` on the line before; no ``errors``.
- ``text`` or ``json``: output, contracts and layouts, shown and never run.

A block that must not run (an install, a server that runs until stopped, a benchmark) says so on
the line before: ``<!-- doctest: skip (why) -->``. Any other block fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from graphql import OperationDefinitionNode, parse, print_ast

from tests.served import HubProcess, poll

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SHELL = {"sh", "bash", "shell"}
SHOWN = {"text", "json"}
DIRECTIVE = re.compile(r"^<!-- doctest: (.*) -->$")
KEY_LINE = re.compile(r"^(?P<name>[A-Z_]+)=hub_\.\.\.(?P<rest>\s*#.*)$")
AGENCY_CODE = re.compile(r"\b[A-Z]{2}(?:-[A-Z]+)+\b")
DEMO_KEY = re.compile(r"^\s+\S+\s+(?P<code>[A-Z]{2}(?:-[A-Z]+)+)\s+(?P<key>hub_\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    directive: str | None

    @property
    def skipped(self) -> bool:
        return self.directive is not None and self.directive.startswith("skip")

    def where(self) -> str:
        return f"README.md line {self.line} ({self.language or 'untagged'})"


def blocks() -> list[Block]:
    found = []
    lines = README.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        fence = lines[index]
        if not fence.startswith("```"):
            index += 1
            continue
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        directive = DIRECTIVE.match(before.strip())
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        found.append(
            Block(index + 1, fence[3:].strip(), "\n".join(lines[index + 1 : end]), directive and directive.group(1))
        )
        index = end + 1
    return found


def unrunnable(block: Block) -> str | None:
    """Why the doctest cannot run ``block`` although it is not marked; None when it can."""
    if block.skipped or block.language in SHOWN:
        return None
    if block.language in SHELL:
        return None
    if block.language == "graphql":
        if block.directive is None or "agency=" not in block.directive:
            return "a graphql block needs `<!-- doctest: agency=CODE purpose=PURPOSE -->` on the line before"
        return None
    return "tag it `sh` or `graphql` to run it, `text` or `json` if it is shown only, or mark it skip"


def test_every_block_runs_is_shown_or_is_marked() -> None:
    found = blocks()
    assert len(found) > 10
    problems = [f"{b.where()}: {why}" for b in found if (why := unrunnable(b))]
    assert not problems, "\n".join(problems)
    skips = [b for b in found if b.skipped]
    assert all(re.fullmatch(r"skip \(.+\)", b.directive or "") for b in skips), "say why a block is skipped"


def substitute(text: str, keys: dict[str, str], url: str) -> str:
    def key_line(line: str) -> str:
        matched = KEY_LINE.match(line)
        if not matched:
            return line
        codes = [code for code in AGENCY_CODE.findall(matched["rest"]) if code in keys]
        assert codes, f"no demo agency named in {line!r}"
        return f"{matched['name']}={keys[codes[0]]}{matched['rest']}"

    return "\n".join(key_line(line) for line in text.splitlines()).replace("http://127.0.0.1:8000", url)


def answers(output: str) -> list[object]:
    """The JSON documents in a command's output (curl prints them back to back)."""
    decoder_input = output.strip()
    found: list[object] = []
    for chunk in re.split(r"(?<=\})\s*(?=\{)", decoder_input):
        try:
            found.append(orjson.loads(chunk))
        except orjson.JSONDecodeError:
            continue
    return found


def run_shell(block: Block, session: list[str], keys: dict[str, str], hub: HubProcess, work: Path) -> str | None:
    script = substitute(block.text, keys, hub.url)
    env = {
        **os.environ,
        "HUB_DATABASE_URL": hub.database_url,
        "HUB_DATA_DIR": str(hub.data_dir),
        "PATH": f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", "\n".join([*session, script])],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # What a terminal keeps for the next block: the variables this one set.
    session += [line for line in script.splitlines() if re.match(r"^[A-Z_]+=", line)]
    if done.returncode != 0:
        return f"exit {done.returncode}: {done.stderr.strip()[-800:]}"
    # A curl block prints the hub's answer: JSON, or another format it asks for (a scrape).
    if "curl" in script and not answers(done.stdout) and "/metrics" not in script:
        return f"no answer from the hub: {done.stdout[-400:]!r}"
    if "curl" in script and not done.stdout.strip():
        return "no answer from the hub"
    for answer in answers(done.stdout):
        if isinstance(answer, dict) and answer.get("errors"):
            return f"the hub answered errors: {answer['errors']}"
    return None


def run_graphql(block: Block, keys: dict[str, str], hub: HubProcess) -> str | None:
    settings = dict(part.split("=", 1) for part in (block.directive or "").split())
    headers = {"Authorization": f"Bearer {keys[settings['agency']]}"}
    if "purpose" in settings:
        headers["Hub-Purpose"] = settings["purpose"]
    for definition in parse(block.text).definitions:
        assert isinstance(definition, OperationDefinitionNode)
        response = httpx.post(f"{hub.url}/graphql", json={"query": print_ast(definition)}, headers=headers, timeout=60)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            return f"{print_ast(definition)[:80]}...: HTTP {response.status_code} {body.get('errors')}"
    return None


async def test_the_readme_runs_as_copied(fresh_database_url: str, tmp_path: Path) -> None:
    # Given the hub a new user starts: `hub serve --demo`, its keys printed.
    hub = HubProcess(fresh_database_url, tmp_path, "--demo")
    try:
        await poll(hub.ready, "the demo hub to become ready", 180)
        keys = {m["code"]: m["key"] for m in DEMO_KEY.finditer(hub.log.read_text(encoding="utf-8"))}
        assert "FJ-HIGH-COURT" in keys, hub.log.read_text(encoding="utf-8")
        # A working directory like the checkout's: .venv/bin/hub and the examples.
        work = Path(tempfile.mkdtemp(dir=tmp_path))
        (work / ".venv").symlink_to(Path(sys.prefix))
        (work / "examples").symlink_to(ROOT / "examples")

        # When every block is run in README order.
        failures: list[str] = []
        session: list[str] = []
        ran = 0
        for block in blocks():
            if block.skipped or block.language in SHOWN:
                continue
            ran += 1
            if block.language in SHELL:
                failed = run_shell(block, session, keys, hub, work)
            else:
                failed = run_graphql(block, keys, hub)
            if failed:
                failures.append(f"{block.where()}: {failed}")

        # Then none failed.
        assert not failures, "\n".join(failures)
        assert ran >= 5
    finally:
        hub.stop()
