"""Many notification sockets in one process, driven by JSON lines on stdin.

``python -m bench.ws_client`` is started by ``bench.ws`` (one or two of them),
never by hand. It holds thousands of WebSocket connections on one asyncio loop
with the ``websockets`` library and answers one JSON line on stdout for each
command line read from stdin:

- ``{"cmd": "open", "url": ..., "origin": ..., "cookies": [...], "concurrency": 100}``
  opens one socket per cookie (each a ``Cookie`` header); answers how many
  opened, how many failed (and why, counted by reason) and how long it took.
- ``{"cmd": "frames", "kind": "reply"}`` hands over the notification frames of
  that kind received since the last such call, each as
  ``[socket index, receive time, id, url, text]``, and forgets them.
- ``{"cmd": "wait", "kind": ..., "text": ..., "count": n, "timeout": s}`` waits
  until ``n`` sockets have a frame of that kind and text; answers the receive
  time of the first and the last, and how many sockets got one.
- ``{"cmd": "ping", "timeout": s}`` sends ``{"type": "ping"}`` on every socket
  and counts the answers: a socket that answers is open end to end.
- ``{"cmd": "status"}``, ``{"cmd": "close"}``, ``{"cmd": "quit"}``.

Receive times are ``time.monotonic()``, the machine-wide CLOCK_MONOTONIC on
Linux, so the process that posts a reply can compare its own clock with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Origin

ATTEMPTS = 3


def raise_open_files_limit() -> int:
    """Lift the soft limit on open files to the hard one; returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Sockets:
    def __init__(self) -> None:
        self.connections: list[ClientConnection | None] = []
        self.readers: list[asyncio.Task] = []
        # kind -> [(socket index, receive time, frame)], drained by "frames".
        self.received: dict[str, list[tuple[int, float, dict]]] = defaultdict(list)
        # (kind, text) -> {socket index: first receive time}, for "wait".
        self.first_seen: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
        self.pongs: dict[int, asyncio.Event] = {}
        self.closed_codes: Counter[str] = Counter()

    async def open(
        self, url: str, origin: str, cookies: list[str], concurrency: int, timeout: float
    ) -> dict[str, Any]:
        limit = asyncio.Semaphore(concurrency)
        failures: Counter[str] = Counter()
        retries: Counter[str] = Counter()
        first = len(self.connections)
        self.connections.extend([None] * len(cookies))

        async def open_one(index: int, cookie: str) -> None:
            for attempt in range(ATTEMPTS):
                async with limit:
                    try:
                        connection = await connect(
                            url,
                            origin=Origin(origin),
                            additional_headers={"Cookie": cookie},
                            # Idle means idle: no keepalive pings from this side
                            # (daphne pings every 20 s and gets its pongs).
                            ping_interval=None,
                            compression=None,
                            proxy=None,
                            open_timeout=timeout,
                            close_timeout=2,
                            max_queue=None,
                        )
                        break
                    except InvalidStatus as error:
                        # A refusal (403, 500) is an answer: no second try.
                        failures[f"HTTP {error.response.status_code}"] += 1
                        return
                    except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as error:
                        # Dropped during the handshake (daphne gives up on a
                        # handshake after 5 s when it falls behind): like a
                        # browser, try again after a pause.
                        reason = f"{type(error).__name__}: {error}"[:80]
                if attempt == ATTEMPTS - 1:
                    failures[reason] += 1
                    return
                retries[reason] += 1
                await asyncio.sleep(1 + random.random())  # noqa: S311 - jitter
            self.connections[index] = connection
            self.readers.append(asyncio.create_task(self.read(index, connection)))

        started = time.monotonic()
        await asyncio.gather(
            *(open_one(first + offset, cookie) for offset, cookie in enumerate(cookies))
        )
        opened = sum(1 for c in self.connections[first:] if c is not None)
        return {
            "opened": opened,
            "failed": len(cookies) - opened,
            "failures": dict(failures),
            "retries": dict(retries),
            "seconds": round(time.monotonic() - started, 3),
        }

    async def read(self, index: int, connection: ClientConnection) -> None:
        try:
            async for message in connection:
                now = time.monotonic()
                frame = json.loads(message)
                kind = frame.get("type")
                if kind == "notification":
                    self.received[frame["kind"]].append((index, now, frame))
                    seen = self.first_seen[(frame["kind"], frame["text"])]
                    seen.setdefault(index, now)
                elif kind == "pong" and index in self.pongs:
                    self.pongs[index].set()
        except ConnectionClosed:
            pass
        code = connection.close_code
        self.closed_codes[str(code)] += 1
        self.connections[index] = None

    def open_count(self) -> int:
        return sum(1 for c in self.connections if c is not None)

    def frames(self, kind: str) -> list[list[Any]]:
        drained, self.received[kind] = self.received[kind], []
        return [
            [index, at, frame["id"], frame["url"], frame["text"]] for index, at, frame in drained
        ]

    async def wait(self, kind: str, text: str, count: int, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = self.first_seen[(kind, text)]
        while len(seen) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        times = sorted(seen.values())
        return {
            "received": len(seen),
            "first": times[0] if times else None,
            "last": times[-1] if times else None,
            "times": times,
        }

    async def ping(self, timeout: float) -> dict[str, Any]:
        live = [(i, c) for i, c in enumerate(self.connections) if c is not None]
        self.pongs = {i: asyncio.Event() for i, _ in live}
        ping = json.dumps({"type": "ping"})

        async def one(index: int, connection: ClientConnection) -> bool:
            try:
                await connection.send(ping)
                await asyncio.wait_for(self.pongs[index].wait(), timeout)
            except (ConnectionClosed, TimeoutError):
                return False
            return True

        started = time.monotonic()
        answers = await asyncio.gather(*(one(i, c) for i, c in live))
        self.pongs = {}
        return {
            "alive": sum(answers),
            "silent": len(answers) - sum(answers),
            "seconds": round(time.monotonic() - started, 3),
        }

    async def close(self) -> dict[str, Any]:
        live = [c for c in self.connections if c is not None]
        limit = asyncio.Semaphore(500)

        async def close_one(connection: ClientConnection) -> None:
            async with limit:
                with contextlib.suppress(Exception):
                    await connection.close()

        await asyncio.gather(*(close_one(c) for c in live))
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        self.readers = []
        self.connections = []
        return {"closed": len(live)}

    def status(self) -> dict[str, Any]:
        return {"open": self.open_count(), "closed_codes": dict(self.closed_codes)}


async def serve() -> None:
    sockets = Sockets()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def answer(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

    answer({"ready": True, "open_files": raise_open_files_limit()})
    while line := await reader.readline():
        command = json.loads(line)
        name = command.pop("cmd")
        if name == "open":
            answer(
                await sockets.open(
                    command["url"],
                    command["origin"],
                    command["cookies"],
                    command.get("concurrency", 100),
                    command.get("timeout", 30),
                )
            )
        elif name == "frames":
            answer({"frames": sockets.frames(command["kind"])})
        elif name == "wait":
            answer(
                await sockets.wait(
                    command["kind"], command["text"], command["count"], command["timeout"]
                )
            )
        elif name == "ping":
            answer(await sockets.ping(command.get("timeout", 10)))
        elif name == "status":
            answer(sockets.status())
        elif name == "close":
            answer(await sockets.close())
        elif name == "quit":
            await sockets.close()
            answer({"bye": True})
            return
        else:
            answer({"error": f"unknown command {name!r}"})


def main() -> None:
    asyncio.run(serve())


if __name__ == "__main__":
    main()
