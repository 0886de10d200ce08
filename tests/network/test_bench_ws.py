"""The WebSocket benchmark, run at a tiny scale: it measures what it claims and cleans up.

Benchmarks are not tests and no timing is checked here; this only keeps
``bench.ws`` working as the code under it changes: every follower gets each
reply once and nobody else does, every connected socket gets the
announcement, the idle sockets are all still there, and the database holds
no trace of the run afterwards. On SQLite it posts through daphne's HTTP side
(in-memory layer); with PostgreSQL and REDIS_URL it goes through Redis.
"""

from __future__ import annotations

import os

import pytest
from django.contrib.sessions.models import Session

from bench import ws
from bench.common import Scale
from forum.models import Post, Thread
from members.models import User
from notifications.models import Notification
from tests.servers import server_env

TINY = Scale(
    name="tiny",
    members=8,
    threads=0,
    posts=0,
    lessons=0,
    http_seconds=0,
    page_samples=0,
    sockets=4,
    fanout_sockets=6,
    idle_sockets=10,
    replies=2,
)


@pytest.mark.django_db(transaction=True)
def test_the_websocket_benchmark_measures_delivery_and_leaves_no_trace(make_user) -> None:
    for _ in range(TINY.members):
        make_user()
    redis_url = os.environ.get("REDIS_URL", "")
    env = server_env(REDIS_URL=redis_url) if redis_url else server_env()
    if not redis_url:
        env.pop("REDIS_URL", None)
    before = (User.objects.count(), Session.objects.count(), Thread.objects.count())

    results = ws.measure(env, TINY)

    assert results["channel_layer"] == ("redis" if redis_url else "in-memory")
    assert results["sockets"] == TINY.sockets
    assert results["receipt_followers"] == 4
    assert results["receipt_pairs"] == TINY.replies * 4
    assert results["receipt_missing"] == 0
    assert results["receipt_duplicates"] == results["receipt_misdelivered"] == 0
    assert results["fanout_sockets"] == results["fanout_received"] == TINY.fanout_sockets
    if redis_url:
        assert results["fanout_two_processes_sockets"] == TINY.fanout_sockets
        assert results["fanout_two_processes_received"] == TINY.fanout_sockets
        assert results["fanout_2000_two_processes_ms"] is not None
    else:
        assert "fanout_two_processes_received" not in results
    assert results["idle_sockets_held"] == TINY.idle_sockets
    assert results["kib_per_socket"] is not None
    after = (User.objects.count(), Session.objects.count(), Thread.objects.count())
    assert after == before
    assert not Post.objects.exists()
    assert not Notification.objects.exists()
