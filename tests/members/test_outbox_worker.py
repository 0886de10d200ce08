"""The email worker as an operator runs it: `python manage.py run_outbox` in its own process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from notifications.models import OutboxEmail
from tests.servers import REPO_ROOT, server_env


@pytest.mark.django_db(transaction=True)
def test_worker_sends_queued_email_keeps_a_heartbeat_and_stops_cleanly(make_user, tmp_path) -> None:
    member = make_user()
    email = OutboxEmail.objects.create(recipient=member, subject="Welcome", body="Hello")
    mail_dir, heartbeat = tmp_path / "mail", tmp_path / "heartbeat"
    mail_dir.mkdir()
    command = ["run_outbox", "--interval", "0.2", "--heartbeat", str(heartbeat)]
    worker = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=REPO_ROOT,
        env=server_env(EMAIL_URL=f"file://{mail_dir}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (list(mail_dir.iterdir()) and heartbeat.exists()):
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.1)
        [sent] = [path.read_text() for path in mail_dir.iterdir()]
        assert "Subject: Welcome" in sent and member.email in sent
        email.refresh_from_db()
        assert email.sent_at is not None
        first_beat = heartbeat.stat().st_mtime
        time.sleep(0.5)
        assert heartbeat.stat().st_mtime > first_beat, "the heartbeat stopped"
    finally:
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=10)
    assert worker.returncode == 0
    assert "sent 1, failed 0" in out
