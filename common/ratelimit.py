"""Counting uses in fixed windows: the rate-limit primitives, knowing no view or app.

``hit(action, who)`` counts one use of ``action`` against every rate of
``settings.RATE_LIMITS[action]`` ("10/m,100/h") and says how long to wait when
one is used up. Which views count against which action, and the 429 page,
are network.ratelimit's (it knows the URL names).

Counters live in Django's default cache, which is Redis when REDIS_URL is set,
so every process counts together; ``cache.add`` and ``cache.incr`` are atomic
there and in the local-memory cache. Windows are fixed (a minute, an hour, a
day, aligned to the clock), which is cheap and gives an exact Retry-After;
the price is that a burst straddling a boundary may reach twice a rate once.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache


def address_key(address: str | None) -> str:
    """One counter per IPv4 address, per /64 for IPv6 (a home gets a whole /64)."""
    if address is None:
        return "ip:unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return f"ip:{ipaddress.IPv6Network((parsed, 64), strict=False).network_address}"
    return f"ip:{parsed}"


def who(user: Any, address: str | None) -> str:
    """Whom a use is counted against: the member once signed in, else the address."""
    if user is not None and user.is_authenticated:
        return f"member:{user.pk}"
    return address_key(address)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    period: int  # seconds


@lru_cache(maxsize=64)
def parse_rates(text: str) -> tuple[Rate, ...]:
    """Read "10/m,100/h" as (Rate(10, 60), Rate(100, 3600)); network.env checks the shape."""
    rates = []
    for part in text.split(","):
        amount, _, period = part.strip().partition("/")
        rates.append(Rate(int(amount), int(period[:-1] or 1) * _UNITS[period[-1]]))
    return tuple(rates)


def now() -> float:
    """The clock of every window (a seam for tests that cross a window)."""
    return time.time()


def hit(action: str, who: str) -> int | None:
    """Count one use of ``action`` by ``who``; the seconds to wait if over a rate, else None.

    A refused use is given back to every window it was counted in, so that a
    member who retries while refused does not use up the longer windows.
    """
    rates = settings.RATE_LIMITS.get(action)
    if not rates:
        return None
    moment = now()
    wait = None
    counted = []
    for rate in parse_rates(rates):
        window = int(moment // rate.period)
        key = f"rl:{action}:{rate.period}:{who}:{window}"
        # The key outlives its window by a little, then the cache drops it.
        cache.add(key, 0, timeout=rate.period + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.period + 5)
            used = 1
        counted.append(key)
        if used > rate.amount:
            until_next_window = max(1, math.ceil((window + 1) * rate.period - moment))
            wait = max(wait or 0, until_next_window)
    if wait is not None:
        for key in counted:
            with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
                cache.decr(key)
    return wait
