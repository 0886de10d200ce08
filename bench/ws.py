"""WebSocket figures: reply -> frame latency, one announcement's fan-out, idle sockets.

``measure(env, scale)`` starts its own daphne process on the bench database
(``env``: DATABASE_URL, REDIS_URL or none, DEBUG=false, SECRET_KEY, ...) and
drives sockets from one or two ``bench.ws_client`` processes:

1. **Receipt latency.** ``scale.sockets`` members connect (one socket each).
   A bench thread is followed by ``FOLLOWERS`` of them; a bench moderator, who
   follows nothing else, posts ``scale.replies`` replies one every
   ``REPLY_INTERVAL`` s. For each (reply, follower) pair: the time from just
   before the reply was posted to the follower's frame arriving.
2. **Fan-out.** More members connect, up to ``scale.fanout_sockets`` sockets
   of distinct members, and the moderator announces to everyone
   (``notifications.services.announce``: a row for every active member,
   connected or not, as the product does). The figure is the time from the call
   to the last socket's frame.
   With Redis, the same again with the sockets split over two daphne
   processes (scaling out: ``fanout_2000_two_processes_ms``).
3. **Idle sockets.** A fresh daphne process; ``scale.idle_sockets`` sockets
   (sessions cycled over the members, as several devices per member) connect
   and stay idle. The figure is the growth of the process's VmRSS divided by
   the sockets; every socket must still answer a ping afterwards.

Where the event is produced: with REDIS_URL, a separate Django process calls
the service functions (``forum.services.create_reply``, ``announce``), as a web
worker would, and the push reaches daphne through Redis. Without REDIS_URL the
in-memory channel layer only reaches sockets of the process that writes, so
the replies and the announcement are posted over HTTP to the daphne process
itself (the moderator's session, a CSRF cookie, ``X-Forwarded-Proto: https``
as from the TLS proxy).

Sessions are written in bulk straight into ``django_session`` by a Django
subprocess (``python -m bench.ws prepare``), which also makes the bench
moderator (with a TOTP authenticator, which the announcement page requires)
and the thread; ``python -m bench.ws cleanup`` removes all of it afterwards.
Times on both sides are ``time.monotonic()`` (CLOCK_MONOTONIC, machine-wide).

Standalone: ``python -m bench.ws measure --database-url URL [--redis-url URL]
[--scale small]`` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

from bench.common import ROOT, Scale, free_port, percentile

FOLLOWERS = 20
REPLY_INTERVAL = 0.2
# Replies posted (and their frames received) before the measured ones: the
# first requests of a fresh process load code and open connections.
WARMUP_REPLIES = 2
CLIENT_PROCESSES = 2
SETTLE_SECONDS = 5
# Sockets opened and closed on a fresh daphne process before its RSS is read,
# so that loading code on first use does not count as memory per socket.
WARMUP_SOCKETS = 20
# Handshakes in flight (all clients): more only queue up inside daphne, and
# daphne drops a handshake that is not answered within 5 s.
OPEN_CONCURRENCY = 32


# --- Processes ---------------------------------------------------------------------


def raise_open_files_limit() -> int:
    """Lift this process's soft limit on open files to the hard limit.

    Child processes (daphne) inherit it, so this runs before they start.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def server_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` plus what a process needs to run here behind the bench's "proxy"."""
    full = dict(env)
    for key in ("PATH", "HOME", "LANG", "TMPDIR"):
        if key in os.environ:
            full.setdefault(key, os.environ[key])
    full.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
    full.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    # The bench client plays the TLS-terminating proxy: it sends X-Forwarded-Proto.
    full.setdefault("TRUST_X_FORWARDED_PROTO", "true")
    # One bench moderator posts a reply every REPLY_INTERVAL and announces on
    # every run: far over the per-member posting limits, which are not what is
    # measured. The limits on sockets stay as in production.
    full.setdefault("RATE_LIMITS", "post=off;announce=off")
    if not full.get("REDIS_URL"):
        # One daphne process serves everything here: the in-memory layer and
        # cache are what such a server may use (network/checks.py).
        full.setdefault("ALLOW_IN_MEMORY_BACKENDS", "true")
    full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full.get("PYTHONPATH")]))
    full.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return full


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(pid: int, timeout: float = 60) -> None:
    """Until the process has used under 5% of a core for half a second (it has
    caught up; housekeeping over thousands of sockets never quite stops)."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.025:
            return
        last = now


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


class Daphne:
    """One daphne process serving network.asgi (pages and sockets), as in production."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        # BENCH_WS_LOG_DIR keeps daphne's stderr for a look afterwards.
        self.keep_log = bool(os.environ.get("BENCH_WS_LOG_DIR"))
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            prefix="bench-daphne-",
            suffix=".log",
            delete=False,
            dir=os.environ.get("BENCH_WS_LOG_DIR") or None,
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Daphne:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "network.asgi:application",
            ],
            cwd=ROOT,
            # The bench plays a TLS-terminating proxy: its public origin is the site's.
            env={**self.env, "SITE_URL": self.origin},
            # The access log (one line per socket) goes where production's stdout goes.
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"daphne did not serve: {self.log_tail()}")
            time.sleep(0.2)

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            print(f"daphne's log ends with:\n{self.log_tail()}", file=sys.stderr)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        if not self.keep_log:
            Path(self.log.name).unlink(missing_ok=True)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars: int = 6000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-chars:]

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/notifications/"

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"


class Clients:
    """``bench.ws_client`` processes; sockets are dealt out to them in turn."""

    def __init__(self, count: int) -> None:
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.ws_client"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]
        # Global socket index -> (client, index inside that client).
        self.where: list[tuple[int, int]] = []
        self.held = [0] * count
        for process in self.processes:
            self._read(process)

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(OSError, RuntimeError):
                    self._call(process, {"cmd": "quit"})
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @staticmethod
    def _read(process: subprocess.Popen) -> dict[str, Any]:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("a bench.ws_client process exited")
        return json.loads(line)

    def _call(self, process: subprocess.Popen, command: dict[str, Any]) -> dict[str, Any]:
        process.stdin.write(json.dumps(command) + "\n")
        process.stdin.flush()
        return self._read(process)

    def call_all(self, command: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send a command to every client (or one each), then read every answer."""
        commands = command if isinstance(command, list) else [command] * len(self.processes)
        for process, each in zip(self.processes, commands, strict=True):
            process.stdin.write(json.dumps(each) + "\n")
            process.stdin.flush()
        return [self._read(process) for process in self.processes]

    def open(self, daphne: Daphne, cookies: list[str], after: int) -> dict[str, Any]:
        count = len(self.processes)
        shares: list[list[str]] = [[] for _ in range(count)]
        for cookie in cookies:
            client = len(self.where) % count
            shares[client].append(cookie)
            self.where.append((client, self.held[client]))
            self.held[client] += 1
        answers = self.call_all(
            [
                {
                    "cmd": "open",
                    "url": f"{daphne.ws_url}?after={after}",
                    "origin": daphne.origin,
                    "cookies": share,
                    "concurrency": max(1, OPEN_CONCURRENCY // count),
                }
                for share in shares
            ]
        )
        failures: dict[str, int] = {}
        retries: dict[str, int] = {}
        for answer in answers:
            for reason, number in answer["failures"].items():
                failures[reason] = failures.get(reason, 0) + number
            for reason, number in answer["retries"].items():
                retries[reason] = retries.get(reason, 0) + number
        return {
            "opened": sum(a["opened"] for a in answers),
            "failed": sum(a["failed"] for a in answers),
            "failures": failures,
            "retries": retries,
            "seconds": max(a["seconds"] for a in answers),
        }

    def global_index(self) -> dict[tuple[int, int], int]:
        return {where: index for index, where in enumerate(self.where)}

    def frames(self, kind: str) -> list[tuple[int, float, int, str]]:
        """(global socket index, receive time, notification id, url) of frames of ``kind``."""
        back = self.global_index()
        received = []
        for client, answer in enumerate(self.call_all({"cmd": "frames", "kind": kind})):
            for local, at, notification_id, url, _text in answer["frames"]:
                received.append((back[(client, local)], at, notification_id, url))
        return received

    def wait(self, kind: str, text: str, timeout: float) -> dict[str, Any]:
        answers = self.call_all(
            [
                {"cmd": "wait", "kind": kind, "text": text, "count": held, "timeout": timeout}
                for held in self.held
            ]
        )
        times = sorted(t for a in answers for t in a["times"])
        return {"received": len(times), "times": times}

    def ping(self) -> dict[str, Any]:
        answers = self.call_all({"cmd": "ping", "timeout": 20})
        return {
            "alive": sum(a["alive"] for a in answers),
            "silent": sum(a["silent"] for a in answers),
            "seconds": max(a["seconds"] for a in answers),
        }

    def status(self) -> dict[str, Any]:
        answers = self.call_all({"cmd": "status"})
        codes: dict[str, int] = {}
        for answer in answers:
            for code, number in answer["closed_codes"].items():
                codes[code] = codes.get(code, 0) + number
        return {"open": sum(a["open"] for a in answers), "closed_codes": codes}

    def close(self) -> None:
        self.call_all({"cmd": "close"})
        self.where = []
        self.held = [0] * len(self.processes)


def django_command(env: dict[str, str], command: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run ``python -m bench.ws <command>`` with the server environment; its JSON answer."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "bench.ws", command],
        cwd=ROOT,
        env=env,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.ws {command} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- Producing events --------------------------------------------------------------


class ServiceProducer:
    """A separate Django process calling the service functions, as a web worker would."""

    name = "service call in a separate process (through Redis)"

    def __init__(self, env: dict[str, str], plan: dict[str, Any]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.ws", "produce"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._call({"thread": plan["thread"], "moderator": plan["moderator"]})

    def _call(self, command: dict[str, Any]) -> dict[str, Any]:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the bench.ws producer process exited")
        return json.loads(line)

    def reply(self, body: str) -> tuple[float, float, str]:
        answer = self._call({"cmd": "reply", "body": body})
        return answer["t0"], answer["t1"], answer["url"]

    def announce(self, text: str) -> tuple[float, float]:
        answer = self._call({"cmd": "announce", "text": text})
        return answer["t0"], answer["t1"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


class HttpProducer:
    """Posts through daphne's own HTTP side, where the in-memory layer lives."""

    name = "HTTP POST to the daphne process (in-memory layer)"

    def __init__(self, daphne: Daphne, plan: dict[str, Any]) -> None:
        self.daphne = daphne
        self.thread = plan["thread"]
        self.csrf = secrets.token_hex(16)  # a 32-character secret is a valid token
        self.cookie = (
            f"{plan['cookie_name']}={plan['moderator_session']}; "
            f"{plan['csrf_cookie_name']}={self.csrf}"
        )
        self.connection = http.client.HTTPConnection("127.0.0.1", daphne.port, timeout=30)

    def _post(self, path: str, fields: dict[str, str]) -> str:
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **fields})
        self.connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": f"127.0.0.1:{self.daphne.port}",
                "Cookie": self.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.daphne.origin,
                "Referer": f"{self.daphne.origin}{path}",
                "X-Forwarded-Proto": "https",
            },
        )
        response = self.connection.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"POST {path} answered {response.status}, not a redirect")
        return response.getheader("Location", "")

    def reply(self, body: str) -> tuple[float, float, str]:
        t0 = time.monotonic()
        location = self._post(
            f"/forum/{self.thread}/reply/", {"body": body, "client_token": str(uuid.uuid4())}
        )
        t1 = time.monotonic()
        return t0, t1, urllib.parse.urlsplit(location).path

    def announce(self, text: str) -> tuple[float, float]:
        t0 = time.monotonic()
        self._post("/notifications/announce/", {"text": text, "to": ""})
        return t0, time.monotonic()

    def close(self) -> None:
        self.connection.close()


# --- Measuring ---------------------------------------------------------------------


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def measure(env: dict[str, str], scale: Scale) -> dict[str, Any]:
    raise_open_files_limit()
    env = server_env(env)
    redis = bool(env.get("REDIS_URL"))
    marker = secrets.token_hex(4)
    sessions = max(scale.sockets, scale.fanout_sockets, scale.idle_sockets)
    plan = django_command(
        env,
        "prepare",
        {"sessions": sessions, "followers": FOLLOWERS, "sockets": scale.sockets, "marker": marker},
    )
    cookies = [f"{plan['cookie_name']}={key}" for key in plan["sessions"]]
    results: dict[str, Any] = {
        "channel_layer": "redis" if redis else "in-memory",
        "members": plan["members"],
        "client_processes": CLIENT_PROCESSES,
    }
    try:
        with Daphne(env) as daphne, Clients(CLIENT_PROCESSES) as clients:
            producer = ServiceProducer(env, plan) if redis else HttpProducer(daphne, plan)
            try:
                results["receipt_load_average"] = os.getloadavg()[0]
                results.update(_receipt(daphne, clients, producer, plan, cookies, scale))
                results["fanout_load_average"] = os.getloadavg()[0]
                results.update(_fanout(daphne, clients, producer, plan, cookies, scale, marker))
            finally:
                producer.close()
            clients.close()
            # Consumers leave their groups before the process stops (no stale
            # group entries in Redis for the next run).
            wait_until_idle(daphne.pid)
        if redis:
            # Scaling out: the same announcement with the sockets split over
            # two daphne processes sharing Redis, as docker compose --scale ws=2.
            with (
                Daphne(env) as first,
                Daphne(env) as second,
                Clients(CLIENT_PROCESSES) as clients,
            ):
                producer = ServiceProducer(env, plan)
                try:
                    results.update(
                        _fanout_two_processes(
                            (first, second), clients, producer, plan, cookies, scale, marker
                        )
                    )
                finally:
                    producer.close()
                clients.close()
                wait_until_idle(first.pid)
                wait_until_idle(second.pid)
        with Daphne(env) as daphne, Clients(CLIENT_PROCESSES) as clients:
            results["idle_load_average"] = os.getloadavg()[0]
            results.update(_idle(daphne, clients, plan, cookies, scale))
            clients.close()
            wait_until_idle(daphne.pid)
    finally:
        django_command(
            env,
            "cleanup",
            {"marker": marker, "sessions": [*plan["sessions"], plan["moderator_session"]]},
        )
    return results


def _receipt(
    daphne: Daphne,
    clients: Clients,
    producer: ServiceProducer | HttpProducer,
    plan: dict[str, Any],
    cookies: list[str],
    scale: Scale,
) -> dict[str, Any]:
    cpu = cpu_seconds(daphne.pid)
    opened = clients.open(daphne, cookies[: scale.sockets], plan["after"])
    if opened["failed"]:
        raise RuntimeError(f"{opened['failed']} of {scale.sockets} sockets failed: {opened}")
    wait_until_idle(daphne.pid)
    connect_cpu = (cpu_seconds(daphne.pid) - cpu) / max(1, opened["opened"])
    followers = set(plan["followers"])
    for number in range(WARMUP_REPLIES):
        producer.reply(f"Warm-up reply {number} from the WebSocket benchmark.")
        time.sleep(REPLY_INTERVAL)
    time.sleep(0.5)
    clients.frames("reply")
    posted: dict[str, float] = {}
    calls = []
    for number in range(scale.replies):
        t0, t1, url = producer.reply(f"Reply {number} from the WebSocket benchmark.")
        posted[url] = t0
        calls.append(t1 - t0)
        time.sleep(max(0.0, REPLY_INTERVAL - (time.monotonic() - t0)))
    time.sleep(2)
    first: dict[tuple[int, str], float] = {}
    duplicates = misdelivered = 0
    for index, at, _id, url in clients.frames("reply"):
        if url not in posted:
            continue
        if index not in followers:
            misdelivered += 1
        elif (index, url) in first:
            duplicates += 1
        else:
            first[(index, url)] = at
    latencies = [(at - posted[url]) for (_index, url), at in first.items()]
    expected = len(posted) * len(followers)
    # Per reply: when the first follower had it, and how long until the last.
    by_reply: dict[str, list[float]] = {}
    for (_index, url), at in first.items():
        by_reply.setdefault(url, []).append(at - posted[url])
    firsts = [min(times) for times in by_reply.values()]
    if os.environ.get("BENCH_WS_DEBUG"):
        for url, times in sorted(by_reply.items(), key=lambda item: posted[item[0]]):
            print(f"{url}: {ms(min(times))}..{ms(max(times))} ms", file=sys.stderr)
    spreads = [max(times) - min(times) for times in by_reply.values()]
    status = clients.status()
    return {
        "sockets": status["open"],
        "sockets_open_seconds": opened["seconds"],
        "connect_daphne_cpu_ms": ms(connect_cpu),
        "receipt_producer": producer.name,
        "receipt_followers": len(followers),
        "receipt_replies": len(posted),
        "receipt_pairs": len(latencies),
        "receipt_missing": expected - len(latencies),
        "receipt_duplicates": duplicates,
        "receipt_misdelivered": misdelivered,
        "receipt_p50_ms": ms(percentile(latencies, 0.50)) if latencies else None,
        "receipt_p99_ms": ms(percentile(latencies, 0.99)) if latencies else None,
        "receipt_max_ms": ms(max(latencies)) if latencies else None,
        "reply_call_p50_ms": ms(percentile(calls, 0.50)),
        "reply_call_max_ms": ms(max(calls)),
        "receipt_first_follower_p50_ms": ms(percentile(firsts, 0.5)) if firsts else None,
        "receipt_spread_p50_ms": ms(percentile(spreads, 0.5)) if spreads else None,
        "receipt_spread_max_ms": ms(max(spreads)) if spreads else None,
    }


def _fanout(
    daphne: Daphne,
    clients: Clients,
    producer: ServiceProducer | HttpProducer,
    plan: dict[str, Any],
    cookies: list[str],
    scale: Scale,
    marker: str,
) -> dict[str, Any]:
    more = cookies[scale.sockets : scale.fanout_sockets]
    opened = clients.open(daphne, more, plan["after"])
    connected = clients.status()["open"]
    wait_until_idle(daphne.pid)
    text = f"WebSocket benchmark announcement {marker}"
    cpu = cpu_seconds(daphne.pid)
    t0, t1 = producer.announce(text)
    received = clients.wait("announcement", text, timeout=60)
    daphne_cpu = cpu_seconds(daphne.pid) - cpu
    times = received["times"]
    return {
        "fanout_sockets": connected,
        "fanout_open_failed": opened["failed"],
        "fanout_distinct_members": min(connected, plan["members"]),
        "fanout_recipients": plan["members"],
        "fanout_received": received["received"],
        "fanout_2000_ms": ms(times[-1] - t0) if times else None,
        "fanout_first_ms": ms(times[0] - t0) if times else None,
        "fanout_p50_ms": ms(percentile([t - t0 for t in times], 0.5)) if times else None,
        "fanout_call_ms": ms(t1 - t0),
        "fanout_daphne_cpu_ms": ms(daphne_cpu),
    }


def _fanout_two_processes(
    daphnes: tuple[Daphne, Daphne],
    clients: Clients,
    producer: ServiceProducer,
    plan: dict[str, Any],
    cookies: list[str],
    scale: Scale,
    marker: str,
) -> dict[str, Any]:
    """One announcement to ``scale.fanout_sockets`` sockets, half on each of two processes."""
    half = scale.fanout_sockets // 2
    failed = clients.open(daphnes[0], cookies[:half], plan["after"])["failed"]
    failed += clients.open(daphnes[1], cookies[half : scale.fanout_sockets], plan["after"])[
        "failed"
    ]
    connected = clients.status()["open"]
    for daphne in daphnes:
        wait_until_idle(daphne.pid)
    text = f"WebSocket benchmark announcement {marker} (two processes)"
    cpu = [cpu_seconds(daphne.pid) for daphne in daphnes]
    t0, _t1 = producer.announce(text)
    received = clients.wait("announcement", text, timeout=60)
    times = received["times"]
    return {
        "fanout_two_processes_sockets": connected,
        "fanout_two_processes_open_failed": failed,
        "fanout_two_processes_received": received["received"],
        "fanout_2000_two_processes_ms": ms(times[-1] - t0) if times else None,
        "fanout_two_processes_daphne_cpu_ms": [
            ms(cpu_seconds(daphne.pid) - before)
            for daphne, before in zip(daphnes, cpu, strict=True)
        ],
    }


def _idle(
    daphne: Daphne, clients: Clients, plan: dict[str, Any], cookies: list[str], scale: Scale
) -> dict[str, Any]:
    clients.open(daphne, cookies[:WARMUP_SOCKETS], plan["after"])
    clients.ping()
    clients.close()
    wait_until_idle(daphne.pid)
    before = rss_kib(daphne.pid)
    cpu = cpu_seconds(daphne.pid)
    opened = clients.open(daphne, cookies[: scale.idle_sockets], plan["after"])
    wait_until_idle(daphne.pid)
    connect_cpu = (cpu_seconds(daphne.pid) - cpu) / max(1, opened["opened"])
    time.sleep(SETTLE_SECONDS)
    after = rss_kib(daphne.pid)
    held = clients.status()["open"]
    answered = clients.ping()
    return {
        "idle_sockets": scale.idle_sockets,
        "idle_sockets_held": min(held, answered["alive"]) if daphne.alive() else 0,
        "idle_open_failed": opened["failed"],
        "idle_open_failures": opened["failures"],
        "idle_open_seconds": opened["seconds"],
        "idle_connect_daphne_cpu_ms": ms(connect_cpu),
        "daphne_rss_before_mib": round(before / 1024, 1),
        "daphne_rss_after_mib": round(after / 1024, 1),
        "kib_per_socket": round((after - before) / max(1, opened["opened"]), 1),
    }


# --- The Django side (python -m bench.ws prepare | produce | cleanup) ---------------


def _setup_django() -> None:
    import django

    django.setup()


def prepare(payload: dict[str, Any]) -> dict[str, Any]:
    """Sessions for members, the bench moderator and the followed thread."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db.models import Max
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from forum.models import Post, Thread
    from members.models import Status, Tag, User
    from notifications.models import Follow, Notification

    marker = payload["marker"]
    members = list(
        User.objects.filter(status=Status.ACTIVE, is_active=True, is_banned=False)
        .order_by("pk")
        .only("pk", "password")
    )
    if not members:
        raise SystemExit("the bench database has no active members")
    now = timezone.now()
    moderator = User.objects.create(
        email=f"ws-bench-{marker}@bench.invalid",
        handle=f"ws-bench-{marker}",
        display_name="WebSocket benchmark",
        status=Status.ACTIVE,
        approved_at=now,
        is_moderator=True,
    )
    moderator.set_unusable_password()
    moderator.save(update_fields=["password"])
    TOTP.activate(moderator, generate_totp_secret())

    thread = Thread.objects.create(
        title=f"WebSocket benchmark {marker}", author=moderator, last_poster=moderator
    )
    tag = Tag.objects.order_by("pk").first()
    if tag is not None:
        thread.tags.set([tag])
    Post.objects.create(
        thread=thread,
        author=moderator,
        is_opening=True,
        body="A thread for the WebSocket benchmark.",
        body_html="<p>A thread for the WebSocket benchmark.</p>",
        body_text="A thread for the WebSocket benchmark.",
    )
    sockets = payload["sockets"]
    wanted = min(payload["followers"], sockets)
    # Spread over the sockets (and so over both client processes).
    follower_sockets = sorted({i * sockets // wanted for i in range(wanted)})
    thread_type = ContentType.objects.get_for_model(Thread)
    Follow.objects.bulk_create(
        Follow(
            follower_id=members[i % len(members)].pk,
            content_type=thread_type,
            object_id=thread.pk,
        )
        for i in follower_sockets
    )
    Follow.objects.create(follower=moderator, content_type=thread_type, object_id=thread.pk)

    expires = now + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    backend = "django.contrib.auth.backends.ModelBackend"
    store = SessionStore()

    def session_for(member: User) -> Session:
        data = {
            SESSION_KEY: str(member.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: member.get_session_auth_hash(),
        }
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        return Session(session_key=key, session_data=store.encode(data), expire_date=expires)

    rows = [session_for(members[i % len(members)]) for i in range(payload["sessions"])]
    moderator_session = session_for(moderator)
    # As a login with the TOTP code records it: staff powers need the second
    # factor in the session (members/access.py).
    totp = Authenticator.objects.get(user=moderator, type=Authenticator.Type.TOTP)
    data = store.decode(moderator_session.session_data)
    data["account_authentication_methods"] = [
        {"method": "mfa", "at": time.time(), "id": totp.pk, "type": "totp"}
    ]
    data["account_authentication_methods_user"] = str(moderator.pk)
    moderator_session.session_data = store.encode(data)
    Session.objects.bulk_create([*rows, moderator_session], batch_size=2000)
    return {
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "sessions": [row.session_key for row in rows],
        "members": len(members),
        "followers": follower_sockets,
        "moderator": moderator.pk,
        "moderator_session": moderator_session.session_key,
        "thread": thread.pk,
        "after": Notification.objects.aggregate(last=Max("id"))["last"] or 0,
    }


def produce() -> None:
    """Answer reply and announce commands (JSON lines) with the call's start and end times."""
    from forum import services
    from forum.models import Thread
    from members.models import User
    from notifications.services import announce

    setup = json.loads(sys.stdin.readline())
    thread = Thread.objects.get(pk=setup["thread"])
    moderator = User.objects.get(pk=setup["moderator"])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        t0 = time.monotonic()
        if command["cmd"] == "reply":
            post = services.create_reply(author=moderator, thread=thread, body=command["body"])
            answer = {"url": post.get_absolute_url()}
        else:
            answer = {"count": announce(actor=moderator, text=command["text"])}
        answer.update(t0=t0, t1=time.monotonic())
        print(json.dumps(answer), flush=True)


def cleanup(payload: dict[str, Any]) -> dict[str, Any]:
    """Remove everything ``prepare`` made and the rows the measurement wrote."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.db import connection, transaction

    from forum.models import Post, Thread
    from forum.search import FTS_TABLE
    from members.models import User
    from notifications.models import Follow, Notification, OutboxEmail

    marker = payload["marker"]
    keys = payload["sessions"]
    moderator = User.objects.filter(email=f"ws-bench-{marker}@bench.invalid").first()
    with transaction.atomic():
        for start in range(0, len(keys), 2000):
            Session.objects.filter(session_key__in=keys[start : start + 2000]).delete()
        if moderator is None:
            return {"cleaned": False}
        threads = list(Thread.objects.filter(author=moderator).values_list("pk", flat=True))
        posts = list(Post.objects.filter(thread__in=threads).values_list("pk", flat=True))
        urls = [Post(pk=pk).get_absolute_url() for pk in posts]
        Notification.objects.filter(actor=moderator).delete()
        Notification.objects.filter(url__in=urls).delete()
        OutboxEmail.objects.filter(subject__contains=marker).delete()
        Follow.objects.filter(
            content_type=ContentType.objects.get_for_model(Thread), object_id__in=threads
        ).delete()
        Thread.objects.filter(pk__in=threads).delete()
        if connection.vendor == "sqlite" and posts:
            with connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(posts))
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", posts)  # noqa: S608
        moderator.delete()
    # cached_db sessions are also in the cache.
    caches["default"].delete_many([KEY_PREFIX + key for key in keys])
    return {"cleaned": True, "posts": len(posts)}


def _standalone(argv: list[str]) -> None:
    from bench.common import SCALES

    parser = argparse.ArgumentParser(prog="python -m bench.ws measure")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--scale", default="small", choices=sorted(SCALES))
    args = parser.parse_args(argv)
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": args.database_url,
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    print(json.dumps(measure(env, SCALES[args.scale]), indent=2))


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "measure":
        _standalone(sys.argv[2:])
        return
    if command not in {"prepare", "produce", "cleanup"}:
        raise SystemExit("usage: python -m bench.ws measure|prepare|produce|cleanup")
    _setup_django()
    if command == "produce":
        produce()
        return
    payload = json.loads(sys.stdin.read())
    answer = prepare(payload) if command == "prepare" else cleanup(payload)
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
