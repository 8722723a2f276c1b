"""Limits on what one request, and one agency per minute, may ask.

Document limits are checked on the cached analysis of the document, so they cost nothing on
a repeated query and never defeat the validation cache. Rate limits count per agency in a
sliding minute in this process; with N hub processes behind a balancer an agency gets at
most N times its limit (each process enforces its share).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
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


class RateLimiter:
    """Sliding one-minute windows per agency: operations, and distinct subjects returned."""

    WINDOW = 60.0

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._operations: defaultdict[int, deque[float]] = defaultdict(deque)
        # Subjects by when each was last returned, oldest first (a dict keeps insertion order,
        # and a subject returned again is moved to the end): expiry looks at the front only.
        self._subjects: defaultdict[int, dict[int, float]] = defaultdict(dict)

    def _now(self) -> float:
        return time.monotonic()

    def admit(self, agency_id: int) -> None:
        """Count one operation, or raise if the agency is over either limit."""
        now = self._now()
        window = self._operations[agency_id]
        while window and window[0] <= now - self.WINDOW:
            window.popleft()
        if len(window) >= self.limits.operations_per_minute:
            retry = int(window[0] + self.WINDOW - now) + 1
            raise RateLimited(
                "RATE_LIMITED",
                f"over {self.limits.operations_per_minute} operations a minute; retry in {retry} s",
                self.limits.operations_per_minute,
                retry,
            )
        seen = self._subjects[agency_id]
        while seen:
            oldest, at = next(iter(seen.items()))
            if at > now - self.WINDOW:
                break
            del seen[oldest]
        if len(seen) >= self.limits.subjects_per_minute:
            retry = int(next(iter(seen.values())) + self.WINDOW - now) + 1
            raise RateLimited(
                "SUBJECT_RATE_LIMITED",
                f"data on over {self.limits.subjects_per_minute} distinct subjects a minute "
                f"(enumeration guard); retry in {retry} s",
                self.limits.subjects_per_minute,
                retry,
            )
        window.append(now)

    def returned(self, agency_id: int, subjects: set[int]) -> None:
        now = self._now()
        seen = self._subjects[agency_id]
        for subject in subjects:
            seen.pop(subject, None)
            seen[subject] = now
