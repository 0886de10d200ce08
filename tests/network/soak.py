"""A bounded soak: real web processes under mixed load, and what every socket received.

``Sockets`` holds members' WebSockets open in one event loop on a thread of
its own and records the id of every notification frame each socket gets.
``run_load`` reads (thread list, thread pages, search) from several threads
and posts replies at a steady pace through the forms, as members without
JavaScript would, recording every status. The test compares what the sockets
received with the Notification rows in the database.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect

from tests.web_client import WebClient


@dataclass(frozen=True)
class SocketOwner:
    member_id: int
    session: str


class Sockets:
    """Open sockets of members, each recording the notification ids it receives."""

    def __init__(self, port: int, owners: Sequence[SocketOwner], after: int) -> None:
        self.port, self.owners, self.after = port, list(owners), after
        self.received: list[list[int]] = [[] for _ in self.owners]
        self.unexpected_closes: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._connections: list[ClientConnection] = []
        self._readers: list[asyncio.Task] = []
        self._closing = False

    def __enter__(self) -> Sockets:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open_all(), self._loop).result(timeout=120)
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _open_all(self) -> None:
        # A few at a time, as members arrive; each is ready once it has
        # answered a ping (the server handles frames in order, so its groups
        # are joined and the catch-up sent by then).
        limit = asyncio.Semaphore(10)

        async def open_one(index: int) -> None:
            async with limit:
                owner = self.owners[index]
                connection = await connect(
                    f"ws://127.0.0.1:{self.port}/ws/notifications/?after={self.after}",
                    origin=f"http://127.0.0.1:{self.port}",
                    additional_headers={
                        "Cookie": f"{settings.SESSION_COOKIE_NAME}={owner.session}"
                    },
                    open_timeout=30,
                    max_queue=None,
                )
                await connection.send(json.dumps({"type": "ping"}))
                while json.loads(await connection.recv())["type"] != "pong":
                    pass
                self._connections.append(connection)
                self._readers.append(asyncio.create_task(self._read(index, connection)))

        await asyncio.gather(*(open_one(index) for index in range(len(self.owners))))

    async def _read(self, index: int, connection: ClientConnection) -> None:
        async for message in connection:
            frame = json.loads(message)
            if frame.get("type") == "notification":
                self.received[index].append(frame["id"])
        if not self._closing:
            self.unexpected_closes.append(
                f"member {self.owners[index].member_id}: closed {connection.close_code}"
            )

    async def _close_all(self) -> None:
        self._closing = True
        await asyncio.gather(*(c.close() for c in self._connections), return_exceptions=True)
        await asyncio.gather(*self._readers, return_exceptions=True)


@dataclass
class LoadReport:
    statuses: Counter = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    posts: int = 0

    def record(self, kind: str, started: float, status: int) -> None:
        self.seconds[kind].append(time.monotonic() - started)
        self.statuses[status] += 1

    def summary(self) -> str:
        lines = [f"statuses {dict(sorted(self.statuses.items()))}, replies posted {self.posts}"]
        for kind, times in sorted(self.seconds.items()):
            ordered = sorted(times)
            p95 = ordered[int(len(ordered) * 0.95)] if ordered else 0
            lines.append(
                f"  {kind:12} {len(times):5} requests, median {statistics.median(ordered):.3f} s,"
                f" p95 {p95:.3f} s, max {ordered[-1]:.3f} s"
            )
        return "\n".join(lines)


def run_load(
    site: str,
    sessions: Sequence[str],
    *,
    thread_urls: Sequence[str],
    reply_thread_id: int,
    search_words: Sequence[str],
    seconds: float,
    readers: int = 4,
    post_every: float = 0.5,
) -> LoadReport:
    """Readers and one poster until ``seconds`` have passed. Each request is
    made as a random member (their session cookie); replies by members in turn."""
    report = LoadReport()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def read(seed: int) -> None:
        chance = random.Random(seed)
        browsers = [WebClient(site, session=session) for session in sessions]
        while time.monotonic() < deadline:
            kind = chance.choices(["thread list", "thread page", "search"], [3, 4, 2])[0]
            if kind == "thread list":
                path = "/forum/"
            elif kind == "thread page":
                path = chance.choice(thread_urls)
            else:
                path = f"/search/?q={chance.choice(search_words)}"
            started = time.monotonic()
            status = chance.choice(browsers).get(path).status
            with lock:
                report.record(kind, started, status)

    def post() -> None:
        browsers = itertools.cycle([WebClient(site, session=session) for session in sessions])
        page = f"/forum/{reply_thread_id}/"
        for number in itertools.count(1):
            started = time.monotonic()
            if started >= deadline:
                return
            browser = next(browsers)
            text = f"Soak reply {number}: notes from the field."
            answer = browser.post(
                f"/forum/{reply_thread_id}/reply/", {"body": text}, form_page=page
            )
            with lock:
                report.record("reply", started, answer.status)
                report.posts += answer.status == 200 and text in answer.text
            time.sleep(max(0.0, started + post_every - time.monotonic()))

    workers = [threading.Thread(target=read, args=(seed,)) for seed in range(readers)]
    workers.append(threading.Thread(target=post))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return report


def wait_for_delivery(
    sockets: Sockets, expected: dict[int, set[int]], timeout: float
) -> dict[str, list[str]]:
    """Wait until every socket has what its member should get; then what is wrong."""
    deadline, settled = time.monotonic() + timeout, False
    while True:
        problems: dict[str, list[str]] = {"missing": [], "duplicated": [], "unexpected": []}
        for owner, ids in zip(sockets.owners, list(sockets.received), strict=True):
            want, got = expected.get(owner.member_id, set()), Counter(ids)
            member = f"member {owner.member_id}"
            if missing := want - got.keys():
                problems["missing"].append(f"{member}: {len(missing)} of {len(want)}")
            if duplicated := [i for i, n in got.items() if n > 1]:
                problems["duplicated"].append(f"{member}: {sorted(duplicated)[:5]}")
            if unexpected := got.keys() - want:
                problems["unexpected"].append(f"{member}: {sorted(unexpected)[:5]}")
        if time.monotonic() > deadline or (settled and not problems["missing"]):
            return {kind: found for kind, found in problems.items() if found}
        # Once nothing is missing, look once more a second later: a frame sent
        # twice may arrive after the last one that was missing.
        settled = not problems["missing"]
        time.sleep(1.0 if settled else 0.5)
