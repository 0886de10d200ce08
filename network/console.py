"""Development email on the console, one clearly framed block per message.

Django's console backend prints the raw MIME message: quoted-printable text
that breaks long links with ``=`` at the end of a line and encodes every
accented letter, lost among the server's request lines. A developer under
``make run`` looks for the verification link; this prints the headers a person
reads and the text as written, between two rulers that name it.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

WIDTH = 79


def _ruler(title: str) -> str:
    return f" {title} ".center(WIDTH, "=")


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message: EmailMessage) -> None:
        lines = [
            "",
            _ruler("EMAIL (development: printed here, not sent)"),
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        lines += [f"Subject: {message.subject}", "", message.body.rstrip("\n")]
        for _content, mimetype in getattr(message, "alternatives", []):
            lines.append(f"[also sent as {mimetype}]")
        lines += [_ruler("END OF EMAIL"), ""]
        self.stream.write("\n".join(lines) + "\n")
