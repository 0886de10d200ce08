"""The real servers: daphne serves pages and sockets (as under `make run`), gunicorn pages.

Each test starts the server as a separate process on a throw-away SQLite file,
the way an operator would, and talks to it over the network.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.servers import REPO_ROOT, start_daphne, start_gunicorn, stop


@pytest.fixture(scope="module")
def served_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    database = tmp_path_factory.mktemp("served") / "db.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({"DEBUG": "true", "DEMO_MODE": "true", "DATABASE_URL": f"sqlite:///{database}"})
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
    return env


@pytest.fixture(scope="module")
def daphne(served_env: dict[str, str]) -> Iterator[str]:
    process, port = start_daphne(served_env)
    yield f"127.0.0.1:{port}"
    stop(process)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def log_in(base: str) -> str:
    """Log a demo member in over HTTP; return the Cookie header to reuse."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"login": "activist@demo.example", "password": "network-demo", "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/login/", data=data))
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, "login failed"
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def test_daphne_serves_pages_and_static_files(daphne: str) -> None:
    with urllib.request.urlopen(f"http://{daphne}/") as response:
        assert response.status == 200
        assert "Content-Security-Policy" in response.headers
    with urllib.request.urlopen(f"http://{daphne}/static/network/site.css") as response:
        assert response.status == 200


def test_daphne_serves_the_websocket_to_a_logged_in_member(daphne: str) -> None:
    cookie = log_in(f"http://{daphne}")

    async def ping() -> dict:
        async with websockets.connect(
            f"ws://{daphne}/ws/ping/",
            origin=f"http://{daphne}",
            additional_headers={"Cookie": cookie},
        ) as connection:
            await connection.send(json.dumps({"type": "ping"}))
            return json.loads(await asyncio.wait_for(connection.recv(), 5))

    assert asyncio.run(ping()) == {"type": "pong"}


@pytest.mark.parametrize(
    "foreign", ["https://attacker.example", "http://{host}:{other_port}", "https://{daphne}"]
)
def test_daphne_refuses_a_websocket_from_a_foreign_origin(daphne: str, foreign: str) -> None:
    cookie = log_in(f"http://{daphne}")
    host, port = daphne.rsplit(":", 1)
    origin = foreign.format(host=host, other_port=int(port) + 1, daphne=daphne)

    async def connect() -> None:
        async with websockets.connect(
            f"ws://{daphne}/ws/ping/",
            origin=origin,
            additional_headers={"Cookie": cookie},
        ):
            pass

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        asyncio.run(connect())
    assert refused.value.response.status_code == 403


def test_gunicorn_serves_the_pages_in_production_mode(
    served_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **served_env,
        "DEBUG": "false",
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUST_X_FORWARDED_PROTO": "true",
        "STATIC_ROOT": str(tmp_path / "static"),
        # No Redis here: the documented opt-out of the start-up check (network/checks.py).
        "ALLOW_IN_MEMORY_BACKENDS": "true",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    process, port = start_gunicorn(env, workers=2)
    try:
        # Plain HTTP is redirected to HTTPS ...
        with pytest.raises(urllib.error.HTTPError) as redirected:
            urllib.request.build_opener(NoRedirect).open(f"http://127.0.0.1:{port}/")
        assert redirected.value.code == 301
        assert redirected.value.headers["Location"] == f"https://127.0.0.1:{port}/"
        # ... and HTTPS, as told by the TLS proxy in front, gets the page with HSTS.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
            assert b"Request to join" in response.read()
            assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
            assert "; Secure" in response.headers["Set-Cookie"]
        # whitenoise serves the hashed, compressed files collected at build time.
        with urllib.request.urlopen(request) as response:
            css = re.search(rb'href="(/static/network/site\.[0-9a-f]+\.css)"', response.read())
        assert css, "the page links the hashed stylesheet"
        static = f"http://127.0.0.1:{port}{css.group(1).decode()}"
        with urllib.request.urlopen(
            urllib.request.Request(static, headers=request.headers)
        ) as response:
            assert "immutable" in response.headers["Cache-Control"]
            # Answered by whitenoise before the view middleware, and still with the headers.
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            assert "camera=()" in response.headers["Permissions-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(
                urllib.request.Request(
                    f"http://127.0.0.1:{port}/no-such-page/", headers=request.headers
                )
            )
        assert missing.value.code == 404
        assert b"We could not find that page" in missing.value.read()
    finally:
        stop(process)
