"""Reliability under faults, against real server processes and real services.

Redis stops: members still read, post and log in and out (no 5xx), sessions
come from the database, and the notification written meanwhile reaches the
member's socket when Redis is back. PostgreSQL restarts: requests during the
gap get the styled 503, and the same processes serve again as soon as it is
back, persistent connections included.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from forum.models import Post
from forum.notification_kinds import NotificationKind
from network.urls import urlpatterns as site_urlpatterns
from notifications.models import Notification
from notifications.services import follow
from tests.conftest import TEST_PASSWORD, sign_in
from tests.network.test_live_delivery import catch_up, frames, open_socket, session_cookie
from tests.servers import (
    REPO_ROOT,
    PrivatePostgres,
    PrivateRedis,
    postgres_binaries,
    running,
    server_env,
    start_daphne,
    start_gunicorn,
    stop,
)
from tests.suites import skip_suite
from tests.web_client import WebClient


def server_errors(*clients: WebClient) -> list[int]:
    return [status for client in clients for status in client.statuses if status >= 500]


# --- Redis stopped ------------------------------------------------------------------


@pytest.mark.redis
def test_while_redis_is_down_members_post_and_log_in_and_out_and_the_reply_arrives_later(
    private_redis: PrivateRedis, transactional_db, make_user, make_thread
) -> None:
    env = server_env(REDIS_URL=private_redis.url)
    with running(lambda: start_gunicorn(env, workers=2), lambda: start_daphne(env)) as ports:
        web_port, socket_port = ports
        follower, author, leaving = make_user(), make_user(), make_user()
        thread = make_thread(follower)
        follow(follower=follower, target=thread)
        seen = Notification.objects.filter(recipient=follower).values_list("pk", flat=True)
        last_seen = max(seen, default=0)
        site = f"http://127.0.0.1:{web_port}"
        author_browser, leaving_browser = WebClient(site), WebClient(site)
        assert author_browser.log_in(author.email, TEST_PASSWORD).logged_in
        assert leaving_browser.log_in(leaving.email, TEST_PASSWORD).logged_in
        with open_socket(socket_port, session_cookie(follower), after=last_seen) as socket:
            assert catch_up(socket) == []
        # Redis keeps its data through the outage, as with appendonly in
        # docker-compose.yml: the cached sessions come back with it.
        redis.Redis.from_url(private_redis.url).save()
        private_redis.stop()

        # Reading, posting, logging in and out: the cache is skipped.
        assert author_browser.get(thread.get_absolute_url()).logged_in
        posted = author_browser.post(
            f"/forum/{thread.pk}/reply/",
            {"body": "Posted while Redis was down."},
            form_page=thread.get_absolute_url(),
        )
        assert posted.status == 200
        assert "Posted while Redis was down." in posted.text
        late = WebClient(site)
        assert late.log_in(make_user().email, TEST_PASSWORD).logged_in
        ended_session = leaving_browser.cookie(settings.SESSION_COOKIE_NAME)
        assert not leaving_browser.post("/accounts/logout/", {}, form_page="/forum/").logged_in
        assert server_errors(author_browser, leaving_browser, late) == []

        reply = Post.objects.get(thread=thread, body="Posted while Redis was down.")
        notification = Notification.objects.get(
            recipient=follower, kind=NotificationKind.REPLY, url=reply.get_absolute_url()
        )

        private_redis.start()
        # The session ended during the outage came back with Redis' data; the
        # web processes delete what they could not while it was down.
        stale = cache.make_key(f"django.contrib.sessions.cached_db{ended_session}")
        client = redis.Redis.from_url(private_redis.url)
        deadline = time.monotonic() + 60  # waiting: the cache retries every 5 s
        while client.exists(stale):
            assert time.monotonic() < deadline, "the ended session is still in the cache"
            time.sleep(0.2)
        assert not WebClient(site, session=ended_session).get("/forum/").logged_in
        assert author_browser.get("/forum/").logged_in

        # The member's socket, reopened as live.js does, catches up on the reply.
        # The first socket after the restart already works: daphne's pooled Redis
        # connections all died with Redis, and the channel layer's commands are
        # retried on a new one (CHANNEL_LAYERS "retry"); before, the consumer
        # whose receive hit a dead connection crashed and the socket was dropped.
        with open_socket(socket_port, session_cookie(follower), after=last_seen) as socket:
            caught_up = catch_up(socket)
            assert [frame["id"] for frame in caught_up] == [notification.pk]
            # And it stays open for live frames: the receive loop survived too.
            late_reply = author_browser.post(
                f"/forum/{thread.pk}/reply/",
                {"body": "Posted after Redis came back."},
                form_page=thread.get_absolute_url(),
            )
            assert late_reply.status == 200
            (live,) = frames(socket, 1, timeout=30)
            assert live["id"] == Notification.objects.latest("pk").pk
            assert live["id"] > notification.pk
        assert server_errors(author_browser) == []


# --- PostgreSQL restarted -----------------------------------------------------------

CREATE_MEMBER = f"""
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone
from members.models import Profile, Status, User

call_command("migrate", verbosity=0)
member = User.objects.create_user(
    "restart@example.org", {TEST_PASSWORD!r}, handle="restart", display_name="Re Start",
    status=Status.ACTIVE, approved_at=timezone.now(),
)
EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
Profile.objects.get_or_create(user=member)
"""


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own (the postgresql suite: its binaries)."""
    if postgres_binaries() is None:
        skip_suite("postgresql", "PostgreSQL's binaries (initdb, pg_ctl) are not installed")
    with PrivatePostgres() as postgres:
        yield postgres


def assert_styled_503(answer) -> None:
    assert answer.status == 503, answer.text[:500]
    assert answer.headers["Retry-After"].isdigit()
    assert 'class="error-page"' in answer.text
    assert "The site is briefly unavailable" in answer.text
    assert "Traceback" not in answer.text
    assert "OperationalError" not in answer.text


@pytest.mark.postgresql
def test_while_postgresql_restarts_pages_answer_503_and_recover_without_a_restart(
    private_postgres: PrivatePostgres,
) -> None:
    # Persistent connections, as in production (DB_CONN_MAX_AGE defaults to
    # 60): after a restart each is stale and must be noticed, not used.
    env = server_env(DATABASE_URL=private_postgres.url, DB_CONN_MAX_AGE="60", REDIS_URL="")
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CREATE_MEMBER],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    web, port = start_gunicorn(env)
    try:
        site = f"http://127.0.0.1:{port}"
        member, visitor = WebClient(site), WebClient(site)
        assert member.log_in("restart@example.org", TEST_PASSWORD).logged_in
        assert visitor.get("/").status == 200

        private_postgres.stop()
        assert_styled_503(visitor.get("/"))  # a query in the view
        assert_styled_503(member.get("/forum/"))  # the session, read by a middleware
        assert_styled_503(member.get("/members/"))
        assert visitor.get("/healthz").status == 503

        private_postgres.start()
        assert member.get("/forum/").logged_in
        assert visitor.get("/").status == 200
        assert visitor.get("/healthz").status == 200

        # A restart between two requests: the worker's persistent connection
        # is dead, and the next request reconnects instead of failing.
        private_postgres.stop()
        private_postgres.start()
        assert member.get("/members/").logged_in
        assert server_errors(member, visitor) == [503] * 4
    finally:
        stop(web)


# --- In one process: the page itself ------------------------------------------------


def database_gone(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


urlpatterns = [*site_urlpatterns, path("database-gone/", database_gone)]


@pytest.mark.urls(__name__)
def test_database_errors_get_the_503_page_even_with_debug_on(member, settings) -> None:
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    sign_in(client, member)
    response = client.get("/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert b"The site is briefly unavailable" in response.content
    assert b"Connection refused" not in response.content
