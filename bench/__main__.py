"""`make bench`: for each backend, a throw-away database, the dataset, then the measurements.

For PostgreSQL (with Redis, the production setup) and SQLite (the embedded
default, no Redis), in turn:

1. a new database: ``bench_<pid>`` on 127.0.0.1:5432 (user postgres), or a
   file under var/; for PostgreSQL also a Redis database number, flushed
   before and after;
2. ``manage.py migrate``, then ``python -m bench.build_and_pages`` (dataset
   and page timings, in its own process with the production settings);
3. ``bench.http.measure`` and ``bench.ws.measure`` (they start their own
   servers); a part that is missing or fails is recorded as ``{"error": ...}``
   and the rest goes on;
4. the database is dropped (the file deleted) and Redis flushed, also when
   something failed.

Before the backends, once (it needs no database): ``bench.markdown``, the
slowest single render of member text ("markdown worst case").

Results go to .bench/results.json, and a table with the budgets to stdout
(and .bench/results.md). Environment: BENCH_SCALE (default, small),
BENCH_BACKENDS (e.g. ``sqlite``), BENCH_POSTGRES (libpq URL of the server,
default postgresql://postgres@127.0.0.1:5432/postgres), BENCH_REDIS
(default redis://127.0.0.1:6379) and BENCH_REDIS_DB (default 13).
Benchmarks never fail a build on timing: the exit status is 0 whatever the
figures, non-zero only when the benchmark itself could not run.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.common import RESULTS_DIR, ROOT, Scale, scale_from_env, server_environment

BACKENDS = ("postgresql", "sqlite")
PAGES = (
    "home",
    "thread_list",
    "thread_page_50_posts",
    "thread_page_own_posts",
    "tag_page",
    "lesson_page",
    "library_list",
    "event_list",
    "directory",
    "search",
    "search_rare",
)
# Issue 20's budgets: ratios measured in the same run (bench/pages.py, bench/http.py).
PAGE_VS_THREAD = 2.0  # each main page's p95 <= 2x the thread page's
THREAD_VS_REFERENCE = 1.5  # thread page rps >= 1.5x the bare reference page's
SEARCH_VS_REFERENCE = 1.0  # search page p95 <= 1x the bare engine query's
RARE_VS_THREAD = 1.0  # a rare word's search page p95 <= the thread page's
FANOUT_ONE_VS_TWO = 2.0  # 2,000 sockets on one daphne <= 2x two processes' 1,000 each
BUILD_TIMEOUT = 3600


def main() -> None:
    scale = scale_from_env()
    wanted = [b.strip() for b in os.environ.get("BENCH_BACKENDS", ",".join(BACKENDS)).split(",")]
    unknown = [b for b in wanted if b not in BACKENDS]
    if unknown or not any(wanted):
        raise SystemExit(f"BENCH_BACKENDS: expected some of {', '.join(BACKENDS)}, got {unknown}")
    RESULTS_DIR.mkdir(exist_ok=True)
    print(f"Benchmark at scale {scale.name!r}: {', '.join(wanted)}", flush=True)
    _collectstatic()
    results: dict = {
        "dataset": {"scale": scale.as_dict()},
        "backends": {},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
    }
    print("\n=== markdown worst case ===", flush=True)
    results["markdown"] = _part("bench.markdown", server_environment(_COLLECTSTATIC_DB), scale)
    _write(results)
    for backend in wanted:
        print(f"\n=== {backend} ===", flush=True)
        runner = _postgresql if backend == "postgresql" else _sqlite
        measured, counts = runner(scale)
        results["backends"][backend] = measured
        if counts and "counts" not in results["dataset"]:
            results["dataset"]["counts"] = counts
        _write(results)
    table = format_table(results)
    (RESULTS_DIR / "results.md").write_text(table + "\n")
    print("\n" + table)
    print(f"\nWritten to {RESULTS_DIR / 'results.json'}")


def _write(results: dict) -> None:
    (RESULTS_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n")


_COLLECTSTATIC_DB = f"sqlite:///{ROOT / 'var' / 'collectstatic.sqlite3'}"


def _collectstatic() -> None:
    # Production mode serves hashed files from a manifest: pages need it.
    env = server_environment(_COLLECTSTATIC_DB)
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)


def _run(command: list[str], env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(  # noqa: S603 - our own commands
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} exited with {done.returncode}")
    return done.stdout


# --- Backends ---------------------------------------------------------------------------


def _postgresql(scale: Scale) -> tuple[dict, dict]:
    import psycopg
    import redis

    server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"bench_{os.getpid()}"
    redis_base = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379").rstrip("/")
    redis_url = f"{redis_base}/{os.environ.get('BENCH_REDIS_DB', '13')}"
    database_url = server.rsplit("/", 1)[0] + f"/{name}"
    store = redis.Redis.from_url(redis_url)
    try:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        return {"error": f"PostgreSQL: {error}".strip()}, {}
    try:
        store.flushdb()
        return _measure(scale, server_environment(database_url, redis_url))
    finally:
        store.flushdb()
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite(scale: Scale) -> tuple[dict, dict]:
    path = ROOT / "var" / f"bench_{os.getpid()}.sqlite3"
    path.parent.mkdir(exist_ok=True)
    try:
        return _measure(scale, server_environment(f"sqlite:///{path}"))
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _measure(scale: Scale, env: dict[str, str]) -> tuple[dict, dict]:
    """Migrate, build and time the pages, then the HTTP and WebSocket parts."""
    env = {**env, "BENCH_SCALE": scale.name}
    measured: dict = {}
    try:
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
        output = _run([sys.executable, "-m", "bench.build_and_pages"], env, timeout=BUILD_TIMEOUT)
        built = json.loads(output.strip().splitlines()[-1])
    except Exception as error:  # the other parts need the dataset
        traceback.print_exc()
        return {"error": f"dataset or pages: {error}"}, {}
    counts = built["dataset"]
    measured.update(built["pages"])
    measured["seed_seconds"] = counts.get("seconds")
    http = _part("bench.http", env, scale)
    if "error" in http:
        measured["http"] = http
    else:
        measured.update(http)
    measured["ws"] = _part("bench.ws", env, scale)
    return measured, counts


def _part(module: str, env: dict[str, str], scale: Scale) -> dict:
    """``module.measure(env, scale)``, or {"error": ...} when it is missing or fails."""
    started = time.perf_counter()
    try:
        measure: Callable[[dict[str, str], Scale], dict] = importlib.import_module(module).measure
        result = measure(dict(env), scale)
    except Exception as error:
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"}
    print(f"  {module}: {time.perf_counter() - started:.0f} s", flush=True)
    return result


def _machine() -> dict:
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }
    try:
        import psycopg

        server = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(server, connect_timeout=5) as connection:
            machine["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:
        machine["postgresql"] = f"unavailable ({type(error).__name__})"
    return machine


# --- The table --------------------------------------------------------------------------

# (label, how to read it from a backend's results, budget text, check)
Row = tuple[str, Callable[[dict], object], str, Callable[[float], bool] | None]


def _page(name: str, field: str) -> Callable[[dict], object]:
    return lambda backend: (backend.get(name) or {}).get(field)


def _ws(field: str) -> Callable[[dict], object]:
    return lambda backend: (backend.get("ws") or {}).get(field)


def _ratio_rows(page: str) -> list[Row]:
    if page in ("search", "search_rare"):
        rows: list[Row] = [
            (f"{page}: bare engine query p95 ms", _page(page, "reference_p95_ms"), "", None),
            (f"{page}: matching posts", _page(page, "reference_matches"), "", None),
        ]
        if page == "search":
            rows.append(
                (
                    "search p95 / bare engine query p95",
                    _page(page, "p95_vs_reference"),
                    f"<= {SEARCH_VS_REFERENCE:g}",
                    lambda v: v <= SEARCH_VS_REFERENCE,
                )
            )
        else:
            rows.append(
                (
                    "search_rare p95 / thread page p95",
                    _page(page, "p95_vs_thread_page"),
                    f"<= {RARE_VS_THREAD:g}",
                    lambda v: v <= RARE_VS_THREAD,
                )
            )
        return rows
    if page in ("thread_page_50_posts", "thread_page_own_posts", "directory"):
        return []
    return [
        (
            f"{page} p95 / thread page p95",
            _page(page, "p95_vs_thread_page"),
            f"<= {PAGE_VS_THREAD:g}",
            lambda v: v <= PAGE_VS_THREAD,
        ),
        (
            f"{page} p95 / thread page p95, rendered for its poster",
            _page(page, "p95_vs_rendered_thread_page"),
            "",
            None,
        ),
    ]


def _fanout_ratio(backend: dict) -> float | None:
    ws = backend.get("ws") or {}
    one, two = ws.get("fanout_2000_ms"), ws.get("fanout_2000_two_processes_ms")
    if not isinstance(one, int | float) or not isinstance(two, int | float) or not two:
        return None
    return round(one / two, 2)


ROWS: list[Row] = [
    ("seed seconds", lambda b: b.get("seed_seconds"), "< 120", lambda v: v < 120),
    *[
        row
        for page in PAGES
        for row in (
            (f"{page} p50 ms", _page(page, "p50_ms"), "", None),
            (f"{page} p95 ms", _page(page, "p95_ms"), "", None),
            (
                f"{page} queries",
                _page(page, "queries"),
                *(
                    ("<= 8", lambda v: v <= 8)
                    if page in ("thread_page_50_posts", "thread_page_own_posts")
                    else ("", None)
                ),
            ),
            *_ratio_rows(page),
        )
    ],
    ("load average while timing pages", lambda b: b.get("pages_load_average"), "", None),
    ("http rps (thread page, 2 gunicorn workers)", lambda b: b.get("http_rps"), "", None),
    (
        "http reference rps (bare page, same posts)",
        lambda b: b.get("reference_thread_rps"),
        "",
        None,
    ),
    (
        "thread page rps / reference rps",
        lambda b: b.get("thread_rps_vs_reference"),
        f">= {THREAD_VS_REFERENCE:g}",
        lambda v: v >= THREAD_VS_REFERENCE,
    ),
    ("http p99 ms", lambda b: b.get("http_p99_ms"), "", None),
    (
        "http worker CPU ms per thread page",
        lambda b: b.get("http_worker_cpu_ms_per_request"),
        "",
        None,
    ),
    (
        "http worker CPU ms per reference page",
        lambda b: b.get("reference_worker_cpu_ms_per_request"),
        "",
        None,
    ),
    ("ws sockets", _ws("sockets"), "", None),
    ("ws idle sockets held", _ws("idle_sockets_held"), "", None),
    ("ws receipt p50 ms", _ws("receipt_p50_ms"), "", None),
    ("ws receipt p99 ms", _ws("receipt_p99_ms"), "< 100", lambda v: v < 100),
    ("ws fanout 2000 ms", _ws("fanout_2000_ms"), "< 1000", lambda v: v < 1000),
    ("ws fanout 2000 ms, two daphne processes", _ws("fanout_2000_two_processes_ms"), "", None),
    (
        "ws fanout one process / two processes",
        _fanout_ratio,
        f"<= {FANOUT_ONE_VS_TWO:g}",
        lambda v: v <= FANOUT_ONE_VS_TWO,
    ),
    ("ws KiB per socket", _ws("kib_per_socket"), "<= 50", lambda v: v <= 50),
]


def format_table(results: dict) -> str:
    """A Markdown table: one row per figure, one column per backend, with the budgets."""
    backends = list(results["backends"])
    header = ["figure", "budget", *backends]
    lines = [header, ["---"] * len(header)]
    for label, read, budget, check in ROWS:
        cells = [label, budget]
        for backend in backends:
            cells.append(_cell(results["backends"][backend], read, check))
        lines.append(cells)
    errors = [
        f"- {backend} {part}: {value['error']}"
        for backend, measured in results["backends"].items()
        for part, value in (measured.items() if isinstance(measured, dict) else [])
        if isinstance(value, dict) and "error" in value
    ] + [
        f"- {backend}: {measured['error']}"
        for backend, measured in results["backends"].items()
        if isinstance(measured.get("error"), str)
    ]
    table = "\n".join("| " + " | ".join(str(c) for c in line) + " |" for line in lines)
    markdown = results.get("markdown")
    if isinstance(markdown, dict) and "worst_ms" in markdown:
        check = "pass" if markdown["worst_ms"] < 200 else "FAIL"
        table += (
            f"\n\nmarkdown worst case (budget < 200 ms a render, any backend): "
            f"{markdown['worst_ms']:g} ms {check}, for {markdown['worst_input']} "
            f"({markdown['renders']} renders, {markdown['renders_over_budget']} over 200 ms)"
        )
    elif isinstance(markdown, dict) and "error" in markdown:
        errors.append(f"- markdown worst case: {markdown['error']}")
    if errors:
        table += "\n\nNot measured:\n" + "\n".join(errors)
    return table


def _cell(measured: dict, read: Callable[[dict], object], check) -> str:
    try:
        value = read(measured)
    except (AttributeError, TypeError):
        value = None
    if value is None or isinstance(value, dict):
        return "n/a"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if check is None or not isinstance(value, int | float):
        return text
    return f"{text} {'pass' if check(value) else 'FAIL'}"


if __name__ == "__main__":
    main()
