"""Several web processes share sessions through PostgreSQL and Redis.

Two real gunicorn processes serve the same database: a member who logs in
through one is logged in on the other, and logging out on one logs out on both.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_PASSWORD
from tests.servers import server_env, start_gunicorn, stop

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]


@pytest.fixture
def two_web_processes(require_postgresql, redis_url: str, transactional_db) -> Iterator[list[int]]:
    processes, ports = [], []
    try:
        for _ in range(2):
            process, port = start_gunicorn(server_env(REDIS_URL=redis_url))
            processes.append(process)
            ports.append(port)
        yield ports
    finally:
        for process in processes:
            stop(process)


def post_form(opener, url: str, fields: dict[str, str]) -> str:
    page = opener.open(url).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})
    return opener.open(request).read().decode()


def test_login_on_one_process_is_valid_on_the_other(two_web_processes, make_user) -> None:
    member = make_user()
    first, second = (f"http://127.0.0.1:{port}" for port in two_web_processes)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    post_form(
        opener, f"{first}/accounts/login/", {"login": member.email, "password": TEST_PASSWORD}
    )
    assert 'action="/accounts/logout/"' in opener.open(f"{second}/").read().decode()

    post_form(opener, f"{second}/accounts/logout/", {})
    assert 'href="/accounts/login/"' in opener.open(f"{first}/").read().decode()
