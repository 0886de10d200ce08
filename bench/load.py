"""An HTTP load generator, run as a process of its own (never inside a server's
Python process, whose interpreter lock it would share).

    python -m bench.load --url http://127.0.0.1:8000/forum/1/x/ \\
        --header "Cookie: sessionid=..." --concurrency 32 --seconds 15

Each of ``--concurrency`` clients sends one request at a time on its own
connection, keeps the connection open while the server allows it (HTTP/1.1
keep-alive) and opens a new one when the server closes it (gunicorn's sync
workers close after every response). Latency is measured from the moment a
client starts a request, connecting included, to the last byte of the body.
Responses that arrive in the first ``--warmup`` seconds are not counted. Prints one JSON object:
``{"rps", "p50_ms", "p99_ms", "requests", "errors", "statuses", ...}``; a
response other than 2xx, a body without ``--expect`` and a broken connection
are errors. With ``--watch-pid`` (repeatable) it also reports the CPU time
those server processes and their children spent per counted response.

``python -m bench.load serve --port N`` is a trivial keep-alive server that
answers every request at once: the generator's own ceiling is what it reaches
against that server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from bench.common import percentile

REQUEST_TIMEOUT = 30.0


@dataclass
class Tally:
    """What the clients saw while the measurement ran (warm-up excluded)."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    connections: int = 0
    server_cpu_seconds: float | None = None

    def as_dict(self, seconds: float) -> dict:
        latencies = self.latencies
        cpu = self.server_cpu_seconds
        return {
            "rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 2) if latencies else None,
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2) if latencies else None,
            "requests": len(latencies),
            "errors": self.errors,
            "statuses": dict(sorted(self.statuses.items())),
            "connections": self.connections,
            "seconds": seconds,
            # CPU time the watched server processes spent per counted response:
            # what the page costs, however busy the machine is with other work.
            "server_cpu_ms_per_request": (
                round(cpu * 1000 / len(latencies), 2) if cpu is not None and latencies else None
            ),
        }


class ResponseError(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 response: (status, body, whether the connection stays open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ResponseError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    keep_alive = parts[0] == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers are expected
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = await reader.read()  # delimited by the end of the connection
        keep_alive = False
    return status, body, keep_alive


async def _client(
    host: str,
    port: int,
    request: bytes,
    expect: bytes,
    tally: Tally,
    measure_from: float,
    stop_at: float,
) -> None:
    """Send requests one after another until ``stop_at``.

    A response counts if it arrives inside the measured window, whenever its
    request was sent: under a queue longer than the warm-up, requests sent
    during the warm-up are the ones that complete in the window.
    """
    reader = writer = None
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                        tally.connections += started >= measure_from
                    writer.write(request)
                    status, body, keep_alive = await _read_response(reader)
            except (
                OSError,
                TimeoutError,
                EOFError,
                ResponseError,
                ValueError,
                asyncio.LimitOverrunError,
            ) as e:
                if measure_from <= time.perf_counter() <= stop_at:
                    tally.errors += 1
                    tally.statuses[type(e).__name__] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)  # a refused connection must not spin
                continue
            finished = time.perf_counter()
            if not keep_alive:
                writer.close()
                reader = writer = None
            if not measure_from <= finished <= stop_at:
                continue
            tally.latencies.append(finished - started)
            tally.statuses[str(status)] += 1
            if not 200 <= status < 300 or (expect and expect not in body):
                tally.errors += 1
    finally:
        if writer is not None:
            writer.close()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of the processes (those still running) and their children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _with_children(pids):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue  # exited
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _with_children(pids: list[int]) -> set[int]:
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                todo.extend(int(child) for child in children.read().split())
        except OSError:
            pass
    return found


async def _watch_cpu(pids: list[int], tally: Tally, measure_from: float, stop_at: float) -> None:
    await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
    started = cpu_seconds(pids)
    await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
    tally.server_cpu_seconds = cpu_seconds(pids) - started


def build_request(url: str, headers: list[str]) -> tuple[str, int, bytes]:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http":
        raise SystemExit(f"only http:// URLs, not {url!r}")
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    target = parsed.path or "/"
    if parsed.query:
        target += "?" + parsed.query
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {parsed.netloc}",
        "User-Agent: bench.load",
        "Accept: text/html,*/*",
        "Accept-Encoding: identity",
        *headers,
    ]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def generate(
    url: str,
    *,
    headers: list[str],
    concurrency: int,
    seconds: float,
    warmup: float,
    expect: str = "",
    watch_pids: list[int] = (),
) -> dict:
    host, port, request = build_request(url, headers)
    tally = Tally()
    now = time.perf_counter()
    measure_from, stop_at = now + warmup, now + warmup + seconds
    clients = [
        asyncio.create_task(
            _client(host, port, request, expect.encode(), tally, measure_from, stop_at)
        )
        for _ in range(concurrency)
    ]
    if watch_pids:
        clients.append(
            asyncio.create_task(_watch_cpu(list(watch_pids), tally, measure_from, stop_at))
        )
    # Responses after the window do not count: do not wait for a long queue.
    _, late = await asyncio.wait(clients, timeout=warmup + seconds + 1)
    for client in late:
        client.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    return tally.as_dict(seconds)


# --- The trivial server -------------------------------------------------------


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = b'{"status": "ok"}'
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if b"connection: close" in head.lower():
                writer.write(response.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
                await writer.drain()
                break
            writer.write(response)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(_answer, "127.0.0.1", port, backlog=1024)
    print(f"serving on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> None:
    if argv[:1] == ["serve"]:
        parser = argparse.ArgumentParser(prog="python -m bench.load serve")
        parser.add_argument("--port", type=int, required=True)
        options = parser.parse_args(argv[1:])
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(options.port))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument(
        "--header", action="append", default=[], help='"Name: value", may be repeated'
    )
    parser.add_argument("--cookie", default="", help='"name=value" sent as the Cookie header')
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--expect", default="", help="text every response body must contain")
    parser.add_argument(
        "--watch-pid",
        type=int,
        action="append",
        default=[],
        help="a server process whose CPU time (children included) to report",
    )
    options = parser.parse_args(argv)
    headers = list(options.header)
    if options.cookie:
        headers.append(f"Cookie: {options.cookie}")
    result = asyncio.run(
        generate(
            options.url,
            headers=headers,
            concurrency=options.concurrency,
            seconds=options.seconds,
            warmup=options.warmup,
            expect=options.expect,
            watch_pids=options.watch_pid,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
