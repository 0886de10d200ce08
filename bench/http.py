"""Throughput of the thread page under the production HTTP server.

``measure(env, scale)`` starts gunicorn as deploy/ does (two sync workers,
access log on, forwarded headers trusted), logs in an ordinary member in a
separate Django process, then drives the 50-post thread page with 32
concurrent clients from another process (``bench.load``) for
``scale.http_seconds`` after a 2 s warm-up. Requests carry
``X-Forwarded-Proto: https`` as nginx sends it, so the Secure session cookie
counts; every response must be a 200 that contains the thread's title.

Besides requests per second and latency it reports what the figures rest on:

- ``http_worker_cpu_ms_per_request``: CPU time of the gunicorn processes per
  response during the measured window. On a machine busy with other work the
  requests per second drop, this figure hardly moves: it is the page's cost.
- ``http_healthz_rps``: the same server answering /healthz (one query);
- ``reference_thread_rps``: the bare reference page of the same 50 posts
  (one query, a minimal template, the same middleware: network/bench_views.py)
  on the same processes, right after; ``thread_rps_vs_reference`` is the
  budgeted ratio (issue 20: at least 1.5);
- ``http_generator_ceiling_rps``: the generator against a trivial server that
  answers at once, connecting the same way as against gunicorn. Far above
  ``http_rps``, it shows that the generator is not what limits the result.

``python -m bench.http viewer`` (with the backend's environment) is the
Django side: it prints the session cookie of a member and the thread's URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping

from bench.common import ROOT, Scale, free_port

WORKERS = 2
CONCURRENCY = 32
WARMUP_SECONDS = 2.0
CEILING_SECONDS = 4.0
# As deploy/ (Dockerfile, docker-compose.yml) starts gunicorn. The sync worker
# (gunicorn's default) expects a buffering proxy in front, as nginx is in
# production. Measured on the thread page against gthread with 2 and 4
# threads (keep-alive on): the same CPU per request (the page is CPU-bound)
# and no more requests per second, so the bench runs what production runs.
WORKER_CLASS = "sync"
GUNICORN_OPTIONS = ["--access-logfile", "-", "--forwarded-allow-ips", "*"]
# A sync worker closes the connection after every response; the generator
# then connects for every request, as nginx does towards gunicorn.
KEEPS_CONNECTIONS = WORKER_CLASS != "sync"
FORWARDED = "X-Forwarded-Proto: https"
VIEWER_EMAIL = "http-viewer@bench.example"


def measure(env: Mapping[str, str], scale: Scale) -> dict:
    viewer = _viewer(env)
    with _gunicorn(env) as (server, port):
        thread = run_load(
            f"http://127.0.0.1:{port}{viewer['url']}",
            headers=[FORWARDED, f"Cookie: {viewer['cookie']}"],
            seconds=scale.http_seconds,
            expect=viewer["expect"],
            server=server,
        )
        # The bare page of the same 50 posts (network/bench_views.py), on the
        # same processes right after: the budget is a ratio to it.
        reference = run_load(
            f"http://127.0.0.1:{port}{viewer['reference_url']}",
            headers=[FORWARDED, f"Cookie: {viewer['cookie']}"],
            seconds=scale.http_seconds,
            expect=viewer["expect"],
            server=server,
        )
        healthz = run_load(
            f"http://127.0.0.1:{port}/healthz", headers=[FORWARDED], seconds=CEILING_SECONDS
        )
    ceiling = generator_ceiling(CEILING_SECONDS)
    return {
        "http_rps": thread["rps"],
        "http_p50_ms": thread["p50_ms"],
        "http_p99_ms": thread["p99_ms"],
        "http_requests": thread["requests"],
        "http_errors": thread["errors"],
        "http_statuses": thread["statuses"],
        "http_worker_cpu_ms_per_request": thread["server_cpu_ms_per_request"],
        "http_workers": WORKERS,
        "http_worker_class": WORKER_CLASS,
        "http_concurrency": CONCURRENCY,
        "http_healthz_rps": healthz["rps"],
        "reference_thread_rps": reference["rps"],
        "reference_thread_p50_ms": reference["p50_ms"],
        "reference_worker_cpu_ms_per_request": reference["server_cpu_ms_per_request"],
        "thread_rps_vs_reference": round(thread["rps"] / reference["rps"], 2),
        "http_generator_ceiling_rps": ceiling["rps"],
    }


def run_load(
    url: str,
    *,
    headers: list[str],
    seconds: float,
    concurrency: int = CONCURRENCY,
    expect: str = "",
    server: subprocess.Popen | None = None,
) -> dict:
    """Run ``bench.load`` as its own process and return what it printed."""
    command = [
        sys.executable,
        "-m",
        "bench.load",
        "--url",
        url,
        "--concurrency",
        str(concurrency),
        "--seconds",
        str(seconds),
        "--warmup",
        str(WARMUP_SECONDS),
    ]
    if not KEEPS_CONNECTIONS:
        headers = [*headers, "Connection: close"]
    for header in headers:
        command += ["--header", header]
    if expect:
        command += ["--expect", expect]
    if server is not None:
        command += ["--watch-pid", str(server.pid)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120
    )
    if done.returncode:
        raise RuntimeError(f"bench.load failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def generator_ceiling(seconds: float) -> dict:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "bench.load", "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(server, f"http://127.0.0.1:{port}/")
        return run_load(f"http://127.0.0.1:{port}/healthz", headers=[], seconds=seconds)
    finally:
        stop(server)


@contextlib.contextmanager
def _gunicorn(
    env: Mapping[str, str], *, workers: int = WORKERS, options: list[str] = ()
) -> Iterator[tuple[subprocess.Popen, int]]:
    """gunicorn on a free port, serving once /healthz answers; stopped on exit."""
    port = free_port()
    # A file, not a pipe: a pipe nobody reads would block a server that logs a lot.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "network.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                WORKER_CLASS,
                *GUNICORN_OPTIONS,
                *options,
            ],
            cwd=ROOT,
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_for(server, f"http://127.0.0.1:{port}/healthz", log)
            yield server, port
        finally:
            stop(server)


def _wait_for(process: subprocess.Popen, url: str, log=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    # S310: url is always http://127.0.0.1:<port>/... made here.
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    while True:
        if process.poll() is not None:
            error = ""
            if log is not None:
                log.seek(0)
                error = log.read().decode(errors="replace")
            raise RuntimeError(f"server exited with {process.returncode}: {error[-2000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310
                return
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                raise TimeoutError(f"nothing answers {url} after {timeout} s") from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The Django side: a logged-in member and the thread to read ----------------


def _viewer(env: Mapping[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.http", "viewer"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"bench.http viewer failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_viewer() -> None:
    """Log in an ordinary member; print the cookie, the thread's URL and its title."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import login
    from django.http import HttpRequest
    from django.urls import reverse
    from django.utils.html import escape
    from django.utils.module_loading import import_string

    from bench.common import member_email
    from bench.dataset import FIFTY_POSTS_TITLE, thread_reader
    from forum.models import Thread
    from members.models import Status, User

    # The dataset's thread of exactly 50 posts, else any thread of 50 visible
    # posts (the opening post and 49 replies).
    thread = (
        Thread.objects.filter(title=FIFTY_POSTS_TITLE).first()
        or Thread.objects.filter(reply_count=49, is_hidden=False, is_deleted=False)
        .order_by("id")
        .first()
    )
    if thread is None:
        raise SystemExit("no thread with 50 visible posts in this database")
    # An ordinary member with no relation to the thread, as most of its readers
    # are (bench.dataset.thread_reader); a database built some other way gets
    # a member of its own.
    if User.objects.filter(email=member_email(0)).exists():
        user = thread_reader(thread)
    else:
        user, _ = User.objects.get_or_create(
            email=VIEWER_EMAIL,
            defaults={"handle": "bench-http-viewer", "status": Status.ACTIVE},
        )
    request = HttpRequest()
    request.session = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session.save()
    print(
        json.dumps(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}",
                "url": thread.get_absolute_url(),
                "reference_url": reverse("bench_reference_thread", args=[thread.pk]),
                "expect": escape(thread.title),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["viewer"]:
        raise SystemExit("usage: python -m bench.http viewer")
    print_viewer()
