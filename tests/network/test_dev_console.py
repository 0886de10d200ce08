"""What a developer sees in the terminal under `make run` (issue 17): each
request logged once, and each email in a block of its own, readable."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from django.core.mail import EmailMultiAlternatives

from network.console import EmailBackend
from tests.conftest import REPO_ROOT

LOG_TWICE_PROBE = """
import logging, django
django.setup()
logging.getLogger("django.channels.server").info("HTTP GET /probe/ 200 [0.01, 127.0.0.1:1]")
logging.getLogger("django.request").warning("Not Found: /probe/missing/")
logging.getLogger("members").info("a line of our own")
"""


def _development_process(code: str, **environment: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL")}
    clean.update({"DJANGO_SETTINGS_MODULE": "network.settings", "DEBUG": "true", **environment})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=clean,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def test_each_request_and_each_error_is_logged_once_in_development() -> None:
    output = _development_process(LOG_TWICE_PROBE).stderr
    assert output.count("HTTP GET /probe/ 200") == 1, output
    assert output.count("Not Found: /probe/missing/") == 1, output
    assert output.count("a line of our own") == 1, output


def test_development_email_goes_to_the_framed_console_backend() -> None:
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.EMAIL_BACKEND)"
    assert _development_process(code).stdout.strip() == "network.console.EmailBackend"


def test_a_development_email_is_printed_framed_with_its_text_as_written() -> None:
    link = "http://127.0.0.1:8201/accounts/confirm-email/" + "MjQ:1u" + "x" * 80 + "/"
    message = EmailMultiAlternatives(
        subject="[Réseau] Confirmez votre adresse e-mail",
        body=f"Bonjour,\n\nPour confirmer, ouvrez ce lien :\n{link}\n",
        from_email="network@localhost",
        to=["new@example.org"],
    )
    message.attach_alternative("<p>Bonjour</p>", "text/html")
    stream = io.StringIO()
    EmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if "EMAIL" in line and line.startswith("="))
    end = next(i for i, line in enumerate(lines) if "END OF EMAIL" in line)
    block = lines[start + 1 : end]
    assert "To: new@example.org" in block
    assert "Subject: [Réseau] Confirmez votre adresse e-mail" in block
    # The link on one line, whole: a developer can click or copy it.
    assert link in block
    assert "Pour confirmer, ouvrez ce lien :" in block
    assert "[also sent as text/html]" in block
