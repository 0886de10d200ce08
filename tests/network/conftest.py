from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import PrivateRedis


@pytest.fixture
def private_redis(redis_url: str, tmp_path) -> Iterator[PrivateRedis]:
    """A redis-server of the test's own, to stop and start or to load (the redis suite)."""
    private = PrivateRedis(tmp_path)
    private.start()
    yield private
    private.stop()
