"""Several web processes share sessions through PostgreSQL and Redis.

Two real gunicorn processes serve the same database: a member who logs in
through one is logged in on the other, and logging out on one logs out on both.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import TEST_PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgresql, pytest.mark.redis]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"gunicorn on port {port} did not start")


@pytest.fixture
def two_web_processes(require_postgresql, redis_url: str, transactional_db) -> Iterator[list[int]]:
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    database_url = f"postgresql://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "true",
        # Checks the test process's fast password hashes.
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
    }
    processes, ports = [], []
    for _ in range(2):
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "network.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        ports.append(port)
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_serving(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


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
