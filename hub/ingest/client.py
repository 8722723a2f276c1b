"""``hub ingest``: upload a file to a hub over HTTP with a progress bar, print the report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

BLOCK = 1 << 20
STATUS_QUERY = """query($id: ID!) { ingestBatch(id: $id) {
  id agency source format encoding mode sourceVersion status records invalid inserted updated unchanged held
  errors { line field reason } errorsNotShown message startedAt finishedAt } }"""


def upload_file(
    url: str,
    key: str,
    path: Path,
    *,
    source: str,
    fmt: str | None,
    encoding: str,
    partial: bool,
    source_version: str | None,
    progress: bool,
) -> int:
    """Stream ``path`` to POST /ingest/{source}; print the batch report; 0 when applied."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    params = {
        "format": fmt or ("csv" if path.suffix.lower() == ".csv" else "ndjson"),
        "encoding": encoding,
        "mode": "partial" if partial else "atomic",
    }
    if source_version:
        params["sourceVersion"] = source_version
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]uploading {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[records]:,} records"),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not progress,
    ) as bar:
        task = bar.add_task(path.name, total=size, records=0)
        # Records sent so far: lines, less a CSV's header row (the hub counts the same way).
        header = 1 if params["format"] == "csv" else 0
        lines = 0

        def blocks() -> Iterator[bytes]:
            nonlocal lines
            with path.open("rb") as f:
                while block := f.read(BLOCK):
                    lines += block.count(b"\n")
                    bar.update(task, advance=len(block), records=max(0, lines - header))
                    yield block

        try:
            response = httpx.post(
                f"{url.rstrip('/')}/ingest/{source}",
                content=blocks(),
                params=params,
                headers={"Authorization": f"Bearer {key}"},
                timeout=httpx.Timeout(30, read=None),
            )
        except httpx.TransportError as exc:
            print(f"error: the hub at {url} did not answer: {exc}", file=sys.stderr)
            return 1
    if "errors" in response.json() and "status" not in response.json():
        error = response.json()["errors"][0]
        print(f"error: {error['message']} ({error['extensions']['code']})", file=sys.stderr)
        return 1
    report: dict[str, Any] = response.json()
    print_report(report)
    return 0 if report["status"] == "applied" else 1


def batch_status(url: str, key: str, batch_id: str) -> int:
    response = httpx.post(
        f"{url.rstrip('/')}/graphql",
        json={"query": STATUS_QUERY, "variables": {"id": batch_id}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    body = response.json()
    if body.get("errors"):
        error = body["errors"][0]
        print(f"error: {error['message']} ({error.get('extensions', {}).get('code')})", file=sys.stderr)
        return 1
    batch = body["data"]["ingestBatch"]
    if batch is None:
        print(f"error: no batch {batch_id} of this agency", file=sys.stderr)
        return 1
    batch["status"] = batch["status"].lower()
    batch["source"] = batch["source"].lower()
    print_report(batch)
    return 0


def print_report(report: dict[str, Any]) -> None:
    print(
        f"batch {report['id']} ({report['source']}, {report['format']}, {report['mode']}): {report['status']}\n"
        f"  records {report['records']}  inserted {report['inserted']}  updated {report['updated']}  "
        f"unchanged {report['unchanged']}  invalid {report['invalid']}  held for an operator {report['held']}"
    )
    if report.get("message"):
        print(f"  {report['message']}")
    shown = report["errors"][:50]
    for error in shown:
        print(f"  line {error['line']}: {error['field']}: {error['reason']}")
    hidden = len(report["errors"]) - len(shown) + report["errorsNotShown"]
    if hidden:
        print(f"  ... and {hidden} more error(s)")
