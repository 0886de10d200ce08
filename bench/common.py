"""What every part of the benchmark shares: the scale, percentiles, server processes.

Interfaces (each part returns a plain dict that goes into results.json):

- ``bench.dataset.build(scale) -> dict``      inside a Django-configured process
- ``bench.pages.measure(scale) -> dict``       inside a Django-configured process
- ``bench.http.measure(env, scale) -> dict``   starts its own server processes
- ``bench.ws.measure(env, scale) -> dict``     starts its own server processes

``env`` is the environment a server process needs for the backend under
test (DATABASE_URL, REDIS_URL or none, DEBUG=false, SECRET_KEY, ...), made
by ``server_environment()``.
"""

from __future__ import annotations

import math
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / ".bench"


@dataclass(frozen=True)
class Scale:
    name: str
    members: int
    threads: int
    posts: int
    lessons: int
    # How long each load phase runs, and how many samples a page timing takes.
    http_seconds: float
    page_samples: int
    sockets: int  # connected while measuring reply -> frame
    fanout_sockets: int  # receive one announcement
    idle_sockets: int  # held by one daphne process for the memory figure
    replies: int  # replies posted while measuring receipt latency

    def as_dict(self) -> dict:
        return asdict(self)


SCALES = {
    "default": Scale(
        name="default",
        members=5_000,
        threads=10_000,
        posts=100_000,
        lessons=2_000,
        http_seconds=15,
        page_samples=200,
        sockets=1_000,
        fanout_sockets=2_000,
        idle_sockets=10_000,
        replies=50,
    ),
    "small": Scale(
        name="small",
        members=500,
        threads=1_000,
        posts=10_000,
        lessons=200,
        http_seconds=4,
        page_samples=40,
        sockets=200,
        fanout_sockets=400,
        idle_sockets=1_000,
        replies=15,
    ),
}


def scale_from_env() -> Scale:
    name = os.environ.get("BENCH_SCALE", "default")
    if name not in SCALES:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(SCALES)}, not {name!r}")
    return SCALES[name]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every member of the benchmark's dataset has this password (hashed once) and
# the address member_email(n), n = 0 .. scale.members - 1; member 0 is an
# ordinary member (no expert badge, not a moderator) who reads the pages.
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105


def member_email(n: int) -> str:
    return f"member{n}@bench.example"


BENCH_SECRET_KEY = "bench-only-secret-key-not-used-anywhere-else-0123456789"  # noqa: S105
BENCH_HOSTS = "127.0.0.1,localhost,testserver"


def server_environment(database_url: str, redis_url: str = "") -> dict[str, str]:
    """The environment of every process of one backend under test: production mode.

    DEBUG off (cached template loader, hashed static files collected into
    ``STATIC_ROOT`` by the orchestrator), a real SECRET_KEY, and the proxy
    settings of docker-compose.yml: X-Forwarded-Proto is trusted. The HTTPS
    redirect is off because no proxy sits in front here; send
    ``X-Forwarded-Proto: https`` (as nginx does) so that requests count as
    secure and the Secure session cookie is accepted. Without ``redis_url`` the
    processes run the embedded default (local-memory cache, database sessions,
    in-memory channel layer).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "DEMO_MODE", "ALLOW_IN_MEMORY_BACKENDS"}
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": BENCH_HOSTS,
            "TRUST_X_FORWARDED_PROTO": "true",
            # The bare reference page the thread page is measured against.
            "BENCH_REFERENCE_VIEWS": "true",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(RESULTS_DIR / "static"),
            "EMAIL_URL": "dummy:",
            "LOG_LEVEL": "WARNING",
            # The abuse limits stay on (their counting is part of each request's
            # cost) but far above what one benchmark client does in a minute.
            "RATE_LIMITS": ";".join(
                f"{action}=1000000/m" for action in ("post", "preview", "search", "socket")
            ),
            "SOCKETS_PER_MEMBER": "0",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        # The embedded default: production refuses in-memory backends unless
        # told that one process serves (network/checks.py). The benchmark's
        # figures for it are those of such a deployment.
        env["ALLOW_IN_MEMORY_BACKENDS"] = "true"
    return env
