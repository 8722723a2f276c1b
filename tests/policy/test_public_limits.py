"""The public search's limits: a client is its network, its keys name no agency, a minute and
a day are counted apart, and a process forgets the keys whose windows have ended."""

from __future__ import annotations

import pytest

from hub.db.database import Database
from hub.policy.limits import Limits
from hub.policy.public import (
    PublicBudgetSpent,
    PublicLimiter,
    PublicRateLimited,
    audit_network,
    client_network,
)
from hub.policy.rates import RateLimiter


def test_a_client_is_its_address_or_its_ipv6_64() -> None:
    assert client_network("203.0.113.7") == "203.0.113.7"
    assert client_network("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_network("2001:db8:1:2:aaaa::1") == client_network("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_network("2001:db8:1:3::1") != client_network("2001:db8:1:2::1")
    assert client_network(None) == client_network("testclient") == "unknown"


def test_the_trail_keeps_the_network_not_the_address() -> None:
    assert audit_network("203.0.113.7") == "203.0.113.0"
    assert audit_network("::ffff:203.0.113.7") == "203.0.113.0"
    assert audit_network("2001:db8:1:2:aaaa::1") == "2001:db8:1::"
    assert audit_network(None) is None
    assert audit_network("testclient") is None


async def test_keys_are_negative_and_differ_by_window_and_secret(db: Database) -> None:
    limiter = PublicLimiter(3, 5, db, b"k" * 32)
    other = PublicLimiter(3, 5, db, b"j" * 32)
    keys = {limiter.key("203.0.113.7", "minute"), limiter.key("203.0.113.7", "day"), other.key("203.0.113.7", "day")}
    assert len(keys) == 3
    assert all(-(2**63) <= k < 0 for k in keys)


async def test_a_minute_and_a_day_are_counted_apart(db: Database) -> None:
    minute = PublicLimiter(2, 100, db, b"k" * 32)
    await minute.admit("203.0.113.7")
    await minute.admit("203.0.113.7")
    with pytest.raises(PublicRateLimited) as refused:
        await minute.admit("203.0.113.7")
    assert refused.value.code == "PUBLIC_RATE_LIMITED"
    assert 1 <= refused.value.retry_after <= 60
    await minute.admit("203.0.113.8")  # another client
    day = PublicLimiter(100, 1, db, b"j" * 32)
    await day.admit("203.0.113.7")
    with pytest.raises(PublicBudgetSpent) as spent:
        await day.admit("203.0.113.7")
    assert 60 < spent.value.retry_after <= 86_400
    # Ended windows go from the database (none has ended yet).
    assert await day.forget() == 0


class _Clock(RateLimiter):
    now = 0.0

    def _now(self) -> float:
        return self.now


async def test_a_process_forgets_keys_whose_window_has_ended(db: Database) -> None:
    limiter = _Clock(Limits(operations_per_minute=5, lease_operations=1), db)
    limiter.PRUNE_AT = limiter._prune_at = 4
    for key in range(-1, -5, -1):
        await limiter.admit(key)
    assert len(limiter._agencies) == 4
    # Their windows end; the next admission drops them.
    limiter.now = 1_000.0
    await limiter.admit(-5)
    assert set(limiter._agencies) == {-5}
