"""Ends of terms and validities, announced: listings past their term, ratings past their validity.

Reads never wait for this (a listing past its term is inactive, a rating past its validity not
current, at once); each expiry is recorded and pushed to agencies in its own small transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from hub.db.database import Database
from hub.sanctions import listings, ratings

log = logging.getLogger(__name__)

# What expires, and the function that announces what is due by a day (each with its events).
EXPIRERS: tuple[tuple[str, Callable[..., Awaitable[int]]], ...] = (
    ("listing(s) reached the end of their term", listings.expire_due),
    ("rating(s) reached the end of their validity", ratings.expire_due),
)


async def expire_due(db: Database, today: dt.date, pause: float = 0.0) -> dict[str, int]:
    """Run every expirer for ``today``; how many of each expired."""
    done: dict[str, int] = {}
    for what, expirer in EXPIRERS:
        try:
            done[what] = await expirer(db, today, pause=pause)
        except Exception as exc:  # one failing expirer does not hold up the others; next round retries
            log.error("expiry failed (%s): %s", what, type(exc).__name__)
    return done


async def expire_every(db: Database, seconds: float) -> None:
    """Run ``expire_due`` for today (China Standard Time) every ``seconds``, until cancelled."""
    while True:
        for what, count in (await expire_due(db, ratings.today(), pause=0.2)).items():
            if count:
                log.info("%d %s", count, what)
        await asyncio.sleep(seconds)
