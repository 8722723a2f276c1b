"""Limits on the anonymous clients of the public disclosure search (信息公示), shared by every
hub process: the agencies' limiter (``hub.policy.rates``) over the same tables, keyed by
client network instead of agency.

A client is its network: an IPv4 address, or the /64 of an IPv6 address (one host holds a
whole /64 and could walk it). Each network has two windows in ``core.limit_window``: searches
a minute (``HUB_PUBLIC_RATE_PER_MINUTE``) and searches a day (``HUB_PUBLIC_DAILY_BUDGET``), each
starting at the network's first search and rolling by PostgreSQL's clock. Their keys are
negative numbers drawn from an HMAC of the network under an instance secret (migration 0021),
so they never meet an agency's id and the table holds no address. Operations are leased one
at a time: exact across processes, neither early nor late.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from hub.db.database import Database
from hub.db.queries import QUERIES
from hub.policy.limits import Limits, RateLimited
from hub.policy.rates import RateLimiter

MINUTE = 60.0
DAY = 86_400.0
# A client's windows are forgotten in the database this long after they began (both have
# ended by then); ``forget`` does it.
FORGET_AFTER = DAY + MINUTE


class PublicRateLimited(RateLimited):
    """A client over its searches a minute."""

    code = "PUBLIC_RATE_LIMITED"


class PublicBudgetSpent(RateLimited):
    """A client over its searches a day."""

    code = "PUBLIC_BUDGET_SPENT"


def client_network(address: str | None) -> str:
    """The network a client is counted as: the IPv4 address, the /64 of an IPv6 address (an
    IPv4-mapped one as IPv4); one shared bucket when the address is unknown."""
    if address is None:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def audit_network(address: str | None) -> str | None:
    """What the audit trail keeps of a public client: its address truncated to the /24 (IPv4)
    or /48 (IPv6), as an address: enough to see abuse from a network, not to name a person."""
    if address is None:
        return None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network((ip, prefix), strict=False).network_address)


class PublicLimiter:
    """Admits one public search of a client, or raises ``PublicRateLimited`` /
    ``PublicBudgetSpent`` with the seconds to wait."""

    def __init__(self, per_minute: int, per_day: int, db: Database, secret: bytes) -> None:
        self.per_minute, self.per_day = per_minute, per_day
        self._db = db
        self._secret = secret
        # Subjects are not counted here: a search shows one subject's entries, given its name
        # and identifier; the operations are the searches.
        self._minute = RateLimiter(self._limits(per_minute), db, window=MINUTE)
        self._day = RateLimiter(self._limits(per_day), db, window=DAY)

    @staticmethod
    def _limits(searches: int) -> Limits:
        return Limits(operations_per_minute=searches, subjects_per_minute=2**31 - 1, lease_operations=1)

    def key(self, network: str, window: str) -> int:
        """The network's key for one window: negative, never an agency's id."""
        digest = hmac.new(self._secret, f"{window}\x00{network}".encode(), hashlib.sha256).digest()
        return -(int.from_bytes(digest[:8], "big") >> 1) - 1

    async def admit(self, address: str | None) -> None:
        network = client_network(address)
        try:
            await self._minute.admit(self.key(network, "minute"))
        except RateLimited as exc:
            raise PublicRateLimited(
                "PUBLIC_RATE_LIMITED",
                f"over {self.per_minute} public searches a minute from your address; retry in {exc.retry_after} s",
                self.per_minute,
                exc.retry_after,
            ) from None
        try:
            await self._day.admit(self.key(network, "day"))
        except RateLimited as exc:
            raise PublicBudgetSpent(
                "PUBLIC_BUDGET_SPENT",
                f"the daily budget of {self.per_day} public searches from your address is spent; "
                f"retry in {exc.retry_after} s",
                self.per_day,
                exc.retry_after,
            ) from None

    async def forget(self) -> int:
        """Delete public clients' windows that have ended; how many went."""
        status = await self._db.execute(QUERIES.limits.forget_public, FORGET_AFTER)
        return int(status.split()[-1]) if status else 0
