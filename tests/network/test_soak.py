"""A one-minute soak on loopback: nothing fails and every notification arrives once.

gunicorn (two workers) serves pages, daphne the sockets, on the test
PostgreSQL database and a Redis of the test's own. Members read the forum and
search while replies are posted through the form at a steady pace; every
member follows the thread, and some have two tabs open. At the end no request
has failed with a server error, and every notification written during the
soak reached every socket of its recipient exactly once: none missing, none
twice. SOAK_SECONDS sets the length (60 by default, as CI runs it).
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client

from notifications.models import Notification
from notifications.services import follow
from tests.conftest import sign_in
from tests.network.soak import SocketOwner, Sockets, run_load, wait_for_delivery
from tests.servers import PrivateRedis, running, server_env, start_daphne, start_gunicorn

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]

MEMBERS = 50
TWO_TABS = 10  # members with a second socket open
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))


def session_of(member) -> str:
    client = Client()
    sign_in(client, member)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_minute_of_mixed_load_fails_nothing_and_delivers_every_notification_once(
    require_postgresql, private_redis: PrivateRedis, transactional_db, make_user, make_thread,
    topics,
) -> None:  # fmt: skip
    members = [make_user() for _ in range(MEMBERS)]
    followed = make_thread(members[0], title="Soak: documenting kettling at protests")
    others = [
        make_thread(members[i], title=title, tags=topics[i : i + 2])
        for i, title in enumerate(
            ["Body-worn camera policies", "Training on public assembly", "Firearms review"],
            start=1,
        )
    ]
    for member in members:
        follow(follower=member, target=followed)
    sessions = {member.pk: session_of(member) for member in members}
    owners = [SocketOwner(m.pk, sessions[m.pk]) for m in members]
    owners += [SocketOwner(m.pk, sessions[m.pk]) for m in members[:TWO_TABS]]
    start_id = max(Notification.objects.values_list("pk", flat=True), default=0)

    env = server_env(REDIS_URL=private_redis.url)
    with running(lambda: start_gunicorn(env, workers=2), lambda: start_daphne(env)) as ports:
        web_port, socket_port = ports
        with Sockets(socket_port, owners, after=start_id) as sockets:
            report = run_load(
                f"http://127.0.0.1:{web_port}",
                list(sessions.values()),
                thread_urls=[t.get_absolute_url() for t in [followed, *others]],
                reply_thread_id=followed.pk,
                search_words=["kettling", "camera", "assembly", "firearms", "review"],
                seconds=SOAK_SECONDS,
            )
            expected: dict[int, set[int]] = {}
            for pk, recipient in Notification.objects.filter(pk__gt=start_id).values_list(
                "pk", "recipient_id"
            ):
                expected.setdefault(recipient, set()).add(pk)
            problems = wait_for_delivery(sockets, expected, timeout=60)
            closes = list(sockets.unexpected_closes)

    delivered = sum(len(ids) for ids in sockets.received)
    print(f"\nsoak of {SOAK_SECONDS:.0f} s: {report.summary()}")
    print(f"  {sum(map(len, expected.values()))} notifications, {delivered} frames delivered")
    assert not [s for s in report.statuses if s >= 500 or s == 0], report.summary()
    # How many depends on the machine (benchmarks, not tests, judge speed).
    assert report.posts > 0, report.summary()
    assert sum(map(len, expected.values())) >= report.posts * (MEMBERS - 1)
    assert not closes, closes
    assert not problems, problems
