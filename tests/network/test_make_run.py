"""What `make run` gives the processes it starts (issue 17: notification emails
linked to port 8000 while `make run PORT=8201` served 8201)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _settings_under_make_run(setting: str, **make_vars: str) -> str:
    """``setting`` as the outbox worker (the process that sends email) sees it."""
    arguments = [f"{name}={value}" for name, value in make_vars.items()]
    plan = subprocess.run(
        ["make", "-n", "-s", "run", *arguments],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    (line,) = [line for line in plan.splitlines() if "manage.py run_outbox" in line]
    assignments = line.split(" .venv/bin/python")[0]
    probe = (
        "import django; django.setup(); "
        f"from django.conf import settings; print(settings.{setting})"
    )
    environment = {
        key: value for key, value in os.environ.items() if key not in {"SITE_URL", "DEBUG"}
    }
    environment["DJANGO_SETTINGS_MODULE"] = "network.settings"
    return subprocess.run(
        ["sh", "-c", f'{assignments} "{sys.executable}" -c "{probe}"'],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True, env=environment,
    ).stdout.strip()  # fmt: skip


def test_links_in_email_follow_the_port_make_run_serves() -> None:
    assert _settings_under_make_run("SITE_URL", PORT="8201") == "http://127.0.0.1:8201"


def test_a_server_on_every_interface_is_linked_as_localhost() -> None:
    every_interface = "0.0.0.0"  # noqa: S104 (a make variable, nothing is bound)
    assert _settings_under_make_run("SITE_URL", HOST=every_interface, PORT="8202") == (
        "http://127.0.0.1:8202"
    )
