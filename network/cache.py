"""The Redis cache, for which an outage is a miss and not an error.

Django's RedisCache raises redis.ConnectionError from every call when Redis is
down, and the session engine (cached_db), allauth's rate limits and the
two-factor replay check all call it on ordinary requests: every page would fail.
Here a read from a Redis that does not answer is a miss (sessions are then read
from the database), a write is skipped, and the outage is logged once per
process. Without the cache, allauth's rate limits and its replay check of
authenticator codes are off until Redis answers again: logging in keeps working.

Redis may keep its data through the outage (the compose file runs it with
appendonly). A key whose write or delete was skipped would then come back
stale: a session ended by logging out while Redis was down would be valid
again. Such keys are remembered and deleted as soon as Redis answers, before
anything else is read from it, and by a timer for a process that gets no
requests.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# After a failure, Redis is left alone this long: a Redis that is down (or a
# host that drops packets) costs one connect timeout per interval, not one per
# cache call.
RETRY_INTERVAL = 5.0
# Keys to delete when Redis answers again; sessions are the bulk of them.
MAX_STALE_KEYS = 100_000


class _OutageTolerantClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._stale: set[str] = set()
        self._timer: threading.Timer | None = None

    def _call(self, operation: Callable[[], T], missed: T, written: Iterable[str] = ()) -> T:
        if time.monotonic() < self._down_until:
            self._remember(written)
            return missed
        try:
            self._forget_stale()
            result = operation()
        except UNAVAILABLE as error:
            self._went_down(error)
            self._remember(written)
            return missed
        if self._down_until:
            self._down_until = 0.0
            logger.info("Redis cache answers again")
        return result

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            first = not self._down_until
            self._down_until = time.monotonic() + RETRY_INTERVAL
        if first:
            logger.error("Redis cache unavailable, reading through to the database: %s", error)

    def _remember(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                if len(self._stale) >= MAX_STALE_KEYS:
                    logger.error("more than %d cache keys may be stale", MAX_STALE_KEYS)
                    break
                self._stale.add(key)
            if self._stale and self._timer is None:
                self._timer = threading.Timer(RETRY_INTERVAL, self._forget_later)
                self._timer.daemon = True
                self._timer.start()

    def _forget_stale(self) -> None:
        """Delete remembered keys; raises while Redis is still unavailable."""
        if not self._stale:
            return
        with self._lock:
            keys, self._stale = list(self._stale), set()
        try:
            for start in range(0, len(keys), 1000):
                super().delete_many(keys[start : start + 1000])
        except UNAVAILABLE:
            with self._lock:
                self._stale.update(keys)
            raise
        logger.warning("deleted %d cache keys written while Redis was unavailable", len(keys))

    def _forget_later(self) -> None:
        with self._lock:
            self._timer = None
        try:
            self._forget_stale()
        except UNAVAILABLE as error:
            self._went_down(error)
            self._remember(())  # re-arms the timer
        except Exception:
            logger.exception("deleting stale cache keys failed")

    def get(self, key: str, default: Any) -> Any:
        return self._call(lambda: RedisCacheClient.get(self, key, default), default)

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        return self._call(lambda: RedisCacheClient.get_many(self, keys), {})

    def has_key(self, key: str) -> bool:
        return self._call(lambda: RedisCacheClient.has_key(self, key), False)

    def add(self, key: str, value: Any, timeout: int | None) -> bool:
        # True, as if the key had been absent: allauth's rate-limit lock waits
        # for add() to succeed, and would otherwise refuse every login.
        return self._call(lambda: RedisCacheClient.add(self, key, value, timeout), True, [key])

    def set(self, key: str, value: Any, timeout: int | None) -> None:
        self._call(lambda: RedisCacheClient.set(self, key, value, timeout), None, [key])

    def set_many(self, data: dict[str, Any], timeout: int | None) -> None:
        self._call(lambda: RedisCacheClient.set_many(self, data, timeout), None, list(data))

    def touch(self, key: str, timeout: int | None) -> bool:
        return self._call(lambda: RedisCacheClient.touch(self, key, timeout), False, [key])

    def delete(self, key: str) -> bool:
        return self._call(lambda: RedisCacheClient.delete(self, key), False, [key])

    def delete_many(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        self._call(lambda: RedisCacheClient.delete_many(self, keys), None, keys)

    def incr(self, key: str, delta: int) -> int:
        result = self._call(lambda: RedisCacheClient.incr(self, key, delta), None, [key])
        if result is None:
            raise ValueError(f"Key '{key}' not found.")  # a miss, as for a missing key
        return result


class OutageTolerantRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache, whose outage is a miss."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OutageTolerantClient
