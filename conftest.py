"""Suite rules shared by every test folder.

Some tests need a real service (PostgreSQL, Redis) or Debian's Chromium. They
skip with a reason starting "[suite:NAME]" when it is missing, unless NAME is in
REQUIRE_SUITES (comma-separated), in which case they fail. And when
REQUIRE_SUITES is set, any skip that is not such an allowed suite skip fails
the run: CI cannot go green while quietly leaving tests out.
"""

from __future__ import annotations

import os

import pytest

from tests.suites import SUITES, required_suites

_unexpected_skips: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or not os.environ.get("REQUIRE_SUITES"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    allowed = any(reason.startswith(f"[suite:{suite}]") for suite in SUITES - required_suites())
    if not allowed:
        _unexpected_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _unexpected_skips:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line("Skips not allowed with REQUIRE_SUITES set:", red=True)
            for line in _unexpected_skips:
                reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in
    the main thread for the rest of the session, which async tests cannot share."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
