"""Limits on what one request, and one agency per minute, may ask.

Document limits are checked on the cached analysis of the document, so they cost nothing on
a repeated query and never defeat the validation cache. The per-agency limits (operations,
and distinct subjects returned, per minute) hold for the whole deployment: their counts live
in PostgreSQL and every hub process takes its share from there (``hub.policy.rates``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import HubError


class LimitExceeded(HubError):
    """A request-size or complexity limit was hit; names the limit and its value."""

    code = "LIMIT_EXCEEDED"

    def __init__(self, code: str, message: str, limit: int, actual: int | None = None) -> None:
        super().__init__(message, limit=limit, actual=actual)
        self.code = code


class RateLimited(HubError):
    code = "RATE_LIMITED"
    http_status = 429

    def __init__(self, code: str, message: str, limit: int, retry_after: int) -> None:
        super().__init__(message, limit=limit, retryAfterSeconds=retry_after)
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    max_depth: int = 8
    max_aliases: int = 15
    max_tokens: int = 2000
    max_comments: int = 100
    max_directives: int = 50
    max_body_bytes: int = 2 * 1024 * 1024
    max_query_chars: int = 15_000
    max_cost: int = 200_000
    operations_per_minute: int = 600
    subjects_per_minute: int = 1_000
    # Operations a process takes from an agency's shared budget at a time: one round trip per
    # this many operations. Unused ones in other processes can refuse an agency early, by at
    # most (processes - 1) x this many; never late.
    lease_operations: int = 10
    # New distinct subjects a process may hold unrecorded before it records them (it also
    # does every 100 ms): how far past its quota an agency can get, per process.
    subject_batch: int = 50
