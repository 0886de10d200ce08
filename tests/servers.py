"""Real server processes for tests: daphne, gunicorn and a private redis-server.

Tests that need what an operator runs start it as a separate process and talk
to it over the network. Server processes use tests.server_settings, which
checks the test process's fast password hashes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_database_url() -> str:
    """DATABASE_URL of the database this test run uses (a file for SQLite)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = urllib.parse.quote(db["USER"] or "")
    return f"postgresql://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a server process on the test database."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "tests.server_settings",
            "DATABASE_URL": current_database_url(),
            "DB_CONN_MAX_AGE": "0",
            # The files the test stored are the server's (tests/conftest.py).
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
    )
    env.update(overrides)
    return env


def server_log(process: subprocess.Popen) -> str:
    """What a server started here wrote to stderr so far."""
    log = getattr(process, "log", None)
    if log is None:
        return process.stderr.read().decode() if process.stderr else ""
    log.seek(0)
    return log.read().decode(errors="replace")


# Waiting, not a speed limit: several servers loading Django at once on a busy
# 2-core machine take a while.
def wait_until_serving(process: subprocess.Popen, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {server_log(process)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise TimeoutError(f"no server on port {port} after {timeout} s") from None
            time.sleep(0.2)


def start_daphne(env: Mapping[str, str], port: int | None = None) -> tuple[subprocess.Popen, int]:
    port = port or free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "network.asgi:application",
        ],
        cwd=REPO_ROOT,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: a pipe nobody reads fills up (64 KiB of logged
        # errors) and then blocks the server mid-request.
        stderr=(log := tempfile.TemporaryFile()),  # noqa: SIM115 - closed with the process
    )
    process.log = log  # type: ignore[attr-defined]
    wait_until_serving(process, port)
    return process, port


def start_gunicorn(
    env: Mapping[str, str], *, workers: int = 1, port: int | None = None
) -> tuple[subprocess.Popen, int]:
    port = port or free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "network.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=REPO_ROOT,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: a pipe nobody reads fills up (64 KiB of logged
        # errors) and then blocks the server mid-request.
        stderr=(log := tempfile.TemporaryFile()),  # noqa: SIM115 - closed with the process
    )
    process.log = log  # type: ignore[attr-defined]
    wait_until_serving(process, port)
    return process, port


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class PrivateRedis:
    """A throw-away redis-server on its own port, for tests that stop and restart it."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self.binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("private redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@contextmanager
def running(*starts: Callable[[], tuple[subprocess.Popen, int]]) -> Iterator[list[int]]:
    """Start several servers at once (each takes seconds to load Django); their
    ports, in order. All are stopped on leaving, also when one failed to start."""
    with ThreadPoolExecutor(len(starts)) as pool:
        starting = [pool.submit(start) for start in starts]
    started = [future.result()[0] for future in starting if future.exception() is None]
    try:
        yield [future.result()[1] for future in starting]
    finally:
        for process in started:
            stop(process)


def postgres_binaries() -> Path | None:
    """The bin directory of the newest PostgreSQL on this machine (Debian's layout)."""
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent  # past a symlink, to where createdb is too
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on its own port, for tests that stop and restart it.

    ``with PrivatePostgres() as postgres:`` creates the cluster (initdb), starts
    it and creates the database ``network``; leaving the block removes it all.
    PostgreSQL refuses to run as root, so as root it runs as the postgres user.
    """

    def __init__(self) -> None:
        self.bin = postgres_binaries()
        self.port = free_port()
        self.directory: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/network"

    def _run(self, *command: str) -> None:
        assert self.bin, "PostgreSQL is not installed"
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, str(self.bin / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode:
            raise RuntimeError(f"{command[0]} failed: {result.stderr or result.stdout}")

    def __enter__(self) -> PrivatePostgres:
        self.directory = Path(tempfile.mkdtemp(prefix="private-postgres-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        try:
            # A cluster that lives for one test: no fsync.
            self._run("initdb", "-D", str(self.directory / "data"), "-U", "postgres",
                      "--auth=trust", "--encoding=UTF8", "--no-sync")  # fmt: skip
            self.start()
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                      "network")  # fmt: skip
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if (self.directory / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-o", options,
                  "-l", str(self.directory / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        """A fast shutdown, as for a restart: open connections are cut."""
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")
