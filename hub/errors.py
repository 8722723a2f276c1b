"""The hub's error hierarchy.

Expected outcomes carry a stable ``code`` that reaches the agency in the GraphQL error's
``extensions``; anything that is not a ``HubError`` is masked before it leaves the hub.

    HubError                      base; code, message, extra extensions
    ├── BadRequest                the HTTP request itself is unusable (400)
    │   ├── MalformedRequest      body is not JSON, or not a JSON object
    │   └── MissingQuery          no ``query`` string in the request
    │   ├── UnknownSource         POST /ingest/{source} names no source of the hub (404)
    │   └── BadUpload             an upload's parameters, header row or framing are unusable
    ├── Unauthenticated           no key, unknown key or revoked key (401)
    ├── Forbidden                 authenticated, but this may not be done this way (403)
    │   └── CsrfRejected          a console session's request without its CSRF token
    ├── SourceNotAllowed          an agency writing another source's data (403)
    ├── InvalidInput              an argument's value is unusable
    │   ├── InvalidIdentifier     resident ID or USCC fails its format or checksum
    │   ├── InvalidCursor         a cursor the hub did not issue, or for another list
    │   ├── PageSizeExceeded      ``first`` over the maximum page size
    │   ├── LinkNotPossible       a confirmed candidate's link cannot be written (record, share)
    │   └── ConstraintViolation   the safety net: a value the checks let through broke a rule of
    │                             the stored data (a PostgreSQL constraint); nothing was stored
    ├── NotFound                  no such thing with that id
    ├── AlreadyDecided            a candidate link or mention was decided before
    ├── SourceUnavailable         a remote source (kept at its agency) timed out, failed or is
    │                             shed by its circuit breaker; only its fields are null
    ├── DatabaseUnavailable       PostgreSQL went away (restarting, a connection lost, none free
    │                             in time): 503 with Retry-After, never a 500 or a 200
    ├── ConfigurationError        settings or environment unusable (CLI only)
    └── MigrationError            a migration file and the database disagree (CLI only)
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """An expected failure whose message is safe to show to an agency."""

    code = "HUB_ERROR"
    http_status = 200

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions

    def as_extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extensions}


class BadRequest(HubError):
    code = "BAD_REQUEST"
    http_status = 400


class MalformedRequest(BadRequest):
    code = "MALFORMED_REQUEST"


class MissingQuery(BadRequest):
    code = "MISSING_QUERY"


class UnknownSource(BadRequest):
    code = "UNKNOWN_SOURCE"
    http_status = 404


class BadUpload(BadRequest):
    code = "BAD_UPLOAD"


class SourceNotAllowed(HubError):
    """An agency publishing data of a source that is not its own (rules.toml ``[ingest]``)."""

    code = "SOURCE_NOT_ALLOWED"
    http_status = 403


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"
    http_status = 401


class Forbidden(HubError):
    code = "FORBIDDEN"
    http_status = 403


class CsrfRejected(Forbidden):
    code = "CSRF_REJECTED"


class InvalidInput(HubError):
    code = "BAD_USER_INPUT"


class InvalidIdentifier(InvalidInput):
    """An identifier failed validation.

    ``position`` is the 1-based character position in the normalised value where the
    problem is (``None`` when the whole value is at fault, e.g. its length); ``reason``
    says what is wrong. The value itself is never echoed in full.
    """

    code = "INVALID_IDENTIFIER"

    def __init__(self, kind: str, reason: str, position: int | None = None, **extra: Any) -> None:
        where = f" at character {position}" if position is not None else ""
        super().__init__(
            f"Invalid {kind}{where}: {reason}",
            identifierKind=kind,
            position=position,
            reason=reason,
            **extra,
        )
        self.kind = kind
        self.reason = reason
        self.position = position


class InvalidCursor(InvalidInput):
    code = "INVALID_CURSOR"


class PageSizeExceeded(InvalidInput):
    code = "PAGE_SIZE_EXCEEDED"


class SourceUnavailable(HubError):
    """A source kept at its agency could not be read for this request.

    ``source`` names it (``police``); ``reason`` is one of ``timeout`` (no answer in time),
    ``unreachable`` (no connection), ``failed`` (it answered with an error), ``bad_response``
    (its answer broke the contract) or ``circuit_open`` (it failed repeatedly; the hub is not
    calling it until its cool-down ends). The address and the underlying error stay in the
    hub's log, never in the response.
    """

    code = "SOURCE_UNAVAILABLE"

    MESSAGES = {
        "timeout": "did not answer in time",
        "unreachable": "could not be reached",
        "failed": "answered with an error",
        "bad_response": "sent an answer the hub could not read",
        "circuit_open": "is failing; the hub is not calling it for a short while",
    }

    def __init__(self, source: str, reason: str) -> None:
        what = self.MESSAGES.get(reason, "is unavailable")
        super().__init__(
            f"the {source} source {what}; these fields are null, the rest of the response is complete",
            source=source,
            reason=reason,
        )
        self.source = source
        self.reason = reason


class ConfigurationError(HubError):
    code = "CONFIGURATION_ERROR"


class MigrationError(HubError):
    code = "MIGRATION_ERROR"


class LinkNotPossible(InvalidInput):
    code = "LINK_NOT_POSSIBLE"


class ConstraintViolation(InvalidInput):
    """A write the database refused by one of its constraints (SQLSTATE class 23) or for a value
    of the wrong form or range (class 22). The checks before a write should refuse such input
    with a precise error first; this is what an agency gets when one was missed, instead of a
    500. The message names the kind of rule, never the statement, table or constraint."""

    code = "CONSTRAINT_VIOLATION"


class NotFound(HubError):
    code = "NOT_FOUND"


class AlreadyDecided(HubError):
    code = "ALREADY_DECIDED"


class DatabaseUnavailable(HubError):
    """PostgreSQL did not answer: it is restarting or shutting down, a connection was lost, or
    no connection came free in time. Nothing of the request is known to have happened; ask
    again after ``retry_after`` seconds."""

    code = "DATABASE_UNAVAILABLE"
    http_status = 503
    retry_after = 1
