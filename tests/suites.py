"""Which optional test suites a run requires (see the root conftest.py)."""

from __future__ import annotations

import os

import pytest

SUITES = {"postgresql", "redis", "browser", "corpus", "validator", "nginx"}


def required_suites() -> set[str]:
    raw = os.environ.get("REQUIRE_SUITES", "")
    names = {name.strip() for name in raw.split(",") if name.strip()}
    unknown = names - SUITES
    if unknown:
        raise pytest.UsageError(f"REQUIRE_SUITES names unknown suites: {sorted(unknown)}")
    return names


def skip_suite(suite: str, reason: str) -> None:
    """Skip, or fail when the suite is required in this run."""
    assert suite in SUITES
    if suite in required_suites():
        pytest.fail(f"[suite:{suite}] required but unavailable: {reason}", pytrace=False)
    pytest.skip(f"[suite:{suite}] {reason}")
