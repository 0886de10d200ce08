"""The benchmark's HTTP load generator counts what servers answer, whatever the framing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from bench import load
from bench.common import free_port
from tests.servers import REPO_ROOT

PAGE = b"<h1>The thread</h1>"


async def _respond(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers by path: /ok keep-alive, /chunked, /close (one response per connection),
    /eof (body ends with the connection), /error (500)."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ")[1]
            if path == b"/chunked":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + b"%x\r\n%s\r\n" % (len(PAGE[:5]), PAGE[:5])
                    + b"%x\r\n%s\r\n0\r\n\r\n" % (len(PAGE[5:]), PAGE[5:])
                )
            elif path == b"/close":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                    % (len(PAGE), PAGE)
                )
                await writer.drain()
                break
            elif path == b"/eof":
                writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + PAGE)
                await writer.drain()
                break
            else:
                status = b"500 Internal Server Error" if path == b"/error" else b"200 OK"
                writer.write(b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s" % (status, 2, b"ok"))
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def _generate(path: str, **options) -> dict:
    async def run() -> dict:
        server = await asyncio.start_server(_respond, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await load.generate(
                f"http://127.0.0.1:{port}{path}",
                headers=[],
                concurrency=4,
                seconds=0.25,
                warmup=0.05,
                **options,
            )

    return asyncio.run(run())


def test_keep_alive_responses_count_on_reused_connections():
    result = _generate("/ok")
    assert result["requests"] > 0
    assert result["errors"] == 0
    assert result["statuses"] == {"200": result["requests"]}
    assert result["connections"] <= 4  # one per client at most, then kept
    assert 0 < result["p50_ms"] <= result["p99_ms"]


def test_chunked_closed_and_unframed_bodies_are_read_whole():
    for path in ("/chunked", "/close", "/eof"):
        result = _generate(path, expect="The thread</h1>")
        assert result["requests"] > 0, path
        assert result["errors"] == 0, path
    assert _generate("/close")["connections"] > 0


def test_server_errors_and_missing_text_are_errors():
    failing = _generate("/error")
    assert failing["requests"] > 0
    assert failing["errors"] == failing["requests"]
    assert failing["statuses"] == {"500": failing["requests"]}

    wrong_page = _generate("/ok", expect="The thread")
    assert wrong_page["errors"] == wrong_page["requests"] > 0


def test_refused_connections_are_errors_not_a_hang():
    result = asyncio.run(
        load.generate(
            f"http://127.0.0.1:{free_port()}/", headers=[], concurrency=2, seconds=0.2, warmup=0
        )
    )
    assert result["requests"] == 0
    assert result["errors"] > 0


def test_command_line_prints_one_json_object_against_the_trivial_server():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "serve", "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert server.stdout.readline().startswith(b"serving")
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.load",
                "--url",
                f"http://127.0.0.1:{port}/healthz",
                "--cookie",
                "sessionid=abc",
                "--concurrency",
                "3",
                "--seconds",
                "0.5",
                "--warmup",
                "0.2",
                "--watch-pid",
                str(server.pid),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    result = json.loads(done.stdout)
    assert result["requests"] > 0
    assert result["errors"] == 0
    assert set(result) >= {"rps", "p50_ms", "p99_ms", "requests", "errors", "statuses"}
    assert result["server_cpu_ms_per_request"] >= 0
