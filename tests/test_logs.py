"""HUB_LOG_FORMAT=json: what a served hub writes, read from its log."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from hub.logs import handler, redact
from tests.events.conftest import PERSON_ID, seed
from tests.served import HubProcess, poll

# A client may put anything in an operation's name, an ID number too.
LOOKUP = f'query Find{PERSON_ID} {{ subjectByResidentId(residentId: "{PERSON_ID}") {{ name }} }}'


def _json_lines(log: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


async def test_json_logs_give_one_line_per_operation_without_the_id_number(
    fresh_database_url: str, tmp_path: Path
) -> None:
    keys, _ = await seed(fresh_database_url)
    hub = HubProcess(fresh_database_url, tmp_path, "--workers", "2", HUB_LOG_FORMAT="json")
    try:
        await poll(hub.ready, "the hub to serve", 30)
        async with httpx.AsyncClient(base_url=hub.url) as http:
            answered = await http.post(
                "/graphql",
                json={"query": LOOKUP},
                headers={"Authorization": f"Bearer {keys['court']}", "Hub-Purpose": quote("(2024)闽0102执77号")},
            )
            refused = await http.post("/graphql", json={"query": LOOKUP}, headers={"Authorization": "Bearer hub_nope"})
        assert answered.status_code == 200, answered.text
        assert refused.status_code == 401

        def operations() -> list[dict[str, object]]:
            return [line for line in _json_lines(hub.log) if line["logger"] == "hub.access"]

        async def both_logged() -> bool:
            return len(operations()) >= 2

        await poll(both_logged, "two per-operation lines")
    finally:
        hub.stop()

    text = hub.log.read_text()
    lines = _json_lines(hub.log)
    ok, denied = sorted(operations(), key=lambda line: str(line["outcome"]) != "ok")
    assert (ok["agency"], ok["status"], ok["outcome"]) == ("EV-COURT", 200, "ok")
    assert isinstance(ok["ms"], float)
    assert ok["operation"] == redact(f"Find{PERSON_ID}")
    assert (denied["agency"], denied["status"], denied["outcome"]) == (None, 401, "denied")
    assert denied["codes"] == ["UNAUTHENTICATED"]
    # uvicorn's own records (its workers' start and stop) are JSON too; no text-format line.
    assert any(str(line["logger"]).startswith("uvicorn") for line in lines)
    assert not any(line.startswith(("INFO ", "WARNING ", "ERROR ")) for line in text.splitlines())
    assert PERSON_ID not in text


def test_redact_masks_id_numbers_in_any_text() -> None:
    assert (
        redact(f"Key (identifier)=({PERSON_ID}) exists")
        == f"Key (identifier)=({PERSON_ID[:10]}****{PERSON_ID[14:]}) exists"
    )
    assert redact("a sequence 12345678901234567890123 is no ID") == "a sequence 12345678901234567890123 is no ID"
    key = "hub_DrPXf23fOCCxsdRUYkmS_5cFBwQaLWxxFd8JkpnxUx4"
    assert redact(f"Authorization: Bearer {key} refused") == "Authorization: Bearer hub_[secret] refused"
    assert redact("secret whsec_abcdefghijklmnopqrstuvwxyz0123") == "secret whsec_[secret]"


def test_a_json_record_of_an_error_masks_the_id_number_in_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("tests.logs.json")
    logger.propagate = False
    logger.addHandler(handler("json"))
    try:
        raise ValueError(f"duplicate key (identifier)=({PERSON_ID})")
    except ValueError:
        logger.exception("ingest of %s failed", PERSON_ID)
    finally:
        logger.handlers.clear()

    [line] = capsys.readouterr().err.splitlines()
    record = orjson.loads(line)
    assert record["level"] == "ERROR"
    assert record["message"] == f"ingest of {redact(PERSON_ID)} failed"
    assert "ValueError: duplicate key" in record["exception"]
    assert PERSON_ID not in line
